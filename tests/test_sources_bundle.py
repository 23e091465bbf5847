"""The data bundle: reproducible from the public files, equal to importing them, refused whole when
damaged, and what a fresh clone with no data directory shows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from streamlit.testing.v1 import AppTest

from oversight.data import bootstrap, settings
from oversight.data.downloads.bundle_build import MAX_BUNDLE_BYTES, build
from oversight.data.sources import boundaries, bundle, topology
from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.sources.seed import load_bundle
from oversight.data.store import queries, story
from tests.conftest import ROOT, dump

COMMITTED = ROOT / "data" / "bundle"


@pytest.fixture(scope="module")
def rebuilt(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(data_dir, tmp_path_factory.mktemp("bundle") / "bundle").directory


@pytest.fixture
def bundle_on(monkeypatch):
    monkeypatch.setenv(settings.BUNDLE_ENV, "on")


def test_the_committed_bundle_is_a_rebuild_of_the_public_files(rebuilt: Path):
    """Nobody edits the bundle by hand: rebuilding it from ../shared/data gives the same bytes."""
    names = sorted(p.name for p in rebuilt.iterdir())
    assert names == sorted(p.name for p in COMMITTED.iterdir())
    differ = [n for n in names if (rebuilt / n).read_bytes() != (COMMITTED / n).read_bytes()]
    assert not differ, f"{differ} differ: run `oversight bundle build --from ../shared/data`"


def test_the_bundle_is_within_its_budget_and_holds_no_public_file(data_dir: Path):
    assert sum(p.stat().st_size for p in COMMITTED.iterdir()) <= MAX_BUNDLE_BYTES
    public = {p.read_bytes() for p in data_dir.rglob("*") if p.is_file() and p.stat().st_size < 5_000_000}
    assert not [p.name for p in COMMITTED.iterdir() if p.read_bytes() in public]
    readme = (COMMITTED / "README.md").read_text(encoding="utf-8")
    for words in (
        "Open Government Licence v3.0",
        "contains OS data © Crown copyright and database right",
        "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool",
        "oversight bundle build --from",
    ):
        assert words in readme


def test_bundled_boundaries_are_the_simplified_files_exactly(data_dir: Path):
    """TopoJSON on the 0.001° grid loses nothing: every vintage decodes to the same shapes."""
    for _, vintage in boundaries.VINTAGES:
        original = boundaries.load_simplified(boundaries.boundary_file(data_dir, vintage))
        decoded = bundle.boundaries(vintage, COMMITTED)
        assert decoded is not None, vintage
        assert [f["properties"] for f in decoded["features"]] == [
            f["properties"] for f in original["features"]
        ]
        for a, b in zip(original["features"], decoded["features"], strict=True):
            assert a["geometry"]["type"] == b["geometry"]["type"]
            assert shapely.normalize(shape(a["geometry"])).equals_exact(
                shapely.normalize(shape(b["geometry"])), 0
            )


def test_shared_borders_are_stored_once():

    topo = json.loads((COMMITTED / bundle.BOUNDARIES).read_text(encoding="utf-8"))
    uses: dict[int, int] = {}
    for name in topology.names(topo):
        for geometry in topo["objects"][name]["geometries"]:
            polys = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
            for ring in (r for poly in polys for r in poly):
                for i in ring:
                    uses[i if i >= 0 else ~i] = uses.get(i if i >= 0 else ~i, 0) + 1
    assert len(uses) == len(topo["arcs"])
    assert (
        sum(1 for n in uses.values() if n > 1) > len(uses) / 2
    )  # most arcs serve two authorities or vintages


def test_loading_the_bundle_equals_importing_the_files(empty_url: str, data_dir: Path, bundle_on):
    """First use loads the bundle; importing the real files afterwards changes nothing at all."""
    engine = bootstrap.ready_engine(empty_url)
    before = dump(engine)
    from oversight.data.downloads.bundle_build import inputs

    summaries = import_paths(engine, inputs(data_dir))
    assert all(s.skipped_as_already_imported for s in summaries), [s.as_dict() for s in summaries]
    assert dump(engine) == before


def test_fresh_database_shows_england_this_summer(empty_url: str, bundle_on):
    engine = bootstrap.ready_engine(empty_url)
    snap = queries.snapshot(engine, dt.date(2026, 8, 31))
    assert snap["inspected"] >= 150 and snap["derived_inadequate"] >= 1 and snap["no_overall_grade"] >= 1
    trafford = story.find_authority(engine, "E08000009")
    latest = queries.latest_judgements(engine, dt.date(2026, 8, 31))
    row = latest[latest["authority_id"] == trafford.id].iloc[0]
    assert row["judgement"] == "Inadequate" and bool(row["overall_derived"])
    assert queries.data_as_at(engine) >= dt.date(2026, 8, 1)
    # Ofsted's published counts come out exactly as from the releases themselves.
    autumn_2017 = queries.snapshot(engine, dt.date(2017, 12, 8))
    assert autumn_2017["inspected"] == 152 and autumn_2017["counts"] == {
        "Outstanding": 3,
        "Good": 52,
        "Requires improvement to be good": 68,
        "Inadequate": 29,
    }
    march_2022 = queries.snapshot(engine, dt.date(2022, 4, 30))
    assert (march_2022["inspected"], march_2022["not_inspected"]) == (150, 2)
    assert march_2022["counts"] == {
        "Outstanding": 19,
        "Good": 61,
        "Requires improvement to be good": 52,
        "Inadequate": 18,
    }


def _damaged(tmp_path: Path, cut: int | None = None, at_row_end: bool = False) -> Path:
    copy = tmp_path / "bundle"
    shutil.copytree(COMMITTED, copy)
    target = copy / "inspections.csv"
    data = target.read_bytes()
    if at_row_end:
        target.write_bytes(data[: data.rindex(b"\n", 0, len(data) // 2) + 1])
    else:
        target.write_bytes(data[: cut or len(data) // 2])
    return copy


def test_a_truncated_bundle_is_refused_with_file_and_row(tmp_path: Path):
    with pytest.raises(ImportRefused) as caught:
        bundle.read(_damaged(tmp_path))
    text = str(caught.value)
    assert "data bundle/inspections.csv" in text and "truncated or edited" in text
    assert any("data bundle/inspections.csv, row " in p for p in caught.value.problems)


def test_a_bundle_cut_at_a_line_end_is_refused_by_its_counts(tmp_path: Path):
    with pytest.raises(ImportRefused) as caught:
        bundle.read(_damaged(tmp_path, at_row_end=True))
    assert any("files.csv says" in p for p in caught.value.problems)


def test_an_edited_cell_is_refused_with_its_column(tmp_path: Path):
    copy = tmp_path / "bundle"
    shutil.copytree(COMMITTED, copy)
    target = copy / "visits.csv"
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = (
        lines[3].replace(",monitoring,", ",monitoring visit,", 1).replace(",focused,", ",focused visit,", 1)
    )
    target.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        bundle.read(copy)
    assert any(
        p.startswith("data bundle/visits.csv, row 4, column kind: unexpected value")
        for p in caught.value.problems
    )


def test_a_damaged_bundle_leaves_the_database_untouched(
    empty_url: str, tmp_path: Path, monkeypatch, bundle_on
):
    damaged = _damaged(tmp_path)
    monkeypatch.setattr(bundle, "default_dir", lambda: damaged)
    engine = bootstrap.ready_engine(empty_url)  # first use: register and seed load, the bundle is refused
    before = dump(engine)
    assert not [r for r in before["import_runs"] if "bundle" in repr(r)]
    with pytest.raises(ImportRefused):
        load_bundle(engine)
    assert dump(engine) == before


def test_boundaries_come_from_the_bundle_without_a_data_directory(bundle_on, monkeypatch):
    fc = boundaries.load(None, "2025")
    assert fc is not None and len(fc["features"]) == 153
    monkeypatch.setenv(settings.BUNDLE_ENV, "off")
    assert boundaries.load(None, "2025") is None


def test_bundle_check_command_agrees(data_dir: Path):
    done = subprocess.run(
        [sys.executable, "-m", "oversight.cli", "bundle", "check", "--from", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "identical to a rebuild" in done.stdout


def test_a_fresh_clone_paints_the_boundary_map_of_this_summer(monkeypatch, tmp_path: Path):
    """No data directory, no database setting, an empty var/: the NAO-style map of England at the
    newest date in the bundle, drawn with boundaries (not the tile fallback)."""
    monkeypatch.delenv(settings.DATABASE_ENV, raising=False)
    monkeypatch.delenv(settings.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(settings.BUNDLE_ENV, "on")
    monkeypatch.chdir(tmp_path)
    from oversight.components.widgets import cache

    cache._secrets.cache_clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert not any("Boundary files are not available" in i.value for i in at.info)
    as_at = at.date_input(key="filters_as_at").value
    assert as_at >= dt.date(2026, 8, 1)
    table = next(d.value for d in at.dataframe if "Intervention level" in d.value.columns)
    assert len(table) >= 150
    at.switch_page("ui/data_sources.py").run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "File read" in d.value.columns)
    assert set(table["File read"]) >= {
        "LA_Inspection_Outcomes_as_at_March_2024.ods",
        "ofsted_csc_ilacs_history.csv",
    }
    assert "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool" in set(
        table["Source"]
    )
    assert all(table["Licence"].str.contains("Open Government Licence"))
    runs = next(d.value for d in at.dataframe if "Read from" in d.value.columns)
    assert "the data bundle" in set(runs["Read from"])
    text = " ".join(m.value for m in at.markdown)
    assert "from the built-in data bundle" in text and "Data to Insight ILACS scrape tool" in text
