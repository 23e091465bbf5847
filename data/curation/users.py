"""Roles in the database: who is an editor, a reviewer or an admin, and granting them.

A role is granted to an email (``roles.email_key``: exact after ASCII case folding) and belongs
to the first person who signs in with that email, verified: their issuer and subject are
*bound* to the row then, and from that moment the role is theirs alone. Another identity
presenting the same email later (an account re-created at the provider, a second provider)
has no role until an admin grants it again. An email listed in ``OVERSIGHT_ADMINS``
(``settings.admin_emails``) is an admin whatever the database says, bound the same way, so a new
deployment has its first admin, who then grants the others (in the app, or with
``oversight users grant``, which acts as ``roles.OPERATOR``). Every grant and revoke is also a row
of the append-only history (``changes``, action grant/revoke).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from oversight.data import logs, settings
from oversight.data.curation import ledger
from oversight.data.curation.images import dumps
from oversight.data.curation.roles import (
    ADMIN,
    GRANT,
    ROLES,
    Actor,
    IdentityRefused,
    PermissionDenied,
    allowed,
    email_key,
    plain_name,
    refusal,
)
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction


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
    bound: bool = False  # whether someone has signed in as this email (the role is theirs)


def normalise_email(email: str) -> str:
    """The email as the database keeps it (``roles.email_key``), or ``UserRefused``."""
    try:
        return email_key(email)
    except IdentityRefused as exc:
        raise UserRefused(f"Not an email address the tracker can give a role to: {exc}.") from None


def _row(conn: Connection, actor: Actor) -> Any:
    """The users row that is this person: the one bound to their identity, else the row of their
    email if no one is bound to it yet (an invitation); None otherwise."""
    u = s.users
    bound = (
        conn.execute(select(u).where(u.c.issuer == actor.issuer, u.c.subject == actor.subject))
        .mappings()
        .first()
    )
    if bound is not None:
        return bound
    invited = conn.execute(select(u).where(u.c.email == actor.key)).mappings().first()
    if invited is not None and invited["subject"] is None:
        return invited
    return None


def _taken(conn: Connection, actor: Actor) -> bool:
    """Whether the actor's email belongs to another identity on this tracker."""
    u = s.users
    row = conn.execute(select(u.c.issuer, u.c.subject).where(u.c.email == actor.key)).first()
    return (
        row is not None
        and row.subject is not None
        and (row.issuer, row.subject) != (actor.issuer, actor.subject)
    )


def role_in(conn: Connection, actor: Actor | None) -> str | None:
    """The actor's role as this connection sees it (inside a writer's transaction): the
    operator is an admin; a person needs an identity (issuer, subject) and a verified email."""
    if actor is None:
        return None
    if actor.operator:
        return ADMIN
    key = actor.key
    if not key or not actor.identified:
        return None
    row = _row(conn, actor)
    if _taken(conn, actor) and (row is None or row["subject"] is None):
        return None  # the address belongs to someone else here
    if row is None:
        return ADMIN if key in settings.admin_emails() else None
    return ADMIN if row["email"] in settings.admin_emails() else row["role"]


def role_of(engine: Engine, actor: Actor | None) -> str | None:
    """The actor's role: ``editor``, ``reviewer``, ``admin``, or None (unknown, revoked, not
    identified, or an email bound to someone else). For showing what a person may do; every
    write looks the role up again itself."""
    with engine.connect() as conn:
        return role_in(conn, actor)


def bind(conn: Connection, actor: Actor) -> None:
    """Bind the actor's identity to their email's row on their first sign-in (an invited email,
    or an ``OVERSIGHT_ADMINS`` one, which gets a row here), and keep the name they have now (for
    the list of roles; the history keeps the name each row was written with). In a writer's
    transaction; nothing for the operator or an actor the tracker has no role for."""
    if actor.operator or not actor.identified or not actor.key:
        return
    u = s.users
    name = plain_name(actor.name or "") or None
    row = _row(conn, actor)
    if row is None:
        if actor.key in settings.admin_emails() and not _taken(conn, actor):
            conn.execute(
                insert(u).values(
                    email=actor.key,
                    name=name,
                    role=None,
                    issuer=actor.issuer,
                    subject=actor.subject,
                    bound_at=ledger.now(),
                )
            )
        return
    values: dict[str, Any] = {}
    if row["subject"] is None:
        values.update(issuer=actor.issuer, subject=actor.subject, bound_at=ledger.now())
    if name and row["name"] != name:
        values["name"] = name
    if values:
        conn.execute(update(u).where(u.c.id == row["id"]).values(**values))


