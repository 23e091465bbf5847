"""The history of the tracker on screen: proposals waiting for review (with Approve, Reject and
Withdraw), recent changes (with an admin's Revert), one fact's history, and the admin's settings.

Shared by the authority page and the Tracker page. Owns the ``review_*`` keys (each key carries
the page it is drawn on, ``where``). Who may do what is decided twice: here, to draw only the
actions the person's role allows, and in ``oversight.data.curation`` on every action, which looks
the role up again: a callback always passes the person signed in *now* (``auth.current_actor``),
so an action replayed by a session that has signed out, or never had the role, is refused there
and the refusal shown. Every value someone typed is shown through ``safe_text``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from oversight.components.figures.safe_text import markdown, markdown_cells, option, web_link
from oversight.components.figures.theme import long_date
from oversight.components.widgets import auth, cache, outcome, plausibility
from oversight.components.widgets.auth import SignedIn
from oversight.data.curation import edits, history, ledger, users
from oversight.data.curation.history import Change, HistoryEntry, SourceRef
from oversight.data.curation.roles import GRANT, PROPOSE, REVERT, REVIEW, ROLES, SETTINGS
from oversight.data.domain import vocab
from oversight.data.domain.text import FIELD_LIMITS

AUTHORITY_PAGE = "ui/authority_page.py"
#: How many recent changes the Tracker page lists.
RECENT = 50
#: A value longer than this is cut on screen (the history keeps it whole).
SHORT = 160
NOUNS = {"interventions": "intervention", "events": "event", "visits": "visit", "inspections": "inspection"}
EVENT_WORDS = {
    "dcs_change": "Change of director of children's services",
    "board": "Improvement board",
    "adviser_appointed": "Adviser appointed",
    "commissioner_appointed": "Commissioner appointed",
    "commissioner_report": "Commissioner's report",
    "action_plan": "Action plan (written statement of proposed action)",
    "partner": "Partner council or organisation",
    "trust": "Trust or company",
    "funding": "Funding",
    "other": "Other",
}
LEVEL_WORDS = {**{k: v for k, v in vocab.LEVELS.items() if k in vocab.INTERVENTION_LEVELS}}
LEVEL_WORDS[vocab.SUPPORT_AND_SUPERVISION] = "Support and supervision"
DECISIONS = {
    "approved": "Approved",
    "applied": "Applied to the tracker",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "conflict": "Not applied: the fact had changed",
}
STATES = {
    "proposed": "waiting for review",
    "approved": "approved, not yet applied",
    "applied": "in effect",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "conflict": "not applied (conflict)",
}


# Words -------------------------------------------------------------------------------------------


def short(value: Any, limit: int = SHORT) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(at: dt.datetime | None) -> str:
    """ "1 December 2026, 10:31 UTC" (the history keeps UTC)."""
    if at is None:
        return ""
    return f"{long_date(at.date())}, {at:%H:%M} UTC"


def fact_words(row: Mapping[str, Any] | None) -> str:
    """A fact (its tracker columns) in a few words: "Improvement notice from 2021-04-01, still in
    force · DfE-appointed adviser"."""
    if not row:
        return ""
    record, kind, title = row.get("record"), row.get("kind") or "", row.get("title") or ""
    if record == "intervention":
        level = row.get("level") or ""
        end = row.get("end_date")
        head = f"{LEVEL_WORDS.get(level, level)} from {row.get('date') or '?'}" + (
            f" to {end}" if end else ", still in force"
        )
    elif record == "event":
        head = f"{EVENT_WORDS.get(kind, kind)} on {row.get('date') or '?'}"
    elif record == "visit":
        head = f"{vocab.VISIT_KINDS.get(kind, kind)} on {row.get('date') or row.get('published') or '?'}"
        title = row.get("details") or ""
    else:
        head = f"Inspection ({kind}) of {row.get('date') or row.get('published') or '?'}: {row.get('grade') or ''}"
    return head + (f" · {short(title, 120)}" if title else "")


def headline(ch: Change) -> str:
    """ "New intervention", "Correction of an event", "Import", … for a change."""
    noun = NOUNS.get(ch.fact_table or "", "fact")
    article = "an" if noun[0] in "aeiou" else "a"
    return {
        "create": f"New {noun}",
        "correct": f"Correction of {article} {noun}",
        "retract": f"Retraction of {article} {noun}",
        "revert": f"Revert of change {ch.reverts_change_id} ({noun})",
        "import": "Import",
        "grant": "Role granted",
        "revoke": "Role revoked",
        "settings": "Setting changed",
    }.get(ch.action, ch.action)


