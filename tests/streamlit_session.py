"""Visitors without a browser for the deployment drills: Streamlit sessions over its websocket.

A drill has to watch many pages at once while something breaks (the database stops, an import
commits) and read what each render *showed*: the page's text, an exception element, the "not
available" message. A session here speaks Streamlit's own protocol through the layer every
simulated visitor shares (``benchmarks/websocket_sessions``) and, like the browser's frontend,
answers an ``auto_rerun`` by sending its fragment's rerun every interval: that is how a page
showing ``widgets/unavailable``'s message checks again and comes back *by itself*, with no click.

``Visitors`` runs sessions in a thread of their own (its own event loop, so a test may drive
Playwright's sync API meanwhile), each rerunning its pages until stopped, and keeps every render.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.websocket_sessions import ScriptRun, Stream

#: The words of ``widgets/unavailable.message`` for a passing problem (a server restart).
UNAVAILABLE = "The tracker database is not available right now"
OK, SHOWS_UNAVAILABLE, EXCEPTION, FAILED = "ok", "unavailable", "exception", "failed"


@dataclass(frozen=True)
class Page:
    """A page as a visitor asks for it: the router's url path ("" for the map) and the query."""

    name: str
    query: str = ""


@dataclass
class Render:
    """One script run as a visitor saw it: what it showed, when, and how it ended."""

    page: Page
    started: float
    finished: float = 0.0
    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    status: str = FAILED
    by_itself: bool = False  # the run the page's own retry started (no request from the visitor)
    visitor: int = -1  # which of ``Visitors``' sessions saw it
    redrawn: int = 0  # runs the app replaced by another before finishing (what they drew is dropped)

    @classmethod
    def of(cls, page: Page, run: ScriptRun, by_itself: bool = False) -> Render:
        """What a visitor saw of ``run``: the text of what stays on the page."""
        render = cls(page, run.started, run.finished_at, by_itself=by_itself)
        render.texts = [t for element in run.kept for t in _element_texts(element)]
        render.redrawn = sum(1 for drawn in run.runs[:-1] if any(map(_element_texts, drawn)))
        render.exceptions = [f"{e.exception.type}: {e.exception.message}" for e in run.exceptions]
        if "page not found" in run.problems:
            render.exceptions.append(f"page not found: {page.name}")
        if not run.finished:
            render.exceptions.append(f"script finished with {run.status}")
        render.status = (
            EXCEPTION if render.exceptions else SHOWS_UNAVAILABLE if render.has(UNAVAILABLE) else OK
        )
        return render

    def has(self, words: str) -> bool:
        return any(words in t for t in self.texts)

    def first(self, match: Callable[[str], bool]) -> str | None:
        return next((t for t in self.texts if match(t)), None)


def _element_texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind in ("markdown", "text", "code"):
        return [getattr(element, kind).body]
    if kind == "alert":
        return [element.alert.body]
    if kind == "heading":
        return [element.heading.body]
    if kind == "metric":
        return [f"{element.metric.label}: {element.metric.body}"]
    if kind == "button":
        return [element.button.label]
    return []


class Session:
    """One visitor's websocket session: ``render`` a page, or ``wait_by_itself`` for the page to
    rerun as the browser would make it (its ``auto_rerun`` fragments)."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream

    @classmethod
    async def open(cls, base: str, timeout: float = 90.0) -> Session:
        return cls(await Stream(base, timeout=timeout, open_timeout=timeout).open())

    async def close(self) -> None:
        await self.stream.close()

    async def render(self, page: Page) -> Render:
        """Ask for ``page`` and read until its script finishes: what it showed."""
        return Render.of(page, await self.stream.run(page.query, page.name))

    async def wait_by_itself(self, page: Page, deadline: float) -> Render:
        """What the browser does on a page that checks again: send its fragments' reruns every
        interval (never a full rerun) until the app reruns itself; the render it then shows."""
        auto = self.stream.auto
        if not auto:
            raise AssertionError(f"the page {page.name or 'map'} does not check again by itself")
        interval = min(auto.values())
        while time.monotonic() < deadline:
            await asyncio.sleep(interval)
            for fid in list(auto):
                await self.stream.send_rerun(page.query, page.name, fragment_id=fid)
            reader = asyncio.create_task(self.stream.read(page.name))
            done, _ = await asyncio.wait({reader}, timeout=interval)
            if reader in done:
                return Render.of(page, reader.result(), by_itself=True)
            reader.cancel()
        raise TimeoutError(f"the page {page.name or 'map'} did not come back by itself")


class Visitors:
    """``count`` sessions, each rerunning ``pages`` in turn until ``stop()``, in a thread of their own.

    A render showing the "not available" message is left alone, as a visitor would leave the tab:
    the session waits for the page to come back by itself, then goes on. Every render is kept in
    ``renders`` (appended from the visitors' thread; read a copy with ``seen()``).
    """

    def __init__(
        self,
        base: str,
        pages: Sequence[Page],
        count: int = 4,
        pause: float = 0.2,
        recover_within: float = 90.0,
    ) -> None:
        self.base, self.pages, self.count, self.pause = base, list(pages), count, pause
        self.recover_within = recover_within
        self.renders: list[Render] = []
        self.errors: list[str] = []  # a dropped connection, a timeout: what a visitor could not see
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._all()), daemon=True)

    def __enter__(self) -> Visitors:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=self.recover_within + 30)

    def seen(self) -> list[Render]:
        with self._lock:
            return list(self.renders)

    def wait_for(self, check: Callable[[list[Render]], bool], timeout: float, what: str) -> list[Render]:
        """Poll the renders until ``check`` holds (the renders then), else fail saying ``what``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            renders = self.seen()
            if check(renders):
                return renders
            if self.errors:
                raise AssertionError(f"a visitor failed: {self.errors[:3]}")
            time.sleep(0.2)
        raise AssertionError(
            f"{what} within {timeout:.0f} s; statuses seen: {[r.status for r in self.seen()]}"
        )

    def _keep(self, render: Render) -> None:
        with self._lock:
            self.renders.append(render)

    async def _all(self) -> None:
        await asyncio.gather(*(self._one(i) for i in range(self.count)))

    async def _one(self, i: int) -> None:
        await asyncio.sleep(i * 0.3)  # arrivals spread, as visitors open a shared link
        try:
            session = await Session.open(self.base)
        except Exception as exc:  # noqa: BLE001 - any failure is the drill's finding
            self.errors.append(f"visitor {i}: {type(exc).__name__}: {exc}")
            return
        try:
            turn = 0  # the first page first, as a shared link opens it (a first deep link meets
            # Streamlit's "page not found" of its old pages/ navigation: widgets/page_style)
            while not self._stopping.is_set():
                page = self.pages[turn % len(self.pages)]
                turn += 1
                render = await session.render(page)
                render.visitor = i
                self._keep(render)
                if render.status == SHOWS_UNAVAILABLE:
                    back = await session.wait_by_itself(page, time.monotonic() + self.recover_within)
                    back.visitor = i
                    self._keep(back)
                await asyncio.sleep(self.pause)
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"visitor {i}: {type(exc).__name__}: {exc}")
        finally:
            await session.close()
