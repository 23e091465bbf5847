"""``oversight users``: who may record, review and administer the tracker (roles by email).

The command line's operator is trusted as an admin is, as an actor of its own
(``roles.OPERATOR``): this is how a deployment gets its first admin besides the
``OVERSIGHT_ADMINS`` setting. A role granted to an email is bound to the first person who signs
in with it (``signed in`` in the list). Every grant and revoke
is recorded in the history as made by "command line".
"""

from __future__ import annotations

import argparse
from typing import Any

from oversight.cli import database
from oversight.cli.common import EXIT_FAILED, EXIT_OK, say
from oversight.components.figures.safe_text import terminal
from oversight.data import settings
from oversight.data.curation import users
from oversight.data.curation.roles import OPERATOR, ROLES


def cmd_grant(args: argparse.Namespace) -> int:
    engine = database.writing(args.database)
    try:
        users.grant(engine, OPERATOR, args.email, args.role)
    except users.UserRefused as exc:
        say(f"oversight: {exc}", err=True)
        return EXIT_FAILED
    say(f"{users.normalise_email(args.email)} is now {args.role}")
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    engine = database.writing(args.database)
    try:
        users.revoke(engine, OPERATOR, args.email)
    except users.UserRefused as exc:
        say(f"oversight: {exc}", err=True)
        return EXIT_FAILED
    say(f"{users.normalise_email(args.email)} has no role now")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    engine = database.writing(args.database)
    people = users.list_users(engine)
    if not people:
        say(
            f"no users yet: grant a role with `oversight users grant EMAIL ROLE`, or set {settings.ADMINS_ENV}"
        )
    for user in people:
        role = user.role or "no role (revoked)"
        if user.from_setting:
            how = f"by {settings.ADMINS_ENV}"
        else:
            how = (
                f"granted by {user.granted_by} at {user.granted_at:%Y-%m-%d %H:%M} UTC"
                if user.granted_at
                else ""
            )
        # Names come from a sign-in provider: only text reaches the terminal.
        name = f" ({terminal(user.name)})" if user.name else ""
        bound = "signed in" if user.bound else "not signed in yet"
        say(f"{terminal(user.email)}{name}  {role}  {bound}  {how}".rstrip())
    return EXIT_OK


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``oversight users grant|revoke|list`` (``build_parser`` calls this)."""
    p = subparsers.add_parser(
        "users",
        help="grant, revoke or list the roles of people who record and review facts",
        description="Roles by email: editor (records facts), reviewer (approves others' edits), admin (grants roles).",
    )
    sub = p.add_subparsers(dest="users_command", required=True)
    q = sub.add_parser("grant", parents=[common], help="give EMAIL a role (replacing any role it had)")
    q.add_argument("email", metavar="EMAIL", help="the email the person signs in with (any case)")
    q.add_argument("role", metavar="ROLE", choices=ROLES, help=" | ".join(ROLES))
    q.set_defaults(func=cmd_grant)
    q = sub.add_parser("revoke", parents=[common], help="take EMAIL's role away (their history stays)")
    q.add_argument("email", metavar="EMAIL", help="the email the person signs in with (any case)")
    q.set_defaults(func=cmd_revoke)
    q = sub.add_parser("list", parents=[common], help="everyone with a role, and who granted it when")
    q.set_defaults(func=cmd_list)
    return p
