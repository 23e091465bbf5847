"""A page drawn over Streamlit's own websocket, without a browser (the load benchmark's protocol).

``Visitor`` opens ``/_stcore/stream`` (``ws://`` to a process, ``wss://`` through the proxy, with
certificates not verified and an optional ``Cookie``), asks for a page by its query and page name
and reads forward messages until the script finishes; ``PageRun`` keeps each element's text (its
protobuf, plotly specs included) so a test can look for a fact in what the page drew.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

TIMEOUT_S = 120.0


@dataclass
class PageRun:
    """What one run of a page sent: every new element's text, by its type, and what went wrong."""

    elements: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def ok(self) -> bool:
        return self.finished and not self.errors

    def text(self, kind: str | None = None) -> str:
        return "\n".join(body for k, body in self.elements if kind is None or k == kind)


class Visitor:
    """One session: ``async with Visitor(url) as v: run = await v.page(query, name)``."""

    def __init__(self, base: str, cookie: str | None = None) -> None:
        self.url = base.replace("https://", "wss://").replace("http://", "ws://") + "/_stcore/stream"
        self.cookie = cookie
        self._ws: ClientConnection | None = None

    async def __aenter__(self) -> Visitor:
        context = None
        if self.url.startswith("wss://"):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self._ws = await connect(
            self.url,
            subprotocols=["streamlit"],
            compression=None,
            max_size=None,
            ssl=context,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._ws is not None
        await self._ws.close()

    async def page(self, query: str = "", page_name: str = "") -> PageRun:
        """Ask for a page (a rerun in this session) and read until its script finishes."""
        assert self._ws is not None
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page_name
        await self._ws.send(msg.SerializeToString())
        run = PageRun()
        while True:
            raw = await asyncio.wait_for(self._ws.recv(), timeout=TIMEOUT_S)
            if isinstance(raw, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                name = element.WhichOneof("type") or ""
                run.elements.append((name, str(element)))
                if name == "exception":
                    run.errors.append(f"{page_name or 'map'}: {element.exception.type}")
            elif kind == "page_not_found":
                run.errors.append(f"{page_name}: page not found")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    run.finished = True
                    return run
                if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run.errors.append(f"{page_name or 'map'}: script finished with {fwd.script_finished}")
                    return run
