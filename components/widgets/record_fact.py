"""Record a fact in the app: "Add to this authority's record" on the authority page.

Forms for a new intervention, a monitoring or focused visit and an event, and "Correct or retract"
for each of the authority's facts (pre-filled from the fact, carrying its version). Each form
builds a row of tracker CSV columns and hands it to ``oversight.data.curation.edits``, which reads
it exactly as the tracker CSV importer reads a row (one code path), requires the source's link
and title, and checks the person's role again: a form is drawn only for an editor or above, and a
submission replayed by anyone else is refused there, with the refusal shown. What is saved is a
proposal, waiting for a different person to review it.

Owns the ``record_*`` keys. A form's keys carry a generation number, raised after a successful
proposal, so the next form starts empty; a correction's keys carry the fact's version too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from oversight.components.figures.safe_text import markdown, option
from oversight.components.widgets import auth, cache, outcome, plausibility
from oversight.components.widgets.auth import SignedIn
from oversight.components.widgets.review import EVENT_WORDS, LEVEL_WORDS, STATES, short, what
from oversight.data.curation import edits, history
from oversight.data.curation.history import Change
from oversight.data.curation.roles import PROPOSE
from oversight.data.domain import vocab
from oversight.data.domain.text import FIELD_LIMITS
from oversight.data.store.story import AuthorityStory, Fact

KEY_OUTCOME = "record_outcome"
KEY_WHAT = "record_what"
KEY_FIX = "record_fix_choice"
#: What an editor typed into a correction that someone else's change refused (``Conflict``): kept
#: to fill the form again, at the fact's new version, beside the other person's change.
KEY_DRAFT = "record_draft"
#: The id of the section's heading: the authority page's "add it to the tracker" links here.
ANCHOR = "add-to-this-authoritys-record"
#: Not a tracker column: the intervention's "still in force" box (an empty end date).
STILL = "still_in_force"
COMMENT = "comment"
DATE_HELP = (
    "Pick the day in the calendar, or type it as DD/MM/YYYY. When only the month or the year is "
    "known, pick any day in it and say so beside the date."
)
#: The date pickers' range: the tracker's (``sources.tracker_csv``: 1990 to a year from now).
FIRST_DAY = dt.date(1990, 1, 1)
DATE_FORMAT = "DD/MM/YYYY"
PRECISION_WORDS = {
    "day": "Exact day",
    "month": "Month only",
    "year": "Year only",
    "observed": "Seen in force on this date (start not known)",
    "": "(none)",
}
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
DONE = "Proposed — waiting for review by another person (change {id})."
SAVED = (
    "What it records: {what}. It is listed under “Proposals waiting for review” on this page "
    "until a reviewer decides; you can withdraw it there."
)


@dataclass(frozen=True)
class Field:
    """One form field: its tracker column, label, and widget (text, area, select, still or
    date); a date's ``precision`` is the select drawn beside it (its own tracker column)."""

    column: str
    label: str
    kind: str = "text"
    options: tuple[str, ...] = ()
    words: Mapping[str, str] | None = None
    help: str | None = None
    placeholder: str | None = None
    default: str = ""
    precision: Field | None = None


def _choose(column: str, label: str, words: Mapping[str, str], default: str = "", **kw) -> Field:
    return Field(column, label, "select", tuple(words), words, default=default, **kw)


