"""The SQL schema of the authority tracker (SQLAlchemy Core, one MetaData).

Every fact (inspection, visit, intervention, event) points at the source it came from and
the import run that wrote it, so any figure in the app can say where it came from.
Authorities are keyed by a surrogate id: a recode (Buckinghamshire 2020, North Yorkshire
2023 ...) keeps one authority with several ONS codes over time (``authority_codes``), while
a merge or split ends authorities and starts new ones (``authority_links``), as Ofsted does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

regions = Table(
    "regions",
    metadata,
    Column("code", String(9), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("sort_order", Integer, nullable=False),
)

authorities = Table(
    "authorities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(9), nullable=False, unique=True),  # latest ONS code
    Column("dfe_code", String(3), nullable=True),
    Column("name", String(128), nullable=False),
    Column("region_code", String(9), ForeignKey("regions.code"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("existed_from", Date, nullable=True),  # NULL: before the data's coverage
    Column("existed_to", Date, nullable=True),  # last day it existed; NULL: still exists
)

authority_codes = Table(
    "authority_codes",
    metadata,
    Column("code", String(9), primary_key=True),
    Column("authority_id", Integer, ForeignKey("authorities.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("type", String(32), nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
)

authority_aliases = Table(
    "authority_aliases",
    metadata,
    # Not unique on its own: "Dorset" names the county (to 2019) and the unitary (from 2019).
    Column("alias_key", String(160), primary_key=True),
    Column("authority_id", Integer, ForeignKey("authorities.id"), primary_key=True),
    Column("alias", String(160), nullable=False),
)

authority_links = Table(
    "authority_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("predecessor_id", Integer, ForeignKey("authorities.id"), nullable=False),
    Column("successor_id", Integer, ForeignKey("authorities.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("kind", String(16), nullable=False),  # merge | split
    UniqueConstraint("predecessor_id", "successor_id", name="uq_authority_links_pair"),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("url", Text, nullable=True),
    Column("title", Text, nullable=False),
    Column("publisher", String(200), nullable=True),
    Column("published", Date, nullable=True),
    Column("kind", String(32), nullable=False),  # ofsted_release | tracker | register
    Column("licence", String(200), nullable=True),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_added", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("outcome", String(16), nullable=False),
    Column("message", Text, nullable=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=True),
)


def _fact_columns() -> list[Column]:
    """Columns every fact carries: who, where from, which run wrote it, how it ranks."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("authority_id", Integer, ForeignKey("authorities.id"), nullable=False),
        Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
        Column("import_run_id", Integer, ForeignKey("import_runs.id"), nullable=True),
        # Higher wins when two sources state the same fact: an Ofsted release beats the
        # tracker, and a newer release beats an older one (its corrections stand).
        Column("source_rank", Integer, nullable=False),
    ]


def _version_column() -> Column:
    """Optimistic versioning (``oversight.data.curation``): 1 when written, +1 on every change,
    so an edit made against an older version is refused instead of overwriting a newer one."""
    return Column("version", Integer, nullable=False, server_default=text("1"))


inspections = Table(
    "inspections",
    metadata,
    *_fact_columns(),
    Column("framework", String(16), nullable=False),  # slac | cpi | tlac | sif | ilacs
    Column("kind", String(40), nullable=False),
    Column("is_full", Boolean, nullable=False),
    Column("inspection_date", Date, nullable=True),
    Column("publication_date", Date, nullable=True),
    Column("publication_estimated", Boolean, nullable=False, default=False),
    Column("date_precision", String(10), nullable=False, default="day"),
    Column("overall_effectiveness", String(40), nullable=True),
    Column("overall_derived", Boolean, nullable=False, default=False),
    Column("web_link", Text, nullable=True),
    _version_column(),
)
Index("ix_inspections_authority_pub", inspections.c.authority_id, inspections.c.publication_date)

inspection_judgements = Table(
    "inspection_judgements",
    metadata,
    Column("inspection_id", Integer, ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True),
    Column("area", String(40), primary_key=True),
    Column("grade", String(40), nullable=False),
)

visits = Table(
    "visits",
    metadata,
    *_fact_columns(),
    Column("kind", String(16), nullable=False),  # monitoring | focused | jtai
    Column("visit_date", Date, nullable=True),
    Column("publication_date", Date, nullable=True),
    Column("date_precision", String(10), nullable=False, default="day"),
    Column("theme", String(200), nullable=True),
    Column("summary", Text, nullable=True),
    _version_column(),
)
Index("ix_visits_authority", visits.c.authority_id)

