"""A team's week in the tracker (issue 21): what the new steps cost a person waiting for the page.

On SQLite and PostgreSQL, each a fresh database with the register, the built-in tracker and the
data bundle (what a new deployment holds):

* the plausibility checks of one proposed row (``checks.row_warnings``), median and p95 of 200;
* a tracker CSV uploaded in the app: checked (everything done, then rolled back, as the page
  does when the file is chosen) and filed, for 100 and 500 rows (the upload's limit), ``RUNS``
  rounds of new rows each (median);
* a reviewer's sidebar inbox with the first round's 600 proposals waiting (median of 20), and a
  proposer's;
* e-mail: ``notify.proposed`` to three reviewers through a real local SMTP server (aiosmtpd on
  127.0.0.1), median of 20 — the time a save waits after its commit.

Baselines, in the same run: ``SELECT 1`` on the same database (the round trip under every step),
a write transaction that writes nothing (the writer lock a filing takes), and an SMTP session
that sends nothing (connect, ``NOOP``, ``QUIT``: the mail's own cost is the rest), 20 each. The
machine's load at the start and the end.

Run alone: ``.venv/bin/python -m benchmarks.team_week [--runs R]``.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import tempfile

from aiosmtpd.controller import Controller

from benchmarks.baselines import ms, round_trips, span, timed
from benchmarks.postgres import new_databases
from benchmarks.stats import RUNS, machine, percentile, summary
from oversight.data import bootstrap
from oversight.data.curation import bulk, checks, edits, inbox, notify, users
from oversight.data.curation.roles import OPERATOR, Actor
from oversight.data.store.transactions import write_transaction
from tests.smtp_support import free_port

ISSUER = "http://127.0.0.1/bench"
EDITOR = Actor("editor@example.org", "Eddie Editor", ISSUER, "eddie")
REVIEWERS = [Actor(f"reviewer{i}@example.org", f"Reviewer {i}", ISSUER, f"r{i}") for i in range(3)]
HEADER = "record,authority_code,date,date_precision,kind,title,source_url,source_title\n"
#: Councils that exist throughout 2010-2024, so no row is refused for its date.
COUNCILS = ("E10000008", "E08000011", "E08000009", "E09000015", "E06000030")


def _row(i: int) -> dict[str, str]:
    return {
        "record": "event",
        "authority_code": COUNCILS[i % len(COUNCILS)],
        "date": f"20{14 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "date_precision": "day",
        "kind": "board",
        "title": f"Improvement board meeting {i}",
        "source_url": f"https://www.example.org/minutes/{i}",
        "source_title": "Board minutes",
    }


def _csv(start: int, n: int) -> bytes:
    lines = [",".join(_row(i).values()) for i in range(start, start + n)]
    return (HEADER + "\n".join(lines) + "\n").encode()


def _ms(values: list[float]) -> dict:
    return {**ms(values), "p95_ms": round(percentile(values, 0.95) * 1000, 2)}


def _empty_write(engine) -> None:
    with write_transaction(engine):
        pass


def _smtp_noop(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.noop()


class _Sink:
    """Keeps nothing: the server only has to accept."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        return "250 OK"


def bench(name: str, url: str, runs: int = RUNS) -> dict:
    start = machine()
    engine = bootstrap.ready_engine(url)
    users.grant(engine, OPERATOR, EDITOR.email, "editor", name=EDITOR.name)
    for r in REVIEWERS:
        users.grant(engine, OPERATOR, r.email, "reviewer", name=r.name)
    checking = [timed(lambda i=i: checks.row_warnings(engine, _row(i))) for i in range(200)]
    checked: dict[int, list[float]] = {100: [], 500: []}
    filed: dict[int, list[float]] = {100: [], 500: []}
    first = 0
    for round_ in range(runs):
        for n in (100, 500):
            data = _csv(first, n)
            checked[n].append(
                timed(lambda d=data: bulk.propose_file(engine, EDITOR, d, "week.csv", check_only=True))
            )
            filed[n].append(timed(lambda d=data: bulk.propose_file(engine, EDITOR, d, "week.csv")))
            first += n
        if round_ == 0:  # 600 proposals waiting
            reviewer = [timed(lambda: inbox.inbox(engine, REVIEWERS[0])) for _ in range(20)]
            proposer = [timed(lambda: inbox.inbox(engine, EDITOR)) for _ in range(20)]
    upload = {
        f"{n}_rows": {"check_s": summary(checked[n], 3), "file_s": summary(filed[n], 3)} for n in (100, 500)
    }
    empty_writes = [timed(lambda: _empty_write(engine)) for _ in range(20)]
    port = free_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: os.environ.get(k) for k in notify.KEYS}
    try:
        os.environ.update(
            {
                notify.HOST_ENV: "127.0.0.1",
                notify.PORT_ENV: str(port),
                notify.FROM_ENV: "tracker@example.org",
                notify.STARTTLS_ENV: "off",
                notify.PUBLIC_URL_ENV: "https://oversight.example.org",
            }
        )
        change = edits.propose(engine, EDITOR, _row(first))  # a row no upload holds
        mailing = [timed(lambda: notify.proposed(engine, change)) for _ in range(20)]
        smtp_noop = [timed(lambda: _smtp_noop(port)) for _ in range(20)]
    finally:
        controller.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    out = {
        "backend": name,
        "row_checks": _ms(checking),
        "upload": upload,
        "inbox_reviewer_600_waiting": _ms(reviewer),
        "inbox_proposer": _ms(proposer),
        "email_three_reviewers": _ms(mailing),
        "baseline_select_1": _ms(round_trips(engine, 20)),
        "baseline_empty_write_transaction": _ms(empty_writes),
        "baseline_smtp_session_sending_nothing": _ms(smtp_noop),
        "machine": span(start),
    }
    engine.dispose()
    bootstrap.forget(url)
    print(json.dumps(out))
    return out


def run(runs: int = RUNS) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(bench("sqlite", f"sqlite:///{tmp}/team.sqlite", runs))
        with new_databases("bench_team") as new_pg:
            results.append(bench("postgresql", new_pg(), runs))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"rounds of uploads (default {RUNS})")
    run(parser.parse_args().runs)