#: A tracker column in the forms' words, for a change said in a sentence (never "end_date").
COLUMN_WORDS = {
    "authority_code": "authority",
    "date": "date",
    "date_precision": "how exact the date is",
    "end_date": "end date",
    "end_precision": "how exact the end date is",
    "published": "publication date",
    "grade": "overall effectiveness",
    "source_url": "source link",
    "source_title": "source title",
    "source_publisher": "publisher",
}
#: Columns a change's words leave out: the card names the authority, the source has its own line.
UNSAID = ("record", "authority_name", "source_url", "source_title", "source_publisher")


def column_words(column: str) -> str:
    return COLUMN_WORDS.get(column, column.replace("_", " "))


def change_words(
    action: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, differences
) -> str:
    """A correction or a revert in a sentence: "Restores: Improvement notice from 2021-04-01…",
    "Removes: …", "End date back to none (was 2025-03-31)" for a revert, "End date: 2025-03-31 →
    none" for a correction. Why: "authority code none → E08000003" is the ledger, not words."""
    if before is None and after:
        return ("Restores: " if action == "revert" else "") + fact_words(after)
    if after is None and before:
        return "Removes: " + fact_words(before)
    said = [d for d in differences if d.column not in UNSAID][:6]
    if action == "revert":
        parts = [
            f"{column_words(d.column)} back to {_value(d.column, d.after)} (was {_value(d.column, d.before)})"
            for d in said
        ]
    else:
        parts = [
            f"{column_words(d.column)}: {_value(d.column, d.before)} → {_value(d.column, d.after)}"
            for d in said
        ]
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] if text else "Only the source changes."


def what(ch: Change) -> str:
    """What a change did, in one line of plain text."""
    if ch.action == "create":
        return fact_words(ch.after)
    if ch.action == "retract":
        return "Removes: " + fact_words(ch.before)
    if ch.action in ("correct", "revert"):
        return change_words(ch.action, ch.before, ch.after, ch.differences)
    if ch.action == "import":
        return ch.proposed_by.removeprefix("import: ")
    return ""


def approver(ch: Change) -> str:
    for review in reversed(ch.reviews):
        if review.decision == "approved":
            return review.by_name or review.by
    return ""


def _source_text(source: SourceRef | None) -> str:
    if source is None:
        return ""
    return " · ".join(x for x in (short(source.title, 200), short(source.publisher, 80)) if x)


def source_line(source: SourceRef | None) -> None:
    """The source's title as text, and a button to open it when its link is a web address."""
    if source is None:
        st.caption("No source recorded.")
        return
    st.markdown("Source: " + markdown(_source_text(source)))
    url = web_link(source.url)
    if url:
        st.link_button(
            markdown(f"Open the source: {short(source.title, 60)}"), url, icon=":material/open_in_new:"
        )


def _value(column: str, value: str) -> str:
    """A tracker value as the forms say it: "Improvement notice" for ``improvement_notice``."""
    words = {"level": LEVEL_WORDS, "kind": {**EVENT_WORDS, **vocab.VISIT_KINDS}}.get(column, {})
    return short(words.get(value, value)) or "none"


def _differences_markdown(ch: Change) -> str:
    if ch.action == "retract":
        return "Retract: " + markdown(fact_words(ch.before))
    lines = []
    for d in ch.differences:
        if d.column in ("record", "authority_name") or d.column.startswith("source_"):
            continue
        if ch.action == "create":
            if d.column != "authority_code":  # the card names the authority
                lines.append(f"- {markdown(d.label)}: {markdown(_value(d.column, d.after))}")
        else:
            lines.append(
                f"- {markdown(d.label)}: {markdown(_value(d.column, d.before))} → "
                f"{markdown(_value(d.column, d.after))}"
            )
    return "\n".join(lines) or "No change to the fact's values."


# Proposals ---------------------------------------------------------------------------------------


def _key(where: str, change_id: int, part: str) -> str:
    return f"review_{where}_{change_id}_{part}"


def outcome_key(where: str) -> str:
    return f"review_{where}_outcome"


