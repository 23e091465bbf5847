"""The board pack from any page: a sidebar section that builds the pack for the view's region and
date (or the authority on screen) with a progress bar, then offers the PPTX and the PDF. Its second
slide lists what changed since the last meeting (a date chosen here: by default the ``since`` of a
What changed link, else eight weeks before the as-at date).
Owns ``pack_*`` keys. The pack is kept for the session until the region, date or data change.
Names and messages are shown through ``safe_text.markdown``: radio options, captions, progress
text and errors are Markdown to Streamlit.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from oversight.components.figures.changes import default_since
from oversight.components.figures.export import start_renderer
from oversight.components.figures.safe_text import markdown
from oversight.components.figures.theme import long_date
from oversight.components.reports.board_pack import PackRequest, board_pack
from oversight.components.reports.slides import RenderError
from oversight.components.widgets import cache as store
from oversight.components.widgets.filters import EARLIEST, Filters
from oversight.data import logs, settings

KEY_FILES = "pack_files"
KEY_OPEN = "pack_dialog_open"
_log = logging.getLogger("oversight.app")  # the dialog stays open across reruns until dismissed


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def sidebar_button(filters: Filters) -> None:
    """One button in the sidebar; the choices live in a dialog, so pages load no extra widgets."""
    if st.sidebar.button(
        "Board pack…",
        key="pack_open",
        icon=":material/slideshow:",
        help="Slides (PPTX) and PDF of this region or authority, as at the chosen date.",
    ):
        st.session_state[KEY_OPEN] = True
    if st.session_state.get(KEY_OPEN):
        _dialog(filters)


def _since_default(as_at: dt.date) -> dt.date:
    """The What changed page's ``since`` when the link has one before the as-at date (the pack then
    matches the page), else eight weeks before the as-at date."""
    try:
        since = dt.date.fromisoformat(str(st.query_params.get("since", "")))
    except ValueError:
        since = None
    if since is None or not (EARLIEST <= since <= as_at):
        since = default_since(as_at)
    return max(since, EARLIEST)


#: How many finished packs the process keeps (each about 1–3 MB).
PACKS_KEPT = 8
_packs_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _made_packs() -> OrderedDict[tuple, tuple[bytes, bytes, bytes]]:
    """Finished packs by (data version, request), newest last, shared by every session.

    Why not ``st.cache_data`` on the builder: on a hit Streamlit replays what the cached call drew,
    and the progress bar it moves was made outside the call, so a pack asked for twice ended in
    ``CacheReplayClosureError`` (issue 23). Looked up by hand, the progress callback runs only
    while a pack is really made."""
    return OrderedDict()


def _pack_files(
    key: tuple, request: PackRequest, progress: Callable[[float, str], None]
) -> tuple[bytes, bytes, bytes]:
    """The pack's PPTX, PDF and CSV (every authority), kept per data version and request (its ``today`` included) for
    every session: a pack asked for again, in this session or another, is handed over at once
    instead of being made again (issue 22: the dialog's pack within 5 s after its first). ``key``
    is ``cache.cache_key()``; an error is not kept."""
    packs, wanted = _made_packs(), (key, request)
    with _packs_lock:
        if wanted in packs:
            packs.move_to_end(wanted)
            return packs[wanted]
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / "pack.pptx", Path(tmp) / "pack.pdf", Path(tmp) / "pack.csv"]
        board_pack(store.engine(), request, outs, progress)
        files = outs[0].read_bytes(), outs[1].read_bytes(), outs[2].read_bytes()
    with _packs_lock:
        packs[wanted] = files
        while len(packs) > PACKS_KEPT:
            packs.popitem(last=False)
    return files


def _closed() -> None:
    st.session_state[KEY_OPEN] = False


@st.dialog("Board pack", width="medium", on_dismiss=_closed)
def _dialog(filters: Filters) -> None:
    # The browser that draws the slides' figures starts while the person reads the choices (~1.6 s,
    # on its own thread): by the click it is ready. It stops itself after three idle minutes.
    start_renderer()
    la = str(st.query_params.get("la", "")).strip().upper() or None
    story = store.story(la) if la else None
    scopes = {"region": filters.region_name}
    if story is not None:
        scopes["authority"] = story.authority.name
    scope = st.radio(
        "Pack for",
        list(scopes),
        format_func=lambda s: markdown(scopes[s]),
        key="pack_scope",
        horizontal=True,
        index=len(scopes) - 1,
    )
    authority = story.authority.code if scope == "authority" and story else None
    subject = scopes[scope]
    st.caption(
        f"{markdown(subject)}, as at {long_date(filters.as_at)}: 16:9 slides (PPTX) and the same pages as PDF."
    )
    since = st.date_input(
        "Last meeting (what changed since)",
        value=_since_default(filters.as_at),
        min_value=EARLIEST,
        max_value=filters.as_at,
        format="DD/MM/YYYY",
        key=f"pack_since_{filters.as_at.isoformat()}",  # a new as-at date: a new default, in range
        help="The second slide lists every change from this day to the as-at date (both included).",
    )
    full = st.checkbox(
        "Add the appendix: every authority and each open spell's timeline",
        key="pack_full_table",
        disabled=authority is not None,
        help="By default the pack lists the authorities in intervention (England: at most 12 pages, a "
        "region: 8). The appendix adds every authority's row and each open inadequate spell's timeline "
        "with its clocks.",
    )
    signature = (store.cache_key(), filters.region, filters.as_at, authority, since, full)
    if st.button("Prepare board pack", key="pack_build", icon=":material/slideshow:"):
        bar = st.progress(0.0, text="Preparing the slides…")
        request = PackRequest(
            filters.region,
            filters.as_at,
            authority,
            settings.data_dir(),
            today=dt.date.today(),
            since=since,
            full_table=full,
        )
        # One line in the server's log (data/logs): what was asked for, not who (reading is open).
        with logs.action(
            "board_pack",
            region=filters.region or "england",
            authority=authority,
            as_at=filters.as_at,
            appendix=full,
        ) as noted:
            try:
                pptx, pdf, csv = _pack_files(
                    store.cache_key(), request, lambda f, m: bar.progress(min(1.0, f), text=markdown(m))
                )
            except ValueError as exc:
                noted.update(outcome=logs.REFUSED, error=type(exc).__name__)
                st.error(markdown(str(exc)))
                return
            except RenderError as exc:
                noted.update(outcome=logs.FAILED, error=type(exc).__name__)
                _log.warning("board pack: %s", exc.__cause__ or exc)
                st.error(markdown(f"The slides could not be made: {exc}. Try again in a minute."))
                return
        st.session_state[KEY_FILES] = (signature, pptx, pdf, csv)
        bar.empty()
    files = st.session_state.get(KEY_FILES)
    if files and files[0] == signature:
        name = f"board-pack-{_slug(subject)}-{filters.as_at.isoformat()}"
        st.download_button(
            "Download slides (PPTX)",
            files[1],
            file_name=f"{name}.pptx",
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key="pack_pptx",
            icon=":material/download:",
        )
        st.download_button(
            "Download PDF",
            files[2],
            file_name=f"{name}.pdf",
            mime="application/pdf",
            key="pack_pdf",
            icon=":material/download:",
        )
        st.download_button(
            "Download every authority (CSV)",
            files[3],
            file_name=f"{name}-authorities.csv",
            mime="text/csv",
            key="pack_csv",
            icon=":material/download:",
            help="The pack's full table: every authority's level, since, latest judgement and sources.",
        )
