"""Who may do what: three roles, each including the ones below it, and five actions; and who
someone *is*: the rules that turn a sign-in provider's claims into an ``Actor``.

Pure rules, no database: ``users.require`` looks the actor's role up (inside the writing
transaction, never from the caller) and asks ``allowed``.

Identity (issue 19). A role belongs to a person as the provider identifies them, its issuer and
the subject it gives them; the email only introduces them (a role is granted to an email, and
bound to the first identity that signs in with it, verified). So:

* an email counts only when the provider says it is verified (``email_verified``), or its domain
  is one the deployment names as verified by its provider (Entra ID verifies every work
  account's address but sends no such claim);
* emails compare exactly after ASCII-only case folding and trimming of ASCII whitespace. An
  address with any other character that Unicode folding or normalisation would turn into
  something else (a Kelvin sign for ``k``, a no-break space, a zero-width space) is refused:
  lenient comparison elsewhere (a mail server, a person reading it) could take it for another
  address, so it can never be anyone's;
* the command line's operator is an actor of its own (``OPERATOR``), never "no actor": no actor
  may do nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EDITOR = "editor"
REVIEWER = "reviewer"
ADMIN = "admin"
#: Lowest first: each role may do everything the roles before it may.
ROLES: tuple[str, ...] = (EDITOR, REVIEWER, ADMIN)

PROPOSE = "propose"  # record a fact, correct or retract one (a proposal), withdraw one's own
REVIEW = "review"  # approve or reject someone's proposal
REVERT = "revert"  # undo an applied change, as a new change
GRANT = "grant"  # grant and revoke roles
SETTINGS = "settings"  # the deployment's settings (self-approval)
ACTIONS: tuple[str, ...] = (PROPOSE, REVIEW, REVERT, GRANT, SETTINGS)

#: The lowest role each action needs.
NEEDS: dict[str, str] = {
    PROPOSE: EDITOR,
    REVIEW: REVIEWER,
    REVERT: ADMIN,
    GRANT: ADMIN,
    SETTINGS: ADMIN,
}
#: How each action is said in a refusal ("… may not review changes").
WORDS: dict[str, str] = {
    PROPOSE: "record or correct facts",
    REVIEW: "review changes",
    REVERT: "revert changes",
    GRANT: "grant or revoke roles",
    SETTINGS: "change the deployment's settings",
}


class PermissionDenied(Exception):
    """The actor may not do this. ``str()`` is one sentence, fit to show as it is."""


class IdentityRefused(Exception):
    """A sign-in that cannot be anyone on this tracker. ``str()`` is what to tell the person."""


#: What ``str.strip`` would take but ASCII whitespace only.
ASCII_SPACE = " \t\n\r\x0b\x0c"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
#: Unicode categories never part of an address: controls, format characters (bidi controls,
#: zero-width spaces), separators (no-break space), unassigned and private-use code points.
_NOT_IN_ADDRESS = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
LONGEST_EMAIL = 320
LONGEST_NAME = 200


def email_key(email: str | None) -> str:
    """The email as the tracker compares and keeps it: ASCII whitespace trimmed, A–Z lower-cased,
    nothing else touched. ``IdentityRefused`` for an address that is not plainly one address:
    empty, too long, not ``local@domain``, or holding a character that Unicode case folding or
    NFKC normalisation would change into another (so it could pass for another address)."""
    trimmed = (email or "").strip(ASCII_SPACE)
    key = trimmed.translate(_ASCII_LOWER)
    shown = ascii(trimmed[:80])
    if not key:
        raise IdentityRefused("no email address was given")
    if len(key) > LONGEST_EMAIL:
        raise IdentityRefused(f"the email address is longer than {LONGEST_EMAIL} characters")
    if any(unicodedata.category(ch) in _NOT_IN_ADDRESS for ch in key):
        raise IdentityRefused(
            f"the email address {shown} holds a space, control or invisible character, "
            "so it could pass for another address"
        )
    if unicodedata.normalize("NFKC", key).casefold() != key.casefold() or key.casefold() != key:
        raise IdentityRefused(
            f"the email address {shown} holds a character that reads as another one "
            "(for example a Kelvin sign for K), so it could pass for another address"
        )
    local, at, domain = key.rpartition("@")
    if not at or not local or not domain or "@" in local:
        raise IdentityRefused(f"{shown} is not an email address")
    return key


def email_domain(key: str) -> str:
    return key.rpartition("@")[2]


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person as the sign-in provider identifies them (``issuer`` and
    ``subject``, with their verified ``email`` and ``name``), or the command line's operator.

    Only who they are: their role is always looked up in the database. An actor the app builds
    comes from ``from_claims``, which refuses what cannot be anyone.
    """

    email: str
    name: str = ""
    issuer: str | None = None
    subject: str | None = None
    operator: bool = False

    @property
    def key(self) -> str:
        """The email as the database keeps it (``email_key``); "" when it is not one."""
        if self.operator:
            return COMMAND_LINE
        try:
            return email_key(self.email)
        except IdentityRefused:
            return ""

    @property
    def shown(self) -> str:
        """The name if the provider gave one, else the email."""
        return (self.name or "").strip() or (self.email or "").strip()

    @property
    def identified(self) -> bool:
        """Whether the provider named this person (issuer and subject): only then a role."""
        return bool(self.issuer and self.subject)


