"""People and rows the curation tests share (``tests/test_curation_*.py``).

Every address here is made up for the tests (example.org); Devon is E10000008 (DOMAIN §1).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from oversight.data.curation import edits, users
from oversight.data.curation.roles import OPERATOR, Actor
from oversight.data.store import schema as s

#: The tests' sign-in provider (the issuer every test person is identified by).
ISSUER = "http://127.0.0.1/test-provider"


def person(email: str, name: str = "", subject: str | None = None) -> Actor:
    """Someone the test provider identifies (subject: their email's local part by default)."""
    return Actor(email, name, ISSUER, subject or email.split("@")[0].lower())


EDITOR = person("Editor@Example.org", "Eddie Editor")
EDITOR2 = person("editor2@example.org", "Erin Editor")
REVIEWER = person("reviewer@example.org", "Bob Reviewer")
REVIEWER2 = person("reviewer2@example.org", "Rita Reviewer")
ADMIN = person("admin@example.org", "Ada Admin")
NO_ROLE = person("someone@example.org", "Sam Someone")
ROLES = {EDITOR: "editor", EDITOR2: "editor", REVIEWER: "reviewer", REVIEWER2: "reviewer", ADMIN: "admin"}

DEVON = "E10000008"
#: Devon's DfE-appointed improvement adviser, in the tracker's words: DOMAIN §5 puts a DfE
#: adviser on the improvement-notice track (non-statutory: adviser, improvement board).
DEVON_ADVISER = {
    "record": "intervention",
    "authority_code": DEVON,
    "date": "2021-04",
    "date_precision": "month",
    "level": "improvement_notice",
    "kind": "adviser",
    "title": "DfE-appointed improvement adviser",
    "details": "Working with a DfE-appointed improvement adviser since April 2021",
    "source_url": "https://www.devonsafeguardingchildren.example.org/annual-report",
    "source_title": "Devon Children and Families Partnership annual report",
    "source_publisher": "Devon Children and Families Partnership",
}


def grant_everyone(engine: Engine) -> None:
    """The roles of the test's people, granted from the command line."""
    for actor, role in ROLES.items():
        users.grant(engine, OPERATOR, actor.email, role, name=actor.name)


def event_row(
    title: str = "Improvement board met", code: str = DEVON, day: str = "2024-03-01"
) -> dict[str, str]:
    return {
        "record": "event",
        "authority_code": code,
        "date": day,
        "kind": "board",
        "title": title,
        "source_url": "https://www.example.org/board-minutes",
        "source_title": "Board minutes",
    }


def citation(**more: str) -> dict[str, str]:
    """The source a correction cites."""
    return {
        "source_url": "https://www.example.org/correction",
        "source_title": "A correction's source",
        **more,
    }


def seed_fact(engine: Engine, table: str = "interventions", n: int = 0) -> dict[str, Any]:
    """The ``n``-th seed fact of ``table`` (by id) as stored."""
    t = s.metadata.tables[table]
    with engine.connect() as conn:
        return dict(conn.execute(select(t).order_by(t.c.id).offset(n).limit(1)).mappings().one())


def approved(engine: Engine, change_id: int, by: Actor = REVIEWER) -> int | None:
    return edits.approve(engine, by, change_id, "checked the source")
