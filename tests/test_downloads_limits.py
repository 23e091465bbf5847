"""Downloads within limits: a byte limit, a time limit per file, redirects only where the registry allows.

No internet, no mocks: a real HTTP server on 127.0.0.1 (a thread of this process) plays a hostile
publisher or mirror. Per path it serves a file, a body far larger than the limit (with or without
``Content-Length``), one byte at a time (in the body or in the headers), or a redirect. The time
limit is set to 1.5 s through ``OVERSIGHT_DOWNLOAD_TIME_LIMIT`` so that a drip is cut off in a few
seconds; each drip byte comes well within any per-read timeout, so only the total-time limit stops it.
"Another host" is ``localhost`` for a server reached as ``127.0.0.1``: a different host name.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import shutil
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from oversight import cli
from oversight.data import bootstrap
from oversight.data.checksum import sha256_of
from oversight.data.downloads import fetch, registry, transfer
from oversight.data.downloads.checksums import CHECKSUMS_NAME, ChecksumMismatch, read_checksums
from oversight.data.downloads.registry import REGISTRY_COLUMNS, Entry, FetchError, load_registry
from tests.conftest import dump
from tests.test_downloads_fetch import BOUNDARY_2023, LA_2024, LOOKUP, SCRAPE, fake_ons_raw

MIB = 1024 * 1024
ZEROS = bytes(MIB)  # made once, before any memory is measured
NEIGHBOURS_2025 = "reference/sn_model_2025_wide.csv"
TIME_LIMIT = 1.5  # seconds, for the drip tests
DRIP_EVERY = 0.25  # seconds between bytes: far below any per-read timeout
SLACK = 2.5  # seconds a cut-off may take beyond the limit on a busy 2-core machine
Route = Callable[[SimpleHTTPRequestHandler], None]


@dataclass
class Hostile:
    """A folder served over HTTP under ``/files`` (a mirror), with some paths answered badly instead."""

    root: Path
    base: str = ""  # http://127.0.0.1:PORT
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # body bytes a route managed to send

    @property
    def mirror(self) -> str:
        return f"{self.base}/files"

    def put(self, target: str, source: Path) -> None:
        dest = self.root / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)

    # Behaviours ---------------------------------------------------------------------------------

    def huge(self, path: str, total: int, declare: bool) -> None:
        """``total`` bytes of zeros, announced in ``Content-Length`` or not (then the body ends at close)."""

        def route(h: SimpleHTTPRequestHandler) -> None:
            h.send_response(200)
            if declare:
                h.send_header("Content-Length", str(total))
            h.end_headers()
            sent = 0
            try:
                while sent < total:
                    h.wfile.write(ZEROS)
                    sent += len(ZEROS)
            except OSError:
                pass  # the client hung up: what the limit is for
            self.sent[path] = sent

        self.routes[path] = route

    def drip(self, path: str, in_headers: bool = False, seconds: float = 20.0) -> None:
        """One byte every ``DRIP_EVERY`` seconds, in the body or in a header line that never ends."""

        def route(h: SimpleHTTPRequestHandler) -> None:
            end = time.monotonic() + seconds
            try:
                if in_headers:
                    h.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
                else:
                    h.send_response(200)
                    h.end_headers()
                while time.monotonic() < end:
                    h.wfile.write(b"x")
                    time.sleep(DRIP_EVERY)
            except OSError:
                pass

        self.routes[path] = route

    def redirect(self, path: str, location: str) -> None:
        def route(h: SimpleHTTPRequestHandler) -> None:
            h.send_response(302)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = route


@contextlib.contextmanager
def serve_hostile(root: Path) -> Iterator[Hostile]:
    root.mkdir(parents=True, exist_ok=True)
    hostile = Hostile(root)

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            hostile.requests.append(self.path)
            route = hostile.routes.get(urlsplit(self.path).path)
            if route is not None:
                route(self)
            else:
                super().do_GET()

        def translate_path(self, path: str) -> str:
            return super().translate_path(path.removeprefix("/files"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Handler(*a, directory=str(root)))
    hostile.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hostile
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    with serve_hostile(tmp_path / "served") as served:
        yield served


@pytest.fixture(autouse=True)
def quick_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """No mirror from the environment, and a time limit of 1.5 s so that a drip test takes seconds."""
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)
    monkeypatch.delenv(transfer.CEILING_ENV, raising=False)
    monkeypatch.setenv(transfer.TIME_ENV, str(TIME_LIMIT))


def leftovers(folder: Path) -> list[str]:
    """Temporary files left behind: none may outlive a download, whatever happened."""
    if not folder.exists():
        return []
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name.endswith((".part", ".page.part")) or p.name.startswith("oversight-")
    )


def by_target(target: str) -> Entry:
    return next(e for e in load_registry() if e.target == target)


def limit_of(target: str) -> int:
    size = by_target(target).size
    assert size is not None
    return size * transfer.MARGIN_FACTOR + transfer.MARGIN_BYTES


def use_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, entries: list[Entry]) -> None:
    """Make the command line read a registry of these entries (the real ones, or changed copies)."""
    path = tmp_path / "downloads.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(REGISTRY_COLUMNS)
        for entry in entries:
            writer.writerow([getattr(entry, c) for c in REGISTRY_COLUMNS])
    monkeypatch.setattr(registry, "REGISTRY_PATH", path)


# The registry's limits and checksums -------------------------------------------------------------


def test_every_measurable_download_has_its_expected_size_and_every_boundary_its_sha256(data_dir: Path):
    for entry in load_registry():
        shared = data_dir / entry.target
        if entry.vintage:
            # The shared copy is the normalised file, not the download: its sha256, no expected size.
            assert entry.normalised_sha256 == sha256_of(shared), entry.target
            assert entry.size is None
        elif shared.is_file():
            assert entry.size == shared.stat().st_size, entry.target
        else:  # the 2026 release: its size is given in issue 14
            assert entry.size == 112_075, entry.target
        assert entry.redirect_host_names == frozenset()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("bytes", "12kB", "bytes of ofsted/x.ods must be a whole number of bytes above 0"),
        ("bytes", "0", "bytes of ofsted/x.ods must be a whole number"),
        ("redirect_hosts", "Example.org", "redirect_hosts of ofsted/x.ods must be lower-case host names"),
        ("redirect_hosts", "a.org http://b.org", "not 'http://b.org'"),
        ("normalised_sha256", "0" * 64, "only a boundaries/utla_YYYY.geojson file has one"),
    ],
)
def test_a_malformed_limit_column_is_refused_up_front(tmp_path: Path, column: str, value: str, message: str):
    row = dict.fromkeys(REGISTRY_COLUMNS, "") | {"target": "ofsted/x.ods", column: value}
    path = tmp_path / "downloads.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, REGISTRY_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    with pytest.raises(FetchError, match=message):
        load_registry(path)


def test_the_limits_come_from_the_expected_size_else_the_ceiling(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(transfer.TIME_ENV)
    release = transfer.limits_for(by_target(LA_2024))
    assert release.max_bytes == 2 * 69_928 + MIB and release.seconds == transfer.SECONDS == 120
    boundary = transfer.limits_for(by_target(BOUNDARY_2023))
    assert boundary.max_bytes == transfer.CEILING == 64 * MIB
    listed = Entry("ofsted/x.ods", "https://a.example/x", redirect_hosts="b.example c.example")
    assert transfer.limits_for(listed).redirect_hosts == {"b.example", "c.example"}
    assert transfer.limits_for(listed, mirror=True).redirect_hosts == frozenset(), "a mirror: its own host"

    monkeypatch.setenv(transfer.TIME_ENV, "600")
    monkeypatch.setenv(transfer.CEILING_ENV, "1000")
    assert transfer.limits_for(by_target(BOUNDARY_2023)).max_bytes == 1000
    assert transfer.limits_for(by_target(BOUNDARY_2023)).seconds == 600
    monkeypatch.setenv(transfer.TIME_ENV, "soon")
    with pytest.raises(
        FetchError, match="OVERSIGHT_DOWNLOAD_TIME_LIMIT must be a number above 0, not 'soon'"
    ):
        transfer.limits_for(by_target(LA_2024))


# Bytes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("declare", [True, False], ids=["announced", "unannounced"])
def test_a_body_larger_than_its_limit_is_refused_early_and_never_held_in_memory(
    hostile: Hostile, tmp_path: Path, declare: bool
):
    total = 80 * MIB
    hostile.huge(f"/files/{LA_2024}", total, declare)
    dest = tmp_path / "data"
    limit = limit_of(LA_2024)

    tracemalloc.start()
    started = time.monotonic()
    try:
        [result] = fetch.fetch(dest, only=[LA_2024], base_url=hostile.mirror)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started

    assert result.status == fetch.FAILED and "\n" not in result.message
    assert result.message.startswith(f"download of {LA_2024} from {hostile.mirror}/{LA_2024} failed: ")
    assert (
        f"{limit:,} bytes" in result.message
        and "twice the 69,928 bytes the registry expects" in result.message
    )
    assert "correct its `bytes` in data/reference/downloads.csv" in result.message
    if declare:
        assert f"the server announced {total:,} bytes" in result.message
    else:
        assert f"stopped after {limit:,} bytes, its limit" in result.message
    assert peak < 8 * MIB, f"the body was held in memory: {peak:,} bytes at the peak"
    assert elapsed < 10
    deadline = time.monotonic() + 5
    while f"/files/{LA_2024}" not in hostile.sent and time.monotonic() < deadline:
        time.sleep(0.05)  # the server notices the hang-up
    assert hostile.sent[f"/files/{LA_2024}"] < total // 2, "the download went on after its limit"
    assert not (dest / LA_2024).exists() and leftovers(dest) == []


def test_a_file_with_no_expected_size_is_streamed_to_disk_up_to_the_ceiling(
    hostile: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    unsized = Entry("reference/big.csv", f"{hostile.base}/big.csv", "", "P", "L", "a large file")
    hostile.huge("/big.csv", 48 * MIB, declare=False)
    dest = tmp_path / "data"

    monkeypatch.setenv(transfer.CEILING_ENV, str(64 * MIB))
    monkeypatch.setenv(transfer.TIME_ENV, "60")
    tracemalloc.start()
    try:
        [result] = fetch.fetch(dest, registry=[unsized])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == fetch.DOWNLOADED, result.message
    assert (dest / "reference/big.csv").stat().st_size == 48 * MIB
    assert peak < 8 * MIB, f"the body was held in memory: {peak:,} bytes at the peak"
    assert leftovers(dest) == []

    (dest / "reference/big.csv").unlink()
    monkeypatch.setenv(transfer.CEILING_ENV, str(4 * MIB))
    [result] = fetch.fetch(dest, registry=[unsized])
    assert result.status == fetch.FAILED
    assert f"stopped after {4 * MIB:,} bytes, its limit (the ceiling for a file with no expected size" in (
        result.message
    )
    assert "raise OVERSIGHT_DOWNLOAD_MAX_BYTES" in result.message
    assert not (dest / "reference/big.csv").exists() and leftovers(dest) == []


def test_the_pages_of_a_feature_service_share_one_byte_limit(
    hostile: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each page is small; together they pass the ceiling: refused, no page or merged file left."""
    query = "/arcgis/rest/services/CTYUA_TEST/FeatureServer/0/query"
    feature = {"type": "Feature", "properties": {"CTYUA23CD": "E06000001"}, "geometry": None}
    page = json.dumps(
        {"type": "FeatureCollection", "features": [feature] * 2000, "exceededTransferLimit": True}
    ).encode()

    def pages(h: SimpleHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(page)))
        h.end_headers()
        h.wfile.write(page)

    hostile.routes[query] = pages
    monkeypatch.setenv(transfer.CEILING_ENV, str(3 * len(page) + 10))
    entry = Entry(BOUNDARY_2023, f"{hostile.base}{query}?where=1%3D1&f=geojson", "", "ONS", "OGL", "t")
    assert entry.paged
    dest = tmp_path / "data"

    [result] = fetch.fetch(dest, registry=[entry])

    assert result.status == fetch.FAILED and "the server announced" in result.message
    assert len(hostile.requests) == 4, "refused at the fourth page, before its body"
    assert not (dest / BOUNDARY_2023).exists() and not (dest / "raw" / BOUNDARY_2023).exists()
    assert leftovers(dest) == []


