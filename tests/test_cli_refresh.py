"""`oversight refresh`: download, check, import in one transaction; any failure changes nothing.

No internet: a local HTTP server plays the mirror (``--mirror``), serving copies of the shared data
folder's files made at test time in a temporary folder. The 2026 release has an address but no
shared copy, so tests that need every download to succeed use the registry without it
(``registry_of``), and one test shows that its failed download stops the refresh.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight import cli
from oversight.data import bootstrap
from oversight.data.checksum import sha256_of
from oversight.data.downloads import fetch, registry
from oversight.data.downloads.checksums import CHECKSUMS_NAME, read_checksums
from oversight.data.downloads.refresh import importable_files
from oversight.data.store import queries
from tests.conftest import dump
from tests.test_downloads_fetch import (
    LA_2024,
    LOOKUP,
    RELEASE_2026,
    SCRAPE,
    Mirror,
    serve_folder,
    write_registry,
)

NEIGHBOURS_2025 = "reference/sn_model_2025_wide.csv"
LTLA = "reference/LTLA-UTLA_Apr23_Lookup_England-Wales.csv"
D = dt.date.fromisoformat


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    """The mirror: a temporary folder served over HTTP; each test copies in what it serves."""
    with serve_folder(tmp_path / "mirror") as served:
        yield served


@pytest.fixture(autouse=True)
def no_mirror_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)


@pytest.fixture
def registry_of(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Make `oversight refresh` read a registry of only some of the real entries."""

    def use(keep) -> list[registry.Entry]:
        entries = [e for e in registry.load_registry() if keep(e)]
        monkeypatch.setattr(registry, "REGISTRY_PATH", write_registry(entries, tmp_path / "downloads.csv"))
        return entries

    return use


def fill(mirror: Mirror, data_dir: Path, entries: list[registry.Entry]) -> None:
    """The mirror serves a copy of each entry's shared file at its target (a boundary: the normalised file)."""
    for entry in entries:
        if (data_dir / entry.target).is_file():
            mirror.put(entry.target, data_dir / entry.target)


