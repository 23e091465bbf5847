"""What changed between two dates (issue 12): the digest a board reads first, as pure rules.

``build_digest`` takes plain records (every full inspection, intervention, visit and event of the
authorities asked about, the register's authorities and links) and returns a :class:`Digest`:
every change in the window as a :class:`ChangeLine`, grouped in a fixed order (``GROUPS``). The
store (``oversight.data.store.changes``) reads the records in a few queries; the page, the board
pack and ``oversight changes`` all print the same digest.

The rules, one per group:

* **The window** holds both its days: a change dated ``since`` or ``until`` is in it.
* **New full judgements** are dated by publication (DOMAIN §2: a judgement is in force from its
  report's publication), each with the grade before it (the authority's previous full judgement;
  a new authority after a merge or split starts "not inspected before", DOMAIN §1). Under the
  April 2026 framework a report is "no overall grade (2026 framework)" or "inadequate (derived
  from area judgements)".
* **Spells** (DOMAIN §3, ``spells.spells_of``): started on the publication that started them,
  ended on the publication of the better judgement, with their length in months.
* **Interventions** (DOMAIN §5) as the map sees them (``levels.spans``: an "observed" start is
  taken from the inadequate judgement before it; a notice or direction with no recorded end is
  presumed lifted 12 months after a better judgement). Per authority, the level in force is the
  most severe intervention in force (support and supervision ranked last). An intervention that
  starts with nothing in force *started*; one that starts while another is in force *revised*
  the intervention when it is as severe or more (a level change, or the same level re-issued)
  or when the tracker calls it ``revised``, otherwise it started alongside. An end (recorded or
  presumed) after which nothing is in force *lifted* it; an end after which a different level
  remains is a *revision* (stepped down); a recorded end under a more severe intervention that
  continues is a revision too, a presumed one is not listed. An end on the authority's last day
  (Northamptonshire, 2021) is the reorganisation, listed under boundary changes, not a lift.
* **Visits** by visit date, else the letter's publication date.
* **Statutory clocks** (DOMAIN §4, ``clocks.deadlines`` from each inadequate report) that fell in
  the window while that report was still the authority's latest full judgement and the authority
  still existed, with no recorded fact of the matching kind on or before the date: an
  ``action_plan`` event (or, for rows recorded before that kind existed, an event whose title or
  details mention an "action plan") for the action plan; a monitoring visit for the first
  monitoring visit (a clock before the data's lists of monitoring visits start, or after they end,
  says so: only the tracker's own records could show one); a full inspection for the re-inspection window and its
  end. A clock after ``today`` has not passed and is not listed.
* **Boundary changes and recodes** from the register: authorities created and ceasing (dated on
  the day the new ones start), codes changing.
* **Newly recorded** (issue 21): a fact that entered the record in the window whatever its own
  date, so that a notice recorded today but dated 2025 reaches the board. A fact is recorded when a
  proposal to create or correct it is approved, or when an import writes it (the store's
  ``Recorded``: the day, in UTC, and how). It is dated by the day it was recorded and listed once:
  a fact whose own date (an intervention's start or end, a visit's, an event's, a judgement's
  publication) is in the window already has its line there. The recording window may end later
  than the window of the facts' own dates (the store ends it today when the window reaches the
  newest data: "up to the newest data" means "up to now").

Every line carries its source (a link only when it is an http(s) address with a host) and says
when its date or value is estimated (``estimated``) or its grade derived from area judgements
(``derived``), and how (``caveat``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from oversight.data.domain import clocks, framework, levels, links, vocab
from oversight.data.domain.dates import long_date
from oversight.data.domain.spells import Judgement, spells_of

ONE_DAY = dt.timedelta(days=1)

# Group kinds, in the order a digest lists them -------------------------------------------------
NEWLY_RECORDED = "newly_recorded"
JUDGEMENT = "judgement"
SPELL_STARTED = "spell_started"
SPELL_ENDED = "spell_ended"
INTERVENTION_STARTED = "intervention_started"
INTERVENTION_REVISED = "intervention_revised"
INTERVENTION_LIFTED = "intervention_lifted"
VISIT = "visit"
EVENT = "event"
CLOCK = "clock"
BOUNDARY = "boundary"

#: kind -> label, in the fixed order of ``Digest.groups``.
GROUPS: dict[str, str] = {
    NEWLY_RECORDED: "Newly recorded (whatever their own date)",
    JUDGEMENT: "New full judgements",
    SPELL_STARTED: "Inadequate spells started",
    SPELL_ENDED: "Inadequate spells ended",
    INTERVENTION_STARTED: "Interventions started",
    INTERVENTION_REVISED: "Interventions revised",
    INTERVENTION_LIFTED: "Interventions lifted",
    VISIT: "Monitoring visits, focused visits and joint targeted area inspections",
    EVENT: "Tracker events",
    CLOCK: "Statutory deadlines reached with nothing recorded",
    BOUNDARY: "Boundary changes and recodes",
}
GROUP_ORDER = {kind: i for i, kind in enumerate(GROUPS)}

# Clock subkinds
ACTION_PLAN_DUE = "action_plan_due"
FIRST_VISIT_DUE = "first_monitoring_visit_due"
REINSPECTION_WINDOW_OPENED = "reinspection_window_opened"
REINSPECTION_DUE = "reinspection_due"

# Boundary subkinds
CREATED, CEASED, RECODED = "created", "ceased", "recoded"

#: The register's facts have no publisher's page: the project's own register names them.
REGISTER_SOURCE_TITLE = "Register of English upper-tier authorities and their ONS codes (ONS)"

#: Intervention levels, most severe first; support and supervision (not a legend level) last.
LEVEL_RANK = {level: i for i, level in enumerate(vocab.INTERVENTION_LEVELS)}
LEVEL_LABELS = {k: v for k, v in vocab.LEVELS.items() if k in LEVEL_RANK}
LEVEL_LABELS[vocab.SUPPORT_AND_SUPERVISION] = "DfE support and supervision"

DERIVED_INADEQUATE = "Inadequate (derived from area judgements)"
NOT_INSPECTED = "Not inspected before"
GRADE_NOT_RECORDED = "Grade not recorded"


# Records in ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where a fact was published. ``url`` is kept only when it may be a link (http(s), a host)."""

    title: str
    url: str | None = None
    publisher: str | None = None

    @classmethod
    def of(cls, title: str | None, url: str | None, publisher: str | None = None) -> Source:
        return cls(title or "source not recorded", url if links.is_web_link(url) else None, publisher)


