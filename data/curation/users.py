"""Roles in the database: who is an editor, a reviewer or an admin, and granting them.

A role is looked up by email, case-insensitively. An email listed in ``OVERSIGHT_ADMINS``
(``settings.admin_emails``) is an admin whatever the database says, so a new deployment has its
first admin, who then grants the others (in the app, or with ``oversight users grant``). Every
grant and revoke is also a row of the append-only history (``changes``, action grant/revoke).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update

from oversight.data import settings
from oversight.data.curation import ledger
from oversight.data.curation.images import dumps
from oversight.data.curation.roles import GRANT, ROLES, Actor, allowed, refusal
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction

#: An email as a sign-in provider gives it: something@host, no spaces, at most 320 characters.
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+$")


class UserRefused(ValueError):
    """A grant or revoke that cannot be done (a malformed email, an unknown role or user).
    ``str()`` is one sentence; nothing was written."""


@dataclass(frozen=True)
class User:
    """One person the tracker knows: their role (None: revoked) and who granted it, when.
    ``from_setting``: an admin by ``OVERSIGHT_ADMINS`` (whatever ``role`` the database holds)."""

    email: str
    name: str | None
    role: str | None
    granted_by: str | None
    granted_at: dt.datetime | None
    from_setting: bool = False


def normalise_email(email: str) -> str:
    """The email as the database keeps it (stripped, lower-cased), or ``UserRefused``."""
    key = (email or "").strip().lower()
    if len(key) > 320 or "\x00" in key or not _EMAIL.match(key):
        raise UserRefused(f"{key[:80]!r} is not an email address.")
    return key


def role_in(conn: Connection, email: str | None) -> str | None:
    """The role of ``email`` as this connection sees it (inside a writer's transaction)."""
    key = (email or "").strip().lower()
    if not key or "\x00" in key:  # PostgreSQL cannot even compare a NUL
        return None
    if key in settings.admin_emails():
        return "admin"
    return conn.execute(select(s.users.c.role).where(s.users.c.email == key)).scalar_one_or_none()


def role_of(engine: Engine, email: str | None) -> str | None:
    """The role of ``email`` (case-insensitive): ``editor``, ``reviewer``, ``admin``, or None
    (unknown, revoked, or no email). ``OVERSIGHT_ADMINS`` emails are always ``admin``.

    For showing what a person may do; every write looks the role up again itself.
    """
    with engine.connect() as conn:
        return role_in(conn, email)


def require(conn: Connection, actor: Actor | None, action: str) -> str:
    """The actor's role, looked up in this transaction, if it allows ``action``; else
    ``PermissionDenied`` (raised before anything is written). Also remembers the actor's name."""
    role = role_in(conn, actor.key if actor is not None else None)
    if actor is None or not allowed(role, action):
        raise refusal(actor, role, action)
    remember_name(conn, actor)
    return role  # type: ignore[return-value]


def remember_name(conn: Connection, actor: Actor) -> None:
    """Keep the name the sign-in provider gives, so the history can say who by name."""
    name = (actor.name or "").strip()
    if not name or "\x00" in name:
        return
    row = conn.execute(select(s.users.c.name).where(s.users.c.email == actor.key)).first()
    if row is not None and row.name != name:
        conn.execute(update(s.users).where(s.users.c.email == actor.key).values(name=name))


def _by(conn: Connection, actor: Actor | None) -> str:
    """Who grants: the actor (who must be an admin), or the command line's operator (None)."""
    if actor is None:
        return ledger.COMMAND_LINE
    require(conn, actor, GRANT)
    return actor.key


def _not_by_setting(key: str) -> None:
    if key in settings.admin_emails():
        raise UserRefused(
            f"{key} is an admin by the {settings.ADMINS_ENV} setting; change that setting to change their role."
        )


def grant(engine: Engine, actor: Actor | None, email: str, role: str, name: str | None = None) -> int:
    """Give ``email`` the ``role`` (editor, reviewer or admin), replacing any role it had.

    ``actor`` None is the command line's operator (``oversight users grant``); otherwise the
    actor must be an admin (``PermissionDenied``). ``UserRefused`` for a malformed email, an
    unknown role, or an ``OVERSIGHT_ADMINS`` email. Returns the id of the ``changes`` row.
    """
    with write_transaction(engine) as conn:
        by = _by(conn, actor)
        key = normalise_email(email)
        if role not in ROLES:
            raise UserRefused(f"{role!r} is not a role: one of {', '.join(ROLES)}.")
        _not_by_setting(key)
        row = conn.execute(select(s.users).where(s.users.c.email == key)).mappings().first()
        values = {"role": role, "granted_by": by, "granted_at": ledger.now()}
        if name:
            values["name"] = name.strip()
        if row is None:
            conn.execute(insert(s.users).values(email=key, **values))
        else:
            conn.execute(update(s.users).where(s.users.c.email == key).values(**values))
        return ledger.add_change(
            conn,
            action="grant",
            before_json=dumps({"email": key, "role": row["role"] if row else None}),
            after_json=dumps({"email": key, "role": role}),
            proposed_by=by,
        )


def revoke(engine: Engine, actor: Actor | None, email: str) -> int:
    """Take ``email``'s role away (the user stays, with no role; their history stays theirs).

    ``actor`` as for ``grant``. ``UserRefused`` if the email has no role to revoke or is an
    ``OVERSIGHT_ADMINS`` email. Returns the id of the ``changes`` row.
    """
    with write_transaction(engine) as conn:
        by = _by(conn, actor)
        key = normalise_email(email)
        _not_by_setting(key)
        row = conn.execute(select(s.users).where(s.users.c.email == key)).mappings().first()
        if row is None or row["role"] is None:
            raise UserRefused(f"{key} has no role to revoke.")
        conn.execute(
            update(s.users)
            .where(s.users.c.email == key)
            .values(role=None, granted_by=by, granted_at=ledger.now())
        )
        return ledger.add_change(
            conn,
            action="revoke",
            before_json=dumps({"email": key, "role": row["role"]}),
            after_json=dumps({"email": key, "role": None}),
            proposed_by=by,
        )


def list_users(engine: Engine) -> list[User]:
    """Everyone the tracker knows, by email: the users table (revoked ones with role None) and
    the ``OVERSIGHT_ADMINS`` emails (``from_setting``, role ``admin``)."""
    admins = settings.admin_emails()
    with engine.connect() as conn:
        rows = conn.execute(select(s.users).order_by(s.users.c.email)).mappings().all()
    users = {
        r["email"]: User(
            r["email"],
            r["name"],
            "admin" if r["email"] in admins else r["role"],
            r["granted_by"],
            r["granted_at"],
            from_setting=r["email"] in admins,
        )
        for r in rows
    }
    for email in admins - set(users):
        users[email] = User(email, None, "admin", None, None, from_setting=True)
    return [users[e] for e in sorted(users)]
