"""Harvested proposals on the Tracker page (AppTest): listed, noted and approved like any other.

A fresh SQLite store (register and seed) gets the harvest's proposals from the local GOV.UK of
``tests/govuk_support``; a reviewer opens the Tracker page and finds each one with its proposer
("command line"), its note saying it was harvested from GOV.UK, its source link, and Approve.
"""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.components.figures.safe_text import markdown
from oversight.data import bootstrap
from oversight.data.curation import harvest, history
from tests.curation_support import REVIEWER, grant_everyone
from tests.govuk_support import KNOWSLEY, serve_govuk
from tests.test_app_curation import TRACKER, _labels, _open, _text


@pytest.fixture
def store_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'harvest.sqlite'}"
    engine = bootstrap.ready_engine(url)
    grant_everyone(engine)
    with serve_govuk() as govuk:
        harvest.harvest(engine, since=dt.date(2026, 1, 1), base_url=govuk.url, today=dt.date(2026, 5, 1))
    yield url
    bootstrap.forget(url)


def test_harvested_proposals_wait_on_the_tracker_page_for_a_reviewer(monkeypatch, store_url, data_dir):
    engine = bootstrap.ready_engine(store_url)
    waiting = history.open_proposals(engine)
    assert len(waiting) == 4
    knowsley = next(ch for ch in waiting if ch.source.url == "https://www.gov.uk" + KNOWSLEY)

    app = _open(monkeypatch, store_url, data_dir)
    at = app(TRACKER, REVIEWER)
    text = _text(at)
    assert "Proposals waiting for review" in text
    assert markdown("Proposed by command line on") in text
    assert markdown("Knowsley · change " + str(knowsley.id)) in text
    assert "Note from the proposer: " + markdown("Harvested from GOV.UK") in text
    assert {f"Approve change {ch.id}" for ch in waiting} <= set(_labels(at))

    at.button(key=f"review_tracker_{knowsley.id}_approve").click().run()
    assert not at.exception
    assert [s.value for s in at.success][0].startswith(markdown(f"Approved change {knowsley.id}"))
    assert knowsley.id not in {ch.id for ch in history.open_proposals(engine)}
