"""Several app processes, one service: N ``streamlit run app.py`` behind nginx, on one database.

One Python process serves one core, so a machine with N cores runs N processes; a browser's session
lives in one process's memory (its websocket, uploads, downloads, media), so nginx keeps each
browser on one process by a cookie it sets itself (``deploy/nginx/oversight-replicas.conf``), and
sends a dead process's clients to another. The processes share nothing but the database (which
tells each of them, through its data version, that an import or an edit happened) and one cookie
secret (Streamlit's XSRF token and the sign-in cookie must verify on whichever process a browser
reaches). ``oversight serve`` and ``make serve-replicas`` run this; the tests and the load
benchmark start it on free ports.

No Streamlit import: the processes are children, started as ``make run`` starts one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

import oversight
from oversight.cli.certificates import self_signed
from oversight.data import bootstrap, settings
from oversight.data.store import engine as engines
from oversight.data.store import migrate
from oversight.data.store.errors import classify, hide_passwords, masked

#: The checkout: ``app.py`` and ``deploy/`` beside the ``oversight`` package.
ROOT = Path(oversight.__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx" / "oversight-replicas.conf"
FIRST_APP_PORT = 8501
#: Seconds a process may take to answer its health endpoint (2 shared cores: slow imports).
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
#: ``revive``: seconds a health check may take, and how many unanswered in a row mean "hung".
HEALTH_WAIT_S = 10.0
HUNG_CHECKS = 6


class ReplicasError(RuntimeError):
    """Why the service could not start, in one line (no traceback, no password)."""


def nginx_binary() -> str | None:
    """nginx from the distribution's packages (Debian: ``nginx-core``), or None."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def render_config(
    servers: Sequence[str],
    *,
    listen: str,
    certificate: Path,
    key: Path,
    access_log: Path | str,
    template: Path = TEMPLATE,
) -> str:
    """The http-context nginx configuration for app processes at ``servers`` (``host:port``)."""
    lines = "\n".join(f"    server {s} max_fails=1 fail_timeout=5s;" for s in servers)
    fields = {
        "servers": lines,
        "listen": listen,
        "certificate": str(certificate),
        "certificate_key": str(key),
        "access_log": str(access_log),
    }
    text = template.read_text(encoding="utf-8")
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def main_config(http: str, workdir: Path) -> str:
    """A whole nginx configuration around ``http`` that runs unprivileged from ``workdir``: its
    own pid file, error log and temporary folders, in the foreground (the launcher is its parent)."""
    temp = workdir / "nginx-temp"
    temp.mkdir(parents=True, exist_ok=True)
    return (
        ("user root;\n" if os.geteuid() == 0 else "")  # workdir is this user's alone
        + f"daemon off;\nworker_processes 1;\npid {workdir / 'nginx.pid'};\n"
        + f"error_log {workdir / 'nginx-error.log'} warn;\n"
        + "events { worker_connections 4096; }\n"
        + "http {\n"
        + "".join(
            f"    {kind}_temp_path {temp / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + http
        + "}\n"
    )


def secrets_conflict(url: str, secrets: Mapping[str, Any]) -> str | None:
    """Why the processes would not use ``url``, or None. Streamlit copies the secrets file's
    ``OVERSIGHT_DATABASE_URL`` into each process's environment over the one the launcher gives, so
    a checkout whose ``.streamlit/secrets.toml`` names another database would serve that one while
    the launcher's line named this one."""
    named = secrets.get(settings.DATABASE_ENV)
    if named in (None, "") or _absolute(str(named)) == url:
        return None
    return (
        f"the app's .streamlit/secrets.toml sets {settings.DATABASE_ENV} to another database "
        f"({masked(str(named))}), which every process would use instead of {masked(url)}: "
        "remove it there, or serve that database"
    )


def check_database(url: str) -> str:
    """One line: the database is reachable and its schema current (set up now if it was new or
    behind); else ``ReplicasError`` saying why, with the password masked."""
    shown = masked(url)
    try:
        before = migrate.current_revision(engines.get_engine(url))
        if before is not None and before > migrate.HEAD:
            raise ReplicasError(
                f"the database ({shown}) has schema {before}, newer than this code's {migrate.HEAD}: "
                "update this checkout first"
            )
        bootstrap.ready_engine(url)
    except ReplicasError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to open or set up is one line
        unavailable = classify(exc, url)
        if unavailable is not None:
            raise ReplicasError(unavailable.one_line()) from None
        first = hide_passwords(" ".join((str(exc).strip().splitlines() or [""])[0].split()))
        raise ReplicasError(f"the database ({shown}) cannot be used: {first}") from None
    finally:
        bootstrap.forget(url)  # the launcher keeps no connection open
    done = "current" if before == migrate.HEAD else "set up now"
    return f"Database: {shown}: reachable, schema {migrate.HEAD} ({done})"


def _absolute(url: str) -> str:
    """A SQLite URL with a relative path made absolute here: the processes run in the checkout,
    which may not be the folder ``oversight serve`` was started from."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url  # the database check says why it is not usable
    path = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return url
    if Path(path).is_absolute():
        return url
    return parsed.set(database=str(Path(path).resolve())).render_as_string(hide_password=False)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def healthy(base: str, timeout: float = 2.0) -> bool:
    """True when Streamlit's health endpoint under ``base`` answers 200 (TLS not verified)."""
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=timeout, context=_insecure()) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        return False


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return hide_passwords(lines[-1])[:200] if lines else ""


