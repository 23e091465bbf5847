"""E-mail, when a deployment sends it: a reviewer hears of each new proposal, a proposer of each
decision on theirs.

Optional. With no SMTP host set (``OVERSIGHT_SMTP_HOST``, or ``host`` in the ``[smtp]`` section of
the Streamlit secrets) nothing is sent and nothing is asked of anyone: the sidebar's inbox
(``curation/inbox``) says the same things to whoever signs in. With one:

* after a proposal is recorded (in the app, or filed by ``oversight harvest``), each reviewer and
  admin other than the proposer gets one message;
* after a tracker CSV is uploaded (``curation/bulk``), each of them gets one digest for the whole
  file ("12 proposals from week 49.csv wait for your review"), not one message per row: 500 rows
  were 500 messages to each reviewer, and the upload waited about 12 s for them;
* after a reviewer decides one (approved, approved but not applied, rejected), its proposer gets
  one, unless they decided it themselves or it was the command line's.

A message names the council and the kind of change ("new intervention, Devon") and links to the
app (``OVERSIGHT_PUBLIC_URL`` + the Tracker page, and the council's page); nothing else of the
fact, nor the reviewer's reason: mail passes through systems the tracker does not control, and the
details are in the app, behind its sign-in.

Sending happens after the write has committed (the callers in ``edits`` and ``harvest`` call
``proposed`` / ``decided`` once their ``write_transaction`` has ended), so a mail server that is
down, slow (``TIMEOUT_S`` at most) or refuses never undoes or fails what was recorded: the failure
is logged in one line, never a traceback, and the functions return how many messages were sent.

Settings follow ``data/settings``: each environment variable wins over its key in the secrets,
which the app hands over (``use_secrets``: the data layer never imports Streamlit).
"""

from __future__ import annotations

import email.utils
import logging
import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, select

from oversight.data.curation import ledger, users
from oversight.data.curation.inbox import kind_words
from oversight.data.curation.roles import REVIEW, IdentityRefused, allowed, email_key
from oversight.data.domain.text import terminal
from oversight.data.store import schema as s

HOST_ENV = "OVERSIGHT_SMTP_HOST"
PORT_ENV = "OVERSIGHT_SMTP_PORT"
USER_ENV = "OVERSIGHT_SMTP_USER"
PASSWORD_ENV = "OVERSIGHT_SMTP_PASSWORD"
FROM_ENV = "OVERSIGHT_SMTP_FROM"
STARTTLS_ENV = "OVERSIGHT_SMTP_STARTTLS"
PUBLIC_URL_ENV = "OVERSIGHT_PUBLIC_URL"
#: Each setting: its environment variable and its key in the secrets' ``[smtp]`` section.
KEYS = {
    HOST_ENV: "host",
    PORT_ENV: "port",
    USER_ENV: "user",
    PASSWORD_ENV: "password",
    FROM_ENV: "from",
    STARTTLS_ENV: "starttls",
    PUBLIC_URL_ENV: "public_url",
}
SECTION = "smtp"
#: The app's pages, as ``app.py`` names their paths.
TRACKER_PATH = "tracker"
AUTHORITY_PATH = "authority"
#: Seconds a connection, a greeting or a reply may take: a person may be waiting for the page.
TIMEOUT_S = 10.0
IMPLICIT_TLS_PORT = 465
_OFF = {"0", "off", "no", "false"}
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}

_log = logging.getLogger("oversight.notify")
_secrets: Callable[[], Mapping[str, Any]] | None = None


class NotConfigured(ValueError):
    """SMTP settings that cannot be used (a port that is not a number, no sender): one line."""


@dataclass(frozen=True)
class Smtp:
    """Where and how messages are sent, and the app's public address for their links."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True
    public_url: str = ""

    @property
    def implicit_tls(self) -> bool:
        return self.port == IMPLICIT_TLS_PORT


def use_secrets(source: Callable[[], Mapping[str, Any]] | None) -> None:
    """Where the deployment's secrets come from (the app passes its reader; None: none)."""
    global _secrets
    _secrets = source


def _handed_over() -> Mapping[str, Any]:
    if _secrets is None:
        return {}
    try:
        return _secrets() or {}
    except Exception:  # noqa: BLE001 - secrets that cannot be read are no secrets
        return {}


