"""Every role against every action, on SQLite and PostgreSQL: what is allowed works, what is not
raises ``PermissionDenied`` and writes nothing at all (the whole database compared before and
after). The role is always looked up in the database: an ``Actor`` carries only who they are."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from oversight.data.curation import edits, export, users
from oversight.data.curation.roles import (
    ACTIONS,
    ADMIN,
    EDITOR,
    OPERATOR,
    REVIEWER,
    Actor,
    PermissionDenied,
    allowed,
)
from oversight.data.curation.users import role_of
from tests import curation_support as cs
from tests.conftest import dump

ANONYMOUS = None
#: Who tries: not signed in, signed in with no role, and one person per role.
TRYING: dict[str, Actor | None] = {
    "anonymous": ANONYMOUS,
    "no role": cs.NO_ROLE,
    "editor": cs.EDITOR,
    "reviewer": cs.REVIEWER,
    "admin": cs.ADMIN,
}
#: Who may do each action (withdraw: only one's own proposal, and an editor or above).
MAY: dict[str, set[str]] = {
    "propose": {"editor", "reviewer", "admin"},
    "correct": {"editor", "reviewer", "admin"},
    "retract": {"editor", "reviewer", "admin"},
    "withdraw own": {"editor", "reviewer", "admin"},
    "withdraw another's": set(),
    "approve": {"reviewer", "admin"},
    "reject": {"reviewer", "admin"},
    "revert": {"admin"},
    "grant": {"admin"},
    "revoke": {"admin"},
    "set self-approval": {"admin"},
    "export": {"anonymous", "no role", "editor", "reviewer", "admin"},
}


def test_the_rules_of_the_roles():
    assert [a for a in ACTIONS if allowed(EDITOR, a)] == ["propose"]
    assert [a for a in ACTIONS if allowed(REVIEWER, a)] == ["propose", "review"]
    assert [a for a in ACTIONS if allowed(ADMIN, a)] == list(ACTIONS)
    assert not any(allowed(None, a) for a in ACTIONS)
    assert not any(allowed("superuser", a) for a in ACTIONS)
    with pytest.raises(ValueError):
        allowed(ADMIN, "delete everything")


class _Targets:
    """A fresh thing to act on for each attempt, so every attempt meets the same situation."""

    def __init__(self, engine):
        self.engine = engine
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def proposal(self, by: Actor = cs.EDITOR2) -> int:
        return edits.propose(self.engine, by, cs.event_row(f"Board meeting {self._next()}"))

    def fact(self) -> tuple[int, int]:
        """A seed intervention nobody has touched yet: (id, version)."""
        row = cs.seed_fact(self.engine, "interventions", self._next())
        return row["id"], row["version"]

    def applied_change(self) -> int:
        change = self.proposal()
        cs.approved(self.engine, change, cs.REVIEWER2)
        return change


def _attempts(t: _Targets, actor: Actor | None) -> dict[str, Callable[[], object]]:
    e = t.engine

    def correct():
        fid, version = t.fact()
        return edits.propose_correction(
            e, actor, "interventions", fid, cs.citation(details="corrected"), version
        )

    def retract():
        fid, version = t.fact()
        return edits.propose_retraction(
            e, actor, "interventions", fid, version, "recorded twice", "https://www.example.org/x", "Why"
        )

    def withdraw_own():
        if actor is None or actor is cs.NO_ROLE:
            # Nobody without a role has a proposal of their own: they try someone else's.
            return edits.withdraw(e, actor, t.proposal())
        return edits.withdraw(e, actor, t.proposal(by=actor))

    # For grant and revoke, None is the command line's operator (``oversight users``): the app
    # passes a visitor who has not signed in as no one at all, an Actor without an email.
    visitor = actor if actor is not None else Actor("")
    return {
        "propose": lambda: edits.propose(e, actor, cs.event_row(f"Proposed {t._next()}")),
        "correct": correct,
        "retract": retract,
        "withdraw own": withdraw_own,
        "withdraw another's": lambda: edits.withdraw(e, actor, t.proposal()),
        "approve": lambda: edits.approve(e, actor, t.proposal()),
        "reject": lambda: edits.reject(e, actor, t.proposal(), "no source"),
        "revert": lambda: edits.revert(e, actor, t.applied_change(), "wrong authority"),
        "grant": lambda: users.grant(e, visitor, f"new{t._next()}@example.org", "editor"),
        "revoke": lambda: users.revoke(e, visitor, cs.EDITOR2.email),
        "set self-approval": lambda: edits.set_allow_self_approval(e, actor, True),
        "export": lambda: export.export_tracker_csv(e),
    }


def test_every_role_against_every_action(fresh_engine):
    cs.grant_everyone(fresh_engine)
    targets = _Targets(fresh_engine)
    outcomes: dict[tuple[str, str], str] = {}
    for who, actor in TRYING.items():
        for action, attempt in _attempts(targets, actor).items():
            expected = who in MAY[action]
            if expected:
                attempt()
                outcomes[(who, action)] = "done"
                if action == "revoke":  # put it back for the next person
                    users.grant(fresh_engine, OPERATOR, cs.EDITOR2.email, "editor")
                if action == "set self-approval":
                    edits.set_allow_self_approval(fresh_engine, cs.ADMIN, False)
                continue
            outcomes[(who, action)] = _denied(fresh_engine, attempt)
    wrong = {k: v for k, v in outcomes.items() if v not in ("done", "denied, nothing written")}
    assert not wrong, wrong
    assert len(outcomes) == len(TRYING) * len(MAY)


def _denied(engine, attempt: Callable[[], object]) -> str:
    """Run ``attempt``, which makes its own target first: the target is written, then the
    refused action must add nothing to it."""
    snapshots: list[dict] = []
    original = edits.write_transaction

    def watching(eng):
        snapshots.append(dump(eng))
        return original(eng)

    edits.write_transaction = watching  # type: ignore[assignment]
    users.write_transaction = watching  # type: ignore[assignment]
    try:
        try:
            attempt()
        except PermissionDenied as exc:
            message = str(exc)
            assert "\n" not in message and message.endswith("."), message
            return "denied, nothing written" if dump(engine) == snapshots[-1] else "denied, but wrote"
        return "allowed"
    finally:
        edits.write_transaction = original  # type: ignore[assignment]
        users.write_transaction = original  # type: ignore[assignment]


def test_roles_are_read_from_the_database_with_ascii_case_folding(fresh_engine, monkeypatch):
    cs.grant_everyone(fresh_engine)
    assert role_of(fresh_engine, cs.person("EDITOR@example.ORG ", subject="editor")) == "editor"
    assert role_of(fresh_engine, cs.person("someone@example.org")) is None
    assert role_of(fresh_engine, Actor("")) is None and role_of(fresh_engine, None) is None
    assert role_of(fresh_engine, Actor(cs.EDITOR.email)) is None  # no identity: no role
    monkeypatch.setenv("OVERSIGHT_ADMINS", " First.Admin@Example.org ,other@example.org")
    first = cs.person("FIRST.admin@example.org", subject="first")
    assert role_of(fresh_engine, first) == "admin"  # before any grant
    edits.set_allow_self_approval(fresh_engine, first, True)
    assert edits.allow_self_approval(fresh_engine)
    users.grant(fresh_engine, first, "new.reviewer@example.org", "reviewer")
    assert role_of(fresh_engine, cs.person("new.reviewer@example.org")) == "reviewer"
    with pytest.raises(users.UserRefused, match="OVERSIGHT_ADMINS"):
        users.revoke(fresh_engine, cs.ADMIN, "other@example.org")
    listed = {u.email: u for u in users.list_users(fresh_engine)}
    assert listed["other@example.org"].from_setting and listed["other@example.org"].role == "admin"
    assert listed["editor@example.org"].name == "Eddie Editor"
    # A revoked person keeps their history but may do nothing more.
    users.revoke(fresh_engine, cs.ADMIN, cs.EDITOR.email)
    assert role_of(fresh_engine, cs.EDITOR) is None
    with pytest.raises(PermissionDenied, match="has no role"):
        edits.propose(fresh_engine, cs.EDITOR, cs.event_row())


def test_a_refused_grant_is_one_sentence_and_writes_nothing(fresh_engine):
    before = dump(fresh_engine)
    for email, role in (("not an email", "editor"), ("a@b.org", "owner"), ("x" * 400 + "@b.org", "editor")):
        with pytest.raises(users.UserRefused) as info:
            users.grant(fresh_engine, OPERATOR, email, role)
        assert "\n" not in str(info.value) and len(str(info.value)) < 200
    with pytest.raises(users.UserRefused, match="no role to revoke"):
        users.revoke(fresh_engine, OPERATOR, "nobody@example.org")
    assert dump(fresh_engine) == before