def refresh(dest: Path, url: str, mirror: Mirror | None, capsys) -> tuple[int, str, str]:
    argv = ["refresh", "--data-dir", str(dest), "--database", url]
    if mirror is not None:
        argv += ["--mirror", mirror.url]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def failure_line(err: str) -> str:
    """The one line a failed refresh prints (progress lines aside)."""
    lines = [line for line in err.splitlines() if line.startswith("oversight refresh: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'refresh.sqlite'}"
    bootstrap.ready_engine(url)
    yield url
    bootstrap.forget(url)


# Success ------------------------------------------------------------------------------------


def test_a_refresh_from_a_mirror_imports_everything_and_a_second_changes_nothing(
    empty_url: str, data_dir: Path, mirror: Mirror, registry_of, tmp_path: Path, capsys
):
    entries = registry_of(lambda e: e.target != RELEASE_2026)
    fill(mirror, data_dir, entries)
    dest = tmp_path / "data"

    code, out, err = refresh(dest, empty_url, mirror, capsys)

    assert code == 0, err
    assert "Traceback" not in err
    assert f"Database: {empty_url}" in err.splitlines()  # the one it wrote to (issue 21)
    for entry in entries:
        assert f"downloading {entry.target} from {mirror.url}/{entry.target}" in err
        assert f"checked     {entry.target}: " in err
    imported = [
        "ofsted/Childrens_social_care_in_England_2022_underlying_data.xlsx",
        "ofsted/Childrens_social_care_in_England_2023_underlying_data.ods",
        "ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods",
        "ofsted/LA_Inspection_Outcomes_as_at_March_2024.ods",
        "reference/New_Statistical_Neighbour_Groupings_April_2021.csv",
        NEIGHBOURS_2025,
        SCRAPE,
    ]
    assert [line.split()[1] for line in err.splitlines() if line.startswith("importing")] == imported
    assert [p.relative_to(dest).as_posix() for p in importable_files(dest)] == imported
    for target in imported:
        assert f"{Path(target).name}: " in out and "rows read" in out
    assert "  disagrees: " in out  # the releases against the seed, as `oversight import` reports it
    # The newest release's dates stand, and Ofsted's reports as scraped agree with every one.
    assert "disagrees: ofsted_csc_ilacs_history.csv" not in out
    assert out.rstrip().endswith(f"refreshed from {dest}: 7 of 7 files imported")
    for entry in entries:
        if not entry.vintage:
            assert sha256_of(dest / entry.target) == sha256_of(data_dir / entry.target)
    record = read_checksums(dest)
    assert record[SCRAPE] == sha256_of(data_dir / SCRAPE) and record[LOOKUP] == sha256_of(data_dir / LOOKUP)
    assert "raw/boundaries/utla_2023.geojson" in record

    engine = bootstrap.ready_engine(empty_url)
    assert queries.snapshot(engine, D("2017-12-08"))["counts"] == {
        "Outstanding": 3,
        "Good": 52,
        "Requires improvement to be good": 68,
        "Inadequate": 29,
    }
    summer_2026 = queries.snapshot(engine, D("2026-08-31"))
    assert summer_2026["derived_inadequate"] == 1 and summer_2026["no_overall_grade"] == 10
    before = dump(engine)

    mirror.requests.clear()
    code, out, err = refresh(dest, empty_url, mirror, capsys)

    assert code == 0, err
    assert sorted(mirror.requests) == sorted(f"/files/{t}" for t in (SCRAPE, LOOKUP)), "only what changes"
    assert f"checked     {SCRAPE}: downloaded again from {mirror.url}/{SCRAPE}: unchanged" in err
    assert out.count("already imported, nothing changed") == 7
    assert out.rstrip().endswith(f"nothing changed: all 7 files of {dest} were already imported")
    assert dump(engine) == before


def test_an_absent_file_without_an_address_is_skipped_with_a_note(
    sqlite_url: str, data_dir: Path, registry_of, tmp_path: Path, capsys
):
    registry_of(lambda e: e.target in (NEIGHBOURS_2025, LTLA))
    dest = tmp_path / "data"
    (dest / "reference").mkdir(parents=True)
    shutil.copyfile(data_dir / NEIGHBOURS_2025, dest / NEIGHBOURS_2025)

    code, out, err = refresh(dest, sqlite_url, None, capsys)

    assert code == 0, err
    assert f"checked     {NEIGHBOURS_2025}: present, sha256 ok" in err
    assert f"skipped     {LTLA}: absent, nothing to import from it (no known download address" in err
    assert f"importing   {NEIGHBOURS_2025}" in err and "sn_model_2025_wide.csv: " in out


# Failures: the database exactly as it was -----------------------------------------------------


def test_a_download_that_fails_imports_nothing(
    sqlite_url: str, data_dir: Path, mirror: Mirror, registry_of, tmp_path: Path, capsys
):
    entries = registry_of(lambda e: e.target in (LA_2024, RELEASE_2026, NEIGHBOURS_2025, SCRAPE, LOOKUP))
    fill(mirror, data_dir, entries)  # the mirror has no 2026 release: 404
    engine = bootstrap.ready_engine(sqlite_url)
    before = dump(engine)
    dest = tmp_path / "data"

    code, out, err = refresh(dest, sqlite_url, mirror, capsys)

    assert code == 1 and out == ""
    assert f"failed      {RELEASE_2026}" in err and f"checked     {SCRAPE}: downloaded from" in err
    line = failure_line(err)
    assert line.startswith(
        f"oversight refresh: download of {RELEASE_2026} from {mirror.url}/{RELEASE_2026} failed"
    )
    assert "404" in line
    assert line.endswith(
        f"nothing was imported; the database is unchanged; the new {SCRAPE} removed; the new {LOOKUP} removed"
    )
    assert "importing" not in err
    assert dump(engine) == before
    assert not (dest / SCRAPE).exists() and SCRAPE not in read_checksums(dest)


def test_a_checksum_mismatch_names_the_file_and_both_checksums(
    sqlite_url: str, data_dir: Path, mirror: Mirror, registry_of, tmp_path: Path, capsys
):
    entries = registry_of(lambda e: e.target in (NEIGHBOURS_2025, LA_2024))
    fill(mirror, data_dir, entries)
    tampered = mirror.root / LA_2024
    tampered.write_bytes(tampered.read_bytes() + b"tampered")
    engine = bootstrap.ready_engine(sqlite_url)
    before = dump(engine)
    dest = tmp_path / "data"

    code, out, err = refresh(dest, sqlite_url, mirror, capsys)

    assert code == 1 and out == ""
    line = failure_line(err)
    expected = next(e.sha256 for e in entries if e.target == LA_2024)
    assert line.startswith(f"oversight refresh: {LA_2024}: checksum mismatch: expected sha256 {expected}")
    assert f"got sha256 {sha256_of(tampered)} from {mirror.url}/{LA_2024}" in line
    assert not (dest / LA_2024).exists()
    assert dump(engine) == before


def test_a_damaged_file_with_no_address_is_refused_naming_both_checksums(
    sqlite_url: str, data_dir: Path, registry_of, tmp_path: Path, capsys
):
    [entry] = registry_of(lambda e: e.target == NEIGHBOURS_2025)
    dest = tmp_path / "data"
    (dest / "reference").mkdir(parents=True)
    damaged = dest / NEIGHBOURS_2025
    damaged.write_bytes((data_dir / NEIGHBOURS_2025).read_bytes().replace(b",", b";", 1))
    engine = bootstrap.ready_engine(sqlite_url)
    before = dump(engine)

    code, out, err = refresh(dest, sqlite_url, None, capsys)

    assert code == 1 and out == ""
    line = failure_line(err)
    assert line.startswith(
        f"oversight refresh: {NEIGHBOURS_2025}: checksum mismatch: expected sha256 {entry.sha256}"
    )
    assert f"got sha256 {sha256_of(damaged)} from the file on disk" in line
    assert dump(engine) == before


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda row: row.replace("80573,", "99999,", 1), "column urn: unknown Ofsted URN '99999'"),
        (lambda row: row.replace("03/08/26", "2026-08-03", 1), "column publication_date: not a dd/mm/yy"),
    ],
    ids=["unknown-urn", "mangled-date"],
)
def test_a_bad_scrape_is_refused_naming_file_and_row_and_the_old_version_is_kept(
    sqlite_url: str, data_dir: Path, mirror: Mirror, registry_of, tmp_path: Path, capsys, change, where
):
    entries = registry_of(lambda e: e.target in (SCRAPE, LOOKUP, NEIGHBOURS_2025))
    fill(mirror, data_dir, entries)
    dest = tmp_path / "data"
    assert refresh(dest, sqlite_url, mirror, capsys)[0] == 0
    first_bytes, first_record = (dest / SCRAPE).read_bytes(), (dest / CHECKSUMS_NAME).read_bytes()
    engine = bootstrap.ready_engine(sqlite_url)
    before = dump(engine)

    # The publisher's next version has one bad row: Trafford's 2026 report, changed.
    text = (data_dir / SCRAPE).read_text(encoding="utf-8")
    rows = text.splitlines(keepends=True)
    number, trafford = next(
        (n, r) for n, r in enumerate(rows, start=1) if r.startswith("80573,") and "03/08/26" in r
    )
    rows[number - 1] = change(trafford)
    (mirror.root / SCRAPE).write_text("".join(rows), encoding="utf-8")

    code, out, err = refresh(dest, sqlite_url, mirror, capsys)

    assert code == 1 and out == ""
    assert f"checked     {SCRAPE}: new version downloaded from" in err
    line = failure_line(err)
    assert f"ofsted_csc_ilacs_history.csv, row {number}, {where}" in line
    assert line.endswith(f"nothing was imported; the database is unchanged; the previous {SCRAPE} put back")
    assert dump(engine) == before
    assert (dest / SCRAPE).read_bytes() == first_bytes, "the data directory still matches the database"
    assert (dest / CHECKSUMS_NAME).read_bytes() == first_record

    # The publisher mends it: the new version is accepted and imported.
    rows[number - 1] = trafford.replace("inadequate,inadequate,good", "inadequate,inadequate,inadequate", 1)
    (mirror.root / SCRAPE).write_text("".join(rows), encoding="utf-8")
    code, out, err = refresh(dest, sqlite_url, mirror, capsys)
    assert code == 0, err
    assert "this file changes upstream, so the new version is accepted" in err
    assert "ofsted_csc_ilacs_history.csv: " in out and "rows read" in out
    assert read_checksums(dest)[SCRAPE] == sha256_of(mirror.root / SCRAPE)


def test_no_data_directory_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.delenv("OVERSIGHT_DATA_DIR", raising=False)
    assert cli.main(["refresh"]) == 2
    assert "No data directory: pass --data-dir DIR" in capsys.readouterr().err


def test_help_names_every_option(capsys):
    with pytest.raises(SystemExit):
        cli.main(["refresh", "--help"])
    text = capsys.readouterr().out
    assert all(option in text for option in ("--data-dir", "--mirror", "--database"))
