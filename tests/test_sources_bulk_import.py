"""The importer writes in bulk (issue 23, item 5), on SQLite and PostgreSQL: a tracker of
thousands of rows, each citing its own page, is a few dozen statements however many rows it
has, every fact lands with its own source and link, and a second import that fills a column of
every event updates them all (a new version each) in as few; a release's judgements belong to their own
inspections."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import event, select

from oversight.data.sources.importer import import_paths
from oversight.data.store import schema as s

ROWS = 1500
#: Areas only one framework judges: a judgement written against a neighbour's id would show.
ONLY = {
    "slac": {"slac_safeguarding", "slac_looked_after"},
    "sif": {"lscb", "adoption", "leadership"},  # two SLAC rows give looked_after_permanence too
    "ilacs": {"impact_of_leaders", "children_in_care", "children_in_care_and_leavers"},
}
CODES = ("E06000001", "E06000002", "E06000003", "E06000004", "E06000005")


def _tracker(folder: Path, name: str, details: str, title: str = "Minutes") -> Path:
    """``ROWS`` rows, none another's copy: events, and every tenth a monitoring visit."""
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "record",
                "authority_code",
                "date",
                "published",
                "kind",
                "title",
                "details",
                "source_url",
                "source_title",
            ]
        )
        for i in range(ROWS):
            j = i // len(CODES)
            day = dt.date(2001, 1, 1) + dt.timedelta(days=7 * j)  # before any seed fact
            record, kind, published = "event", "board", ""
            if j % 10 == 7:
                record, kind, published = "visit", "monitoring", (day + dt.timedelta(days=30)).isoformat()
            url = f"https://example.org/minutes/{i}"
            writer.writerow(
                [
                    record,
                    CODES[i % len(CODES)],
                    day,
                    published,
                    kind,
                    f"Meeting {i}",
                    details,
                    url,
                    f"{title} {i}",
                ]
            )
    return path


def _count_statements(engine) -> list[str]:
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    return sent


def _writes(sent: list[str]) -> list[str]:
    return [q for q in sent if q.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_a_big_tracker_is_written_in_a_few_statements(fresh_engine, tmp_path):
    sent = _count_statements(fresh_engine)
    [summary] = import_paths(fresh_engine, [_tracker(tmp_path, "first.csv", "notes")])
    assert (summary.added, summary.updated, summary.unchanged) == (ROWS, 0, 0)
    assert len(_writes(sent)) < 40, "a statement per row"
    ev, vi, src, fs = s.events, s.visits, s.sources, s.fact_sources
    with fresh_engine.connect() as conn:
        for table in (ev, vi):
            rows = conn.execute(
                select(
                    table.c.source_id.label("primary"),
                    table.c.version,
                    src.c.url,
                    src.c.title,
                    fs.c.source_id,
                    fs.c.position,
                )
                .join(src, src.c.id == table.c.source_id)
                .outerjoin(fs, (fs.c.fact_table == table.name) & (fs.c.fact_id == table.c.id))
                .where(src.c.kind == "tracker", src.c.url.like("https://example.org/%"))
            ).all()
            assert rows and all(r.version == 1 and r.position == 0 and r.source_id == r.primary for r in rows)
            assert all(r.title == "Minutes " + r.url.rsplit("/", 1)[1] for r in rows)
        events = conn.execute(
            select(ev.c.title, src.c.url)
            .join(src, src.c.id == ev.c.source_id)
            .where(ev.c.title.like("Meeting %"))
        ).all()
    assert len(events) == ROWS * 9 // 10
    assert all(t.split()[1] == url.rsplit("/", 1)[1] for t, url in events), "a fact with another row's source"


def test_a_second_import_updates_every_row_in_a_few_statements(fresh_engine, tmp_path):
    import_paths(fresh_engine, [_tracker(tmp_path, "first.csv", "")])
    sent = _count_statements(fresh_engine)
    [summary] = import_paths(fresh_engine, [_tracker(tmp_path, "second.csv", "more notes", "Agenda")])
    # A tracker fills what its rank's earlier rows left empty: every event's details.
    assert summary.added == 0 and summary.updated >= ROWS * 9 // 10
    assert len(_writes(sent)) < 40, "a statement per row"
    ev, src = s.events, s.sources
    with fresh_engine.connect() as conn:
        events = conn.execute(
            select(ev.c.title, ev.c.details, ev.c.version, src.c.title.label("source"))
            .join(src, src.c.id == ev.c.source_id)
            .where(ev.c.title.like("Meeting %"))
        ).all()
    assert len(events) == ROWS * 9 // 10
    assert {(e.details, e.version) for e in events} == {("more notes", 2)}
    assert all(e.source == "Agenda " + e.title.split()[1] for e in events), "sources refreshed in place"
    assert import_paths(fresh_engine, [tmp_path / "second.csv"])[0].skipped_as_already_imported


def test_judgements_belong_to_their_own_inspections(loaded_engine):
    ins, ju = s.inspections, s.inspection_judgements
    with loaded_engine.connect() as conn:
        rows = conn.execute(
            select(ins.c.id, ins.c.framework, ju.c.area).join(ju, ju.c.inspection_id == ins.c.id)
        ).all()
    assert len(rows) > 1000
    wrong = [
        (i, framework, area)
        for i, framework, area in rows
        for f, areas in ONLY.items()
        if area in areas and f != framework
    ]
    assert not wrong
