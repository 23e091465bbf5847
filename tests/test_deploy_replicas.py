"""Several app processes behind nginx on one PostgreSQL (issue 23, item 2), and drill 3.

The launcher (``oversight.cli.replicas.Replicas``) starts two ``streamlit run app.py`` processes on
free ports and nginx in front of them with a certificate made here; clients speak HTTPS with
verification off. Needs ``nginx`` (Debian: ``nginx-core``); skipped without it.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from oversight.cli.certificates import self_signed
from oversight.cli.replicas import Replicas, main_config, nginx_binary, render_config
from tests.browser import free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        nginx_binary() is None, reason="nginx is not installed (Debian: apt-get install nginx-core)"
    ),
]


def _insecure() -> ssl.SSLContext:
    return ssl._create_unverified_context()


def _get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    return urllib.request.urlopen(request, timeout=30, context=_insecure())


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
    with _get(f"{replicas.url}/_stcore/health") as resp:
        assert resp.status == 200 and resp.read() == b"ok"
    for app in replicas.app_urls:
        with _get(f"{app}/_stcore/health") as resp:
            assert resp.status == 200
    # A first answer sets the route cookie; a request that has one gets none.
    with _get(f"{replicas.url}/") as first:
        (cookie,) = first.headers.get_all("Set-Cookie")
    assert cookie.startswith("oversight_route=") and "Secure" in cookie and "HttpOnly" in cookie
    with _get(f"{replicas.url}/", cookie.split(";")[0]) as again:
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
