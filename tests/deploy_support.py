"""The service a deployment drill runs against: the app's processes on one database.

The drills exercise the deployment as a council runs it: ``oversight.cli.replicas.Replicas``, two
``streamlit run`` processes behind nginx with TLS, on one PostgreSQL. Where that launcher is not
in this checkout, one ``streamlit run`` process (``tests/browser.StreamlitServer``) stands in,
and the drill checks the same things of it.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser import StreamlitServer, free_port

ROOT = Path(__file__).resolve().parents[1]
HAS_REPLICAS = importlib.util.find_spec("oversight.cli.replicas") is not None


@dataclass
class Service:
    """Where visitors go (``url``: the proxy, or the one process) and the app's processes."""

    url: str
    pids: list[int] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def service(database_url: str, workdir: Path, processes: int = 2) -> Iterator[Service]:
    """The app on ``database_url``: ``processes`` replicas behind nginx, else one process."""
    workdir.mkdir(parents=True, exist_ok=True)
    if HAS_REPLICAS:
        from oversight.cli.replicas import Replicas

        ports = [free_port() for _ in range(processes)]
        with Replicas(
            database_url, processes, workdir=workdir, https_port=free_port(), app_ports=ports
        ) as replicas:
            yield Service(replicas.url, list(replicas.pids), sorted(workdir.glob("**/*.log")))
        return
    server = StreamlitServer(ROOT, database_url, workdir / "streamlit.log").start()
    try:
        yield Service(server.base, [server.proc.pid], [workdir / "streamlit.log"])
    finally:
        server.stop()
