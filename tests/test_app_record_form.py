"""The record form that forgives (issue 21 item 2) and the rough edges of the history (item 8),
without a browser (AppTest; ``tests/test_app_curation.py`` holds the flow and the roles).

Dates are picked, with how exact they are beside them, and reach the proposal as the tracker
CSV writes them; a save's outcome is in the form, beside its button, and stays on the runs that
follow; a correction refused because someone else changed the fact first keeps what was typed,
at the fact's new version, with the other change under each field it touched; the gap prompt
links to the form. Each test writes to its own copy of the store.
"""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import record_fact, review
from oversight.data import bootstrap
from oversight.data.curation import edits, history
from tests import test_app_curation as curation
from tests.curation_support import ADMIN, EDITOR, EDITOR2, REVIEWER, citation
from tests.test_app_curation import FORM, TRACKER, _devon_row, _text, devon, propose_devon

#: The curation tests' app opened on ``store_url`` (conftest: a private copy of the loaded store
#: with the test people's roles) with sign-in set up.
app = curation.app


def _in_form(at: AppTest, form_id: str, kind: str) -> list[str]:
    """The bodies of ``kind`` elements (``success``, ``error``, ``caption``…) drawn inside the
    form ``form_id`` (beside its button), in the page's order."""
    found: list[str] = []

    def walk(node, inside: bool) -> None:
        proto = getattr(node, "proto", None)
        here = inside or (
            getattr(node, "type", None) == "form"
            and getattr(getattr(proto, "form", None), "form_id", "") == form_id
        )
        if getattr(node, "type", None) == kind and here:
            found.append(node.value)
        for child in getattr(node, "children", {}).values():
            walk(child, here)

    walk(at._tree, False)
    return found


# Dates ---------------------------------------------------------------------------------------------


