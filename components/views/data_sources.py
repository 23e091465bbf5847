"""The Data & sources view: what is loaded, how fresh it is, where it came from, the licences.

Every number on this page answers "can I trust what the other pages show, and as at when?"
File names and source titles are shown as text (``safe_text.markdown``; table cells are text
already) and a source's link only when it is a web address (``safe_text.web_link``).

The page is public, so it says *what* is loaded and from which published file, never *where* it
lives on the server: no data directory, database file or URL, setting name or command line (the
README is where whoever runs the service learns those); a damaged bundle's problems, which name
files, go to the server's log.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import streamlit as st

from oversight.components.figures.freshness import LAYER_NAMES, LAYERS, layer_date, source_words
from oversight.components.figures.judgements import areas_text, judgement_words
from oversight.components.figures.safe_text import markdown, web_link
from oversight.components.figures.theme import long_date
from oversight.components.widgets import cache as store
from oversight.components.widgets import freshness
from oversight.components.widgets.filters import Filters
from oversight.components.widgets.tables import EMPTY, download_csv
from oversight.data import settings
from oversight.data.domain import vocab
from oversight.data.sources import boundaries, bundle
from oversight.data.sources.records import ImportRefused
from oversight.data.store.layers import LastLoad, Layers

_log = logging.getLogger("oversight.app")

OFSTED_ATTRIBUTION = (
    "Ofsted inspection outcomes: Crown copyright, Office for Standards in Education, Children's Services and "
    "Skills (Ofsted), licensed under the Open Government Licence v3.0. Showing an out-of-date rating as current can "
    "mislead: every judgement here carries its publication date."
)
ONS_ATTRIBUTION = (
    "Authority codes, names and boundaries: Source: Office for National Statistics licensed under the Open "
    "Government Licence v.3.0. Contains OS data © Crown copyright and database right 2018–2025."
)
DFE_ATTRIBUTION = (
    "DfE local authority codes and statistical neighbours: Crown copyright, Department for Education, "
    "Open Government Licence v3.0."
)
SCRAPE_ATTRIBUTION = (
    "Inspection reports published after Ofsted's latest official release: Ofsted inspection reports, compiled by "
    "the Data to Insight ILACS scrape tool (GitHub repository JT-39/ofsted-ilacs-scrape-tool; code MIT licence, "
    "facts Crown copyright, Ofsted, Open Government Licence v3.0). It ranks below Ofsted's releases and the "
    "curated tracker: it only fills gaps, and the import report names every disagreement."
)
TRACKER_ATTRIBUTION = (
    "Intervention tracker: facts typed from public documents (the LGA guide for lead members, a tracker blog "
    "updated 17 May 2018, and DfE/press reports since), each linked to its source below."
)

KIND_LABELS = {
    "ofsted_release": "Ofsted release",
    "tracker": "Tracker CSV",
    "seed": "Seed tracker (built in)",
    "register": "Register of authorities (built in)",
    "community_scrape": "Community scrape (Data to Insight)",
    "neighbours_csv": "DfE statistical neighbours",
    "release": "Ofsted release",
    "errata": "Errata (built in: corrections of release dates)",
}


def _runs_table(runs: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(runs)
    if frame.empty:
        return frame
    frame["kind"] = frame["kind"].map(lambda k: KIND_LABELS.get(k, k))
    frame["via"] = (
        frame["message"]
        .fillna("")
        .map(lambda m: "the data bundle" if bundle.FROM_BUNDLE in m else "the file itself")
    )
    frame = frame.rename(
        columns={
            "via": "Read from",
            "file_name": "File",
            "kind": "Kind",
            "finished_at": "Imported (UTC)",
            "rows_read": "Rows read",
            "rows_added": "Added",
            "rows_updated": "Updated",
            "rows_unchanged": "Unchanged",
            "outcome": "Outcome",
            "sha256": "SHA-256",
        }
    )
    return frame[
        [
            "File",
            "Kind",
            "Read from",
            "Imported (UTC)",
            "Rows read",
            "Added",
            "Updated",
            "Unchanged",
            "Outcome",
            "SHA-256",
        ]
    ]


def _sources_table(sources: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(sources)
    if frame.empty:
        return frame
    frame["kind"] = frame["kind"].map(lambda k: KIND_LABELS.get(k, k))
    frame["published"] = pd.to_datetime(frame["published"])  # missing dates show blank, not "None"
    frame = frame.rename(
        columns={
            "title": "Source",
            "publisher": "Publisher",
            "published": "Published",
            "kind": "Kind",
            "facts": "Facts it sources",
            "url": "Link",
            "licence": "Licence",
        }
    ).fillna({"Publisher": "", "Licence": ""})
    frame["Link"] = frame["Link"].map(lambda url: web_link(url) or "")
    return frame[["Source", "Publisher", "Published", "Kind", "Facts it sources", "Licence", "Link"]]


def authorities_table(latest: pd.DataFrame) -> pd.DataFrame:
    """The table of authorities with their latest judgement and its date (also the CSV)."""
    frame = pd.DataFrame(
        {
            "Authority": latest["name"],
            "ONS code": latest["code"],
            "DfE code": latest["dfe_code"],
            "Region": latest["region"],
            "Latest judgement": [
                judgement_words(g, d, p, pd.notna(i))
                for g, d, p, i in zip(
                    latest["judgement"],
                    latest["overall_derived"],
                    latest["post_reform"],
                    latest["published"],
                    strict=True,
                )
            ],
            "Area judgements": latest["areas"].map(lambda a: areas_text(a) if isinstance(a, dict) else ""),
            "Published": latest["published"],
            "Publication date estimated": latest["publication_estimated"].eq(True),
            "Inspection": latest["kind"].map(
                lambda k: vocab.INSPECTION_KINDS[k][2] if isinstance(k, str) else ""
            ),
            "Source": latest["source"].fillna(""),
        }
    )
    return frame


def _boundaries_status(bundled: list[str]) -> None:
    """Which boundary vintages the maps use: the data directory's files, else the bundle's (never
    where the data directory is)."""
    data_dir = settings.data_dir()
    found = [v for _, v in boundaries.VINTAGES if boundaries.boundary_file(data_dir, v)]
    from_bundle = [v for _, v in boundaries.VINTAGES if v not in found and v in bundled]
    missing = [v for _, v in boundaries.VINTAGES if v not in found and v not in from_bundle]
    parts = []
    if found:
        parts.append(f"ONS vintages {', '.join(found)} from the files this service was given")
    if from_bundle:
        parts.append(f"vintages {', '.join(from_bundle)} from the built-in data bundle")
    if missing:
        parts.append(f"none for {', '.join(missing)} (dates they serve fall back to the equal-area tile map)")
    st.markdown("**Boundaries:** " + "; ".join(parts) + ".")


def titled_table(
    frame: pd.DataFrame,
    *,
    title: str,
    caption: str,
    key: str,
    file_name: str | None = None,
    column_config: dict | None = None,
    height: int | str = "auto",
    column_order: list[str] | None = None,
) -> None:
    """Title line, table, source caption and (optionally) a CSV download."""
    st.markdown(f"#### {title}")
    st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config,
        column_order=column_order,
        placeholder=EMPTY,
        alt=f"Table: {title}. {caption}",
        key=f"{key}_table",
        height=height,
    )
    st.caption(caption)
    if file_name:
        download_csv(frame, file_name, "Download this table as CSV", key=f"{key}_csv")


def render(filters: Filters) -> None:
    """The page: freshness and counts, coverage, boundaries, the authorities, runs, sources, licences."""
    overview = store.overview()
    st.title("Data & sources")
    _freshness(overview)
    _coverage(overview["coverage"])
    contents = _bundle_contents()
    _boundaries_status(contents.vintages if contents and settings.bundle_enabled() else [])
    _authorities(filters)
    _loaded(overview)
    _bundle(contents)
    _licences()


def _bundle_contents() -> bundle.Contents | None:
    try:
        return bundle.contents()
    except ImportRefused as exc:
        _log.warning("oversight: the data bundle is damaged: %s", "; ".join(exc.problems[:3]))
        st.warning(
            "The built-in data bundle is damaged and was not loaded. Whoever runs this service "
            "can rebuild it.",
            icon=":material/warning:",
        )
        return None


def bundle_table(contents: bundle.Contents) -> pd.DataFrame:
    """The bundle's public files with the source and licence of each (also the CSV)."""
    frame = pd.DataFrame(contents.files)
    frame["kind"] = frame["kind"].map(lambda k: KIND_LABELS.get(k, k))
    frame["url"] = frame["url"].map(lambda url: web_link(url) or "")
    frame["published"] = pd.to_datetime(frame["published"])
    frame = frame.rename(
        columns={
            "file": "File read",
            "kind": "Kind",
            "rows": "Rows",
            "source": "Source",
            "publisher": "Publisher",
            "published": "Published",
            "licence": "Licence",
            "url": "Link",
            "sha256": "SHA-256 of the file",
        }
    )
    return frame[
        [
            "File read",
            "Kind",
            "Rows",
            "Source",
            "Publisher",
            "Published",
            "Licence",
            "Link",
            "SHA-256 of the file",
        ]
    ]


