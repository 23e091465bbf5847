"""What became of an action (a proposal, an approval, a grant): run in a widget's callback, shown
by the page on the run that follows, once.

Every action re-checks the person's role on the server (``oversight.data.curation``), so a
refusal is an ordinary outcome: ``PermissionDenied``, ``EditRefused`` (each problem naming its
field; ``Conflict`` naming the other change) and ``UserRefused`` become one clear message, a
database that cannot be used now becomes its plain-words reason, and anything else is logged on
the server and said in one sentence. An action waits a few seconds at most for another writer
(``store.transactions.interactive``: an import may hold the lock for a minute), then says that
nothing was saved and to try again. No traceback reaches the page, and every message is shown
through ``safe_text.markdown`` (it may quote what someone typed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import streamlit as st

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import cache
from oversight.data.curation import history
from oversight.data.curation.edits import Conflict, EditRefused
from oversight.data.curation.roles import PermissionDenied
from oversight.data.curation.users import UserRefused
from oversight.data.store.errors import LOCKED
from oversight.data.store.transactions import interactive

_log = logging.getLogger("oversight.app")
#: A problem longer than this is cut (a refusal may quote a 10,000-character value).
LONGEST = 600
#: What a save that found another writer holding the database says (after a few seconds).
BUSY = "Nothing was saved: the tracker database is busy with another change; try again in a moment."


@dataclass(frozen=True)
class Outcome:
    """``ok``: done; ``lines``: the message (one sentence, or one per problem); ``place``: the
    form it belongs to (shown beside that form's button only); ``other_change``: for a refusal
    because someone else changed the fact first, their change (None: not a conflict, or an
    import's); ``conflict``: it was such a refusal."""

    ok: bool
    lines: tuple[str, ...]
    heading: str = ""
    place: str = ""
    conflict: bool = False
    other_change: int | None = None
    serial: int = 0  # which action it was: the page scrolls to a new outcome once (``show``)


#: A column a problem names, in words, when the form gives it no label.
COLUMN_WORDS = {"source_url": "Source link", "source_title": "Source title", "source_publisher": "Publisher"}


def _cut(text: str) -> str:
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def _labelled(problems: list[str], labels: Mapping[str, str]) -> list[str]:
    """ "date: not a date" as "Start date: not a date": the form's label, never the column's
    internal name ("source_url")."""
    out = []
    for problem in problems:
        column, sep, message = problem.partition(": ")
        words = labels.get(column) or COLUMN_WORDS.get(column)
        if sep and words is None and column.isidentifier() and column.islower():
            words = column.replace("_", " ").capitalize()
        out.append(f"{words}: {message}" if sep and words else problem)
    return out


def _other(exc: Conflict) -> tuple[str, ...]:
    """The other change in full (who, when, what it set), when it is one."""
    if exc.other_change_id is None:
        return ()
    try:
        other = history.change(cache.engine(), exc.other_change_id)
    except Exception:  # noqa: BLE001 - the refusal itself has been said; this only adds to it
        return ()
    if other is None:
        return ()
    what = "; ".join(str(d) for d in other.differences[:6]) or other.action
    return (
        f"The other change ({other.id}, {other.action}) by {other.who} at "
        f"{other.proposed_at:%Y-%m-%d %H:%M} UTC, {other.state}: {what}",
    )


def run(
    key: str, action: Callable[[], str], labels: Mapping[str, str] | None = None, place: str = ""
) -> bool:
    """Run ``action`` (which returns the sentence to show when it is done) and keep its outcome
    under ``key`` for ``show`` (``place``: the form it belongs to; ``kept`` reads it back). True
    when it was done."""
    try:
        with interactive():
            done = action()
    except Conflict as exc:
        outcome = Outcome(
            False,
            (str(exc), *_other(exc)),
            "Not saved: someone else changed it first.",
            conflict=True,
            other_change=exc.other_change_id,
        )
    except EditRefused as exc:
        lines = _labelled(exc.problems, labels or {})
        outcome = Outcome(False, tuple(lines), "Not saved:" if len(lines) > 1 else "")
    except (PermissionDenied, UserRefused) as exc:
        outcome = Outcome(False, (str(exc),))
    except Exception as exc:  # noqa: BLE001 - a refusal of any kind is a message, never a traceback
        problem = cache.database_problem(exc)
        if problem is not None and problem.kind == LOCKED:
            outcome = Outcome(False, (BUSY,))
        elif problem is not None:
            outcome = Outcome(
                False, (f"Nothing was saved: the tracker database is not available ({problem.reason}).",)
            )
        else:
            _log.exception("oversight: an action failed")
            outcome = Outcome(
                False, ("Nothing was saved: the app met an error, which is logged on the server.",)
            )
    else:
        outcome = Outcome(True, (done,))
    outcome = replace(outcome, place=place, serial=time.time_ns())
    st.session_state[key] = outcome
    return outcome.ok


def kept(key: str) -> Outcome | None:
    """The outcome kept under ``key``, not shown (e.g. to keep a conflict's typed values)."""
    outcome = st.session_state.get(key)
    return outcome if isinstance(outcome, Outcome) else None


def refuse(key: str, problems: list[str], labels: Mapping[str, str] | None = None, place: str = "") -> None:
    """Keep a refusal found before the action ran (the form itself is incomplete)."""
    lines = _labelled(problems, labels or {})
    st.session_state[key] = Outcome(
        False, tuple(lines), "Not saved:" if len(lines) > 1 else "", place, serial=time.time_ns()
    )


def add_line(key: str, line: str) -> None:
    """Add a sentence to the kept outcome (what was saved, in words)."""
    outcome = st.session_state.get(key)
    if isinstance(outcome, Outcome):
        st.session_state[key] = replace(outcome, lines=(*outcome.lines, line))


#: Brings a new outcome into view once: a success adds a card above the form (the proposal), so
#: the page grows above where the person looks and the message beside the button would be below
#: the screen. Runs once per outcome (its serial), never again on the runs that keep it shown.
SCROLL_JS = """
export default function (component) {
  const { data, parentElement } = component;
  window.oversightShown = window.oversightShown || new Set();
  if (window.oversightShown.has(data)) return;
  window.oversightShown.add(data);
  const here = parentElement.host || parentElement;  // the component's shadow root: its host
  setTimeout(() => here.scrollIntoView({ block: 'center' }), 300);
}
"""


@st.cache_resource(show_spinner=False)
def _scroll_component():
    """Registered once per process: a line of script, nothing drawn."""
    return st.components.v2.component("oversight_outcome_in_view", js=SCROLL_JS)


def show(key: str, place: str | None = None, keep: bool = False) -> Outcome | None:
    """Show the outcome kept under ``key`` and return it; nothing if there is none. ``place``:
    only an outcome of that form (beside its button), brought into view once; ``keep``: it
    stays for the runs that follow (until the form's next action replaces it), else it is
    shown once."""
    outcome = st.session_state.get(key)
    if not isinstance(outcome, Outcome) or (place is not None and outcome.place != place):
        return None
    if not keep:
        st.session_state.pop(key, None)
    if outcome.ok or (len(outcome.lines) == 1 and not outcome.heading):
        body = "\n\n".join(markdown(_cut(line)) for line in outcome.lines)  # done, then what was saved
    else:
        items = "\n".join(f"- {markdown(_cut(line))}" for line in outcome.lines)
        body = (markdown(outcome.heading) + "\n\n" if outcome.heading else "") + items
    if outcome.ok:
        st.success(body, icon=":material/check_circle:")
    else:
        st.error(body, icon=":material/block:")
    if place is not None:
        _scroll_component()(data=f"{key}:{outcome.serial}", key=f"{key}_in_view")
    return outcome