def sign_in(engine: Engine, actor: Actor) -> str | None:
    """What the app calls once a person has signed in: binds their identity (``bind``) and
    returns their role. ``IdentityRefused`` when their email belongs to another identity here.
    One line in the server's log (``data/logs``): the email and the role, or the refusal."""
    with (
        logs.action("sign_in", refusals=(IdentityRefused,), actor=logs.actor_key(actor)) as noted,
        write_transaction(engine) as conn,
    ):
        if _taken(conn, actor) and _row(conn, actor) is None:
            raise IdentityRefused(
                f"the address {actor.key} belongs to another sign-in on this tracker; "
                "ask an admin to grant your role again"
            )
        bind(conn, actor)
        role = role_in(conn, actor)
        noted["role"] = role or "none"
        return role


def require(conn: Connection, actor: Actor | None, action: str) -> str:
    """The actor's role, looked up in this transaction, if it allows ``action``; else
    ``PermissionDenied`` (raised before anything is written). No actor is refused: the command
    line acts as ``roles.OPERATOR``, never as "nobody". Binds a first sign-in's identity."""
    role = role_in(conn, actor)
    if actor is None or not allowed(role, action):
        raise refusal(actor, role, action)
    bind(conn, actor)
    return role  # type: ignore[return-value]


def _logged(name: str, actor: Actor | None) -> AbstractContextManager[dict[str, object]]:
    """The server's log line for a grant or revoke: the change and the actor's email, never the
    email granted to (the change in the history names it)."""
    return logs.action(
        name,
        refusals=(UserRefused, PermissionDenied, IdentityRefused),
        change=None,
        actor=logs.actor_key(actor),
    )


def _by(conn: Connection, actor: Actor | None) -> Actor:
    """Who grants: an admin, or the command line's operator (``roles.OPERATOR``)."""
    require(conn, actor, GRANT)
    return actor  # type: ignore[return-value]


def _not_by_setting(key: str) -> None:
    if key in settings.admin_emails():
        raise UserRefused(
            f"{key} is an admin by the {settings.ADMINS_ENV} setting; change that setting to change their role."
        )


def grant(engine: Engine, actor: Actor | None, email: str, role: str, name: str | None = None) -> int:
    """Give ``email`` the ``role`` (editor, reviewer or admin), replacing any role it had.

    ``actor`` is an admin, or ``roles.OPERATOR`` (``oversight users grant``); anyone else,
    and None, is refused (``PermissionDenied``). ``UserRefused`` for a malformed email, an
    unknown role, or an ``OVERSIGHT_ADMINS`` email. Returns the id of the ``changes`` row.
    """
    with _logged("grant", actor) as noted, write_transaction(engine) as conn:
        noted["role"] = role if role in ROLES else None
        who = _by(conn, actor)
        by = who.key
        key = normalise_email(email)
        if role not in ROLES:
            raise UserRefused(f"{role!r} is not a role: one of {', '.join(ROLES)}.")
        _not_by_setting(key)
        row = conn.execute(select(s.users).where(s.users.c.email == key)).mappings().first()
        values: dict[str, Any] = {"role": role, "granted_by": by, "granted_at": ledger.now()}
        if name and plain_name(name):
            values["name"] = plain_name(name)
        if row is None:
            conn.execute(insert(s.users).values(email=key, **values))
        else:
            conn.execute(update(s.users).where(s.users.c.email == key).values(**values))
        noted["change"] = change_id = ledger.add_change(
            conn,
            action="grant",
            before_json=dumps({"email": key, "role": row["role"] if row else None}),
            after_json=dumps({"email": key, "role": role}),
            proposed_by=by,
            proposed_by_name=who.shown,
        )
        return change_id


def revoke(engine: Engine, actor: Actor | None, email: str) -> int:
    """Take ``email``'s role away (the user stays, with no role; their history stays theirs).

    ``actor`` as for ``grant``. ``UserRefused`` if the email has no role to revoke or is an
    ``OVERSIGHT_ADMINS`` email. Returns the id of the ``changes`` row.
    """
    with _logged("revoke", actor) as noted, write_transaction(engine) as conn:
        who = _by(conn, actor)
        by = who.key
        key = normalise_email(email)
        _not_by_setting(key)
        row = conn.execute(select(s.users).where(s.users.c.email == key)).mappings().first()
        if row is None or row["role"] is None:
            raise UserRefused(f"{key} has no role to revoke.")
        conn.execute(  # the binding goes too: a new grant is bound by whoever signs in next
            update(s.users)
            .where(s.users.c.email == key)
            .values(
                role=None, granted_by=by, granted_at=ledger.now(), issuer=None, subject=None, bound_at=None
            )
        )
        noted["change"] = change_id = ledger.add_change(
            conn,
            action="revoke",
            before_json=dumps({"email": key, "role": row["role"]}),
            after_json=dumps({"email": key, "role": None}),
            proposed_by=by,
            proposed_by_name=who.shown,
        )
        return change_id


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
            bound=r["subject"] is not None,
        )
        for r in rows
    }
    for email in admins - set(users):
        users[email] = User(email, None, "admin", None, None, from_setting=True)
    return [users[e] for e in sorted(users)]