@dataclass(frozen=True)
class Code:
    """One ONS code of an authority and the dates it was in use (a recode keeps the authority)."""

    code: str
    name: str
    type: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass(frozen=True)
class Place:
    """An authority as the digest names it: its codes over time, region and lifetime."""

    id: int
    code: str  # latest
    name: str
    region_code: str
    existed_from: dt.date | None
    existed_to: dt.date | None
    codes: tuple[Code, ...] = ()

    def code_on(self, day: dt.date) -> Code:
        """The code in use on ``day`` (before the first: the first; after the last: the last)."""
        ordered = sorted(self.codes, key=lambda c: c.valid_from or dt.date.min)
        if not ordered:
            return Code(self.code, self.name, "", self.existed_from, self.existed_to)
        for c in ordered:
            if (c.valid_from is None or c.valid_from <= day) and (c.valid_to is None or day <= c.valid_to):
                return c
        return ordered[0] if ordered[0].valid_from and day < ordered[0].valid_from else ordered[-1]

    def exists_on(self, day: dt.date) -> bool:
        return (self.existed_from is None or self.existed_from <= day) and (
            self.existed_to is None or day <= self.existed_to
        )


@dataclass(frozen=True)
class Link:
    """A reorganisation: ``predecessor_id`` became (part of) ``successor_id`` on ``date``."""

    predecessor_id: int
    successor_id: int
    date: dt.date
    kind: str  # merge | split


@dataclass(frozen=True)
class Inspection:
    """A full inspection with a publication date."""

    authority_id: int
    published: dt.date
    inspected: dt.date | None
    kind: str
    grade: str | None
    derived: bool
    source: Source
    estimated: bool = False  # the publication date is an estimate
    precision: str = "day"
    areas: tuple[tuple[str, str], ...] = ()
    id: int = 0

    @property
    def post_reform(self) -> bool:
        return framework.is_post_reform(self.inspected, self.published)

    @property
    def spell_grade(self) -> str | None:
        """The grade spells see: a post-reform report with no overall grade ends a spell."""
        if self.grade is not None:
            return self.grade
        return framework.NO_OVERALL_GRADE if self.post_reform else None

    @property
    def label(self) -> str:
        """The judgement in words, capitalised (the ``before``/``after`` values)."""
        if self.grade == vocab.INADEQUATE and self.derived:
            return DERIVED_INADEQUATE
        return self.spell_grade or GRADE_NOT_RECORDED


@dataclass(frozen=True)
class InterventionRecord:
    authority_id: int
    level: str
    kind: str | None
    start: dt.date
    start_precision: str
    end: dt.date | None
    end_precision: str | None
    title: str | None
    source: Source


@dataclass(frozen=True)
class Visit:
    authority_id: int
    kind: str  # monitoring | focused | jtai
    visited: dt.date | None
    published: dt.date | None
    precision: str
    theme: str | None
    summary: str | None
    source: Source

    @property
    def date(self) -> dt.date | None:
        return self.visited or self.published


@dataclass(frozen=True)
class Event:
    authority_id: int
    kind: str
    date: dt.date
    precision: str
    title: str
    details: str | None
    source: Source


#: How a fact entered the record (``Recorded.how``).
BY_PROPOSAL, BY_CORRECTION, BY_IMPORT = "proposal", "correction", "import"


