"""Streamlit's own websocket protocol without a browser: one layer for every simulated visitor.

No browser: a client costs the server's cores about 5 % of what it measures (PLATFORM.md), so on a
2-core machine the figures are the server's. A ``Stream`` connects to ``/_stcore/stream``
(``wss://`` through the TLS proxy, certificate not verified: the tests' is self-signed; a
``Cookie`` when the visitor is signed in), asks for a page by its ``st.navigation`` url path and
query string (a rerun ``BackMsg``, always binary: a text frame ends the session) and reads
``ForwardMsg``s until the script finishes: a ``ScriptRun`` keeps every element drawn, each
exception, and how the script ended. The load benchmark (``visit`` below), the session CPU
benchmark, the replica tests and the drills' background visitors all speak through it, so a change
of Streamlit's protocol is mended here once.

``visit`` is the load benchmark's session: each failure is counted under one kind, so a report
says *what* went wrong, not only that something did.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

#: What can go wrong with one page, in the order a report lists them.
ERROR_KINDS = ("exception", "not finished", "page not found", "dropped", "timeout", "http", "other")
TIMEOUT_S = 120.0
#: A script that stops for a rerun goes on in the next run; a fragment's own run (the page checking
#: again, as ``auto_rerun`` asks) is not the page's run: a reader reads through both.
_READ_THROUGH = (ForwardMsg.FINISHED_EARLY_FOR_RERUN, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


def stream_url(base: str) -> str:
    """The websocket address of a service at ``base`` (``http(s)://host:port``; a ``ws(s)://``
    stream address is returned as it is)."""
    if base.startswith(("ws://", "wss://")):
        return base
    scheme, rest = base.rstrip("/").split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/_stcore/stream"


def _tls(url: str) -> ssl.SSLContext | None:
    """TLS without verification for ``wss://``: the proxy's certificate is self-signed in tests."""
    if not url.startswith("wss://"):
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def rerun_message(
    query: str = "", page_name: str = "", *, fragment_id: str = "", page_script_hash: str = ""
) -> bytes:
    """The ``BackMsg`` a browser sends to run a page (or, with ``fragment_id``, one of its
    fragments as its ``auto_rerun`` asks: the page's script hash says which page it belongs to)."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page_name
    if fragment_id:
        msg.rerun_script.fragment_id = fragment_id
        msg.rerun_script.is_auto_rerun = True
        msg.rerun_script.page_script_hash = page_script_hash
    return msg.SerializeToString()  # always bytes: a text frame ends the session


@dataclass
class ScriptRun:
    """What one run of a page sent: the elements of each script run (a run the app replaced by a
    rerun first, the one that finished last), its exceptions, and how it ended."""

    page_name: str = ""
    started: float = 0.0  # time.monotonic()
    finished_at: float = 0.0
    runs: list[list[Element]] = field(default_factory=lambda: [[]])
    exceptions: list[Element] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # ERROR_KINDS, in the order they came
    status: int | None = None  # the script_finished status

    @property
    def seconds(self) -> float:
        return self.finished_at - self.started

    @property
    def elements(self) -> list[Element]:
        """Every element drawn, a replaced run's too."""
        return [element for run in self.runs for element in run]

    @property
    def kept(self) -> list[Element]:
        """What stays on the page: the elements of the run that finished."""
        return self.runs[-1]

    @property
    def finished(self) -> bool:
        return self.status == ForwardMsg.FINISHED_SUCCESSFULLY

    @property
    def problem(self) -> str | None:
        """The first thing that went wrong (an ``ERROR_KINDS`` entry), None for a clean run."""
        return self.problems[0] if self.problems else None

    @property
    def errors(self) -> list[str]:
        """What went wrong, one line each, named by the page."""
        name = self.page_name or "map"
        lines = [f"{name}: {element.exception.type}" for element in self.exceptions]
        if "page not found" in self.problems:
            lines.append(f"{self.page_name}: page not found")
        if self.status is not None and not self.finished:
            lines.append(f"{name}: script finished with {self.status}")
        return lines

    @property
    def ok(self) -> bool:
        return self.finished and not self.errors

    def text(self, kind: str | None = None) -> str:
        """Every element's text (its protobuf, plotly specs included), of one type if ``kind``."""
        return "\n".join(str(e) for e in self.elements if kind is None or e.WhichOneof("type") == kind)


