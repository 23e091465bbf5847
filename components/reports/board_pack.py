"""A board pack: the region's picture on a date as slides (PPTX) and pages (PDF), same content.

Improvement boards meet with slides, not dashboards. The pack is built from the figures the pages
draw, so a slide and the screen never disagree: title, what changed since the last meeting (the
digest of ``data/store/changes``: counts per group and the first lines, judgements, spells and
interventions first), the region's map by intervention level and by judgement, the authorities in
intervention or judged inadequate as a table, and time to exit for the region against England; an
authority's pack adds its timeline with clocks. It fits a meeting (issue 22: England's was 36
pages): at most ``MAX_PAGES`` by default; every authority in the table and the timeline with clocks
of each authority in an open inadequate spell are an appendix, asked for (``full_table``), and the
full table is also a CSV (``table_csv``). Every slide carries the as-at
date and its sources. Images come from the process's one kaleido browser (``export.Renderer``):
each figure is queued as soon as it is built, so the browser draws while Python builds the next
slide and lays out the slides, and the writers wait for a picture only when they reach it. No
Streamlit here: the CLI and the app both call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy.engine import Engine

from oversight.components.figures.changes import (
    ESTIMATED_NOTE,
    count_words,
    default_since,
    headline,
    more_words,
    only_authority,
    slide_rows,
    slide_title,
    total_words,
)
from oversight.components.figures.export import figure_spec, renderer
from oversight.components.figures.freshness import after_end_note, layers_line, stale_notice
from oversight.components.figures.map_data import (
    MapData,
    area_note,
    by_severity,
    derived_count,
    key_column,
    legend_counts,
    map_data,
    screen_table,
    slide_table,
    written_date,
)
from oversight.components.figures.map_plotly import legend_frame, map_figure, slide_map, wrap_source
from oversight.components.figures.safe_text import csv_frame
from oversight.components.figures.survival import region_against_england
from oversight.components.figures.theme import long_date
from oversight.components.figures.timeline import ceased_words, story_clocks, timeline_figure
from oversight.components.reports.citations import Citations
from oversight.components.reports.pdf_writer import pdf_pages
from oversight.components.reports.pptx_writer import pptx_pages
from oversight.components.reports.slides import Picture, Slide
from oversight.data.domain import vocab
from oversight.data.domain.clocks import DUE
from oversight.data.domain.digest import NEWLY_RECORDED
from oversight.data.domain.register import load_regions
from oversight.data.sources import boundaries as b
from oversight.data.store import queries
from oversight.data.store.changes import changes_between
from oversight.data.store.layers import Layers, layer_ends
from oversight.data.store.story import AuthorityStory, authority_story

SOURCES = (
    "Sources: Ofsted children's social care statistics and inspection reports; DfE notices and directions "
    "as tracked; ONS boundaries. Open Government Licence v3.0. Contains OS data © Crown copyright and "
    "database right."
)
ROWS_PER_TABLE_SLIDE = 10
#: Rows on a table slide that also carries notes of area judgements (2026 framework).
ROWS_WITH_NOTES = 7
#: Rows of the in-intervention table on one slide (full width, no locator), and how many slides
#: it may take before the rest is only counted ("and N more: the appendix or the CSV").
ROWS_IN_INTERVENTION = 15
IN_INTERVENTION_SLIDES = 2
#: Pages of a pack without its appendix (issue 22: what a board can read in a meeting).
MAX_PAGES = {"england": 12, "region": 8}
FORMATS = (".pptx", ".pdf")

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PackRequest:
    region: str | None  # None: England
    as_at: dt.date
    authority: str | None = None  # ONS code: a pack for one authority
    data_dir: Path | None = None
    today: dt.date | None = None  # the day the pack is prepared (and its freshness judged); None: today
    since: dt.date | None = None  # the last meeting: the digest's first day; None: 8 weeks before as_at
    #: The appendix: every authority in the table and each open spell's timeline with clocks.
    full_table: bool = False

    @property
    def day(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def window_start(self) -> dt.date:
        """The digest's first day (both it and ``as_at`` are included)."""
        return self.since if self.since is not None else default_since(self.as_at)


@contextmanager
def image_server() -> Iterator[None]:
    """The process's browser started and kept running inside (for several packs in a row)."""
    with renderer().hold():
        yield


