"""Bulk entry through review in the app (AppTest): an editor uploads a tracker CSV on the Tracker
page, sees what would be filed (and its warnings), and files one proposal per row; a file with
a problem files nothing and names the row and column; anyone else gets no uploader, and a
filing replayed after signing out is refused by the data layer."""

from __future__ import annotations

import pytest

from oversight.components.figures.safe_text import markdown
from oversight.data import bootstrap
from oversight.data.curation import bulk, history
from tests.curation_support import EDITOR, NO_ROLE, REVIEWER
from tests.test_app_curation import TRACKER, _open, user

HEADER = "record,authority_code,date,level,kind,title,source_url,source_title\n"
VALID = (
    HEADER + "intervention,E10000008,2021-04-01,improvement_notice,adviser,DfE adviser,"
    "https://www.example.org/devon,Devon annual report\n"
    + "event,E10000008,2024-03-01,,board,Improvement board met,https://www.example.org/board,Minutes\n"
    + "intervention,E06000061,2015-03-01,improvement_notice,,,https://www.example.org/nn,A notice\n"
)
UPLOADER = "bulk_file_0"


@pytest.fixture
def app(monkeypatch, store_url, data_dir):
    return _open(monkeypatch, store_url, data_dir)


def _upload(at, text: str, name: str = "week 49.csv"):
    at.file_uploader(key=UPLOADER).upload(name, text.encode(), "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_editor_uploads_a_file_and_each_row_becomes_a_proposal(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = _upload(app(TRACKER, EDITOR), VALID)
    assert markdown("week 49.csv: 3 rows can be proposed, each for review.") in [s.value for s in at.success]
    [warning] = [w.value for w in at.warning if "Worth checking before you propose" in w.value]
    assert markdown("week 49.csv, row 4: North Northamptonshire (E06000061) came into being") in warning
    assert not history.open_proposals(engine)  # checked, not filed

    at.button(key="bulk_propose").click().run()
    assert not at.exception
    waiting = history.open_proposals(engine)
    assert len(waiting) == 3 and {c.who for c in waiting} == {"Eddie Editor"}
    first, last = waiting[0].id, waiting[-1].id
    assert markdown(f"Proposed 3 facts from week 49.csv (changes {first} to {last})") in at.success[0].value
    assert not [u for u in at.file_uploader if u.key == UPLOADER]  # a fresh, empty uploader

    # Reviewed like any other: the cards are on a reviewer's Tracker page, with their warnings.
    reviewer = app(TRACKER, REVIEWER)
    labels = [b.label for b in reviewer.button]
    assert all(f"Approve change {c.id}" in labels for c in waiting)
    assert any("came into being on 1 April 2021" in w.value for w in reviewer.warning)


def test_a_rerun_with_the_file_still_chosen_shows_the_check_without_checking_again(
    app, store_url, monkeypatch
):
    """500 rows take seconds to check: a rerun (another widget touched) reuses the check, while
    the same file with new data in the tracker, or another file, is checked again."""
    at = _upload(app(TRACKER, EDITOR), VALID)
    checks = []
    real = bulk.propose_file
    monkeypatch.setattr(
        bulk, "propose_file", lambda *a, **k: checks.append(k.get("check_only")) or real(*a, **k)
    )
    at.run()
    assert checks == [] and not at.exception
    assert markdown("week 49.csv: 3 rows can be proposed, each for review.") in [s.value for s in at.success]
    assert any("Worth checking before you propose" in w.value for w in at.warning)
    _upload(at, VALID.replace("Minutes", "Board minutes"))
    assert checks == [True]


def test_an_invalid_row_files_nothing_and_names_its_row_and_column(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    bad = VALID + "intervention,E10000008,2021-04-01,bogus,,,https://www.example.org/x,X\n"
    at = _upload(app(TRACKER, EDITOR), bad, "hostile *name* <b>.csv")
    [error] = [e.value for e in at.error]
    assert markdown("hostile *name* <b>.csv, row 5, column level: 'bogus' is not one of") in error
    assert "*name*" not in error.replace("\\*", "")  # the name is text, not Markdown
    assert not [b for b in at.button if b.key == "bulk_propose"]
    assert not history.open_proposals(engine)


@pytest.mark.parametrize("who", [None, NO_ROLE, REVIEWER], ids=["anonymous", "no-role", "reviewer"])
def test_only_editors_and_above_get_the_uploader(app, who):
    at = app(TRACKER, who)
    assert bool([u for u in at.file_uploader if u.key == UPLOADER]) == (who is REVIEWER)


def test_a_filing_replayed_after_signing_out_is_refused(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = _upload(app(TRACKER, EDITOR), VALID)
    button = at.button(key="bulk_propose")
    at.user = user(NO_ROLE)  # the session is someone else's before the click arrives
    button.click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(markdown("someone@example.org has no role on this tracker") in e for e in errors), errors
    assert not history.open_proposals(engine)
