"""Same code, same answers: SQLite and PostgreSQL give identical results on the same imports."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import queries, story
from tests.conftest import _new_url

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def engines(request, tmp_path_factory, release_paths):
    out = {}
    for backend in ("sqlite", "postgresql"):
        url = _new_url(backend, request, tmp_path_factory.mktemp(backend))
        out[backend] = bootstrap.ready_engine(url)
        import_paths(out[backend], release_paths)
    return out


def test_snapshots_agree(engines):
    days = [dt.date(2014, 1, 1) + dt.timedelta(days=91 * k) for k in range(42)]
    for day in days:
        assert queries.snapshot(engines["sqlite"], day) == queries.snapshot(engines["postgresql"], day), day


def test_spells_agree(engines):
    a = queries.inadequate_spells(engines["sqlite"]).drop(columns="authority_id")
    b = queries.inadequate_spells(engines["postgresql"]).drop(columns="authority_id")
    assert a.astype(str).values.tolist() == b.astype(str).values.tolist()


def test_authority_histories_agree(engines):
    for code in ("E06000005", "E08000025", "E10000021", "E06000060"):
        facts = []
        for engine in engines.values():
            info = story.find_authority(engine, code)
            facts.append(
                [
                    (f.type, f.kind, f.date, f.overall_effectiveness)
                    for f in story.authority_facts(engine, info.id)
                ]
            )
        assert facts[0] == facts[1], code
