"""`oversight download`: the registry, pooch downloads checked by sha256, and ONS boundary normalisation.

No internet. A local HTTP server (127.0.0.1, a free port) plays the publisher or the mirror. It serves
a temporary folder, and each test copies into it the files it needs from the shared data folder.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping, shape

from oversight import cli
from oversight.data.checksum import sha256_of
from oversight.data.downloads import fetch
from oversight.data.downloads.checksums import CHECKSUMS_NAME, ChecksumMismatch
from oversight.data.downloads.normalise import normalise_boundaries
from oversight.data.downloads.registry import BoundaryFormatError, Entry, UnknownTarget, load_registry

REGISTRY = load_registry()
PLAIN = [e for e in REGISTRY if not e.vintage]  # Ofsted, DfE and ONS files kept as published
BOUNDARY_2023 = "boundaries/utla_2023.geojson"
LA_2024 = "ofsted/LA_Inspection_Outcomes_as_at_March_2024.ods"


@dataclass
class Mirror:
    """A folder served over HTTP, and the paths that were requested from it."""

    root: Path
    url: str
    requests: list[str] = field(default_factory=list)

    def put(self, target: str, source: Path) -> Path:
        dest = self.root / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return dest


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    root = tmp_path / "mirror"
    root.mkdir()
    served = Mirror(root, "")

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            served.requests.append(self.path)
            super().do_GET()

        def translate_path(self, path: str) -> str:
            # The base URL has a path prefix, as an internal mirror's would: serve it from root.
            return super().translate_path(path.removeprefix("/files"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    served.url = f"http://127.0.0.1:{server.server_address[1]}/files"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_mirror_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)


def run_cli(*argv: str) -> int:
    """``oversight ...`` in-process, through the command line's own parser."""
    return cli.main(list(argv))


def fake_ons_raw(original: Path, dest: Path, year: str = "23") -> dict:
    """A raw ONS download made from a normalised file: ONS field names, a Welsh feature, anticlockwise rings."""
    collection = json.loads(original.read_text(encoding="utf-8"))
    features = []
    for n, feature in enumerate(collection["features"], start=1):
        geom = shapely.orient_polygons(shape(feature["geometry"]), exterior_cw=False)
        props = feature["properties"]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "FID": n,
                    f"CTYUA{year}CD": props["code"],
                    f"CTYUA{year}NM": props["name"],
                    f"CTYUA{year}NMW": " ",
                    "GlobalID": f"{{{n:08d}}}",
                },
                "geometry": mapping(geom),
            }
        )
    wales = shapely.Polygon([(-4.0, 53.2), (-4.0, 53.4), (-4.5, 53.4), (-4.5, 53.2)])  # anticlockwise
    features.insert(
        3,
        {
            "type": "Feature",
            "properties": {f"CTYUA{year}CD": "W06000001", f"CTYUA{year}NM": "Isle of Anglesey"},
            "geometry": mapping(wales),
        },
    )
    raw = {"type": "FeatureCollection", "features": features}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(raw), encoding="utf-8")
    return raw


def exterior_rings(geom) -> list:
    return [poly.exterior for poly in shapely.get_parts(geom)]


# Registry -------------------------------------------------------------------------------------


def test_registry_lists_the_published_files_with_their_checksums(data_dir: Path):
    targets = {e.target for e in REGISTRY}
    for sub in ("ofsted", "reference"):
        for path in (data_dir / sub).iterdir():
            assert f"{sub}/{path.name}" in targets, f"{sub}/{path.name} is not in downloads.csv"
    for entry in PLAIN:
        assert entry.sha256 == sha256_of(data_dir / entry.target), entry.target
    for year in ("2018", "2019", "2020", "2021", "2023", "2025"):
        entry = next(e for e in REGISTRY if e.target == f"boundaries/utla_{year}.geojson")
        assert entry.sha256 == ""  # ONS publishes no checksum: trust on first use
        assert entry.title and entry.publisher
    assert next(e for e in REGISTRY if e.vintage == "2025").derived


# Plain files ----------------------------------------------------------------------------------


