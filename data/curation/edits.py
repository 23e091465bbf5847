"""Record, correct and retract facts: proposals, their review, and reverts.

Every change starts as a **proposal**, a row of ``changes`` that no query of the facts ever sees
(the public map, the authority page and the CLI read only the fact tables). It takes effect when
a different person with the reviewer role approves it (the two-person rule; a deployment may
allow self-approval, ``set_allow_self_approval``): the approval applies it to the fact tables in
the same transaction, under the writer lock imports take.

* Validation is the tracker CSV's (``tracker_csv.parse_row``, the importer's ``Resolver``), plus
  what an edit in the app must also have: a source link (``source_url``) as well as its title, and
  values that fit the database's columns. Problems name the column, so a form can place them.
* **Optimistic versioning**: each fact has a ``version``. A correction or retraction is made
  against the version the person saw (``base_version``); if the fact has moved on since (an
  approved change, an import), or already has a proposal waiting, the new proposal is refused
  with ``Conflict``, which says who changed what and when. Approval checks again: a fact that
  moved after the proposal was made records a ``conflict`` review and raises ``Conflict``; the
  proposal and both versions stay in the history.
* A **retraction** removes the fact from the fact tables; its full before-image stays in the
  history, and ``revert`` puts it back. A **revert** (admins only) is a new change that puts the
  fact back as it was before the reverted change, applied at once.
* Text is stored as typed: nothing is escaped or interpreted here; showing it is the app's job.
* Once a proposal or a decision has committed, ``notify`` e-mails whom it concerns (when the
  deployment sends e-mail); a mail server's failure is logged and never undoes the write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from oversight.data import logs
from oversight.data.curation import images, ledger, notify
from oversight.data.curation.images import CITATION, STORED, Codes, Image, dumps, loads
from oversight.data.curation.roles import PROPOSE, REVERT, REVIEW, SETTINGS, Actor, PermissionDenied
from oversight.data.curation.users import require
from oversight.data.domain.links import link_problem
from oversight.data.domain.text import length_problems
from oversight.data.sources.importer import DEFAULT_PUBLICATION_LAG_DAYS, Resolver
from oversight.data.sources.matching import record_values
from oversight.data.sources.records import Record, SourceInfo
from oversight.data.sources.tracker_csv import COLUMNS, TRACKER_RANK, parse_row
from oversight.data.store import citations, fact_sources
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction

#: What ``propose`` may create. An inspection comes from Ofsted: correct an imported one instead.
CREATABLE = ("intervention", "event", "visit")
NOUN = {"interventions": "intervention", "events": "event", "visits": "visit", "inspections": "inspection"}


class EditRefused(Exception):
    """An edit that was not saved, with every problem found (``problems``: one sentence each;
    a problem about one field starts with its tracker column, ``"level: …"``). Nothing was
    written. ``str()`` is one line."""

    def __init__(self, problems: list[str]):
        self.problems = [" ".join(str(p).split()) for p in problems] or ["the edit was refused"]
        if len(self.problems) == 1:
            super().__init__(self.problems[0])
        else:
            super().__init__(f"{len(self.problems)} problems: " + "; ".join(self.problems))

    @property
    def fields(self) -> dict[str, list[str]]:
        """The problems by field: a tracker column or ``comment`` ("" for the others)."""
        out: dict[str, list[str]] = {}
        for problem in self.problems:
            column, sep, message = problem.partition(": ")
            if sep and (column in COLUMNS or column == "comment"):
                out.setdefault(column, []).append(message)
            else:
                out.setdefault("", []).append(problem)
        return out


class Conflict(EditRefused):
    """Someone else changed the fact first (or has a proposal on it waiting): the message says
    who, when and what. ``other_change_id``: that change, if it is one (None for an import)."""

    def __init__(self, message: str, other_change_id: int | None = None):
        super().__init__([message])
        self.other_change_id = other_change_id


# Reading a form's row ----------------------------------------------------------------------------


def _check_text(row: Mapping[str, Any]) -> list[str]:
    """What a CSV file cannot hold but a form can send: a NUL (PostgreSQL refuses it). Lengths
    are ``parse_row``'s (``domain.text.FIELD_LIMITS``, checked before anything else reads a value)."""
    problems = []
    for column, value in row.items():
        text = value if isinstance(value, str) else ""
        if "\x00" in text:
            problems.append(f"{column}: holds a NUL character")
    return problems