def _picture(fig: go.Figure, alt: str, width: int, height: int) -> Picture:
    """The figure queued for drawing; the picture holds the future of its PNG. The figure is not
    copied (``figure_spec``): each is built for its one picture."""
    spec = figure_spec(fig, width=width, height=height)
    return Picture(renderer().submit(spec, "png", width=width, height=height, scale=2), alt, width, height)


def _region_name(region: str | None) -> str:
    return dict(load_regions()).get(region or "", "England")


def _footer(as_at: dt.date, layers: Layers, today: dt.date) -> str:
    """Every slide's footer: the as-at date and sources, then how far each layer runs (the same line
    as every page of the app), the note when the pack's date is after a layer's end, and, when the
    newest judgement is over six months old, the notice."""
    extra = [after_end_note(layers, as_at), stale_notice(layers.judgements, today, code=False)]
    return f"As at {long_date(as_at)} · {SOURCES}\n{layers_line(layers)}." + "".join(
        f" {words}" for words in extra if words
    )


class QueryMapSource:
    """The map pipeline's ``MapSource`` straight from the queries (no Streamlit cache in a report)."""

    def __init__(self, engine: Engine, data_dir: Path | None) -> None:
        self.engine, self.data_dir = engine, data_dir

    def levels(self, as_at: dt.date) -> pd.DataFrame:
        return queries.intervention_levels(self.engine, as_at)

    def code_owners(self) -> dict[str, int]:
        return queries.code_owners(self.engine)

    def boundaries(self, vintage: str) -> dict[str, Any] | None:
        return b.load(self.data_dir, vintage)  # the data directory's file, else the bundle's


def _counts_bullets(scope: _Scope, req: PackRequest, colour: str) -> list[str]:
    """The map's legend in words: the counts of the very authorities its legend counts
    (``legend_frame``: the region's, drawn on the date). An authority's pack says the authority's
    own level or judgement first, then what the legend counts, and where (issue 21: "Improvement
    notice: 1" beside a legend of 2 counted the authority against the legend's region)."""
    frame = legend_frame(scope.data, req.region)
    counts = legend_counts(frame, colour, short=True)
    bullets = []
    if scope.story is not None and len(scope.shown):
        own = scope.shown.iloc[0][key_column(colour)]
        label = next((cat.label for cat, _ in counts if cat.key == own), str(own))
        bullets += [
            f"{scope.subject}: {label}",
            f"The legend counts {scope.region_name}'s {len(frame)} authorities:",
        ]
    bullets += [f"{cat.label}: {n}" for cat, n in counts if n]
    if colour == "judgement" and derived_count(frame):
        # Its count is the legend's own entry above; here only what "derived" means.
        bullets.append(
            "Derived: no overall grade since April 2026; a practice area judged inadequate counts as inadequate"
        )
    return bullets


@dataclass(frozen=True)
class _Scope:
    """What a pack shows: the date's map data, the authorities on its slides, their name."""

    data: MapData
    shown: pd.DataFrame  # the region's authorities, or the one authority of an authority pack
    region_name: str
    subject: str  # the region's name, or the authority's
    story: AuthorityStory | None
    footer: str
    cited: Citations = field(default_factory=Citations)  # the pack's numbered sources

    def authority_sources(self, rows: pd.DataFrame) -> list[int | None]:
        """The numbers of the sources of each row's level and judgement (map, tiles, table)."""
        return self.record_sources(rows.to_dict("records"))

    def record_sources(self, records: list[dict[str, Any]]) -> list[int | None]:
        """``authority_sources`` of rows as dicts: a table's 150 rows looked up one by one as
        frames cost seconds of pandas (issue 22's pack speed)."""
        out: list[int | None] = []
        for r in records:
            out.append(self.cited.cite(r.get("source"), r.get("source_url"), r.get("source_publisher")))
            out.append(self.cited.cite(r.get("intervention_source"), r.get("intervention_source_url")))
        return out


def build_slides(engine: Engine, req: PackRequest, progress: Progress | None = None) -> list[Slide]:
    """Every slide of the pack, its pictures queued for the renderer (``Picture.png`` waits)."""
    return _build(engine, req, progress)[1]