def test_download_via_mirror_matches_the_published_hashes_and_a_second_run_downloads_nothing(
    data_dir: Path, mirror: Mirror, tmp_path: Path
):
    for entry in PLAIN:
        mirror.put(entry.target, data_dir / entry.target)
    dest = tmp_path / "data"
    only = [e.target for e in PLAIN]

    results = fetch.fetch(dest, only=only, base_url=mirror.url)

    assert [r.status for r in results] == [fetch.DOWNLOADED] * len(PLAIN)
    for entry in PLAIN:
        assert sha256_of(dest / entry.target) == entry.sha256 == sha256_of(data_dir / entry.target)
    assert sorted(mirror.requests) == sorted(f"/files/{t}" for t in only)
    assert not list(dest.rglob("*.part")) and not (dest / CHECKSUMS_NAME).exists()

    mirror.requests.clear()
    again = fetch.fetch(dest, only=only, base_url=mirror.url)
    assert [r.status for r in again] == [fetch.PRESENT] * len(PLAIN)
    assert mirror.requests == []


def test_registry_url_is_used_without_a_mirror(data_dir: Path, mirror: Mirror, tmp_path: Path):
    entry = next(e for e in PLAIN if e.target == LA_2024)
    mirror.put("publisher/some/deep/path/outcomes.ods", data_dir / LA_2024)
    published = Entry(
        LA_2024, f"{mirror.url}/publisher/some/deep/path/outcomes.ods", entry.sha256, "Ofsted", "OGL", "t"
    )
    [result] = fetch.fetch(tmp_path / "data", registry=[published])
    assert result.status == fetch.DOWNLOADED
    assert sha256_of(tmp_path / "data" / LA_2024) == entry.sha256


def test_a_tampered_file_is_refused_and_nothing_is_overwritten(
    data_dir: Path, mirror: Mirror, tmp_path: Path
):
    dest = tmp_path / "data"
    good = "reference/sn_model_2025_wide.csv"
    mirror.put(good, data_dir / good)
    tampered = mirror.put(LA_2024, data_dir / LA_2024)
    tampered.write_bytes(tampered.read_bytes() + b"tampered")
    bad_sha = sha256_of(tampered)
    expected = next(e.sha256 for e in PLAIN if e.target == LA_2024)

    assert fetch.fetch(dest, only=[good], base_url=mirror.url)[0].status == fetch.DOWNLOADED
    good_bytes = (dest / good).read_bytes()
    with pytest.raises(ChecksumMismatch) as info:
        fetch.fetch(dest, only=[good, LA_2024], base_url=mirror.url)
    message = str(info.value)
    assert LA_2024 in message and expected in message and bad_sha in message
    assert not (dest / LA_2024).exists(), "nothing may be written at the target"
    assert not list(dest.rglob("*.part")) and not list(dest.rglob("*.rejected"))
    assert (dest / good).read_bytes() == good_bytes

    # A damaged local copy is downloaded again, but a tampered download never replaces it.
    (dest / LA_2024).write_bytes(b"damaged")
    with pytest.raises(ChecksumMismatch):
        fetch.fetch(dest, only=[LA_2024], base_url=mirror.url)
    assert (dest / LA_2024).read_bytes() == b"damaged"

    # Once the mirror serves the real file again, the damaged copy is replaced.
    mirror.put(LA_2024, data_dir / LA_2024)
    assert fetch.fetch(dest, only=[LA_2024], base_url=mirror.url)[0].status == fetch.DOWNLOADED
    assert sha256_of(dest / LA_2024) == expected


def test_entries_without_a_url_say_where_to_put_the_file(tmp_path: Path, capsys):
    missing = [e for e in REGISTRY if not e.url]
    assert missing, "the test needs at least one entry without a download address"
    dest = tmp_path / "data"
    results = fetch.fetch(dest, only=[e.target for e in missing])
    for entry, result in zip(missing, results, strict=True):
        assert result.status == fetch.NO_URL and not result.ok
        assert result.message.startswith(f"no known download address for {entry.target}")
        assert "by hand" in result.message and entry.title in result.message
        if not entry.derived:
            assert f"(from {entry.publisher}, page {entry.title})" in result.message
            assert str(dest / entry.download_target) in result.message
    derived = next(r for r in results if r.target == "boundaries/utla_2025.geojson")
    assert (
        "not an ONS release" in derived.message
        and str(dest / "boundaries/utla_2025.geojson") in derived.message
    )

    lookup = "reference/LTLA-UTLA_Apr23_Lookup_England-Wales.csv"
    assert run_cli("download", "--data-dir", str(dest), "--only", lookup) == 1
    err = capsys.readouterr().err
    assert f"no known download address for {lookup}; put the file at {dest / lookup} by hand" in err
    assert "(from Office for National Statistics, page Lower Tier Local Authority" in err