def _decide(decision: str, change_id: int, where: str) -> None:
    """A button's callback: the decision by whoever is signed in now (the data layer checks)."""
    comment = str(st.session_state.get(_key(where, change_id, "comment")) or "")
    actor = auth.current_actor()

    def act() -> str:
        engine = cache.engine()
        if decision == "approve":
            edits.approve(engine, actor, change_id, comment)
            return f"Approved change {change_id}: it is now in the tracker and on the public pages."
        if decision == "reject":
            edits.reject(engine, actor, change_id, comment)
            return f"Rejected change {change_id}: it stays in the history and never touches the facts."
        edits.withdraw(engine, actor, change_id, comment)
        return f"Withdrew change {change_id}: it stays in the history, withdrawn."

    outcome.run(outcome_key(where), act, {"comment": "Reason"})


def proposals(signed: SignedIn, where: str, authority_id: int | None = None) -> None:
    """Proposals waiting for review (of one authority, or all), for signed-in people only; each
    with the actions the person's role allows. Shows the last action's outcome first, whoever
    asks (a replayed action by someone signed out is refused, and says so)."""
    outcome.show(outcome_key(where))
    if signed.actor is None:
        return
    engine = cache.engine()
    waiting = history.open_proposals(engine, authority_id)
    st.markdown("#### Proposals waiting for review")
    if not waiting:
        st.caption("No proposal is waiting for review.")
        return
    st.caption(
        "Proposals are not on the public map, tables or board packs until a reviewer other than the "
        "person who proposed them approves them."
    )
    self_ok = edits.allow_self_approval(engine)
    for ch in waiting:
        _proposal(ch, signed, where, self_ok, link=authority_id is None)


def _proposal(ch: Change, signed: SignedIn, where: str, self_ok: bool, link: bool) -> None:
    assert signed.actor is not None
    mine = ch.proposed_by == signed.actor.key
    with st.container(border=True):
        st.markdown(
            f"**{markdown(headline(ch))}** · " + markdown(f"{ch.authority_name or ''} · change {ch.id}")
        )
        if link and ch.authority_code:
            st.page_link(
                AUTHORITY_PAGE,
                label=markdown(f"Open {ch.authority_name or ch.authority_code}'s page"),
                query_params={"la": ch.authority_code},
                icon=":material/account_balance:",
            )
        st.caption(
            markdown(f"Proposed by {ch.who} on {when(ch.proposed_at)} · {STATES.get(ch.state, ch.state)}")
        )
        st.markdown(_differences_markdown(ch))
        plausibility.card(ch)
        source_line(ch.source)
        if ch.comment:
            st.markdown("Note from the proposer: " + markdown(short(ch.comment, 600)))
        if signed.may(REVIEW) and (not mine or self_ok):
            with st.form(_key(where, ch.id, "form"), border=False, enter_to_submit=False):
                st.text_input(
                    f"Comment on change {ch.id} (the reason: required to reject it, optional to approve it)",
                    key=_key(where, ch.id, "comment"),
                    max_chars=FIELD_LIMITS["comment"],
                    help="The person who proposed it sees your reason in their inbox.",
                )
                left, right = st.columns(2)
                left.form_submit_button(
                    f"Approve change {ch.id}",
                    type="primary",
                    key=_key(where, ch.id, "approve"),
                    on_click=_decide,
                    args=("approve", ch.id, where),
                    icon=":material/check:",
                )
                right.form_submit_button(
                    f"Reject change {ch.id}",
                    key=_key(where, ch.id, "reject"),
                    on_click=_decide,
                    args=("reject", ch.id, where),
                    icon=":material/close:",
                )
        elif mine:
            st.caption(
                "You proposed this, so a different person with the reviewer role must approve it "
                "(the two-person rule"
                + ("; an admin may allow self-approval for this deployment)." if signed.may(REVIEW) else ").")
            )
        else:
            st.caption("A reviewer will approve or reject it.")
        if mine and signed.may(PROPOSE):
            st.button(
                f"Withdraw change {ch.id}",
                key=_key(where, ch.id, "withdraw"),
                on_click=_decide,
                args=("withdraw", ch.id, where),
                icon=":material/undo:",
            )


def own_state(ch: Change, reverted: Mapping[int | None, int]) -> str:
    """A proposal's state in words; an applied one a later revert undid says so (not "in effect")."""
    if ch.state == "applied" and ch.id in reverted:
        return f"reverted (change {reverted[ch.id]})"
    return STATES.get(ch.state, ch.state)


