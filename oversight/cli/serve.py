"""``oversight serve``: N app processes behind nginx on one database, until Ctrl+C.

The launcher (``cli/replicas``) does the work; this command names the database, says where the
service answers, and watches: every few seconds an app process that has exited is started again
(nginx meanwhile sends its browsers to the others), and if nginx itself stops, so does the service,
with one line and exit code 1. Ctrl+C (or SIGTERM, from systemd) stops nginx, then every process.
"""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

from oversight.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say
from oversight.cli.replicas import FIRST_APP_PORT, ROOT, Replicas, ReplicasError
from oversight.data import settings

WATCH_S = 5.0
DEFAULT_WORKDIR = ROOT / "var" / "replicas"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1-65535): {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"not a number of processes (1-64): {text!r}")
    return value


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # systemd's stop: the same orderly end as Ctrl+C


def cmd_serve(args: argparse.Namespace) -> int:
    if (args.cert is None) != (args.key is None):
        say("oversight serve: error: --cert and --key go together (see oversight serve --help)", err=True)
        return EXIT_USAGE
    certificate = None
    if args.cert is not None:
        missing = [str(p) for p in (args.cert, args.key) if not p.is_file()]
        if missing:
            say(f"oversight serve: error: no such file: {', '.join(missing)}", err=True)
            return EXIT_USAGE
        certificate = (args.cert.resolve(), args.key.resolve())
    ports = [args.app_port + i for i in range(args.processes)]
    if ports[-1] > 65535:
        say(
            f"oversight serve: error: --app-port {args.app_port} leaves no room for {args.processes} ports",
            err=True,
        )
        return EXIT_USAGE
    replicas = Replicas(
        settings.database_url(args.database),
        args.processes,
        workdir=args.workdir,
        https_port=args.port,
        app_ports=ports,
        certificate=certificate,
        listen_address=args.address,
    )
    previous = signal.signal(signal.SIGTERM, _stop_on_term)
    try:
        replicas.start()
        say(replicas.database_line, err=True)
        for i, (url, pid) in enumerate(zip(replicas.app_urls, replicas.pids, strict=True)):
            say(f"app process {i}: {url} (pid {pid}, log {replicas.app_log(i)})", err=True)
        shown = f"https://{args.address}:{args.port}" if args.address != "0.0.0.0" else replicas.url
        self_signed = "" if certificate else " with a self-signed certificate"
        say(f"Serving {shown}{self_signed} ({args.processes} processes; Ctrl+C stops)", err=True, flush=True)
        while True:
            time.sleep(WATCH_S)
            if not replicas.proxy_running:
                say(
                    f"oversight serve: nginx stopped (see {args.workdir / 'nginx-error.log'}); stopping",
                    err=True,
                )
                return EXIT_FAILED
            for line in replicas.revive():
                say(line, err=True, flush=True)
    except ReplicasError as exc:
        say(f"oversight serve: {exc}", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        say("oversight serve: stopping", err=True, flush=True)
        return EXIT_OK
    finally:
        replicas.stop()
        signal.signal(signal.SIGTERM, previous)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``oversight serve`` on the CLI's subparsers (``common`` adds ``--database``)."""
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="serve the app as N processes behind nginx (HTTPS, sticky sessions) on one database",
        description=(
            "Check the database, start N `streamlit run app.py` processes on 127.0.0.1 (ports from "
            "--app-port up), wait for each one's health, then nginx in front of them with HTTPS. A process "
            "that exits is started again; Ctrl+C stops everything. Needs nginx (Debian: nginx-core)."
        ),
    )
    p.add_argument(
        "--processes", type=_count, default=2, metavar="N", help="app processes (default 2: one per core)"
    )
    p.add_argument("--port", type=_port, default=8443, help="the proxy's HTTPS port (default 8443)")
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="where the proxy listens (default 127.0.0.1: this machine only; 0.0.0.0 for the network)",
    )
    p.add_argument(
        "--app-port",
        type=_port,
        default=FIRST_APP_PORT,
        help=f"the first app process's port (default {FIRST_APP_PORT})",
    )
    p.add_argument("--cert", type=Path, metavar="FILE", help="the proxy's certificate (PEM; with --key)")
    p.add_argument(
        "--key",
        type=Path,
        metavar="FILE",
        help="its private key (default: a self-signed pair made in --workdir)",
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="nginx's configuration, logs and temporary files, and each process's log (default: var/replicas)",
    )
    p.set_defaults(func=cmd_serve)
    return p