def _build(engine: Engine, req: PackRequest, progress: Progress | None = None) -> tuple[_Scope, list[Slide]]:
    """The pack's scope and slides: England's or a region's fits ``MAX_PAGES`` unless the appendix
    is asked for; an authority's pack keeps its table row and its timeline with clocks."""
    say = progress or (lambda _f, _m: None)
    if req.window_start > req.as_at:
        raise ValueError(
            f"the last meeting ({long_date(req.window_start)}) is after the as-at date ({long_date(req.as_at)})"
        )
    scope = _scope(engine, req)
    say(0.05, "Title and locator")
    slides = [_title_slide(scope, req)]
    say(0.1, "What changed since the last meeting")
    slides.append(_changes_slide(engine, scope, req))
    for i, (colour, what) in enumerate(
        (("intervention", "intervention level"), ("judgement", "latest Ofsted judgement"))
    ):
        say(0.15 + 0.15 * i, f"Map by {what}")
        slides.append(_map_slide(scope, req, colour, what))
    say(0.45, "Table of authorities")
    locator = slides[0].pictures[0]  # the tiles, not rendered twice
    spells = queries.spells_with_context(engine, as_at=req.as_at)
    if scope.story is not None:
        slides += _table_slides(scope, locator, title=f"{scope.subject}: level and latest judgement")
        slides += _timeline_slides(engine, scope, req, spells, say)
    else:
        slides += _intervention_slides(scope, req)
    say(0.9, "Time to exit")
    slides.append(_exit_slide(engine, spells, req, scope))
    if req.full_table and scope.story is None:
        say(0.92, "Appendix: every authority and the open spells' timelines")
        appendix = _every_authority(scope)
        appendix += _timeline_slides(engine, scope, req, spells, say)
        for slide in appendix:
            slide.title = slide.title if slide.title.startswith("Appendix") else f"Appendix: {slide.title}"
        slides += appendix
    # The title's tiles colour the region's authorities: cited last, so the digest numbers first.
    tiles = legend_frame(scope.data, req.region, view="tiles")
    slides[0].sources = scope.cited.line(scope.authority_sources(tiles))
    slides += scope.cited.slides(scope.footer)
    say(1.0, "Slides built; the browser draws their images")
    return scope, slides


def _scope(engine: Engine, req: PackRequest) -> _Scope:
    """The date's map data and the authorities the pack is about (refusing an unknown authority)."""
    name = _region_name(req.region)
    data = map_data(QueryMapSource(engine, req.data_dir), req.as_at)
    shown = data.in_region(req.region)
    story = authority_story(engine, req.authority) if req.authority else None
    if req.authority and story is None:
        raise ValueError(f"no authority with ONS code {req.authority!r}")
    if story is not None:
        shown = shown[shown["authority_id"] == story.authority.id]
        if shown.empty:
            raise ValueError(f"{story.authority.name} did not exist on {long_date(req.as_at)}")
    subject = story.authority.name if story else name
    footer = _footer(req.as_at, layer_ends(engine, req.day), req.day)
    return _Scope(data, shown, name, subject, story, footer)


def _title_slide(scope: _Scope, req: PackRequest) -> Slide:
    """Title, date and counts, with the equal-area tile map as a locator."""
    name = scope.region_name
    tiles = map_figure(scope.data, "intervention", req.region, name, view="tiles")
    lines = wrap_source(tiles, 700).count("<br>") + 1
    tiles.update_layout(margin={"b": 12 + 15 * lines})
    alt = f"Equal-area tile map of England by intervention level, {name} emphasised"
    return Slide(
        f"Children's services intervention: {scope.subject}",
        scope.footer,
        [_picture(tiles, alt, 700, 700)],
        bullets=[
            f"Board pack as at {long_date(req.as_at)}",
            _how_many(scope),
            f"Prepared {long_date(req.day)} from the intervention oversight dashboard",
            "Intervention levels follow the NAO flowchart; judgements count from their publication date.",
        ],
        kind="title",
    )


def in_place(name: str) -> str:
    """ "in the North West", "in London", "in England": a region's name after "in"."""
    bare = {"England", "London", "Yorkshire and The Humber"}
    return f"in {name}" if name in bare else f"in the {name}"


def authorities(n: int) -> str:
    """ "1 authority", "24 authorities"."""
    return f"{n} authorit{'y' if n == 1 else 'ies'}"


def _how_many(scope: _Scope) -> str:
    """The title's count: "24 authorities in the North West", or "Knowsley, an authority in the North West"."""
    if scope.story is not None:
        return f"{scope.subject}, an authority {in_place(_region_name(scope.story.authority.region_code))}"
    return f"{authorities(len(scope.shown))} {in_place(scope.region_name)}"


