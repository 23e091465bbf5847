"""Visitors without a browser for the deployment drills: Streamlit sessions over its websocket.

A drill has to watch many pages at once while something breaks (the database stops, an import
commits) and read what each render *showed*: the page's text, an exception element, the "not
available" message. A session here speaks Streamlit's own protocol (``/_stcore/stream``, binary
``BackMsg``/``ForwardMsg`` of the installed Streamlit) and, like the browser's frontend, answers
an ``auto_rerun`` by sending its fragment's rerun every interval: that is how a page showing
``widgets/unavailable``'s message checks again and comes back *by itself*, with no click.

``Visitors`` runs sessions in a thread of their own (its own event loop, so a test may drive
Playwright's sync API meanwhile), each rerunning its pages until stopped, and keeps every render.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

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

    def has(self, words: str) -> bool:
        return any(words in t for t in self.texts)

    def first(self, match: Callable[[str], bool]) -> str | None:
        return next((t for t in self.texts if match(t)), None)


def ws_url(base: str) -> str:
    """The stream address of an app or proxy address (http -> ws, https -> wss)."""
    return base.replace("https://", "wss://").replace("http://", "ws://").rstrip("/") + "/_stcore/stream"


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

    def __init__(self, ws, timeout: float) -> None:
        self.ws, self.timeout = ws, timeout
        self.page_script_hash = ""
        self.query = ""
        self.auto: dict[str, float] = {}  # fragment id -> interval (s), as the frontend keeps them

    @classmethod
    async def open(cls, base: str, timeout: float = 90.0) -> Session:
        url = ws_url(base)
        context = None
        if url.startswith("wss://"):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the proxy's self-signed certificate
        ws = await connect(
            url,
            subprotocols=["streamlit"],
            compression=None,
            max_size=None,
            ssl=context,
            open_timeout=timeout,
        )
        return cls(ws, timeout)

    async def close(self) -> None:
        await self.ws.close()

    async def _send(self, page: Page, fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = page.query
        state.page_name = page.name
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
            state.page_script_hash = self.page_script_hash
        await self.ws.send(msg.SerializeToString())

    async def render(self, page: Page) -> Render:
        """Ask for ``page`` and read until its script finishes: what it showed."""
        self.auto.clear()  # a full run registers its fragments again
        await self._send(page)
        return await self._read(page)

    async def _read(self, page: Page, by_itself: bool = False) -> Render:
        """Messages until a full run of the script finishes; a fragment's own run is read through."""
        render = Render(page, time.monotonic(), by_itself=by_itself)
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=self.timeout)
            if isinstance(raw, str):
                continue
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # a run starts: what a replaced run drew is not what stays
                self.page_script_hash = msg.new_session.page_script_hash
                render.redrawn += bool(render.texts)
                render.texts = []
            elif kind == "auto_rerun":
                self.auto[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.auto.pop(fid, None)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    render.exceptions.append(f"{element.exception.type}: {element.exception.message}")
                render.texts += _element_texts(element)
            elif kind == "page_not_found":
                render.exceptions.append(f"page not found: {page.name}")
            elif kind == "script_finished":
                status = msg.script_finished
                if status in (
                    ForwardMsg.FINISHED_EARLY_FOR_RERUN,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    continue  # a fragment that found nothing new, or a run superseded by a rerun
                render.finished = time.monotonic()
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    render.exceptions.append(f"script finished with {status}")
                render.status = (
                    EXCEPTION if render.exceptions else SHOWS_UNAVAILABLE if render.has(UNAVAILABLE) else OK
                )
                return render

    async def wait_by_itself(self, page: Page, deadline: float) -> Render:
        """What the browser does on a page that checks again: send its fragments' reruns every
        interval (never a full rerun) until the app reruns itself; the render it then shows."""
        if not self.auto:
            raise AssertionError(f"the page {page.name or 'map'} does not check again by itself")
        interval = min(self.auto.values())
        while time.monotonic() < deadline:
            await asyncio.sleep(interval)
            for fid in list(self.auto):
                await self._send(page, fragment_id=fid)
            reader = asyncio.create_task(self._read(page, by_itself=True))
            done, _ = await asyncio.wait({reader}, timeout=interval)
            if reader in done:
                return reader.result()
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
