"""Sign-in end to end in real headless Chromium, against a real local OpenID Connect provider.

The tests start ``oidc-provider-mock`` (a pinned dev dependency) on a free port, and serve the app
with ``streamlit run`` from a temporary folder holding ``.streamlit/secrets.toml`` with ``[auth]``
pointing at it (Streamlit reads secrets from the working directory; the repository's
``config.toml`` is linked in). Roles are granted beforehand on a copy of the loaded store. Every
request to anything but 127.0.0.1 is aborted (the provider's page asks the internet for CSS).

Anonymous: no form and no action, on the authority page or the Tracker page opened by its URL.
An editor signs in, records an intervention for Devon with its source, sees it as a proposal,
signs out; a reviewer signs in and approves it on the Tracker page; the public map then shows
Devon's level from that date, and Devon's page shows the fact's history (proposed by, approved
by, when). Screenshots go to tests/artifacts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from oversight.data import bootstrap, settings
from oversight.data.curation import edits, history, users
from oversight.data.curation.roles import OPERATOR
from tests import curation_support as cs
from tests import hostile_data as hd
from tests.browser import free_port
from tests.conftest import ROOT
from tests.test_browser_accessibility import AXE, audit
from tests.test_data_logs_format import parse

pytestmark = pytest.mark.browser

PEOPLE = {
    "eddie": ("eddie.editor@example.org", "Eddie Editor", "editor"),
    "bob": ("bob.reviewer@example.org", "Bob Reviewer", "reviewer"),
    "ada": ("ada.admin@example.org", "Ada Admin", "admin"),
}
#: Accounts at the provider that must be nobody here (issue 19): the reviewer's address, not
#: verified; a Kelvin sign (U+212A) that lower-cases onto the OVERSIGHT_ADMINS address below.
STRANGERS = {
    "mallory": {"email": "bob.reviewer@example.org", "email_verified": False, "name": "Mallory"},
    "kelvin": {"email": "\u212aate@example.org", "email_verified": True, "name": "Kelvin"},
}
SETTING_ADMIN = "kate@example.org"
DEVON = "/authority?la=E10000008&as_at=2024-05-01"
SOURCE_URL = "https://www.devonchildrenandfamiliespartnership.example.org/annual-report-2021"
#: The SVG map's link for Devon, inside the component's shadow root: its accessible name.
DEVON_ON_MAP = """() => { for (const h of document.querySelectorAll('*')) {
    const a = h.shadowRoot && h.shadowRoot.querySelector('svg a[data-la="E10000008"]');
    if (a) return a.getAttribute('aria-label'); } return null; }"""


def _server_log(artifacts: Path) -> list[dict[str, str]]:
    """The app's action lines (``data/logs``) so far, each as its fields."""
    text = (artifacts / "streamlit_signin.log").read_text()
    return [parse(line) for line in text.splitlines() if line.startswith("ts=") and " action=" in line]


def _wait_http(url: str, proc: subprocess.Popen, what: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.2)


@pytest.fixture
def signin_app(tmp_path: Path, loaded_sqlite_url: str, artifacts: Path):
    """(app base URL, provider base URL): the provider, and the app configured to use it."""
    url = hd.copy_sqlite(loaded_sqlite_url, tmp_path)
    engine = bootstrap.ready_engine(url)
    for email, name, role in PEOPLE.values():
        users.grant(engine, OPERATOR, email, role, name=name)
    engine.dispose()
    bootstrap.forget(url)

    provider_port, app_port = free_port(), free_port()
    provider_log = (artifacts / "oidc_provider.log").open("w")
    claims = [
        arg
        for sub, (email, name, _) in PEOPLE.items()
        for arg in (
            "--user-claims",
            json.dumps({"sub": sub, "email": email, "email_verified": True, "name": name}),
        )
    ]
    for sub, more in STRANGERS.items():
        claims += ["--user-claims", json.dumps({"sub": sub, **more})]
    provider = subprocess.Popen(
        [str(Path(sys.executable).parent / "oidc-provider-mock"), "-p", str(provider_port), *claims],
        stdout=provider_log,
        stderr=subprocess.STDOUT,
    )
    provider_base = f"http://127.0.0.1:{provider_port}"
    folder = tmp_path / "site"
    (folder / ".streamlit").mkdir(parents=True)
    (folder / ".streamlit" / "config.toml").symlink_to(ROOT / ".streamlit" / "config.toml")
    (folder / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        'cookie_secret = "a-secret-for-this-test-only"\n'
        'client_id = "oversight-test"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider_base}/.well-known/openid-configuration"\n'
    )
    env = {**os.environ, settings.DATABASE_ENV: url, settings.ADMINS_ENV: SETTING_ADMIN}
    app_log = (artifacts / "streamlit_signin.log").open("w")
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(app_port)]
        + [
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=folder,
        env=env,
        stdout=app_log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"{provider_base}/.well-known/openid-configuration", provider, "oidc-provider-mock")
        _wait_http(f"http://127.0.0.1:{app_port}/_stcore/health", app, "streamlit")
        yield f"http://127.0.0.1:{app_port}", provider_base, url
    finally:
        for proc in (app, provider):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        app_log.close()
        provider_log.close()


