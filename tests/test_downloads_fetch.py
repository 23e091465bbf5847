"""`oversight download`: the registry, streamed downloads checked by sha256, and ONS boundary normalisation.

No internet. A local HTTP server (127.0.0.1, a free port) plays the publisher or the mirror. It serves
a temporary folder, and each test copies into it the files it needs from the shared data folder.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
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
from oversight.data.downloads.registry import (
    REGISTRY_COLUMNS,
    REGISTRY_PATH,
    BoundaryFormatError,
    Entry,
    FetchError,
    UnknownTarget,
    load_registry,
)

REGISTRY = load_registry()
BOUNDARY_2023 = "boundaries/utla_2023.geojson"
LA_2024 = "ofsted/LA_Inspection_Outcomes_as_at_March_2024.ods"
RELEASE_2026 = "ofsted/local_authority_inspection_outcomes_as_at_31_march_2026_underlying_data.ods"
SCRAPE = "community/ofsted_csc_ilacs_history.csv"
LOOKUP = "community/Provider_data_lookup.csv"
#: Ofsted, DfE and ONS files kept as published, pinned by sha256, with a copy in the shared data
#: folder (the 2026 release has an address and a sha256 but no shared copy).
PLAIN = [e for e in REGISTRY if not e.vintage and e.sha256 and e.target != RELEASE_2026]


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


@contextlib.contextmanager
def serve_folder(root: Path) -> Iterator[Mirror]:
    """A folder served over HTTP on 127.0.0.1 under the path prefix ``/files``, as an internal mirror."""
    root.mkdir(parents=True, exist_ok=True)
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
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def write_registry(entries: list[Entry], path: Path) -> Path:
    """A registry file of ``entries`` (some of the real ones), for a command pointed at it."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(REGISTRY_COLUMNS)
        for entry in entries:
            writer.writerow([getattr(entry, c) for c in REGISTRY_COLUMNS])
    return path


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    with serve_folder(tmp_path / "mirror") as served:
        yield served


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
    for sub in ("ofsted", "reference", "community"):
        for path in (data_dir / sub).iterdir():
            if path.suffix != ".md":
                assert f"{sub}/{path.name}" in targets, f"{sub}/{path.name} is not in downloads.csv"
    for entry in PLAIN:
        assert entry.sha256 == sha256_of(data_dir / entry.target), entry.target
    by_target = {e.target: e for e in REGISTRY}
    for year in ("2018", "2019", "2020", "2021", "2023", "2025"):
        entry = by_target[f"boundaries/utla_{year}.geojson"]
        assert entry.sha256 == ""  # ONS publishes no checksum: trust on first use
        assert entry.title and entry.publisher and not entry.derived
    # The Open Geography Portal's feature services, read in pages; 2025 from December 2024.
    assert [by_target[f"boundaries/utla_{y}.geojson"].paged for y in ("2019", "2021", "2023", "2025")] == [
        True
    ] * 4
    assert (
        "December_2024_Boundaries_UK_BUC/FeatureServer/0/query"
        in by_target["boundaries/utla_2025.geojson"].url
    )
    # The 2026 release: an address and the publisher's sha256, but no copy in the shared folder.
    release = by_target[RELEASE_2026]
    assert release.url.startswith("https://assets.publishing.service.gov.uk/media/6a6c6b2a8319ab05f7caa29d/")
    assert release.sha256 == "4ab7acad39efa3d33151270fe7076db4d8ec8b1761e45e570fb23e68f3b54b5f"
    assert not (data_dir / RELEASE_2026).exists()
    # The community scrape changes daily: no pinned sha256, a new version is accepted.
    for target in (SCRAPE, LOOKUP):
        entry = by_target[target]
        assert (
            entry.accepts_changes
            and entry.sha256 == ""
            and "JT-39/ofsted-ilacs-scrape-tool/main/" in entry.url
        )
    # DfE publishes the 2021 neighbours inside an .xlsx: recorded as the CSV's source, not downloaded.
    neighbours = by_target["reference/New_Statistical_Neighbour_Groupings_April_2021.csv"]
    assert neighbours.url == "" and neighbours.derived_from.endswith("LGR_Version__April_2021_.xlsx")


