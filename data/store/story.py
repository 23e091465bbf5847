"""One authority's story as typed records: who it is, what happened to it, and where each fact came from.

The authority page, the presentation, the board pack, the CLI and the tests all read the same
story. As nested string-keyed dicts a misspelt key (``fact["sorce"]``) or a key that only some
kinds of fact have (``fact["level"]`` on a visit) failed only at run time, on the one authority
that exercised it. Frozen dataclasses name every field once, here, with its type; readers use
attributes that a type checker and a reader can follow, and nobody downstream can mutate a
cached story (``st.cache_data`` pickles them, which frozen dataclasses support).

``as_dict()`` gives the JSON shape the CLI has always printed (``oversight authority CODE
--json``), key for key and in the same order, so scripts reading that output see no change.

The SQL stays in the data layer: this module reads the store through ``schema`` and the domain
vocabulary, never Streamlit or components.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import Connection, Engine, RowMapping, Table, select

from oversight.data.domain import vocab
from oversight.data.store import fact_sources
from oversight.data.store import schema as s
from oversight.data.store.coverage import Listed, judgements_to, monitoring_listed

FactType = Literal["inspection", "visit", "intervention", "event"]
Side = Literal["predecessors", "successors"]

#: The ``sources.kind`` of a curated correction (``sources/errata``): a fact citing one was corrected.
ERRATUM = "erratum"

#: The order facts on the same date are listed in (a judgement before the notice it triggers).
TYPE_ORDER: dict[str, int] = {"inspection": 0, "intervention": 1, "visit": 2, "event": 3}

#: The keys each type of fact has always had in its JSON, in their order (see ``Fact.as_dict``).
_FACT_KEYS: dict[str, tuple[str, ...]] = {
    "inspection": (
        "type",
        "date",
        "kind",
        "label",
        "inspection_date",
        "publication_date",
        "publication_estimated",
        "precision",
        "overall_effectiveness",
        "overall_derived",
        "judgements",
        "source",
    ),
    "visit": (
        "type",
        "date",
        "kind",
        "label",
        "visit_date",
        "publication_date",
        "precision",
        "theme",
        "summary",
        "source",
    ),
    "intervention": (
        "type",
        "date",
        "level",
        "kind",
        "label",
        "precision",
        "end_date",
        "end_precision",
        "details",
        "people",
        "source",
    ),
    "event": ("type", "date", "kind", "label", "precision", "details", "people", "source"),
}


@dataclass(frozen=True)
class Source:
    """Where a fact came from. Every fact has one: a board member must be able to check it."""

    title: str
    url: str | None
    publisher: str | None


@dataclass(frozen=True)
class AuthorityCode:
    """One ONS code an authority has had, and when (recodes keep one authority, DOMAIN §1)."""

    code: str
    authority_id: int
    name: str
    type: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass(frozen=True)
class AuthorityLink:
    """A predecessor or successor across a reorganisation (``kind``: merge or split)."""

    code: str
    name: str
    date: dt.date
    kind: str


@dataclass(frozen=True)
class Authority:
    """An authority as the register knows it, with every code it has had and its reorganisations.

    ``code`` is the latest ONS code; ``existed_from``/``existed_to`` are None outside the data's
    coverage (before it, or still existing).
    """

    id: int
    code: str
    dfe_code: str | None
    name: str
    region_code: str
    type: str
    existed_from: dt.date | None
    existed_to: dt.date | None
    region: str
    codes: tuple[AuthorityCode, ...] = ()
    predecessors: tuple[AuthorityLink, ...] = ()
    successors: tuple[AuthorityLink, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``oversight authority CODE --json``'s ``authority``."""
        return asdict(self)