# Time -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_slow_drip_is_cut_off_at_the_time_limit(hostile: Hostile, tmp_path: Path, in_headers: bool):
    hostile.drip(f"/files/{LA_2024}", in_headers=in_headers)
    dest = tmp_path / "data"
    (dest / "ofsted").mkdir(parents=True)
    (dest / LA_2024).write_bytes(b"damaged")  # downloaded again, but the drip never replaces it

    started = time.monotonic()
    [result] = fetch.fetch(dest, only=[LA_2024], base_url=hostile.mirror)
    elapsed = time.monotonic() - started

    assert TIME_LIMIT <= elapsed < TIME_LIMIT + SLACK, f"cut off after {elapsed:.1f} s"
    assert result.status == fetch.FAILED and "\n" not in result.message
    assert (
        f"download of {LA_2024} from {hostile.mirror}/{LA_2024} failed: stopped after 1.5 s" in result.message
    )
    assert "the time limit per file (OVERSIGHT_DOWNLOAD_TIME_LIMIT)" in result.message
    assert (dest / LA_2024).read_bytes() == b"damaged" and leftovers(dest) == []


def test_the_time_limit_covers_every_page_of_a_feature_service(hostile: Hostile, tmp_path: Path):
    """Pages that each come in well under the limit are still one file: the limit is for all of them."""
    query = "/arcgis/rest/services/CTYUA_TEST/FeatureServer/0/query"
    body = json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature"}], "exceededTransferLimit": True}
    ).encode()  # every page says "more"

    def slow_page(h: SimpleHTTPRequestHandler) -> None:
        time.sleep(0.4)
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    hostile.routes[query] = slow_page
    entry = Entry(BOUNDARY_2023, f"{hostile.base}{query}?where=1%3D1&f=geojson", "", "ONS", "OGL", "t")
    started = time.monotonic()
    [result] = fetch.fetch(tmp_path / "data", registry=[entry])
    elapsed = time.monotonic() - started
    assert result.status == fetch.FAILED and "stopped after 1.5 s, the time limit per file" in result.message
    assert elapsed < TIME_LIMIT + SLACK and len(hostile.requests) >= 3
    assert leftovers(tmp_path / "data") == []


