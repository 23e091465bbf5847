"""Sign-in: Streamlit's own OpenID Connect (``st.login``, ``st.user``, ``st.logout``), and who is
signed in with which role.

Sign-in exists only when the deployment's secrets have an ``[auth]`` section (README, "Setting up
sign-in for a deployment"): without one the app shows no sign-in and no edit control. Reading is
open to everyone either way. The signed-in person is an ``Actor`` (the email and name the
provider gives); their role is looked up in the database (``users.role_of``) on every run, and
every write looks it up again on the server (``users.require``): what this module hides is
convenience, never the permission. Owns the ``auth_*`` keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import cache
from oversight.data.curation import users
from oversight.data.curation.roles import Actor, allowed

KEY_SIGN_IN = "auth_sign_in"
KEY_SIGN_OUT = "auth_sign_out"
#: What a role-less person is told (the role names as the README and the guide say them).
NO_ROLE = "no role"


@dataclass(frozen=True)
class SignedIn:
    """Who is using this session: ``actor`` None when nobody is signed in (or sign-in is not set
    up: ``configured`` False); ``role`` as the database says now (None: no role)."""

    configured: bool
    actor: Actor | None
    role: str | None

    def may(self, action: str) -> bool:
        """Whether the role allows ``action`` (``roles.PROPOSE``, ``REVIEW``, …): for what to
        show. The data layer decides again for what to do."""
        return self.actor is not None and allowed(self.role, action)

    @property
    def role_words(self) -> str:
        return self.role or NO_ROLE


def configured() -> bool:
    """Whether this deployment has sign-in (an ``[auth]`` section in its secrets)."""
    return cache.auth_settings() is not None


def _provider() -> str | None:
    """The provider ``st.login`` is given: None for the ``[auth]`` section's own settings, else
    the first named provider (``[auth.microsoft]``)."""
    section = cache.auth_settings() or {}
    if "client_id" in section or "server_metadata_url" in section:
        return None
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return named[0] if named else None


def _logged_in() -> bool:
    return bool(configured() and st.user.get("is_logged_in"))


def current_actor() -> Actor | None:
    """The signed-in person (email and name from ``st.user``), or None: not signed in, sign-in
    not set up, or a provider that gave no email (roles are by email)."""
    if not _logged_in():
        return None
    email = st.user.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    name = st.user.get("name")
    return Actor(email.strip(), name.strip() if isinstance(name, str) else "")


def who() -> SignedIn:
    """This session's person and their role now (one query when someone is signed in)."""
    actor = current_actor()
    role = users.role_of(cache.engine(), actor.email) if actor is not None else None
    return SignedIn(configured(), actor, role)


def sidebar_control() -> None:
    """ "Sign in" for a visitor, "Signed in as NAME (role)" and "Sign out" for a signed-in person;
    nothing when sign-in is not set up."""
    if not configured():
        return
    with st.sidebar:
        if not _logged_in():
            if st.button(
                "Sign in",
                key=KEY_SIGN_IN,
                icon=":material/login:",
                help="Reading needs no sign-in. Sign in to record or review facts.",
            ):
                st.login(_provider())  # None: the [auth] section's own provider
            return
        signed = who()
        if signed.actor is None:
            st.warning(
                "Signed in, but the sign-in provider gave no email address, and roles are given by "
                "email. Whoever runs this service should keep the “email” scope."
            )
        else:
            st.markdown(markdown(f"Signed in as {signed.actor.shown} ({signed.role_words})"))
        if st.button("Sign out", key=KEY_SIGN_OUT, icon=":material/logout:"):
            st.logout()
