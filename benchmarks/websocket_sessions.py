"""Simulated visitors speaking Streamlit's own websocket protocol, through a proxy or to one process.

No browser: a client costs the server's cores about 5 % of what it measures (PLATFORM.md), so on a
2-core machine the figures are the server's. A visitor connects to ``/_stcore/stream`` (``wss://``
through the TLS proxy, certificate not verified: the tests' is self-signed), asks for each page in
turn by its ``st.navigation`` url path and reads forward messages until the page's script
finishes. Each failure is counted under one kind, so a report says *what* went wrong, not only
that something did.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

#: What can go wrong with one page, in the order a report lists them.
ERROR_KINDS = ("exception", "not finished", "page not found", "dropped", "timeout", "http", "other")
TIMEOUT_S = 120.0


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


class _PageFailed(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def stream_url(base: str) -> str:
    """The websocket address of a service at ``base`` (``http(s)://host:port``)."""
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


def _rerun(page: Page) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = page.query
    msg.rerun_script.page_name = page.url_path
    return msg.SerializeToString()  # always bytes: a text frame ends the session


async def _open_page(ws, page: Page, timeout: float) -> tuple[float, str | None]:
    """Ask for ``page`` and read until its script finishes: the seconds taken and an error kind
    (None when the page ran cleanly). A dropped connection or a timeout raises: the session ends."""
    t0 = time.perf_counter()
    await ws.send(_rerun(page))
    problem: str | None = None
    deadline = t0 + timeout
    while True:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.0, deadline - time.perf_counter()))
        except TimeoutError as exc:
            raise _PageFailed("timeout") from exc
        except ConnectionClosed as exc:
            raise _PageFailed("dropped") from exc
        if isinstance(raw, str):
            continue
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            if msg.delta.new_element.WhichOneof("type") == "exception":
                problem = problem or "exception"
        elif kind == "page_not_found":
            problem = problem or "page not found"
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                problem = problem or "not finished"
            return time.perf_counter() - t0, problem


def _kind(exc: Exception) -> str:
    if isinstance(exc, _PageFailed):
        return exc.kind
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
    """One session: wait ``delay``, open ``pages`` in turn in one websocket, then stay connected
    until ``hold`` is set (so memory is measured with every session open). Never raises; ``into``
    lets the caller watch ``done`` while the session holds."""
    session = into if into is not None else Visit()
    await asyncio.sleep(delay)
    current: str | None = pages[0].key if pages else None
    try:
        async with connect(
            url,
            subprotocols=["streamlit"],
            compression=None,
            max_size=None,
            ssl=_tls(url),
            open_timeout=timeout,
        ) as ws:
            for page in pages:
                current = page.key
                seconds, problem = await _open_page(ws, page, timeout)
                if problem:
                    session.errors.append((page.key, problem))
                else:
                    session.seconds[page.key] = seconds
            current = None  # every page measured: a failure while closing is not the visitor's
            session.done = True
            if hold is not None:
                await hold.wait()
    except Exception as exc:  # noqa: BLE001 - a failure of one session is a counted error, not a crash
        if current is not None:
            session.errors.append((current, _kind(exc)))
    session.done = True
    return session
