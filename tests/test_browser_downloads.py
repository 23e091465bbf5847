"""Every download and export button on every view, clicked in Chromium (issue 22 item 1).

The default map's "Prepare the map as PNG and SVG" once raised ``StreamlitDuplicateElementKey``:
a red box, and the table, the CSV download and the council search vanished until the view
changed. So on each view (the map in each of its styles, an authority's page, What changed, Time
to exit, Tracker, Data & sources) this clicks every "Prepare …" button and then every download
button, and asserts that no exception box shows, that each download arrives non-empty, and that
the page's tables, its CSV downloads and (on the map) the council search are still there. The
board pack's dialog (in every page's sidebar) is prepared and both its files downloaded on three
views: a region's map, an authority's page and the Tracker page (which has no other download).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_browser_pages import _wait_for_app, _wait_for_map

pytestmark = pytest.mark.browser

EXCEPTION = "[data-testid='stException']"
MAIN = "[data-testid='stMain']"
DOWNLOADS = f"{MAIN} [data-testid='stDownloadButton'] button"
TABLES = f"{MAIN} [data-testid='stDataFrame']"


@dataclass(frozen=True)
class View:
    name: str
    path: str
    heading: str
    #: The view offers at least this many downloads once every "Prepare" button is pressed.
    downloads: int
    #: Prepare and download the board pack from the sidebar's dialog on this view.
    pack: bool = False
    #: The map's council search ("Authority") must stay.
    search: bool = False


VIEWS = [
    # The default map, as the issue found it (England, today's data): the crash's view.
    View("map_svg", "/", "Intervention map", 3, search=True),
    View("map_geo", "/?view=geo&region=E12000004", "Intervention map", 3, search=True),
    View("map_tiles", "/?view=tiles&colour=judgement", "Intervention map", 3, search=True),
    View("map_deck", "/?view=deck&region=E12000004", "Intervention map", 3, pack=True, search=True),
    View("authority", "/authority?la=E08000025&as_at=2024-06-30", "Birmingham", 1, pack=True),
    View("changes", "/changes?since=2024-01-01&until=2024-06-30", "What changed", 1),
    View("exit", "/exit", "Time to exit from inadequate", 2),
    View("tracker", "/tracker?region=E12000001", "Tracker", 0, pack=True),
    View("data", "/data?region=E12000001", "Data & sources", 1),
]


def _idle(page) -> None:
    """Let the click's rerun start, then wait until the script has finished."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


def _download(page, button, folder: Path) -> tuple[str, int]:
    """Click ``button``, take its file, and say its name and size."""
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    target = folder / download.suggested_filename
    download.save_as(target)
    return download.suggested_filename, target.stat().st_size


def _board_pack(page, folder: Path) -> list[tuple[str, int]]:
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Board pack…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Prepare board pack").click()
    pptx = dialog.get_by_role("button", name="Download slides (PPTX)")
    pptx.wait_for(timeout=120_000)
    got = [_download(page, pptx, folder)]
    _idle(page)
    got.append(_download(page, dialog.get_by_role("button", name="Download PDF"), folder))
    _idle(page)
    assert page.locator(EXCEPTION).count() == 0
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached", timeout=10_000)
    return got


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    yield ctx, page
    ctx.close()


@pytest.mark.parametrize("view", VIEWS, ids=[v.name for v in VIEWS])
def test_every_download_and_export_button_works(context, server, artifacts, tmp_path, view):
    _, page = context
    page.goto(f"{server.base}{view.path}")
    page.get_by_role("heading", name=view.heading).first.wait_for(timeout=60_000)
    if view.name.startswith("map"):
        _wait_for_map(page) if view.name != "map_deck" else page.wait_for_selector("canvas", timeout=60_000)
    _wait_for_app(page)
    tables, csvs = page.locator(TABLES).count(), page.locator(DOWNLOADS).count()

    prepare = page.locator(MAIN).get_by_role("button", name="Prepare")
    for i in range(prepare.count()):
        before = page.locator(DOWNLOADS).count()
        prepare.nth(i).click()
        # Its downloads appear (or, as the crash did, an exception box).
        page.wait_for_function(
            f"""() => document.querySelectorAll("{DOWNLOADS}").length > {before}
                   || document.querySelector("{EXCEPTION}")""",
            timeout=120_000,
        )
        _idle(page)
        assert page.locator(EXCEPTION).count() == 0, f"{view.name}: an exception after a Prepare button"

    got = []
    buttons = page.locator(DOWNLOADS)
    count = buttons.count()
    assert count >= view.downloads, f"{view.name}: {count} downloads"
    for i in range(count):
        button = page.locator(DOWNLOADS).nth(i)
        button.scroll_into_view_if_needed()
        got.append(_download(page, button, tmp_path))
        _idle(page)
    if view.pack:
        got.extend(_board_pack(page, tmp_path))
    page.screenshot(path=str(artifacts / f"downloads_{view.name}.png"))

    assert page.locator(EXCEPTION).count() == 0, f"{view.name}: an exception box"
    empty = [name for name, size in got if size == 0]
    assert not empty, f"{view.name}: empty downloads {empty}"
    if view.name.startswith("map"):
        assert {Path(n).suffix for n, _ in got} >= {".png", ".svg", ".csv"}, got
    # The rest of the page is still there: its tables, its CSV downloads, the council search.
    assert page.locator(TABLES).count() >= tables
    assert page.locator(DOWNLOADS).count() >= max(csvs, view.downloads)
    if view.search:
        assert page.locator(MAIN).get_by_label("Authority").count() >= 1