def _changes_slide(engine: Engine, scope: _Scope, req: PackRequest) -> Slide:
    """What changed since the last meeting: every group's count, then the first ``SLIDE_LINES``
    lines (judgements, spells and interventions first) and how many more the page lists. An
    authority's pack: that authority's changes only."""
    since = req.window_start
    region = scope.story.authority.region_code if scope.story else req.region
    digest = changes_between(engine, since, req.as_at, region, today=req.day)
    if scope.story is not None:
        digest = only_authority(digest, scope.story.authority.id)
    lines, left_out = headline(digest)
    counts = [f"{total_words(digest)} · {scope.subject}"] + [count_words(g) for g in digest.groups if g.count]
    if not digest.total:
        counts.append("No change recorded in this window")
    notes = [more_words(left_out)] if left_out else []
    if digest.group(NEWLY_RECORDED).count and digest.recorded_until is not None:
        notes.append(
            f"Newly recorded: facts entered from {long_date(since)} to {long_date(digest.recorded_until)}, "
            "dated by the day they were recorded."
        )
    if any(line.estimated for line in lines):
        notes.append(ESTIMATED_NOTE)
    table = None
    if lines:
        table = slide_rows(lines)
        cite = scope.cited.cite
        table["Source"] = [
            scope.cited.refs([cite(ln.source.title, ln.source.url, ln.source.publisher)]) for ln in lines
        ]
    return Slide(
        slide_title(since, req.as_at),
        scope.footer,
        bullets=counts,
        table=table,
        subtitle="\n".join(notes),
        kind="digest",
    )


def _map_slide(scope: _Scope, req: PackRequest, colour: str, what: str) -> Slide:
    """The region's map coloured one way, with its legend counts in words."""
    name = scope.region_name
    fig = slide_map(scope.data, colour, req.region, name)
    alt = f"Map of {name} coloured by {what} as at {long_date(req.as_at)}"
    return Slide(
        f"{name}: {what}",
        scope.footer,
        [_picture(fig, alt, fig.layout.width, fig.layout.height)],
        bullets=_counts_bullets(scope, req, colour),
        sources=scope.cited.line(scope.authority_sources(legend_frame(scope.data, req.region))),
    )


def _intervention_slides(scope: _Scope, req: PackRequest) -> list[Slide]:
    """The authorities in intervention or judged inadequate (every level but "no intervention": the
    intervention map's coloured entries), full width, at most ``IN_INTERVENTION_SLIDES`` slides;
    under the table, how many have no intervention and where every authority is listed."""
    shown = scope.shown
    inside = shown[shown["level"] != vocab.NO_INTERVENTION]
    table = _with_sources(scope, inside)
    place = in_place(scope.region_name)
    notes = _area_notes(inside)
    parts = _pages(table, notes, ROWS_IN_INTERVENTION, ROWS_IN_INTERVENTION - 4)
    kept = parts[:IN_INTERVENTION_SLIDES]
    left = sum(len(part) for part in parts[IN_INTERVENTION_SLIDES:])
    others = len(shown) - len(inside)
    summary = (
        f"{len(inside)} of the {authorities(len(shown))} {place} in intervention or judged inadequate"
        if len(inside)
        else f"No authority {place} in intervention or judged inadequate"
    )
    where = (f"The other {authorities(others)} had no intervention. " if others else "") + (
        "Every authority, and each open inadequate spell's timeline with its clocks: "
        + (
            "the appendix of this pack."
            if req.full_table
            else "the pack with its appendix, or the table as CSV."
        )
    )
    slides = []
    for page, part in enumerate(kept):
        suffix = f" ({page + 1} of {len(kept)})" if len(kept) > 1 else ""
        last = page == len(kept) - 1
        more = [f"…and {left} more in the full table"] if last and left else []
        slides.append(
            Slide(
                f"{scope.subject}: authorities in intervention{suffix}",
                scope.footer,
                bullets=[notes[n] for n in part["Authority"] if n in notes] + more,
                table=part if len(part) else None,
                subtitle=f"{summary}. {where}" if last else summary + ".",
                kind="intervention",
            )
        )
    return slides


def _every_authority(scope: _Scope) -> list[Slide]:
    """The appendix's table: every authority, full width as the in-intervention table, as many
    slides as it takes."""
    table = _with_sources(scope, scope.shown)
    notes = _area_notes(scope.shown)
    parts = _pages(table, notes, ROWS_IN_INTERVENTION, ROWS_IN_INTERVENTION - 4)
    return [
        Slide(
            "Appendix: every authority" + (f" ({k + 1} of {len(parts)})" if len(parts) > 1 else ""),
            scope.footer,
            bullets=[notes[n] for n in part["Authority"] if n in notes],
            table=part,
            kind="intervention",
        )
        for k, part in enumerate(parts)
    ]


