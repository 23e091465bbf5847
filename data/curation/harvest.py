"""New notices and directions from GOV.UK, filed as proposals for a reviewer (``oversight harvest``).

DfE publishes every improvement notice and statutory direction as a GOV.UK decision page. A
harvest asks GOV.UK's public Search API (``/api/search.json``: DfE's pages of document type
``decision`` whose public timestamp is on or after the day asked from, oldest first, in pages)
which decision pages appeared, keeps those whose title names a notice or a direction to someone
(``sources/govuk_decisions.read_title``), asks the Content API (``/api/content/<path>``) for each
one's first publication, text and history, and files each as a **proposal** (``edits.propose_in``)
made by the command line's operator (``roles.OPERATOR``), with a comment saying it was harvested.
Nothing reaches the facts until a reviewer approves it, as for any proposal; once each is filed,
the reviewers are e-mailed, when the deployment sends e-mail (``curation/notify``).

A page is skipped, with one line saying why, when it is about SEND services only, names no council
the register knows (or more than one), is already cited by a fact of the tracker, was proposed
before (whatever became of that proposal: a reviewer's rejection stands), or matches an
intervention already recorded for the council (same instrument, revised or not, starting within a
month of the page). DfE's other decision pages are counted, not listed.

Every HTTP call goes through ``downloads/transfer.Transfer``: a byte limit per answer, a time
limit (``API_SECONDS``, or less with ``OVERSIGHT_DOWNLOAD_TIME_LIMIT``), redirects only within the
host asked. The network is never waited on while the writer lock is held.

**One transaction per page**, not one for the run: each page's checks (is it cited or proposed
already?) and its proposal are one write transaction, so two harvests at once never file a page
twice, a page a reviewer must refuse does not undo the others, and a run cut off half-way keeps
what it filed (the next run skips those). The day of the run is remembered (the ``deployment``
setting ``harvest_last_run``) only when every page was dealt with, in its own transaction at the
end, so the next run asks from that day: a page that failed to load is asked for again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import Connection, Engine, select

from oversight.data import logs
from oversight.data.curation import checks, edits, ledger, notify
from oversight.data.curation.images import CITATION, loads
from oversight.data.curation.roles import OPERATOR
from oversight.data.domain import vocab
from oversight.data.downloads.transfer import MIB, Limits, Transfer, TransferError, time_limit
from oversight.data.sources import govuk_decisions as gd
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction

DEFAULT_BASE_URL = gd.PUBLIC_SITE
LAST_RUN = "harvest_last_run"
ORGANISATION = "department-for-education"
DOCUMENT_TYPE = "decision"
FIELDS = ("title", "link", "description", "public_timestamp", "content_store_document_type", "format")
PAGE_SIZE = 100  # results per search request (the API allows up to 1,500)
MAX_RESULTS = 2_000  # results one run reads; a longer window is finished by the next run
FIRST_WINDOW_DAYS = 365  # a first run with no --since asks for the last year
SEARCH_BYTES = 8 * MIB  # one page of search results (~1 KB each)
CONTENT_BYTES = 4 * MIB  # one content item (a decision page is ~10 KB)
API_SECONDS = 30.0
PROPOSED, SKIPPED, FAILED = "proposed", "skipped", "failed"


class HarvestFailed(Exception):
    """The search itself could not be asked or read: nothing was proposed. One line."""


@dataclass(frozen=True)
class Outcome:
    """What became of one notice or direction page: proposed (``change_id``), skipped or failed."""

    status: str
    title: str
    link: str
    words: str
    change_id: int | None = None
    #: A proposal's plausibility warnings (``curation/checks``), for the reviewer and the terminal.
    warnings: tuple[str, ...] = ()


@dataclass
class Run:
    """One harvest: the day asked from, each page's outcome, the other decision pages counted,
    and the day the next run will ask from (None: not moved, because a page failed)."""

    since: dt.date
    since_given: str  # "--since", "the last run" or "a first run: the last year"
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: int = 0
    truncated: bool = False
    next_since: dt.date | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def last_run(engine: Engine) -> dt.date | None:
    """The day the last complete harvest ran (the next one asks from it), if any."""
    with engine.connect() as conn:
        value = ledger.setting(conn, LAST_RUN)
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def harvest(
    engine: Engine,
    *,
    since: dt.date | None = None,
    base_url: str = DEFAULT_BASE_URL,
    today: dt.date | None = None,
    page_size: int = PAGE_SIZE,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Ask GOV.UK for decision pages published since ``since`` (default: the last run's day, else a
    year ago) and file each new notice or direction as a proposal. ``HarvestFailed`` if the search
    cannot be asked; a page that cannot be read is a ``failed`` outcome and the last run's day is
    then kept. One line in the server's log (``data/logs``): the day asked from and the pages
    proposed, skipped and failed (``outcome=partial`` when a page failed)."""
    with logs.action("harvest", since=since, actor=logs.actor_key(OPERATOR)) as noted:
        run = _harvest(engine, since, base_url, today, page_size, progress)
        noted.update(
            since=run.since.isoformat(),
            proposed=run.count(PROPOSED),
            skipped=run.count(SKIPPED),
            failed=run.count(FAILED),
            outcome="partial" if run.count(FAILED) else logs.OK,
        )
    return run