def _bundle(contents: bundle.Contents | None) -> None:
    """The built-in bundle: what a fresh install shows before any import, with its sources and licences."""
    if contents is None:
        return
    state = "loaded into this database on first use" if settings.bundle_enabled() else "not loaded here"
    titled_table(
        bundle_table(contents),
        title="Built-in data bundle",
        caption=(
            f"Rows read from these public files, and ONS boundaries (vintages {', '.join(contents.vintages)}; "
            "Office for National Statistics, OGL v3.0, contains OS data © Crown copyright and database right), "
            f"shipped with the app ({contents.total_bytes / 1e6:.1f} MB) and {state}. Each file imports under its "
            "own name and checksum at its own rank."
        ),
        key="bundle",
        column_config={
            "Link": st.column_config.LinkColumn("Link"),
            "Published": st.column_config.DateColumn("Published", format="D MMM YYYY"),
        },
    )


SOURCE_COLUMN = "Source of the newest fact"


def load_words(load: LastLoad | None, bundle_to: dt.date | None) -> str:
    """What the last load was. A bundle loaded today is not data refreshed today (issue 22: "Last
    import 6 December 2026" read so): say which data it holds, then when this machine loaded it."""
    if load is None:
        return "no Ofsted release imported yet: only the built-in seed tracker is loaded"
    on = long_date(load.finished_at.date())
    if load.from_bundle:
        data = f" built from public data to {long_date(bundle_to)}" if bundle_to else ""
        return f"loaded from the data bundle shipped with the app{data} (on this machine on {on})"
    return f"last import of a file {on} ({markdown(load.file_name)})"