def _section(secrets: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``[smtp]`` section, with the sign-in's ``redirect_uri`` (the app's address) beside it."""
    section = secrets.get(SECTION)
    out = dict(section) if isinstance(section, Mapping) else {}
    auth = secrets.get("auth")
    if isinstance(auth, Mapping) and isinstance(auth.get("redirect_uri"), str):
        out.setdefault("_redirect_uri", auth["redirect_uri"])
    return out


def smtp_settings(secrets: Mapping[str, Any] | None = None) -> Smtp | None:
    """The SMTP settings (None: no host, so no e-mail). ``secrets``: the Streamlit secrets (default:
    the ones the app handed over). ``NotConfigured`` for settings that cannot be used.

    The public address is ``OVERSIGHT_PUBLIC_URL`` (or ``public_url`` in ``[smtp]``), else the
    sign-in's ``redirect_uri`` without its ``/oauth2callback``: the address people open."""
    section = _section(_handed_over() if secrets is None else secrets)

    def value(env: str) -> str:
        got = os.environ.get(env)
        if got is None:
            got = section.get(KEYS[env])
        return "" if got is None else str(got).strip()

    host = value(HOST_ENV)
    if not host:
        return None
    starttls = value(STARTTLS_ENV).lower() not in _OFF
    port_text = value(PORT_ENV)
    try:
        port = int(port_text) if port_text else (587 if starttls else 25)
    except ValueError:
        raise NotConfigured(f"{PORT_ENV} is not a port number: {port_text[:40]!r}") from None
    if not 0 < port < 65536:
        raise NotConfigured(f"{PORT_ENV} is not a port number: {port}")
    user = value(USER_ENV)
    sender = value(FROM_ENV) or (user if "@" in user else "")
    if not sender:
        raise NotConfigured(f"{FROM_ENV} is not set: the address messages are sent from")
    public = value(PUBLIC_URL_ENV)
    if not public:
        redirect = str(section.get("_redirect_uri") or "").strip()
        public = redirect.removesuffix("/oauth2callback") if redirect.endswith("/oauth2callback") else ""
    return Smtp(host, port, sender, user, value(PASSWORD_ENV), starttls, public.rstrip("/"))


# The messages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One message: to one person."""

    to: str
    subject: str
    body: str


def _links(settings: Smtp, code: str | None) -> str:
    if not settings.public_url:
        return "Open the Tracker page of the intervention oversight dashboard to see it."
    lines = [f"The Tracker page: {settings.public_url}/{TRACKER_PATH}"]
    if code:
        lines.append(f"The council's page: {settings.public_url}/{AUTHORITY_PATH}?la={quote(code)}")
    return "\n".join(lines)


def _what(change: Mapping[str, Any], name: str | None) -> str:
    return f"{kind_words(change['action'], change['fact_table'])}, {name or 'a council'}"


def proposal_letters(
    settings: Smtp, change: Mapping[str, Any], council: tuple[str, str] | None, reviewers: list[str]
) -> list[Letter]:
    """The messages that a new proposal waits: one per reviewer or admin but its proposer."""
    code, name = council or (None, None)
    what = _what(change, name)
    body = (
        f"A proposal waits for review on the intervention oversight dashboard:\n\n"
        f"    {what} (change {change['id']})\n\n"
        f"{_links(settings, code)}\n\n"
        "Its details are in the app, after signing in. You receive this because you review "
        "proposals on this tracker.\n"
    )
    proposer = _key(change["proposed_by"])
    return [
        Letter(to, f"Proposal waiting for your review: {what}", body) for to in reviewers if to != proposer
    ]


def upload_letters(
    settings: Smtp, count: int, file_name: str, proposer: str, reviewers: list[str]
) -> list[Letter]:
    """The digest of an upload: one message per reviewer or admin but its proposer, saying how
    many proposals the file filed. ``file_name`` is as ``bulk.shown_name`` gives it (its last part,
    control characters as escapes, cut short): outside text, so it is only ever quoted."""
    noun, verb = ("proposal", "waits") if count == 1 else ("proposals", "wait")
    subject = f"{count} {noun} from “{file_name}” {verb} for your review"
    body = (
        f"{count} {noun} from the uploaded tracker file “{file_name}” {verb} for review on the "
        "intervention oversight dashboard, one for each of its rows.\n\n"
        f"{_links(settings, None)}\n\n"
        "Their details are in the app, after signing in (the sidebar's inbox). You receive this "
        "because you review proposals on this tracker.\n"
    )
    me = _key(proposer)
    return [Letter(to, subject, body) for to in reviewers if to != me]


OUTCOME_WORDS = {
    ledger.APPLIED: "was approved: it is now in the tracker",
    "rejected": "was rejected; the reviewer's reason is in the app",
    "conflict": "was approved but not applied: the fact had changed since you proposed it",
}


def decision_letters(
    settings: Smtp, change: Mapping[str, Any], council: tuple[str, str] | None, decision: Mapping[str, Any]
) -> list[Letter]:
    """The message that a proposal was decided, to its proposer (none for the command line's
    proposals, or when they decided it themselves)."""
    proposer = _key(change["proposed_by"])
    if proposer is None or decision["decision"] not in OUTCOME_WORDS or decision["decided_by"] == proposer:
        return []
    code, name = council or (None, None)
    what = _what(change, name)
    short = {ledger.APPLIED: "approved", "rejected": "rejected", "conflict": "not applied"}
    body = (
        f"Your proposal on the intervention oversight dashboard, {what} (change {change['id']}), "
        f"{OUTCOME_WORDS[decision['decision']]}.\n\n"
        f"{_links(settings, code)}\n\n"
        "The decision and its reason are in the app, after signing in (the sidebar's inbox).\n"
    )
    return [Letter(proposer, f"Your proposal was {short[decision['decision']]}: {what}", body)]


def _key(address: str) -> str | None:
    """An address a message may go to: a person's email, never "command line" or an import."""
    try:
        return email_key(address) if "@" in address else None
    except IdentityRefused:
        return None


