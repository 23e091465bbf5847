"""Plausibility warnings in the app (AppTest): shown to the editor before anything is filed,
and to the reviewer on the proposal's card. A warning never refuses: the same values pressed
again are filed. Each test writes to its own copy of the store (``test_app_curation``)."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets.plausibility import AGAIN
from oversight.data import bootstrap
from oversight.data.curation import edits, history
from oversight.data.domain.dates import long_date
from oversight.data.store import story
from tests.curation_support import DEVON, EDITOR, REVIEWER
from tests.test_app_curation import FORM, STILL, TRACKER, _devon_row, _open, devon, propose_devon


@pytest.fixture
def app(monkeypatch, store_url, data_dir):
    return _open(monkeypatch, store_url, data_dir)


def _warnings(at) -> list[str]:
    """This widget's warnings (the page has others: a stale data notice)."""
    return [w.value for w in at.warning if "Check before proposing" in w.value or "Worth checking" in w.value]


def test_a_future_start_is_warned_before_filing_and_filed_when_pressed_again(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    soon = dt.date.today() + dt.timedelta(days=40)
    at = propose_devon(devon(app, EDITOR), date=soon.isoformat())
    [warning] = _warnings(at)
    assert "Check before proposing:" in warning
    assert markdown(f"The date, {long_date(soon)}, is in the future") in warning
    assert AGAIN in warning
    assert not history.open_proposals(engine) and not at.success  # nothing filed yet
    assert at.date_input(key=FORM + "date").value == soon  # the values stay

    # Changed to another implausible value: checked again, still nothing filed.
    later = soon + dt.timedelta(days=1)
    at.date_input(key=FORM + "date").set_value(later)
    at.button(key=FORM + "submit").click().run()
    assert markdown(f"The date, {long_date(later)}, is in the future") in _warnings(at)[0]
    assert not history.open_proposals(engine)

    # The same values pressed again: filed as they are (a warning is not a refusal).
    at.button(key=FORM + "submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success][0].startswith(markdown("Proposed — waiting for review"))
    [change] = history.open_proposals(engine)
    assert change.after["date"] == later.isoformat()
    assert not any("Check before proposing" in w for w in _warnings(at))


def test_a_plausible_fact_is_filed_at_the_first_press(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = propose_devon(devon(app, EDITOR))  # Devon, inadequate since March 2020: a notice in 2021
    assert not _warnings(at)
    assert len(history.open_proposals(engine)) == 1


def test_the_reviewer_sees_the_warnings_on_the_card(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    soon = dt.date.today() + dt.timedelta(days=40)
    future = edits.propose(engine, EDITOR, _devon_row(date=soon.isoformat()))
    edits.propose(engine, EDITOR, _devon_row(authority_code="E06000061", date="2015-03-01", title="A notice"))
    edits.propose(engine, EDITOR, _devon_row(date="2021-05-01"))  # plausible: no warning
    at = app(TRACKER, REVIEWER)
    warnings = _warnings(at)
    assert len(warnings) == 2, warnings
    assert all("Worth checking before you decide (a warning, not a refusal):" in w for w in warnings)
    assert markdown(f"The date, {long_date(soon)}, is in the future") in warnings[0]
    assert markdown("North Northamptonshire (E06000061) came into being on 1 April 2021") in warnings[1]
    assert f"Approve change {future}" in [b.label for b in at.button]  # a warning never hides Approve


def test_a_correction_is_warned_too_against_the_fact_as_it_stands(app, store_url):
    """Devon's 2013 notice, its end corrected to a day in the future: warned, then filed."""
    engine = bootstrap.ready_engine(store_url)
    [fact_id] = [
        f.fact_id for f in story.authority_story(engine, DEVON).own_facts if f.fact_table == "interventions"
    ]
    version = history.current_fact(engine, "interventions", fact_id).version
    at = devon(app, EDITOR)
    at.radio(key="record_what").set_value("fix").run()
    at.selectbox(key="record_fix_choice").set_value(f"interventions:{fact_id}").run()
    prefix = f"record_fix_interventions_{fact_id}_{version}_0_"
    soon = dt.date.today() + dt.timedelta(days=40)
    if at.checkbox(key=prefix + STILL).value:  # the 2013 notice has no end: still in force
        at.checkbox(key=prefix + STILL).uncheck()
    at.date_input(key=prefix + "end_date").set_value(soon)
    at.selectbox(key=prefix + "end_precision").set_value("day")
    at.text_input(key=prefix + "source_url").input("https://www.example.org/lifted")
    at.text_input(key=prefix + "source_title").input("Notice lifted")
    at.button(key=prefix + "submit").click().run()
    [warning] = _warnings(at)
    assert markdown(f"The end date, {long_date(soon)}, is in the future") in warning
    assert not history.open_proposals(engine)
    at.button(key=prefix + "submit").click().run()
    [change] = history.open_proposals(engine)
    assert change.action == "correct" and change.after["end_date"] == soon.isoformat()
