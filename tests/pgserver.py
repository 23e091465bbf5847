"""A throwaway PostgreSQL cluster for the database tests (trust auth, a free port, fsync off).

PostgreSQL refuses to run as root, so as root the cluster is created and run by the
``postgres`` user; otherwise by the current user. ``halt`` stops the server and keeps its data
directory and port, so ``start`` brings the same databases back where the app looks for them
(the restart drill); ``stop`` also throws the cluster away.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path:
        return path
    raise RuntimeError(f"PostgreSQL's {name} is not installed: run `make system-deps`")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="oversight-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PgServer:
        """Create the cluster on first use, then start the server and wait until it accepts."""
        data = self.dir / "data"
        if not (data / "PG_VERSION").is_file():
            if self.as_root:
                shutil.chown(self.dir, "postgres", "postgres")
            self._run(
                _bin("initdb"), "-D", str(data), "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-sync"
            )
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "30",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def halt(self, mode: str = "fast") -> None:
        """Stop the server as an operator's restart does (``fast``: sessions ended, work rolled
        back), keeping the data directory and port for ``start``."""
        self._run(_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> PgServer:
        """Stop and start again: the same port, the same databases."""
        self.halt()
        return self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            if (self.dir / "data" / "postmaster.pid").is_file():  # running (not halted)
                self._run(_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