def _harvest(
    engine: Engine,
    since: dt.date | None,
    base_url: str,
    today: dt.date | None,
    page_size: int,
    progress: Callable[[str], None] | None,
) -> Run:
    today = today or dt.datetime.now(dt.UTC).date()
    base = base_url.rstrip("/")
    remembered = last_run(engine)
    if since is not None:
        run = Run(since, "--since")
    elif remembered is not None:
        run = Run(remembered, "the last run")
    else:
        run = Run(today - dt.timedelta(days=FIRST_WINDOW_DAYS), "a first run: the last year")
    hits = _search(base, run, page_size, progress)
    for hit in hits:
        outcome = _one(engine, base, hit, today, run, progress)
        if outcome is not None:
            run.outcomes.append(outcome)
    if run.count(FAILED):
        return run
    # Oldest first: a cut-off run has read every page up to its last result's day.
    last_day = gd.day_of(hits[-1].get("public_timestamp")) if run.truncated and hits else None
    run.next_since = last_day or today
    with write_transaction(engine) as conn:
        ledger.put_setting(conn, LAST_RUN, run.next_since.isoformat())
    return run


# Asking GOV.UK -----------------------------------------------------------------------------------


def _get_json(url: str, max_bytes: int) -> Any:
    """One bounded GET of a JSON answer; ``TransferError`` or ``ValueError`` (not JSON), one line."""
    limits = Limits(
        max_bytes=max_bytes,
        seconds=min(API_SECONDS, time_limit()),
        read_seconds=min(API_SECONDS, time_limit()),
        basis="the limit for one answer of GOV.UK's API",
    )
    with Transfer(url, limits) as transfer:
        raw = transfer.to_bytes(url)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the answer is not JSON ({exc.__class__.__name__})") from None


def search_url(base: str, since: dt.date, start: int, count: int) -> str:
    """The Search API request for DfE's decision pages from ``since`` on, oldest first."""
    params: list[tuple[str, str]] = [
        ("filter_organisations", ORGANISATION),
        ("filter_content_store_document_type", DOCUMENT_TYPE),
        ("filter_public_timestamp", f"from:{since.isoformat()}"),
        ("order", "public_timestamp"),
        ("count", str(count)),
        ("start", str(start)),
    ]
    params += [("fields", f) for f in FIELDS]
    return f"{base}/api/search.json?{urlencode(params)}"


def _search(
    base: str, run: Run, page_size: int, progress: Callable[[str], None] | None
) -> list[dict[str, Any]]:
    """Every result from ``run.since`` on, oldest first, at most ``MAX_RESULTS``."""
    hits: list[dict[str, Any]] = []
    start = 0
    while True:
        url = search_url(base, run.since, start, page_size)
        if progress:
            progress(f"asking    {url}")
        try:
            answer = _get_json(url, SEARCH_BYTES)
        except (TransferError, ValueError) as exc:
            raise HarvestFailed(f"GOV.UK's Search API could not be read ({url}): {exc}") from None
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise HarvestFailed(f"GOV.UK's Search API answered without a list of results ({url})")
        hits += [r if isinstance(r, dict) else {} for r in results]
        total = answer.get("total")
        start += len(results)
        if len(hits) >= MAX_RESULTS:
            run.truncated = isinstance(total, int) and total > len(hits)
            return hits[:MAX_RESULTS]
        if len(results) < page_size or (isinstance(total, int) and start >= total):
            return hits


def _content(base: str, path: str) -> gd.Page:
    """The Content API's page at ``path``; ``TransferError``, ``ValueError`` or ``NotReadable``."""
    return gd.read_content(_get_json(f"{base}/api/content{quote(path)}", CONTENT_BYTES))


# One page ---------------------------------------------------------------------------------------


def _one(
    engine: Engine,
    base: str,
    hit: dict[str, Any],
    today: dt.date,
    run: Run,
    progress: Callable[[str], None] | None = None,
) -> Outcome | None:
    """Propose one result, or say why not; None for a decision that is no notice or direction."""
    title = " ".join(str(hit.get("title") or "").split())
    heading = gd.read_title(title)
    if heading is None:
        run.ignored += 1
        return None
    path = gd.public_path(hit.get("link"))
    if path is None:
        return Outcome(SKIPPED, title, str(hit.get("link") or ""), "its link is not a plain GOV.UK path")
    link = gd.public_link(path)
    description = str(hit.get("description") or "")
    if gd.send_only(title, description):
        return Outcome(SKIPPED, title, link, "about SEND services only, not children's social care")
    with engine.connect() as conn:
        known = _already(conn, path)
    if known:
        return Outcome(SKIPPED, title, link, known)
    if progress:
        progress(f"reading   {link}")
    try:
        page = _content(base, path)
    except (TransferError, ValueError) as exc:  # gd.NotReadable is a ValueError
        return Outcome(FAILED, title, link, f"its page could not be read from the Content API: {exc}")
    if gd.send_only(page.title, page.description):
        return Outcome(SKIPPED, title, link, "about SEND services only, not children's social care")
    item = gd.notice(page, gd.read_title(page.title) or heading)
    if isinstance(item, str):
        return Outcome(SKIPPED, title, link, item)
    return _propose(engine, item, today)