#: Who the command line acts as: the operator of the server, an actor of their own.
COMMAND_LINE = "command line"
OPERATOR = Actor(COMMAND_LINE, COMMAND_LINE, operator=True)

_TRUE = {"true", "1", "yes"}


def _claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip(ASCII_SPACE) if isinstance(value, str) else ""


def plain_name(name: str) -> str:
    """A display name as the history keeps it: controls and invisible characters dropped, at most
    ``LONGEST_NAME`` characters."""
    kept = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    return " ".join(kept.split())[:LONGEST_NAME]


def from_claims(claims: Mapping[str, Any], verified_domains: frozenset[str] = frozenset()) -> Actor:
    """The ``Actor`` a sign-in provider's claims (``st.user``: ``iss``, ``sub``, ``email``,
    ``email_verified``, ``name``) make, or ``IdentityRefused`` saying why they make no one.

    ``verified_domains``: the email domains whose provider verifies every address (a council's
    own Entra ID tenant), for providers that send no ``email_verified`` claim.
    """
    issuer, subject = _claim(claims, "iss"), _claim(claims, "sub")
    if not subject or not issuer:
        raise IdentityRefused("the sign-in provider did not say who you are (no issuer or subject)")
    raw = claims.get("email")
    if not isinstance(raw, str) or not raw.strip(ASCII_SPACE):
        raise IdentityRefused(
            "the sign-in provider gave no email address, and roles are given by email; "
            "whoever runs this service should keep the email scope"
        )
    key = email_key(raw)
    verified = claims.get("email_verified")
    said = verified is True or (isinstance(verified, str) and verified.strip().lower() in _TRUE)
    if not said and email_domain(key) not in verified_domains:
        raise IdentityRefused(
            f"your sign-in provider has not verified the address {key}, so it cannot "
            "stand for you here; verify it with your provider and sign in again"
        )
    name = claims.get("name")
    return Actor(key, plain_name(name) if isinstance(name, str) else "", issuer, subject)


def rank(role: str | None) -> int:
    """0 for no role, then 1, 2, 3 for editor, reviewer, admin."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` (None: no role, or not signed in) may do ``action``."""
    if action not in NEEDS:
        raise ValueError(f"not an action: {action!r} (one of {', '.join(ACTIONS)})")
    return rank(role) >= rank(NEEDS[action])


def refusal(actor: Actor | None, role: str | None, action: str) -> PermissionDenied:
    """The one-sentence refusal for ``actor`` (with ``role``) attempting ``action``."""
    if actor is None or not actor.key:
        return PermissionDenied(f"Sign in to {WORDS[action]}.")
    if not actor.operator and not actor.identified:
        return PermissionDenied(
            f"{actor.key} was not identified by a sign-in provider and may not {WORDS[action]}."
        )
    has = f"has the {role} role" if role else "has no role on this tracker"
    return PermissionDenied(
        f"{actor.key} {has} and may not {WORDS[action]}: that needs the {NEEDS[action]} role or above."
    )