interventions = Table(
    "interventions",
    metadata,
    *_fact_columns(),
    Column("level", String(32), nullable=False),
    Column("kind", String(32), nullable=True),
    Column("start_date", Date, nullable=False),
    Column("start_precision", String(10), nullable=False, default="day"),
    Column("end_date", Date, nullable=True),
    Column("end_precision", String(10), nullable=True),
    Column("title", Text, nullable=True),
    Column("details", Text, nullable=True),
    Column("people", Text, nullable=True),
    _version_column(),
)
Index("ix_interventions_authority", interventions.c.authority_id)

events = Table(
    "events",
    metadata,
    *_fact_columns(),
    Column("kind", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("date_precision", String(10), nullable=False, default="day"),
    Column("title", Text, nullable=False),
    Column("details", Text, nullable=True),
    Column("people", Text, nullable=True),
    _version_column(),
)
Index("ix_events_authority", events.c.authority_id)

neighbours = Table(
    "neighbours",
    metadata,
    Column("model", String(40), primary_key=True),  # e.g. "DfE 2021", "DfE 2025"
    Column("authority_id", Integer, ForeignKey("authorities.id"), primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("neighbour_id", Integer, ForeignKey("authorities.id"), nullable=False),
    Column("closeness", String(40), nullable=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
    Column("import_run_id", Integer, ForeignKey("import_runs.id"), nullable=True),
)

FACT_TABLES = (inspections, visits, interventions, events)

# Curation (revision 0004): who may do what, and the append-only history -------------------

ROLES = ("editor", "reviewer", "admin")
CHANGE_ACTIONS = ("create", "correct", "retract", "revert", "import", "grant", "revoke", "settings")
REVIEW_DECISIONS = ("approved", "rejected", "applied", "withdrawn", "conflict")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),  # lower-cased
    Column("name", Text, nullable=True),
    Column("role", String(16), nullable=True),  # editor | reviewer | admin; NULL: revoked
    Column("granted_by", String(320), nullable=True),  # an email, or "command line"
    Column("granted_at", DateTime, nullable=True),
    # Revision 0005: the person the role belongs to, as the sign-in provider identifies them
    # (its issuer and the subject it gives them), bound when the invited email first signs in.
    Column("issuer", String(500), nullable=True),
    Column("subject", String(255), nullable=True),
    Column("bound_at", DateTime, nullable=True),
    CheckConstraint("role IS NULL OR role IN ('editor', 'reviewer', 'admin')", name="role"),
)
Index("uq_users_identity", users.c.issuer, users.c.subject, unique=True)

#: Append-only (triggers refuse UPDATE and DELETE), but for filling in ``fact_id`` and
#: ``source_id`` once, when a proposal is applied.
changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", String(16), nullable=False),
    Column("fact_table", String(16), nullable=True),  # interventions | events | visits | inspections
    Column("fact_id", Integer, nullable=True),  # NULL until a create is applied
    Column("authority_id", Integer, ForeignKey("authorities.id"), nullable=True),
    Column("base_version", Integer, nullable=True),  # the fact's version the change was made against
    Column("before_json", Text, nullable=True),  # the fact as tracker columns (+ "_stored")
    Column("after_json", Text, nullable=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=True),
    Column("import_run_id", Integer, ForeignKey("import_runs.id"), nullable=True),
    Column("reverts_change_id", Integer, ForeignKey("changes.id"), nullable=True),
    Column("proposed_by", String(320), nullable=False),  # an email, "command line" or "import: FILE"
    Column("proposed_at", DateTime, nullable=False),  # UTC, naive
    Column("comment", Text, nullable=True),
    # Revision 0005: the name the proposer had when they made the change (never rewritten).
    Column("proposed_by_name", Text, nullable=True),
    CheckConstraint(
        "action IN ('create', 'correct', 'retract', 'revert', 'import', 'grant', 'revoke', 'settings')",
        name="action",
    ),
    CheckConstraint(
        "fact_table IS NULL OR fact_table IN ('interventions', 'events', 'visits', 'inspections')",
        name="fact_table",
    ),
)
Index("ix_changes_fact", changes.c.fact_table, changes.c.fact_id)
Index("ix_changes_authority", changes.c.authority_id)

#: Append-only: a change's state is its latest review (none: proposed).
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", Integer, ForeignKey("changes.id"), nullable=False),
    Column("decision", String(16), nullable=False),  # approved | rejected | applied | withdrawn | conflict
    Column("decided_by", String(320), nullable=False),
    Column("decided_at", DateTime, nullable=False),  # UTC, naive
    Column("comment", Text, nullable=True),
    Column("decided_by_name", Text, nullable=True),  # revision 0005, as ``proposed_by_name``
    CheckConstraint(
        "decision IN ('approved', 'rejected', 'applied', 'withdrawn', 'conflict')", name="decision"
    ),
)
Index("ix_reviews_change", reviews.c.change_id)