@dataclass(frozen=True)
class Recorded:
    """A fact that entered the record on ``day``: ``how`` is ``BY_PROPOSAL`` or ``BY_CORRECTION``
    (an approved proposal applied) or ``BY_IMPORT`` (``file``: the imported file's name)."""

    fact: InterventionRecord | Visit | Event | Inspection
    day: dt.date
    how: str
    file: str | None = None

    @property
    def authority_id(self) -> int:
        return self.fact.authority_id


# Lines out ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeLine:
    """One change: when, what kind, which authority, in words, before and after, and its source.

    ``code`` and ``name`` are the authority's on ``date`` (a recoded authority under the code it
    had then); ``authority_id`` is the store's id (the same across recodes). ``before``/``after``
    are the values that changed (a grade, a level, a code), None where they do not apply;
    ``months`` is an ended spell's length. ``estimated`` says a date or a value is estimated (or
    only expected); ``derived`` says a grade is derived from the 2026 framework's area judgements,
    which is a rule applied to published judgements, not an estimate, so a board never reads it as
    uncertain; ``caveat`` says how. ``areas`` gives a judgement's area judgements
    (area key, grade), as DOMAIN §2 asks for reports under the 2026 framework. ``dated`` is a
    newly recorded fact's own date (its line's ``date`` is the day it was recorded); None elsewhere.
    """

    date: dt.date
    kind: str
    subkind: str | None
    authority_id: int
    code: str
    name: str
    region_code: str
    words: str
    source: Source
    before: str | None = None
    after: str | None = None
    months: float | None = None
    estimated: bool = False
    caveat: str | None = None
    areas: tuple[tuple[str, str], ...] = ()
    dated: dt.date | None = None
    derived: bool = False

    @property
    def group_label(self) -> str:
        return GROUPS[self.kind]

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["date"] = self.date.isoformat()
        out["dated"] = self.dated.isoformat() if self.dated else None
        out["areas"] = dict(self.areas)
        return out