class Stream:
    """One websocket session: ``async with Stream(url) as s: run = await s.run(query, page_name)``.

    ``timeout`` bounds each wait for a message (``run``'s ``deadline`` bounds a whole page);
    ``auto`` keeps the fragments the page asked to rerun by themselves, as the frontend does."""

    def __init__(
        self,
        url: str,
        *,
        cookie: str | None = None,
        timeout: float = TIMEOUT_S,
        open_timeout: float | None = 10.0,
    ) -> None:
        self.url, self.cookie = stream_url(url), cookie
        self.timeout, self.open_timeout = timeout, open_timeout
        self.page_script_hash = ""
        self.auto: dict[str, float] = {}  # fragment id -> interval (s)
        self._ws: ClientConnection | None = None

    async def open(self) -> Stream:
        self._ws = await connect(
            self.url,
            subprotocols=["streamlit"],
            compression=None,
            max_size=None,
            ssl=_tls(self.url),
            open_timeout=self.open_timeout,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
        )
        return self

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def __aenter__(self) -> Stream:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def send_rerun(self, query: str = "", page_name: str = "", *, fragment_id: str = "") -> None:
        assert self._ws is not None, "open the stream first"
        await self._ws.send(
            rerun_message(query, page_name, fragment_id=fragment_id, page_script_hash=self.page_script_hash)
        )

    async def run(self, query: str = "", page_name: str = "", *, deadline: float | None = None) -> ScriptRun:
        """Ask for a page (a rerun in this session) and read until its script finishes."""
        self.auto.clear()  # a full run registers its fragments again
        started = time.monotonic()
        await self.send_rerun(query, page_name)
        run = await self.read(page_name, deadline=deadline)
        run.started = started  # the page's time counts from the request
        return run

    async def read(self, page_name: str = "", *, deadline: float | None = None) -> ScriptRun:
        """Messages until a run of the script finishes. A dropped connection raises
        ``ConnectionClosed``, no message within ``timeout`` (or by ``deadline``) ``TimeoutError``."""
        assert self._ws is not None, "open the stream first"
        run = ScriptRun(page_name, started=time.monotonic())
        while True:
            wait = self.timeout if deadline is None else min(self.timeout, deadline - time.monotonic())
            raw = await asyncio.wait_for(self._ws.recv(), timeout=max(0.0, wait))
            if isinstance(raw, str):
                continue
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # a run starts: what a replaced run drew is not what stays
                self.page_script_hash = msg.new_session.page_script_hash
                if run.runs[-1]:
                    run.runs.append([])
            elif kind == "auto_rerun":
                self.auto[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.auto.pop(fid, None)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                run.runs[-1].append(element)
                if element.WhichOneof("type") == "exception":
                    run.exceptions.append(element)
                    run.problems.append("exception")
            elif kind == "page_not_found":
                run.problems.append("page not found")
            elif kind == "script_finished" and msg.script_finished not in _READ_THROUGH:
                run.status, run.finished_at = msg.script_finished, time.monotonic()
                if not run.finished:
                    run.problems.append("not finished")
                return run


@dataclass(frozen=True)
class Page:
    """One page a visitor opens: its name in the report, its url path ("" for the default page),
    its query string."""

    key: str
    url_path: str
    query: str = ""


#: The baseline: the app's lightest page (the accessibility statement: the router, the shared
#: sidebar and static text) through the same proxy and processes as the pages it stands beside.
BARE = Page("bare", "accessibility")
PAGES = (
    BARE,
    Page("map", "", "as_at=2018-05-17"),  # the default page is served at / only
    Page("authority", "authority", "la=E08000025&as_at=2018-05-17"),
    Page("exit", "exit"),
)


@dataclass
class Visit:
    """One simulated session: seconds to each page's finished script, and its failures."""

    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (page key, kind)
    done: bool = False


def _kind(exc: Exception) -> str:
    if isinstance(exc, InvalidHandshake):  # a refused or garbled HTTP answer to the handshake
        return "http"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionClosed | OSError):
        return "dropped"
    return "other"


async def visit(
    url: str,
    pages: Sequence[Page] = PAGES,
    *,
    delay: float = 0.0,
    hold: asyncio.Event | None = None,
    timeout: float = TIMEOUT_S,
    into: Visit | None = None,
) -> Visit:
    """One session: wait ``delay``, open ``pages`` in turn in one websocket (each within
    ``timeout``), then stay connected until ``hold`` is set (so memory is measured with every
    session open). Never raises; ``into`` lets the caller watch ``done`` while the session holds."""
    session = into if into is not None else Visit()
    await asyncio.sleep(delay)
    current: str | None = pages[0].key if pages else None
    try:
        async with Stream(url, timeout=timeout, open_timeout=timeout) as stream:
            for page in pages:
                current = page.key
                run = await stream.run(page.query, page.url_path, deadline=time.monotonic() + timeout)
                if run.problem:
                    session.errors.append((page.key, run.problem))
                else:
                    session.seconds[page.key] = run.seconds
            current = None  # every page measured: a failure while closing is not the visitor's
            session.done = True
            if hold is not None:
                await hold.wait()
    except Exception as exc:  # noqa: BLE001 - a failure of one session is a counted error, not a crash
        if current is not None:
            session.errors.append((current, _kind(exc)))
    session.done = True
    return session
