"""Read-side queries shared by the CLI and the pages: the same SQL on SQLite and PostgreSQL.

Functions take an engine (or connection) and return plain Python/pandas values, so a
page, a CLI command and a test all ask the same question the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, or_, select

from oversight.data.domain import framework, vocab
from oversight.data.domain.levels import SEVERITY, Intervention, level_on, spans
from oversight.data.domain.spells import Judgement, spells_of
from oversight.data.store import schema as s


def _existing_on(day: dt.date):
    a = s.authorities
    return and_(
        or_(a.c.existed_from.is_(None), a.c.existed_from <= day),
        or_(a.c.existed_to.is_(None), a.c.existed_to >= day),
    )


def latest_judgements(engine: Engine, as_at: dt.date, region: str | None = None) -> pd.DataFrame:
    """Every authority existing on ``as_at`` with its latest full inspection published by then.

    DOMAIN §3: the snapshot uses judgements *published* on or before the date; authorities
    with none are "not yet inspected". One row per authority, in code order.
    """
    a, i = s.authorities, s.inspections
    latest = _latest_full_inspection(
        as_at,
        i.c.id.label("inspection_id"),
        i.c.kind,
        i.c.publication_date,
        i.c.publication_estimated,
        i.c.inspection_date,
        i.c.overall_derived,
        i.c.source_id,
    )
    code_then = (
        select(s.authority_codes.c.code)
        .where(
            s.authority_codes.c.authority_id == a.c.id,
            or_(s.authority_codes.c.valid_from.is_(None), s.authority_codes.c.valid_from <= as_at),
            or_(s.authority_codes.c.valid_to.is_(None), s.authority_codes.c.valid_to >= as_at),
        )
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(
            a.c.id.label("authority_id"),
            func.coalesce(code_then, a.c.code).label("code"),
            a.c.dfe_code,
            a.c.name,
            a.c.region_code,
            s.regions.c.name.label("region"),
            latest.c.kind,
            latest.c.overall_effectiveness.label("judgement"),
            latest.c.overall_derived,
            latest.c.publication_date.label("published"),
            latest.c.publication_estimated,
            latest.c.inspection_date,
            latest.c.inspection_id,
            s.sources.c.title.label("source"),
            s.sources.c.kind.label("source_kind"),
            s.sources.c.url.label("source_url"),
            s.sources.c.publisher.label("source_publisher"),
        )
        .join(s.regions, s.regions.c.code == a.c.region_code)
        .outerjoin(latest, latest.c.authority_id == a.c.id)
        .outerjoin(s.sources, s.sources.c.id == latest.c.source_id)
        .where(_existing_on(as_at))
        .order_by(a.c.code)
    )
    if region:
        stmt = stmt.where(a.c.region_code == region)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        frame = pd.DataFrame(rows, columns=list(stmt.selected_columns.keys()))
        areas = _area_judgements(conn, [int(x) for x in frame["inspection_id"].dropna()])
    frame["post_reform"] = [
        bool(pd.notna(pub)) and framework.is_post_reform(_day(inspected), _day(pub))
        for inspected, pub in zip(frame["inspection_date"], frame["published"], strict=True)
    ]
    frame["areas"] = [areas.get(int(x), {}) if pd.notna(x) else {} for x in frame["inspection_id"]]
    # A fact an erratum corrected cites the erratum (``sources/errata``): every view that shows
    # the date says it was corrected.
    frame["date_corrected"] = frame["source_kind"].eq("erratum")
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def _day(value: Any) -> dt.date | None:
    """A date cell as a date (None for a missing one; a timestamp cut to its day)."""
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _area_judgements(conn, inspection_ids: list[int]) -> dict[int, dict[str, str]]:
    """inspection id -> {area: grade} (DOMAIN §2's sub-judgements), area keys in name order."""
    out: dict[int, dict[str, str]] = {}
    j = s.inspection_judgements
    # In batches: a bound parameter per id, well under every backend's limit.
    for start in range(0, len(inspection_ids), 500):
        batch = inspection_ids[start : start + 500]
        for row in conn.execute(
            select(j.c.inspection_id, j.c.area, j.c.grade)
            .where(j.c.inspection_id.in_(batch))
            .order_by(j.c.inspection_id, j.c.area)
        ):
            out.setdefault(int(row.inspection_id), {})[row.area] = row.grade
    return out


def _latest_full_inspection(as_at: dt.date, *extra):
    """Subquery: each authority's latest full inspection published on or before the date
    (authority_id, overall_effectiveness, inspected = 1, and any ``extra`` columns)."""
    i = s.inspections
    ranked = (
        select(
            i.c.authority_id,
            i.c.overall_effectiveness,
            *extra,
            func.row_number()
            .over(partition_by=i.c.authority_id, order_by=(i.c.publication_date.desc(), i.c.id.desc()))
            .label("rn"),
        )
        .where(i.c.is_full.is_(True), i.c.publication_date <= as_at)
        .subquery()
    )
    keep = [c for c in ranked.c if c.name != "rn"]
    return select(*keep, literal(1).label("inspected")).where(ranked.c.rn == 1).subquery()


def snapshot(engine: Engine, as_at: dt.date, region: str | None = None) -> dict[str, Any]:
    """DOMAIN §3 snapshot: counts of latest judgements among authorities existing on the date.

    One aggregate query (no frame building): the CLI and the benchmarks call it per date.
    The April 2026 framework (DOMAIN §2) is counted apart: ``no_overall_grade`` (the latest
    inspection is post-reform and not inadequate) and ``derived_inadequate`` (inadequate by
    a practice judgement, also counted under Inadequate).
    """
    a, i = s.authorities, s.inspections
    post_reform = func.coalesce(i.c.inspection_date, i.c.publication_date) >= framework.REFORM_DATE
    latest = _latest_full_inspection(
        as_at, i.c.overall_derived, case((post_reform, 1), else_=0).label("post_reform")
    )
    stmt = (
        select(
            latest.c.inspected,
            latest.c.overall_effectiveness,
            latest.c.overall_derived,
            latest.c.post_reform,
            func.count(),
        )
        .select_from(a)
        .outerjoin(latest, latest.c.authority_id == a.c.id)
        .where(_existing_on(as_at))
        .group_by(
            latest.c.inspected, latest.c.overall_effectiveness, latest.c.overall_derived, latest.c.post_reform
        )
    )
    if region:
        stmt = stmt.where(a.c.region_code == region)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    counts = dict.fromkeys(vocab.GRADES, 0)
    inspected = not_inspected = no_overall = derived = 0
    for flag, grade, is_derived, post_reform, n in rows:
        if flag is None:
            not_inspected += int(n)
            continue
        inspected += int(n)  # a report with no overall grade (April 2026 on) still counts as inspected
        if grade in counts:
            counts[grade] += int(n)
        derived += int(n) if is_derived and grade == vocab.INADEQUATE else 0
        no_overall += int(n) if grade is None and post_reform else 0
    return {
        "as_at": as_at.isoformat(),
        "inspected": inspected,
        "not_inspected": not_inspected,
        "counts": counts,
        "no_overall_grade": no_overall,
        "derived_inadequate": derived,
    }


def data_version(engine: Engine) -> int:
    """Grows whenever the facts change: an import lands or an edit is applied (the UI's cache key).

    The sum of the newest import run's id and the newest "applied" review's id: both only grow,
    so the sum moves when either does. A proposal (not yet applied) leaves it alone, so the
    public pages' caches stay warm until a reviewer approves it.
    """
    rv = s.reviews
    runs = select(func.coalesce(func.max(s.import_runs.c.id), 0)).scalar_subquery()
    applied = select(func.coalesce(func.max(rv.c.id), 0)).where(rv.c.decision == "applied").scalar_subquery()
    with engine.connect() as conn:
        return int(conn.execute(select(runs + applied)).scalar_one())


def data_as_at(engine: Engine) -> dt.date | None:
    """The newest publication date in the data (DOMAIN §3: where open spells are censored)."""
    i = s.inspections
    today = dt.date.today()
    with engine.connect() as conn:
        return conn.execute(
            select(func.max(i.c.publication_date)).where(i.c.publication_date <= today)
        ).scalar_one_or_none()


@dataclass(frozen=True)
class Publication:
    """The newest publication among the facts, and the source that stated it (DOMAIN §3)."""

    published: dt.date
    title: str
    publisher: str | None
    url: str | None
    kind: str


def newest_publication(engine: Engine, today: dt.date | None = None) -> Publication | None:
    """The newest publication date among the facts (inspection reports whose publication date is
    known, not estimated, and visit letters) on or before ``today``, with its fact's source.

    Several facts published that day: the highest-ranked source's (then the newest source row),
    so the answer is the same on every backend. None when no fact has a publication date.
    """
    day = today or dt.date.today()
    i, v, src = s.inspections, s.visits, s.sources
    facts = (
        select(
            i.c.publication_date.label("published"),
            i.c.source_rank.label("source_rank"),
            i.c.source_id.label("source_id"),
        )
        .where(
            i.c.publication_date.is_not(None),
            i.c.publication_estimated.is_(False),
            i.c.publication_date <= day,
        )
        .union_all(
            select(v.c.publication_date, v.c.source_rank, v.c.source_id).where(
                v.c.publication_date.is_not(None), v.c.publication_date <= day
            )
        )
        .subquery()
    )
    stmt = (
        select(facts.c.published, src.c.title, src.c.publisher, src.c.url, src.c.kind)
        .join(src, src.c.id == facts.c.source_id)
        .order_by(facts.c.published.desc(), facts.c.source_rank.desc(), src.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return Publication(_day(row.published), row.title, row.publisher, row.url, row.kind)  # type: ignore[arg-type]


def full_inspections(engine: Engine) -> pd.DataFrame:
    """Every full inspection with its authority: the input of spells and timelines."""
    a, i = s.authorities, s.inspections
    stmt = (
        select(
            a.c.id.label("authority_id"),
            a.c.code,
            a.c.name,
            a.c.region_code,
            a.c.existed_to,
            i.c.kind,
            i.c.publication_date,
            i.c.publication_estimated,
            i.c.overall_effectiveness,
            i.c.inspection_date,
            i.c.overall_derived,
        )
        .join(i, i.c.authority_id == a.c.id)
        .where(i.c.is_full.is_(True), i.c.publication_date.is_not(None))
        .order_by(a.c.code, i.c.publication_date)
    )
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=list(stmt.selected_columns.keys()))


def judgement_sources(engine: Engine, as_at: dt.date) -> list[tuple[str, str | None, str | None]]:
    """The sources (title, link, publisher) of every full judgement published by ``as_at``, once
    each in title order: what a figure drawn from all the judgements (time to exit) cites."""
    i, src = s.inspections, s.sources
    stmt = (
        select(src.c.title, src.c.url, src.c.publisher)
        .join(i, i.c.source_id == src.c.id)
        .where(i.c.is_full.is_(True), i.c.publication_date.is_not(None), i.c.publication_date <= as_at)
        .distinct()
    )
    with engine.connect() as conn:
        rows = [(r.title, r.url, r.publisher) for r in conn.execute(stmt)]
    return sorted(rows, key=lambda r: (r[0].casefold(), r[1] or "", r[2] or ""))


def inadequate_spells(
    engine: Engine, region: str | None = None, as_at: dt.date | None = None
) -> pd.DataFrame:
    """All inadequate spells (DOMAIN §3), one row each, ordered by authority code then start.

    ``as_at`` sees the history as it stood on a date (a board pack as at 2018): judgements
    published later are ignored and open spells are censored there."""
    newest = data_as_at(engine)
    as_at = newest if as_at is None or newest is None else min(as_at, newest)
    frame = full_inspections(engine)
    columns = [
        "authority_id",
        "code",
        "name",
        "region_code",
        "start",
        "end",
        "months",
        "exit_grade",
        "open",
        "censored_at",
        "inadequate_judgements",
        "estimated",
        "framework",
        "months_exact",
        "ceased",
    ]
    if as_at is None or frame.empty:
        return pd.DataFrame(columns=columns)
    if region:
        frame = frame[frame["region_code"] == region]
    rows = []
    for (aid, code, name, region_code), group in frame.groupby(
        ["authority_id", "code", "name", "region_code"], sort=True
    ):
        existed_to = group["existed_to"].iloc[0]
        judgements = [
            Judgement(p, _spell_grade(g, d, p), bool(e), vocab.INSPECTION_KINDS[k][0])
            for p, g, e, k, d in zip(
                group["publication_date"],
                group["overall_effectiveness"],
                group["publication_estimated"],
                group["kind"],
                group["inspection_date"],
                strict=True,
            )
        ]
        for sp in spells_of(judgements, as_at, existed_to if pd.notna(existed_to) else None):
            rows.append(
                {
                    "authority_id": aid,
                    "code": code,
                    "name": name,
                    "region_code": region_code,
                    "start": sp.start,
                    "end": sp.end,
                    "months": round(sp.months, 1),
                    "exit_grade": sp.exit_grade,
                    "open": sp.is_open,
                    "censored_at": sp.censored_at,
                    "inadequate_judgements": sp.inadequate_judgements,
                    "estimated": sp.estimated,
                    "framework": sp.framework,
                    "months_exact": sp.months,
                    "ceased": sp.ceased,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _spell_grade(grade: str | None, inspected: Any, published: dt.date) -> str | None:
    """The grade spells see: a post-reform inspection with no overall grade is better than
    inadequate (no practice judgement was), so it ends a spell with exit grade "no overall
    grade"; an unknown grade before the reform stays unknown and ends nothing."""
    if grade is not None:
        return grade
    day = inspected.date() if isinstance(inspected, dt.datetime) else inspected
    day = day if isinstance(day, dt.date) else None
    return framework.NO_OVERALL_GRADE if framework.is_post_reform(day, published) else None


def data_overview(engine: Engine) -> dict[str, Any]:
    """What is loaded: counts, date coverage, freshness, import runs and sources."""
    i, v, iv, ev = s.inspections, s.visits, s.interventions, s.events
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        out["counts"] = {
            "authorities": conn.execute(select(func.count()).select_from(s.authorities)).scalar_one(),
            "inspections": conn.execute(select(func.count()).select_from(i)).scalar_one(),
            "full_inspections": conn.execute(
                select(func.count()).select_from(i).where(i.c.is_full.is_(True))
            ).scalar_one(),
            "visits": conn.execute(select(func.count()).select_from(v)).scalar_one(),
            "interventions": conn.execute(select(func.count()).select_from(iv)).scalar_one(),
            "events": conn.execute(select(func.count()).select_from(ev)).scalar_one(),
            "sources": conn.execute(select(func.count()).select_from(s.sources)).scalar_one(),
        }
        real = i.c.publication_estimated.is_(False)
        out["coverage"] = {
            "inspections_published_from": conn.execute(
                select(func.min(i.c.publication_date)).where(real)
            ).scalar_one(),
            "inspections_published_to": conn.execute(
                select(func.max(i.c.publication_date)).where(real)
            ).scalar_one(),
            "inspections_known_to": conn.execute(select(func.max(i.c.inspection_date))).scalar_one(),
            "estimated_publications": conn.execute(
                select(func.count()).select_from(i).where(i.c.publication_estimated.is_(True))
            ).scalar_one(),
            "visits_from": conn.execute(
                select(func.min(func.coalesce(v.c.visit_date, v.c.publication_date)))
            ).scalar_one(),
            "visits_to": conn.execute(
                select(func.max(func.coalesce(v.c.visit_date, v.c.publication_date)))
            ).scalar_one(),
            "interventions_from": conn.execute(select(func.min(iv.c.start_date))).scalar_one(),
            "interventions_to": conn.execute(select(func.max(iv.c.start_date))).scalar_one(),
        }
        runs = (
            conn.execute(
                select(s.import_runs).order_by(s.import_runs.c.started_at.desc(), s.import_runs.c.id.desc())
            )
            .mappings()
            .all()
        )
        out["import_runs"] = [dict(r) for r in runs]
        fact_counts = []
        for table in s.FACT_TABLES:
            fact_counts.append(
                select(table.c.source_id.label("source_id"), func.count().label("n")).group_by(
                    table.c.source_id
                )
            )
        union = fact_counts[0].union_all(*fact_counts[1:]).subquery()
        per_source = (
            select(union.c.source_id, func.sum(union.c.n).label("facts"))
            .group_by(union.c.source_id)
            .subquery()
        )
        srcs = (
            conn.execute(
                select(s.sources, func.coalesce(per_source.c.facts, 0).label("facts"))
                .outerjoin(per_source, per_source.c.source_id == s.sources.c.id)
                .order_by(s.sources.c.kind, s.sources.c.title)
            )
            .mappings()
            .all()
        )
        out["sources"] = [dict(r) for r in srcs]
    return out


LEVEL_ORDER = {level: rank for rank, level in enumerate(vocab.LEVELS)}


def interventions_in_force(engine: Engine, as_at: dt.date, region: str | None = None) -> pd.DataFrame:
    """Interventions in force on a date, one row each (DOMAIN §5 levels), with their source.

    A row whose start is only "observed" (known in force on a date, start unknown) counts
    from that date. Support and supervision is returned but is not an NAO legend level.
    """
    a, iv, src = s.authorities, s.interventions, s.sources
    stmt = (
        select(
            a.c.id.label("authority_id"),
            a.c.code,
            a.c.name,
            a.c.region_code,
            iv.c.level,
            iv.c.kind,
            iv.c.start_date,
            iv.c.start_precision,
            iv.c.end_date,
            iv.c.title,
            iv.c.details,
            iv.c.people,
            src.c.title.label("source"),
            src.c.url.label("source_url"),
        )
        .join(iv, iv.c.authority_id == a.c.id)
        .join(src, src.c.id == iv.c.source_id)
        .where(iv.c.start_date <= as_at, or_(iv.c.end_date.is_(None), iv.c.end_date >= as_at))
        .order_by(a.c.code, iv.c.start_date)
    )
    if region:
        stmt = stmt.where(a.c.region_code == region)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=list(stmt.selected_columns.keys()))
    frame["severity"] = frame["level"].map(lambda lv: LEVEL_ORDER.get(lv, len(LEVEL_ORDER)))
    return frame


def level_inputs(engine: Engine) -> tuple[dict[int, list], dict[int, list[tuple[dt.date, str | None]]]]:
    """Everything the level rules need, for all authorities: interventions and judgements.

    Small (hundreds of rows): loaded once per data version and reused for every date.
    """
    iv, src, i = s.interventions, s.sources, s.inspections
    interventions: dict[int, list] = {}
    judgements: dict[int, list[tuple[dt.date, str | None]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(
            select(
                iv.c.authority_id,
                iv.c.level,
                iv.c.start_date,
                iv.c.start_precision,
                iv.c.end_date,
                iv.c.title,
                src.c.title.label("source"),
                src.c.url,
            )
            .join(src, src.c.id == iv.c.source_id)
            .order_by(iv.c.authority_id, iv.c.start_date, iv.c.id)
        ):
            interventions.setdefault(r.authority_id, []).append(
                Intervention(r.level, r.start_date, r.start_precision, r.end_date, r.title, r.source, r.url)
            )
        for r in conn.execute(
            select(i.c.authority_id, i.c.publication_date, i.c.overall_effectiveness, i.c.inspection_date)
            .where(i.c.is_full.is_(True), i.c.publication_date.is_not(None))
            .order_by(i.c.authority_id, i.c.publication_date)
        ):
            # A post-reform inspection with no overall grade is not inadequate: it ends an
            # inadequate spell for the levels as it does for the spells (DOMAIN §2).
            grade = _spell_grade(r.overall_effectiveness, r.inspection_date, r.publication_date)
            judgements.setdefault(r.authority_id, []).append((r.publication_date, grade))
    return interventions, judgements


def intervention_levels(
    engine: Engine,
    as_at: dt.date,
    region: str | None = None,
    inputs: tuple[dict, dict] | None = None,
    latest: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each authority existing on the date with its intervention level and latest judgement."""
    interventions, judgements = inputs or level_inputs(engine)
    frame = (latest if latest is not None else latest_judgements(engine, as_at, region)).copy()
    levels = [
        level_on(as_at, interventions.get(aid, []), judgements.get(aid, [])) for aid in frame["authority_id"]
    ]
    frame["level"] = [lv.level for lv in levels]
    frame["level_label"] = [lv.label for lv in levels]
    frame["since"] = [lv.since for lv in levels]
    frame["since_precision"] = [lv.since_precision for lv in levels]
    frame["end_presumed"] = [lv.end_presumed for lv in levels]
    frame["intervention"] = [lv.intervention.title if lv.intervention else None for lv in levels]
    frame["intervention_source"] = [lv.intervention.source if lv.intervention else None for lv in levels]
    frame["intervention_source_url"] = [
        lv.intervention.source_url if lv.intervention else None for lv in levels
    ]
    return frame


def code_owners(engine: Engine) -> dict[str, int]:
    """ONS code -> authority id for every code in the register (recodes share an id)."""
    with engine.connect() as conn:
        return {r.code: r.authority_id for r in conn.execute(select(s.authority_codes))}


def neighbours_of(engine: Engine, authority_id: int) -> tuple[str | None, list[dict[str, Any]]]:
    """The authority's 10 statistical neighbours in the newest model that lists it."""
    n = s.neighbours
    with engine.connect() as conn:
        models = [
            r.model
            for r in conn.execute(select(n.c.model).where(n.c.authority_id == authority_id).distinct())
        ]
        if not models:
            return None, []
        model = max(models)
        rows = (
            conn.execute(
                select(n.c.rank, n.c.neighbour_id, n.c.closeness, s.authorities.c.code, s.authorities.c.name)
                .join(s.authorities, s.authorities.c.id == n.c.neighbour_id)
                .where(n.c.model == model, n.c.authority_id == authority_id)
                .order_by(n.c.rank)
            )
            .mappings()
            .all()
        )
    return model, [dict(r) for r in rows]


def spells_with_context(engine: Engine, as_at: dt.date | None = None) -> pd.DataFrame:
    """Spells plus what happened in them: the most severe intervention level reached, the
    era of the start, and the monitoring visits recorded during the spell."""
    frame = inadequate_spells(engine, as_at=as_at)
    interventions, judgements = level_inputs(engine)
    visits: dict[int, list[dt.date]] = {}
    with engine.connect() as conn:
        for r in conn.execute(
            select(
                s.visits.c.authority_id, func.coalesce(s.visits.c.visit_date, s.visits.c.publication_date)
            ).where(s.visits.c.kind == "monitoring")
        ):
            visits.setdefault(r[0], []).append(r[1])
    reached, ticks, eras = [], [], []
    for row in frame.itertuples(index=False):
        end = row.end or row.censored_at
        levels = [
            sp.intervention.level
            for sp in spans(interventions.get(row.authority_id, []), judgements.get(row.authority_id, []))
            if sp.start <= end
            and (sp.end is None or sp.end >= row.start)
            and sp.intervention.level in SEVERITY
        ]
        reached.append(min(levels, key=SEVERITY.get) if levels else "none recorded")
        ticks.append(sorted(v for v in visits.get(row.authority_id, []) if row.start <= v <= end))
        year = row.start.year
        eras.append(
            "2009–2013"
            if year < 2014
            else "2014–2017 (SIF)"
            if year < 2018
            else "2018–2021"
            if year < 2022
            else "2022 on"
        )
    frame = frame.assign(level_reached=reached, visits=ticks, era=eras)
    return frame