# Redirects --------------------------------------------------------------------------------------


def test_a_redirect_is_followed_on_the_same_host_and_refused_to_another(
    data_dir: Path, hostile: Hostile, tmp_path: Path
):
    release = by_target(LA_2024)
    hostile.put(f"media/abc/{Path(LA_2024).name}", data_dir / LA_2024)
    port = urlsplit(hostile.base).port
    # Like GOV.UK's assets host: the address redirects within its own host.
    hostile.redirect("/published/outcomes.ods", f"/files/media/abc/{Path(LA_2024).name}")
    same = Entry(LA_2024, f"{hostile.base}/published/outcomes.ods", release.sha256, "Ofsted", "OGL", "t")
    [result] = fetch.fetch(tmp_path / "same", registry=[same])
    assert result.status == fetch.DOWNLOADED, result.message
    assert sha256_of(tmp_path / "same" / LA_2024) == release.sha256

    # To another host (the same server by another name): refused, never requested.
    elsewhere = f"http://localhost:{port}/files/media/abc/{Path(LA_2024).name}"
    hostile.redirect("/published/moved.ods", elsewhere)
    hostile.requests.clear()
    moved = Entry(LA_2024, f"{hostile.base}/published/moved.ods", release.sha256, "Ofsted", "OGL", "t")
    [result] = fetch.fetch(tmp_path / "other", registry=[moved])
    assert result.status == fetch.FAILED and "\n" not in result.message
    assert f"the server redirected to another host, localhost ({elsewhere})" in result.message
    assert "in the file's `redirect_hosts` in data/reference/downloads.csv" in result.message
    assert hostile.requests == ["/published/moved.ods"]
    assert not (tmp_path / "other" / LA_2024).exists() and leftovers(tmp_path / "other") == []

    # Named in the row's redirect_hosts: followed.
    allowed = dataclasses.replace(moved, redirect_hosts="localhost")
    [result] = fetch.fetch(tmp_path / "allowed", registry=[allowed])
    assert result.status == fetch.DOWNLOADED, result.message

    # A mirror's files stay on the mirror, whatever the row allows the publisher.
    hostile.redirect(f"/files/{LA_2024}", elsewhere)
    [result] = fetch.fetch(tmp_path / "mirror", registry=[allowed], base_url=hostile.mirror)
    assert result.status == fetch.FAILED and "redirected to another host, localhost" in result.message


