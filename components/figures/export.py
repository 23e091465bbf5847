"""Figures to PNG/SVG for board packs and exports, through kaleido and Debian's Chromium, offline.

Plotly's geo traces ask for a world base map even when every base layer is hidden. The app
serves empty base maps from ``static/topojson/`` (Streamlit static serving); for kaleido the
same empty topologies are written once per process to a temporary folder, so exports never
touch the network and an installed copy needs no checkout beside it.

Why a ``Renderer`` of our own rather than ``fig.to_image``: Chromium's start and plotly.js's
load cost ~1.6 s, and each image ~0.2 s more, with Python waiting throughout. The renderer runs
one kaleido browser on a thread of its own, started before the work that needs it (the
``board-pack`` command starts it before its imports; the app when the board-pack dialog opens),
and takes figures as they are built, handing back futures: Python builds the next slide while
the browser draws the last one. One renderer per process, shared by every session (kaleido
queues figures for its tab); it stops itself after ``IDLE_S`` seconds without work, so a served
app keeps no idle browser. Its page is not reloaded after every figure as kaleido does (that
reload cost more than the drawing): see ``_kaleido_class``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import json
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from concurrent.futures import Future
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

#: The files plotly asks for (``<scope>_<resolution>m.json``) and the layers each must hold.
BASE_MAPS = ("world_110m", "world_50m", "europe_110m", "europe_50m")
LAYERS = ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")
FORMATS = ("png", "svg", "pdf")
#: Seconds without an image after which the browser is stopped (started again on demand).
IDLE_S = 180.0  # its Chromium holds ~0.5 GB (PSS): not kept long for nothing
#: Figures a page draws between reloads (see ``_kaleido_class``).
RELOAD_EVERY = 25
#: Seconds one image may take before the caller gives up (kaleido's own limit is 90 s).
TIMEOUT_S = 120.0


#: Images kept by the renderer, newest used last: a pack prepared again (another format, another
#: "last meeting") or the same date's maps in another session come back without drawing.
CACHE_IMAGES = 96


def figure_spec(fig: go.Figure, **layout: Any) -> dict[str, Any]:
    """The figure as the renderer reads it, with ``layout`` set, without copying it.

    ``go.Figure(fig)``, ``update_layout`` and ``to_dict`` each deep-copy every trace: for a map,
    every boundary's coordinates, three times over (a third of a region pack's Python time). The
    spec shares the figure's own lists, so the figure must not change until its image is drawn:
    the board pack builds each figure for one picture. ``_data``/``_layout`` are what ``to_dict``
    copies (plotly 5 to 7); choreographer encodes numpy arrays with plotly's own JSON encoder."""
    return {"data": fig._data, "layout": {**fig._layout, **layout}}


def empty_topology() -> str:
    """An empty base map: every layer plotly reads, with no geometry (what static/topojson holds)."""
    objects = {name: {"type": "GeometryCollection", "geometries": []} for name in LAYERS}
    return json.dumps({"type": "Topology", "objects": objects, "arcs": []}, separators=(",", ":"))


@lru_cache(maxsize=1)
def _base_map_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="oversight-topojson-"))
    for name in BASE_MAPS:
        (folder / f"{name}.json").write_text(empty_topology(), encoding="utf-8")
    return folder


