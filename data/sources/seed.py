"""First-use set-up: the register of authorities, the seed tracker and the data bundle.

The register (``data/reference/*.csv``) and the seed tracker (``data/seed/tracker_*.csv``, the
facts of the two seed documents and DOMAIN.md's appendix, each with its source link) are
the project's own data, with the errata (``data/seed/errata.csv``, :mod:`.errata`: curated
corrections of dates a release got wrong, applied by every import and, when the file changes,
by the seed). They are loaded on first use and again whenever their content
changes (a new release of the app), through the same importer users run, at the lowest
rank, so that Ofsted's official data always wins a disagreement. Then the data bundle
(``data/bundle``, :mod:`oversight.data.sources.bundle`): the public files' rows, each file
imported under its own name and checksum at its own rank, unless ``OVERSIGHT_BUNDLE=off``.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Connection, Engine, delete, insert, select, update

from oversight.data import settings
from oversight.data.checksum import sha256_of
from oversight.data.domain import register
from oversight.data.resources import seed_dir
from oversight.data.sources import bundle, errata
from oversight.data.sources.importer import import_errata, import_parsed, import_paths, record_import_change
from oversight.data.sources.records import ImportRefused
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction

SEED_DIR = seed_dir()
SEED_FILES = ("tracker_blog.csv", "tracker_appendix.csv", "tracker_history.csv")
REGISTER_KIND = "register"
log = logging.getLogger("oversight")


def ensure_seeded(engine: Engine) -> None:
    """Load the register and the seed tracker if this database has not seen this version.

    A database already seeded is only read, so opening it never waits for a running import.
    Otherwise each step takes the writer lock and looks again inside it, so two processes
    seeding one new database do it once: the second waits, then finds the register's run,
    and its seed import is a repeat, rolled back.
    """
    reg_sha = sha256_of(register.AUTHORITIES_CSV, register.REGIONS_CSV)
    seeds = [SEED_DIR / name for name in SEED_FILES if (SEED_DIR / name).exists()]
    with engine.connect() as conn:
        seen = _imported(conn)
    if reg_sha not in seen:
        with write_transaction(engine) as conn:
            if reg_sha not in _imported(conn):
                _load_register(conn, reg_sha)
    todo = [p for p in seeds if sha256_of(p) not in seen]
    if todo:
        import_paths(engine, todo, rank_kind="seed")
    if settings.bundle_enabled():
        try:
            load_bundle(engine, seen)
        except ImportRefused as exc:
            # The app still opens on the register and seed; the terminal says what is wrong,
            # in one line per problem (no traceback), and `oversight bundle load` repeats it.
            log.warning("%s", exc)
    if errata.ERRATA_CSV.is_file() and sha256_of(errata.ERRATA_CSV) not in seen:
        # Every import applies the errata; this brings a changed file to a database at once.
        try:
            import_errata(engine)
        except ImportRefused as exc:
            log.warning("%s", exc)  # as for the bundle: the app opens, the terminal says why


def load_bundle(engine: Engine, seen: set[str] | None = None) -> list:
    """Import the bundle's files this database has not imported yet, in one transaction.

    Raises :class:`ImportRefused` (nothing written) if the bundle is truncated or edited.
    Returns the import summaries (empty when there was nothing to do).
    """
    if seen is None:
        with engine.connect() as conn:
            seen = _imported(conn)
    todo = bundle.pending(seen)
    if not todo:
        return []
    files = bundle.read(only={f.file for f in todo})
    return import_parsed(engine, [p for p, _ in files], [pf for _, pf in files], rank_kind="release")


def _imported(conn: Connection) -> set[str]:
    """Checksums of everything imported successfully, the register included."""
    return set(conn.execute(select(s.import_runs.c.sha256).where(s.import_runs.c.outcome == "ok")).scalars())


def _load_register(conn: Connection, reg_sha: str) -> None:
    """Sync the register and record it as an import run (the Data & sources page lists it)."""
    sync_register(conn)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    count = len(register.load_codes())
    run = {
        "file_name": "register: authorities.csv + regions.csv",
        "sha256": reg_sha,
        "kind": REGISTER_KIND,
        "started_at": now,
        "finished_at": now,
        "rows_read": count,
        "rows_added": 0,
        "rows_updated": 0,
        "rows_unchanged": count,
        "outcome": "ok",
        "message": "register of authorities",
    }
    run_id = conn.execute(insert(s.import_runs).values(**run)).inserted_primary_key[0]
    record_import_change(conn, run_id, run)


def sync_register(conn: Connection) -> None:
    """Upsert regions, authorities (one per lineage), their codes, aliases and links."""
    _sync_regions(conn)
    code_to_id = {r.code: r.authority_id for r in conn.execute(select(s.authority_codes))}
    lineage_ids = _sync_authorities(conn, code_to_id)
    _sync_aliases(conn, lineage_ids)
    _sync_links(conn, code_to_id)


def _sync_regions(conn: Connection) -> None:
    """Upsert regions by code; ``sort_order`` follows the register's order."""
    existing_regions = {r.code for r in conn.execute(select(s.regions.c.code))}
    for order, (code, name) in enumerate(register.load_regions(), start=1):
        values = {"name": name, "sort_order": order}
        if code in existing_regions:
            conn.execute(update(s.regions).where(s.regions.c.code == code).values(**values))
        else:
            conn.execute(insert(s.regions).values(code=code, **values))