#: Revision 0005: every history row (a change, a review, the filling-in of an applied proposal)
#: chained to the one before by a hash of its content and the previous hash
#: (``store/chain``), so a row altered by direct SQL no longer fits. Append-only as well.
history_chain = Table(
    "history_chain",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("entry", String(16), nullable=False),  # change | review | fill
    Column("row_id", Integer, nullable=False),  # changes.id (change, fill) or reviews.id
    Column("content", Text, nullable=False),  # the canonical JSON the hash was made of
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False, unique=True),
    Column("recorded_at", DateTime, nullable=False),  # UTC, naive
    CheckConstraint("entry IN ('change', 'review', 'fill')", name="entry"),
)

#: Revision 0006: every source a fact cites, in the order they were added. A fact's own
#: ``source_id`` stays its *primary* source (the one its values come from, which matching ranks);
#: it is always one of these. A correction adds its source here and keeps the earlier ones; a
#: revert puts the fact's sources back as they were. Not append-only: facts come and go.
fact_sources = Table(
    "fact_sources",
    metadata,
    Column("fact_table", String(16), primary_key=True),  # interventions | events | visits | inspections
    Column("fact_id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), primary_key=True),
    Column("position", Integer, nullable=False),  # 0 first; the order they were added
    Column("added_at", DateTime, nullable=True),  # UTC, naive; NULL: not known (before 0006)
    Column("added_by_change_id", Integer, ForeignKey("changes.id"), nullable=True),  # NULL: an import
    Column("import_run_id", Integer, ForeignKey("import_runs.id"), nullable=True),
    CheckConstraint(
        "fact_table IN ('interventions', 'events', 'visits', 'inspections')",
        name="fact_table",
    ),
)
Index("ix_fact_sources_source", fact_sources.c.source_id)

deployment = Table(
    "deployment",
    metadata,
    Column("key", String(64), primary_key=True),  # e.g. allow_self_approval
    Column("value", Text, nullable=False),
)


@dataclass(frozen=True)
class NaturalKey:
    """Columns no two rows of a fact table share: a unique index, and the importer's last check.

    Each key is one the importer's matching already guarantees (``sources.matching``: two
    inspections of one kind on the same day, or published the same day, are always merged into
    one fact), so the index never refuses two facts the importer keeps apart; it refuses a second
    copy of one fact, whoever writes it. SQL treats NULLs as distinct, so a row with a NULL key
    column is not covered; ``only_where`` (column, value) narrows a key to the rows where that
    column is that value (None: IS NULL), as a partial index on both backends.
    """

    name: str
    table: str
    columns: tuple[str, ...]
    only_where: tuple[str, bool | None] | None = None

    def applies_to(self, values: dict[str, Any]) -> bool:
        """Whether a row (column -> value) is covered by this key's unique index."""
        if self.only_where is not None:
            column, wanted = self.only_where
            value = values.get(column)
            if not (value is None if wanted is None else value is not None and bool(value) == wanted):
                return False
        return all(values.get(c) is not None for c in self.columns)


NATURAL_KEYS = (
    NaturalKey("uq_inspections_dated", "inspections", ("authority_id", "kind", "inspection_date")),
    # An estimated publication date is made up from the inspection date: matching ignores it.
    NaturalKey(
        "uq_inspections_published",
        "inspections",
        ("authority_id", "kind", "publication_date"),
        ("publication_estimated", False),
    ),
    NaturalKey("uq_visits_dated", "visits", ("authority_id", "kind", "visit_date", "publication_date")),
    NaturalKey(
        "uq_visits_unpublished", "visits", ("authority_id", "kind", "visit_date"), ("publication_date", None)
    ),
    NaturalKey(
        "uq_visits_undated", "visits", ("authority_id", "kind", "publication_date"), ("visit_date", None)
    ),
    NaturalKey("uq_interventions_start", "interventions", ("authority_id", "level", "kind", "start_date")),
    NaturalKey(
        "uq_interventions_start_unkinded",
        "interventions",
        ("authority_id", "level", "start_date"),
        ("kind", None),
    ),
    NaturalKey("uq_events_day_title", "events", ("authority_id", "kind", "date", "title")),
)


def _natural_key_index(key: NaturalKey) -> Index:
    table = metadata.tables[key.table]
    where = {}
    if key.only_where is not None:
        column, wanted = key.only_where
        clause = table.c[column].is_(None) if wanted is None else table.c[column] == wanted
        where = {f"{dialect}_where": clause for dialect in ("sqlite", "postgresql")}
    return Index(key.name, *(table.c[c] for c in key.columns), unique=True, **where)


NATURAL_KEY_INDEXES = tuple(_natural_key_index(key) for key in NATURAL_KEYS)