def test_a_picked_date_reaches_the_row_with_its_precision(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = devon(app, EDITOR)
    assert at.date_input(key=FORM + "date").proto.format == "DD/MM/YYYY"
    assert at.selectbox(key=FORM + "end_precision").value == "day"  # drawn beside the end date
    propose_devon(at, date="2021-04-17", date_precision="month", still_in_force="", end_date="2023-02-09")
    [change] = history.open_proposals(engine)
    after = change.after
    assert after["date"] == "2021-04-01" and after["date_precision"] == "month"  # as "2021-04" would
    assert after["end_date"] == "2023-02-09" and after["end_precision"] == "day"


def test_tracker_dates_from_a_picker_and_back():
    day = dt.date(2019, 3, 17)
    assert record_fact.tracker_date(day, "month") == "2019-03"
    assert record_fact.tracker_date(day, "year") == "2019"
    assert record_fact.tracker_date(day, "day") == record_fact.tracker_date(day, "observed") == "2019-03-17"
    assert record_fact.tracker_date(None, "day") == ""
    assert record_fact.day_of("2019-03") == dt.date(2019, 3, 1)
    assert record_fact.day_of("2019") == dt.date(2019, 1, 1)
    assert record_fact.day_of("") is None and record_fact.day_of("1 March") is None


# The outcome, beside its button ------------------------------------------------------------------------


def test_the_outcome_is_beside_the_button_and_stays(app, store_url):
    at = devon(app, EDITOR)
    propose_devon(at, title="Improvement notice, April 2021")
    [change] = history.open_proposals(bootstrap.ready_engine(store_url))
    # The form is empty again (generation 1), and the success is in it, under its button.
    done = _in_form(at, "record_intervention_1_form", "success")
    assert len(done) == 1, _text(at)
    assert done[0].startswith(
        markdown(f"Proposed — waiting for review by another person (change {change.id}).")
    )
    assert markdown("What it records: Improvement notice from 2021-04-01") in done[0]
    at.run()  # any rerun (another widget, a click elsewhere): it stays
    assert _in_form(at, "record_intervention_1_form", "success") == done
    # Another form does not show it.
    at.radio(key=record_fact.KEY_WHAT).set_value("event").run()
    assert not [s for s in at.success if "What it records" in s.value]


def test_a_refusal_is_beside_the_button_with_words_not_column_names(app, store_url):
    at = devon(app, EDITOR)
    at.text_input(key=FORM + "title").input("A notice")
    at.button(key=FORM + "submit").click().run()
    errors = _in_form(at, "record_intervention_0_form", "error")
    assert errors and markdown("Source link: required for an edit in the app") in errors[0]
    assert "source_url" not in errors[0] and markdown("a intervention") not in errors[0]
    assert at.text_input(key=FORM + "title").value == "A notice"  # kept to fix


# A conflict keeps what was typed --------------------------------------------------------------------


def _fix_form(at: AppTest, visit_words: str = "Monitoring visit") -> tuple[str, str]:
    at.radio(key=record_fact.KEY_WHAT).set_value(record_fact.FIX).run()
    box = at.selectbox(key=record_fact.KEY_FIX)
    box.select(next(o for o in box.options if visit_words in o)).run()
    table, _, fact_id = at.selectbox(key=record_fact.KEY_FIX).value.partition(":")
    return table, fact_id


def test_a_conflict_keeps_the_typed_values_beside_the_other_change(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = devon(app, EDITOR2)
    table, fact_id = _fix_form(at)
    version = history.current_fact(engine, table, int(fact_id)).version
    prefix = f"record_fix_{table}_{fact_id}_{version}_0_"
    at.text_area(key=prefix + "details").input("Found practice improving in the front door")
    at.text_input(key=prefix + "source_url").input("https://www.example.org/letter")
    at.text_input(key=prefix + "source_title").input("Monitoring visit letter")
    at.text_area(key=prefix + "comment").input("The summary was cut short")
    # Meanwhile Eddie's correction of the same visit is proposed and approved.
    other = edits.propose_correction(
        engine, EDITOR, table, int(fact_id), {"details": "Eddie's summary", **citation()}, version
    )
    edits.approve(engine, REVIEWER, other)
    at.button(key=prefix + "submit").click().run()
    assert not at.exception

    new_version = history.current_fact(engine, table, int(fact_id)).version
    assert new_version != version
    again = f"record_fix_{table}_{fact_id}_{new_version}_0_"
    form = f"record_fix_{table}_{fact_id}_{new_version}_0_form"
    errors = _in_form(at, form, "error")
    assert errors and markdown("Not saved: someone else changed it first.") in errors[0]
    # Everything typed is there, at the new version.
    assert at.text_area(key=again + "details").value == "Found practice improving in the front door"
    assert at.text_input(key=again + "source_url").value == "https://www.example.org/letter"
    assert at.text_input(key=again + "source_title").value == "Monitoring visit letter"
    assert at.text_area(key=again + "comment").value == "The summary was cut short"
    # Eddie's change is beside the field it touched.
    captions = " ".join(_in_form(at, form, "caption"))
    assert markdown(f"Eddie Editor's change {other} (in effect):") in captions
    assert markdown("→ Eddie's summary") in captions
    assert any(markdown("Nothing you typed is lost") in i.value for i in at.info)
    # Proposing again from the kept values goes through.
    at.button(key=again + "submit").click().run()
    [waiting] = history.open_proposals(engine)
    assert waiting.after["details"] == "Found practice improving in the front door"
    assert waiting.base_version == new_version


# The gap prompt links to the form ------------------------------------------------------------------------


def test_the_gap_prompt_links_to_the_form(app):
    at = devon(app, None)  # Devon on 1 May 2024: judged inadequate, no intervention recorded
    link = f"](#{record_fact.ANCHOR})"
    assert any(link in m.value for m in at.markdown), [m.value for m in at.markdown][:20]
    assert "#### Add to this authority's record" in [m.value for m in at.markdown]


# Rough edges of the history (item 8) -------------------------------------------------------------------


def test_a_revert_is_said_in_words_in_plain_options_and_your_proposals_say_reverted(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    applied = edits.propose(engine, EDITOR, _devon_row(date="2016-07-01", title="Notice: July 2016"))
    edits.approve(engine, REVIEWER, applied)
    admin = app(TRACKER, ADMIN)
    box = admin.selectbox(key="review_revert_choice")
    [shown] = [o for o in box.options if o.startswith(f"Change {applied}")]
    assert "\\" not in shown and "2016-07-01" in shown and "Notice: July 2016" in shown  # plain text
    box.set_value(applied)
    admin.text_input(key="review_revert_comment").input("Recorded in error")
    admin.button(key="review_revert_submit").click().run()
    revert = history.recent_changes(engine, 1, actions=("revert",))[0]
    words = review.what(revert)
    assert words.startswith("Removes: Improvement notice from 2016-07-01"), words
    assert "authority code" not in words and "→" not in words

    mine = app(TRACKER, EDITOR)
    own = next(d.value for d in mine.dataframe if "State" in d.value.columns)
    assert list(own.columns)[:2] == ["Change", "State"]  # the state is on screen at 1,400 px
    row = own[own["Change"] == applied].iloc[0]
    assert row["State"] == f"reverted (change {revert.id})"


def test_a_revert_of_a_correction_says_what_went_back():
    before = {"record": "intervention", "end_date": "2025-03-31", "level": "direction"}
    after = {"record": "intervention", "end_date": "", "level": "direction"}
    from oversight.data.curation.images import differences

    words = review.change_words("revert", before, after, differences(before, after))
    assert words == "End date back to none (was 2025-03-31)"
    words = review.change_words("correct", after, before, differences(after, before))
    assert words == "End date: none → 2025-03-31"
    restored = review.change_words(
        "revert", None, {"record": "event", "kind": "board", "date": "2024-03-01"}, ()
    )
    assert restored == "Restores: Improvement board on 2024-03-01"


# Back where sign-in began ---------------------------------------------------------------------------------


def _return_data(at: AppTest) -> dict:
    import json

    [part] = [c for c in at.get("bidi_component") if "oversight_return_to" in str(c.proto)]
    return json.loads(part.proto.json)


def test_the_page_is_remembered_before_sign_in_and_gone_back_to_after(app):
    """The script that does it runs in the browser (``tests/test_browser_signin.py`` follows it
    through the real provider); here: it is on every page, told who is signed in and the root."""
    anonymous = devon(app, None)
    assert _return_data(anonymous) == {"signed_in": False, "root": "/"}
    signed = app(TRACKER, EDITOR)
    assert _return_data(signed) == {"signed_in": True, "root": "/"}