@dataclass(frozen=True)
class Fact:
    """One thing that happened to an authority: an inspection, a visit, an intervention or an event.

    The first fields are common to every type; the rest belong to one or two types and are None
    (``judgements``: empty) on the others. ``date`` is the date the fact is placed at on a
    timeline (publication for inspections, the visit for visits, the start for interventions).
    In a story, ``authority`` names the authority the fact belongs to and ``own`` says whether
    that is the story's subject or a predecessor/successor.
    """

    type: FactType
    date: dt.date | None
    kind: str | None
    label: str | None
    precision: str | None
    source: Source
    # inspections
    inspection_date: dt.date | None = None
    publication_date: dt.date | None = None  # inspections and visits
    publication_estimated: bool | None = None
    overall_effectiveness: str | None = None
    overall_derived: bool | None = None
    judgements: dict[str, str] = field(default_factory=dict)
    # visits
    visit_date: dt.date | None = None
    theme: str | None = None
    summary: str | None = None
    # interventions
    level: str | None = None
    end_date: dt.date | None = None
    end_precision: str | None = None
    details: str | None = None  # interventions and events
    people: str | None = None  # interventions and events
    # set when the fact is part of a story
    authority: str | None = None
    own: bool = True
    #: A date of this fact was corrected by an erratum (``sources/errata``), which is then its
    #: source: ``source.title`` says corrected from what, why, and ``source.url`` is the evidence.
    #: Not in ``as_dict`` (the JSON's keys stay as they were; its source says it).
    corrected: bool = False
    # the row it was read from: (fact table, id) names its history, ``version`` is what an
    # edit is made against (``oversight.data.curation``); not in ``as_dict``
    fact_id: int | None = None
    version: int | None = None
    #: The fact's other sources (``store/fact_sources``: a second report of it, the source a
    #: correction kept), first added first; ``source`` is the one its values come from. Not in
    #: ``as_dict``.
    others: tuple[Source, ...] = ()

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source of the fact: the one its values come from first, then the others."""
        return (self.source, *self.others)

    @property
    def fact_table(self) -> str:
        """The table the fact is stored in: inspections, visits, interventions or events."""
        return f"{self.type}s"

    @property
    def is_full_inspection(self) -> bool:
        """A full inspection: one that gives the judgement spells and clocks read."""
        return self.type == "inspection" and bool(vocab.INSPECTION_KINDS[self.kind][1])

    def as_dict(self) -> dict[str, Any]:
        """The keys this type of fact has always had, in their order; in a story, plus
        ``authority`` and ``own``."""
        full = asdict(self)
        keys = _FACT_KEYS[self.type] + (("authority", "own") if self.authority is not None else ())
        return {k: full[k] for k in keys}


@dataclass(frozen=True)
class BoundaryChange:
    """A reorganisation on a story's timeline: on ``date`` the authority gained a predecessor or
    successor ``name`` by a merge or split (``kind``)."""

    date: dt.date
    kind: str
    side: Side
    name: str


@dataclass(frozen=True)
class AuthorityStory:
    """An authority's facts as one continuous story across reorganisations (DOMAIN §1).

    ``facts`` holds its own facts and its predecessors' and successors' (``own`` False), in date
    order; ``changes`` the reorganisations that link them.
    """

    authority: Authority
    facts: tuple[Fact, ...]
    changes: tuple[BoundaryChange, ...] = ()
    #: The span Ofsted's lists of monitoring visits in the data cover (``coverage``): outside it
    #: an absent visit is not evidence. None: the data holds no such list.
    monitoring_listed: Listed | None = None
    #: The newest judgement Ofsted's releases in the data publish (``coverage``): a re-inspection
    #: due after it is not in the data yet. None: no release.
    judgements_to: dt.date | None = None

    @property
    def own_facts(self) -> tuple[Fact, ...]:
        """The facts of the authority itself, not of its predecessors or successors."""
        return tuple(f for f in self.facts if f.own)

    def as_dict(self) -> dict[str, Any]:
        """The story as the nested dicts it used to be (``authority``, ``facts``, ``changes``)."""
        return {
            "authority": self.authority.as_dict(),
            "facts": [f.as_dict() for f in self.facts],
            "changes": [asdict(c) for c in self.changes],
        }


def find_authority(engine: Engine, code: str) -> Authority | None:
    """An authority by any ONS code it has had, or by its DfE 3-digit code."""
    a, c = s.authorities, s.authority_codes
    with engine.connect() as conn:
        aid = conn.execute(
            select(c.c.authority_id).where(c.c.code == code.strip().upper())
        ).scalar_one_or_none()
        if aid is None:
            aid = conn.execute(select(a.c.id).where(a.c.dfe_code == code.strip())).scalar_one_or_none()
        if aid is None:
            return None
        row = (
            conn.execute(select(a, s.regions.c.name.label("region")).join(s.regions).where(a.c.id == aid))
            .mappings()
            .one()
        )
        codes = (
            conn.execute(select(c).where(c.c.authority_id == aid).order_by(c.c.valid_from)).mappings().all()
        )
        preds = _linked(conn, aid, "predecessor")
        succs = _linked(conn, aid, "successor")
    return Authority(
        id=row["id"],
        code=row["code"],
        dfe_code=row["dfe_code"],
        name=row["name"],
        region_code=row["region_code"],
        type=row["type"],
        existed_from=row["existed_from"],
        existed_to=row["existed_to"],
        region=row["region"],
        codes=tuple(
            AuthorityCode(
                code=x["code"],
                authority_id=x["authority_id"],
                name=x["name"],
                type=x["type"],
                valid_from=x["valid_from"],
                valid_to=x["valid_to"],
            )
            for x in codes
        ),
        predecessors=preds,
        successors=succs,
    )


def _linked(conn, aid: int, side: str) -> tuple[AuthorityLink, ...]:
    """Authorities linked to ``aid`` by a merge or split: its predecessors or successors."""
    links, a = s.authority_links, s.authorities
    other, this = (links.c.predecessor_id, links.c.successor_id)[:: 1 if side == "predecessor" else -1]
    stmt = (
        select(a.c.code, a.c.name, links.c.date, links.c.kind)
        .join(links, other == a.c.id)
        .where(this == aid)
        .order_by(a.c.code)
    )
    return tuple(
        AuthorityLink(code=r["code"], name=r["name"], date=r["date"], kind=r["kind"])
        for r in conn.execute(stmt).mappings()
    )


def authority_facts(engine: Engine, authority_id: int) -> list[Fact]:
    """Every fact about one authority, in date order, each with its source."""
    with engine.connect() as conn:
        judgements = _area_judgements(conn, authority_id)
        facts = [
            *(_inspection(r, judgements) for r in _with_source(conn, s.inspections, authority_id)),
            *(_visit(r) for r in _with_source(conn, s.visits, authority_id)),
            *(_intervention(r) for r in _with_source(conn, s.interventions, authority_id)),
            *(_event(r) for r in _with_source(conn, s.events, authority_id)),
        ]
        facts = _with_others(conn, facts)
    facts.sort(key=lambda f: (f.date or dt.date.min, TYPE_ORDER[f.type]))
    return facts


def _area_judgements(conn: Connection, authority_id: int) -> dict[int, dict[str, str]]:
    """inspection id -> {area: grade} for one authority's inspections."""
    judgements: dict[int, dict[str, str]] = {}
    for r in conn.execute(
        select(s.inspection_judgements)
        .join(s.inspections, s.inspections.c.id == s.inspection_judgements.c.inspection_id)
        .where(s.inspections.c.authority_id == authority_id)
    ):
        judgements.setdefault(r.inspection_id, {})[r.area] = r.grade
    return judgements