# Sending ----------------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    """The exception in one line, a server's control characters shown as escapes."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return terminal(f"{type(exc).__name__}: {text}"[:300])


def _message(settings: Smtp, letter: Letter) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = letter.to
    msg["Subject"] = letter.subject
    msg["Date"] = email.utils.formatdate(usegmt=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to the tracker
    msg.set_content(letter.body)
    return msg


def send(settings: Smtp, letters: list[Letter]) -> int:
    """Send each letter over one connection; how many were accepted. A letter the server refuses
    is logged and the others still go; a connection that fails is logged and ends the round.
    Never raises."""
    if not letters:
        return 0
    sent = 0
    try:
        clear = not (settings.starttls or settings.implicit_tls)
        if settings.password and clear and settings.host.lower() not in _LOOPBACK:
            raise NotConfigured(f"a password is never sent without TLS ({STARTTLS_ENV} is off)")
        context = ssl.create_default_context()
        if settings.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_S, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
        with smtp:
            if settings.starttls and not settings.implicit_tls:
                smtp.starttls(context=context)
            if settings.user:
                smtp.login(settings.user, settings.password)
            for letter in letters:
                try:
                    smtp.send_message(_message(settings, letter))
                    sent += 1
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPDataError,
                    smtplib.SMTPSenderRefused,
                ) as exc:
                    _log.warning("oversight: e-mail to %s not sent: %s", letter.to, _one_line(exc))
    except Exception as exc:  # noqa: BLE001 - a mail server's failure never fails what was recorded
        _log.warning(
            "oversight: e-mail not sent (%d of %d sent) through %s:%s: %s",
            sent,
            len(letters),
            settings.host,
            settings.port,
            _one_line(exc),
        )
    return sent


def _settings() -> Smtp | None:
    try:
        return smtp_settings()
    except NotConfigured as exc:
        _log.warning("oversight: e-mail not sent: %s", terminal(exc))
    except Exception as exc:  # noqa: BLE001 - settings that cannot be read send nothing, fail nothing
        _log.warning("oversight: e-mail not sent: its settings could not be read: %s", _one_line(exc))
    return None


def _change(engine: Engine, change_id: int) -> tuple[dict[str, Any], tuple[str, str] | None] | None:
    with engine.connect() as conn:
        change = ledger.change_row(conn, change_id)
        if change is None:
            return None
        a = s.authorities
        row = None
        if change["authority_id"] is not None:
            row = conn.execute(select(a.c.code, a.c.name).where(a.c.id == change["authority_id"])).first()
    return change, (row.code, row.name) if row is not None else None


def proposed(engine: Engine, change_id: int) -> int:
    """Tell each reviewer and admin but its proposer that proposal ``change_id`` waits (after its
    transaction has committed). How many messages were sent; 0 without SMTP settings. Never
    raises."""
    settings = _settings()
    if settings is None:
        return 0
    try:
        found = _change(engine, change_id)
        if found is None:
            return 0
        reviewers = [u.email for u in users.list_users(engine) if allowed(u.role, REVIEW)]
        letters = proposal_letters(settings, found[0], found[1], reviewers)
    except Exception as exc:  # noqa: BLE001 - the proposal is recorded; only the e-mail is lost
        _log.warning("oversight: e-mail about change %s not sent: %s", change_id, _one_line(exc))
        return 0
    return send(settings, letters)


def uploaded(engine: Engine, change_ids: tuple[int, ...], file_name: str) -> int:
    """Tell each reviewer and admin but the uploader, in one message each, that an upload's
    proposals (``change_ids``, committed) wait. How many messages were sent; 0 without SMTP
    settings or proposals. Never raises."""
    settings = _settings()
    if settings is None or not change_ids:
        return 0
    try:
        found = _change(engine, change_ids[0])
        if found is None:
            return 0
        reviewers = [u.email for u in users.list_users(engine) if allowed(u.role, REVIEW)]
        letters = upload_letters(settings, len(change_ids), file_name, found[0]["proposed_by"], reviewers)
    except Exception as exc:  # noqa: BLE001 - the proposals are recorded; only the e-mail is lost
        _log.warning(
            "oversight: e-mail about the upload %s not sent: %s", terminal(file_name), _one_line(exc)
        )
        return 0
    return send(settings, letters)


def decided(engine: Engine, change_id: int) -> int:
    """Tell the proposer of ``change_id`` of its latest decision (after its transaction has
    committed). How many messages were sent (0 or 1). Never raises."""
    settings = _settings()
    if settings is None:
        return 0
    try:
        found = _change(engine, change_id)
        if found is None:
            return 0
        r = s.reviews
        with engine.connect() as conn:
            decision = (
                conn.execute(select(r).where(r.c.change_id == change_id).order_by(r.c.id.desc()).limit(1))
                .mappings()
                .first()
            )
        letters = decision_letters(settings, found[0], found[1], decision or {"decision": None})
    except Exception as exc:  # noqa: BLE001 - the decision is recorded; only the e-mail is lost
        _log.warning("oversight: e-mail about change %s not sent: %s", change_id, _one_line(exc))
        return 0
    return send(settings, letters)
