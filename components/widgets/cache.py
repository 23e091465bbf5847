"""The UI's handle on the store: one engine per process, query results cached per data version.

Components never write SQL: they call ``oversight.data.store.queries`` through these cached wrappers. The
cache key includes the newest import run and the newest applied change (an approved proposal, a
revert), so either is visible on the next rerun.

The data version is read once per script run: the router runs every run inside
``unavailable.guard()``, which holds ``one_version()``, so every cached call of the run shares the
first read (a rerun made 5–8 reads of it before, 8–9 % of a new session's server time, issue 23).
An import or an applied change is seen on the next rerun, as before; outside such a block (a
fragment's rerun) it is read on every call.

A database that cannot be used now (locked, read-only, its server down) surfaces as
``oversight.data.store.errors.StoreUnavailable``: ``engine()`` raises it, ``database_problem``
recognises it in any query's error, and neither leaves a failed engine cached, so the app
recovers by itself once the database is back (``widgets.unavailable`` shows the message).

What a run draws comes from one data version (``unmoved``): an import that commits while a run is
drawing would otherwise give it the old data from the cache and the new from every query after the
commit (and a result computed after the commit would be kept under the old version's key). The
version is read as the run starts and once more as it ends; if it moved, ``DataMoved`` makes
``widgets.unavailable.guard`` draw the page again, from the new version only.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from oversight.components.figures.map_data import MapData
from oversight.components.figures.map_data import map_data as build_map_data
from oversight.components.figures.map_plotly import map_figure as build_map_figure
from oversight.data import bootstrap, logs, settings
from oversight.data.curation import notify
from oversight.data.domain.gaps import Gap
from oversight.data.domain.register import load_regions
from oversight.data.sources import boundaries as b
from oversight.data.store import queries
from oversight.data.store import record_gaps as gap_queries
from oversight.data.store import story as stories
from oversight.data.store.errors import StoreUnavailable, classify
from oversight.data.store.transactions import waiting

#: What every cached result is keyed by: (database URL, ``queries.data_version``: imports and applied changes).
Key = tuple[str, int]
_log = logging.getLogger("oversight.app")
#: The key read in this script run (None outside ``one_version``); an empty dict until first read.
_run_key: ContextVar[dict[str, Key] | None] = ContextVar("oversight_run_key", default=None)
#: True inside ``unmoved`` (a nested block is the outer one's).
_checking: ContextVar[bool] = ContextVar("oversight_unmoved", default=False)


class DataMoved(Exception):
    """An import or an applied change committed while this run drew its page: draw it again."""


@functools.lru_cache(maxsize=1)
def _secrets() -> dict[str, Any]:
    """The deployment's Streamlit secrets, read once per process by ``settings.read_secrets``: the
    same reader, files and merge as the ``oversight`` command's, so both see one database, one set
    of admins (restart to change them). A file that is not valid TOML is logged and read as none,
    as Streamlit itself does at start (no ``[auth]``: no sign-in)."""
    try:
        return dict(settings.read_secrets())
    except settings.SettingsError as exc:
        _log.error("%s: the app runs without its secrets", exc)
        return {}


def secrets() -> dict[str, Any]:
    """The deployment's Streamlit secrets (read once per process), for settings the data layer
    takes from them (``settings.verified_domains``)."""
    return _secrets()


def auth_settings() -> dict[str, Any] | None:
    """The ``[auth]`` section of Streamlit secrets (sign-in, ``widgets.auth``), or None when this
    deployment has not set sign-in up. Read with the other secrets, once per process."""
    section = _secrets().get("auth")
    return dict(section) if isinstance(section, Mapping) else None


def _database_url() -> str:
    """The configured URL, as the ``oversight`` command resolves it (``settings.database_url``)."""
    return settings.database_url(secrets=_secrets())


@st.cache_resource(show_spinner="Opening the tracker database…")
def _engine(url: str) -> Engine:
    with waiting(None):  # the first set-up queues behind another process's, as the CLI's does
        return bootstrap.ready_engine(url)


def engine() -> Engine:
    """The migrated, seeded engine for the configured database (keyed by its URL).

    Raises ``StoreUnavailable`` (``setting_up``: the first use, which may write) when the database
    cannot be opened, migrated or seeded now; nothing is cached then, so the next run tries again.
    """
    url = _database_url()
    notify.use_secrets(secrets)  # e-mail settings ([smtp]) for the data layer, read when it sends
    logs.configure("kv")  # the server's log: one line per action on standard error (once a process)
    try:
        return _engine(url)
    except Exception as exc:
        problem = classify(exc, url, setting_up=True)
        if problem is None:
            raise
        _engine.clear()
        raise problem from None


def database_problem(exc: BaseException) -> StoreUnavailable | None:
    """``exc`` as a ``StoreUnavailable`` if the database cannot be used now (None: a bug).

    The cached engine is dropped too: ``st.cache_resource`` must not keep serving an engine that
    has just failed, and its next use prepares it again (pool_pre_ping replaces dead connections).
    """
    problem = classify(exc, _database_url())
    if problem is not None:
        _engine.clear()
    return problem


def reachable() -> bool:
    """True when the database answers a query now (within a second); the error page's retry asks this."""
    try:
        with waiting(1.0):
            queries.data_version(engine())  # now, not this run's memo
    except Exception as exc:
        if database_problem(exc) is None:
            raise
        return False
    return True