class Replicas:
    """A context manager: N ``streamlit run app.py`` processes behind nginx, on one database."""

    def __init__(
        self,
        database_url: str,
        processes: int = 2,
        *,
        workdir: Path,
        https_port: int = 8443,
        app_ports: Sequence[int] | None = None,
        certificate: tuple[Path, Path] | None = None,
        env: Mapping[str, str] | None = None,
        listen_address: str = "127.0.0.1",
        script: str | Path = "app.py",
    ) -> None:
        """``listen_address``: where nginx listens (``0.0.0.0`` serves the network); ``script``: the
        Streamlit script each process runs, relative to the checkout (a benchmark's bare page)."""
        if processes < 1:
            raise ReplicasError(f"--processes must be at least 1, not {processes}")
        ports = list(app_ports) if app_ports is not None else [FIRST_APP_PORT + i for i in range(processes)]
        if len(ports) != processes:
            raise ReplicasError(f"{processes} processes need {processes} app ports, not {len(ports)}")
        self.database_url = _absolute(database_url)
        self.workdir = Path(workdir)
        self.https_port = https_port
        self.app_ports = ports
        self.certificate = certificate
        self.listen_address = listen_address
        self.script = str(script)
        self.env = dict(env or {})
        # One secret for every process: an XSRF token or sign-in cookie one signed, another checks.
        self.cookie_secret = self.env.get(COOKIE_SECRET_ENV) or os.environ.get(COOKIE_SECRET_ENV)
        self.cookie_secret = self.cookie_secret or secrets.token_hex(32)
        self.url = f"https://127.0.0.1:{https_port}"
        self.app_urls = [f"http://127.0.0.1:{p}" for p in ports]
        self.database_line = ""
        self._apps: list[subprocess.Popen | None] = [None] * processes
        self._unanswered = [0] * processes
        self._nginx: subprocess.Popen | None = None
        self._nginx_log: Path = self.workdir / "nginx.log"

    # -- what others read -------------------------------------------------------------------
    @property
    def pids(self) -> list[int]:
        """The app processes' ids, in order (0 for one not running)."""
        return [p.pid if p is not None and p.poll() is None else 0 for p in self._apps]

    @property
    def access_log(self) -> Path:
        """nginx's access log: one line per request, with the process that served it."""
        return self.workdir / "access.log"

    def app_log(self, i: int) -> Path:
        return self.workdir / f"app-{i}.log"

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> Replicas:
        """Check the database (one line), start every process and wait for each one's health, then
        nginx; on any failure stop what was started and raise ``ReplicasError`` (one line)."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        nginx = nginx_binary()
        if nginx is None:
            raise ReplicasError("nginx is not installed (Debian: apt-get install nginx-core)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        busy = [p for p in [*self.app_ports, self.https_port] if not _port_free(p)]
        if busy:
            raise ReplicasError(f"port {', '.join(map(str, busy))} already in use: choose others")
        try:
            conflict = secrets_conflict(self.database_url, settings.read_secrets(ROOT))
        except settings.SettingsError as exc:
            raise ReplicasError(str(exc)) from None
        if conflict:
            raise ReplicasError(conflict)
        self.database_line = check_database(self.database_url)
        for i in range(len(self._apps)):
            self._spawn(i)
        for i in range(len(self._apps)):
            self._wait_healthy(i)
        self._start_nginx(nginx)

    def _spawn(self, i: int) -> None:
        env = {
            **os.environ,
            **self.env,
            "OVERSIGHT_DATABASE_URL": self.database_url,
            COOKIE_SECRET_ENV: self.cookie_secret,  # in the environment: not in `ps`
        }
        with self.app_log(i).open("a") as log:
            self._apps[i] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    self.script,
                    "--server.port",
                    str(self.app_ports[i]),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl+C reaches the launcher, which stops them in order
            )

    def _wait_healthy(self, i: int) -> None:
        proc = self._apps[i]
        assert proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(self.app_urls[i]):
            if proc.poll() is not None:
                raise ReplicasError(
                    f"app process {i} (port {self.app_ports[i]}) exited with code {proc.returncode} "
                    f"before it was healthy: {_last_line(self.app_log(i))} (see {self.app_log(i)})"
                )
            if time.monotonic() > deadline:
                raise ReplicasError(
                    f"app process {i} (port {self.app_ports[i]}) was not healthy after "
                    f"{START_TIMEOUT_S:.0f} s (see {self.app_log(i)})"
                )
            time.sleep(0.2)

    def _start_nginx(self, nginx: str) -> None:
        if self.certificate is None:
            self.certificate = self_signed(self.workdir)
        cert, key = self.certificate
        http = render_config(
            [f"127.0.0.1:{p}" for p in self.app_ports],
            listen=f"{self.listen_address}:{self.https_port}",
            certificate=Path(cert).resolve(),
            key=Path(key).resolve(),
            access_log=self.access_log,
        )
        conf = self.workdir / "nginx.conf"
        conf.write_text(main_config(http, self.workdir), encoding="utf-8")
        tested = self.workdir / "nginx-test.log"  # nginx -t's words, read back for the one line
        with tested.open("w") as out:
            code = subprocess.run([nginx, "-t", "-q", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT)
        if code.returncode != 0:
            said = tested.read_text(errors="replace").splitlines()
            why = next((ln for ln in said if "emerg" in ln), " ".join(said).strip())
            raise ReplicasError(f"nginx refused its configuration ({conf}): {why}")
        with self._nginx_log.open("a") as log:
            self._nginx = subprocess.Popen(
                [nginx, "-c", str(conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while not healthy(self.url):
            if self._nginx.poll() is not None or time.monotonic() > deadline:
                why = _last_line(self.workdir / "nginx-error.log") or _last_line(self._nginx_log)
                raise ReplicasError(f"nginx did not start on port {self.https_port}: {why}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop everything this started (nginx first, so no request reaches a stopping process);
        safe to call twice and after a failed start."""
        if self._nginx is not None:
            _end(self._nginx, signal.SIGQUIT)  # graceful: finishes the requests it holds
            self._nginx = None
        running = [p for p in self._apps if p is not None]
        for proc in running:
            if proc.poll() is None:
                proc.terminate()
        for proc in running:
            _end(proc, None)
        self._apps = [None] * len(self._apps)

    def kill(self, i: int) -> None:
        """SIGKILL app process ``i`` (a drill: no goodbye to its sessions)."""
        proc = self._apps[i]
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def start_app(self, i: int) -> None:
        """Start app process ``i`` again on its port and wait until it is healthy."""
        proc = self._apps[i]
        if proc is not None and proc.poll() is None:
            return
        self._spawn(i)
        try:
            self._wait_healthy(i)
        except ReplicasError:
            self.kill(i)
            raise

    def revive(self) -> list[str]:
        """Restart each app process that has exited, or that has not answered its health for
        ``HUNG_CHECKS`` calls in a row (each waiting ``HEALTH_WAIT_S``: a process busy with many
        sessions answers slowly but answers); one line per action. ``oversight serve``'s watch
        loop calls this every few seconds; a failed restart is said and tried again next time."""
        said = []
        for i, proc in enumerate(self._apps):
            where = f"app process {i} (port {self.app_ports[i]})"
            if proc is None:
                continue  # never started, or stopped: not this loop's to start
            if proc.poll() is None:
                self._unanswered[i] = (
                    0 if healthy(self.app_urls[i], HEALTH_WAIT_S) else self._unanswered[i] + 1
                )
                if self._unanswered[i] < HUNG_CHECKS:
                    continue
                self.kill(i)
                why = f"did not answer its health check {HUNG_CHECKS} times in a row; killed"
            else:
                why = f"had exited (code {proc.returncode})"
            self._unanswered[i] = 0
            try:
                self.start_app(i)
            except ReplicasError as exc:
                said.append(f"{where} {why}; starting it again failed: {exc}")
            else:
                said.append(f"{where} {why}; started again (pid {self.pids[i]})")
        return said

    @property
    def proxy_running(self) -> bool:
        return self._nginx is not None and self._nginx.poll() is None

    def __enter__(self) -> Replicas:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _end(proc: subprocess.Popen, sig: signal.Signals | None) -> None:
    """Ask ``proc`` to end (``sig``, if given), wait, then kill it."""
    if proc.poll() is None and sig is not None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            return
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
