"""Sign-in: Streamlit's own OpenID Connect (``st.login``, ``st.user``, ``st.logout``), and who is
signed in with which role.

Sign-in exists only when the deployment's secrets have an ``[auth]`` section (README, "Setting up
sign-in for a deployment"): without one the app shows no sign-in and no edit control. Reading is
open to everyone either way. The signed-in person is an ``Actor`` made by ``roles.from_claims``
from the provider's claims (issuer, subject, a *verified* email, name): a sign-in whose claims
make no one (an unverified email, an address that folds onto another) is signed in at the
provider but nobody here, and is told why. The first run after sign-in binds the identity to an
invited email (``users.sign_in``); the role is looked up in the database on every run, and every
write looks it up again on the server (``users.require``), with the person signed in *at that
moment*: a callback that arrives after sign-out acts as nobody and is refused. What this module
hides is convenience, never the permission. Owns the ``auth_*`` keys.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from oversight.components.figures.safe_text import markdown, markdown_link
from oversight.components.widgets import cache
from oversight.data import logs, settings
from oversight.data.curation import users
from oversight.data.curation.roles import Actor, IdentityRefused, allowed, from_claims

KEY_SIGN_IN = "auth_sign_in"
KEY_SIGN_OUT = "auth_sign_out"
KEY_RETURN = "auth_return_to"
#: Back to where sign-in began. ``st.login`` ends at the app's root in a new session (Streamlit
#: issue 10162: nothing of the old session survives the provider's pages), so the browser tab
#: keeps the way back: while nobody is signed in, leaving the page (for the provider's, on "Sign
#: in") writes its path and query (``/authority?la=E10000008``) to the tab's sessionStorage; the
#: first signed-in page at the root reads it once, removes it and goes there. Only a path of this
#: app is followed (one leading ``/``, no backslash), and only from the root, where the
#: provider's callback lands.
RETURN_JS = """
export default function (component) {
  const { data } = component;
  const KEY = 'oversight-return-to';
  const trim = (path) => path.replace(/\\/+$/, '');
  if (!data.signed_in) {
    if (!window.oversightRemembers) {
      window.oversightRemembers = true;
      window.addEventListener('pagehide', () => {
        window.sessionStorage.setItem(KEY, window.location.pathname + window.location.search);
      });
    }
    return;
  }
  const saved = window.sessionStorage.getItem(KEY);
  if (saved === null) return;
  window.sessionStorage.removeItem(KEY);
  // The root, where the callback lands (the page may have added its own query, e.g. as_at).
  const atRoot = trim(window.location.pathname) === trim(data.root);
  const ours = saved.startsWith(trim(data.root) + '/') && !saved.startsWith('//') && !saved.includes('\\\\');
  if (atRoot && ours && trim(saved) !== trim(data.root)) window.location.replace(saved);
}
"""
#: The identity this session has bound (``users.sign_in``) already, so it is done once.
KEY_BOUND = "auth_bound"
#: The refused claims this session has logged already, so the log has one line, not one a rerun.
KEY_REFUSAL_LOGGED = "auth_refusal_logged"
#: What a role-less person is told (the role names as the README and the guide say them).
NO_ROLE = "no role"


@dataclass(frozen=True)
class SignedIn:
    """Who is using this session: ``actor`` None when nobody is signed in (or sign-in is not set
    up: ``configured`` False); ``role`` as the database says now (None: no role)."""

    configured: bool
    actor: Actor | None
    role: str | None
    refused: str = ""  # signed in at the provider, but nobody here: why

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


def _identity() -> tuple[Actor | None, str]:
    """The signed-in person and "", or None and why their sign-in makes no one here ("" when
    nobody is signed in)."""
    if not _logged_in():
        return None, ""
    claims = st.user.to_dict()
    try:
        return from_claims(claims, settings.verified_domains(cache.secrets())), ""
    except IdentityRefused as exc:
        _log_refusal(claims, exc)
        return None, f"Signed in, but {exc}. You can read everything; you cannot record or review."


def _log_refusal(claims: Mapping[str, object], exc: IdentityRefused) -> None:
    """One line in the server's log per session for claims that make no one here: the email the
    provider gave (quoted, as it came), never the name or the reason's words."""
    email = str(claims.get("email") or "") or None
    if st.session_state.get(KEY_REFUSAL_LOGGED) == email:
        return
    st.session_state[KEY_REFUSAL_LOGGED] = email
    logs.record("sign_in", logs.REFUSED, error=type(exc).__name__, actor=email)