def test_unknown_target_is_a_usage_error(tmp_path: Path, capsys):
    with pytest.raises(UnknownTarget):
        fetch.fetch(tmp_path, only=["ofsted/nope.ods"])
    assert run_cli("download", "--data-dir", str(tmp_path), "--only", "ofsted/nope.ods") == 2
    assert "not in the registry: ofsted/nope.ods" in capsys.readouterr().err


def test_check_exit_codes(data_dir: Path, tmp_path: Path, capsys):
    dest = tmp_path / "data"
    assert run_cli("download", "--data-dir", str(dest), "--check") == 1
    assert "missing" in capsys.readouterr().out
    assert not dest.exists(), "--check downloads and writes nothing"

    for sub in ("ofsted", "reference", "boundaries"):  # plain copies: the shared files are read-only
        (dest / sub).mkdir(parents=True)
        for path in (data_dir / sub).iterdir():
            shutil.copyfile(path, dest / sub / path.name)
    assert run_cli("download", "--data-dir", str(dest), "--check") == 0
    out = capsys.readouterr().out
    assert f"ok        {LA_2024}" in out and "present   boundaries/utla_2023.geojson" in out

    target = dest / LA_2024
    target.write_bytes(target.read_bytes() + b"x")
    assert run_cli("download", "--data-dir", str(dest), "--check", "--only", LA_2024) == 1
    assert f"mismatch  {LA_2024}" in capsys.readouterr().out
    assert [s.state for s in fetch.status(dest, only=[LA_2024])] == [fetch.ST_MISMATCH]


# Boundaries -----------------------------------------------------------------------------------


def test_ons_boundaries_are_normalised_into_the_project_form(data_dir: Path, mirror: Mirror, tmp_path: Path):
    original = data_dir / BOUNDARY_2023
    raw = fake_ons_raw(original, mirror.root / BOUNDARY_2023)
    assert any(f["properties"]["CTYUA23CD"].startswith("W") for f in raw["features"])
    dest = tmp_path / "data"

    [result] = fetch.fetch(dest, only=[BOUNDARY_2023], base_url=mirror.url)

    assert result.status == fetch.DOWNLOADED and "normalised" in result.message
    assert (dest / "raw" / BOUNDARY_2023).read_bytes() == (mirror.root / BOUNDARY_2023).read_bytes()
    made = json.loads((dest / BOUNDARY_2023).read_text(encoding="utf-8"))
    want = json.loads(original.read_text(encoding="utf-8"))
    assert made["crs"]["properties"]["name"] == "urn:ogc:def:crs:OGC:1.3:CRS84"
    codes = [f["properties"]["code"] for f in made["features"]]
    assert codes == sorted(codes) == [f["properties"]["code"] for f in want["features"]]
    assert all(code.startswith("E") for code in codes)
    assert all(set(f["properties"]) == {"code", "name"} for f in made["features"])
    assert [f["properties"]["name"] for f in made["features"]] == [
        f["properties"]["name"] for f in want["features"]
    ]
    geoms = [shape(f["geometry"]) for f in made["features"]]
    assert all(g.is_valid for g in geoms)
    assert not any(shapely.is_ccw(ring) for g in geoms for ring in exterior_rings(g)), "exteriors clockwise"
    assert all(shapely.is_ccw(hole) for g in geoms for p in shapely.get_parts(g) for hole in p.interiors)
    for got, ref in zip(geoms, (shape(f["geometry"]) for f in want["features"]), strict=True):
        assert got.equals_exact(ref, 1e-6) or abs(got.area - ref.area) < 1e-9
    coords = shapely.get_coordinates(geoms)
    assert (coords.round(6) == coords).all(), "coordinates rounded to 6 dp"


