"""Who may do what: three roles, each including the ones below it, and five actions.

Pure rules, no database: ``users.require`` looks the actor's role up (inside the writing
transaction, never from the caller) and asks ``allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Actor:
    """The signed-in person, as the sign-in provider names them (passed in by the UI).

    Only who they are: their role is always looked up in the database by ``email``.
    """

    email: str
    name: str = ""

    @property
    def key(self) -> str:
        """The email as the database keeps it: stripped and lower-cased."""
        return (self.email or "").strip().lower()

    @property
    def shown(self) -> str:
        """The name if the provider gave one, else the email."""
        return (self.name or "").strip() or (self.email or "").strip()


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
    has = f"has the {role} role" if role else "has no role on this tracker"
    return PermissionDenied(
        f"{actor.key} {has} and may not {WORDS[action]}: that needs the {NEEDS[action]} role or above."
    )