def _checked(conn: Connection, row: Mapping[str, Any]) -> tuple[Record, SourceInfo, int]:
    """The row read as the tracker CSV reads it, with its authority; ``EditRefused`` listing
    every problem otherwise."""
    problems = _check_text(row)
    if not str(row.get("source_url") or "").strip():  # the CSV reader requires source_title itself
        problems.append("source_url: required for an edit in the app (a link to where it was published)")
    rec, info, parse_problems = parse_row(row)
    problems.extend(parse_problems)
    if rec is None or info is None or any(p.startswith("authority_") for p in problems):
        raise EditRefused(problems)
    resolver = Resolver(conn)
    aid = resolver.resolve(rec.authority, rec.reference_date)
    if isinstance(aid, str):
        prefix = f"{rec.authority.where}: "
        message = aid[len(prefix) :] if aid.startswith(prefix) else aid
        problems.append(f"{rec.authority.where.column}: {message}")
    else:
        auth = resolver.by_id[aid]
        day = rec.reference_date
        if day is not None and auth.existed_to and day > auth.existed_to + dt.timedelta(days=366):
            problems.append(
                f"date: {auth.name} ({auth.code}) ended on {auth.existed_to}, but this is dated {day}"
            )
    if problems:
        raise EditRefused(problems)
    return rec, info, aid  # type: ignore[return-value]


def _citation(info: SourceInfo) -> dict[str, Any]:
    """A source as the history keeps it (the ``sources`` columns but its id)."""
    return {
        "key": info.key,
        "url": info.url,
        "title": info.title,
        "publisher": info.publisher,
        "published": info.published.isoformat() if info.published else None,
        "kind": info.kind,
        "licence": info.licence,
    }


def _source_id(conn: Connection, source: Mapping[str, Any]) -> int:
    """The ``sources`` row of a citation (``store/citations``): a source some change already
    cites is never rewritten; a new title or link under the same key is a new row."""
    published = source.get("published")
    return citations.source_id(
        conn,
        source["key"],
        source.get("kind") or "tracker",
        {
            "url": source.get("url"),
            "title": source.get("title") or "",
            "publisher": source.get("publisher"),
            "published": dt.date.fromisoformat(published) if isinstance(published, str) else published,
            "licence": source.get("licence"),
        },
    )


# Facts -----------------------------------------------------------------------------------------


def _label(table: str, values: Mapping[str, Any]) -> str:
    """A short name for a fact in a message: "improvement_notice from 2021-04-01"."""
    day = images.reference_date(table, values)
    when = day.isoformat() if isinstance(day, dt.date) else str(day or "no date")
    if table == "interventions":
        return f"{values['level']} from {when}"
    if table == "events":
        title = str(values["title"] or "")
        return f"{values['kind']} {title[:40]!r} on {when}"
    return f"{values['kind']} {NOUN[table]} of {when}"


def _clash(conn: Connection, table: str, values: Mapping[str, Any], exclude_id: int | None) -> dict | None:
    """Another fact with the same natural key (``schema.NATURAL_KEYS``), which the database's
    unique index would refuse; None if there is none."""
    t = images.fact_table(table)
    for key in s.NATURAL_KEYS:
        if key.table != table or not key.applies_to(dict(values)):
            continue
        where = [t.c[c] == values[c] for c in key.columns]
        if key.only_where is not None:
            column, wanted = key.only_where
            where.append(t.c[column].is_(None) if wanted is None else t.c[column] == wanted)
        if exclude_id is not None:
            where.append(t.c.id != exclude_id)
        row = conn.execute(select(t).where(*where)).mappings().first()
        if row is not None:
            return dict(row)
    return None


