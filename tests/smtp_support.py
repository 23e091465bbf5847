"""A real SMTP server for the e-mail tests: aiosmtpd's ``Controller`` on 127.0.0.1 and a free port,
keeping every message it is given (never a mock of ``smtplib``).

``serve_smtp`` also sets the tracker's ``OVERSIGHT_SMTP_*`` settings to reach it (through the
``monkeypatch`` it is given), so the code under test finds the server as a deployment would.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from oversight.data.curation import notify

SENDER = "tracker@council.example.org"
PUBLIC_URL = "https://oversight.council.example.org"
USER, PASSWORD = "tracker", "only-for-tests"
#: An address the test server refuses.
REFUSED = "refused@example.org"


@dataclass
class Received:
    """One message as the server took it: the envelope's recipients and the parsed message."""

    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class Inbox:
    """What the server received, in order; ``logins``: the names that authenticated."""

    port: int
    messages: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


class _Handler:
    def __init__(self, box: Inbox):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        """Refuse an address whose local part is ``refused`` (a mailbox the server does not know)."""
        if address.lower().startswith(REFUSED.partition("@")[0] + "@"):
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.box.messages.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _authenticator(box: Inbox):
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            box.logins.append(USER)
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def serve_smtp(monkeypatch, *, login: bool = False) -> Iterator[Inbox]:
    """A local SMTP server and the settings that reach it (STARTTLS off: it is plain, local)."""
    box = Inbox(free_port())
    kwargs = {}
    if login:
        kwargs = {"authenticator": _authenticator(box), "auth_require_tls": False}
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port, **kwargs)
    controller.start()
    try:
        monkeypatch.setenv(notify.HOST_ENV, "127.0.0.1")
        monkeypatch.setenv(notify.PORT_ENV, str(box.port))
        monkeypatch.setenv(notify.FROM_ENV, SENDER)
        monkeypatch.setenv(notify.STARTTLS_ENV, "off")
        monkeypatch.setenv(notify.PUBLIC_URL_ENV, PUBLIC_URL)
        if login:
            monkeypatch.setenv(notify.USER_ENV, USER)
            monkeypatch.setenv(notify.PASSWORD_ENV, PASSWORD)
        yield box
    finally:
        controller.stop()


def no_smtp_settings(monkeypatch) -> None:
    """No e-mail settings at all, whatever the environment running the tests has."""
    for env in notify.KEYS:
        monkeypatch.delenv(env, raising=False)
    monkeypatch.setattr(notify, "_secrets", None)
