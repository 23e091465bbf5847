"""Open a page of the app in ``AppTest`` as a browser opens it: by the ``url_path`` app.py gives it.

``AppTest.switch_page`` before the first run names a page by its file's stem, which only a
``pages/`` folder's old auto-navigation knew (it ran the file without the router, which a browser
never does). Before the first run the page is named by its ``url_path``, and it runs through the
router, as in a browser.
"""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

ROOT = Path(__file__).resolve().parents[1]
URL_PATHS = dict(
    re.findall(
        r'"(pages/[a-z_]+\.py)".*?url_path="([a-z]+)"',
        (ROOT / "app.py").read_text(encoding="utf-8"),
        re.S,
    )
)
_original = AppTest.switch_page


def switch_page(at: AppTest, page_path: str) -> AppTest:
    """``at.switch_page(page_path)``, naming the page by its url_path before the first run."""
    _original(at, page_path)
    if not at._registered_pages and page_path in URL_PATHS:
        at._page_hash = calc_hash(URL_PATHS[page_path])
    return at