@contextmanager
def one_version() -> Iterator[None]:
    """Within the block (one script run: the router's), the data version is read once.

    Why not per session or per process: an import or an approved edit through another process
    must show on the visitor's next rerun; a run is the longest span no one expects to see a
    change within. A failed read is not kept (the next call asks again)."""
    token = _run_key.set({})
    try:
        yield
    finally:
        _run_key.reset(token)


def data_version() -> int:
    """Changes whenever an import lands or a change to a fact is applied (an approved proposal,
    a revert): part of every cache key below (``queries.data_version``), read once per run."""
    return _key()[1]


@contextmanager
def unmoved() -> Iterator[None]:
    """Around a whole run: raise ``DataMoved`` at its end if the data version is not the one it
    started with (an import or an applied change committed meanwhile; the version only grows, so
    equal means nothing committed in between). Costs a run a read of the version at each end. A
    nested block is the outer one's; an exception from the run (``st.stop``, a rerun, a bug)
    passes as it is."""
    if _checking.get():
        yield
        return
    start = data_version()
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)
    now = queries.data_version(engine())
    if now != start:
        raise DataMoved(start, now)


def cache_key() -> Key:
    """(database URL, data version) for components that cache their own results."""
    return _key()


def _key() -> Key:
    """(database URL, data version): results are cached per database, per import and per
    applied change; read once per run inside ``one_version``."""
    memo = _run_key.get()
    if memo is not None and "key" in memo:
        return memo["key"]
    store = engine()
    key = str(store.url), queries.data_version(store)
    if memo is not None:
        memo["key"] = key
    return key


@st.cache_data(show_spinner=False, max_entries=64)
def _latest_judgements(key: Key, as_at: dt.date, region: str | None) -> pd.DataFrame:
    return queries.latest_judgements(engine(), as_at, region)


def latest_judgements(as_at: dt.date, region: str | None) -> pd.DataFrame:
    return _latest_judgements(_key(), as_at, region)


@st.cache_resource(show_spinner=False, max_entries=64)
def _council_names(key: Key, as_at: dt.date) -> dict[str, str]:
    names = _latest_judgements(key, as_at, None).set_index("code")["name"].to_dict()
    return dict(sorted(names.items(), key=lambda item: item[1]))