def current_actor() -> Actor | None:
    """The person signed in *now* (``roles.from_claims`` over ``st.user``), or None: not signed
    in, sign-in not set up, or claims that make no one. Callbacks call this when they run."""
    return _identity()[0]


def who() -> SignedIn:
    """This session's person and their role now (one query when someone is signed in; their
    first run after sign-in also binds their identity to an invited email)."""
    actor, refused = _identity()
    if actor is None:
        return SignedIn(configured(), None, None, refused)
    engine = cache.engine()
    identity = (actor.issuer, actor.subject, actor.key)
    if st.session_state.get(KEY_BOUND) != identity:
        try:
            role = users.sign_in(engine, actor)
        except IdentityRefused as exc:
            return SignedIn(configured(), None, None, f"Signed in, but {exc}.")
        st.session_state[KEY_BOUND] = identity
    else:
        role = users.role_of(engine, actor)
    return SignedIn(configured(), actor, role)


def _origin(url: str) -> tuple[str, int | None] | None:
    """(host, port) of an address, the port filled in for http(s); None if it has no host."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


def elsewhere(browser_url: str | None, redirect_uri: str | None) -> str | None:
    """The address to open instead, when the browser is on another host (or port) than the
    ``redirect_uri`` the provider sends people back to; None when they agree or either is unknown.

    The provider returns the browser to ``redirect_uri`` exactly, and Streamlit's check of that
    return needs the cookie it set where the sign-in began: started on ``localhost`` with a
    ``127.0.0.1`` redirect, the sign-in fails with nothing on the page (issue 21). So the page says
    so before anyone tries."""
    here, there = _origin(browser_url or ""), _origin(redirect_uri or "")
    if here is None or there is None or here == there:
        return None
    parts = urllib.parse.urlsplit(redirect_uri.strip())  # type: ignore[union-attr]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def _other_host_warning() -> None:
    """Warn a visitor whose browser is not on the host sign-in returns to (``elsewhere``)."""
    redirect = str((cache.auth_settings() or {}).get("redirect_uri") or "")
    # The address in the browser's bar (behind a proxy too), not the request's Host header, which
    # a proxy may rewrite: unknown (an old browser, a test), nothing is said.
    instead = elsewhere(st.context.url, redirect)
    if instead:
        st.warning(
            markdown(
                f"Sign-in returns to {instead} (the redirect_uri in the secrets), not to the "
                "address this page is open on, so signing in here would fail. Open"
            )
            + f" {markdown_link(instead, instead)} "
            + markdown("to sign in."),
            icon=":material/warning:",
        )


@st.cache_resource(show_spinner=False)
def _return_component():
    """Registered once per process: a few lines of script in the page, nothing drawn."""
    return st.components.v2.component("oversight_return_to", js=RETURN_JS)


def _root() -> str:
    """The app's root path, where the provider's callback sends the browser."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def return_after_sign_in(signed_in: bool) -> None:
    """Remember the page while signed out; go back to it after sign-in (``RETURN_JS``)."""
    _return_component()(data={"signed_in": signed_in, "root": _root()}, key=KEY_RETURN)


def sidebar_control() -> None:
    """ "Sign in" for a visitor, "Signed in as NAME (role)" and "Sign out" for a signed-in person;
    nothing when sign-in is not set up. After sign-in the person is back on the page (and the
    council) they were on (``return_after_sign_in``)."""
    if not configured():
        return
    with st.sidebar:
        return_after_sign_in(_logged_in())
        if not _logged_in():
            _other_host_warning()
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
            st.warning(markdown(signed.refused or "Signed in, but the sign-in gave no one."))
        else:
            st.markdown(markdown(f"Signed in as {signed.actor.shown} ({signed.role_words})"))
        if st.button("Sign out", key=KEY_SIGN_OUT, icon=":material/logout:"):
            logs.record("sign_out", actor=logs.actor_key(signed.actor))
            st.logout()