def _with_source(conn: Connection, table: Table, authority_id: int) -> Sequence[RowMapping]:
    """One authority's rows of a fact table, each with its source's title, link and publisher."""
    src = s.sources
    return (
        conn.execute(
            select(
                table,
                src.c.title.label("source_title"),
                src.c.url.label("source_url"),
                src.c.publisher.label("source_publisher"),
                src.c.kind.label("source_kind"),
            )
            .join(src, src.c.id == table.c.source_id)
            .where(table.c.authority_id == authority_id)
        )
        .mappings()
        .all()
    )


def _inspection(r: RowMapping, judgements: dict[int, dict[str, str]]) -> Fact:
    return Fact(
        type="inspection",
        date=r["publication_date"] or r["inspection_date"],
        kind=r["kind"],
        label=vocab.INSPECTION_KINDS[r["kind"]][2],
        inspection_date=r["inspection_date"],
        publication_date=r["publication_date"],
        publication_estimated=r["publication_estimated"],
        precision=r["date_precision"],
        overall_effectiveness=r["overall_effectiveness"],
        overall_derived=r["overall_derived"],
        judgements=judgements.get(r["id"], {}),
        source=_source(r),
        fact_id=r["id"],
        version=r["version"],
        corrected=r["source_kind"] == ERRATUM,
    )