def reason(ch: Change) -> str:
    """The reason given with the latest decision on a proposal, as plain text (a rejection always
    has one): kept here for good, where the sidebar's inbox shows it for 30 days."""
    decided = [r for r in ch.reviews if r.decision in ("approved", "rejected", "conflict") and r.comment]
    return option(decided[-1].comment or "") if decided else ""


def own_proposals(signed: SignedIn) -> None:
    """The signed-in person's recent proposals, whatever became of them."""
    if signed.actor is None or not signed.may(PROPOSE):
        return
    engine = cache.engine()
    mine = [
        ch
        for ch in history.recent_changes(engine, 200, include_proposals=True, actions=ledger.PROPOSALS)
        if ch.proposed_by == signed.actor.key
    ][:RECENT]
    st.markdown("#### Your proposals")
    if not mine:
        st.caption(
            "You have not proposed a change yet: open an authority's page and use "
            "“Add to this authority's record”."
        )
        return
    reverted = {
        ch.reverts_change_id: ch.id
        for ch in history.recent_changes(engine, 500, actions=("revert",))
        if ch.reverts_change_id is not None
    }
    # The state next to the change, before the long words (at 1,400 px the table scrolls sideways).
    frame = pd.DataFrame(
        {
            "Change": [ch.id for ch in mine],
            "State": [own_state(ch, reverted) for ch in mine],
            "What": [headline(ch) for ch in mine],
            "Authority": [ch.authority_name or "" for ch in mine],
            "Proposed": [ch.proposed_at for ch in mine],
            "Decided by": [
                (ch.reviews[-1].by_name or ch.reviews[-1].by) if ch.reviews else "" for ch in mine
            ],
            "Reason": [reason(ch) for ch in mine],
            "Detail": [what(ch) for ch in mine],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        key="review_own",
        column_config={"Proposed": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")},
    )


# Recent changes ---------------------------------------------------------------------------------


def recent_changes(signed: SignedIn) -> None:
    """Changes in effect, newest first (public): who changed what, when, from which source; an
    admin can revert a change to a fact."""
    engine = cache.engine()
    changes = history.recent_changes(engine, RECENT, actions=(*ledger.FACT_ACTIONS, "import"))
    st.markdown("#### Recent changes")
    if not changes:
        st.caption("No change has been recorded yet.")
        return
    frame = pd.DataFrame(
        {
            "When": [ch.proposed_at for ch in changes],
            "What": [headline(ch) for ch in changes],
            "Authority": [ch.authority_name or "" for ch in changes],
            "Detail": [short(what(ch), 300) for ch in changes],
            "By": ["Import" if ch.action == "import" else ch.who for ch in changes],
            "Approved by": [approver(ch) for ch in changes],
            "Source": [_source_text(ch.source) for ch in changes],
            "Source link": [web_link(ch.source.url if ch.source else None) or "" for ch in changes],
            "Authority page": [
                f"/authority?la={ch.authority_code}" if ch.authority_code else "" for ch in changes
            ],
            "Change": [ch.id for ch in changes],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        key="review_recent",
        column_config={
            "When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
            "What": st.column_config.TextColumn(width="medium"),
            "Source link": st.column_config.LinkColumn("Source link"),
            "Authority page": st.column_config.LinkColumn("Authority page", display_text="Open"),
        },
    )
    st.caption("Times are UTC. Imports, approved proposals and reverts are listed; proposals are not.")
    links = {ch.authority_code: ch.authority_name for ch in changes if ch.authority_code}
    if links:
        _authority_links(links)
    if signed.may(REVERT):
        _revert_form([ch for ch in changes if ch.action in ledger.FACT_ACTIONS and ch.fact_id is not None])
    else:
        outcome.show(KEY_REVERT_OUTCOME)  # a revert sent just before signing out: refused, and said


def _authority_links(links: dict[str, str | None]) -> None:
    """Each changed authority's page, as links in the page (the table's links open a new tab)."""
    with st.expander("Open the page of an authority changed recently"):
        for code, name in sorted(links.items(), key=lambda kv: kv[1] or kv[0]):
            st.page_link(
                AUTHORITY_PAGE,
                label=markdown(name or code),
                query_params={"la": code},
                icon=":material/account_balance:",
            )


KEY_REVERT_OUTCOME = "review_revert_outcome"


def _revert(choice_key: str, comment_key: str) -> None:
    change_id = st.session_state.get(choice_key)
    comment = str(st.session_state.get(comment_key) or "")
    actor = auth.current_actor()

    def act() -> str:
        if change_id is None:
            raise edits.EditRefused(["Choose the change to revert."])
        new = edits.revert(cache.engine(), actor, int(change_id), comment)
        return f"Reverted change {change_id} as change {new}: the fact is as it was before it."

    outcome.run(KEY_REVERT_OUTCOME, act, {"comment": "Why"})


def revert_option(ch: Change) -> str:
    """A change in the revert box: plain text (a select box's options are not Markdown, so
    ``markdown`` would show its backslashes), on one line, cut."""
    return option(short(f"Change {ch.id}: {headline(ch)}, {ch.authority_name or ''}: {what(ch)}", 140))


def _revert_form(changes: list[Change]) -> None:
    st.markdown("#### Revert a change (admins)")
    outcome.show(KEY_REVERT_OUTCOME)
    if not changes:
        st.caption("No change to a fact to revert.")
        return
    by_id = {ch.id: ch for ch in changes}
    with st.form("review_revert_form", enter_to_submit=False):
        st.selectbox(
            "Change to revert",
            options=list(by_id),
            format_func=lambda i: revert_option(by_id[i]),
            key="review_revert_choice",
            index=None,
            placeholder="Choose a change…",
        )
        st.text_input("Why (required)", key="review_revert_comment", max_chars=FIELD_LIMITS["comment"])
        st.form_submit_button(
            "Revert change",
            key="review_revert_submit",
            on_click=_revert,
            args=("review_revert_choice", "review_revert_comment"),
            icon=":material/history:",
        )
    st.caption(
        "A revert is a new change, applied at once: the fact goes back to how it was before that change."
    )


# One fact's history ----------------------------------------------------------------------------


def _entry_event(e: HistoryEntry) -> str:
    if e.kind == "import":
        return f"Imported from {e.by.removeprefix('import: ')}" + (
            f" (import run {e.import_run_id})" if e.import_run_id else ""
        )
    if e.kind == "change":
        verb = {
            "create": "Proposed by {who} (a new fact)",
            "correct": "Correction proposed by {who}",
            "retract": "Retraction proposed by {who}",
            "revert": "Reverted by {who} (applied at once)",
        }.get(e.action, e.action + " by {who}")
        return verb.format(who=e.who) + (f", change {e.change_id}" if e.change_id else "")
    decision = DECISIONS.get(e.action, e.action)
    if e.action == "applied":
        return decision
    return f"{decision} by {e.who}"


def _entry_change(e: HistoryEntry) -> str:
    if e.kind == "import" and isinstance(e.after, Mapping):
        counts = ", ".join(f"{k} {v}" for k, v in e.after.items() if isinstance(v, int))
        return counts
    if e.kind != "change":
        return ""
    if e.action == "create":
        return fact_words(e.after)
    return change_words(e.action, e.before, e.after, e.differences)


def fact_history(fact_table: str, fact_id: int) -> None:
    """One fact's history as a table: the import run that wrote it, every change (proposed by,
    when, before → after, source) and every decision (approved by, when, comment)."""
    entries = history.fact_history(cache.engine(), fact_table, fact_id)
    if not entries:
        st.caption(
            "No history is recorded for this fact (it came with the built-in tracker or an import "
            "made before the history began)."
        )
        return
    frame = pd.DataFrame(
        {
            "When": [when(e.at) for e in entries],
            "What happened": [_entry_event(e) for e in entries],
            "Before → after": [short(_entry_change(e), 400) for e in entries],
            "Source": [_source_text(e.source) for e in entries],
            "Comment": [short(e.comment, 300) for e in entries],
        }
    )
    st.table(markdown_cells(frame))
    for e in entries:
        url = web_link(e.source.url if e.source else None)
        if e.kind == "change" and url:
            st.link_button(
                markdown(f"Open the source of change {e.change_id}"), url, icon=":material/open_in_new:"
            )


# Admin --------------------------------------------------------------------------------------------

KEY_SETTINGS_OUTCOME = "review_settings_outcome"
KEY_SELF_APPROVAL = "review_self_approval"
KEY_ROLES_OUTCOME = "review_roles_outcome"


def _self_approval_changed() -> None:
    on = bool(st.session_state.get(KEY_SELF_APPROVAL))
    actor = auth.current_actor()

    def act() -> str:
        edits.set_allow_self_approval(cache.engine(), actor, on)
        return "Self-approval is now " + (
            "allowed: a reviewer may approve their own proposals."
            if on
            else "off: every proposal needs a second person."
        )

    outcome.run(KEY_SETTINGS_OUTCOME, act)


def admin_settings(signed: SignedIn) -> None:
    """The deployment's self-approval setting (admins only). A refusal is shown to whoever the
    session is now (an action sent just before signing out is refused, and said so)."""
    if not signed.may(SETTINGS):
        outcome.show(KEY_SETTINGS_OUTCOME)
        return
    st.markdown("#### Settings (admins)")
    outcome.show(KEY_SETTINGS_OUTCOME)
    st.session_state[KEY_SELF_APPROVAL] = edits.allow_self_approval(cache.engine())
    st.toggle(
        "Allow self-approval",
        key=KEY_SELF_APPROVAL,
        on_change=_self_approval_changed,
        help="Off (the default): a different reviewer must approve every proposal (the two-person rule). "
        "On: a reviewer may approve their own. Every change of this setting is in the history.",
    )


def _grant(email_key: str, role_key: str) -> None:
    email = str(st.session_state.get(email_key) or "")
    role = st.session_state.get(role_key)
    actor = auth.current_actor()

    def act() -> str:
        engine = cache.engine()
        if role == "":
            users.revoke(engine, actor, email)
            return f"{users.normalise_email(email)} has no role now."
        users.grant(engine, actor, email, str(role))
        return f"{users.normalise_email(email)} is now {'a' if role == 'reviewer' else 'an'} {role}."

    outcome.run(KEY_ROLES_OUTCOME, act)


def people_and_roles(signed: SignedIn) -> None:
    """Who has which role, and granting or taking a role away (admins only; a refusal is shown
    to whoever the session is now)."""
    if not signed.may(GRANT):
        outcome.show(KEY_ROLES_OUTCOME)
        return
    st.markdown("#### People and roles (admins)")
    outcome.show(KEY_ROLES_OUTCOME)
    people = users.list_users(cache.engine())
    frame = pd.DataFrame(
        {
            "Email": [u.email for u in people],
            "Name": [u.name or "" for u in people],
            "Role": [u.role or "no role" for u in people],
            "Signed in": ["yes" if u.bound else "not yet" for u in people],
            "Granted by": [
                "OVERSIGHT_ADMINS setting" if u.from_setting else (u.granted_by or "") for u in people
            ],
            "When": [u.granted_at for u in people],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        key="review_people",
        column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")},
    )
    with st.form("review_roles_form", enter_to_submit=False):
        st.text_input("Email they sign in with", key="review_roles_email", max_chars=FIELD_LIMITS["email"])
        st.selectbox(
            "Role",
            options=[*ROLES, ""],
            format_func=lambda r: r or "No role (take their role away)",
            key="review_roles_role",
        )
        st.form_submit_button(
            "Save role",
            key="review_roles_submit",
            on_click=_grant,
            args=("review_roles_email", "review_roles_role"),
            icon=":material/badge:",
        )
    st.caption(
        "Editors record and correct facts; reviewers also approve or reject other people's proposals; "
        "admins also grant roles, allow self-approval and revert changes. A role granted to an email "
        "belongs to the first person who signs in with it, with an address their sign-in provider has "
        "verified; taking the role away frees the address for whoever signs in with it next."
    )


def proof() -> None:
    """The history chain's head and its date (public): what a board notes in its minutes, so that
    the record it discussed can be proven unchanged later (``store/chain``)."""
    head = history.chain_head(cache.engine())
    st.markdown("#### Proof of the record")
    if head.at is None:
        st.caption("Nothing has been recorded yet.")
        return
    st.markdown(
        f"Every change and decision above is chained to the one before it by a hash, so a change made "
        f"behind the app's back no longer fits. The record has **{head.entries:,} entries**; the newest "
        f"was written on **{long_date(head.at.date())} at {head.at:%H:%M} UTC**, and its hash is:"
    )
    st.code(head.hash, language=None)
    st.caption(
        "Note this hash and its date in the minutes of the meeting that relied on this record: "
        "whoever runs this service can then prove that the record up to that entry has not changed."
    )