def layers_table(layers: Layers) -> pd.DataFrame:
    """One row a layer: what it is, how far it runs (as exactly as recorded), its newest fact's source."""
    rows = []
    for attr, _, _ in LAYERS:
        end = getattr(layers, attr)
        rows.append(
            (
                LAYER_NAMES[attr],
                layer_date(end) if end else "none in the data",
                source_words(end) if end else "",
            )
        )
    return pd.DataFrame(rows, columns=["Layer", "Data to", SOURCE_COLUMN])


def _freshness(overview: dict) -> None:
    """How far each layer runs, what the last load was, and what is in the store."""
    counts, coverage = overview["counts"], overview["coverage"]
    newest = coverage["inspections_published_to"]
    last_import = freshness.last_load()
    st.markdown(
        f"**Judgements published up to {long_date(newest)}** · "
        f"{counts['authorities']} authorities in the register · " + load_words(last_import, _bundle_to())
    )
    table = layers_table(freshness.layers())
    # st.table reads its cells as Markdown: a source's title is outside text.
    table[SOURCE_COLUMN] = table[SOURCE_COLUMN].map(markdown)
    st.table(table.set_index("Layer"))
    if not last_import:
        st.info(
            "Every authority's judgements appear once whoever runs this service imports Ofsted's "
            "official releases.",
            icon=":material/upload_file:",
        )

    cols = st.columns(4)
    cols[0].metric(
        "Full inspections",
        f"{counts['full_inspections']:,}",
        help="SIF and ILACS inspections that set a grade",
    )
    cols[1].metric("Visits", f"{counts['visits']:,}", help="Monitoring and focused visits, JTAIs")
    cols[2].metric(
        "Interventions", f"{counts['interventions']:,}", help="Notices, directions, commissioners, trusts"
    )
    cols[3].metric(
        "Events", f"{counts['events']:,}", help="Milestones: boards, DCS changes, commissioner reports"
    )


