"""What every page shares in the browser beyond its widgets: the print stylesheet, a table's
printable twin, and Enter applying a date typed into a date box.

Why a print stylesheet: Ctrl+P printed the sidebar beside a squeezed page and put the map on
page 2, and ``st.dataframe`` is a canvas grid that prints only the rows scrolled into view. In
print the sidebar, header, toolbar, buttons and controls go, the page takes the paper's width,
and each table marked with ``print_table`` prints whole from a static twin that the screen hides.

Why the dialog script: the page scripts live in ``pages/`` (the project's layout), and a
``pages/`` folder beside ``app.py`` makes Streamlit run a process's first session with its old
auto-navigation, which knows pages by file name, not by our url paths, until ``st.navigation``
has run once (streamlit/streamlit#9624, #9992). So the first deep link after a server start
(``/authority?la=…``) showed "Page not found" over the right page. The router then ran the page
asked for; only the dialog was wrong. The script closes that dialog when the page asked for (named in
the message, else the address) is one of the app's own (``APP_PATHS``); an unknown page keeps it.

Why the Enter script: Streamlit's date box (react-aria segments) applies a typed date only when
focus leaves the whole box, so typing a date and pressing Enter did nothing. Enter in a date box
now moves the focus off it and back, which applies the date as a click elsewhere would.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from oversight.components.figures.safe_text import markdown_cells
from oversight.components.figures.theme import long_date

#: The class of a printable twin's container (``st.container(key=...)`` adds ``st-key-<key>``).
TWIN_PREFIX = "print_twin_"

PRINT_CSS = f"""
<style>
[class*="st-key-{TWIN_PREFIX}"] {{ display: none; }}
@media print {{
  @page {{ size: A4; margin: 12mm; }}
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stElementToolbar"], [data-testid="stSkipLink"],
  .stButton, .stDownloadButton, .stFormSubmitButton, .stLinkButton, .stPageLink,
  .stRadio, .stSelectbox, .stMultiSelect, .stDateInput, .stSlider, .stCheckbox, .stToggle,
  .stTextInput, .stNumberInput, .stFileUploader, [data-testid="stDataFrame"],
  .stElementContainer:has([data-testid="stDataFrame"]) {{ display: none !important; }}
  [class*="st-key-{TWIN_PREFIX}"] {{ display: block !important; }}
  [data-testid="stAppViewContainer"], [data-testid="stMain"], section.stMain {{
    position: static !important; overflow: visible !important; margin: 0 !important; }}
  [data-testid="stMainBlockContainer"], .block-container {{
    max-width: none !important; padding: 0 !important; }}
  h1 {{ font-size: 1.6rem !important; padding: 0 0 .3rem 0 !important; }}
  .oversight-map svg {{ max-height: 190mm; }}
  /* A scrolling box does not split across pages: the table's wrapper lets it run on. */
  [data-testid="stTable"], [data-testid="stTable"] > div {{
    overflow: visible !important; height: auto !important; max-height: none !important; }}
  [data-testid="stTable"] > div {{ border: none !important; }}
  /* An inline table is one unbreakable box to the printer: a block table runs across pages. */
  [data-testid="stTable"] table {{ display: table !important; width: 100%; font-size: 8.5pt; }}
  [data-testid="stTable"] tr {{ break-inside: avoid; }}
}}
</style>
"""

#: The app's url paths (``app.py``'s ``url_path``s; a test keeps the two lists equal).
APP_PATHS = ("map", "authority", "exit", "changes", "tracker", "data", "guide", "accessibility")

#: A wrong "Page not found" over a page of ours is closed (module docstring). Once per page load.
FOUND_JS = """
<script>
(() => {
  if (window.oversightPageFound) return;
  window.oversightPageFound = true;
  const ours = new Set(APP_PATHS_JSON);
  const close = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      const words = dialog.textContent || '';
      // The page asked for: named in the message, else the address's last part (a deployment
      // may serve the app under a path of its own).
      const named = words.match(/requested page \\/([a-z]+)/);
      const asked = named ? named[1] : window.location.pathname.split('/').filter(Boolean).pop();
      if (!words.includes('Page not found') || !asked || !ours.has(asked)) continue;
      const button = dialog.querySelector('button[aria-label="Close"]');
      if (button) button.click();
    }
  };
  close();
  const watch = new MutationObserver(close);
  watch.observe(document.body, { childList: true, subtree: true });
  // Only the first run of a session can show the wrong dialog: stop watching after a while.
  window.setTimeout(() => watch.disconnect(), 20000);
})();
</script>
"""

#: Enter in a date box applies the typed date (module docstring). Attached once per page load.
KEYS_JS = """
<script>
(() => {
  if (window.oversightEnterApplies) return;
  window.oversightEnterApplies = true;
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return;
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (!target.closest('[data-testid="stDateInputField"]')) return;
    // The box applies its date when the focus goes to another element (not to nowhere): to
    // the page's main region, then back, so the keyboard stays where it was.
    const away = document.querySelector('[data-testid="stMain"]');
    if (!away) return;
    away.focus({ preventScroll: true });
    window.setTimeout(() => target.focus({ preventScroll: true }), 0);
  }, true);
})();
</script>
"""


def render() -> None:
    """The shared stylesheet and the Enter script: drawn once per run, by the sidebar.

    The style goes in the page, where a style alone takes no room; not in the sidebar, whose
    content is dropped when it is collapsed (a narrow window, or the paper's width when printing).
    The script goes in the sidebar, beside the date box it serves (in the page it took a row).
    """
    st.html(PRINT_CSS)
    with st.sidebar:
        st.html(KEYS_JS, unsafe_allow_javascript=True)
        found_script()


def found_script() -> None:
    """The script that closes a wrong "Page not found", in the current container: the sidebar on
    pages, the step bar in the presentation (which has no sidebar, and a deep link of its own)."""
    st.html(FOUND_JS.replace("APP_PATHS_JSON", json.dumps(APP_PATHS)), unsafe_allow_javascript=True)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return "—"
    if isinstance(value, pd.Timestamp):
        return long_date(value.date())
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value) if str(value) else "—"


def printable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s cells as the printed twin shows them: dates in words, "—" for nothing, each
    cell safe as Markdown (``safe_text.markdown_cells``). A view may cache it with its table."""
    return markdown_cells(frame.map(_cell))


def print_table(frame: pd.DataFrame, key: str, ready: pd.DataFrame | None = None) -> None:
    """The whole of ``frame`` as a static table that only print shows (the screen has the grid).

    ``st.table`` writes every row into the page, so the printout has them all; it reads its cells
    as Markdown, so the cells go through ``safe_text.markdown_cells`` (``ready``: ``printable(frame)``
    made already, e.g. cached by the view).
    """
    with st.container(key=f"{TWIN_PREFIX}{key}"):
        st.table(printable(frame) if ready is None else ready, hide_index=True)
