"""The UI's handle on the store: one engine per process, query results cached per data version.

Components never write SQL: they call ``data.queries`` through these cached wrappers. The
cache key includes the newest import run, so an import is visible on the next rerun.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select

from data import db, queries, settings
from data import schema as s


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        return {}


@st.cache_resource(show_spinner="Opening the tracker database…")
def _engine(url: str) -> Engine:
    return db.ready_engine(url)


def engine() -> Engine:
    """The migrated, seeded engine for the configured database (keyed by its URL)."""
    return _engine(settings.database_url(secrets=_secrets()))


def data_version() -> int:
    """Changes whenever an import lands: part of every cache key below."""
    with engine().connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(s.import_runs.c.id), 0))).scalar_one())


def _key() -> tuple[str, int]:
    """(database URL, data version): results are cached per database and per import."""
    return str(engine().url), data_version()


@st.cache_data(show_spinner=False, max_entries=64)
def _latest_judgements(key: tuple[str, int], as_at: dt.date, region: str | None) -> pd.DataFrame:
    return queries.latest_judgements(engine(), as_at, region)


def latest_judgements(as_at: dt.date, region: str | None) -> pd.DataFrame:
    return _latest_judgements(_key(), as_at, region)


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(key: tuple[str, int]) -> dict[str, Any]:
    return queries.data_overview(engine())


def overview() -> dict[str, Any]:
    return _overview(_key())


@st.cache_data(show_spinner=False, max_entries=8)
def _data_as_at(key: tuple[str, int]) -> dt.date | None:
    return queries.data_as_at(engine())


def data_as_at() -> dt.date | None:
    return _data_as_at(_key())