def test_a_redirect_never_drops_https_or_leaves_http():
    policy = transfer._RedirectPolicy(urlsplit("https://a.example/x"), frozenset({"b.example"}))
    assert policy.refusal("https://a.example/x", "https://a.example/y") is None
    assert policy.refusal("https://a.example/x", "https://b.example/y") is None
    assert "from https to plain http" in (policy.refusal("https://a.example/x", "http://a.example/y") or "")
    assert "not an http(s) address" in (policy.refusal("https://a.example/x", "file:///etc/passwd") or "")
    assert "another host, c.example" in (policy.refusal("https://a.example/x", "https://c.example/y") or "")


# The command line: `oversight download` and `oversight refresh --mirror` ---------------------------


def test_oversight_download_says_one_line_and_keeps_the_previous_version(
    data_dir: Path, hostile: Hostile, tmp_path: Path, capsys
):
    dest = tmp_path / "data"
    (dest / "community").mkdir(parents=True)
    shutil.copyfile(data_dir / SCRAPE, dest / SCRAPE)  # the version already here
    hostile.huge(f"/files/{SCRAPE}", 40 * MIB, declare=False)

    code = cli.main(["download", "--data-dir", str(dest), "--only", SCRAPE, "--mirror", hostile.mirror])

    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    [line] = [ln for ln in err.splitlines() if ln.startswith("failed")]
    assert (
        f"download of {SCRAPE} from {hostile.mirror}/{SCRAPE} failed: stopped after {limit_of(SCRAPE):,} bytes"
        in line
    )
    assert (dest / SCRAPE).read_bytes() == (data_dir / SCRAPE).read_bytes(), "nothing replaced"
    assert leftovers(dest) == []