def _when(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def _who(change: Mapping[str, Any]) -> str:
    """The proposer by the name they had when they proposed (never a later one), else the email."""
    return change.get("proposed_by_name") or change["proposed_by"]


def _described(conn: Connection, change: Mapping[str, Any], at: dt.datetime) -> str:
    """ "Bob Reviewer changed this intervention at 2026-12-01 10:31 UTC (end date … → none)"."""
    noun = NOUN.get(change["fact_table"], "fact")
    verb = {
        "create": f"recorded this {noun}",
        "correct": f"changed this {noun}",
        "retract": f"retracted this {noun}",
        "revert": f"reverted a change to this {noun}",
    }[change["action"]]
    return f"{_who(change)} {verb} at {_when(at)}{_what(change)}"


def _what(change: Mapping[str, Any]) -> str:
    """ " (end date 2025-03-31 → none)" for a change that kept the fact; "" otherwise."""
    before, after = _tracker(loads(change["before_json"])), _tracker(loads(change["after_json"]))
    if before is None or after is None:
        return ""
    diffs = images.differences(before, after)
    return f" ({images.summary(diffs)})" if diffs else ""


def _tracker(img: Image | None) -> dict[str, Any] | None:
    """The tracker columns of an image; None for a fact that is absent (retracted)."""
    if img is None or STORED not in img:
        return None
    return {k: img.get(k, "") for k in COLUMNS}


NOT_SAVED = "reload to see it; your change was not saved"


def _moved(
    conn: Connection, table: str, fact_id: int, cur: Mapping[str, Any] | None
) -> tuple[str, int | None]:
    """Who moved the fact away from the version an edit was made against (or removed it), and
    when, in words; and that change's id (None for an import)."""
    noun = NOUN[table]
    last = ledger.last_applied_on(conn, table, fact_id)
    if last is not None:
        change, at = last
        if cur is None or _version_of(loads(change["after_json"])) == cur["version"]:
            return _described(conn, change, at), change["id"]
    if cur is None:
        return f"This {noun} is no longer in the tracker", None
    run = None
    if cur["import_run_id"] is not None:
        run = (
            conn.execute(select(s.import_runs).where(s.import_runs.c.id == cur["import_run_id"]))
            .mappings()
            .first()
        )
    if run is not None:
        return f"An import of {run['file_name']} changed this {noun} at {_when(run['finished_at'])}", None
    return f"This {noun} has changed since it was opened (now version {cur['version']})", None


def _waiting(conn: Connection, change: Mapping[str, Any]) -> Conflict:
    """Another proposal on the fact waits for review: say whose, when and what."""
    noun = NOUN[change["fact_table"]]
    what = f"retracting this {noun}" if change["action"] == "retract" else f"a change to this {noun}"
    diffs = images.differences(_tracker(loads(change["before_json"])), _tracker(loads(change["after_json"])))
    detail = f" ({images.summary(diffs)})" if diffs and change["action"] != "retract" else ""
    return Conflict(
        f"{_who(change)} proposed {what} at {_when(change['proposed_at'])}{detail}, "
        f"still waiting for review; {NOT_SAVED}",
        change["id"],
    )


def _editable(conn: Connection, table: str, fact_id: int, base_version: int) -> dict[str, Any]:
    """The fact as stored, if it is still at ``base_version`` and has no proposal waiting."""
    cur = images.current(conn, table, fact_id)
    if cur is None and ledger.last_applied_on(conn, table, fact_id) is None:
        raise EditRefused([f"There is no {NOUN[table]} {fact_id} in the tracker."])
    if cur is None or cur["version"] != base_version:
        why, other = _moved(conn, table, fact_id, cur)
        raise Conflict(f"{why}; {NOT_SAVED}", other)
    waiting = ledger.open_proposals_on(conn, table, fact_id)
    if waiting:
        raise _waiting(conn, waiting[0])
    return cur


def _next_id(conn: Connection, table: str) -> int | None:
    """SQLite gives a new row the largest id + 1, so the id of a retracted newest fact would be
    given again, and two facts would share one history: take the next id past every id the
    history knows. PostgreSQL's sequences never repeat an id (None: let it choose)."""
    if conn.dialect.name != "sqlite":
        return None
    t = images.fact_table(table)
    highest = conn.execute(select(func.max(t.c.id))).scalar() or 0
    known = (
        conn.execute(select(func.max(s.changes.c.fact_id)).where(s.changes.c.fact_table == table)).scalar()
        or 0
    )
    return max(highest, known) + 1


def _insert(
    conn: Connection,
    table: str,
    values: dict[str, Any],
    judgements: Mapping[str, str] | None,
    fact_id: int | None,
) -> int:
    t = images.fact_table(table)
    values = {k: v for k, v in values.items() if k != "id"}
    if fact_id is not None:
        values["id"] = fact_id
    new_id = conn.execute(insert(t).values(**values)).inserted_primary_key[0]
    if table == "inspections" and judgements:
        conn.execute(
            insert(s.inspection_judgements),
            [{"inspection_id": new_id, "area": a, "grade": g} for a, g in judgements.items()],
        )
    return new_id


def _delete(conn: Connection, table: str, fact_id: int) -> None:
    t = images.fact_table(table)
    if table == "inspections":
        j = s.inspection_judgements
        conn.execute(j.delete().where(j.c.inspection_id == fact_id))
    conn.execute(t.delete().where(t.c.id == fact_id))
    fact_sources.drop(conn, table, fact_id)


# Proposals -------------------------------------------------------------------------------------

#: What a person is told rather than a failure: the server's log says ``outcome=refused``.
REFUSALS = (EditRefused, PermissionDenied)


def _actor(actor: Actor | None) -> Actor:
    assert actor is not None  # require() has refused None already
    return actor


def _logged(
    name: str, actor: Actor | None, change: int | None = None
) -> AbstractContextManager[dict[str, object]]:
    """The server's log line for an edit (``data/logs``): the change, the kind of record, the fact,
    the council's ONS code and the actor's email, filled in as they become known; never a value,
    a comment or a name."""
    return logs.action(
        name,
        refusals=REFUSALS,
        change=change,
        record=None,
        fact=None,
        authority=None,
        actor=logs.actor_key(actor),
    )


def _noted(
    conn: Connection, noted: dict[str, object], table: str, fact_id: int | None, aid: int | None
) -> None:
    """The record's kind, the fact's id and the council's code, for the log line."""
    code = None
    if aid is not None:
        code = conn.execute(select(s.authorities.c.code).where(s.authorities.c.id == aid)).scalar()
    noted.update(record=NOUN.get(table, table), fact=fact_id, authority=code)


def propose(engine: Engine, actor: Actor | None, row: Mapping[str, str], *, comment: str = "") -> int:
    """Propose a new fact: an intervention, an event or a visit (``row["record"]``), given as a
    row of tracker CSV columns (the authority by ``authority_code`` or ``authority_name``).

    Validated exactly as a tracker CSV row is (``tracker_csv.parse_row``), and an edit in the app
    must also give ``source_url`` (an http(s) address) as well as ``source_title``. Nothing
    changes in the fact tables until it is approved. Returns the change id.

    Raises ``PermissionDenied`` (not an editor or above) or ``EditRefused`` (every problem,
    each naming its column; also a fact already recorded); nothing is written either way.
    """
    with _logged("propose", actor) as noted, write_transaction(engine) as conn:
        change_id, table, aid = _filed(conn, actor, row, comment)
        noted["change"] = change_id
        _noted(conn, noted, table, None, aid)
    notify.proposed(engine, change_id)  # after the commit: a mail server never undoes a proposal
    return change_id


def propose_in(conn: Connection, actor: Actor | None, row: Mapping[str, str], *, comment: str = "") -> int:
    """``propose`` inside a writer's transaction the caller holds (``write_transaction``), for a
    caller that must read and propose under one lock (``curation/harvest``: is this page already
    proposed?). Raises as ``propose`` does; the caller's transaction then writes nothing. The
    caller tells the reviewers (``notify.proposed``) once its transaction has committed."""
    return _filed(conn, actor, row, comment)[0]


def _filed(
    conn: Connection, actor: Actor | None, row: Mapping[str, str], comment: str
) -> tuple[int, str, int]:
    """``propose_in``: the change id, the fact table and the authority's id."""
    require(conn, actor, PROPOSE)
    who = _actor(actor)
    record = str(row.get("record") or "").strip()
    if record not in CREATABLE:
        raise EditRefused(
            [
                "record: an inspection comes from Ofsted's releases: correct an imported one instead"
                if record == "inspection"
                else f"record: one of {', '.join(CREATABLE)}"
            ]
        )
    _check_comment(comment)
    rec, info, aid = _checked(conn, row)
    table, values, _ = record_values(rec)
    values.update(authority_id=aid, source_id=None, import_run_id=None, source_rank=TRACKER_RANK, version=1)
    existing = _clash(conn, table, values, None)
    if existing is not None:
        raise EditRefused(
            [
                f"This {NOUN[table]} is already in the tracker ({_label(table, existing)}, "
                f"id {existing['id']}): correct that one instead"
            ]
        )
    after = images.image(
        table, values, _citation(info), Codes(conn), sources=[images.source_entry(_citation(info))]
    )
    after[CITATION] = _citation(info)
    change_id = ledger.add_change(
        conn,
        action="create",
        fact_table=table,
        authority_id=aid,
        after_json=dumps(after),
        proposed_by=who.key,
        proposed_by_name=who.shown,
        comment=comment or None,
    )
    return change_id, table, aid


def _check_comment(comment: str, required: str | None = None) -> None:
    too_long = length_problems({"comment": comment or ""})
    if too_long:
        raise EditRefused(too_long)
    if "\x00" in (comment or ""):
        raise EditRefused(["comment: holds a NUL character"])
    if required and not (comment or "").strip():
        raise EditRefused([f"comment: {required}"])


def _corrected(table: str, cur: Mapping[str, Any], new: Mapping[str, Any], aid: int) -> dict[str, Any]:
    """The fact's columns after a correction: the tracker's columns from the form, the rest (an
    inspection's judgements, a visit's theme, where it was imported from) kept."""
    values = dict(cur)
    values.update(new)
    values.update(
        authority_id=aid,
        source_id=None,  # the correction's own source, set when it is applied
        source_rank=max(cur["source_rank"], TRACKER_RANK),  # a newer Ofsted release still wins
        version=cur["version"] + 1,
    )
    if table == "visits" and new.get("theme") is None:
        values["theme"] = cur["theme"]
    if table == "inspections":
        if new["publication_date"] is None:
            # Not published as far as the form says: estimate it as the importer does.
            lag = DEFAULT_PUBLICATION_LAG_DAYS
            if cur["publication_estimated"] and cur["publication_date"] and cur["inspection_date"]:
                lag = (cur["publication_date"] - cur["inspection_date"]).days
            start = values["inspection_date"]
            values["publication_date"] = start + dt.timedelta(days=lag) if start else None
            values["publication_estimated"] = start is not None
        else:
            values["publication_estimated"] = False
        if values["overall_effectiveness"] == cur["overall_effectiveness"]:
            values["overall_derived"] = cur["overall_derived"]
    return values


def propose_correction(
    engine: Engine,
    actor: Actor | None,
    fact_table: str,
    fact_id: int,
    row: Mapping[str, str],
    base_version: int,
    *,
    comment: str = "",
) -> int:
    """Propose a correction of any fact (an intervention, event, visit, or an imported
    inspection or visit): ``row`` gives the new values in tracker columns; a column it leaves
    out keeps the fact's current value, but its source (``source_url``, ``source_title``,
    ``source_publisher``) must be given anew: the correction's own citation.

    ``base_version`` is the fact's ``version`` the person saw. Returns the change id.

    Raises ``PermissionDenied``; ``Conflict`` if the fact is no longer at ``base_version`` or
    already has a proposal waiting (who, when, what); ``EditRefused`` for invalid values, a
    change of record kind, or no change at all. Nothing is written when it raises.
    """
    with _logged("correct", actor) as noted, write_transaction(engine) as conn:
        noted.update(record=NOUN.get(fact_table, fact_table), fact=fact_id)
        require(conn, actor, PROPOSE)
        who = _actor(actor)
        table = images.fact_table(fact_table).name
        _check_comment(comment)
        cur = _editable(conn, table, fact_id, base_version)
        codes = Codes(conn)
        before = images.image_of(conn, table, fact_id, codes)
        assert before is not None
        merged = {c: before[c] for c in COLUMNS if not c.startswith("source_")}
        merged.update({c: "" for c in COLUMNS if c.startswith("source_")})
        merged.update({k: ("" if v is None else v) for k, v in row.items()})
        if str(merged.get("record") or "").strip() != images.RECORD_OF[table]:
            raise EditRefused(
                [f"record: a correction keeps it a {NOUN[table]}: retract it and record a new fact instead"]
            )
        rec, info, aid = _checked(conn, merged)
        _, new, _ = record_values(rec)
        values = _corrected(table, cur, new, aid)
        # The correction's source joins the fact's sources; the earlier ones stay (issue 21).
        kept = images.with_source(before[STORED].get(images.SOURCES) or [], _citation(info))
        after = images.image(table, values, _citation(info), codes, before[STORED].get("judgements"), kept)
        if _tracker(after) == _tracker(before):
            raise EditRefused(["Nothing to change: every value is as the tracker already has it."])
        existing = _clash(conn, table, values, fact_id)
        if existing is not None:
            raise EditRefused(
                [
                    f"Another {NOUN[table]} is already in the tracker with these values "
                    f"({_label(table, existing)}, id {existing['id']})"
                ]
            )
        after[CITATION] = _citation(info)
        change_id = ledger.add_change(
            conn,
            action="correct",
            fact_table=table,
            fact_id=fact_id,
            authority_id=aid,
            base_version=base_version,
            before_json=dumps(before),
            after_json=dumps(after),
            proposed_by=who.key,
            proposed_by_name=who.shown,
            comment=comment or None,
        )
        noted["change"] = change_id
        _noted(conn, noted, table, fact_id, aid)
    notify.proposed(engine, change_id)
    return change_id


def propose_retraction(
    engine: Engine,
    actor: Actor | None,
    fact_table: str,
    fact_id: int,
    base_version: int,
    comment: str,
    source_url: str,
    source_title: str,
    source_publisher: str = "",
) -> int:
    """Propose removing a fact from the tracker (it was never so, or is recorded twice): why
    (``comment``, required) and the source that shows it (link and title, required).

    Once approved the fact leaves the fact tables; its full before-image stays in the history
    and ``revert`` brings it back. Raises as ``propose_correction`` does. Returns the change id.
    """
    with _logged("retract", actor) as noted, write_transaction(engine) as conn:
        noted.update(record=NOUN.get(fact_table, fact_table), fact=fact_id)
        require(conn, actor, PROPOSE)
        who = _actor(actor)
        table = images.fact_table(fact_table).name
        cited = {"source_url": source_url or "", "source_title": source_title or ""}
        cited["source_publisher"] = source_publisher or ""
        problems = length_problems({k: v.strip() for k, v in cited.items()} | {"comment": comment or ""})
        if problems:  # nothing else reads a value that is too long
            raise EditRefused(problems)
        problems = _check_text(cited)
        if "\x00" in (comment or ""):
            problems.append("comment: holds a NUL character")
        elif not (comment or "").strip():
            problems.append(f"comment: say why this {NOUN[table]} should be retracted")
        if not cited["source_title"].strip():
            problems.append("source_title: required (the title of the source that shows it)")
        url_problem = link_problem(cited["source_url"].strip())
        if url_problem:
            problems.append(f"source_url: not a web address: {url_problem}")
        if problems:
            raise EditRefused(problems)
        cur = _editable(conn, table, fact_id, base_version)
        before = images.image_of(conn, table, fact_id)
        url = cited["source_url"].strip()
        citation = _citation(
            SourceInfo(
                key=f"tracker:{url}"[:300],
                title=cited["source_title"].strip(),
                kind="tracker",
                url=url,
                publisher=cited["source_publisher"].strip() or None,
            )
        )
        change_id = ledger.add_change(
            conn,
            action="retract",
            fact_table=table,
            fact_id=fact_id,
            authority_id=cur["authority_id"],
            base_version=base_version,
            before_json=dumps(before),
            after_json=dumps({CITATION: citation}),
            proposed_by=who.key,
            proposed_by_name=who.shown,
            comment=comment,
        )
        noted["change"] = change_id
        _noted(conn, noted, table, fact_id, cur["authority_id"])
    notify.proposed(engine, change_id)
    return change_id


# Review ---------------------------------------------------------------------------------------


def _open_change(conn: Connection, change_id: int) -> dict[str, Any]:
    """A proposal still waiting for a decision, else ``EditRefused`` saying what it is."""
    change = ledger.change_row(conn, change_id)
    if change is None:
        raise EditRefused([f"There is no change {change_id}."])
    if change["action"] not in ledger.PROPOSALS:
        raise EditRefused(
            [f"Change {change_id} ({change['action']}) is not a proposal: it took effect when made."]
        )
    current_state = ledger.state_of(conn, change)
    if current_state not in ledger.OPEN:
        raise EditRefused([f"Change {change_id} is no longer waiting for review: it was {current_state}."])
    return change


def allow_self_approval(engine: Engine) -> bool:
    """Whether this deployment lets a reviewer approve their own proposals (off by default)."""
    with engine.connect() as conn:
        return ledger.setting(conn, ledger.ALLOW_SELF_APPROVAL) == "on"


def set_allow_self_approval(engine: Engine, actor: Actor | None, on: bool) -> int:
    """Turn self-approval on or off for this deployment (admins only; ``PermissionDenied``
    otherwise). Recorded in the history; returns the change id."""
    with _logged("settings", actor) as noted, write_transaction(engine) as conn:
        noted["self_approval"] = bool(on)
        require(conn, actor, SETTINGS)
        before = ledger.setting(conn, ledger.ALLOW_SELF_APPROVAL) == "on"
        ledger.put_setting(conn, ledger.ALLOW_SELF_APPROVAL, "on" if on else "off")
        change_id = ledger.add_change(
            conn,
            action="settings",
            before_json=dumps({ledger.ALLOW_SELF_APPROVAL: before}),
            after_json=dumps({ledger.ALLOW_SELF_APPROVAL: bool(on)}),
            proposed_by=_actor(actor).key,
            proposed_by_name=_actor(actor).shown,
        )
        noted["change"] = change_id
        return change_id


def _approval_conflict(conn: Connection, change: Mapping[str, Any]) -> Conflict | None:
    """Why the proposal cannot be applied as it was made, if the tracker moved since."""
    table, fact_id = change["fact_table"], change["fact_id"]
    if change["action"] in ("correct", "retract"):
        cur = images.current(conn, table, fact_id)
        if cur is None or cur["version"] != change["base_version"]:
            why, other = _moved(conn, table, fact_id, cur)
            return Conflict(
                f"{why}; change {change['id']} was proposed before that and was not applied", other
            )
    if change["action"] in ("create", "correct"):
        values = images.columns_of(table, loads(change["after_json"]))
        existing = _clash(conn, table, values, fact_id)
        if existing is not None:
            return Conflict(
                f"The tracker already has this {NOUN[table]} ({_label(table, existing)}, id {existing['id']}), "
                f"recorded since change {change['id']} was proposed; it was not applied"
            )
    return None


def approve(engine: Engine, actor: Actor | None, change_id: int, comment: str = "") -> int | None:
    """Approve a proposal and apply it, in one transaction: a new fact is inserted (its source
    row made from the citation, kind "tracker"), a correction updates the fact and raises its
    version, a retraction removes it. Returns the fact's id (None for a retraction).

    Two-person rule: the approver must be a reviewer or admin other than the proposer, unless
    the deployment allows self-approval (``PermissionDenied`` otherwise). If the fact moved
    since the proposal, a ``conflict`` review is recorded and ``Conflict`` raised; nothing else
    changes. ``EditRefused`` if the change is not a proposal waiting for review.
    """
    conflict: Conflict | None = None
    fact_id: int | None = None
    with _logged("approve", actor, change_id) as noted, write_transaction(engine) as conn:
        require(conn, actor, REVIEW)
        who = _actor(actor)
        _check_comment(comment)
        change = _open_change(conn, change_id)
        _noted(conn, noted, change["fact_table"], change["fact_id"], change["authority_id"])
        if change["proposed_by"] == who.key and ledger.setting(conn, ledger.ALLOW_SELF_APPROVAL) != "on":
            raise PermissionDenied(
                f"{who.key} proposed change {change_id}, so a different reviewer must approve it "
                "(self-approval is off for this deployment)."
            )
        conflict = _approval_conflict(conn, change)
        if conflict is not None:
            ledger.add_review(conn, change_id, "conflict", who.key, str(conflict), who.shown)
            noted.update(outcome=logs.REFUSED, error=type(conflict).__name__)
        else:
            ledger.add_review(conn, change_id, "approved", who.key, comment, who.shown)
            fact_id = _apply(conn, change)
            ledger.add_review(conn, change_id, ledger.APPLIED, who.key, by_name=who.shown)
            noted["fact"] = fact_id if fact_id is not None else change["fact_id"]
    notify.decided(engine, change_id)  # applied, or not applied (conflict): the proposer hears either
    if conflict is not None:
        raise conflict
    return fact_id


def _apply(conn: Connection, change: Mapping[str, Any]) -> int | None:
    """Write an approved proposal into the fact tables; the fact's id (None once retracted)."""
    table, action = change["fact_table"], change["action"]
    after = loads(change["after_json"])
    source_id = _source_id(conn, after[CITATION])
    if action == "retract":
        _delete(conn, table, change["fact_id"])
        ledger.fill_in(conn, change["id"], source_id=source_id)
        return None
    values = images.columns_of(table, after)
    values["source_id"] = source_id
    if action == "create":
        fact_id = _insert(conn, table, values, None, _next_id(conn, table))
        fact_sources.add(conn, table, fact_id, source_id, at=ledger.now(), change_id=change["id"])
        ledger.fill_in(conn, change["id"], fact_id=fact_id, source_id=source_id)
        return fact_id
    t = images.fact_table(table)
    values.pop("id", None)
    conn.execute(update(t).where(t.c.id == change["fact_id"]).values(**values))
    # A correction adds its source to the fact's sources and keeps the earlier ones.
    fact_sources.add(conn, table, change["fact_id"], source_id, at=ledger.now(), change_id=change["id"])
    ledger.fill_in(conn, change["id"], source_id=source_id)
    return change["fact_id"]


#: What a rejection without a reason is told: the proposer sees the reason (``curation/inbox``).
REASON_REQUIRED = "a rejection needs a reason, which the person who proposed it sees"


def reject(engine: Engine, actor: Actor | None, change_id: int, comment: str) -> None:
    """Reject a proposal (reviewers and admins; ``PermissionDenied`` otherwise): it stays in the
    history, rejected, and never touches the facts. ``comment``, the reason, is required: its
    proposer is told it (``curation/inbox``), and a rejection without one teaches them nothing.
    ``EditRefused`` if the reason is blank or the proposal is not waiting. The proposer is then
    e-mailed, when the deployment sends e-mail (``curation/notify``)."""
    with _logged("reject", actor, change_id) as noted, write_transaction(engine) as conn:
        require(conn, actor, REVIEW)
        _check_comment(comment, REASON_REQUIRED)
        change = _open_change(conn, change_id)
        _noted(conn, noted, change["fact_table"], change["fact_id"], change["authority_id"])
        ledger.add_review(conn, change_id, "rejected", _actor(actor).key, comment, _actor(actor).shown)
    notify.decided(engine, change_id)


def withdraw(engine: Engine, actor: Actor | None, change_id: int, comment: str = "") -> None:
    """Withdraw one's own proposal (only its proposer, who must still be an editor or above:
    ``PermissionDenied`` otherwise). It stays in the history, withdrawn."""
    with _logged("withdraw", actor, change_id) as noted, write_transaction(engine) as conn:
        require(conn, actor, PROPOSE)
        who = _actor(actor)
        _check_comment(comment)
        change = _open_change(conn, change_id)
        _noted(conn, noted, change["fact_table"], change["fact_id"], change["authority_id"])
        if change["proposed_by"] != who.key:
            raise PermissionDenied(f"Only the person who proposed change {change_id} may withdraw it.")
        ledger.add_review(conn, change_id, "withdrawn", who.key, comment, who.shown)


# Revert --------------------------------------------------------------------------------------


def _version_of(img: Image | None) -> int | None:
    if img is None or STORED not in img:
        return None
    return img[STORED]["columns"].get("version")


def revert(engine: Engine, actor: Actor | None, change_id: int, comment: str) -> int:
    """Undo an applied change to a fact, as a new change applied at once (admins only): the
    fact goes back to its before-image (a retracted fact is inserted again as it was, a
    correction is undone, a created fact is retracted). ``comment`` (why) is required.

    Raises ``PermissionDenied``; ``Conflict`` if the fact changed after that change (revert the
    later one first); ``EditRefused`` if the change is not an applied change to a fact.
    Returns the new change's id (``reverts_change_id`` names the reverted one).
    """
    with _logged("revert", actor) as noted, write_transaction(engine) as conn:
        noted["reverts"] = change_id
        require(conn, actor, REVERT)
        who = _actor(actor)
        _check_comment(comment, "say why this change is reverted")
        target = ledger.change_row(conn, change_id)
        if target is None:
            raise EditRefused([f"There is no change {change_id}."])
        if target["action"] not in ledger.FACT_ACTIONS:
            raise EditRefused(
                [
                    f"Change {change_id} is {'an' if target['action'] == 'import' else 'a'} {target['action']}: "
                    "only a change to a fact can be reverted"
                ]
            )
        target_state = ledger.state_of(conn, target)
        if target_state != ledger.APPLIED:
            raise EditRefused(
                [f"Change {change_id} was not applied (it is {target_state}): nothing to revert."]
            )
        table, fact_id = target["fact_table"], target["fact_id"]
        was, to = loads(target["after_json"]), loads(target["before_json"])
        cur = images.current(conn, table, fact_id)
        codes = Codes(conn)
        before = images.image_of(conn, table, fact_id, codes) if cur is not None else None
        if _tracker(before) != _tracker(was):  # the fact is no longer as that change left it
            why, other = _moved(conn, table, fact_id, cur)
            raise Conflict(f"{why}, after change {change_id}: revert that first; nothing was reverted", other)
        after, new_id, source_id = _restore(conn, table, fact_id, cur, to, codes, change_id)
        new_change = ledger.add_change(
            conn,
            action="revert",
            fact_table=table,
            fact_id=new_id,
            authority_id=target["authority_id"],
            base_version=cur["version"] if cur is not None else None,
            before_json=dumps(before) if before is not None else None,
            after_json=dumps(after) if after is not None else None,
            source_id=source_id,
            reverts_change_id=change_id,
            proposed_by=who.key,
            proposed_by_name=who.shown,
            comment=comment,
        )
        ledger.add_review(conn, new_change, ledger.APPLIED, who.key, by_name=who.shown)
        noted["change"] = new_change
        _noted(conn, noted, table, new_id, target["authority_id"])
        return new_change


def _restore(
    conn: Connection,
    table: str,
    fact_id: int,
    cur: Mapping[str, Any] | None,
    to: Image | None,
    codes: Codes,
    reverted: int,
) -> tuple[Image | None, int, int | None]:
    """Put the fact into the state ``to`` (None or no stored columns: absent), its sources too:
    a revert of a correction takes off the source it added. Returns its image afterwards, its id
    (a retracted fact gets its old id back unless another fact has it since) and its source id.
    ``reverted``: the change being reverted."""
    if to is None or STORED not in to:
        _delete(conn, table, fact_id)
        return None, fact_id, None
    values = images.columns_of(table, to)
    stored = to[STORED]
    source_id = _source_id(conn, stored["source"])
    values["source_id"] = source_id
    values["version"] = (cur["version"] if cur is not None else values.get("version", 1)) + 1
    t = images.fact_table(table)
    if cur is not None:
        values.pop("id", None)
        conn.execute(update(t).where(t.c.id == fact_id).values(**values))
        new_id = fact_id
    else:
        if _clash(conn, table, values, None) is not None:
            raise Conflict(
                f"The tracker has this {NOUN[table]} again since it was retracted; nothing was reverted"
            )
        free = conn.execute(select(t.c.id).where(t.c.id == fact_id)).first() is None
        new_id = _insert(
            conn, table, values, stored.get("judgements"), fact_id if free else _next_id(conn, table)
        )
    _restore_sources(conn, table, new_id, stored, source_id, reverted if cur is not None else None)
    after = images.image_of(conn, table, new_id, codes)
    return after, new_id, source_id


def _restore_sources(
    conn: Connection,
    table: str,
    fact_id: int,
    stored: Mapping[str, Any],
    primary: int,
    reverted: int | None,
) -> None:
    """The fact's sources as the image had them. An image from before revision 0006 has only its
    primary: the sources the reverted change added (``reverted``, when the fact stayed) come
    off, and the primary is one of them."""
    entries = stored.get(images.SOURCES)
    if entries is not None:
        links = [
            fact_sources.Link(
                _source_id(conn, e["source"]),
                i,
                dt.datetime.fromisoformat(e["added_at"]) if e.get("added_at") else None,
                e.get("added_by"),
                e.get("import_run_id"),
            )
            for i, e in enumerate(entries)
        ]
        if primary not in {link.source_id for link in links}:
            links.insert(0, fact_sources.Link(primary, 0, ledger.now(), None, None))
        fact_sources.put(conn, table, fact_id, links)
        return
    if reverted is not None:
        fact_sources.remove_added_by(conn, table, fact_id, reverted)
    fact_sources.add(conn, table, fact_id, primary, at=ledger.now())
