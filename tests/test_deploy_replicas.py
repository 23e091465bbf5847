"""Several app processes behind nginx on one PostgreSQL (issue 23, item 2), and drill 3.

The launcher (``oversight.cli.replicas.Replicas``) starts two ``streamlit run app.py`` processes on
free ports and nginx in front of them with a certificate made here; clients speak HTTPS with
verification off. Needs ``nginx`` (Debian: ``nginx-core``); skipped without it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks.websocket_sessions import ScriptRun, Stream
from oversight.cli.certificates import self_signed
from oversight.cli.replicas import Replicas, main_config, nginx_binary, render_config
from tests.browser import free_port
from tests.conftest import ROOT
from tests.replica_support import https_get, route_to, run_async, streams

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        nginx_binary() is None, reason="nginx is not installed (Debian: apt-get install nginx-core)"
    ),
]


MAP = "as_at=2018-05-17"
AUTHORITY = "la=E08000025&as_at=2018-05-17"  # Birmingham
#: What drill 3 imports: a direction to Birmingham that no page showed before.
DRILL_CSV = (
    "record,authority_code,date,date_precision,level,title,source_url,source_title,source_publisher\n"
    "intervention,E08000025,2016-03-01,day,direction,Replica drill direction,"
    "https://example.gov.uk/replica-drill,Replica drill source,Department for Education\n"
)


@pytest.fixture(scope="module")
def pg_url(pg_server) -> str:
    name = f"replicas_{os.getpid()}"
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_server.url(name)


@pytest.fixture(scope="module")
def replicas(pg_url: str, tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("replicas")
    certificate = self_signed(workdir / "tls", "oversight.test")
    with Replicas(
        pg_url,
        2,
        workdir=workdir,
        https_port=free_port(),
        app_ports=[free_port(), free_port()],
        certificate=certificate,
    ) as service:
        yield service


def test_the_proxy_answers_health_over_https_from_two_processes(replicas: Replicas):
    assert replicas.database_line.startswith("Database: postgresql+psycopg://")
    assert len(set(replicas.pids)) == 2 and all(replicas.pids)
    with https_get(f"{replicas.url}/_stcore/health") as resp:
        assert resp.status == 200 and resp.read() == b"ok"
    # One cookie secret for both (a token one signs, the other checks), in the environment, not `ps`.
    shared = set()
    for pid in replicas.pids:
        environ = dict(
            item.split("=", 1) for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item
        )
        shared.add(environ["STREAMLIT_SERVER_COOKIE_SECRET"])
        assert environ["STREAMLIT_SERVER_COOKIE_SECRET"] not in Path(f"/proc/{pid}/cmdline").read_text()
    assert len(shared) == 1 and len(shared.pop()) >= 32
    for app in replicas.app_urls:
        with https_get(f"{app}/_stcore/health") as resp:
            assert resp.status == 200
    # A first answer sets the route cookie; a request that has one gets none.
    with https_get(f"{replicas.url}/") as first:
        (cookie,) = first.headers.get_all("Set-Cookie")
    assert cookie.startswith("oversight_route=") and "Secure" in cookie and "HttpOnly" in cookie
    with https_get(f"{replicas.url}/", cookie.split(";")[0]) as again:
        assert again.headers.get_all("Set-Cookie") is None


def test_the_template_renders_to_a_config_nginx_accepts(tmp_path: Path):
    cert, key = self_signed(tmp_path)
    http = render_config(
        ["127.0.0.1:8501", "127.0.0.1:8502", "10.0.0.7:8501"],
        listen="127.0.0.1:8443",
        certificate=cert,
        key=key,
        access_log=tmp_path / "access.log",
    )
    assert "{{" not in http
    assert "    server 10.0.0.7:8501 max_fails=1 fail_timeout=5s;" in http
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_config(http, tmp_path))
    checked = subprocess.run([nginx_binary(), "-t", "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


# -- through the proxy -------------------------------------------------------------------------


def test_visitors_without_cookies_are_spread_over_both_processes_and_pages_draw(replicas: Replicas):
    before = len(streams(replicas, 0))

    async def visit() -> tuple[ScriptRun, ScriptRun]:
        async with Stream(replicas.url) as visitor:
            return await visitor.run(MAP), await visitor.run(AUTHORITY, "authority")

    async def crowd() -> list[tuple[ScriptRun, ScriptRun]]:
        return await asyncio.gather(*(visit() for _ in range(12)))

    runs = run_async(crowd())
    for map_run, authority_run in runs:
        assert map_run.ok, map_run.errors
        assert authority_run.ok, authority_run.errors
        assert "Birmingham" in authority_run.text("heading")
        assert authority_run.text("plotly_chart")  # the timeline drew
    served = [port for port, _ in streams(replicas, before + 12)[before:]]
    assert len(served) == 12
    counts = {port: served.count(port) for port in set(served)}
    assert set(counts) == {str(p) for p in replicas.app_ports}, counts


def test_a_route_cookie_keeps_a_client_on_one_process(replicas: Replicas):
    for port in replicas.app_ports:
        cookie = route_to(replicas, port)
        route = cookie.split("=", 1)[1]

        async def visits(cookie: str = cookie) -> None:
            for _ in range(3):
                async with Stream(replicas.url, cookie=cookie) as visitor:
                    assert (await visitor.run(MAP)).ok

        run_async(visits())
        served = streams(replicas, 3, route)
        assert [p for p, _ in served] == [str(port)] * 3


@pytest.mark.browser
def test_chromium_draws_through_the_proxy_and_stays_on_one_process(replicas: Replicas, browser, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    try:
        page = context.new_page()
        page.goto(f"{replicas.url}/?{MAP}")
        page.get_by_role("heading", name="Intervention map").wait_for(timeout=120_000)
        page.goto(f"{replicas.url}/authority?{AUTHORITY}")
        page.get_by_role("heading", name="Birmingham").first.wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)  # the timeline drew
        page.screenshot(path=str(artifacts / "replicas_authority.png"))
        (route,) = [c["value"] for c in context.cookies() if c["name"] == "oversight_route"]
        (flags,) = [c for c in context.cookies() if c["name"] == "oversight_route"]
        assert flags["secure"] and flags["httpOnly"] and flags["sameSite"] == "Lax"
    finally:
        context.close()  # closes the page's websocket: nginx logs it
    served = streams(replicas, 2, route)
    assert len(served) == 2 and len({p for p, _ in served}) == 1, served


# -- drill 3 -----------------------------------------------------------------------------------


def test_drill_an_import_is_seen_through_every_process_on_its_next_rerun(
    replicas: Replicas, pg_url, tmp_path
):
    """An import through the command line, on the same database, is seen by a session on each
    process that drew the page before it: on its next rerun, in the timeline figure (cached per
    data version) and the table, and by a new session on each process."""
    cookies = [route_to(replicas, port) for port in replicas.app_ports]
    tracker = tmp_path / "drill.csv"
    tracker.write_text(DRILL_CSV, encoding="utf-8")

    async def drill() -> tuple[
        list[ScriptRun], list[ScriptRun], list[ScriptRun], subprocess.CompletedProcess
    ]:
        visitors = [Stream(replicas.url, cookie=cookie) for cookie in cookies]
        for visitor in visitors:
            await visitor.__aenter__()
        try:
            before = []
            for visitor in visitors:
                assert (await visitor.run(MAP)).ok
                before.append(await visitor.run(AUTHORITY, "authority"))
            imported = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "oversight.cli", "import", str(tracker), "--database", pg_url],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            after = [await visitor.run(AUTHORITY, "authority") for visitor in visitors]
        finally:
            for visitor in visitors:
                await visitor.__aexit__()
        fresh = []
        for cookie in cookies:
            async with Stream(replicas.url, cookie=cookie) as visitor:
                await visitor.run(MAP)
                fresh.append(await visitor.run(AUTHORITY, "authority"))
        return before, after, fresh, imported

    before, after, fresh, imported = run_async(drill())
    assert imported.returncode == 0, imported.stderr
    assert "1 added" in imported.stdout
    for run in before:
        assert run.ok and "Replica drill" not in run.text()
        assert run.text("plotly_chart")
    for run in [*after, *fresh]:
        assert run.ok, run.errors
        assert "Replica drill" in run.text("plotly_chart")
        assert "Replica drill" in run.text("dataframe")
    # Each session was on its own process, all through the proxy.
    for cookie, port in zip(cookies, replicas.app_ports, strict=True):
        served = streams(replicas, 3, cookie.split("=", 1)[1])
        assert {p for p, _ in served} == {str(port)}, served


# -- a process dies ----------------------------------------------------------------------------


def test_a_killed_process_s_clients_go_to_the_other_and_it_starts_again(replicas: Replicas):
    cookie = route_to(replicas, replicas.app_ports[0])
    old = replicas.pids[0]
    replicas.kill(0)
    assert replicas.pids[0] == 0
    try:

        async def visit() -> ScriptRun:
            async with Stream(replicas.url, cookie=cookie) as visitor:
                return await visitor.run(MAP)

        assert run_async(visit()).ok  # nginx found process 0 gone and used process 1
        with https_get(f"{replicas.url}/_stcore/health") as resp:
            assert resp.status == 200
    finally:
        replicas.start_app(0)
    assert replicas.pids[0] not in (0, old)
    with https_get(f"{replicas.app_urls[0]}/_stcore/health") as resp:
        assert resp.status == 200


# -- oversight serve ---------------------------------------------------------------------------


def _serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "oversight.cli", "serve", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_serve_says_in_one_line_why_the_database_cannot_be_used(tmp_path: Path):
    closed = free_port()
    done = _serve(
        "--database",
        f"postgresql+psycopg://oversight:s3cret@127.0.0.1:{closed}/tracker",
        "--port",
        str(free_port()),
        "--app-port",
        str(free_port()),
        "--processes",
        "1",
        "--workdir",
        str(tmp_path),
    )
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line == (
        f"oversight serve: the database cannot be reached at 127.0.0.1:{closed} "
        f"(postgresql+psycopg://oversight:***@127.0.0.1:{closed}/tracker); is the server running?"
    )


def test_serve_says_a_port_in_use_and_usage_errors_in_one_line(pg_url: str, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve(
            "--database", pg_url, "--port", str(port), "--processes", "1", "--workdir", str(tmp_path)
        )
    assert done.returncode == 1
    assert done.stderr == f"oversight serve: port {port} already in use: choose others\n"
    for args, words in [
        (["--cert", str(tmp_path / "cert.pem")], "--cert and --key go together"),
        (["--processes", "none"], "not a number of processes"),
        (["--port", "70000"], "not a port number"),
    ]:
        done = _serve("--database", pg_url, *args)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert words in line


def _free_pair() -> int:
    """A port whose next port is free too (``--app-port`` and the one after)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two free ports in a row")