@dataclass(frozen=True)
class Group:
    kind: str
    label: str
    lines: tuple[ChangeLine, ...] = ()

    @property
    def count(self) -> int:
        return len(self.lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "label": self.label,
            "count": self.count,
            "lines": [line.as_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class Digest:
    """Every change from ``since`` to ``until`` (both days included), for a region or England.

    ``groups`` always holds every group of ``GROUPS``, in that order, empty ones included.
    ``newest_publication`` is the newest publication date in the data (DOMAIN §3) and its source;
    ``sources`` every source the lines cite, once each, in title order.
    """

    since: dt.date
    until: dt.date
    region: str | None
    region_name: str | None
    groups: tuple[Group, ...]
    newest_publication: dt.date | None = None
    newest_publication_source: Source | None = None
    sources: tuple[Source, ...] = field(default=())
    recorded_until: dt.date | None = None

    @property
    def as_at_words(self) -> str:
        where = self.region_name or "England"
        words = (
            f"Changes from {long_date(self.since)} to {long_date(self.until)} (both days included), {where}."
        )
        words += " Judgements by publication date."
        if self.recorded_until is not None:
            words += (
                f" Newly recorded: facts entered from {long_date(self.since)} to "
                f"{long_date(self.recorded_until)}, whatever their own date."
            )
        if self.newest_publication is not None:
            # Judgements only: the other layers (interventions, visits) end earlier, and their
            # ends are said beside the digest wherever it is shown (issue 22).
            words += f" Newest judgement published: {long_date(self.newest_publication)}."
        return words

    @property
    def lines(self) -> tuple[ChangeLine, ...]:
        """Every line, by date, then group order, then authority."""
        return tuple(sorted((ln for g in self.groups for ln in g.lines), key=_line_order))

    @property
    def counts(self) -> dict[str, int]:
        return {g.kind: g.count for g in self.groups}

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def authority_ids(self) -> frozenset[int]:
        """The authorities with at least one line (to outline on a map of the window's end)."""
        return frozenset(ln.authority_id for g in self.groups for ln in g.lines)

    def group(self, kind: str) -> Group:
        return next(g for g in self.groups if g.kind == kind)

    def as_dict(self) -> dict[str, object]:
        """The stable JSON shape of ``oversight changes --json`` (see the README)."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "region": self.region,
            "region_name": self.region_name,
            "as_at": self.as_at_words,
            "newest_publication": self.newest_publication.isoformat() if self.newest_publication else None,
            "newest_publication_source": asdict(self.newest_publication_source)
            if self.newest_publication_source
            else None,
            "counts": self.counts,
            "total": self.total,
            "groups": [g.as_dict() for g in self.groups],
            "sources": [asdict(s) for s in self.sources],
            "recorded_until": self.recorded_until.isoformat() if self.recorded_until else None,
        }


def _line_order(line: ChangeLine) -> tuple:
    return (line.date, GROUP_ORDER[line.kind], line.name, line.code, line.words)


def _lower(label: str) -> str:
    """A capitalised label inside a sentence ("Requires improvement..." -> "requires improvement...");
    "DfE ..." keeps its capitals."""
    return label if label[:3] == "DfE" else label[:1].lower() + label[1:]


# The digest --------------------------------------------------------------------------------
class _Lines:
    """Collects lines for the authorities asked about, in the window."""

    def __init__(self, since: dt.date, until: dt.date, places: dict[int, Place], region: str | None):
        self.since, self.until, self.places, self.region = since, until, places, region
        self.items: list[ChangeLine] = []

    def wanted(self, authority_id: int, day: dt.date | None) -> bool:
        place = self.places.get(authority_id)
        return (
            day is not None
            and self.since <= day <= self.until
            and place is not None
            and (self.region is None or place.region_code == self.region)
        )

    def add(self, day: dt.date, kind: str, authority_id: int, words: str, source: Source, **extra) -> None:
        place = self.places[authority_id]
        code = place.code_on(day)
        self.items.append(
            ChangeLine(
                date=day,
                kind=kind,
                subkind=extra.pop("subkind", None),
                authority_id=authority_id,
                code=code.code,
                name=code.name,
                region_code=place.region_code,
                words=words,
                source=source,
                **extra,
            )
        )


def build_digest(
    since: dt.date,
    until: dt.date,
    *,
    places: Iterable[Place],
    inspections: Iterable[Inspection] = (),
    interventions: Iterable[InterventionRecord] = (),
    visits: Iterable[Visit] = (),
    events: Iterable[Event] = (),
    reorganisations: Iterable[Link] = (),
    region: str | None = None,
    region_name: str | None = None,
    today: dt.date | None = None,
    newest_publication: dt.date | None = None,
    newest_publication_source: Source | None = None,
    monitoring_listed: tuple[dt.date, dt.date] | None = None,
    recorded: Iterable[Recorded] = (),
    recorded_until: dt.date | None = None,
) -> Digest:
    """The digest of every change from ``since`` to ``until`` (both included); see the module.

    ``monitoring_listed``: the first and last monitoring visits of the sources that list them all;
    a first-visit clock outside them says the data could not show a visit, not that none came.
    ``recorded``: the facts that entered the record in the recording window (the caller chose it,
    and names its last day in ``recorded_until``), each listed as newly recorded unless its own
    date is in the window."""
    if until < since:
        raise ValueError(f"the end of the window ({until}) is before its start ({since})")
    by_id = {p.id: p for p in places}
    out = _Lines(since, until, by_id, region)
    full = _by_authority(i for i in inspections if i.published <= until)
    ivs = _by_authority(interventions)
    visits, events = list(visits), list(events)
    monitoring: dict[int, list[dt.date]] = {}
    for v in visits:
        if v.kind == "monitoring" and v.date is not None:
            monitoring.setdefault(v.authority_id, []).append(v.date)
    plans: dict[int, list[dt.date]] = {}
    for e in events:
        if e.kind == "action_plan" or "action plan" in f"{e.title} {e.details or ''}".casefold():
            plans.setdefault(e.authority_id, []).append(e.date)

    for aid, history in full.items():
        if aid in by_id:
            _judgement_lines(out, aid, history)
            _spell_lines(out, aid, history)
            _clock_lines(
                out,
                aid,
                history,
                (monitoring.get(aid, []), plans.get(aid, [])),
                today or until,
                monitoring_listed,
            )
    for aid, records in ivs.items():
        if aid in by_id:
            _intervention_lines(out, aid, records, full.get(aid, []))
    for v in visits:
        if out.wanted(v.authority_id, v.date):
            _visit_line(out, v)
    for e in events:
        if out.wanted(e.authority_id, e.date):
            _event_line(out, e)
    _boundary_lines(out, list(reorganisations))
    _recorded_lines(out, recorded)

    grouped: dict[str, list[ChangeLine]] = {kind: [] for kind in GROUPS}
    for line in out.items:
        grouped[line.kind].append(line)
    groups = tuple(
        Group(kind, label, tuple(sorted(grouped[kind], key=_line_order))) for kind, label in GROUPS.items()
    )
    cited = {ln.source for ln in out.items}
    return Digest(
        since=since,
        until=until,
        region=region,
        region_name=region_name,
        groups=groups,
        newest_publication=newest_publication,
        newest_publication_source=newest_publication_source,
        sources=tuple(sorted(cited, key=lambda s: (s.title.casefold(), s.url or "", s.publisher or ""))),
        recorded_until=recorded_until,
    )


def _by_authority(records: Iterable) -> dict[int, list]:
    out: dict[int, list] = {}
    for r in records:
        out.setdefault(r.authority_id, []).append(r)
    for rows in out.values():
        rows.sort(key=_record_order)
    return out


def _record_order(r) -> tuple:
    if isinstance(r, Inspection):
        return (r.published, r.id)
    return (r.start, LEVEL_RANK.get(r.level, 99))


# Judgements and spells ------------------------------------------------------------------------
def _judgement_lines(out: _Lines, aid: int, history: Sequence[Inspection]) -> None:
    before: Inspection | None = None
    for insp in history:
        if out.wanted(aid, insp.published):
            was = before.label if before is not None else NOT_INSPECTED
            caveats = []
            if insp.estimated:
                caveats.append("publication date estimated from the inspection date")
            elif insp.precision != "day":
                caveats.append(f"date known to the {insp.precision}")
            dated = bool(caveats)
            derived = insp.grade == vocab.INADEQUATE and insp.derived
            if derived:
                caveats.append("derived from the area judgements: no overall grade since April 2026")
            out.add(
                insp.published,
                JUDGEMENT,
                aid,
                _judgement_words(insp, before),
                insp.source,
                subkind=insp.kind,
                before=was,
                after=insp.label,
                estimated=dated,
                caveat="; ".join(caveats) or None,
                areas=insp.areas,
                derived=derived,
            )
        if insp.spell_grade is not None:
            before = insp


def _judgement_words(insp: Inspection, before: Inspection | None) -> str:
    was = "first full inspection" if before is None else f"was {_lower(before.label)}"
    if insp.grade == vocab.INADEQUATE and insp.derived:
        return f"Judged inadequate (derived from area judgements; {was})"
    if insp.grade is None and insp.post_reform:
        return f"No overall grade (2026 framework; {was})"
    if insp.grade is None:
        return f"Full inspection published, grade not recorded ({was})"
    return f"Judged {_lower(insp.grade)} ({was})"


def _spell_lines(out: _Lines, aid: int, history: Sequence[Inspection]) -> None:
    place = out.places[aid]
    started: dict[dt.date, Inspection] = {}
    ended: dict[dt.date, Inspection] = {}
    for insp in history:
        if insp.spell_grade == vocab.INADEQUATE:
            started.setdefault(insp.published, insp)
        elif insp.spell_grade is not None:
            ended.setdefault(insp.published, insp)
    judgements = [Judgement(i.published, i.spell_grade, i.estimated) for i in history]
    for sp in spells_of(judgements, out.until, place.existed_to):
        start = started[sp.start]
        if out.wanted(aid, sp.start):
            derived = start.grade == vocab.INADEQUATE and start.derived
            out.add(
                sp.start,
                SPELL_STARTED,
                aid,
                "Inadequate spell started"
                + (" (inadequate derived from area judgements)" if derived else ""),
                start.source,
                after=start.label,
                estimated=start.estimated,
                caveat="publication date estimated" if start.estimated else None,
                derived=derived,
            )
        if sp.end is not None and out.wanted(aid, sp.end):
            exit_ = ended[sp.end]
            months = round(sp.months, 1)
            out.add(
                sp.end,
                SPELL_ENDED,
                aid,
                f"Inadequate spell ended after {sp.months:.0f} months; now {_lower(exit_.label)}",
                exit_.source,
                before=vocab.INADEQUATE,
                after=exit_.label,
                months=months,
                estimated=sp.estimated,
                caveat="a publication date in the spell is estimated" if sp.estimated else None,
            )


def _no_visit_words(due: dt.date, listed: tuple[dt.date, dt.date] | None) -> str:
    """None recorded, and whether the data could have shown one: Ofsted's lists of monitoring
    visits cover ``listed`` (first and last visit); outside it only the tracker's own records."""
    if listed is None:
        return "(none in the tracker; the data holds no list of monitoring visits)"
    first, last = listed
    if due < first:
        return f"(none in the tracker; Ofsted's lists of monitoring visits in the data start on {long_date(first)})"
    if due > last:
        return (
            f"(none in the tracker; Ofsted's lists of monitoring visits in the data end on {long_date(last)})"
        )
    return "(no monitoring visit recorded)"


def _clock_lines(
    out: _Lines,
    aid: int,
    history: Sequence[Inspection],
    recorded: tuple[Sequence[dt.date], Sequence[dt.date]],  # monitoring visits, action plans
    today: dt.date,
    listed: tuple[dt.date, dt.date] | None,
) -> None:
    monitoring, plans = recorded
    place = out.places[aid]
    graded = [i for i in history if i.spell_grade is not None]
    for n, report in enumerate(graded):
        if report.grade != vocab.INADEQUATE:
            continue
        nxt = next((i.published for i in graded[n + 1 :] if i.published > report.published), None)
        d = clocks.deadlines(report.published)
        of = f"the inadequate report of {long_date(report.published)}"
        items = (
            (
                ACTION_PLAN_DUE,
                d.action_plan_due,
                f"Action plan due: 70th working day after {of} (no action plan recorded)",
                plans,
            ),
            (
                FIRST_VISIT_DUE,
                d.first_monitoring_visit_by,
                f"First monitoring visit due: 4 weeks after the action plan deadline for {of} "
                + _no_visit_words(d.first_monitoring_visit_by, listed),
                monitoring,
            ),
            (
                REINSPECTION_WINDOW_OPENED,
                d.reinspection_expected_from,
                f"Re-inspection window opened: after four quarterly monitoring visits from {of} "
                "(not re-inspected yet)",
                (),
            ),
            (
                REINSPECTION_DUE,
                d.reinspection_expected_by,
                f"Re-inspection due: 2 years after the action plan deadline for {of} (not re-inspected)",
                (),
            ),
        )
        for subkind, due, words, matching in items:
            if due > today or not out.wanted(aid, due) or not place.exists_on(due):
                continue
            if nxt is not None and nxt <= due:  # a later full judgement: this clock stopped
                continue
            if any(report.published < day <= due for day in matching):
                continue
            out.add(
                due,
                CLOCK,
                aid,
                words,
                report.source,
                subkind=subkind,
                estimated=True,
                caveat="an expected date (from the statutory timescales), not a recorded fact"
                + ("; the report's publication date is estimated" if report.estimated else ""),
            )


# Interventions ------------------------------------------------------------------------------
def _level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def _title_extra(label: str, title: str | None) -> str:
    """ ": <title>" where the intervention's own title says more than its level (a trust's name),
    else "" (a title that only repeats the level, or says "revised ...")."""
    if not title:
        return ""
    text, short = title.strip(), label.split(" (")[0]
    if text.casefold().startswith(f"{short}:".casefold()):
        text = text[len(short) + 1 :].strip()
    key = text.casefold()
    if not text or key.rstrip("s") in {label.casefold(), short.casefold()} or key.startswith("revised "):
        return ""
    return f": {text}"


def _start_words(level: str, title: str | None) -> str:
    """ "Moved to alternative delivery: Sandwell Children's Trust", "Improvement notice issued"."""
    label = _level_label(level)
    extra = _title_extra(label, title)
    if level == vocab.ALTERNATIVE_DELIVERY:
        return "Moved to alternative delivery" + (extra or " (trust, company or another council)")
    verb = "started" if level == vocab.SUPPORT_AND_SUPERVISION else "issued"
    return f"{label} {verb}{extra}"


def _end_words(level: str, title: str | None, presumed: bool) -> str:
    label = _level_label(level)
    short = "Alternative delivery" if level == vocab.ALTERNATIVE_DELIVERY else label
    verb = "presumed lifted" if presumed else "ended" if level == vocab.ALTERNATIVE_DELIVERY else "lifted"
    # A trust's name says which delivery ended; a notice's title ("Commissioner appointed") does not.
    return f"{short} {verb}" + (_title_extra(label, title) if level == vocab.ALTERNATIVE_DELIVERY else "")


def _rank(level: str) -> int:
    return LEVEL_RANK.get(level, len(LEVEL_RANK))


def _intervention_lines(
    out: _Lines, aid: int, records: Sequence[InterventionRecord], history: Sequence[Inspection]
) -> None:
    """Starts, revisions and lifts of one authority's interventions (see the module's rules)."""
    place = out.places[aid]
    judgements = [(i.published, i.spell_grade) for i in history]
    plain = [
        levels.Intervention(r.level, r.start, r.start_precision, r.end, r.title, r.source.title, r.source.url)
        for r in records
    ]
    spans = list(zip(levels.spans(plain, judgements), records, strict=True))

    def top(day: dt.date) -> InterventionRecord | None:
        """The most severe intervention in force on ``day`` (the latest started, among equals)."""
        live = [(sp, rec) for sp, rec in spans if sp.start <= day and (sp.end is None or day <= sp.end)]
        best = min(live, key=lambda x: (_rank(x[1].level), -x[0].start.toordinal()), default=None)
        return best[1] if best else None

    starts: dict[dt.date, list[tuple[levels.Span, InterventionRecord]]] = {}
    ends: dict[dt.date, list[tuple[levels.Span, InterventionRecord]]] = {}
    for sp, rec in spans:
        starts.setdefault(sp.start, []).append((sp, rec))
        if sp.end is not None:
            ends.setdefault(sp.end, []).append((sp, rec))

    for day, started in sorted(starts.items()):
        if not out.wanted(aid, day):
            continue
        sp, rec = min(started, key=lambda x: _rank(x[1].level))
        prev = top(day - ONE_DAY)
        caveat = _start_caveat(sp, rec)
        extra = {"subkind": rec.level, "estimated": caveat is not None, "caveat": caveat}
        after = _level_label(rec.level)
        words = _start_words(rec.level, rec.title)
        if prev is None:
            out.add(day, INTERVENTION_STARTED, aid, words, rec.source, after=after, **extra)
            continue
        before = _level_label(prev.level)
        if rec.kind == "revised" or _rank(rec.level) <= _rank(prev.level):
            if rec.level == prev.level:
                words = f"{after} revised{_title_extra(after, rec.title)}"
            else:
                words = f"{words} (was {_lower(before)})"
            out.add(day, INTERVENTION_REVISED, aid, words, rec.source, before=before, after=after, **extra)
        else:
            words = f"{words} (alongside {_lower(before)})"
            out.add(day, INTERVENTION_STARTED, aid, words, rec.source, before=before, after=after, **extra)

    for day, ended in sorted(ends.items()):
        if not out.wanted(aid, day) or (place.existed_to is not None and day >= place.existed_to):
            continue  # an end with the authority is its reorganisation (a boundary line)
        nxt = day + ONE_DAY
        if any(d in starts and out.wanted(aid, d) for d in (day, nxt)):
            continue  # the start on the same or the next day says what replaced it
        sp, rec = min(ended, key=lambda x: (_rank(x[1].level), -x[0].start.toordinal()))
        presumed = all(s.end_presumed for s, _ in ended)
        was, remains = top(day), top(nxt)
        caveat = _end_caveat(rec, presumed)
        extra = {
            "subkind": rec.level,
            "before": _level_label((was or rec).level),
            "estimated": caveat is not None,
            "caveat": caveat,
        }
        words = _end_words(rec.level, rec.title, presumed)
        if remains is None:
            out.add(day, INTERVENTION_LIFTED, aid, words, rec.source, **extra)
        elif not presumed or was is None or remains.level != was.level:
            words += f"; {_lower(_level_label(remains.level))} continues"
            after = _level_label(remains.level)
            out.add(day, INTERVENTION_REVISED, aid, words, rec.source, after=after, **extra)


def _start_caveat(sp: levels.Span, rec: InterventionRecord) -> str | None:
    if rec.start_precision == "observed":
        if sp.start != rec.start:
            return (
                f"start not recorded: taken from the inadequate judgement of {long_date(sp.start)} "
                f"(recorded in force on {long_date(rec.start)})"
            )
        return "start not recorded: first recorded in force on this date"
    if rec.start_precision in ("month", "year"):
        return f"start known to the {rec.start_precision}"
    return None


def _end_caveat(rec: InterventionRecord, presumed: bool) -> str | None:
    if presumed:
        return (
            f"no end recorded: presumed lifted {levels.PRESUMED_REVIEW_MONTHS} months after the first "
            "better judgement (DfE lifts it after a better judgement and a review)"
        )
    if rec.end_precision in ("month", "year"):
        return f"end known to the {rec.end_precision}"
    return None


# Visits, events, boundaries -------------------------------------------------------------------
def _visit_line(out: _Lines, v: Visit) -> None:
    words = _visit_words(v)
    caveats = []
    if v.visited is None:
        caveats.append("visit date not recorded: dated by its letter's publication")
    if v.precision != "day":
        caveats.append(f"date known to the {v.precision}")
    out.add(
        v.date,  # type: ignore[arg-type]
        VISIT,
        v.authority_id,
        words,
        v.source,
        subkind=v.kind,
        estimated=bool(caveats),
        caveat="; ".join(caveats) or None,
    )


def _visit_words(v: Visit) -> str:
    label = vocab.VISIT_KINDS.get(v.kind, v.kind)
    if v.theme:
        return f"{label}: {v.theme}"
    if v.summary:
        first = v.summary.split("; ")[0].strip()
        return first if first.casefold().startswith(label.casefold()) else f"{label}: {first}"
    return label


def _event_line(out: _Lines, e: Event) -> None:
    caveat = None
    if e.precision == "observed":
        caveat = "date not recorded: reported on or before this date"
    elif e.precision != "day":
        caveat = f"date known to the {e.precision}"
    out.add(
        e.date,
        EVENT,
        e.authority_id,
        e.title,
        e.source,
        subkind=e.kind,
        estimated=bool(caveat),
        caveat=caveat,
    )


def _names(places: Sequence[Place], day: dt.date) -> str:
    """ "Bournemouth (E06000028), Dorset (E10000009) and Poole (E06000029)": names with the codes
    they had on ``day`` (two Dorsets: the county and the unitary)."""
    named = sorted(f"{c.name} ({c.code})" for c in (p.code_on(day) for p in places))
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _boundary_lines(out: _Lines, reorganisations: Sequence[Link]) -> None:
    source = Source(REGISTER_SOURCE_TITLE)
    places = out.places
    preds: dict[int, list[Place]] = {}
    succs: dict[int, list[Place]] = {}
    for link in reorganisations:
        if link.predecessor_id in places and link.successor_id in places:
            preds.setdefault(link.successor_id, []).append(places[link.predecessor_id])
            succs.setdefault(link.predecessor_id, []).append(places[link.successor_id])
    for place in places.values():
        start = place.existed_from
        if start is not None and out.wanted(place.id, start):
            before = preds.get(place.id, [])
            words = "New authority" + (f" formed from {_names(before, start - ONE_DAY)}" if before else "")
            out.add(
                start,
                BOUNDARY,
                place.id,
                words + "; not yet inspected in its own right",
                source,
                subkind=CREATED,
                before=", ".join(sorted(p.code_on(start - ONE_DAY).code for p in before)) or None,
                after=place.code_on(start).code,
            )
        if place.existed_to is not None and out.wanted(place.id, place.existed_to + ONE_DAY):
            day, after = place.existed_to + ONE_DAY, succs.get(place.id, [])
            words = f"Ceased to exist (last day {long_date(place.existed_to)})"
            if after:
                words += f"; {'split into' if len(after) > 1 else 'now part of'} {_names(after, day)}"
            out.add(
                day,
                BOUNDARY,
                place.id,
                words + "; its history stays with it",
                source,
                subkind=CEASED,
                before=place.code_on(place.existed_to).code,
                after=", ".join(sorted(p.code_on(day).code for p in after)) or None,
            )
        ordered = sorted(place.codes, key=lambda c: c.valid_from or dt.date.min)
        for old, new in zip(ordered, ordered[1:], strict=False):
            if new.valid_from is None or not out.wanted(place.id, new.valid_from):
                continue
            words = f"Recoded {old.code} → {new.code} (the same authority; its history continues)"
            if old.type and new.type and old.type != new.type:
                words += f"; now a {new.type.lower()}"
            out.add(
                new.valid_from,
                BOUNDARY,
                place.id,
                words,
                source,
                subkind=RECODED,
                before=old.code,
                after=new.code,
            )


# Newly recorded -------------------------------------------------------------------------------
def _dated(day: dt.date, precision: str | None) -> str:
    """A fact's own date as its precision allows: "15 April 2025", "April 2025", "2025"."""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{day:%B %Y}"
    if precision == "observed":
        return f"on or before {long_date(day)}"
    return long_date(day)


def _own_dates(fact: InterventionRecord | Visit | Event | Inspection) -> tuple[dt.date | None, ...]:
    """The dates a fact's own lines are listed on (an intervention: its start and its end)."""
    if isinstance(fact, InterventionRecord):
        return (fact.start, fact.end)
    if isinstance(fact, Inspection):
        return (fact.published,)
    return (fact.date,)


def _recorded_what(fact: InterventionRecord | Visit | Event | Inspection) -> tuple[str, str, str | None]:
    """The fact in words, dated (its kind, the words, the caveat its date needs)."""
    if isinstance(fact, InterventionRecord):
        label = _level_label(fact.level)
        words = f"{_lower(label)}{_title_extra(label, fact.title)}, dated {_dated(fact.start, fact.start_precision)}"
        if fact.end is not None:
            words += f", ended {_dated(fact.end, fact.end_precision)}"
        precision = fact.start_precision
        return "intervention", words, None if precision == "day" else f"start known to the {precision}"
    if isinstance(fact, Inspection):
        words = f"full inspection ({_lower(fact.label)}), published {_dated(fact.published, fact.precision)}"
        caveat = "publication date estimated from the inspection date" if fact.estimated else None
        return "inspection", words, caveat
    if isinstance(fact, Visit):
        what = _visit_words(fact)
        words = f"{_lower(what)}, dated {_dated(fact.date, fact.precision)}"  # type: ignore[arg-type]
        return "visit", words, None if fact.precision == "day" else f"date known to the {fact.precision}"
    words = f"{fact.title}, dated {_dated(fact.date, fact.precision)}"
    return "event", words, None if fact.precision == "day" else f"date known to the {fact.precision}"


def _how_words(rec: Recorded) -> str:
    if rec.how == BY_IMPORT:
        return f"imported from {rec.file}" if rec.file else "imported"
    return "an approved correction" if rec.how == BY_CORRECTION else "an approved proposal"


def _recorded_lines(out: _Lines, recorded: Iterable[Recorded]) -> None:
    """One line per fact recorded in the recording window, unless its own date is in the window
    (it has its line there already); a fact recorded twice is listed once, on its latest day."""
    latest: dict[object, Recorded] = {}
    for rec in recorded:
        if rec.fact not in latest or rec.day >= latest[rec.fact].day:  # one day: the later wins
            latest[rec.fact] = rec
    for rec in latest.values():
        place = out.places.get(rec.authority_id)
        if place is None or (out.region is not None and place.region_code != out.region):
            continue
        if any(d is not None and out.since <= d <= out.until for d in _own_dates(rec.fact)):
            continue
        noun, words, caveat = _recorded_what(rec.fact)
        out.add(
            rec.day,
            NEWLY_RECORDED,
            rec.authority_id,
            f"Newly recorded: {words} ({_how_words(rec)})",
            rec.fact.source,
            subkind=noun,
            after=_level_label(rec.fact.level) if isinstance(rec.fact, InterventionRecord) else None,
            estimated=caveat is not None,
            caveat=caveat,
            dated=next(d for d in _own_dates(rec.fact) if d is not None),
        )
