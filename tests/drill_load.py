"""A light load run in the background for the deployment drills: a few sessions that rerun pages
over Streamlit's own websocket protocol (``benchmarks/websocket_sessions``, the load benchmark's
client) through the proxy, reconnecting when their connection drops, with every error and every
finished page timed.

Why here and not the benchmark: a drill needs a load that keeps going across a failure and says
when each session stumbled and when it ran again; the benchmark measures a load that ends.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from benchmarks.websocket_sessions import Stream

#: The pages each session reruns in turn: (query string, page url path; "" is the map).
PAGES = (("la=E08000025&as_at=2018-05-17", "authority"), ("", "data"))
TIMEOUT_S = 60.0


@dataclass
class Event:
    at: float  # time.monotonic()
    session: int
    what: str  # "ok <page>" or the error in one line


@dataclass
class LoadRun:
    """``sessions`` visitors against ``base`` (https://... or http://...) until ``stop()``."""

    base: str
    sessions: int = 4
    pause_s: float = 0.5
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> LoadRun:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(TIMEOUT_S + 10)

    def errors(self, after: float = 0.0) -> list[Event]:
        return [e for e in self.events if not e.what.startswith("ok ") and e.at >= after]

    def done(self, after: float = 0.0) -> list[Event]:
        return [e for e in self.events if e.what.startswith("ok ") and e.at >= after]

    async def _main(self) -> None:
        await asyncio.gather(*(self._visitor(i) for i in range(self.sessions)))

    async def _visitor(self, i: int) -> None:
        await asyncio.sleep(i * 0.3)
        while not self._stop.is_set():
            try:
                async with Stream(self.base, timeout=TIMEOUT_S) as stream:
                    while not self._stop.is_set():
                        for query, page in PAGES:
                            await self._run_page(stream, i, query, page)
                            await asyncio.sleep(self.pause_s)
            except Exception as exc:  # noqa: BLE001 - a drill counts every kind of failure
                self.events.append(Event(time.monotonic(), i, f"{type(exc).__name__}: {exc}"[:200]))
                await asyncio.sleep(self.pause_s)

    async def _run_page(self, stream: Stream, i: int, query: str, page: str) -> None:
        run = await stream.run(query, page)
        for _ in run.exceptions:
            self.events.append(Event(time.monotonic(), i, f"{page}: an exception element"))
        what = f"ok {page}" if run.finished else f"{page}: finished with {run.status}"
        self.events.append(Event(time.monotonic(), i, what))
