"""Identities that cannot be borrowed (issue 19): a role belongs to the person the provider
identifies (issuer + subject), bound when the invited email first signs in with a verified
address; emails compare exactly after ASCII case folding; names in the history are the ones
recorded then. Data layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oversight.data.curation import edits, history, users
from oversight.data.curation.roles import (
    OPERATOR,
    Actor,
    IdentityRefused,
    PermissionDenied,
    email_key,
    from_claims,
)
from oversight.data.store import schema as s
from tests import curation_support as cs


def claims(email: str, sub: str = "s1", verified: object = True, **more: object) -> dict:
    out = {"iss": cs.ISSUER, "sub": sub, "email": email, "name": "Someone", **more}
    if verified is not None:
        out["email_verified"] = verified
    return out


@pytest.mark.parametrize(
    "email",
    [
        "\u212aate@example.org",  # KELVIN SIGN lower-cases onto "k"
        "kate@example.org\u00a0",  # a trailing no-break space
        "ka\u200bte@example.org",  # a zero-width space
        "kate@exa\u202emple.org",  # a right-to-left override
        "ｋate@example.org",  # a fullwidth k (NFKC)
        "Kaﬅe@example.org",  # a ligature (NFKC)
        "KATE@EXAMPLE.ORG\x00",
        "kate",
        "",
    ],
)
def test_an_address_that_could_pass_for_another_is_refused(email):
    with pytest.raises(IdentityRefused):
        email_key(email)
    with pytest.raises(IdentityRefused):
        from_claims(claims(email))


def test_ascii_folding_and_ascii_trimming_only():
    assert email_key("  Kate@Example.ORG\t") == "kate@example.org"
    assert email_key("jöhn@example.org") == "jöhn@example.org"  # not folded, not refused
    with pytest.raises(IdentityRefused):
        email_key("JÖHN@example.org")  # Ö would fold to ö: it could pass for jöhn@


def test_an_unverified_email_is_nobody_unless_its_domain_is_named():
    for verified in (False, None, "false", 0):
        with pytest.raises(IdentityRefused, match="not verified"):
            from_claims(claims("reviewer@example.org", verified=verified))
    assert from_claims(claims("reviewer@example.org", verified="true")).key == "reviewer@example.org"
    entra = claims("reviewer@council.gov.uk", verified=None)  # Entra ID sends no such claim
    assert from_claims(entra, frozenset({"council.gov.uk"})).key == "reviewer@council.gov.uk"
    with pytest.raises(IdentityRefused, match="not verified"):
        from_claims(entra, frozenset({"other.gov.uk"}))
    with pytest.raises(IdentityRefused, match="no issuer or subject"):
        from_claims({"email": "a@example.org", "email_verified": True})
    actor = from_claims(claims("A@Example.org", name="Ann\u202e Example\x1b[31m"))
    assert actor == Actor("a@example.org", "Ann Example[31m", cs.ISSUER, "s1")


def test_the_role_belongs_to_the_first_identity_that_signs_in(fresh_engine):
    cs.grant_everyone(fresh_engine)
    owner = cs.person("reviewer@example.org", "Bob Reviewer", subject="bob")
    stranger = cs.person("reviewer@example.org", "Mallory", subject="mallory")
    assert users.sign_in(fresh_engine, owner) == "reviewer"
    assert users.role_of(fresh_engine, stranger) is None
    with pytest.raises(IdentityRefused, match="belongs to another sign-in"):
        users.sign_in(fresh_engine, stranger)
    change = edits.propose(fresh_engine, cs.EDITOR, cs.event_row())
    with pytest.raises(PermissionDenied, match="has no role"):
        edits.approve(fresh_engine, stranger, change)
    # The owner's provider changes their address: the role is still theirs.
    moved = cs.person("bob.reviewer@example.org", "Bob Reviewer", subject="bob")
    assert users.role_of(fresh_engine, moved) == "reviewer"
    # A revoke unbinds; the next grant is bound by whoever signs in first with the address.
    users.revoke(fresh_engine, OPERATOR, "reviewer@example.org")
    users.grant(fresh_engine, OPERATOR, "reviewer@example.org", "reviewer")
    assert users.sign_in(fresh_engine, stranger) == "reviewer"
    assert users.role_of(fresh_engine, owner) is None


def test_an_admin_by_setting_is_bound_too(fresh_engine, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_ADMINS", "Boss@Example.org")
    boss = cs.person("boss@example.org", "The Boss", subject="boss")
    twin = cs.person("boss@example.org", "Not the boss", subject="twin")
    assert users.sign_in(fresh_engine, boss) == "admin"
    assert users.role_of(fresh_engine, twin) is None
    users.grant(fresh_engine, boss, "new@example.org", "editor")
    with pytest.raises(PermissionDenied):
        users.grant(fresh_engine, twin, "mallory@example.org", "admin")
    # The Kelvin sign cannot reach the setting's "k…" address in any way.
    monkeypatch.setenv("OVERSIGHT_ADMINS", "kate@example.org")
    with pytest.raises(IdentityRefused):
        from_claims(claims("\u212aate@example.org", sub="kelvin"))
    assert users.role_of(fresh_engine, Actor("\u212aate@example.org", "", cs.ISSUER, "kelvin")) is None


def test_the_history_keeps_the_name_each_row_was_written_with(fresh_engine):
    cs.grant_everyone(fresh_engine)
    first = edits.propose(fresh_engine, cs.EDITOR, cs.event_row("First board"))
    cs.approved(fresh_engine, first)
    renamed = cs.person(cs.REVIEWER.email, "Someone Else Entirely", subject=cs.REVIEWER.subject)
    second = edits.propose(fresh_engine, cs.EDITOR, cs.event_row("Second board"))
    cs.approved(fresh_engine, second, by=renamed)
    earlier, later = history.change(fresh_engine, first), history.change(fresh_engine, second)
    assert earlier is not None and later is not None
    assert {r.by_name for r in earlier.reviews} == {"Bob Reviewer"}
    assert {r.by_name for r in later.reviews} == {"Someone Else Entirely"}
    assert earlier.proposed_by_name == "Eddie Editor"


def test_no_actor_may_do_nothing_and_writes_nothing(fresh_engine):
    cs.grant_everyone(fresh_engine)
    with fresh_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(s.changes)).scalar_one()
    for attempt in (
        lambda: users.grant(fresh_engine, None, "mallory@example.org", "admin"),
        lambda: users.revoke(fresh_engine, None, cs.EDITOR.email),
        lambda: edits.propose(fresh_engine, None, cs.event_row()),
        lambda: edits.set_allow_self_approval(fresh_engine, None, True),
        lambda: users.grant(
            fresh_engine, Actor("admin@example.org"), "m@example.org", "admin"
        ),  # no identity
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.changes)).scalar_one() == before