def _visit(r: RowMapping) -> Fact:
    return Fact(
        type="visit",
        date=r["visit_date"] or r["publication_date"],
        kind=r["kind"],
        label=vocab.VISIT_KINDS[r["kind"]],
        visit_date=r["visit_date"],
        publication_date=r["publication_date"],
        precision=r["date_precision"],
        theme=r["theme"],
        summary=r["summary"],
        source=_source(r),
        fact_id=r["id"],
        version=r["version"],
        corrected=r["source_kind"] == ERRATUM,
    )


def _intervention(r: RowMapping) -> Fact:
    return Fact(
        type="intervention",
        date=r["start_date"],
        level=r["level"],
        kind=r["kind"],
        label=r["title"] or vocab.LEVELS.get(r["level"], r["level"]),
        precision=r["start_precision"],
        end_date=r["end_date"],
        end_precision=r["end_precision"],
        details=r["details"],
        people=r["people"],
        source=_source(r),
        fact_id=r["id"],
        version=r["version"],
    )


def _event(r: RowMapping) -> Fact:
    return Fact(
        type="event",
        date=r["date"],
        kind=r["kind"],
        label=r["title"],
        precision=r["date_precision"],
        details=r["details"],
        people=r["people"],
        source=_source(r),
        fact_id=r["id"],
        version=r["version"],
    )


def _with_others(conn: Connection, facts: list[Fact]) -> list[Fact]:
    """Each fact with its other sources (two that read the same, and the primary, once)."""
    out = []
    for table in ("inspections", "visits", "interventions", "events"):
        mine = [f for f in facts if f.fact_table == table]
        found = fact_sources.sources_of(conn, table, [f.fact_id for f in mine if f.fact_id is not None])
        for f in mine:
            others: list[Source] = []
            for row in found.get(f.fact_id, []):  # type: ignore[arg-type]
                other = Source(title=row["title"], url=row["url"], publisher=row["publisher"])
                if other != f.source and other not in others:
                    others.append(other)
            out.append(replace(f, others=tuple(others)) if others else f)
    return out


def _source(row) -> Source:
    return Source(title=row["source_title"], url=row["source_url"], publisher=row["source_publisher"])


def authority_story(engine: Engine, code: str) -> AuthorityStory | None:
    """One authority's facts as a continuous story across reorganisations (DOMAIN §1).

    Predecessors' and successors' facts are included and marked with the authority they
    belong to (Northamptonshire's history on West Northamptonshire's page, and the reverse),
    with the reorganisation dates, so a timeline can show the boundary change.
    """
    info = find_authority(engine, code)
    if info is None:
        return None
    facts = [_in_story(f, info.name, own=True) for f in authority_facts(engine, info.id)]
    changes: list[BoundaryChange] = []
    for side in ("predecessors", "successors"):
        for other in getattr(info, side):
            other_info = find_authority(engine, other.code)
            if other_info is None:
                continue
            changes.append(BoundaryChange(date=other.date, kind=other.kind, side=side, name=other.name))
            facts.extend(
                _in_story(f, other_info.name, own=False) for f in authority_facts(engine, other_info.id)
            )
    facts.sort(key=lambda f: (f.date or dt.date.min, f.type))
    with engine.connect() as conn:
        listed, released_to = monitoring_listed(conn), judgements_to(conn)
    return AuthorityStory(
        authority=info,
        facts=tuple(facts),
        changes=tuple(changes),
        monitoring_listed=listed,
        judgements_to=released_to,
    )


def _in_story(fact: Fact, authority: str, own: bool) -> Fact:
    """The fact marked with the authority it belongs to, for a story that spans several."""
    return replace(fact, authority=authority, own=own)
