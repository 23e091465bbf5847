"""Propose facts from a tracker CSV: the Tracker page's upload for editors (``curation/bulk``).

The file is checked as soon as it is chosen (every row validated and proposed in a transaction
that is rolled back), so the editor sees the problems by row and column, or how many rows would
be filed and their plausibility warnings, before pressing the button that files them, one
proposal per row, in one transaction. The data layer checks the person's role on both; this
widget is drawn for editors only, but that is a courtesy, not the check. The file's name and
cells are outside text: every message goes through ``outcome`` (``safe_text.markdown``).
Owns the ``bulk_*`` keys.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from oversight.components.widgets import auth, cache, outcome, plausibility
from oversight.components.widgets.auth import SignedIn
from oversight.data.curation import bulk
from oversight.data.curation.roles import PROPOSE
from oversight.data.sources.limits import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, MB, size_text

KEY_OUTCOME = "bulk_outcome"
KEY_CHECK = "bulk_check"
KEY_GEN = "bulk_gen"
#: The last check: (file, name, person, data version) and what it found, so a rerun while the
#: file sits in the uploader does not check 500 rows again (2.5 s on SQLite, 4.6 s on PostgreSQL:
#: ``benchmarks/team_week``). Filing validates everything again whatever the check said.
KEY_CHECKED = "bulk_checked"


def _file_key() -> str:
    return f"bulk_file_{int(st.session_state.get(KEY_GEN, 0))}"


def _file() -> tuple[bytes, str] | None:
    chosen = st.session_state.get(_file_key())
    if chosen is None:
        return None
    return chosen.getvalue(), str(chosen.name)


def _propose() -> None:
    """The button's callback: file every row, as whoever is signed in now."""
    chosen = _file()
    actor = auth.current_actor()

    def act() -> str:
        if chosen is None:
            return "No file was chosen: nothing was filed."
        filed = bulk.propose_file(cache.engine(), actor, *chosen)
        first, last = filed.changes[0], filed.changes[-1]
        ids = f"change {first}" if first == last else f"changes {first} to {last}"
        return (
            f"Proposed {len(filed.changes)} facts from {filed.name} ({ids}): each waits for review by "
            "another person, like any proposal."
        )

    if outcome.run(KEY_OUTCOME, act):
        st.session_state[KEY_GEN] = int(st.session_state.get(KEY_GEN, 0)) + 1  # an empty uploader


def render(signed: SignedIn) -> None:
    """The upload, for editors and above; the last filing's outcome first, whoever asks."""
    outcome.show(KEY_OUTCOME)
    if signed.actor is None or not signed.may(PROPOSE):
        return
    st.markdown("#### Propose facts from a tracker CSV")
    st.caption(
        "A file in the tracker CSV format (README: “Tracker CSV format”), every row with its source link "
        f"and title; up to {MAX_UPLOAD_ROWS} rows and {size_text(MAX_UPLOAD_BYTES)}. Each row becomes a "
        "proposal that a reviewer approves or rejects; if any row has a problem, nothing is filed."
    )
    st.file_uploader(
        "Tracker CSV file", type=["csv"], key=_file_key(), max_upload_size=max(1, MAX_UPLOAD_BYTES // MB)
    )
    chosen = _file()
    if chosen is None:
        return
    found: list[bulk.Filed] = []
    actor = auth.current_actor()

    def check() -> str:
        filed = bulk.propose_file(cache.engine(), actor, *chosen, check_only=True)
        found.append(filed)
        return f"{filed.name}: {filed.rows} rows can be proposed, each for review."

    signature = (
        hashlib.sha256(chosen[0]).hexdigest(),
        chosen[1],
        actor.key if actor is not None else None,
        cache.data_version(),
    )
    kept = st.session_state.get(KEY_CHECKED)
    if kept is not None and kept[0] == signature:
        found.extend(kept[1])
    else:
        outcome.run(KEY_CHECK, check)
        st.session_state[KEY_CHECKED] = (signature, tuple(found))
    outcome.show(KEY_CHECK, keep=True)
    if not found:
        return
    if found[0].warnings:
        plausibility.warning_box(
            "Worth checking before you propose them (warnings, not refusals):", found[0].warnings
        )
    st.button(
        f"Propose these {found[0].rows} rows for review",
        type="primary",
        key="bulk_propose",
        on_click=_propose,
        icon=":material/upload_file:",
    )