def council_names(as_at: dt.date) -> dict[str, str]:
    """ONS code -> name of every council existing on the date, by name: the sidebar's search and
    the authority page's box on every run. One dict per data version and date shared by every
    session (``st.cache_data`` would unpickle a copy per call): read it, never change it."""
    return _council_names(_key(), as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(key: Key) -> dict[str, Any]:
    return queries.data_overview(engine())


def overview() -> dict[str, Any]:
    return _overview(_key())


@st.cache_data(show_spinner=False, max_entries=8)
def _data_as_at(key: Key) -> dt.date | None:
    return queries.data_as_at(engine())


def data_as_at() -> dt.date | None:
    return _data_as_at(_key())


@st.cache_data(show_spinner=False, max_entries=4)
def _level_inputs(key: Key):
    return queries.level_inputs(engine())


@st.cache_data(show_spinner=False, max_entries=256)
def _levels(key: Key, as_at: dt.date) -> pd.DataFrame:
    return queries.intervention_levels(
        engine(), as_at, None, inputs=_level_inputs(key), latest=_latest_judgements(key, as_at, None)
    )


def levels(as_at: dt.date) -> pd.DataFrame:
    """Every authority existing on the date: level, since, latest judgement (all England)."""
    return _levels(_key(), as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def _code_owners(key: Key) -> dict[str, int]:
    return queries.code_owners(engine())


def code_owners() -> dict[str, int]:
    """ONS code -> authority id, for every code any authority has had."""
    return _code_owners(_key())


@st.cache_data(show_spinner=False, max_entries=64)
def _facts(key: Key, authority_id: int) -> list[stories.Fact]:
    return stories.authority_facts(engine(), authority_id)


def facts(authority_id: int) -> list[stories.Fact]:
    return _facts(_key(), authority_id)


@st.cache_resource(show_spinner="Preparing boundaries…", max_entries=8)
def boundaries(data_dir: str | None, vintage: str) -> dict[str, Any] | None:
    """The simplified boundaries of a vintage, once per process: the data directory's, else the
    bundle's (None if neither has it)."""
    return b.load(Path(data_dir) if data_dir else None, vintage)


class CachedMapSource:
    """The map pipeline's ``MapSource`` through this module's caches (the configured data dir)."""

    def levels(self, as_at: dt.date) -> pd.DataFrame:
        return levels(as_at)

    def code_owners(self) -> dict[str, int]:
        return code_owners()

    def boundaries(self, vintage: str) -> dict[str, Any] | None:
        data_dir = settings.data_dir()
        return boundaries(str(data_dir) if data_dir else None, vintage)


@st.cache_resource(show_spinner=False, max_entries=64)
def _map_data(key: Key, data_dir: str | None, as_at: dt.date) -> MapData:
    return build_map_data(CachedMapSource(), as_at)


def map_data(as_at: dt.date) -> MapData:
    """The map pipeline's input on a date, shared (read-only) by every map view of every session."""
    data_dir = settings.data_dir()
    return _map_data(_key(), str(data_dir) if data_dir else None, as_at)


def _region_name(region: str | None) -> str:
    return dict(load_regions()).get(region or "", "England")


@st.cache_resource(show_spinner=False, max_entries=64)
def _map_figure(
    key: Key, data_dir: str | None, colour: str, view: str, as_at: dt.date, region: str | None
) -> go.Figure:
    return build_map_figure(map_data(as_at), colour, region, _region_name(region), view)


def map_figure(colour: str, view: str, as_at: dt.date, region: str | None) -> go.Figure:
    """The plotly map (``view`` "geo" or "tiles"), cached per data version, date, region, colouring
    and view: a rerun that changes none of them (a table sort, a selection) builds nothing. Shared
    by every session: copy it (``go.Figure(fig)``) before changing it."""
    data_dir = settings.data_dir()
    return _map_figure(_key(), str(data_dir) if data_dir else None, colour, view, as_at, region)


@st.cache_data(show_spinner=False, max_entries=64)
def _story(key: Key, code: str) -> stories.AuthorityStory | None:
    return stories.authority_story(engine(), code)


def story(code: str) -> stories.AuthorityStory | None:
    """An authority's facts with its predecessors' and successors' (None: unknown code)."""
    return _story(_key(), code.strip().upper())


@st.cache_data(show_spinner=False, max_entries=64)
def _neighbours(key: Key, authority_id: int):
    return queries.neighbours_of(engine(), authority_id)


def neighbours(authority_id: int):
    """(model, neighbours) of an authority; (None, []) if no grouping is imported."""
    return _neighbours(_key(), authority_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _full_inspections(key: Key) -> pd.DataFrame:
    return queries.full_inspections(engine())


def full_inspections() -> pd.DataFrame:
    return _full_inspections(_key())


@st.cache_data(show_spinner=False, max_entries=16)
def _spells(key: Key, as_at: dt.date | None) -> pd.DataFrame:
    return queries.spells_with_context(engine(), as_at=as_at)


def spells_with_context(as_at: dt.date | None = None) -> pd.DataFrame:
    """Every inadequate spell with its context, as the history stood on ``as_at`` (None: all)."""
    return _spells(_key(), as_at)


@st.cache_data(show_spinner=False, max_entries=4)
def _record_gaps(key: Key, today: dt.date) -> list[Gap]:
    return gap_queries.record_gaps(engine(), today)


def record_gaps() -> list[Gap]:
    """The gaps in the record today (``store/record_gaps``), per data version and day."""
    return _record_gaps(_key(), dt.date.today())