def _propose(engine: Engine, item: gd.Notice, today: dt.date) -> Outcome:
    """The page's checks and its proposal, in one write transaction."""
    row = gd.tracker_row(item, today)
    comment = (
        f"Harvested from GOV.UK by `oversight harvest` on {today.isoformat()} (its Search and Content "
        "APIs): check the page before approving."
    )
    title = item.page.title
    try:
        with write_transaction(engine) as conn:
            known = _already(conn, item.page.path) or _recorded(conn, item)
            if known:
                return Outcome(SKIPPED, title, item.link, known)
            change_id = edits.propose_in(conn, OPERATOR, row, comment=comment)
            warnings = tuple(w.text for w in checks.row_warnings_in(conn, row, today=today))
    except edits.EditRefused as exc:
        return Outcome(SKIPPED, title, item.link, f"the proposal was refused: {exc}")
    notify.proposed(engine, change_id)  # committed: the reviewers may hear of it
    what = f"{item.level}{' (' + item.kind + ')' if item.kind else ''}"
    words = (
        f"{what} for {item.council.name} ({item.council.code}) from {item.page.first_published.isoformat()}"
    )
    return Outcome(PROPOSED, title, item.link, words, change_id, warnings)


def _already(conn: Connection, path: str) -> str:
    """Why a page is already known, in words: a fact cites it (as any of its sources), or a
    proposal did; "" if neither."""
    src, fs = s.sources, s.fact_sources
    for table in (s.interventions, s.events):
        rows = conn.execute(
            select(fs.c.fact_id.label("id"), src.c.url)
            .join(src, fs.c.source_id == src.c.id)
            .where(fs.c.fact_table == table.name, src.c.url.contains(path, autoescape=True))
            .order_by(fs.c.fact_id)
        )
        for row in rows:
            if gd.same_page(row.url, path):
                return f"already in the tracker: {edits.NOUN[table.name]} {row.id} cites this page"
    c = s.changes
    rows = conn.execute(
        select(c.c.id, c.c.after_json)
        .where(c.c.action == "create", c.c.after_json.contains(path, autoescape=True))
        .order_by(c.c.id)
    )
    for row in rows:
        cited = (loads(row.after_json) or {}).get(CITATION) or {}
        if gd.same_page(cited.get("url"), path):
            state = ledger.state_of(conn, {"id": row.id, "action": "create"})
            return f"already proposed: change {row.id} ({state})"
    return ""


#: Levels of one instrument family: a direction is recorded at one of these three.
_DIRECTIONS = (vocab.DIRECTION, vocab.DIRECTION_COMMISSIONER, vocab.ALTERNATIVE_DELIVERY)


def _family(level: str) -> str:
    return vocab.DIRECTION if level in _DIRECTIONS else level


def _window(day: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    """The days a start date of that precision may mean."""
    if precision == "month":
        nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return day.replace(day=1), nxt - dt.timedelta(days=1)
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    return day, day


_SHOWN = {"month": "%Y-%m", "year": "%Y"}


def _recorded(conn: Connection, item: gd.Notice) -> str:
    """An intervention of the council already recorded as this one, in words; "" if none: the same
    instrument (a notice, or a direction at any of its levels), revised alike, whose start is within
    a month of the page's first publication (DfE publishes a notice days after issuing it)."""
    t = s.interventions
    aid = conn.execute(
        select(s.authority_codes.c.authority_id).where(s.authority_codes.c.code == item.council.code)
    ).scalar()
    if aid is None:
        return ""
    day = item.page.first_published
    revised = item.kind == "revised"
    rows = conn.execute(
        select(t.c.id, t.c.level, t.c.kind, t.c.start_date, t.c.start_precision)
        .where(t.c.authority_id == aid)
        .order_by(t.c.start_date)
    )
    for row in rows:
        if _family(row.level) != _family(item.level) or ((row.kind or "") == "revised") != revised:
            continue
        if row.start_precision == "observed":
            continue
        first, last = _window(row.start_date, row.start_precision)
        gap = max((first - day).days, (day - last).days, 0)
        if gap <= 31:
            when = row.start_date.strftime(_SHOWN.get(row.start_precision, "%Y-%m-%d"))
            return (
                f"already in the tracker: intervention {row.id} ({row.level} from {when}) looks like this one"
            )
    return ""
