"""The service a deployment drill runs against: the app's processes behind nginx, on one database.

The drills exercise the deployment as a council runs it: ``oversight.cli.replicas.Replicas``, two
``streamlit run`` processes behind nginx with TLS (a self-signed certificate), on one PostgreSQL,
every port a free one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.stats import machine
from oversight.cli.replicas import Replicas
from tests.browser import free_port


@dataclass
class Service:
    """Where visitors go (``url``: the proxy), the app's processes and their logs."""

    url: str
    replicas: Replicas
    logs: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def service(database_url: str, workdir: Path, processes: int = 2) -> Iterator[Service]:
    """``processes`` app processes on ``database_url`` behind nginx, stopped at the end."""
    ports = [free_port() for _ in range(processes)]
    with Replicas(
        database_url, processes, workdir=workdir, https_port=free_port(), app_ports=ports
    ) as replicas:
        yield Service(replicas.url, replicas, [replicas.app_log(i) for i in range(processes)])


def record(artifacts: Path, name: str, figures: dict) -> None:
    """A drill's timings beside the machine's load (``benchmarks.stats.machine``), for the README:
    indicative only, measured while other work shares the cores."""
    figures = {**figures, "machine": machine()}
    (artifacts / f"{name}.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