def test_normalise_finds_fields_case_insensitively_and_repairs_geometry(tmp_path: Path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 50], [1, 51], [1, 50], [0, 51], [0, 50]]]}
    square = {"type": "Polygon", "coordinates": [[[2, 50], [2, 51], [3, 51], [3, 50], [2, 50]]]}
    raw = tmp_path / "raw.geojson"
    raw.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"ctyua18cd": "E10000014", "ctyua18nm": "Hampshire", "ctyua18nmw": " "},
                        "geometry": bowtie,
                    },
                    {
                        "type": "Feature",
                        "properties": {
                            "ctyua18cd": "E06000001",
                            "ctyua18nm": "Hartlepool",
                            "ctyua18nmw": " ",
                        },
                        "geometry": square,
                    },
                    {
                        "type": "Feature",
                        "properties": {
                            "ctyua18cd": "W06000001",
                            "ctyua18nm": "Anglesey",
                            "ctyua18nmw": "Ynys Môn",
                        },
                        "geometry": square,
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "utla_2018.geojson"
    assert normalise_boundaries(raw, out, "2018") == 2
    made = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"] for f in made["features"]] == [
        {"code": "E06000001", "name": "Hartlepool"},
        {"code": "E10000014", "name": "Hampshire"},
    ]
    repaired = shape(made["features"][1]["geometry"])
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert not any(shapely.is_ccw(ring) for ring in exterior_rings(repaired))

    with pytest.raises(BoundaryFormatError, match="are for 2018, but this is the 2019 vintage"):
        normalise_boundaries(raw, tmp_path / "utla_2019.geojson", "2019")
    assert not (tmp_path / "utla_2019.geojson").exists()


def test_boundaries_trust_on_first_use_and_refuse_a_changed_download(
    data_dir: Path, mirror: Mirror, tmp_path: Path
):
    served = mirror.root / BOUNDARY_2023
    fake_ons_raw(data_dir / BOUNDARY_2023, served)
    dest = tmp_path / "data"
    fetch.fetch(dest, only=[BOUNDARY_2023], base_url=mirror.url)
    first = sha256_of(served)
    checksums = (dest / CHECKSUMS_NAME).read_text(encoding="utf-8")
    assert checksums == f"{first}  raw/{BOUNDARY_2023}\n"
    assert [s.state for s in fetch.status(dest, only=[BOUNDARY_2023])] == [fetch.ST_OK]
    normalised = (dest / BOUNDARY_2023).read_bytes()

    # Present and matching the record: nothing is requested.
    mirror.requests.clear()
    assert fetch.fetch(dest, only=[BOUNDARY_2023], base_url=mirror.url)[0].status == fetch.PRESENT
    assert mirror.requests == []

    # ONS now serves different bytes: the download is refused and kept aside, nothing overwritten.
    changed = json.loads(served.read_text(encoding="utf-8"))
    changed["features"][0]["properties"]["CTYUA23NM"] = "Somewhere else"
    served.write_text(json.dumps(changed), encoding="utf-8")
    (dest / "raw" / BOUNDARY_2023).unlink()
    with pytest.raises(ChecksumMismatch) as info:
        fetch.fetch(dest, only=[BOUNDARY_2023], base_url=mirror.url)
    message = str(info.value)
    assert first in message and sha256_of(served) in message and "kept aside" in message
    kept = dest / "raw" / f"{BOUNDARY_2023}{fetch.REJECTED_SUFFIX}"
    assert kept.read_bytes() == served.read_bytes()
    assert not (dest / "raw" / BOUNDARY_2023).exists()
    assert (dest / BOUNDARY_2023).read_bytes() == normalised
    assert (dest / CHECKSUMS_NAME).read_text(encoding="utf-8") == checksums

    # A raw file changed on disk, with nowhere to download it from again, is refused too.
    kept.rename(dest / "raw" / BOUNDARY_2023)
    with pytest.raises(ChecksumMismatch, match="the file on disk"):
        fetch.fetch(dest, only=[BOUNDARY_2023])
    assert [s.state for s in fetch.status(dest, only=[BOUNDARY_2023])] == [fetch.ST_MISMATCH]
    assert run_cli("download", "--data-dir", str(dest), "--check", "--only", BOUNDARY_2023) == 1