@pytest.mark.parametrize("how", ["huge", "drip", "redirect"])
def test_a_refresh_stops_at_a_limit_imports_nothing_and_leaves_no_temporary_file(
    data_dir: Path, hostile: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, how: str
):
    entries = [e for e in load_registry() if e.target in (NEIGHBOURS_2025, LA_2024, SCRAPE, LOOKUP)]
    use_registry(monkeypatch, tmp_path, entries)
    for entry in entries:
        hostile.put(entry.target, data_dir / entry.target)
    bad = f"/files/{LA_2024}"
    if how == "huge":
        hostile.huge(bad, 80 * MIB, declare=False)
        why = f"stopped after {limit_of(LA_2024):,} bytes, its limit"
    elif how == "drip":
        hostile.drip(bad)
        why = "stopped after 1.5 s, the time limit per file (OVERSIGHT_DOWNLOAD_TIME_LIMIT)"
    else:
        hostile.redirect(bad, f"http://localhost:{urlsplit(hostile.base).port}/elsewhere.ods")
        why = "the server redirected to another host, localhost"
    url = f"sqlite:///{tmp_path / 'refresh.sqlite'}"
    engine = bootstrap.ready_engine(url)
    before = dump(engine)
    dest = tmp_path / "data"

    started = time.monotonic()
    code = cli.main(["refresh", "--data-dir", str(dest), "--database", url, "--mirror", hostile.mirror])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    bootstrap.forget(url)

    assert code == 1 and out == "" and "Traceback" not in err
    [line] = [ln for ln in err.splitlines() if ln.startswith("oversight refresh: ")]
    assert line.startswith(
        f"oversight refresh: download of {LA_2024} from {hostile.mirror}/{LA_2024} failed: {why}"
    )
    assert line.endswith(
        f"nothing was imported; the database is unchanged; the new {SCRAPE} removed; the new {LOOKUP} removed"
    )
    assert "importing" not in err and dump(engine) == before
    assert not (dest / LA_2024).exists() and leftovers(dest) == []
    assert elapsed < 20


# --check: the normalised boundary files the app reads ---------------------------------------------


def copy_boundaries(data_dir: Path, dest: Path) -> None:
    (dest / "boundaries").mkdir(parents=True)
    for year in ("2018", "2019", "2020", "2021", "2023", "2025"):
        name = f"utla_{year}.geojson"
        shutil.copyfile(data_dir / "boundaries" / name, dest / "boundaries" / name)


def check(dest: Path, capsys, *only: str) -> tuple[int, str]:
    argv = ["download", "--data-dir", str(dest), "--check"]
    for target in only:
        argv += ["--only", target]
    code = cli.main(argv)
    return code, capsys.readouterr().out


