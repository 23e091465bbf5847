"""Sign-in, recording and reviewing facts in the app, without a browser (AppTest).

Who sees which form or action (no one but an editor sees a form; no one but a reviewer sees
Approve), the whole flow for Devon (an editor proposes, the same person cannot approve it, a
reviewer does, the public map shows it from its start), and replayed actions: a button drawn for a
reviewer and clicked after the session signed out (or by someone with no role) reaches the data
layer, which refuses it, and the page says so. Each test writes to its own copy of the store.

``st.login`` never signs anyone in under AppTest: ``at.user`` stands for the provider's answer,
and the ``[auth]`` section is the cache's secrets, patched (``cache._secrets``).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import auth, cache, record_fact
from oversight.components.widgets.record_fact import STILL
from oversight.data import bootstrap, settings
from oversight.data.curation import edits, history, users
from oversight.data.curation.roles import Actor
from oversight.data.domain.text import FIELD_LIMITS
from oversight.data.store import queries
from oversight.data.store import schema as s
from tests import hostile_data as hd
from tests.conftest import ROOT, _new_url
from tests.curation_support import (
    ADMIN,
    DEVON,
    EDITOR,
    NO_ROLE,
    REVIEWER,
    REVIEWER2,
    grant_everyone,
    person,
)

APP = str(ROOT / "app.py")
AUTHORITY = "ui/authority_page.py"
TRACKER = "ui/tracker_page.py"
MAP = "ui/intervention_map.py"
AUTH = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "only-for-tests",
        "client_id": "oversight-tests",
        "client_secret": "only-for-tests",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}
FORM = "record_intervention_0_"
SOURCE_URL = "https://www.devonchildrenandfamiliespartnership.example.org/annual-report"
ANONYMOUS = {"is_logged_in": False}


def user(actor: Actor | None) -> dict:
    if actor is None:
        return dict(ANONYMOUS)
    return {
        "is_logged_in": True,
        "iss": actor.issuer,
        "sub": actor.subject,
        "email": actor.email,
        "email_verified": True,
        "name": actor.name,
    }


@pytest.fixture
def store_url(loaded_sqlite_url, tmp_path) -> str:
    """A private copy of the loaded store (these tests write), with the test people's roles."""
    url = hd.copy_sqlite(loaded_sqlite_url, tmp_path)
    grant_everyone(bootstrap.ready_engine(url))
    yield url
    bootstrap.forget(url)


