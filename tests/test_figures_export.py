"""The figure renderer: one kaleido browser on its own thread, figures in, futures of images out.

The board pack's speed rests on it (issue 12): the browser starts before the work that needs it,
draws while Python builds the next slide, and never outlives its use (idle stop, ``stop``, the
command's end)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import plotly.graph_objects as go
import pytest

from oversight.components.figures.export import Renderer
from oversight.components.reports.slides import Picture, RenderError

PNG = b"\x89PNG\r\n\x1a\n"


def _bar(n: int) -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b", "c"], y=[n, n + 1, n + 2]))


@pytest.mark.browser
def test_figures_queued_together_come_back_as_their_own_images():
    r = Renderer()
    try:
        futures = [r.submit(_bar(n), "png", width=300, height=200) for n in range(4)]
        svg = r.image(_bar(7), "svg", width=300, height=200).decode()
        pngs = [f.result(timeout=60) for f in futures]
        assert all(p.startswith(PNG) for p in pngs)
        assert len(set(pngs)) == 4  # four different bars, not one image four times
        assert "<svg" in svg[:300]
    finally:
        r.stop()
    assert not r.running


@pytest.mark.browser
def test_a_broken_figure_fails_alone_and_the_browser_goes_on():
    r = Renderer()
    try:
        bad = r.submit({"data": [{"type": "no-such-trace"}], "layout": {}}, "png", 300, 200)
        good = r.submit(_bar(1), "png", 300, 200)
        assert good.result(timeout=60).startswith(PNG)
        try:
            image = bad.result(timeout=60)
        except Exception:  # noqa: BLE001 - plotly.js may refuse it: then the error is the future's
            image = None
        assert image is None or image.startswith(PNG)  # or draws it empty: never hangs or kills
        assert r.image(_bar(2), "png", 300, 200).startswith(PNG)
    finally:
        r.stop()


def test_an_unknown_format_is_refused_before_any_browser_starts():
    r = Renderer()
    with pytest.raises(ValueError, match="unsupported image format"):
        r.submit(_bar(1), "gif")
    assert not r.running


@pytest.mark.browser
def test_an_idle_browser_stops_itself_unless_held():
    r = Renderer(idle_s=0.5)
    with r.hold():
        assert r.image(_bar(1), "png", 300, 200).startswith(PNG)
        time.sleep(1.5)
        assert r.running  # a pack in progress keeps its browser
    deadline = time.monotonic() + 10
    while r.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not r.running
    assert r.image(_bar(2), "png", 300, 200).startswith(PNG)  # started again on demand
    r.stop()


def test_the_command_line_starts_no_browser_and_imports_little_for_help():
    """``oversight --help`` and other commands do not pay for the board pack's modules or browser:
    the subcommands' modules are imported when the parser is built, the browser only for
    ``board-pack`` (not its ``--help``)."""
    probe = (
        "import sys\n"
        "from oversight import cli\n"
        "heavy = {'pandas', 'plotly', 'kaleido', 'fpdf', 'pptx'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "from oversight.components.figures import export\n"
        "cli._start_early(['board-pack', '--help'])\n"
        "cli._start_early(['snapshot', '--as-at', '2020-01-01'])\n"
        "assert not export.renderer().running\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


def test_a_figure_that_could_not_be_drawn_is_named_not_traced():
    failed: Future[bytes] = Future()
    failed.set_exception(TimeoutError())
    with pytest.raises(RenderError, match=r"'Map of the West Midlands' could not be drawn \(TimeoutError\)"):
        assert Picture(failed, "Map of the West Midlands", 760, 600).png


def test_the_command_without_a_browser_says_so_in_one_line(loaded_sqlite_url, data_dir, tmp_path):
    env = {**os.environ, "BROWSER_PATH": str(tmp_path / "no-chromium"), "OVERSIGHT_DATA_DIR": str(data_dir)}
    argv = [str(Path(sys.executable).with_name("oversight")), "board-pack", "--database", loaded_sqlite_url]
    argv += ["--as-at", "2018-05-17", "--region", "E12000005", "--out", str(tmp_path / "p.pdf"), "--quiet"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("board-pack: the figure ") and "could not be drawn" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.browser
def test_figures_drawn_without_reloading_the_page_are_kaleidos_own(loaded_engine, data_dir, monkeypatch):
    """kaleido reloads its page after every figure; ours reloads every ``RELOAD_EVERY``. A pack's
    figures (maps, timelines, the exit chart) drawn one after another on one page must be the
    very bytes kaleido draws on a fresh page each time."""
    import asyncio
    import datetime as dt

    import kaleido

    from oversight.components.figures import export
    from oversight.components.reports import board_pack as bp

    figures: list[tuple[go.Figure, int, int]] = []

    def keep(fig: go.Figure, alt: str, width: int, height: int) -> Picture:
        figures.append((fig, width, height))
        return Picture(b"", alt, width, height)

    monkeypatch.setattr(bp, "_picture", keep)
    bp.build_slides(
        loaded_engine, bp.PackRequest("E12000005", dt.date(2018, 5, 17), None, data_dir, full_table=True)
    )
    assert len(figures) >= 6  # locator, two maps, time to exit, the appendix's timelines
    specs = [(fig.to_dict(), {"format": "png", "width": w, "height": h, "scale": 2}) for fig, w, h in figures]
    topojson = export._base_map_dir().as_uri() + "/"

    async def reloading() -> list[bytes]:
        async with kaleido.Kaleido(mathjax=False) as k:
            return [await k.calc_fig(spec, opts=opts, topojson=topojson) for spec, opts in specs]

    with ThreadPoolExecutor(1) as pool:  # its own loop: Playwright's may run in this thread
        theirs = pool.submit(asyncio.run, reloading()).result(timeout=300)
    r = Renderer()
    try:
        ours = [f.result(timeout=120) for f in [r.submit(spec, **_size(opts)) for spec, opts in specs]]
    finally:
        r.stop()
    assert len(specs) < export.RELOAD_EVERY  # every figure after the first drawn on a used page
    assert [len(x) for x in ours] == [len(x) for x in theirs]
    assert ours == theirs


def _size(opts: dict) -> dict:
    return {"fmt": opts["format"], "width": opts["width"], "height": opts["height"], "scale": opts["scale"]}


def test_a_figures_spec_shares_its_lists_and_says_what_to_dict_says():
    """The pack's figures reach the renderer without plotly's deep copies (issue 22's speed)."""
    from oversight.components.figures.export import figure_spec

    fig = _bar(3)
    spec = figure_spec(fig, width=300, height=200)
    copied = fig.to_dict()
    assert spec["data"] == copied["data"] and spec["data"] is fig._data
    assert spec["layout"] == {**copied["layout"], "width": 300, "height": 200}
    assert "width" not in fig.layout.to_plotly_json()  # the figure itself is unchanged


@pytest.mark.browser
def test_an_image_asked_for_again_is_not_drawn_again():
    """A pack prepared again hands over its pictures at once; another figure or size is drawn."""
    r = Renderer()
    drawn = []
    original = r._draw

    async def counting(spec, opts, topojson):
        drawn.append(opts["width"])
        return await original(spec, opts, topojson)

    r._draw = counting  # type: ignore[method-assign]
    try:
        first = r.submit(_bar(1), "png", 300, 200).result(timeout=60)
        again = r.submit(_bar(1), "png", 300, 200)
        assert again.result(timeout=60) == first and len(drawn) == 1
        assert r.submit(_bar(1), "png", 320, 200).result(timeout=60) != first
        assert r.submit(_bar(2), "png", 300, 200).result(timeout=60) != first
        assert len(drawn) == 3
    finally:
        r.stop()