def _bundle_to() -> dt.date | None:
    try:
        return bundle.data_to()
    except (OSError, ValueError):  # a damaged bundle: the bundle section says so
        return None


def _coverage(coverage: dict) -> None:
    """From when to when each kind of fact runs, and how many publication dates are estimated."""
    st.markdown("#### Date coverage")
    coverage_rows = pd.DataFrame(
        [
            (
                "Inspection reports published",
                coverage["inspections_published_from"],
                coverage["inspections_published_to"],
            ),
            ("Visits", coverage["visits_from"], coverage["visits_to"]),
            ("Interventions started", coverage["interventions_from"], coverage["interventions_to"]),
        ],
        columns=["What", "From", "To"],
    )
    coverage_rows["From"] = coverage_rows["From"].map(long_date)
    coverage_rows["To"] = coverage_rows["To"].map(long_date)
    st.table(coverage_rows.set_index("What"))
    if coverage["estimated_publications"]:
        st.caption(
            f"{coverage['estimated_publications']} report(s) known only by inspection date: their publication "
            "date is estimated (median lag in the data) and marked as such until a release gives it."
        )


def _authorities(filters: Filters) -> None:
    """Every authority's latest judgement as at the chosen date, with its CSV."""
    latest = store.latest_judgements(filters.as_at, filters.region)
    table = authorities_table(latest)
    titled_table(
        table,
        title=f"Latest Ofsted judgement, {filters.region_name}, as at {long_date(filters.as_at)}",
        caption=(
            f"As at {long_date(filters.as_at)} · reports published on or before that date · "
            f"{int(latest['judgement'].notna().sum())} inspected, {int(latest['judgement'].isna().sum())} not yet "
            "inspected · Source: Ofsted children's social care releases (OGL v3.0)"
        ),
        key="authorities",
        file_name=f"latest-judgements-{filters.region or 'england'}-{filters.as_at.isoformat()}.csv",
        # The judgement and its date beside the name (at 1,280 px the codes and region filled the width).
        column_order=[
            "Authority",
            "Latest judgement",
            "Published",
            "Region",
            "Area judgements",
            "Inspection",
            "Publication date estimated",
            "ONS code",
            "DfE code",
            "Source",
        ],
        column_config={
            "Published": st.column_config.DateColumn("Published", format="D MMM YYYY"),
            "Publication date estimated": st.column_config.CheckboxColumn("Estimated?"),
        },
    )


def _loaded(overview: dict) -> None:
    """Every import run, and every source with how many facts it states."""
    titled_table(
        _runs_table(overview["import_runs"]),
        title="What is loaded",
        caption="Every import run, newest first. Re-importing a file that changed nothing writes nothing.",
        key="runs",
        column_config={"Imported (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")},
    )
    titled_table(
        _sources_table(overview["sources"]),
        title="Sources",
        caption=(
            "Every fact in the tracker links to one of these sources. When two sources state the same fact, "
            "the higher-ranked one sources it (a newer Ofsted release over an older one, Ofsted over the tracker), "
            "so a source can show 0."
        ),
        key="sources",
        file_name="sources.csv",
        column_config={
            "Link": st.column_config.LinkColumn("Link"),
            "Published": st.column_config.DateColumn("Published", format="D MMM YYYY"),
        },
    )


def _licences() -> None:
    st.markdown("#### Licences and attribution")
    for text in (
        OFSTED_ATTRIBUTION,
        SCRAPE_ATTRIBUTION,
        ONS_ATTRIBUTION,
        DFE_ATTRIBUTION,
        TRACKER_ATTRIBUTION,
    ):
        st.markdown(f"- {text}")
    st.caption(f"Page generated {long_date(dt.date.today())}.")
