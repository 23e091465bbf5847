"""How far each layer of the record runs (issue 22, item 2), on SQLite and PostgreSQL: judgements,
interventions and visits each end on their own date with their own source, a fact dated after
"today" is not news, a month-precision date stays a month; and the last load says whether it was the
data bundle (a bundle loaded today is not data refreshed today)."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.data.sources import bundle
from oversight.data.sources.importer import import_paths
from oversight.data.sources.seed import load_bundle
from oversight.data.store import layers
from oversight.data.store.layers import last_load, layer_ends

D = dt.date.fromisoformat
TODAY = D("2026-12-07")
HEADER = (
    "record,authority_code,date,date_precision,published,end_date,end_precision,level,kind,grade,title,"
    "source_url,source_title,source_publisher\n"
)
ROWS = (
    "inspection,E06000001,2026-03-02,day,2026-04-20,,,,ilacs_standard,Inadequate,Inspection,"
    "https://example.org/i,Hartlepool inspection report,Ofsted\n"
    "visit,E06000001,2026-05-01,day,2026-06-01,,,,monitoring,,Monitoring visit,https://example.org/v,"
    "Hartlepool monitoring letter,Ofsted\n"
    "intervention,E06000001,2026-05-01,day,,2026-07,month,improvement_notice,,,Improvement notice,"
    "https://example.org/n,Hartlepool improvement notice,Department for Education\n"
    "event,E06000001,2026-06-15,day,,,,,other,,Improvement board,https://example.org/e,"
    "Hartlepool board minutes,Hartlepool Borough Council\n"
    # Typed in advance: after "today", so not the end of the record yet.
    "intervention,E06000002,2027-01-10,day,,,,improvement_notice,,,Improvement notice,"
    "https://example.org/f,Future notice,Department for Education\n"
)


@pytest.fixture
def recorded(fresh_engine, tmp_path):
    """The register and seed tracker, then one tracker file of dated facts in every layer."""
    path = tmp_path / "layers.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    import_paths(fresh_engine, [path])
    return fresh_engine


def test_each_layer_ends_on_its_own_date_with_its_source(recorded):
    ends = layer_ends(recorded, TODAY)
    assert ends.judgements.published == D("2026-04-20")
    assert ends.judgements.title == "Hartlepool inspection report" and ends.judgements.publisher == "Ofsted"
    assert ends.visits.published == D("2026-06-01") and ends.visits.title == "Hartlepool monitoring letter"
    # The notice's end (July 2026, a month's precision) is newer than the board in June.
    assert (ends.interventions.published, ends.interventions.precision) == (D("2026-07-01"), "month")
    assert ends.interventions.title == "Hartlepool improvement notice"
    assert ends.interventions.url == "https://example.org/n"


def test_a_fact_dated_after_today_is_not_the_end_of_the_record(recorded):
    assert layer_ends(recorded, TODAY).interventions.published == D("2026-07-01")
    later = layer_ends(recorded, D("2027-02-01")).interventions
    assert (later.published, later.title) == (D("2027-01-10"), "Future notice")
    # Before the file's facts: the seed tracker's own ends.
    earlier = layer_ends(recorded, D("2026-04-19"))
    assert earlier.judgements.published < D("2026-04-20") and earlier.visits.published < D("2026-06-01")


def test_an_empty_layer_is_none(fresh_engine):
    ends = layer_ends(fresh_engine, D("2000-01-01"))
    assert ends == layers.Layers(None, None, None)


def test_the_last_load_says_whether_it_was_the_bundle(fresh_engine, tmp_path):
    assert layers.FROM_BUNDLE == bundle.FROM_BUNDLE  # how the store knows a bundle run
    assert last_load(fresh_engine) is None  # the register and seed tracker are not a load of data
    load_bundle(fresh_engine)
    loaded = last_load(fresh_engine)
    assert loaded.from_bundle and loaded.finished_at.date() == dt.datetime.now(dt.UTC).date()
    path = tmp_path / "layers.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    import_paths(fresh_engine, [path])
    after = last_load(fresh_engine)
    assert (after.file_name, after.from_bundle) == ("layers.csv", False)


def test_the_bundle_says_when_its_data_runs_to():
    """The bundle is a byte-for-byte rebuild, so it has no clock time: its date is its data's."""
    assert bundle.data_to() == D("2026-08-20")
