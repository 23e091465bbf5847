"""Bulk entry through review: a tracker CSV uploaded in the app, each row a proposal.

An editor's weekly batch goes through the same door as one fact from the form: every row is
read as the importer reads a tracker file (``tracker_csv.read_rows``: the formula guard taken
off, empty rows skipped) and proposed with ``edits.propose_in`` (the same validation, the source
link required), all in one writer's transaction. Any problem in any row, each named by the file,
row and column, and nothing is filed. Each proposal then waits for a reviewer like any other,
with its plausibility warnings (``curation/checks``) beside it; the reviewers get one e-mail
for the whole file (``notify.uploaded``).

Who may upload is checked here (an editor or above), before the file is read, whatever the page
showed. ``oversight import`` stays the administrators' way to write facts without review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from oversight.data import logs
from oversight.data.curation import checks, edits, notify
from oversight.data.curation.edits import EditRefused
from oversight.data.curation.roles import PROPOSE, Actor
from oversight.data.curation.users import require
from oversight.data.domain.text import terminal
from oversight.data.sources.limits import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, size_text
from oversight.data.sources.records import Where
from oversight.data.sources.tracker_csv import COLUMNS, read_rows
from oversight.data.store.transactions import write_transaction

#: A file name is outside text: kept to this length in messages and comments.
NAME_LIMIT = 80
#: At most this many problems are listed (a wrong file can have one per cell).
PROBLEMS_LISTED = 60


@dataclass(frozen=True)
class Filed:
    """What an upload filed (or, for a check, would file): the change ids (empty for a check),
    the rows proposed, and each warning as "file, row N: sentence"."""

    name: str
    rows: int
    changes: tuple[int, ...]
    warnings: tuple[str, ...]


class _Checked(Exception):
    """Ends a check's transaction (rolled back: nothing is filed) and carries what it found."""

    def __init__(self, filed: Filed):
        super().__init__("checked")
        self.filed = filed


def shown_name(name: str) -> str:
    """The upload's name as messages give it: its last path part, control characters as escapes,
    cut to ``NAME_LIMIT``. Still outside text: the page shows it through ``safe_text``."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1] or "upload.csv"
    base = terminal(base)
    return base if len(base) <= NAME_LIMIT else base[: NAME_LIMIT - 1] + "…"


def _refused(problems: list[str]) -> EditRefused:
    if len(problems) > PROBLEMS_LISTED:
        more = len(problems) - PROBLEMS_LISTED
        problems = [*problems[:PROBLEMS_LISTED], f"… and {more} more problems; nothing was filed"]
    return EditRefused(problems)


def _text(data: bytes, name: str) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise EditRefused(
            [
                f"{name}: is {size_text(len(data))}, more than an upload may be ({size_text(MAX_UPLOAD_BYTES)}); "
                "split it, or ask an admin to use “oversight import”"
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EditRefused([f"{name}: cannot be read as UTF-8 text (save it as “CSV UTF-8”)"]) from None


def _located(name: str, line: int, problem: str) -> str:
    """ "level: …" from ``edits`` as "file, row 3, column level: …"."""
    column, sep, message = problem.partition(": ")
    if sep and column in COLUMNS:
        return f"{Where(name, row=line, column=column)}: {message}"
    return f"{Where(name, row=line)}: {problem}"


def propose_file(
    engine: Engine,
    actor: Actor | None,
    data: bytes,
    name: str,
    *,
    check_only: bool = False,
    today: dt.date | None = None,
) -> Filed:
    """Propose every row of a tracker CSV (``data``, its bytes; ``name``, as uploaded), in one
    transaction. ``check_only``: do everything but file (the transaction is rolled back), so the
    page can show what would be filed, and its warnings, first.

    Raises ``PermissionDenied`` (not an editor or above: the file is not read) or ``EditRefused``
    listing every problem by file, row and column; nothing is filed either way. A filing (not a
    check) is one line in the server's log (``data/logs``): rows, proposals, warnings, the actor.
    """
    if check_only:
        return _propose_file(engine, actor, data, name, check_only=True, today=today)
    with logs.action(
        "upload",
        refusals=edits.REFUSALS,
        rows=None,
        proposals=None,
        warnings=None,
        actor=logs.actor_key(actor),
    ) as noted:
        filed = _propose_file(engine, actor, data, name, check_only=False, today=today)
        noted.update(rows=filed.rows, proposals=len(filed.changes), warnings=len(filed.warnings))
    return filed


def _propose_file(
    engine: Engine, actor: Actor | None, data: bytes, name: str, *, check_only: bool, today: dt.date | None
) -> Filed:
    shown = shown_name(name)
    try:
        with write_transaction(engine) as conn:
            require(conn, actor, PROPOSE)
            rows, problems = read_rows(shown, _text(data, shown))
            if rows is None:
                raise EditRefused(problems)
            if not rows and not problems:
                raise EditRefused([f"{shown}: has no rows to propose"])
            if len(rows) > MAX_UPLOAD_ROWS:
                raise EditRefused(
                    [
                        f"{shown}: has {len(rows)} rows, more than an upload may propose ({MAX_UPLOAD_ROWS}); "
                        "split it into smaller files"
                    ]
                )
            changes: list[int] = []
            warnings: list[str] = []
            seen: dict[tuple, int] = {}
            for line, row in rows:
                same = seen.setdefault(tuple(sorted(row.items())), line)
                if same != line:
                    problems.append(f"{Where(shown, row=line)}: repeats row {same}")
                    continue
                try:
                    changes.append(edits.propose_in(conn, actor, row, comment=f"From {shown}, row {line}"))
                except EditRefused as exc:
                    problems.extend(_located(shown, line, p) for p in exc.problems)
                    continue
                warnings.extend(
                    f"{Where(shown, row=line)}: {w.text}"
                    for w in checks.row_warnings_in(conn, row, today=today)
                )
            if problems:
                raise _refused(problems)
            filed = Filed(shown, len(rows), tuple(changes), tuple(warnings))
            if check_only:
                raise _Checked(Filed(shown, len(rows), (), tuple(warnings)))
    except _Checked as done:
        return done.filed
    # Committed: the reviewers hear of the file once each, not of each row (500 rows were 500
    # messages to every reviewer).
    notify.uploaded(engine, filed.changes, shown)
    return filed