def _sync_authorities(conn: Connection, code_to_id: dict[str, int]) -> dict[str, int]:
    """Upsert one authority per lineage, and its codes; return authority ids by lineage key.

    An authority keeps its id across releases (inspections point at it), so a lineage is
    matched to the authority any of its codes already belongs to. ``code_to_id`` is
    updated in place with every code of the register, for the links step.
    """
    lineage_ids: dict[str, int] = {}
    for lineage in register.lineages():
        known = _upsert_authority(conn, lineage, code_to_id)
        lineage_ids[lineage.key] = known
        _sync_codes(conn, lineage, known, code_to_id)
    return lineage_ids


def _upsert_authority(conn: Connection, lineage: register.Lineage, code_to_id: dict[str, int]) -> int:
    """The lineage's authority, described by its latest code: updated if known, else inserted."""
    latest = lineage.latest
    values = {
        "code": latest.code,
        "dfe_code": lineage.key,
        "name": latest.name,
        "region_code": latest.region_code,
        "type": latest.type,
        "existed_from": lineage.existed_from,
        "existed_to": lineage.existed_to,
    }
    known = next((code_to_id[c.code] for c in lineage.codes if c.code in code_to_id), None)
    if known is None:
        known = conn.execute(insert(s.authorities).values(**values)).inserted_primary_key[0]
    else:
        conn.execute(update(s.authorities).where(s.authorities.c.id == known).values(**values))
    return known


def _sync_codes(
    conn: Connection, lineage: register.Lineage, authority_id: int, code_to_id: dict[str, int]
) -> None:
    """Upsert every code of the lineage, all pointing at its one authority."""
    for c in lineage.codes:
        cvalues = {
            "authority_id": authority_id,
            "name": c.name,
            "type": c.type,
            "valid_from": c.valid_from,
            "valid_to": c.valid_to,
        }
        if c.code in code_to_id:
            conn.execute(
                update(s.authority_codes).where(s.authority_codes.c.code == c.code).values(**cvalues)
            )
        else:
            conn.execute(insert(s.authority_codes).values(code=c.code, **cvalues))
        code_to_id[c.code] = authority_id


def _sync_aliases(conn: Connection, lineage_ids: dict[str, int]) -> None:
    """Replace the alias table: every name and alias of every code, one row per (key, authority).

    Aliases are derived wholly from the register, so they are rebuilt rather than upserted;
    where two spellings share a key, the first in sorted order is kept.
    """
    conn.execute(delete(s.authority_aliases))
    aliases: set[tuple[str, int, str]] = set()
    for lineage in register.lineages():
        aid = lineage_ids[lineage.key]
        for c in lineage.codes:
            for alias in (c.name, *c.aliases):
                aliases.add((register.name_key(alias), aid, alias))
    seen_keys: set[tuple[str, int]] = set()
    rows = []
    for key, aid, alias in sorted(aliases):
        if (key, aid) not in seen_keys:
            seen_keys.add((key, aid))
            rows.append({"alias_key": key, "authority_id": aid, "alias": alias})
    conn.execute(insert(s.authority_aliases), rows)


def _sync_links(conn: Connection, code_to_id: dict[str, int]) -> None:
    """Add predecessor -> successor links for reorganisations not yet recorded.

    A predecessor with more than one successor was split, otherwise merged. Links already
    stored are left as they are, so re-running the register never duplicates them.
    """
    existing_links = {(r.predecessor_id, r.successor_id) for r in conn.execute(select(s.authority_links))}
    for row in register.load_codes():
        for pred in row.predecessors:
            pair = (code_to_id[pred], code_to_id[row.code])
            if pair not in existing_links and row.valid_from is not None:
                splits = sum(1 for other in register.load_codes() if pred in other.predecessors)
                conn.execute(
                    insert(s.authority_links).values(
                        predecessor_id=pair[0],
                        successor_id=pair[1],
                        date=row.valid_from,
                        kind="split" if splits > 1 else "merge",
                    )
                )
                existing_links.add(pair)