def _only_loopback(route) -> None:
    host = urllib.parse.urlsplit(route.request.url).hostname
    if host == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def _settled(page) -> None:
    """The script has finished and everything has drawn."""
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0""",
        timeout=90_000,
    )
    page.wait_for_timeout(700)


def _open(page, base: str, path: str, heading: str) -> None:
    if page.url.startswith(base):
        # The page on screen first finishes its run. Going elsewhere straight after a sign-in's
        # landing failed about one run in two (``net::ERR_ABORTED``, or a heading never drawn):
        # the landing page was still writing its query (the as-at date) into the address, which
        # can cancel a new load in Chromium. Four of four passed with this wait.
        _settled(page)
    page.goto(base + path)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
    _settled(page)


def _choose(page, label: str, typed: str) -> None:
    """Pick an option of the select box labelled ``label`` with the keyboard, as a person would."""
    box = page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True))
    box.locator("input").first.click()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")


def _sign_in(page, base: str, sub: str) -> None:
    _authorize(page, base, sub)
    name = PEOPLE[sub][1]
    page.get_by_text(f"Signed in as {name} ({PEOPLE[sub][2]})").wait_for(timeout=90_000)


def _authorize(page, base: str, sub: str) -> None:
    """Sign in at the provider as ``sub`` and come back to the app."""
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("input[name='sub']", timeout=30_000)
    page.fill("input[name='sub']", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**", timeout=30_000)


def _sign_out(page, base: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    _back_from_sign_out(page, base)


def _back_from_sign_out(page, base: str) -> None:
    """The provider's end-session page, if it shows one, then the app's "Sign in" again."""
    end = page.get_by_role("button", name="End session")
    try:
        end.wait_for(timeout=15_000)
        end.click()
    except Exception:  # noqa: BLE001 - a provider without an end-session page sends us straight back
        pass
    page.wait_for_url(f"{base}/**", timeout=30_000)
    page.get_by_role("button", name="Sign in").wait_for(timeout=90_000)


def _no_serious_violations(page, artifacts: Path, name: str) -> None:
    """The axe-core audit of the accessibility test, on a page only a signed-in person sees."""
    assert AXE.is_file(), "axe-core missing: run `make test` (it installs tools/axe)"
    violations = audit(page)
    (artifacts / f"axe_{name}.json").write_text(json.dumps(violations, indent=2))
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(bad, indent=2)[:4000]


def test_sign_in_record_review_and_publish_in_chromium(browser, signin_app, artifacts):
    base, _, _ = signin_app
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.route("**/*", _only_loopback)
    page = context.new_page()

    # Anonymous: reading is open, no form and no action, also by the Tracker page's own URL.
    _open(page, base, DEVON, "Devon")
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert page.get_by_text("Sign in (in the sidebar) to record or correct a fact").count() == 1
    assert page.get_by_role("button", name="Propose this intervention").count() == 0
    assert page.get_by_text("Proposals waiting for review").count() == 0
    _open(page, base, "/tracker", "Tracker")
    assert page.get_by_role("button", name="Approve").count() == 0
    assert page.get_by_text("Proposals waiting for review").count() == 0
    page.screenshot(path=str(artifacts / "signin_tracker_anonymous.png"), full_page=True)

    # The editor signs in from Devon's page and is back on it (not on the map), with its council
    # and date; the gap prompt at the top goes down to the form.
    _open(page, base, DEVON, "Devon")
    _sign_in(page, base, "eddie")
    page.wait_for_url(f"{base}{DEVON}", timeout=60_000)
    page.get_by_role("heading", name="Devon").first.wait_for(timeout=90_000)
    _settled(page)
    page.get_by_text("Signed in as Eddie Editor (editor)").wait_for(timeout=60_000)
    page.get_by_role("link", name="Add the notice or direction to this authority's record").click()
    page.wait_for_timeout(1_000)
    box = page.get_by_role("heading", name="Add to this authority's record").bounding_box()
    assert box is not None and 0 <= box["y"] < 1_100, box  # scrolled down to it, on screen
    assert page.get_by_role("button", name="Propose this intervention").count() == 1
    page.screenshot(path=str(artifacts / "signin_gap_link.png"))
    _choose(page, "Level", "Improvement notice")
    # The date picker takes the keyboard as well as the calendar: day, month and year in turn.
    page.get_by_role("spinbutton", name="day, Start date").click()
    page.keyboard.type("01042021")
    assert page.get_by_role("spinbutton", name="year, Start date").inner_text() == "2021"
    page.get_by_text("Add to this authority's record").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "signin_editor_form_top.png"))
    page.get_by_role("textbox", name="Instrument or title").fill("DfE-appointed improvement adviser")
    page.get_by_role("textbox", name="Commissioner or adviser").fill("A DfE improvement adviser")
    page.get_by_role("textbox", name="Source link (required)").fill(SOURCE_URL)
    page.get_by_role("textbox", name="Source title (required)").fill(
        "Devon Children and Families Partnership annual report"
    )
    page.get_by_role("button", name="Propose this intervention").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "signin_editor_form.png"))
    _no_serious_violations(page, artifacts, "signin_editor_form")
    page.get_by_role("button", name="Propose this intervention").click()
    done = page.get_by_text("Proposed — waiting for review by another person")
    done.wait_for(timeout=60_000)
    _settled(page)
    # The outcome is beside the button, where the editor is looking, with what was saved.
    button = page.get_by_role("button", name="Propose this intervention").bounding_box()
    said = done.bounding_box()
    assert button and said and 0 < said["y"] - button["y"] < 200, (button, said)
    assert 0 <= said["y"] < 1_100, said  # on screen, though the new proposal's card grew the page above
    assert page.get_by_text("What it records: Improvement notice from 2021-04-01").count() == 1
    page.screenshot(path=str(artifacts / "signin_editor_saved.png"))
    page.get_by_text("Proposals waiting for review", exact=True).wait_for()
    assert page.get_by_text("New intervention").count() >= 1
    assert page.get_by_role("button", name="Withdraw change").count() == 1
    assert page.get_by_role("button", name="Approve").count() == 0  # the two-person rule
    page.get_by_text("Proposals waiting for review", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "signin_editor_proposed.png"))
    _sign_out(page, base)

    # The public map does not show a proposal.
    _open(page, base, "/?as_at=2022-01-01", "Intervention map")
    page.wait_for_function(f"() => ({DEVON_ON_MAP})() !== null", timeout=90_000)
    assert page.evaluate(DEVON_ON_MAP).startswith("Devon: Inadequate, no intervention recorded")

    # The reviewer signs in and approves it on the Tracker page.
    _sign_in(page, base, "bob")
    _open(page, base, "/tracker", "Tracker")
    page.get_by_text("Proposals waiting for review").wait_for(timeout=60_000)
    page.get_by_text("Proposed by Eddie Editor").first.wait_for()
    page.get_by_role("textbox", name="Comment on change").first.fill(
        "Checked against the partnership's annual report"
    )
    page.screenshot(path=str(artifacts / "signin_reviewer_tracker.png"), full_page=True)
    _no_serious_violations(page, artifacts, "signin_reviewer_tracker")
    page.get_by_role("button", name="Approve change").first.click()
    page.get_by_text("it is now in the tracker and on the public pages").wait_for(timeout=60_000)
    _settled(page)
    page.screenshot(path=str(artifacts / "signin_reviewer_approved.png"), full_page=True)
    _sign_out(page, base)

    # Anyone: the map shows Devon's level from that date, and Devon's page its history.
    _open(page, base, "/?as_at=2022-01-01", "Intervention map")
    page.wait_for_function(f"() => ({DEVON_ON_MAP})() !== null", timeout=90_000)
    label = page.evaluate(DEVON_ON_MAP)
    assert label.startswith("Devon: Improvement notice since 1 April 2021"), label
    page.screenshot(path=str(artifacts / "signin_public_map.png"))
    _open(page, base, DEVON, "Devon")
    _choose(page, "Show the history of", "2021-04-01")
    page.get_by_text("Proposed by Eddie Editor").first.wait_for(timeout=60_000)
    _settled(page)
    history = page.locator("[data-testid='stTable']").first
    text = history.inner_text()
    assert "Proposed by Eddie Editor" in text and "Approved by Bob Reviewer" in text
    assert "Applied to the tracker" in text and "UTC" in text
    history.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "signin_fact_history.png"))
    context.close()

    # The server's log: one line per action, with the person's email and nothing they wrote.
    eddie, bob = PEOPLE["eddie"][0], PEOPLE["bob"][0]
    said = [
        (f["action"], f.get("actor"), f["outcome"])
        for f in _server_log(artifacts)
        if f.get("actor") in (eddie, bob)
    ]
    steps = [
        step for i, step in enumerate(said) if i == 0 or step != said[i - 1]
    ]  # a page opened anew signs in again
    assert steps == [
        ("sign_in", eddie, "ok"),
        ("propose", eddie, "ok"),
        ("sign_out", eddie, "ok"),
        ("sign_in", bob, "ok"),
        ("approve", bob, "ok"),
        ("sign_out", bob, "ok"),
    ], said
    [approved] = [f for f in _server_log(artifacts) if f["action"] == "approve"]
    assert (approved["authority"], approved["record"]) == ("E10000008", "intervention")
    logged = (artifacts / "streamlit_signin.log").read_text()
    for words in ("Eddie Editor", "Bob Reviewer", "annual report", "DfE-appointed", SOURCE_URL):
        assert words not in logged, words


def test_borrowed_identities_are_nobody_in_chromium(browser, signin_app, artifacts):
    """Issue 19: an unverified email, an address that folds onto an admin's, and an action sent
    while signing out, each against the real provider and the real app."""
    base, _, url = signin_app
    engine = bootstrap.ready_engine(url)
    change = edits.propose(engine, cs.person(PEOPLE["eddie"][0], "Eddie Editor", "eddie"), cs.event_row())
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.route("**/*", _only_loopback)
    page = context.new_page()

    # Mallory's account carries the reviewer's address, unverified: signed in, but nobody here.
    # (The first session a fresh server sees, on a page other than "/", shows Streamlit's "Page
    # not found" over it once: the other test opens two pages before it signs in; so do we.)
    _open(page, base, "/?as_at=2022-01-01", "Intervention map")
    _open(page, base, DEVON, "Devon")
    _authorize(page, base, "mallory")
    warning = page.get_by_text("has not verified the address")
    warning.wait_for(timeout=90_000)
    assert "bob.reviewer@example.org" in warning.inner_text().replace("\u2060", "")
    _open(page, base, "/tracker", "Tracker")
    assert page.get_by_role("button", name="Approve change").count() == 0
    assert page.get_by_text("Signed in as").count() == 0
    page.screenshot(path=str(artifacts / "signin_unverified.png"), full_page=True)
    _sign_out(page, base)

    # A Kelvin sign lower-cases onto the OVERSIGHT_ADMINS address: refused, no admin's controls.
    _authorize(page, base, "kelvin")
    page.get_by_text("reads as another one").wait_for(timeout=90_000)
    _open(page, base, "/tracker", "Tracker")
    assert page.get_by_text("People and roles (admins)").count() == 0
    page.screenshot(path=str(artifacts / "signin_kelvin.png"), full_page=True)
    _sign_out(page, base)

    # An admin fills in a grant, then signs out and sends "Save role" at once: nothing is granted.
    _sign_in(page, base, "ada")
    _open(page, base, "/tracker", "Tracker")
    page.get_by_text("People and roles (admins)").scroll_into_view_if_needed()
    page.get_by_role("textbox", name="Email they sign in with").fill("mallory@example.org")
    _choose(page, "Role", "admin")
    page.evaluate(
        """() => {
        const byText = (t) => [...document.querySelectorAll('button')].find(b => b.innerText.includes(t));
        byText('Sign out').click();
        setTimeout(() => { const b = byText('Save role'); if (b) b.click(); }, 150);
    }"""
    )
    _back_from_sign_out(page, base)
    assert "mallory@example.org" not in {u.email for u in users.list_users(engine)}
    listed = {u.email: u for u in users.list_users(engine)}
    assert not listed[PEOPLE["bob"][0]].bound  # Mallory's unverified sign-in took nothing of Bob's
    assert not any(u.bound for e, u in listed.items() if e.endswith("ate@example.org"))
    assert [c.id for c in history.open_proposals(engine)] == [change]  # nobody approved it
    assert history.verify(engine).ok
    assert "Traceback" not in (artifacts / "streamlit_signin.log").read_text()
    context.close()
    # The server's log has the refusals (one a session), with the address as the provider gave it.
    refused = [
        f["actor"] for f in _server_log(artifacts) if (f["action"], f["outcome"]) == ("sign_in", "refused")
    ]
    assert set(refused) == {s["email"] for s in STRANGERS.values()}, refused


def test_a_stale_correction_keeps_the_typing_in_chromium(browser, signin_app, artifacts):
    """Issue 21: an editor corrects a visit while someone else's correction of it is approved;
    theirs is refused, everything they typed stays, the other change is shown beside it, and
    proposing again goes through."""
    base, _, url = signin_app
    engine = bootstrap.ready_engine(url)
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.route("**/*", _only_loopback)
    page = context.new_page()
    _open(page, base, "/?as_at=2022-01-01", "Intervention map")
    _open(page, base, DEVON, "Devon")
    _sign_in(page, base, "eddie")
    page.wait_for_url(f"{base}{DEVON}", timeout=60_000)
    page.get_by_role("heading", name="Devon").first.wait_for(timeout=90_000)
    _settled(page)
    page.get_by_text("Correct or retract a fact").click()
    _settled(page)
    _choose(page, "Fact to correct or retract", "Monitoring visit")
    page.get_by_role("button", name="Propose this correction").wait_for(timeout=60_000)
    _settled(page)
    typed = "Found practice improving at the front door"
    page.get_by_role("textbox", name="Summary").fill(typed)
    page.get_by_role("textbox", name="Source link (required)").first.fill("https://www.example.org/letter")
    page.get_by_role("textbox", name="Source title (required)").first.fill("Monitoring visit letter")

    # Meanwhile Bob's correction of the same visit is proposed and approved by Ada.
    table, fact_id, version = _fix_target(engine)
    other = edits.propose_correction(
        engine,
        cs.person(PEOPLE["bob"][0], "Bob Reviewer", "bob"),
        table,
        fact_id,
        {"details": "Bob's summary of the letter", **cs.citation()},
        version,
    )
    edits.approve(engine, cs.person(PEOPLE["ada"][0], "Ada Admin", "ada"), other)

    page.get_by_role("button", name="Propose this correction").click()
    refused = page.get_by_text("Not saved: someone else changed it first.")
    refused.wait_for(timeout=60_000)
    _settled(page)
    assert page.get_by_role("textbox", name="Summary").input_value() == typed
    assert page.get_by_text(f"Bob Reviewer's change {other} (in effect)").count() >= 1
    box = refused.bounding_box()
    assert box is not None and 0 <= box["y"] < 1_100, box
    page.get_by_text("Nothing you typed is lost").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "signin_conflict_kept.png"))
    page.get_by_role("button", name="Propose this correction").click()
    page.get_by_text("Proposed — waiting for review by another person").wait_for(timeout=60_000)
    [waiting] = history.open_proposals(engine)
    assert waiting.after["details"] == typed
    context.close()


def _fix_target(engine) -> tuple[str, int, int]:
    """The fact the page offers first for "Monitoring visit" on Devon's page, and its version."""
    from oversight.components.widgets.record_fact import fact_label
    from oversight.data.store import story

    devon = story.authority_story(engine, "E10000008")
    fact = next(f for f in devon.own_facts if f.fact_id is not None and "Monitoring visit" in fact_label(f))
    return fact.fact_table, fact.fact_id, history.current_fact(engine, fact.fact_table, fact.fact_id).version