class Renderer:
    """One kaleido browser on its own thread and event loop; figures in, futures of bytes out."""

    def __init__(self, idle_s: float = IDLE_S) -> None:
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._browser: Future[Any] | None = None  # the opened ``kaleido.Kaleido``
        self._pending = 0
        self._last_use = time.monotonic()
        self._holds = 0  # ``hold()`` blocks: no idle stop while a pack is being made
        self._images: OrderedDict[str, Future[bytes]] = OrderedDict()  # see ``CACHE_IMAGES``
        self._exit_hook = False

    @property
    def running(self) -> bool:
        return self._loop is not None

    @property
    def held(self) -> bool:
        """Inside a ``hold()`` block (a caller keeps the browser for more work)."""
        return self._holds > 0

    def start(self) -> None:
        """Start the browser if it is not running; returns at once (the start goes on beside).

        One page draws every figure: a second loads plotly.js again (~1.1 s) and, with the page
        no longer reloaded after each figure, drew a pack no faster."""
        with self._lock:
            if self._loop is not None:
                return
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="oversight-renderer", daemon=True)
            thread.start()
            self._loop, self._thread, self._last_use = loop, thread, time.monotonic()
            self._browser = asyncio.run_coroutine_threadsafe(self._open(), loop)
            loop.call_soon_threadsafe(self._schedule_idle_check)
            if not self._exit_hook:
                # After the finalizers' own exit hook, so before it at exit (last in, first out):
                # the browser closes before Python deletes its temporary profile folder.
                weakref.finalize(self, int)
                atexit.register(self._stop_at_exit)  # no Chromium outlives the process
                self._exit_hook = True

    @staticmethod
    async def _open() -> Any:
        # mathjax=False: no script from a CDN (kaleido's default), so nothing touches the network.
        browser = _kaleido_class()(n=1, mathjax=False)
        await browser.open()
        return browser

    def submit(
        self, fig: go.Figure | dict, fmt: str = "png", width: int = 1400, height: int = 1000, scale: float = 1
    ) -> Future[bytes]:
        """Queue a figure; the future holds its image bytes (or the browser's error)."""
        if fmt not in FORMATS:
            raise ValueError(f"unsupported image format: {fmt}")
        spec = fig.to_dict() if isinstance(fig, go.Figure) else fig  # in the caller's thread
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        topojson = _base_map_dir().as_uri() + "/"
        key = _cache_key(spec, opts)
        self.start()
        with self._lock:
            assert self._loop is not None
            done = self._images.get(key)
            if done is not None and not (done.done() and done.exception() is not None):
                self._images.move_to_end(key)
                self._last_use = time.monotonic()
                return done
            self._pending += 1
            future = asyncio.run_coroutine_threadsafe(self._draw(spec, opts, topojson), self._loop)
            self._images[key] = future
            while len(self._images) > CACHE_IMAGES:
                self._images.popitem(last=False)
            return future

    async def _draw(self, spec: dict, opts: dict, topojson: str) -> bytes:
        try:
            assert self._browser is not None
            browser = await asyncio.wrap_future(self._browser)
            return await browser.calc_fig(spec, opts=opts, topojson=topojson)
        finally:
            with self._lock:
                self._pending -= 1
                self._last_use = time.monotonic()

    def image(
        self, fig: go.Figure | dict, fmt: str = "png", width: int = 1400, height: int = 1000, scale: float = 1
    ) -> bytes:
        return self.submit(fig, fmt, width, height, scale).result(timeout=TIMEOUT_S)

    def hold(self) -> _Hold:
        """``with renderer.hold():`` the browser is started and not stopped for idleness inside."""
        return _Hold(self)

    def _schedule_idle_check(self) -> None:
        if self._loop is not None:
            self._loop.call_later(self._idle_s, self._idle_check)

    def _idle(self) -> bool:
        """No image pending, no ``hold()``, and none asked for ``idle_s`` seconds (under the lock)."""
        quiet = self._pending == 0 and self._holds == 0
        return quiet and time.monotonic() - self._last_use >= self._idle_s

    def _idle_check(self) -> None:
        with self._lock:
            idle = self._idle()
        if idle:  # stopped on another thread: closing waits on this loop
            threading.Thread(
                target=self.stop, args=(True,), name="oversight-renderer-stop", daemon=True
            ).start()
        else:
            self._schedule_idle_check()

    def _stop_at_exit(self) -> None:
        """The exit hook: a last close, silent. The command line stops the browser before it
        exits (``cli._stop_early``, ``cmd_board_pack``); this covers a caller that did not, where
        a close racing the interpreter's own shutdown must not print a traceback."""
        with contextlib.suppress(Exception):  # the process is ending; nothing to tell
            self.stop(timeout=5)

    def stop(self, only_if_idle: bool = False, timeout: float = 30) -> None:
        """Close the browser and the thread (a later ``submit`` starts them again). ``only_if_idle``:
        unless a figure came in since the idle check (decided under the same lock as ``submit``)."""
        with self._lock:
            if only_if_idle and not self._idle():
                if self._loop is not None:
                    self._loop.call_soon_threadsafe(self._schedule_idle_check)
                return
            loop, thread, browser = self._loop, self._thread, self._browser
            self._loop = self._thread = self._browser = None
        if loop is None or thread is None or browser is None:
            return

        async def close() -> None:
            try:
                opened = await asyncio.wrap_future(browser)
            except Exception:  # noqa: BLE001 - it never opened: nothing to close
                return
            await opened.close()

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()


def _cache_key(spec: dict[str, Any], opts: dict[str, Any]) -> str:
    """The image's identity: its figure and size as JSON, hashed (~20 ms for a region's map)."""
    text = json.dumps([spec, opts], cls=PlotlyJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Hold:
    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def __enter__(self) -> Renderer:
        with self.renderer._lock:
            self.renderer._holds += 1
        self.renderer.start()
        return self.renderer

    def __exit__(self, *exc: object) -> None:
        with self.renderer._lock:
            self.renderer._holds -= 1
            self.renderer._last_use = time.monotonic()


@lru_cache(maxsize=1)
def _kaleido_class() -> type:
    """kaleido's browser, reloading its page every ``RELOAD_EVERY`` figures instead of after each.

    kaleido 1.5 reloads the page (and plotly.js) after every figure to start the next one clean:
    ~0.13 s, more than drawing most figures (a board pack's 17 figures: 3.6 s with, 1.4 s
    without). plotly's ``newPlot``/``purge`` already leave the page clean: a test proves a pack's
    figures are byte-identical either way. The occasional reload bounds what a long-lived
    server's page may accumulate.
    """
    # Lazy: kaleido (~0.15 s) only in a process that draws an image.
    import kaleido

    class Browser(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab: Any) -> None:
            drawn = getattr(tab, "_oversight_drawn", 0) + 1
            if drawn >= RELOAD_EVERY:
                tab._oversight_drawn = 0
                await super()._return_kaleido_tab(tab)
            else:
                tab._oversight_drawn = drawn
                await self.tabs_ready.put(tab)

    return Browser


_RENDERER = Renderer()


def renderer() -> Renderer:
    """The process's renderer (started on first use)."""
    return _RENDERER


def start_renderer() -> None:
    """Start the process's browser now, without waiting for it, so that its ~1.6 s start overlaps
    the work before the first image (the CLI's imports, the app's dialog)."""
    _RENDERER.start()


def figure_image(
    fig: go.Figure, fmt: str = "png", width: int = 1400, height: int = 1000, scale: float = 1
) -> bytes:
    """The figure as PNG or SVG bytes (waits for the browser)."""
    return _RENDERER.image(fig, fmt, width, height, scale)
