"""The inbox in the sidebar and a rejection's reason, in the app (AppTest).

A reviewer sees "1 proposal waiting for your review" on any page, and a link to the Tracker page; a
Reject without a reason is refused and said; the proposer then sees the rejection and its reason
in the sidebar of another page, as text; a visitor sees no inbox. With SMTP settings in the app's
secrets, the decision made in the app e-mails the proposer through a real local SMTP server.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import cache, inbox
from oversight.data import bootstrap
from oversight.data.curation import edits, history, notify
from tests.curation_support import DEVON, DEVON_ADVISER, EDITOR, REVIEWER, event_row
from tests.smtp_support import PUBLIC_URL, SENDER, no_smtp_settings, serve_smtp
from tests.test_app_curation import AUTH, AUTHORITY, MAP, TRACKER, _open

#: A reason a reviewer might paste: Markdown that must show as text.
REASON = "No such notice: see [the DfE list](https://evil.example/) **before** re-proposing"


@pytest.fixture
def app(monkeypatch, store_url, data_dir):
    no_smtp_settings(monkeypatch)
    return _open(monkeypatch, store_url, data_dir)


def _sidebar(at: AppTest) -> list[str]:
    return [
        e.value
        for kind in (at.sidebar.markdown, at.sidebar.caption, at.sidebar.warning, at.sidebar.success)
        for e in kind
        if isinstance(e.value, str)
    ]


def _links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.sidebar.get("page_link")]


def test_a_reviewer_sees_what_waits_on_every_page_and_a_proposer_the_reason(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    change = edits.propose(engine, EDITOR, DEVON_ADVISER)

    at = app(MAP, REVIEWER)
    assert ":material/inbox: **1 proposal waiting for your review**" in _sidebar(at)
    [link] = at.sidebar.get("page_link")
    assert link.proto.label == inbox.REVIEW_LINK
    # The Tracker page, where proposals are decided: named by its url path, or by its file's stem
    # when AppTest ran the page through Streamlit's old pages/ navigation.
    assert link.proto.page in ("tracker", "tracker_page")
    [line] = [c for c in _sidebar(at) if markdown("New intervention · Devon") in c]
    assert markdown("Eddie Editor") in line
    editor = app(MAP, EDITOR)  # an editor reviews nothing
    assert not _links(editor) and not [m for m in _sidebar(editor) if "waiting" in m]

    # Reject without a reason: refused, said, and the proposal still waits.
    at = app(TRACKER, REVIEWER)
    at.button(key=f"review_tracker_{change}_reject").click().run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert markdown("a rejection needs a reason, which the person who proposed it sees") in errors
    assert history.change(engine, change).state == "proposed"
    at.text_input(key=f"review_tracker_{change}_comment").input(REASON)
    at.button(key=f"review_tracker_{change}_reject").click().run()
    assert not at.exception and history.change(engine, change).state == "rejected"
    assert not _links(at) and not [m for m in _sidebar(at) if "waiting" in m]  # nothing waits now

    # The proposer, on another page, sees the decision and its reason, as text.
    at = app(AUTHORITY, EDITOR, la=DEVON)
    [told] = [w.value for w in at.sidebar.warning if "rejected" in w.value]
    assert told.startswith(
        markdown("Your proposal (new intervention, Devon) was rejected by Bob Reviewer on ")
    )
    assert told.endswith(markdown(REASON)) and "](https" not in told
    # ... and, for good, in "Your proposals" on the Tracker page, beside the state.
    at = app(TRACKER, EDITOR)
    own = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    [row] = own[own["Change"] == change].to_dict("records")
    assert row["State"] == "rejected" and row["Reason"] == REASON


def test_nobody_signed_in_sees_no_inbox(app, store_url, monkeypatch, data_dir):
    edits.propose(bootstrap.ready_engine(store_url), EDITOR, DEVON_ADVISER)
    at = app(MAP, None)
    assert not _links(at) and not [c for c in _sidebar(at) if "proposal" in c.lower()]
    plain = _open(monkeypatch, store_url, data_dir, signin=False)(MAP, REVIEWER)
    assert not _links(plain) and not [c for c in _sidebar(plain) if "proposal" in c.lower()]


def test_nothing_waiting_is_said_in_one_line(app):
    at = app(MAP, REVIEWER)
    assert "Nothing waits for you." in _sidebar(at) and not _links(at)


def test_many_waiting_are_counted_and_the_first_few_listed(app, store_url):
    engine = bootstrap.ready_engine(store_url)
    for n in range(inbox.SHOWN + 2):
        edits.propose(engine, EDITOR, event_row(f"Board {n}", day=f"2024-03-0{n + 1}"))
    at = app(MAP, REVIEWER)
    assert f":material/inbox: **{inbox.SHOWN + 2} proposals waiting for your review**" in _sidebar(at)
    assert "and 2 more" in _sidebar(at) and _links(at) == [inbox.REVIEW_LINK]
    assert len([c for c in _sidebar(at) if c.startswith("New event")]) == inbox.SHOWN


def test_a_decision_in_the_app_emails_the_proposer_with_the_apps_smtp_secrets(
    monkeypatch, store_url, data_dir
):
    """The [smtp] section of the app's secrets reaches the data layer (``cache.engine``)."""
    engine = bootstrap.ready_engine(store_url)
    no_smtp_settings(monkeypatch)
    with serve_smtp(monkeypatch) as box:
        for env in notify.KEYS:  # the server's settings come from the secrets, not the environment
            monkeypatch.delenv(env, raising=False)
        change = edits.propose(engine, EDITOR, DEVON_ADVISER)
        assert box.messages == []  # no settings yet: nothing sent, nothing failed
        make = _open(monkeypatch, store_url, data_dir)
        smtp = {"host": "127.0.0.1", "port": box.port, "from": SENDER, "starttls": False}
        monkeypatch.setattr(cache, "_secrets", lambda: {**AUTH, "smtp": smtp})
        at = make(TRACKER, REVIEWER)
        at.text_input(key=f"review_tracker_{change}_comment").input("Checked")
        at.button(key=f"review_tracker_{change}_approve").click().run()
        assert not at.exception
    [told] = box.messages
    assert (
        told.rcpt_tos == [EDITOR.key]
        and told.subject == "Your proposal was approved: new intervention, Devon"
    )
    assert "http://127.0.0.1:8501/tracker" in told.body and PUBLIC_URL not in told.body  # from redirect_uri
