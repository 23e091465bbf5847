"""Plausibility warnings on screen (``curation/checks``): before the editor files, on the card.

A warning never refuses. In the record form (``hold``, called from the form's callback) the
first press of Propose on a fact with warnings files nothing: the warnings appear above the
button (``show``), and pressing it again with the same values files it as it is; changing a
value checks again. On a proposal's card (``card``) the reviewer sees the same warnings,
worked out afresh from the record as it is now. Warnings quote the council's name, so they are
shown through ``safe_text.markdown``. Owns the ``plausibility_*`` keys.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import streamlit as st

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import cache
from oversight.data.curation import checks, history
from oversight.data.curation.history import Change
from oversight.data.store.transactions import waiting

_log = logging.getLogger("oversight.app")
#: A warning is a courtesy: it waits this long at most for another writer's lock, then says
#: nothing and lets the save (or the page) say that the database is busy.
WAIT_S = 1.0
AGAIN = "Nothing is filed yet. Correct the values, or press the button again to propose it as it is."


def _key(form: str) -> str:
    return f"plausibility_{form}"


def _texts(row: Mapping[str, str], fact: tuple[str, int] | None) -> tuple[str, ...]:
    """The row's warnings; a correction's row is laid over the fact as it stands. None found if
    the record cannot be read now (the save that follows says why)."""
    try:
        with waiting(WAIT_S):
            engine = cache.engine()
            full = dict(row)
            if fact is not None:
                current = history.current_fact(engine, *fact)
                if current is None:
                    return ()
                full = {**{k: str(v or "") for k, v in current.row.items()}, **row}
            table, fact_id = fact if fact is not None else (None, None)
            found = checks.row_warnings(engine, full, fact_table=table, fact_id=fact_id)
        return tuple(w.text for w in found)
    except Exception:  # noqa: BLE001 - a warning is a courtesy: never stop the save for one
        _log.exception("oversight: plausibility warnings could not be worked out")
        return ()


def hold(form: str, row: Mapping[str, str], fact: tuple[str, int] | None = None) -> bool:
    """In a form's callback, before it files: True (file nothing now) when the row has warnings
    the editor has not yet been shown for these very values; ``show`` then shows them. ``fact``:
    (table, id) of the fact a correction changes."""
    key = _key(form)
    texts = _texts(row, fact)
    seen = repr(sorted(row.items()))
    if not texts or st.session_state.get(f"{key}_seen") == seen:
        st.session_state.pop(key, None)
        st.session_state.pop(f"{key}_seen", None)
        return False
    st.session_state[key] = texts
    st.session_state[f"{key}_seen"] = seen
    return True


def show(form: str) -> None:
    """The warnings ``hold`` kept for this form, above its button, until the values change or the
    fact is filed."""
    texts = st.session_state.get(_key(form))
    if texts:
        warning_box("Check before proposing:", texts, AGAIN)


def warning_box(heading: str, texts: tuple[str, ...], after: str = "") -> None:
    items = "\n".join(f"- {markdown(t)}" for t in texts)
    st.warning(f"{heading}\n\n{items}" + (f"\n\n{after}" if after else ""), icon=":material/warning:")


@st.cache_data(show_spinner=False, max_entries=512)
def _card_texts(
    key: tuple, change_id: int, today: dt.date, row: tuple, table: str | None, fact_id: int | None
) -> tuple[str, ...]:
    """A proposal's warnings, per data version (a newly imported judgement may answer one) and
    per day ("in the future" changes with it); ``key`` and ``change_id`` only key the cache. A
    failure raises, so that it is not kept."""
    with waiting(WAIT_S):
        found = checks.row_warnings(cache.engine(), dict(row), fact_table=table, fact_id=fact_id, today=today)
    return tuple(w.text for w in found)


def card(ch: Change) -> None:
    """On a proposal's card: its warnings, if it records or corrects a fact (none, and a line in
    the server's log, if the record cannot be read just now)."""
    if ch.action not in ("create", "correct") or not ch.after:
        return
    row = tuple(sorted((k, "" if v is None else str(v)) for k, v in ch.after.items()))
    try:
        texts = _card_texts(cache.cache_key(), ch.id, dt.date.today(), row, ch.fact_table, ch.fact_id)
    except Exception:  # noqa: BLE001 - see _texts
        _log.exception("oversight: plausibility warnings could not be worked out")
        return
    if texts:
        warning_box("Worth checking before you decide (a warning, not a refusal):", texts)
