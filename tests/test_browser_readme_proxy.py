"""README's nginx example, as written, in front of the app: HTTPS, and the page's websocket passed
on (issue 21). The ``nginx`` block is read from the README; only what a test machine must change
is changed: the listening addresses (free ports on 127.0.0.1 for 443 and 80), the app's port, and
the certificate (a self-signed one made here). The page must draw through the proxy, which it
does only over its websocket (``/_stcore/stream``), and plain HTTP must be sent to HTTPS.

Needs the ``nginx`` binary (Debian: ``apt-get install nginx-core``); skipped without it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from oversight.cli.certificates import self_signed
from tests.browser import StreamlitServer, free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SECTION = "## Serving the app: port, address, HTTPS"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _readme_nginx() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    (block,) = re.findall(r"```nginx\n(.*?)```", readme[start : end if end > 0 else None], re.S)
    return block


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def proxied(tmp_path: Path, artifacts: Path):
    """(https base, http base, nginx's access log) of the README's nginx in front of the app."""
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-core)")
    app = StreamlitServer(
        ROOT, f"sqlite:///{tmp_path / 'tracker.sqlite'}", artifacts / "readme_proxy_app.log"
    )
    app.start()
    https_port, http_port = free_port(), free_port()
    cert, key = self_signed(tmp_path, "oversight.example.gov.uk", days=1)
    servers = (
        _readme_nginx()
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("127.0.0.1:8501", f"127.0.0.1:{app.port}")
    )
    servers = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", servers)
    servers = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", servers)
    assert f"127.0.0.1:{app.port}" in servers and str(key) in servers
    temp = tmp_path / "nginx"
    temp.mkdir()
    access = tmp_path / "access.log"
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # tmp_path is the test user's alone
        + f"daemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        + "events {}\nhttp {\n"
        + f"access_log {access};\n"
        + "".join(
            f"{kind}_temp_path {temp / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + servers
        + "}\n"
    )
    checked = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log = (artifacts / "readme_proxy_nginx.log").open("w")
    proxy = subprocess.Popen([NGINX, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.build_opener(_NoRedirect).open(f"http://127.0.0.1:{http_port}/", timeout=2)
            except urllib.error.HTTPError:
                break  # nginx answers: its redirect
            except OSError:
                if proxy.poll() is not None or time.time() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.2)
        yield f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", access
    finally:
        proxy.terminate()
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        log.close()
        app.stop()


def test_the_readme_nginx_serves_the_app_over_https_with_its_websocket(browser, proxied, artifacts):
    https, http, access = proxied
    # Plain HTTP is sent to HTTPS, path and all.
    with pytest.raises(urllib.error.HTTPError) as moved:
        urllib.request.build_opener(_NoRedirect).open(f"{http}/tracker?la=E10000008", timeout=10)
    assert moved.value.code == 301
    assert moved.value.headers["Location"] == "https://127.0.0.1/tracker?la=E10000008"

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(https + "/")
    page.get_by_role("heading", name="Intervention map").wait_for(timeout=120_000)
    page.screenshot(path=str(artifacts / "readme_proxy_map.png"))
    context.close()
    assert any(url.startswith(f"wss://127.0.0.1:{https.rsplit(':', 1)[1]}/_stcore/stream") for url in sockets)
    # nginx logs the websocket once it closes (the page just did): its switch of protocols.
    deadline = time.time() + 15
    while not re.search(r'"GET /_stcore/stream HTTP/1\.1" 101 ', access.read_text()):
        assert time.time() < deadline, access.read_text()[-3000:]
        time.sleep(0.2)