def _open(monkeypatch, url: str, data_dir, signin: bool = True):
    monkeypatch.setenv(settings.DATABASE_ENV, url)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data_dir))
    monkeypatch.setattr(cache, "_secrets", lambda: AUTH if signin else {})

    def make(page: str, actor: Actor | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.user = user(actor)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


@pytest.fixture
def app(monkeypatch, store_url, data_dir):
    return _open(monkeypatch, store_url, data_dir)


def devon(app, actor: Actor | None) -> AppTest:
    return app(AUTHORITY, actor, la=DEVON, as_at="2024-05-01")


def _bodies(at: AppTest) -> list[str]:
    return [
        e.value
        for kind in (at.title, at.markdown, at.caption, at.warning, at.info, at.error, at.success)
        for e in kind
        if isinstance(e.value, str)
    ]


def _text(at: AppTest) -> str:
    return "\n".join(_bodies(at))


def _labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def _record_widgets(at: AppTest) -> list[str]:
    """Every widget of the recording forms (their keys start ``record_``)."""
    return [
        w.key
        for kind in (at.text_input, at.text_area, at.selectbox, at.radio, at.checkbox, at.button)
        for w in kind
        if (w.key or "").startswith("record_")
    ]


def _actions(at: AppTest) -> list[str]:
    return [
        label
        for label in _labels(at)
        if label.startswith(("Approve", "Reject", "Withdraw", "Propose", "Revert", "Save role"))
    ]


def propose_devon(at: AppTest, **values: str) -> AppTest:
    """Fill the intervention form on Devon's page and submit it."""
    fields = {
        "level": "improvement_notice",
        "date": "2021-04-01",
        "title": "DfE-appointed improvement adviser",
        "people": "An improvement adviser",
        "source_url": SOURCE_URL,
        "source_title": "Devon Children and Families Partnership annual report",
        **values,
    }
    for column, value in fields.items():
        key = FORM + column
        if column in ("level", "date_precision", "end_precision"):
            at.selectbox(key=key).set_value(value)
        elif column in ("date", "end_date"):
            at.date_input(key=key).set_value(dt.date.fromisoformat(value))
        elif column == STILL:
            at.checkbox(key=key).set_value(value == "yes")
        elif column == "details":
            at.text_area(key=key).input(value)
        else:
            at.text_input(key=key).input(value)
    at.button(key=FORM + "submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _svg_label(at: AppTest, code: str) -> str:
    markup = json.loads(at.get("bidi_component")[0].proto.json)
    labels = re.findall(r'data-la="' + code + r'" aria-label="([^"]*)"', markup)
    assert len(labels) == 1, labels
    return labels[0]


def _level(engine, code: str, day: dt.date) -> str:
    frame = queries.intervention_levels(engine, day, None)
    return frame.loc[frame["code"] == code, "level"].iloc[0]


# Who sees what ------------------------------------------------------------------------------------


def test_without_sign_in_set_up_there_is_no_sign_in_and_no_edit_control(monkeypatch, store_url, data_dir):
    app = _open(monkeypatch, store_url, data_dir, signin=False)
    at = devon(app, EDITOR)  # even a provider's answer counts for nothing without [auth]
    assert "Sign in" not in _labels(at) and "Sign out" not in _labels(at)
    assert not _record_widgets(at) and not _actions(at)
    assert "needs sign-in, which is not switched on here" in _text(at)
    tracker = app(TRACKER, EDITOR)
    assert not _actions(tracker) and "needs sign-in, which is not switched on here" in _text(tracker)
    assert any("Recent changes" in m for m in _bodies(tracker))


def test_anonymous_visitors_get_sign_in_and_no_form_or_action(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    change = edits.propose(engine, EDITOR, _devon_row())
    at = devon(app, None)
    assert "Sign in" in _labels(at) and "Sign out" not in _labels(at)
    assert not _record_widgets(at) and not _actions(at)
    text = _text(at)
    assert "Sign in (in the sidebar) to record or correct a fact" in text
    assert "Proposals waiting for review" not in text  # proposals are never public
    tracker = app(TRACKER, None)
    assert not _actions(tracker)
    assert "Proposals waiting for review" not in _text(tracker) and f"change {change}" not in _text(tracker)


def test_a_signed_in_person_with_no_role_gets_no_form_or_action(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    edits.propose(engine, EDITOR, _devon_row())
    at = devon(app, NO_ROLE)
    assert markdown("Signed in as Sam Someone (no role)") in [m.value for m in at.sidebar.markdown]
    assert "Sign out" in _labels(at)
    assert not _record_widgets(at) and not _actions(at)
    assert "an admin can give you the editor role" in _text(at)
    tracker = app(TRACKER, NO_ROLE)
    assert "Proposals waiting for review" in _text(tracker)  # shown as such to signed-in people
    assert not _actions(tracker)


# The flow ----------------------------------------------------------------------------------------


def _devon_row(**more: str) -> dict[str, str]:
    return {
        "record": "intervention",
        "authority_code": DEVON,
        "date": "2021-04-01",
        "level": "improvement_notice",
        "source_url": SOURCE_URL,
        "source_title": "Devon annual report",
        **more,
    }


def _flow(app, engine) -> int:
    """An editor proposes Devon's intervention; they cannot approve it; a reviewer does."""
    at = devon(app, EDITOR)
    assert markdown("Signed in as Eddie Editor (editor)") in [m.value for m in at.sidebar.markdown]
    propose_devon(at)
    done = [s.value for s in at.success]
    assert done and done[0].startswith(markdown("Proposed — waiting for review by another person"))
    [change] = history.open_proposals(engine)
    assert change.authority_code == DEVON and change.after["level"] == "improvement_notice"
    text = _text(at)
    assert "Proposals waiting for review" in text and markdown(f"Devon · change {change.id}") in text
    # The proposer sees Withdraw and the two-person rule, never Approve.
    assert f"Withdraw change {change.id}" in _labels(at)
    assert f"Approve change {change.id}" not in _labels(at)
    assert "a different person with the reviewer role must approve it" in text
    # Not on the public pages yet.
    assert _level(engine, DEVON, dt.date(2022, 1, 1)) != "improvement_notice"

    reviewer = app(TRACKER, REVIEWER)
    assert markdown("Proposed by Eddie Editor on") in _text(reviewer)
    reviewer.text_input(key=f"review_tracker_{change.id}_comment").input("Checked the annual report")
    reviewer.button(key=f"review_tracker_{change.id}_approve").click().run()
    assert not reviewer.exception
    assert [s.value for s in reviewer.success][0].startswith(markdown(f"Approved change {change.id}"))
    assert not history.open_proposals(engine)
    return change.id


def test_an_editor_proposes_devon_and_a_reviewer_approves_it(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    change_id = _flow(app, engine)

    # The public map, as anyone, shows Devon's level from the start date on.
    before = app(MAP, None, as_at="2021-03-31")
    assert _svg_label(before, DEVON).startswith("Devon: Inadequate, no intervention recorded")
    after = app(MAP, None, as_at="2022-01-01")
    assert _svg_label(after, DEVON).startswith("Devon: Improvement notice since 1 April 2021")
    assert _level(engine, DEVON, dt.date(2022, 1, 1)) == "improvement_notice"

    # The recent changes (public) name who and the source; the history of the fact is one
    # choice away on the authority page.
    tracker = app(TRACKER, None)
    recent = next(d.value for d in tracker.dataframe if "Approved by" in d.value.columns)
    row = recent[recent["Change"] == change_id].iloc[0]
    assert row["By"] == "Eddie Editor" and row["Approved by"] == "Bob Reviewer"
    assert row["Source link"] == SOURCE_URL and row["Authority page"] == f"/authority?la={DEVON}"
    page = devon(app, None)
    fact_id = history.change(engine, change_id).fact_id
    page.selectbox(key="authority_fact_history").set_value(f"interventions:{fact_id}").run()
    table = page.table[0].value
    events = " | ".join(table["What happened"])
    assert "Proposed by Eddie Editor" in events and "Approved by Bob Reviewer" in events
    assert "Applied to the tracker" in events
    assert "Checked the annual report" in " ".join(table["Comment"])


def test_an_intervention_proposal_carries_its_kind(app, store_url):
    """The form's optional kind (adviser, commissioner ...) reaches the proposal, as a tracker CSV's
    ``kind`` column does: it tells apart two instruments of one level that start on one day."""
    engine = bootstrap.ready_engine(store_url)
    propose_devon(devon(app, EDITOR), kind="adviser")
    [change] = history.open_proposals(engine)
    assert change.after["level"] == "improvement_notice" and change.after["kind"] == "adviser"


@pytest.mark.postgres
def test_the_flow_on_postgresql(monkeypatch, request, tmp_path, data_dir):
    url = _new_url("postgresql", request, tmp_path)
    try:
        engine = bootstrap.ready_engine(url)
        grant_everyone(engine)
        app = _open(monkeypatch, url, data_dir)
        _flow(app, engine)
        assert _level(engine, DEVON, dt.date(2022, 1, 1)) == "improvement_notice"
    finally:
        bootstrap.forget(url)


def test_a_reviewer_cannot_approve_their_own_proposal_unless_an_admin_allows_it(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    change = edits.propose(engine, REVIEWER, _devon_row())
    own = app(TRACKER, REVIEWER)
    assert f"Approve change {change}" not in _labels(own)
    assert "two-person rule" in _text(own)
    other = app(TRACKER, REVIEWER2)
    assert f"Approve change {change}" in _labels(other)

    admin = app(TRACKER, ADMIN)
    assert admin.toggle(key="review_self_approval").value is False
    admin.toggle(key="review_self_approval").set_value(True).run()
    assert edits.allow_self_approval(engine)
    own = app(TRACKER, REVIEWER)
    own.button(key=f"review_tracker_{change}_approve").click().run()
    assert [s.value for s in own.success][0].startswith(markdown(f"Approved change {change}"))


def test_refused_fields_are_named_and_nothing_is_saved(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = devon(app, EDITOR)
    at.text_input(key=FORM + "source_url").input("javascript:alert(1)")
    at.text_input(key=FORM + "title").input("A notice")
    at.button(key=FORM + "submit").click().run()
    errors = "\n".join(e.value for e in at.error)
    assert markdown("Level: required for an intervention") in errors
    assert markdown("Start date: a date is required") in errors
    assert (
        markdown("Source link:") in errors
        and markdown("Source title: required for an intervention") in errors
    )
    assert "source_url" not in errors and "(level)" not in errors  # words, never the internal names
    assert not history.open_proposals(engine)
    # What was typed is still there to fix.
    assert at.text_input(key=FORM + "title").value == "A notice"


def test_a_second_correction_of_one_fact_is_refused_showing_the_other(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    first, second = devon(app, EDITOR), devon(app, REVIEWER)
    for at in (first, second):
        at.radio(key=record_fact.KEY_WHAT).set_value(record_fact.FIX).run()
        visit = next(o for o in at.selectbox(key=record_fact.KEY_FIX).options if "Monitoring visit" in o)
        at.selectbox(key=record_fact.KEY_FIX).select(visit).run()
    ref = first.selectbox(key=record_fact.KEY_FIX).value
    table, _, fact_id = ref.partition(":")
    version = history.current_fact(engine, table, int(fact_id)).version
    prefix = f"record_fix_{table}_{fact_id}_{version}_0_"
    for at, summary in ((first, "Found practice improving"), (second, "A different summary")):
        at.text_area(key=prefix + "details").input(summary)
        at.text_input(key=prefix + "source_url").input("https://www.example.org/letter")
        at.text_input(key=prefix + "source_title").input("Monitoring visit letter")
    first.button(key=prefix + "submit").click().run()
    assert first.success and not first.error
    second.button(key=prefix + "submit").click().run()
    errors = "\n".join(e.value for e in second.error)
    assert markdown("Not saved: someone else changed it first.") in errors
    assert markdown("Eddie Editor proposed a change to this visit") in errors
    assert markdown("Found practice improving") in errors  # the other change, shown
    assert len(history.open_proposals(engine)) == 1


# Replayed actions -------------------------------------------------------------------------------


@pytest.mark.parametrize("replayer", [None, NO_ROLE], ids=["anonymous", "no-role"])
def test_a_replayed_approval_is_refused_by_the_data_layer(app, store_url, replayer):
    engine = bootstrap.ready_engine(store_url)
    change = edits.propose(engine, EDITOR, _devon_row())
    at = app(TRACKER, REVIEWER)
    button = at.button(key=f"review_tracker_{change}_approve")
    at.user = user(replayer)  # the session signed out (or is someone else) before the click arrives
    button.click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    expected = (
        "Sign in to review changes."
        if replayer is None
        else "someone@example.org has no role on this tracker and may not review changes"
    )
    assert any(markdown(expected) in e for e in errors), errors
    assert [c.id for c in history.open_proposals(engine)] == [change]  # not applied
    assert _level(engine, DEVON, dt.date(2022, 1, 1)) == "inadequate_no_intervention"
    assert f"Approve change {change}" not in _labels(at)


def test_a_replayed_proposal_is_refused_by_the_data_layer(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = devon(app, EDITOR)
    for column, value in (("source_url", SOURCE_URL), ("source_title", "Report")):
        at.text_input(key=FORM + column).input(value)
    at.date_input(key=FORM + "date").set_value(dt.date(2021, 4, 1))
    at.selectbox(key=FORM + "level").set_value("improvement_notice")
    at.user = dict(ANONYMOUS)
    at.button(key=FORM + "submit").click().run()
    assert any(markdown("Sign in to record or correct facts.") in e.value for e in at.error)
    assert not history.open_proposals(engine) and not _record_widgets(at)


def test_sign_in_is_set_up_by_an_auth_section_in_the_secrets(monkeypatch):
    monkeypatch.setattr(cache, "_secrets", lambda: {})
    assert not auth.configured()
    monkeypatch.setattr(cache, "_secrets", lambda: AUTH)
    assert auth.configured() and auth._provider() is None
    monkeypatch.setattr(
        cache, "_secrets", lambda: {"auth": {"redirect_uri": "x", "microsoft": {"client_id": "y"}}}
    )
    assert auth._provider() == "microsoft"


# Hostile values -----------------------------------------------------------------------------------

#: As long as a title may be (500 characters): a script tag and a Markdown link, then padding.
LONG = f"{hd.SCRIPT} {hd.LINK} ".ljust(FIELD_LIMITS["title"], "A")
HOSTILE = {
    "title": LONG,
    "details": "[click me](javascript:alert(1)) " + hd.TAGS,
    "people": hd.IMAGE + " " + hd.IMG_TAG,
    "source_title": hd.LINK + " " + hd.SCRIPT,
    "source_publisher": hd.FORMULA,
}
#: Markdown that would make a link or a picture: ``[...](``, ``![``, a tag, an autolink (the
#: app's own link to a heading of the page, ``](#...)``, is not someone's text).
MARKUP = re.compile(
    r"(?<!\\)\]\((?!#[a-z-]+\))|(?<!\\)!(?<!\\)\[|(?<!\\)<[a-z/!]|https?://|www\.", re.IGNORECASE
)


def _assert_text_only(at: AppTest) -> None:
    for body in _bodies(at):
        assert not MARKUP.search(body), body[:300]
        for raw in (hd.SCRIPT, hd.LINK, hd.IMAGE, hd.IMG_TAG, "javascript:alert"):
            assert raw not in body, body[:300]
    for button in at.button:
        assert not MARKUP.search(button.label or ""), button.label


def test_hostile_values_are_stored_verbatim_and_shown_as_text(app, store_url, data_dir, tmp_path):
    engine = bootstrap.ready_engine(store_url)
    assert len(LONG) == FIELD_LIMITS["title"]
    at = devon(app, EDITOR)
    propose_devon(at, **HOSTILE)
    assert at.success, [e.value for e in at.error]
    _assert_text_only(at)  # the proposal card on the authority page
    assert markdown(hd.SCRIPT) in _text(at) and markdown(HOSTILE["source_title"]) in _text(at)
    [change] = history.open_proposals(engine)
    reviewer = app(TRACKER, REVIEWER)
    _assert_text_only(reviewer)
    assert markdown(hd.SCRIPT) in _text(reviewer)
    reviewer.button(key=f"review_tracker_{change.id}_approve").click().run()
    assert reviewer.success
    _assert_text_only(reviewer)

    # Stored exactly as typed.
    fact_id = history.change(engine, change.id).fact_id
    row = history.current_fact(engine, "interventions", fact_id).row
    for column, value in HOSTILE.items():
        assert row[column] == value, column

    # Shown as text: the authority page (header, history table, the fact's history), the
    # tracker page (recent changes), the maps.
    page = devon(app, None)
    page.selectbox(key="authority_fact_history").set_value(f"interventions:{fact_id}").run()
    _assert_text_only(page)
    changes = " ".join(page.table[0].value["Before → after"])
    assert markdown(hd.SCRIPT) in changes  # the title, as text (cut to its first characters)
    _assert_text_only(app(TRACKER, None))
    svg = json.loads(app(MAP, None, as_at="2022-01-01").get("bidi_component")[0].proto.json)
    assert hd.SCRIPT not in svg and "javascript:" not in svg and "<img" not in svg
    geo = app(MAP, None, as_at="2022-01-01", view="geo")
    hovers = json.dumps(json.loads(geo.get("plotly_chart")[-1].proto.spec)["data"])
    assert hd.SCRIPT not in hovers and "&lt;script&gt;" in hovers  # the title, escaped for plotly


def test_hostile_values_reach_the_board_pack_as_text(store_url, data_dir, tmp_path):
    from pptx import Presentation
    from pypdf import PdfReader

    from oversight.components.reports.board_pack import PackRequest, board_pack

    engine = bootstrap.ready_engine(store_url)
    change = edits.propose(engine, EDITOR, _devon_row(**HOSTILE))
    edits.approve(engine, REVIEWER, change)
    pptx, pdf = tmp_path / "devon.pptx", tmp_path / "devon.pdf"
    board_pack(engine, PackRequest(None, dt.date(2022, 1, 1), DEVON, data_dir), [pptx, pdf])
    deck = Presentation(str(pptx))
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
                for p in shape.text_frame.paragraphs:
                    for r in p.runs:
                        assert r.hyperlink.address is None or r.hyperlink.address.startswith("http")
            if shape.has_table:
                texts.extend(c.text for r in shape.table.rows for c in r.cells)
    assert "Level: Improvement notice since 1 April 2021" in "\n".join(texts)  # the approved fact
    # A slide's text is text (PowerPoint reads no markup), and no link but http(s) is made: in the
    # slides, or in the PDF's link annotations.
    for page in PdfReader(str(pdf)).pages:
        for annot in page.get("/Annots") or []:
            uri = (annot.get_object().get("/A") or {}).get("/URI")
            assert uri is None or str(uri).startswith(("http://", "https://")), uri


def test_the_secrets_example_sets_sign_in_up_and_holds_no_secret():
    import tomllib

    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text())
    section = example["auth"]
    assert set(section) == {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    }
    assert section["redirect_uri"].endswith("/oauth2callback")
    assert section["server_metadata_url"] == (
        "https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/openid-configuration"
    )
    for key in ("cookie_secret", "client_id", "client_secret"):
        assert "CHANGE-ME" in section[key], key  # placeholders only


def test_withdraw_revert_and_roles_are_offered_only_to_whom_they_belong(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    withdrawn = edits.propose(engine, EDITOR, _devon_row(date="2020-06-01"))
    mine = app(TRACKER, EDITOR)
    assert f"Withdraw change {withdrawn}" in _labels(mine)
    assert f"Withdraw change {withdrawn}" not in _labels(app(TRACKER, REVIEWER))  # not theirs
    mine.button(key=f"review_tracker_{withdrawn}_withdraw").click().run()
    assert [s.value for s in mine.success][0].startswith(markdown(f"Withdrew change {withdrawn}"))
    assert not history.open_proposals(engine)
    own = next(d.value for d in mine.dataframe if "State" in d.value.columns)
    assert own.iloc[0]["State"] == "withdrawn"

    applied = edits.propose(engine, EDITOR, _devon_row())
    edits.approve(engine, REVIEWER, applied)
    assert _level(engine, DEVON, dt.date(2022, 1, 1)) == "improvement_notice"
    for actor in (EDITOR, REVIEWER):
        page = app(TRACKER, actor)
        assert "Revert change" not in _labels(page) and "Save role" not in _labels(page)
        assert "review_self_approval" not in [t.key for t in page.toggle]
    admin = app(TRACKER, ADMIN)
    admin.selectbox(key="review_revert_choice").set_value(applied)
    admin.text_input(key="review_revert_comment").input("The source describes an adviser, not a notice")
    admin.button(key="review_revert_submit").click().run()
    assert [s.value for s in admin.success][0].startswith(markdown(f"Reverted change {applied}"))
    assert _level(engine, DEVON, dt.date(2022, 1, 1)) == "inadequate_no_intervention"

    admin.text_input(key="review_roles_email").input("New.Editor@Example.org")
    admin.selectbox(key="review_roles_role").set_value("editor")
    admin.button(key="review_roles_submit").click().run()
    assert [s.value for s in admin.success][0] == markdown("new.editor@example.org is now an editor.")
    assert users.role_of(engine, person("new.editor@example.org")) == "editor"


# Identity (issue 19) ----------------------------------------------------------------------------


def test_a_grant_sent_after_sign_out_is_refused_not_run_as_the_command_line(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    at = app(TRACKER, ADMIN)
    at.text_input(key="review_roles_email").input("mallory@example.org")
    at.selectbox(key="review_roles_role").set_value("admin")
    at.user = dict(ANONYMOUS)  # signed out before the queued "Save role" arrives
    at.button(key="review_roles_submit").click().run()
    assert not at.exception
    assert any(markdown("Sign in to grant or revoke roles.") in e.value for e in at.error)
    assert "mallory@example.org" not in {u.email for u in users.list_users(engine)}
    with engine.connect() as conn:
        grants = conn.execute(
            select(s.changes.c.proposed_by).where(s.changes.c.after_json.like("%mallory%"))
        ).all()
    assert grants == []  # nothing recorded, least of all as by "command line"


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"email_verified": False}, "has not verified the address reviewer@example.org"),
        ({"email": "reviewer@example.org\u00a0"}, "could pass for another address"),
        ({"email": "\u212aate@example.org"}, "reads as another one"),
    ],
    ids=["unverified", "no-break-space", "kelvin"],
)
def test_a_sign_in_that_makes_no_one_reads_but_never_writes(app, store_url, monkeypatch, claims, words):
    monkeypatch.setenv("OVERSIGHT_ADMINS", "kate@example.org")
    engine = bootstrap.ready_engine(store_url)
    change = edits.propose(engine, EDITOR, _devon_row())
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {**user(REVIEWER), "sub": "mallory", "name": "Mallory", **claims}
    at.switch_page(TRACKER)
    at.run()
    assert not at.exception
    warnings = "\n".join(w.value for w in at.sidebar.warning)
    assert markdown(words) in warnings or words in warnings, warnings
    assert f"review_tracker_{change}_approve" not in {b.key for b in at.button}
    assert not [b for b in at.button if b.key == "review_roles_submit"]
    assert users.role_of(engine, REVIEWER) == "reviewer"  # the real reviewer keeps theirs


def test_the_form_stops_each_field_at_its_limit(app, store_url):
    """The browser stops typing where the data layer would refuse (``domain.text.FIELD_LIMITS``)."""
    at = devon(app, EDITOR)
    for column in ("title", "kind", "people", "source_url", "source_title", "source_publisher"):
        assert at.text_input(key=FORM + column).proto.max_chars == FIELD_LIMITS[column], column
    for column in ("details", "comment"):
        assert at.text_area(key=FORM + column).proto.max_chars == FIELD_LIMITS[column], column


def test_the_tracker_page_lists_the_gaps_in_the_record_for_anyone(app):
    at = app(TRACKER)
    assert "#### Gaps in the record" in [m.value for m in at.markdown]
    frame = next(d.value for d in at.dataframe if "What is missing" in d.value.columns)
    assert {"Gap", "Authority", "Date", "What is missing", "Authority page"} <= set(frame.columns)
    assert frame["Authority page"].str.startswith("/authority?la=E").all()
    assert "Start date not recorded" in set(frame["Gap"])