LEVEL = _choose(
    "level",
    "Level",
    LEVEL_WORDS,
    help="The intervention's level: the DfE instrument in force, most severe first.",
)
PRECISION = _choose(
    "date_precision", "How exact the date is", {k: v for k, v in PRECISION_WORDS.items() if k}, default="day"
)
START = Field("date", "Start date", "date", help=DATE_HELP, precision=PRECISION)
STILL_IN_FORCE = Field(STILL, "Still in force (no end date)", "still", default="yes")
END_PRECISION = _choose(
    "end_precision",
    "How exact the end date is",
    {k: PRECISION_WORDS[k] for k in ("day", "month", "year")},
    default="day",
)
END = Field(
    "end_date",
    "End date (when it was lifted or revoked)",
    "date",
    help="Leave empty, and tick “Still in force”, if it has not ended. " + DATE_HELP,
    precision=END_PRECISION,
)
SOURCE = (
    Field(
        "source_url",
        "Source link (required)",
        placeholder="https://…",
        help="Where this was published: an http:// or https:// address.",
    ),
    Field("source_title", "Source title (required)", help="The title of the page, letter or report."),
    Field("source_publisher", "Publisher (optional)", help="e.g. Department for Education, Ofsted."),
)
LETTER = (
    Field(
        "source_url", "Letter link (required)", placeholder="https://…", help="The visit letter's address."
    ),
    Field("source_title", "Letter title (required)"),
    Field("source_publisher", "Publisher (optional)", default="Ofsted"),
)
NOTE = Field(COMMENT, "Note for the reviewer (optional)", "area")

INTERVENTION = (
    LEVEL,
    START,
    STILL_IN_FORCE,
    END,
    Field(
        "title", "Instrument or title", help="e.g. “Statutory direction, 12 March 2021” (empty: the level)."
    ),
    Field(
        "kind",
        "Kind (optional)",
        help="One word for the instrument, e.g. adviser or commissioner: it tells apart two of one level "
        "that start on one day.",
    ),
    Field("people", "Commissioner or adviser", help="Named people; separate several with ;"),
    Field("details", "Partner or trust, and notes", "area"),
)
VISIT = (
    _choose("kind", "Kind of visit", vocab.VISIT_KINDS),
    Field("date", "Visit date", "date", help=DATE_HELP, precision=PRECISION),
    Field("published", "Letter published on (optional)", "date", help=DATE_HELP),
    Field("details", "Summary", "area", help="What the letter found, in a sentence or two."),
)
EVENT = (
    _choose("kind", "Kind of event", EVENT_WORDS),
    Field("date", "Date", "date", help=DATE_HELP, precision=PRECISION),
    Field("title", "Title (required)"),
    Field("details", "Details", "area"),
    Field("people", "People (optional)", help="Named people; separate several with ;"),
)
INSPECTION = (
    _choose("kind", "Kind of inspection", {k: k for k in vocab.INSPECTION_KINDS}),
    Field("date", "Inspection date", "date", help=DATE_HELP, precision=PRECISION),
    Field("published", "Report published on", "date", help=DATE_HELP),
    _choose("grade", "Overall effectiveness", {g: g for g in GRADES}),
)


@dataclass(frozen=True)
class Form:
    record: str
    choice: str
    fields: tuple[Field, ...]
    source: tuple[Field, ...] = SOURCE


NEW = {
    "intervention": Form("intervention", "An intervention", INTERVENTION),
    "visit": Form("visit", "A monitoring or focused visit", VISIT, LETTER),
    "event": Form("event", "An event", EVENT),
}
FIX = "fix"
CHOICES = {**{k: f.choice for k, f in NEW.items()}, FIX: "Correct or retract a fact"}
#: The fields a correction edits, per fact table (the others keep their values).
CORRECTS = {
    "interventions": INTERVENTION,
    "visits": VISIT,
    "events": EVENT,
    "inspections": INSPECTION,
}


