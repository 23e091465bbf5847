"""The whole curated tracker as one tracker CSV (README, "Tracker CSV format").

What people curate: every intervention and event, and every visit and inspection whose source is
not an Ofsted release or the community scrape (those come back from their own files). Importing
the export into a new database gives the same facts, and exporting that database again gives
the same text: rows are in an order of their values alone (never of ids), and every cell that a
spreadsheet would run as a formula starts with ``'`` (``domain.text.csv_cell``).
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine, select

from oversight.data.curation.images import Codes, tracker_row
from oversight.data.domain.text import csv_cell
from oversight.data.sources.tracker_csv import COLUMNS
from oversight.data.store import fact_sources
from oversight.data.store import schema as s

#: Sources whose facts are not the tracker's: they are imported again from their own files.
NOT_CURATED = ("ofsted_release", "community_scrape")
ORDER = {"intervention": 0, "event": 1, "visit": 2, "inspection": 3}


def curated_rows(engine: Engine) -> list[dict[str, str]]:
    """The curated facts as tracker rows (strings), in the export's order.

    A fact with several sources (``store/fact_sources``) is one row per source, the same values
    on each: its primary source's row first, then the others in the order they were added (a
    release's is left out: it comes back from its own file; two that read the same, once).
    Importing the rows gives the fact back with the same sources in the same order: the first
    row makes (or corrects) the fact, each next one matches it and adds its source.
    """
    groups: list[list[dict[str, str]]] = []
    src = s.sources
    with engine.connect() as conn:
        codes = Codes(conn)
        for table in (s.interventions, s.events, s.visits, s.inspections):
            stmt = select(
                table,
                src.c.url.label("source_url"),
                src.c.title.label("source_title"),
                src.c.publisher.label("source_publisher"),
            ).join(src, src.c.id == table.c.source_id)
            if table.name in ("visits", "inspections"):
                stmt = stmt.where(src.c.kind.not_in(NOT_CURATED))
            facts = list(conn.execute(stmt).mappings())
            others = fact_sources.sources_of(conn, table.name, [r["id"] for r in facts])
            for r in facts:
                source = {
                    "url": r["source_url"],
                    "title": r["source_title"],
                    "publisher": r["source_publisher"],
                }
                group = [tracker_row(table.name, r, source, codes)]
                for other in others.get(r["id"], []):
                    if other["id"] == r["source_id"] or other["kind"] in NOT_CURATED:
                        continue
                    row = tracker_row(table.name, r, other, codes)
                    if row not in group:
                        group.append(row)
                groups.append(group)
    groups.sort(key=lambda g: (ORDER[g[0]["record"]], g[0]["authority_code"], g[0]["date"], *g[0].values()))
    return [row for group in groups for row in group]


def export_tracker_csv(engine: Engine) -> str:
    """The whole curated tracker in the tracker CSV format: the header is
    ``tracker_csv.COLUMNS``, one row per fact and source, lines ending in ``\\n``. Text is written as
    stored, except that a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or line
    break) gets a leading ``'`` so a spreadsheet shows it instead of running it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in curated_rows(engine):
        writer.writerow([csv_cell(row[c]) for c in COLUMNS])
    return out.getvalue()
