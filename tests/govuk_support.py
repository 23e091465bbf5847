"""A local GOV.UK for the harvest tests: the Search and Content APIs answered from ``fixtures/govuk``.

A real HTTP server on 127.0.0.1 (a free port) serves the saved answers (made-up pages in the
documented shapes, see ``fixtures/govuk/README.md``), filtering, ordering and paging the search
results as the Search API does, and answering HTTP 422 to a parameter it does not know, as the
real one does. It records every request, so a test can say what was asked and what never was.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "govuk"
PUB = "/government/publications/"
KNOWSLEY = PUB + "improvement-notice-issued-to-knowsley-metropolitan-borough-council-march-2026"
HAVERING = PUB + "direction-issued-to-london-borough-of-havering-april-2026"
HALTON = PUB + "revised-direction-issued-to-halton-borough-council-april-2026"
SWINDON = PUB + "improvement-notice-issued-to-swindon-borough-council-january-2026"
WIRRAL = PUB + "improvement-notice-issued-to-wirral-council-send-february-2026"
BORSETSHIRE = PUB + "improvement-notice-issued-to-borsetshire-county-council-march-2026"
CUMBRIA = PUB + "improvement-notice-issued-to-cumbria-county-council"
CHESHIRE_EAST = PUB + "improvement-notice-issued-to-cheshire-east-council-july-2024"
#: The Search API's parameters (its documentation); it answers 422 to any other.
SEARCH_PARAMS = {"q", "count", "start", "order", "fields"}


@dataclass
class FakeGovUk:
    """What the local server serves and what it was asked."""

    url: str = ""
    requests: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # content paths answered with HTTP 500
    search_status: int = 200
    delay: float = 0.0
    extra: list[dict] = field(default_factory=list)  # more search results (a test's own page)

    def searches(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(r).query) for r in self.requests if r.startswith("/api/search.json")]

    def contents(self) -> list[str]:
        return [r.removeprefix("/api/content") for r in self.requests if r.startswith("/api/content/")]


def _search_answer(query: dict[str, list[str]], extra: list[dict]) -> tuple[int, dict]:
    unknown = [k for k in query if k not in SEARCH_PARAMS and not k.startswith(("filter_", "reject_"))]
    if unknown:
        return 422, {"error": f"Unexpected parameters: {', '.join(unknown)}"}
    answer = json.loads((FIXTURES / "search.json").read_text(encoding="utf-8"))
    results = answer["results"] + extra
    for key, values in query.items():
        if key == "filter_public_timestamp":
            since = values[0].removeprefix("from:")
            results = [r for r in results if r["public_timestamp"][:10] >= since]
        elif key.startswith("filter_"):
            results = [r for r in results if _field(r, key.removeprefix("filter_")) & set(values)]
    order = query.get("order", ["public_timestamp"])[0]
    results.sort(key=lambda r: r["public_timestamp"][:10], reverse=order.startswith("-"))
    start, count = int(query.get("start", ["0"])[0]), int(query.get("count", ["10"])[0])
    answer.update(results=results[start : start + count], total=len(results), start=start)
    return 200, answer


def _field(result: dict, name: str) -> set[str]:
    if name == "organisations":
        return {o["slug"] for o in result["organisations"]}
    return {result.get(name)}


@contextlib.contextmanager
def serve_govuk() -> Iterator[FakeGovUk]:
    served = FakeGovUk()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode("utf-8")
            with contextlib.suppress(ConnectionError):  # a client cut off by its time limit has gone
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def do_GET(self) -> None:
            served.requests.append(self.path)
            time.sleep(served.delay)
            parts = urlsplit(self.path)
            if parts.path == "/api/search.json":
                if served.search_status != 200:
                    return self._send(served.search_status, {"error": "Internal Server Error"})
                return self._send(*_search_answer(parse_qs(parts.query), served.extra))
            if parts.path.startswith("/api/content" + PUB):
                path = parts.path.removeprefix("/api/content")
                if path in served.broken:
                    return self._send(500, {"error": "Internal Server Error"})
                saved = FIXTURES / "content" / f"{path.removeprefix(PUB)}.json"
                if saved.is_file():
                    return self._send(200, json.loads(saved.read_text(encoding="utf-8")))
            return self._send(404, {"error": {"code": "not_found", "message": "Not found"}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
