"""Helpers for tests that run the app as several processes behind nginx (``Replicas``): HTTPS
without verification, which process served a websocket (nginx's access log), a route cookie that
lands on a chosen process, and an asyncio scenario run beside Playwright's loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import time
import urllib.request
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from oversight.cli.replicas import Replicas

T = TypeVar("T")
#: A websocket's line in nginx's access log (written when it closes): which process, which route.
STREAM = re.compile(r'"GET /_stcore/stream[^"]*" 101 \d+ upstream=(?P<up>.*?) route=(?P<route>\S+) ')


def https_get(url: str, cookie: str | None = None):
    """``urlopen`` with certificates not verified (the proxy's is self-signed), a ``Cookie`` optional."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    return urllib.request.urlopen(request, timeout=30, context=ssl._create_unverified_context())


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one asyncio scenario to its end, in its own thread and loop (Playwright's sync API,
    used by the browser tests, leaves a loop running in the test's thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def streams(replicas: Replicas, expected: int, route: str | None = None) -> list[tuple[str, str]]:
    """(process port, route) of the websockets nginx logged (with ``route``, if given), once
    ``expected`` are there or after 20 s: nginx writes a websocket's line when it closes. A request
    nginx tried on a dead process first lists both; the last served it."""
    deadline = time.time() + 20
    while True:
        found = [
            (m["up"].split(",")[-1].strip().rsplit(":", 1)[1], m["route"])
            for m in STREAM.finditer(replicas.access_log.read_text())
            if route is None or m["route"] == route
        ]
        if len(found) >= expected or time.time() > deadline:
            return found
        time.sleep(0.2)


def route_to(replicas: Replicas, port: int) -> str:
    """A ``Cookie`` header value (``oversight_route=…``) that nginx hashes to the process on
    ``port``, found by asking and reading the access log: the hash is nginx's own."""
    for n in range(200):
        value = f"probe{os.getpid()}x{n}"
        with https_get(f"{replicas.url}/?probe={value}", f"oversight_route={value}"):
            pass
        deadline = time.time() + 10
        while f"probe={value}" not in replicas.access_log.read_text():
            assert time.time() < deadline, "nginx did not log the probe"
            time.sleep(0.05)
        line = next(ln for ln in replicas.access_log.read_text().splitlines() if f"probe={value}" in ln)
        if line.split("upstream=")[1].split()[0].endswith(f":{port}"):
            return f"oversight_route={value}"
    raise AssertionError(f"no route found to port {port}")