def test_check_passes_the_genuine_shared_data(data_dir: Path, capsys):
    """What is in the shared data folder is genuine: only files not there yet are `absent`, none fails."""
    before = {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")}
    code, out = check(data_dir, capsys)
    assert code == 0, out
    states = {line.split()[1]: line.split()[0] for line in out.splitlines()[:-1]}
    assert set(states.values()) <= {"ok", "present", "absent"}
    assert all(
        states[f"boundaries/utla_{y}.geojson"] == "ok"
        for y in ("2018", "2019", "2020", "2021", "2023", "2025")
    )
    assert not (data_dir / "raw").exists(), "the shared folder has no raw downloads: the registry vouches"
    assert {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")} == before, "--check writes nothing"


def test_check_fails_a_tampered_boundary_with_no_raw_download(data_dir: Path, tmp_path: Path, capsys):
    dest = tmp_path / "data"
    copy_boundaries(data_dir, dest)
    target = dest / "boundaries/utla_2018.geojson"
    target.write_bytes(target.read_bytes().replace(b"Hartlepool", b"Hartlepoo1", 1))
    expected = by_target("boundaries/utla_2018.geojson").normalised_sha256

    code, out = check(dest, capsys, "boundaries/utla_2018.geojson", "boundaries/utla_2023.geojson")

    assert code == 1
    assert out.startswith(
        f"mismatch  boundaries/utla_2018.geojson  expected {expected} (the registry's normalised_sha256), "
        f"found {sha256_of(target)}: the file the app reads was changed"
    )
    assert "ok        boundaries/utla_2023.geojson" in out
    # Nothing to remake 2020 from (no address): the note says what to do by hand.
    (dest / "boundaries/utla_2020.geojson").write_bytes(b"{}")
    code, out = check(dest, capsys, "boundaries/utla_2020.geojson")
    assert code == 1 and "put the file at" in out and "by hand" in out


def test_a_boundary_with_nothing_to_check_it_against_is_unverifiable(
    data_dir: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    """A registry without the shared sha256 (another team's copy, say): unverifiable, until recorded."""
    entries = [dataclasses.replace(e, normalised_sha256="") for e in load_registry() if e.vintage]
    use_registry(monkeypatch, tmp_path, entries)
    dest = tmp_path / "data"
    copy_boundaries(data_dir, dest)

    code, out = check(dest, capsys, BOUNDARY_2023)
    assert code == 1
    assert out.startswith(f"unverifiable {BOUNDARY_2023}  unverifiable: no raw download")
    assert f"`oversight download --only {BOUNDARY_2023}` records it as it is" in out

    # `oversight download` trusts it on first use, and from then on it is checked.
    [result] = fetch.fetch(dest, only=[BOUNDARY_2023])
    assert result.status == fetch.RECORDED and "first use" in result.message
    assert read_checksums(dest)[BOUNDARY_2023] == sha256_of(dest / BOUNDARY_2023)
    assert check(dest, capsys, BOUNDARY_2023) == (
        0,
        f"ok        {BOUNDARY_2023}  sha256 ok (recorded in {CHECKSUMS_NAME}); no raw download to normalise again\n"
        f"1 of 1 files present and not contradicted ({dest})\n",
    )


def test_a_normalised_file_is_recorded_so_it_is_checked_after_its_raw_download_is_gone(
    data_dir: Path, tmp_path: Path, capsys
):
    dest = tmp_path / "data"
    fake_ons_raw(data_dir / BOUNDARY_2023, dest / "raw" / BOUNDARY_2023)
    assert fetch.fetch(dest, only=[BOUNDARY_2023])[0].status == fetch.NORMALISED
    made = sha256_of(dest / BOUNDARY_2023)
    assert read_checksums(dest)[BOUNDARY_2023] == made
    shutil.rmtree(dest / "raw")

    assert check(dest, capsys, BOUNDARY_2023)[0] == 0
    target = dest / BOUNDARY_2023
    target.write_bytes(target.read_bytes().replace(b'"E06', b'"E07', 1))
    code, out = check(dest, capsys, BOUNDARY_2023)
    assert code == 1 and out.startswith(f"mismatch  {BOUNDARY_2023}  expected ")

    # `oversight download` does not keep it: a changed file is downloaded and remade, or refused.
    with pytest.raises(ChecksumMismatch, match="the file on disk"):
        fetch.fetch(dest, registry=[dataclasses.replace(by_target(BOUNDARY_2023), url="")])
    assert sha256_of(target) != made
