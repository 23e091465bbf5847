"""A session that moved to another server says so, in words, once: unsaved input may be lost.

Why: behind the proxy (``deploy/``, several ``streamlit run`` processes) a process that dies takes
its sessions with it. The browser's Streamlit reconnects its websocket by itself, the proxy sends
it to a process that is alive, and the page comes back as the URL holds it (page and query
parameters); what was saved is in the database. What only lived in the dead process (a form's
typed values not yet filed, a file chosen for upload) is gone, and without a word the visitor
would find out only when the form is empty or the filing fails.

How we know, without a script in the browser: Streamlit's frontend reconnects with the id of
the session it had, as the third entry of the websocket's ``Sec-WebSocket-Protocol`` header
(``streamlit, <xsrf token>, <previous session id>``; ``starlette_websocket._parse_subprotocols``
in Streamlit 1.67), so a process that still knows that session resumes it. A process that does
not know it starts a new session: the header (``st.context.headers``, the websocket request's
headers) then names a session id other than this session's own. A first visit and a reload send
no previous id (the frontend keeps it in memory only), and a resumed session keeps its id, so
neither shows the note. The same happens when one process forgot a session that was away longer
than ``server.disconnectedSessionTTL``; the note's words are true then too (the page started
again, unsaved input may be gone).

Why the empty fragment: after a reconnect, Streamlit's frontend asks for a run only if a run was
under way or the page has a fragment that reruns on a timer (``autoRerunIntervals`` in its
``handleConnectionStateChanged``); otherwise it keeps showing the old page over a session that
never ran, and the note would wait for the visitor's next click. An empty fragment with
``run_every`` (hourly: one rerun of nothing an hour) makes the frontend rerun the page on the new
process at once, with the URL's page and query parameters and its widgets' values.

The router calls ``render`` on every run; the header is read on the session's first run only and
the answer kept in the session. The note is fixed text (nothing from outside is shown) and stays
atop the page until the visitor closes it.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

#: The note's words: what happened, what may be lost, what is safe.
NOTE = (
    "The connection moved to another server, and this page started again there. Anything typed "
    "but not yet saved (a form half filled in, a file chosen for upload) may have been lost: "
    "check a form before saving it. Everything saved is kept."
)
CLOSE = "Close this note"
KEY_MOVED = "reconnect_moved"
KEY_CLOSE = "reconnect_close"
PROTOCOL_HEADER = "Sec-WebSocket-Protocol"
#: The empty fragment's timer: its only purpose is that a reconnect reruns the page (docstring).
RERUN_EVERY_SECONDS = 3600


def previous_session(protocol: str | None) -> str | None:
    """The session id a reconnecting frontend names (the header's third entry), if any."""
    entries = [entry.strip() for entry in (protocol or "").split(",")]
    return entries[2] or None if len(entries) >= 3 else None


def moved(protocol: str | None, session_id: str | None) -> bool:
    """Whether a session is new on this process though its browser had another: it moved."""
    before = previous_session(protocol)
    return before is not None and session_id is not None and before != session_id


def _this_session_moved() -> bool:
    ctx = get_script_run_ctx()
    return moved(st.context.headers.get(PROTOCOL_HEADER), ctx.session_id if ctx else None)


def _close() -> None:
    st.session_state[KEY_MOVED] = False


@st.fragment(run_every=RERUN_EVERY_SECONDS)
def _rerun_on_reconnect() -> None:
    """Nothing: a timed fragment makes the frontend rerun the page when it reconnects."""


def render() -> None:
    """The note atop the page, for a session that moved, until closed (module docstring)."""
    _rerun_on_reconnect()
    if KEY_MOVED not in st.session_state:
        st.session_state[KEY_MOVED] = _this_session_moved()
    if not st.session_state[KEY_MOVED]:
        return
    with st.container(key="reconnect_note"):
        st.warning(NOTE, icon=":material/sync_problem:")
        st.button(CLOSE, key=KEY_CLOSE, on_click=_close)