def test_serve_restarts_a_dead_process_and_ctrl_c_stops_everything(pg_url: str, tmp_path: Path):
    https, first = free_port(), _free_pair()
    serve = subprocess.Popen(
        [sys.executable, "-m", "oversight.cli", "serve", "--database", pg_url, "--processes", "2"]
        + ["--port", str(https), "--app-port", str(first), "--workdir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(serve.stderr.readline, "")), daemon=True)
    reader.start()

    def wait_for(words: str, timeout: float = 120) -> str:
        deadline = time.time() + timeout
        while not any(words in ln for ln in lines):
            assert serve.poll() is None and time.time() < deadline, "".join(lines)
            time.sleep(0.2)
        return next(ln for ln in lines if words in ln)

    try:
        wait_for("Serving https://127.0.0.1:")
        assert lines[0].startswith("Database: postgresql+psycopg://") and "schema" in lines[0]
        pids = [int(re.search(r"\(pid (\d+)", wait_for(f"app process {i}:"))[1]) for i in (0, 1)]
        with https_get(f"https://127.0.0.1:{https}/_stcore/health") as resp:
            assert resp.status == 200
        os.kill(pids[1], signal.SIGKILL)
        restarted = wait_for(f"app process 1 (port {first + 1}) had exited")
        assert "started again" in restarted
        with https_get(f"http://127.0.0.1:{first + 1}/_stcore/health") as resp:
            assert resp.status == 200
        new = int(re.search(r"\(pid (\d+)", restarted)[1])
        serve.send_signal(signal.SIGINT)
        assert serve.wait(60) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    reader.join(5)
    assert "Traceback" not in "".join(lines)
    assert lines[-1] == "oversight serve: stopping\n"
    for pid in [pids[0], new]:  # every process it started has ended
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not (tmp_path / "nginx.pid").exists()  # nginx is gone too