def flat(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """Every field with a column of its own: each date followed by its precision."""
    return tuple(x for f in fields for x in ((f, f.precision) if f.precision else (f,)))


def labels(fields: tuple[Field, ...]) -> dict[str, str]:
    """Tracker column -> the label its problems are shown with."""
    out = {f.column: f.label.removesuffix(" (required)").removesuffix(" (optional)") for f in flat(fields)}
    out.setdefault("authority_code", "Authority")
    out.setdefault("record", "Kind of fact")
    return out


# Widgets ---------------------------------------------------------------------------------------------


def _max_chars(field: Field, value: str) -> int | None:
    """The field's limit (``domain.text.FIELD_LIMITS``, which the data layer enforces too), so
    the browser stops typing there; never below a stored value's length (Streamlit refuses a
    value longer than ``max_chars``: an older, longer value is shown, and refused on saving)."""
    limit = FIELD_LIMITS.get(field.column)
    return None if limit is None else max(limit, len(value or ""))


def day_of(value: str | None) -> dt.date | None:
    """A tracker date ("2021-04-01", "2021-04", "2021") as the day a picker shows (the 1st of
    its month or year, as the tracker stores it); None for none or a value that is no date."""
    text = (value or "").strip()
    text += {7: "-01", 4: "-01-01"}.get(len(text), "")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def tracker_date(day: dt.date | None, precision: str | None) -> str:
    """A picked day as the tracker CSV writes it: "2021-04" for a month, "2021" for a year, so
    the precision reaches the row exactly as a typed month or year did."""
    if day is None:
        return ""
    if precision == "month":
        return f"{day:%Y-%m}"
    if precision == "year":
        return f"{day:%Y}"
    return day.isoformat()


def _date_input(field: Field, key: str, value: str) -> None:
    day = day_of(value)
    last = dt.date.today() + dt.timedelta(days=366)
    st.date_input(
        field.label,
        value=day,
        min_value=min(FIRST_DAY, day or FIRST_DAY),  # an older stored date stays shown
        max_value=max(last, day or last),
        format=DATE_FORMAT,
        key=key,
        help=field.help,
    )


def _widget(field: Field, key: str, value: str) -> None:
    if field.kind == "select":
        options = list(field.options)
        if value and value not in options:
            options.append(value)  # a stored value the vocabulary no longer offers stays choosable
        words = field.words or {}
        st.selectbox(
            field.label,
            options,
            index=options.index(value) if value in options else None,
            format_func=lambda v: words.get(v, v),
            placeholder="Choose…",
            key=key,
            help=field.help,
        )
    elif field.kind == "date":
        _date_input(field, key, value)
    elif field.kind == "still":
        st.checkbox(field.label, value=bool(value), key=key)
    elif field.kind == "area":
        st.text_area(
            field.label, value=value, key=key, help=field.help, height=90, max_chars=_max_chars(field, value)
        )
    else:
        st.text_input(
            field.label,
            value=value,
            key=key,
            help=field.help,
            placeholder=field.placeholder,
            max_chars=_max_chars(field, value),
        )


def _fields(
    fields: tuple[Field, ...],
    keys: Mapping[str, str],
    values: Mapping[str, str],
    other: Change | None = None,
) -> None:
    """The fields with their values; a date with its precision beside it; under each field
    another person's change to it, when a conflict kept this form's values (``other``)."""
    changed = {d.column: d for d in other.differences} if other else {}
    for f in fields:
        value = values.get(f.column, f.default)
        if f.precision is None:
            _widget(f, keys[f.column], value)
            _theirs(other, changed.get(f.column))
            continue
        left, right = st.columns([3, 2])
        with left:
            _widget(f, keys[f.column], value)
            _theirs(other, changed.get(f.column))
        with right:
            p = f.precision
            _widget(p, keys[p.column], values.get(p.column) or p.default)
            _theirs(other, changed.get(p.column))


def _theirs(other: Change | None, difference) -> None:
    """The other person's change to this field, beside the value this editor typed."""
    if other is None or difference is None:
        return
    st.caption(
        markdown(
            f"{other.who}'s change {other.id} ({STATES.get(other.state, other.state)}): "
            f"{short(difference.before, 80) or 'none'} → {short(difference.after, 80) or 'none'}"
        )
    )


def _values(fields: tuple[Field, ...], keys: Mapping[str, str]) -> dict[str, str]:
    """What the form holds, as tracker strings by column (the "still in force" box included):
    a picked day written as its precision says."""
    out: dict[str, str] = {}
    for f in flat(fields):
        value = st.session_state.get(keys[f.column])
        if f.kind == "date":
            precision = st.session_state.get(keys[f.precision.column]) if f.precision else "day"
            out[f.column] = tracker_date(value if isinstance(value, dt.date) else None, precision)
        else:
            out[f.column] = (
                "" if value is None or value is False else ("yes" if value is True else str(value))
            )
    return out


def _read(fields: tuple[Field, ...], keys: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The form's values as tracker columns (strings), and the problems only the form can have."""
    return _row(_values(fields, keys))


def _row(values: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    row = dict(values)
    problems = []
    if STILL in row:
        still = row.pop(STILL) == "yes"
        if still and row.get("end_date", "").strip():
            problems.append("end_date: you ticked “Still in force” and gave an end date: clear one of them")
        if not still and not row.get("end_date", "").strip():
            problems.append("end_date: give the date it ended, or tick “Still in force”")
        if still:
            row["end_date"] = row["end_precision"] = ""
        elif not row.get("end_precision"):
            row["end_precision"] = "day"
    return row, problems


def _keys(prefix: str, fields: tuple[Field, ...]) -> dict[str, str]:
    return {f.column: f"{prefix}_{f.column}" for f in flat(fields)}


def _generation(name: str) -> int:
    return int(st.session_state.get(f"record_{name}_gen", 0))


def _next_generation(name: str) -> None:
    st.session_state[f"record_{name}_gen"] = _generation(name) + 1


def _result_here(place: str) -> None:
    """The outcome of this form's last action, beside its button; it stays on the runs that
    follow, until the form's next action (or the choice of another form) replaces it."""
    outcome.show(KEY_OUTCOME, place=place, keep=True)


def _saved(change_id: int) -> None:
    """Add what the proposal records, in words, to its success (the form is empty again)."""
    change = history.change(cache.engine(), change_id)
    if change is not None:
        outcome.add_line(KEY_OUTCOME, SAVED.format(what=what(change)))


# New facts ---------------------------------------------------------------------------------------------


def _submit_new(record: str, code: str, gen: int) -> None:
    """The form's callback: the proposal by whoever is signed in now."""
    form = NEW[record]
    fields = (*form.fields, *form.source, NOTE)
    row, problems = _read(fields, _keys(f"record_{record}_{gen}", fields))
    comment = row.pop(COMMENT)
    names = labels(fields)
    if problems:
        outcome.refuse(KEY_OUTCOME, problems, names, place=record)
        return
    row.update(record=record, authority_code=code)
    if plausibility.hold(record, row):  # warnings not yet shown for these values: shown, nothing filed
        return
    actor = auth.current_actor()
    made: list[int] = []

    def act() -> str:
        made.append(edits.propose(cache.engine(), actor, row, comment=comment))
        return DONE.format(id=made[0])

    if outcome.run(KEY_OUTCOME, act, names, place=record):
        _saved(made[0])
        _next_generation(record)


def _new_form(record: str, code: str) -> None:
    form = NEW[record]
    gen = _generation(record)
    prefix = f"record_{record}_{gen}"
    fields = (*form.fields, *form.source, NOTE)
    keys = _keys(prefix, fields)
    with st.form(f"{prefix}_form", enter_to_submit=False):
        _fields(form.fields, keys, {})
        st.markdown("**Where it was published**")
        _fields(form.source, keys, {})
        _widget(NOTE, keys[COMMENT], "")
        plausibility.show(record)
        st.form_submit_button(
            f"Propose this {record}",
            type="primary",
            key=f"{prefix}_submit",
            on_click=_submit_new,
            args=(record, code, gen),
            icon=":material/send:",
        )
        _result_here(record)


# Corrections and retractions ---------------------------------------------------------------------------


def _ref(fact: Fact) -> str:
    return f"{fact.fact_table}:{fact.fact_id}"


def fact_label(fact: Fact) -> str:
    """A fact in a select box (plain text, cut): "1 Apr 2021 · intervention · Improvement notice"."""
    day = fact.date.isoformat() if fact.date else "no date"
    label = fact.label or fact.kind or ""
    own = "" if fact.own or not fact.authority else f" ({fact.authority})"
    return option(short(f"{day} · {fact.type} · {label}{own}", 110))


def _keep_draft(place: str, values: Mapping[str, str]) -> None:
    """After a refusal because someone else changed the fact first: keep what this editor typed
    (and whose change it was), so the form at the fact's new version starts from their values."""
    kept = outcome.kept(KEY_OUTCOME)
    if kept is not None and kept.conflict:
        st.session_state[KEY_DRAFT] = {"place": place, "values": dict(values), "other": kept.other_change}


def _draft(place: str) -> tuple[dict[str, str] | None, Change | None]:
    """The values kept for this form after a conflict, and the other person's change."""
    draft = st.session_state.get(KEY_DRAFT)
    if not isinstance(draft, dict) or draft.get("place") != place:
        return None, None
    other = history.change(cache.engine(), draft["other"]) if draft.get("other") else None
    return draft["values"], other


def _submit_fix(table: str, fact_id: int, version: int, gen: int) -> None:
    fields = (*CORRECTS[table], *SOURCE, NOTE)
    place = f"fix:{table}:{fact_id}"
    values = _values(fields, _keys(f"record_fix_{table}_{fact_id}_{version}_{gen}", fields))
    row, problems = _row(values)
    comment = row.pop(COMMENT)
    names = labels(fields)
    if problems:
        outcome.refuse(KEY_OUTCOME, problems, names, place=place)
        return
    if plausibility.hold(FIX, row, (table, fact_id)):  # as for a new fact
        return
    actor = auth.current_actor()
    made: list[int] = []

    def act() -> str:
        made.append(
            edits.propose_correction(cache.engine(), actor, table, fact_id, row, version, comment=comment)
        )
        return DONE.format(id=made[0])

    if outcome.run(KEY_OUTCOME, act, names, place=place):
        st.session_state.pop(KEY_DRAFT, None)
        _saved(made[0])
        _next_generation(FIX)
    else:
        _keep_draft(place, values)


RETRACT = (
    Field(
        COMMENT,
        "Why it should be retracted (required)",
        "area",
        help="It was never so, or it is recorded twice.",
    ),
    *SOURCE,
)


def _submit_retract(table: str, fact_id: int, version: int, gen: int) -> None:
    place = f"retract:{table}:{fact_id}"
    keys = _keys(f"record_retract_{table}_{fact_id}_{version}_{gen}", RETRACT)
    value = {c: str(st.session_state.get(k) or "") for c, k in keys.items()}
    actor = auth.current_actor()
    made: list[int] = []

    def act() -> str:
        change = edits.propose_retraction(
            cache.engine(),
            actor,
            table,
            fact_id,
            version,
            value[COMMENT],
            value["source_url"],
            value["source_title"],
            value["source_publisher"],
        )
        made.append(change)
        return DONE.format(id=change)

    if outcome.run(KEY_OUTCOME, act, labels(RETRACT), place=place):
        st.session_state.pop(KEY_DRAFT, None)
        _saved(made[0])
        _next_generation(FIX)
    else:
        _keep_draft(place, value)


def _fix_section(story: AuthorityStory) -> None:
    facts = {_ref(f): f for f in story.own_facts if f.fact_id is not None}
    if not facts:
        st.caption("This authority has no fact to correct yet.")
        return
    choice = st.selectbox(
        "Fact to correct or retract",
        options=list(facts),
        index=None,
        format_func=lambda ref: fact_label(facts[ref]),
        placeholder="Choose a fact of this authority…",
        key=KEY_FIX,
    )
    if choice is None:
        return
    table, _, fact_id = choice.partition(":")
    current = history.current_fact(cache.engine(), table, int(fact_id))
    if current is None:
        st.warning("This fact is no longer in the tracker (it was retracted): reload the page.")
        _result_here(f"retract:{table}:{fact_id}")
        return
    gen = _generation(FIX)
    fields = (*CORRECTS[table], *SOURCE, NOTE)
    place = f"fix:{table}:{fact_id}"
    prefix = f"record_fix_{table}_{fact_id}_{current.version}_{gen}"
    keys = _keys(prefix, fields)
    values = {**current.row, STILL: "" if current.row.get("end_date") else "yes"}
    values.update({f.column: "" for f in (*SOURCE, NOTE)})
    draft, other = _draft(place)
    with st.form(f"{prefix}_form", enter_to_submit=False):
        st.markdown(
            markdown(f"Correct it (version {current.version}): change what is wrong and cite the source.")
        )
        if draft is not None:
            values = draft
            _conflict_note(other)
        _fields(CORRECTS[table], keys, values, other)
        st.markdown("**Where the correction was published**")
        _fields(SOURCE, keys, values)
        _widget(NOTE, keys[COMMENT], values.get(COMMENT, ""))
        plausibility.show(FIX)
        st.form_submit_button(
            "Propose this correction",
            type="primary",
            key=f"{prefix}_submit",
            on_click=_submit_fix,
            args=(table, int(fact_id), current.version, gen),
            icon=":material/edit:",
        )
        _result_here(place)
    retract_place = f"retract:{table}:{fact_id}"
    retract_prefix = f"record_retract_{table}_{fact_id}_{current.version}_{gen}"
    retract_keys = _keys(retract_prefix, RETRACT)
    retract_draft, retract_other = _draft(retract_place)
    with st.form(f"{retract_prefix}_form", enter_to_submit=False):
        st.markdown(
            "Or retract it: it was never so, or it is recorded twice. It leaves the tracker once approved, "
            "and its history keeps it."
        )
        if retract_draft is not None:
            _conflict_note(retract_other)
        _fields(RETRACT, retract_keys, retract_draft or {})
        st.form_submit_button(
            "Propose retracting it",
            key=f"{retract_prefix}_submit",
            on_click=_submit_retract,
            args=(table, int(fact_id), current.version, gen),
            icon=":material/delete:",
        )
        _result_here(retract_place)


def _conflict_note(other: Change | None) -> None:
    """Above a form refilled after a conflict: what happened, and what to do."""
    who = (
        f"{other.who} changed this fact first (change {other.id}, {STATES.get(other.state, other.state)})"
        if other is not None
        else "The fact changed since you opened the form"
    )
    st.info(
        markdown(
            f"{who}. Nothing you typed is lost: your values are below, their change under each field "
            "it touched. Check them against theirs, then propose again."
        ),
        icon=":material/sync_problem:",
    )


# The section ---------------------------------------------------------------------------------------------


def render(story: AuthorityStory, signed: SignedIn) -> None:
    """The authority page's "Add to this authority's record": forms for editors and above; for
    anyone else, what they would need. The last submission's outcome first, whoever asks."""
    st.markdown("#### Add to this authority's record")
    if not signed.may(PROPOSE):
        outcome.show(KEY_OUTCOME)  # a submission replayed after signing out: refused, and said here
    if not signed.configured:
        st.caption(
            "Recording facts in the app needs sign-in, which is not switched on here: whoever runs "
            "this service adds them."
        )
        return
    if signed.actor is None:
        st.caption(
            "Sign in (in the sidebar) to record or correct a fact. Everything here stays open to read."
        )
        return
    if not signed.may(PROPOSE):
        st.caption(
            markdown(
                f"You are signed in as {signed.actor.shown} with {signed.role_words} on this tracker: "
                "an admin can give you the editor role to record facts."
            )
        )
        return
    st.caption(
        "What you record is a proposal: it shows on the public pages once a different person with the "
        "reviewer role approves it. Every fact needs its source: a link and a title."
    )
    what = st.radio(
        "What do you want to record?",
        options=list(CHOICES),
        format_func=lambda c: CHOICES[c],
        key=KEY_WHAT,
        horizontal=True,
    )
    if what == FIX:
        _fix_section(story)
    else:
        _new_form(what, story.authority.code)
