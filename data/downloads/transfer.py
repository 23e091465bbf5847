"""One download streamed to disk within limits: a size, a total time, and the hosts a redirect may reach.

The server at the other end decides how many bytes it sends, how slowly, and where it redirects.
Unbounded, a 3 GB answer filled memory and disk, a server sending one byte every few seconds kept
``oversight refresh`` waiting without end, and a redirect to any host was followed silently. So
every download of ``fetch`` (each file, each page of a feature service) goes through ``Transfer``:

* it is streamed to a temporary file in chunks of ``CHUNK`` bytes, never held in memory;
* it stops at a byte limit: twice the registry's expected size (``bytes``) plus 1 MiB, or, for an
  entry with no expected size, ``CEILING`` (64 MiB; ``OVERSIGHT_DOWNLOAD_MAX_BYTES``). A
  ``Content-Length`` above the limit is refused before the body is read;
* it stops at a total-time limit per file, ``SECONDS`` (120 s; ``OVERSIGHT_DOWNLOAD_TIME_LIMIT``),
  from the first connection to the last byte, every page of a feature service included. A watchdog
  shuts the connection at the deadline, so a server that drips bytes (in its headers or its body)
  is cut off on time; a silent one already fails after ``READ_SECONDS`` without a byte;
* it follows a redirect only to the same host (never from https down to http) or to a host the
  registry's ``redirect_hosts`` names for the file, at most ``MAX_REDIRECTS`` times; a mirror's
  files (``--mirror``) only within the mirror's host;
* its temporary file is removed on every failure.

Any failure is a ``TransferError`` whose message is one line: what happened, the limit, what to do
(``fetch`` adds the file and its address). Only the standard library is used (``urllib.request``,
which honours the usual proxy variables): pooch, used before, had no byte or time limit and
followed any redirect.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

from oversight.data.downloads.registry import Entry, FetchError

CHUNK = 64 * 1024  # bytes read and written at a time
MIB = 1024 * 1024
MARGIN_FACTOR = 2  # a file with an expected size may be up to twice that ...
MARGIN_BYTES = MIB  # ... plus 1 MiB (a small file's new version may well be bigger)
CEILING = 64 * MIB  # a file with no expected size (ONS boundaries: a few MB)
SECONDS = 120.0  # per file, every page and redirect included
READ_SECONDS = 30.0  # the longest wait for any one connection or read
MAX_REDIRECTS = 5
TIME_ENV = "OVERSIGHT_DOWNLOAD_TIME_LIMIT"
CEILING_ENV = "OVERSIGHT_DOWNLOAD_MAX_BYTES"
SCHEMES = ("http", "https")
USER_AGENT = "oversight-download (intervention oversight dashboard)"
_REGISTRY = "data/reference/downloads.csv"


class TransferError(FetchError):
    """A download that failed or was stopped by a limit; the message is one line and says what to do."""


@dataclass(frozen=True)
class Limits:
    """The limits of one file's download, and in words how its byte limit was set (for the message)."""

    max_bytes: int
    seconds: float
    redirect_hosts: frozenset[str] = frozenset()
    read_seconds: float = READ_SECONDS
    basis: str = ""


def limits_for(entry: Entry, mirror: bool = False) -> Limits:
    """The limits of ``entry``'s download: from its expected size, else the ceiling; the time limit.

    ``OVERSIGHT_DOWNLOAD_TIME_LIMIT`` (seconds) and ``OVERSIGHT_DOWNLOAD_MAX_BYTES`` (the ceiling) are
    read on every call, so a slow connection (or a test) can change them without touching code.
    """
    seconds = _env_number(TIME_ENV, SECONDS)
    size = entry.size
    if size is not None:
        max_bytes = size * MARGIN_FACTOR + MARGIN_BYTES
        basis = (
            f"twice the {size:,} bytes the registry expects, plus 1 MiB; if the publisher's file "
            f"really is that large, correct its `bytes` in {_REGISTRY}"
        )
    else:
        max_bytes = int(_env_number(CEILING_ENV, CEILING))
        basis = (
            f"the ceiling for a file with no expected size, {CEILING_ENV}; if the file really is that "
            f"large, give it a `bytes` in {_REGISTRY} or raise {CEILING_ENV}"
        )
    hosts = frozenset() if mirror else entry.redirect_host_names
    return Limits(max_bytes, seconds, hosts, min(READ_SECONDS, seconds), basis)


def time_limit() -> float:
    """The time limit per download, ``SECONDS`` unless ``OVERSIGHT_DOWNLOAD_TIME_LIMIT`` says otherwise
    (read on every call, as ``limits_for`` reads it)."""
    return _env_number(TIME_ENV, SECONDS)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise FetchError(f"{name} must be a number above 0, not {raw!r}")
    return value