def test_every_registry_column_is_described(tmp_path: Path):
    described = REGISTRY_PATH.with_name("downloads.md").read_text(encoding="utf-8")
    for column in REGISTRY_COLUMNS:
        assert f"`{column}`" in described, f"downloads.md does not describe the column {column}"
    bad = tmp_path / "downloads.csv"
    header = ",".join(REGISTRY_COLUMNS)
    bad.write_text(
        f"{header}\ncommunity/x.csv,https://example.org/x.csv,,P,L,T,sometimes,\n", encoding="utf-8"
    )
    with pytest.raises(FetchError, match="changes of community/x.csv must be empty or 'accepted'"):
        load_registry(bad)
    bad.write_text(
        f"{header}\ncommunity/x.csv,https://example.org/x.csv,{'0' * 64},P,L,T,accepted,\n", encoding="utf-8"
    )
    with pytest.raises(FetchError, match="cannot have a pinned sha256"):
        load_registry(bad)


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
    derived_2025 = Entry(
        "boundaries/utla_2025.geojson",
        publisher="derived for this project, not an ONS release",
        title="2025 upper-tier authorities derived from ONSvisual/uk-topojson",
    )
    missing = [e for e in REGISTRY if not e.url and e.vintage != "2025"] + [derived_2025]
    assert len(missing) > 1, "the test needs entries without a download address"
    dest = tmp_path / "data"
    results = fetch.fetch(dest, registry=missing)
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
    neighbours = next(
        r for r in results if r.target == "reference/New_Statistical_Neighbour_Groupings_April_2021.csv"
    )
    assert (
        "it is made from https://assets.publishing.service.gov.uk/media/606458acd3bf7f0c8d06b7e2/"
        in neighbours.message
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
    assert f"ok        {LA_2024}" in out
    # No raw download: the shared boundary file is checked against the registry's normalised_sha256.
    assert "ok        boundaries/utla_2023.geojson  sha256 ok (the registry's normalised_sha256)" in out
    # Not here yet but with an address: fetchable, not a failure (no community folder was copied).
    for target in (RELEASE_2026, SCRAPE, LOOKUP):
        assert (
            f"absent    {target}  not here yet; `oversight download` or `oversight refresh` fetches it" in out
        )

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
    # The raw download (trust on first use) and the normalised file made from it (for when raw/ is gone).
    assert checksums == (
        f"{sha256_of(dest / BOUNDARY_2023)}  {BOUNDARY_2023}\n{first}  raw/{BOUNDARY_2023}\n"
    )
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
    no_address = [dataclasses.replace(e, url="") for e in REGISTRY if e.target == BOUNDARY_2023]
    with pytest.raises(ChecksumMismatch, match="the file on disk"):
        fetch.fetch(dest, registry=no_address)
    assert [s.state for s in fetch.status(dest, only=[BOUNDARY_2023])] == [fetch.ST_MISMATCH]
    assert run_cli("download", "--data-dir", str(dest), "--check", "--only", BOUNDARY_2023) == 1


# Paged feature services ---------------------------------------------------------------------


@dataclass
class FeatureService:
    """An ArcGIS-like feature service: a layer answered in pages of at most ``limit`` features."""

    url: str
    features: list = field(default_factory=list)
    limit: int = 50
    flag_in_properties: bool = False  # GeoJSON answers carry the flag under "properties"
    error: dict | None = None
    offsets: list[int] = field(default_factory=list)

    def page(self, query: dict[str, str]) -> dict:
        if self.error is not None:
            return {"error": self.error}
        offset = int(query.get("resultOffset", 0))
        count = min(int(query.get("resultRecordCount", self.limit)), self.limit)
        self.offsets.append(offset)
        chunk = self.features[offset : offset + count]
        body: dict = {"type": "FeatureCollection", "features": chunk}
        if offset + count < len(self.features):
            if self.flag_in_properties:
                body["properties"] = {"exceededTransferLimit": True}
            else:
                body["exceededTransferLimit"] = True
        return body


@pytest.fixture
def service() -> Iterator[FeatureService]:
    from urllib.parse import parse_qsl, urlsplit

    layer = FeatureService("")

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if not parts.path.endswith("/FeatureServer/0/query"):
                self.send_error(404)
                return
            body = json.dumps(layer.page(dict(parse_qsl(parts.query)))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    layer.url = (
        f"http://127.0.0.1:{server.server_address[1]}/arcgis/rest/services/CTYUA_TEST/FeatureServer/0/query"
        "?where=1%3D1&outFields=*&outSR=4326&f=geojson"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield layer
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _service_entry(url: str, target: str = BOUNDARY_2023) -> Entry:
    return Entry(target, url, "", "Office for National Statistics", "OGL v3.0", "test layer")


@pytest.mark.parametrize("flag_in_properties", [False, True], ids=["top-level", "properties"])
def test_a_feature_service_is_read_in_pages_and_merged(
    data_dir: Path, service: FeatureService, tmp_path: Path, flag_in_properties: bool
):
    raw = fake_ons_raw(data_dir / BOUNDARY_2023, tmp_path / "source.geojson")
    service.features, service.flag_in_properties = raw["features"], flag_in_properties
    entry = _service_entry(service.url)
    assert entry.paged
    dest = tmp_path / "data"

    [result] = fetch.fetch(dest, registry=[entry])

    assert result.status == fetch.DOWNLOADED, result.message
    assert service.offsets == [0, 50, 100, 150]  # 154 features, at most 50 a page
    merged = json.loads((dest / "raw" / BOUNDARY_2023).read_text(encoding="utf-8"))
    assert merged["type"] == "FeatureCollection" and "exceededTransferLimit" not in merged
    assert len(merged["features"]) == len(raw["features"])
    made = json.loads((dest / BOUNDARY_2023).read_text(encoding="utf-8"))
    want = json.loads((data_dir / BOUNDARY_2023).read_text(encoding="utf-8"))
    assert [f["properties"] for f in made["features"]] == [f["properties"] for f in want["features"]]
    assert f"raw/{BOUNDARY_2023}" in (dest / CHECKSUMS_NAME).read_text(encoding="utf-8")


def test_a_paged_download_is_checked_by_what_it_normalises_to(
    data_dir: Path, service: FeatureService, tmp_path: Path
):
    raw = fake_ons_raw(data_dir / BOUNDARY_2023, tmp_path / "source.geojson")
    service.features = raw["features"]
    entry = _service_entry(service.url)
    dest = tmp_path / "data"
    assert fetch.fetch(dest, registry=[entry])[0].status == fetch.DOWNLOADED
    normalised = (dest / BOUNDARY_2023).read_bytes()
    first = (dest / CHECKSUMS_NAME).read_text(encoding="utf-8")

    # The service now pages in another order and renumbers its ids: other raw bytes, the same boundaries.
    service.features = [
        {**f, "properties": {**f["properties"], "FID": n, "GlobalID": f"{{x{n}}}"}}
        for n, f in enumerate(reversed(raw["features"]))
    ]
    service.limit = 70
    (dest / "raw" / BOUNDARY_2023).unlink()
    [again] = fetch.fetch(dest, registry=[entry])
    assert again.status == fetch.DOWNLOADED and "normalises to the same" in again.message
    assert (dest / BOUNDARY_2023).read_bytes() == normalised
    assert (dest / CHECKSUMS_NAME).read_text(encoding="utf-8") != first  # the new raw sha256, recorded

    # A real change to the boundaries is refused, as for any boundary download.
    service.features[0]["properties"]["CTYUA23NM"] = "Somewhere else"
    (dest / "raw" / BOUNDARY_2023).unlink()
    with pytest.raises(ChecksumMismatch):
        fetch.fetch(dest, registry=[entry])
    assert (dest / BOUNDARY_2023).read_bytes() == normalised


def test_a_feature_service_error_is_a_failed_download(service: FeatureService, tmp_path: Path):
    service.error = {"code": 400, "message": "Invalid or missing input parameters."}
    [result] = fetch.fetch(tmp_path / "data", registry=[_service_entry(service.url)])
    assert result.status == fetch.FAILED and "the service answered with an error" in result.message
    assert "Invalid or missing input parameters" in result.message and "\n" not in result.message
    assert not list((tmp_path / "data").rglob("utla_2023.geojson"))


def test_the_2025_vintage_is_made_from_the_december_2024_release(data_dir: Path, tmp_path: Path):
    """ONS's December 2024 fields (CTYUA24*), with Barnsley and Sheffield given their April 2025 codes."""
    raw = fake_ons_raw(data_dir / "boundaries/utla_2025.geojson", tmp_path / "raw.geojson", year="24")
    old_codes = {"E08000038": "E08000016", "E08000039": "E08000019"}
    for feature in raw["features"]:
        props = feature["properties"]
        props["CTYUA24CD"] = old_codes.get(props["CTYUA24CD"], props["CTYUA24CD"])
    (tmp_path / "raw.geojson").write_text(json.dumps(raw), encoding="utf-8")
    out = tmp_path / "utla_2025.geojson"
    assert normalise_boundaries(tmp_path / "raw.geojson", out, "2025") == 153
    codes = {f["properties"]["code"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
    assert {"E08000038", "E08000039"} <= codes and not {"E08000016", "E08000019"} & codes
    with pytest.raises(BoundaryFormatError, match="are for 2024, but this is the 2023 vintage"):
        normalise_boundaries(tmp_path / "raw.geojson", tmp_path / "utla_2023.geojson", "2023")


# Files that change upstream -----------------------------------------------------------------


def test_a_changing_file_is_fetched_every_time_and_a_new_version_is_accepted(
    data_dir: Path, mirror: Mirror, tmp_path: Path
):
    served = mirror.put(SCRAPE, data_dir / SCRAPE)
    dest = tmp_path / "data"
    [first] = fetch.fetch(dest, only=[SCRAPE], base_url=mirror.url)
    assert first.status == fetch.DOWNLOADED and "first use" in first.message
    assert (dest / CHECKSUMS_NAME).read_text(encoding="utf-8") == f"{sha256_of(served)}  {SCRAPE}\n"
    assert [s.state for s in fetch.status(dest, only=[SCRAPE])] == [fetch.ST_OK]

    mirror.requests.clear()
    [same] = fetch.fetch(dest, only=[SCRAPE], base_url=mirror.url)
    assert same.status == fetch.PRESENT and "unchanged" in same.message
    assert mirror.requests == [f"/files/{SCRAPE}"], "downloaded again: it changes upstream"

    old = sha256_of(served)
    served.write_bytes(served.read_bytes() + b"80573,trafford,https://files.ofsted.gov.uk/v1/file/9,x.pdf\n")
    [new] = fetch.fetch(dest, only=[SCRAPE], base_url=mirror.url)
    assert (
        new.status == fetch.DOWNLOADED and f"new version downloaded from {mirror.url}/{SCRAPE}" in new.message
    )
    assert f"sha256 {old} -> {sha256_of(served)}" in new.message
    assert (dest / SCRAPE).read_bytes() == served.read_bytes()
    assert (dest / CHECKSUMS_NAME).read_text(encoding="utf-8") == f"{sha256_of(served)}  {SCRAPE}\n"
    assert not list(dest.rglob("*.part")) and not list(dest.rglob("*.rejected"))