def _with_sources(scope: _Scope, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as the slides' table with each row's source numbers."""
    table = slide_table(rows)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for record in rows.to_dict("records"):  # grouped once: a frame per name cost seconds
        by_name.setdefault(record["name"], []).append(record)
    refs = {
        name: scope.cited.refs(scope.record_sources(by_name.get(name, []))) for name in table["Authority"]
    }
    table["Sources"] = table["Authority"].map(refs)
    return table


def _area_notes(rows: pd.DataFrame) -> dict[str, str]:
    """The 2026 framework's four area judgements of each row that has them, as a note."""
    return {
        name: area_note(name, words, areas)
        for name, words, areas in zip(
            rows["name"], rows["judgement_words"], rows.get("areas_text", [""] * len(rows)), strict=True
        )
        if area_note(name, words, areas)
    }


def _pages(table: pd.DataFrame, notes: dict[str, str], per_page: int, with_notes: int) -> list[pd.DataFrame]:
    """The table cut into slides: ``per_page`` rows, ``with_notes`` when a row carries a note
    (the notes go under the table, above the footer). One empty part for an empty table."""
    parts: list[pd.DataFrame] = []
    start = 0
    while start < len(table) or not parts:
        end = start
        while end < len(table) and end - start < per_page:
            has_notes = any(n in notes for n in table["Authority"].iloc[start : end + 1])
            if has_notes and end - start >= with_notes:
                break
            end += 1
        parts.append(table.iloc[start:end])
        start = end
    return parts


def table_csv(scope: _Scope) -> str:
    """Every authority of the pack as CSV (the map page's table, with each row's sources by title
    and link): the full table a board secretary files beside the slides."""
    rows = by_severity(scope.shown)
    table = screen_table(scope.shown, None)
    table["Judgement source"] = rows["source"].to_numpy() if "source" in rows else None
    table["Judgement source link"] = rows["source_url"].to_numpy() if "source_url" in rows else None
    table["Intervention source"] = (
        rows["intervention_source"].to_numpy() if "intervention_source" in rows else None
    )
    table["Intervention source link"] = (
        rows["intervention_source_url"].to_numpy() if "intervention_source_url" in rows else None
    )
    return csv_frame(table).to_csv(index=False)


def _table_slides(scope: _Scope, locator: Picture, title: str = "") -> list[Slide]:
    """The authorities as a real table, ``ROWS_PER_TABLE_SLIDE`` a slide, with the locator beside.

    An authority whose latest inspection is under the April 2026 framework gets a note under the
    table with its four area judgements (DOMAIN §2); a page with notes holds fewer rows
    (``ROWS_WITH_NOTES``) so that the notes fit above the footer."""
    table = _with_sources(scope, scope.shown)
    notes = _area_notes(scope.shown)
    locator = Picture(locator.image, f"Locator: {scope.region_name} on the equal-area tile map", 700, 700)
    parts = _pages(table, notes, ROWS_PER_TABLE_SLIDE, ROWS_WITH_NOTES)
    slides = []
    for page, part in enumerate(parts):
        suffix = f" ({page + 1} of {len(parts)})" if len(parts) > 1 else ""
        slides.append(
            Slide(
                f"{title or scope.subject + ': authorities'}{suffix}",
                scope.footer,
                [locator],
                bullets=[notes[n] for n in part["Authority"] if n in notes],
                table=part,
                kind="table",
            )
        )
    return slides


def _timeline_slides(
    engine: Engine, scope: _Scope, req: PackRequest, spells: pd.DataFrame, say: Progress
) -> list[Slide]:
    """A timeline with clocks for the pack's authority, or for each authority in an open spell."""
    if scope.story is not None:
        chosen = [scope.story]
    else:
        in_spell = set(spells.loc[spells["open"].astype(bool), "code"])
        codes = [c for c in scope.shown.sort_values("name")["code"] if c in in_spell]
        chosen = [authority_story(engine, c) for c in codes]
    slides = []
    for k, story in enumerate(c for c in chosen if c is not None):
        info = story.authority
        say(0.5 + 0.35 * k / max(1, len(chosen)), f"Timeline: {info.name}")
        as_at = min(req.as_at, info.existed_to or req.as_at)
        ceased = ceased_words(story, req.as_at)  # a ceased council runs no clocks
        clocks = None if ceased else story_clocks(story, as_at)
        fig = timeline_figure(story, as_at, [e.as_dict() for e in clocks.items] if clocks else None)
        alt = f"Timeline of {info.name}'s judgements, interventions and visits"
        facts = [f for f in story.facts if f.date is None or f.date <= as_at]
        cited = [scope.cited.cite(f.source.title, f.source.url, f.source.publisher) for f in facts]
        slides.append(
            Slide(
                f"{info.name}: timeline and clocks",
                scope.footer,
                [_picture(fig, alt, 1100, 470)],
                bullets=_authority_bullets(scope.shown, info.code, clocks, req.as_at)
                + ([ceased] if ceased else []),
                sources=scope.cited.line(cited),
            )
        )
    return slides


def _authority_bullets(shown: pd.DataFrame, code: str, clocks, as_at: dt.date) -> list[str]:
    row = shown[shown["code"] == code]
    out: list[str] = []
    if not row.empty:
        r = row.iloc[0]
        since = f" since {written_date(r['since'])}" if written_date(r["since"]) else ""
        out.append(f"Level: {r['level_label']}{since}")
        if written_date(r["published"]):
            words = r.get("judgement_summary", r.get("judgement_words", r["judgement_key"]))
            areas = r.get("areas_text")
            out.append(
                f"Latest judgement: {words}, published {written_date(r['published'])}"
                + (" (date corrected by an erratum)" if bool(r.get("date_corrected", False)) else "")
                + (f" (area judgements: {areas})" if isinstance(areas, str) and areas else "")
            )
    if clocks is not None:
        for item in clocks.items:  # met / missed / overdue / not in the data / due (issue 22)
            words = item.words(as_at)
            if item.opens:  # "Re-inspection expected from D (in N days)", or the window is open
                words = words.removeprefix("from ") if item.status == DUE else f"{long_date(item.date)}: open"
                out.append(f"{item.label} {words}")
            elif item.status == DUE:  # "due D (in N days)" carries the date
                out.append(f"{item.label}: {words}")
            else:
                out.append(f"{item.label} {long_date(item.date)}: {words}")
        if clocks.days_since_last_visit is not None:
            out.append(f"Days since the last recorded monitoring visit: {clocks.days_since_last_visit}")
    return out


def _exit_slide(engine: Engine, spells: pd.DataFrame, req: PackRequest, scope: _Scope) -> Slide:
    """Time to exit for the region against England, citing every full judgement's source (the
    spells are made of them)."""
    name = scope.region_name
    fig, bullets = region_against_england(spells, req.region, name, req.as_at)
    alt = f"Kaplan–Meier curves of time to exit from inadequate, {name} against England"
    cited = [scope.cited.cite(*source) for source in queries.judgement_sources(engine, req.as_at)]
    return Slide(
        "Time to exit from inadequate",
        scope.footer,
        [_picture(fig, alt, 820, 560)],
        bullets=bullets,
        sources=scope.cited.line(cited),
    )


def board_pack(
    engine: Engine, req: PackRequest, outputs: list[Path], progress: Progress | None = None
) -> list[Slide]:
    """Build the slides once and write every requested file (.pptx and/or .pdf).

    The files are written page by page in step, each page as soon as its picture is drawn, so
    that when the browser hands over the last figure only the last page and the saving remain."""
    for out in outputs:
        if out.suffix.lower() not in (*FORMATS, ".csv"):
            raise ValueError(f"{out.name}: a board pack is .pptx or .pdf (and its full table .csv)")
    say = progress or (lambda _f, _m: None)
    with image_server():
        scope, slides = _build(engine, req, lambda f, m: say(0.3 * f, m))
        for out in outputs:
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.suffix.lower() == ".csv":  # UTF-8 with a byte-order mark, as Excel wants
                out.write_text(table_csv(scope), encoding="utf-8-sig")
        writers = [
            (pptx_pages if out.suffix.lower() == ".pptx" else pdf_pages)(slides, out)
            for out in outputs
            if out.suffix.lower() in FORMATS
        ]
        for number in range(1, len(slides) + 1):
            for writer in writers:
                next(writer)
            say(
                0.3 + 0.65 * number / len(slides),
                f"Page {number} of {len(slides)}: {slides[number - 1].title}",
            )
        say(0.97, "Saving the files")
        for writer in writers:
            next(writer, None)  # the generator saves its file and ends
    say(1.0, "Done")
    return slides