class Transfer:
    """One file's download: a byte budget and a deadline shared by every request it makes.

    A feature service's pages are one file: their bytes add up against ``max_bytes``, and the
    deadline, set when the transfer starts, covers them all. Use it as a context manager, so the
    watchdog stops with it.
    """

    def __init__(self, target: str, limits: Limits) -> None:
        self.target, self.limits = target, limits
        self.received = 0
        self._deadline = _Deadline(limits.seconds)

    def __enter__(self) -> Transfer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._deadline.cancel()

    def to_file(self, url: str, path: Path) -> int:
        """Stream ``url`` into ``path`` (made anew); return the bytes written. On failure ``path`` is removed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        try:
            with path.open("wb") as out:
                return self._stream(url, out)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def to_bytes(self, url: str) -> bytes:
        """``url``'s whole answer in memory, within the same limits: for a small answer (a page of an
        API's JSON), whose byte limit is then also the memory it may take."""
        out = io.BytesIO()
        self._stream(url, out)
        return out.getvalue()

    def _stream(self, url: str, out: IO[bytes]) -> int:
        # Lazy: urllib.request and http.client (~35 ms with ssl) only when something is downloaded.
        import http.client
        import urllib.error
        import urllib.request

        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES or not parts.hostname:
            raise TransferError(f"the address is not an http(s) address with a host: {_shown(url)}")
        opener = _opener(self._deadline, _RedirectPolicy(parts, self.limits.redirect_hosts))
        request = urllib.request.Request(
            url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        )
        written = 0
        try:
            with opener.open(request, timeout=self.limits.read_seconds) as response:
                self._check_declared(response.headers.get("Content-Length"))
                while True:
                    chunk = response.read1(CHUNK)  # at most one read from the socket: a drip cannot hide
                    self._check_time()
                    if not chunk:
                        break
                    self.received += len(chunk)
                    if self.received > self.limits.max_bytes:
                        raise self._too_big()
                    out.write(chunk)
                    written += len(chunk)
        except TransferError:
            raise
        except urllib.error.HTTPError as exc:
            exc.close()
            raise TransferError(f"the server answered HTTP {exc.code} ({_shown(str(exc.reason))})") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self._check_time()
            why = _shown(" ".join(str(getattr(exc, "reason", None) or exc).split())) or type(exc).__name__
            raise TransferError(why) from exc
        self._check_time()
        return written

    def _check_declared(self, declared: str | None) -> None:
        """Refuse before the body when the server announces more bytes than the limit allows."""
        if declared and declared.strip().isascii() and declared.strip().isdigit():
            announced = int(declared.strip())
            if self.received + announced > self.limits.max_bytes:
                raise TransferError(
                    f"the server announced {announced:,} bytes, more than the limit of "
                    f"{self.limits.max_bytes:,} bytes ({self.limits.basis}); nothing was kept"
                )

    def _too_big(self) -> TransferError:
        return TransferError(
            f"stopped after {self.limits.max_bytes:,} bytes, its limit ({self.limits.basis}); nothing was kept"
        )

    def _check_time(self) -> None:
        if self._deadline.expired:
            raise TransferError(
                f"stopped after {self.limits.seconds:g} s, the time limit per file ({TIME_ENV}): the server "
                f"sent it too slowly; try again later, or raise {TIME_ENV} for a slow connection; "
                "nothing was kept"
            )


class _Deadline:
    """Shuts every connection of a transfer when its time is up, so that a blocked read returns."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """End a connection from another thread: a read blocked on it returns (unlike ``close``)."""
    with contextlib.suppress(OSError, ValueError):
        sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class _RedirectPolicy:
    """Where a redirect from ``origin`` may go: the same host, or one of ``hosts``; never https to http."""

    origin: Any  # urllib.parse.SplitResult of the address asked for
    hosts: frozenset[str]

    def refusal(self, old_url: str, new_url: str) -> str | None:
        old, new = urlsplit(old_url), urlsplit(new_url)
        host = (new.hostname or "").lower()
        allowed = {(self.origin.hostname or "").lower(), *self.hosts}
        if new.scheme.lower() not in SCHEMES:
            return f"the server redirected to {_shown(new_url)}, which is not an http(s) address"
        if old.scheme.lower() == "https" and new.scheme.lower() == "http":
            return f"the server redirected from https to plain http ({_shown(new_url)}); a download never drops https"
        if host not in allowed:
            return (
                f"the server redirected to another host, {_shown(host)} ({_shown(new_url)}); a redirect is "
                f"followed only to the same host or to a host in the file's `redirect_hosts` in {_REGISTRY}: "
                "add the host there if it is the publisher's own"
            )
        return None


def _opener(deadline: _Deadline, policy: _RedirectPolicy) -> Any:
    """A urllib opener whose connections the deadline watches and whose redirects the policy checks."""
    # Lazy: as in ``Transfer._stream``.
    import urllib.request

    class Watching:
        def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
            class Watched(http_class):
                def connect(self) -> None:
                    super().connect()
                    deadline.watch(self.sock)

            return super().do_open(Watched, req, **kwargs)

    class Http(Watching, urllib.request.HTTPHandler):
        pass

    class Https(Watching, urllib.request.HTTPSHandler):
        pass

    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            fp.close()  # urllib would read the redirect's whole body into memory: it is never wanted
            why = policy.refusal(req.full_url, newurl)
            if why is not None:
                raise TransferError(why)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(Http, Https, Redirects)


def _shown(text: str, limit: int = 300) -> str:
    """Outside text (an address, a reason) made safe for a terminal line: printable, and not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
