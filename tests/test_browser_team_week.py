"""Issue 21's week of a busy team, end to end in real headless Chromium: the real OpenID Connect
provider (``oidc-provider-mock``), ``streamlit run`` and a real SMTP server (aiosmtpd), one of each
for the whole story.

Eddie (editor) proposes an improvement notice for Knowsley starting in the future: the warning is
beside the button and nothing is filed; pressing again files it. Bob (reviewer), on the map, sees
"1 proposal waiting for your review" in the sidebar and got an e-mail naming the council and kind
only; on the Tracker page a rejection without a reason is refused, then he rejects with one. Eddie
sees the reason (sidebar inbox and "Your proposals"), got an e-mail, and proposes again with the
right date: no warning, filed at the first press. Bob approves it; the board pack he builds right
after, from the sidebar's dialog, lists it as newly recorded with its source. Last, Eddie and Erin
(editor) correct the same fact: Eddie's correction is approved first, so Erin's is refused, her
typing stays and Eddie's change is shown beside it. Screenshots go to tests/artifacts (team_*).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pptx import Presentation

from oversight.data import bootstrap
from oversight.data.curation import history
from tests import smtp_support
from tests import test_browser_signin as signin
from tests.smtp_support import Inbox
from tests.test_browser_signin import (
    _choose,
    _only_loopback,
    _open,
    _settled,
    _sign_in,
    signin_app,  # noqa: F401 - the fixture, used by `team`
)
from tests.test_reports_board_pack import _slide_texts

pytestmark = pytest.mark.browser

ERIN = ("erin.editor@example.org", "Erin Editor", "editor")
KNOWSLEY = "/authority?la=E08000011"
SOURCE_URL = "https://www.gov.uk/government/publications/knowsley-improvement-notice-2025"
SOURCE_TITLE = "Knowsley: improvement notice"
TITLE = "Improvement notice to Knowsley council"
ADVISER = "A DfE improvement adviser"
REASON = "The notice was issued on 10 February 2025, not in the future: see the letter"
RIGHT_DAY = dt.date(2025, 2, 10)  # after the inadequate judgement, before the pack's window
VIEW = {"width": 1400, "height": 1100}


@pytest.fixture
def team(monkeypatch, request) -> Iterator[tuple[str, str, Inbox]]:
    """(app base URL, database URL, the SMTP server's inbox): the sign-in test's provider and app,
    started with the SMTP settings in the app's environment, and a second editor at both."""
    monkeypatch.setitem(signin.PEOPLE, "erin", ERIN)
    with smtp_support.serve_smtp(monkeypatch) as box:
        base, _, url = request.getfixturevalue("signin_app")  # started now: it sees the settings
        yield base, url, box


def _person(browser, base: str, sub: str, path: str, heading: str):
    """A browser context of its own, signed in as ``sub`` from ``path`` (and back on it)."""
    context = browser.new_context(viewport=VIEW, accept_downloads=True)
    context.route("**/*", _only_loopback)
    page = context.new_page()
    _open(page, base, "/", "Intervention map")  # a fresh session's first page: see test_browser_signin
    if path != "/":
        _open(page, base, path, heading)
    _sign_in(page, base, sub)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
    _settled(page)
    return context, page


def _mail(box: Inbox, to: str, count: int) -> list:
    """The messages to ``to`` once there are ``count`` (sending follows the commit)."""
    deadline = time.time() + 30
    while len(box.to(to)) < count and time.time() < deadline:
        time.sleep(0.2)
    got = box.to(to)
    assert len(got) == count, [(m.to, m.subject) for m in box.messages]
    return got


def _date(page, label: str, day: dt.date) -> None:
    """Type a day into a date picker with the keyboard: day, month and year in turn."""
    page.get_by_role("spinbutton", name=f"day, {label}").click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    assert page.get_by_role("spinbutton", name=f"year, {label}").inner_text() == str(day.year)


def _fill_notice(page, start: dt.date) -> None:
    page.get_by_role("heading", name="Add to this authority's record").scroll_into_view_if_needed()
    _choose(page, "Level", "Improvement notice")
    _date(page, "Start date", start)
    page.get_by_role("textbox", name="Instrument or title").fill(TITLE)
    page.get_by_role("textbox", name="Commissioner or adviser").fill(ADVISER)
    page.get_by_role("textbox", name="Source link (required)").fill(SOURCE_URL)
    page.get_by_role("textbox", name="Source title (required)").fill(SOURCE_TITLE)
    page.get_by_role("textbox", name="Publisher (optional)").fill("Department for Education")


def _beside(page, text: str, button: str, shot: Path, within: float = 400) -> None:
    """``text`` is on screen, within ``within`` px of the button (above or below it)."""
    said = page.get_by_text(text).first
    said.wait_for(timeout=60_000)
    _settled(page)
    said.scroll_into_view_if_needed()
    where, there = said.bounding_box(), page.get_by_role("button", name=button).bounding_box()
    assert where and there and abs(where["y"] - there["y"]) < within, (where, there)
    assert 0 <= where["y"] < VIEW["height"], where
    page.screenshot(path=str(shot))


def _sidebar(page):
    return page.locator("[data-testid='stSidebar']")


def _own_proposals_text(page) -> str:
    """The "Your proposals" table's cells (the grid draws on a canvas; its accessible table has
    the text)."""
    grid = page.locator("[data-testid='stDataFrame']").filter(
        has=page.locator("th[role='columnheader']", has_text="Reason")
    )
    grid.wait_for(timeout=60_000)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    return " | ".join(grid.locator("td[role='gridcell']").all_text_contents())


def _tracker(page, base: str) -> None:
    _open(page, base, "/tracker", "Tracker")


def _decide(page, change: int, decision: str, comment: str = "") -> None:
    page.get_by_role("textbox", name=f"Comment on change {change}").fill(comment)
    page.get_by_role("button", name=f"{decision} change {change}").click()


def test_a_week_of_a_busy_team_in_chromium(browser, team, artifacts):
    base, url, box = team
    engine = bootstrap.ready_engine(url)
    eddie, bob = signin.PEOPLE["eddie"][0], signin.PEOPLE["bob"][0]
    future = dt.date.today() + dt.timedelta(days=60)

    # 1. Eddie, on Knowsley's page, proposes a notice starting in the future: warned beside the
    # button, nothing filed; the second press files it, and says so beside the button.
    ed_ctx, ed = _person(browser, base, "eddie", KNOWSLEY, "Knowsley")
    _fill_notice(ed, future)
    ed.get_by_role("button", name="Propose this intervention").click()
    _beside(ed, "Check before proposing:", "Propose this intervention", artifacts / "team_1_warned.png")
    assert ed.get_by_text("is in the future").count() == 1
    assert history.open_proposals(engine) == [] and box.messages == []
    ed.get_by_role("button", name="Propose this intervention").click()
    done = "Proposed — waiting for review by another person"
    _beside(ed, done, "Propose this intervention", artifacts / "team_1_filed.png", within=200)
    [first] = history.open_proposals(engine)
    assert first.after["date"] == future.isoformat()

    # 2. Bob opens the map: his inbox says one proposal waits; an e-mail told him too, naming the
    # council and the kind, with a link, and nothing else of the fact.
    bob_ctx, rv = _person(browser, base, "bob", "/", "Intervention map")
    waiting = _sidebar(rv).get_by_text("1 proposal waiting for your review")
    waiting.wait_for(timeout=60_000)
    assert _sidebar(rv).get_by_text("New intervention · Knowsley · Eddie Editor").count() == 1
    rv.screenshot(path=str(artifacts / "team_2_inbox_waiting.png"))
    [letter] = _mail(box, bob, 1)
    assert letter.subject == "Proposal waiting for your review: new intervention, Knowsley"
    assert f"{smtp_support.PUBLIC_URL}/tracker" in letter.body
    assert f"{smtp_support.PUBLIC_URL}/authority?la=E08000011" in letter.body
    for fact_text in (TITLE, ADVISER, SOURCE_URL, SOURCE_TITLE, str(future.year), "improvement notice"):
        assert fact_text not in letter.body, fact_text
    _mail(box, signin.PEOPLE["ada"][0], 1)  # the admin reviews too; Eddie is not told of his own
    assert box.to(eddie) == []

    # 3. On the Tracker page (the inbox's link), a rejection without a reason is refused; with one
    # it is done, and the card warned Bob of the date.
    _sidebar(rv).get_by_role("link", name="Review them on the Tracker page").click()
    rv.get_by_text("Proposals waiting for review").wait_for(timeout=60_000)
    _settled(rv)
    assert rv.get_by_text("Worth checking before you decide").count() == 1
    _decide(rv, first.id, "Reject")
    rv.get_by_text("a rejection needs a reason").first.wait_for(timeout=60_000)
    _settled(rv)
    assert [c.id for c in history.open_proposals(engine)] == [first.id]
    rv.screenshot(path=str(artifacts / "team_3_reason_required.png"))
    _decide(rv, first.id, "Reject", REASON)
    rv.get_by_text(f"Rejected change {first.id}").wait_for(timeout=60_000)
    _settled(rv)
    rv.screenshot(path=str(artifacts / "team_3_rejected.png"))
    assert history.open_proposals(engine) == []

    # 4. Eddie sees the reason in his inbox and in "Your proposals", and got an e-mail without it;
    # he proposes again with the right date: no warning, filed at the first press.
    _open(ed, base, KNOWSLEY, "Knowsley")
    told = _sidebar(ed).get_by_text("was rejected by Bob Reviewer")
    told.wait_for(timeout=60_000)
    assert REASON in told.inner_text()
    ed.screenshot(path=str(artifacts / "team_4_reason_inbox.png"))
    [rejected] = _mail(box, eddie, 1)
    assert rejected.subject == "Your proposal was rejected: new intervention, Knowsley"
    assert REASON not in rejected.body and "reason is in the app" in rejected.body
    _tracker(ed, base)
    table = _own_proposals_text(ed)
    assert "rejected" in table and REASON in table, table
    ed.screenshot(path=str(artifacts / "team_4_reason_own_proposals.png"))
    _open(ed, base, KNOWSLEY, "Knowsley")
    _fill_notice(ed, RIGHT_DAY)
    ed.get_by_role("button", name="Propose this intervention").click()
    _beside(ed, done, "Propose this intervention", artifacts / "team_4_filed_again.png", within=200)
    assert ed.get_by_text("Check before proposing:").count() == 0
    [second] = history.open_proposals(engine)
    assert second.after["date"] == RIGHT_DAY.isoformat()
    assert _mail(box, bob, 2)[1].subject == letter.subject  # one message per proposal

    # 5. Bob approves it; Eddie is told by e-mail.
    _tracker(rv, base)
    _decide(rv, second.id, "Approve", "Checked against the DfE's letter")
    rv.get_by_text(f"Approved change {second.id}").wait_for(timeout=60_000)
    _settled(rv)
    [_, approved] = _mail(box, eddie, 2)
    assert approved.subject == "Your proposal was approved: new intervention, Knowsley"

    # 6. Right after, the board pack of Knowsley from the sidebar's dialog lists it as newly
    # recorded, citing its source by number, and its Sources slide gives that source.
    _open(rv, base, KNOWSLEY, "Knowsley")
    rv.get_by_role("button", name="Board pack…").click()
    rv.get_by_role("button", name="Prepare board pack").click()
    rv.get_by_role("button", name="Download slides (PPTX)").wait_for(timeout=120_000)
    rv.wait_for_timeout(500)
    rv.screenshot(path=str(artifacts / "team_6_board_pack_dialog.png"))
    with rv.expect_download(timeout=60_000) as info:
        rv.get_by_role("button", name="Download slides (PPTX)").click()
    deck = artifacts / "team_6_board_pack.pptx"
    info.value.save_as(deck)
    texts = _slide_texts(Presentation(str(deck)))
    deck.with_suffix(".txt").write_text("\n\n".join(texts), encoding="utf-8")
    line = f"Newly recorded: improvement notice: {TITLE}, dated 10 February 2025 (an approved proposal)"
    digest = texts[1].splitlines()
    assert line in digest, texts[1]
    number = digest[digest.index(line) + 1]  # the table's next cell: its source's number
    assert re.fullmatch(r"\[\d+\]", number), number
    entry = f"{number} {SOURCE_TITLE} — Department for Education — {SOURCE_URL}"
    assert any(entry in t for t in texts[2:]), texts[-1]
    rv.keyboard.press("Escape")

    # 7. Eddie and Erin both open the correction form of that notice; Eddie's correction is
    # approved first; Erin's is refused, her typing stays, Eddie's change is beside it.
    erin_ctx, er = _person(browser, base, "erin", KNOWSLEY, "Knowsley")
    _open(ed, base, KNOWSLEY, "Knowsley")
    for page in (ed, er):
        page.get_by_role("heading", name="Add to this authority's record").scroll_into_view_if_needed()
        page.get_by_text("Correct or retract a fact").click()
        _settled(page)
        _choose(page, "Fact to correct or retract", "2025-02-10")
        page.get_by_role("button", name="Propose this correction").wait_for(timeout=60_000)
        _settled(page)
    hers = {
        "Commissioner or adviser": "Jane Example, DfE adviser",
        "Partner or trust, and notes": "Erin's note",
    }
    for label, value in hers.items():
        er.get_by_role("textbox", name=label).fill(value)
    er.get_by_role("textbox", name="Source link (required)").first.fill("https://www.example.org/erin")
    er.get_by_role("textbox", name="Source title (required)").first.fill("Erin's source")
    ed.get_by_role("textbox", name="Commissioner or adviser").fill("John Example, DfE adviser")
    ed.get_by_role("textbox", name="Source link (required)").first.fill("https://www.example.org/eddie")
    ed.get_by_role("textbox", name="Source title (required)").first.fill("Eddie's source")
    ed.get_by_role("button", name="Propose this correction").click()
    ed.get_by_text(done).wait_for(timeout=60_000)
    [fix] = history.open_proposals(engine)
    _tracker(rv, base)
    _decide(rv, fix.id, "Approve")
    rv.get_by_text(f"Approved change {fix.id}").wait_for(timeout=60_000)

    er.get_by_role("button", name="Propose this correction").click()
    er.get_by_text("Not saved: someone else changed it first.").wait_for(timeout=60_000)
    _settled(er)
    for label, value in hers.items():
        assert er.get_by_role("textbox", name=label).input_value() == value
    assert er.get_by_role("textbox", name="Source title (required)").first.input_value() == "Erin's source"
    beside = er.get_by_text(f"Eddie Editor's change {fix.id} (in effect)").first
    assert "John Example, DfE adviser" in beside.inner_text()
    beside.scroll_into_view_if_needed()
    er.screenshot(path=str(artifacts / "team_7_conflict_beside.png"))
    er.get_by_text("Nothing you typed is lost").scroll_into_view_if_needed()
    er.screenshot(path=str(artifacts / "team_7_conflict_kept.png"))
    assert history.open_proposals(engine) == []
    assert "Traceback" not in (artifacts / "streamlit_signin.log").read_text()
    for context in (ed_ctx, bob_ctx, erin_ctx):
        context.close()
