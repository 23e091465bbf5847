"""E-mail on SQLite and PostgreSQL, against a real SMTP server (aiosmtpd on 127.0.0.1, a free
port; ``tests/smtp_support``): one message per reviewer for a new proposal, one to the proposer
per decision, a link and no fact beyond the council and the kind; without settings nothing is
sent; a mail server that is down or refuses never undoes a write and is logged in one line."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

import pytest

from oversight.data.curation import bulk, edits, harvest, history, notify
from oversight.data.curation.roles import OPERATOR
from oversight.data.settings import ADMINS_ENV
from tests import curation_support as cs
from tests.conftest import ROOT, dump
from tests.govuk_support import serve_govuk
from tests.smtp_support import PUBLIC_URL, REFUSED, SENDER, free_port, no_smtp_settings, serve_smtp

REVIEWERS = {cs.REVIEWER.key, cs.REVIEWER2.key, cs.ADMIN.key}
#: What the Devon proposal says beyond its council and kind: none of it may be in a message.
FACT_WORDS = [
    "2021",
    "adviser",
    "Adviser",
    "notice",
    "annual report",
    "devonsafeguardingchildren",
    "Partnership",
    "from their annual report",
    "Eddie",
]


@pytest.fixture
def engine(fresh_engine, monkeypatch):
    no_smtp_settings(monkeypatch)
    cs.grant_everyone(fresh_engine)
    return fresh_engine


@pytest.fixture
def smtp(engine, monkeypatch):
    with serve_smtp(monkeypatch) as box:
        yield box


def _no_fact_text(text: str) -> None:
    for word in FACT_WORDS:
        assert word not in text, f"{word!r} in {text!r}"


def test_a_proposal_tells_each_reviewer_and_admin_but_its_proposer_once(engine, smtp, monkeypatch):
    monkeypatch.setenv(ADMINS_ENV, "boss@example.org")  # an admin by the setting hears too
    change = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER, comment="from their annual report")
    recipients = sorted(r for m in smtp.messages for r in m.rcpt_tos)
    assert recipients == sorted(REVIEWERS | {"boss@example.org"})
    for message in smtp.messages:
        assert len(message.rcpt_tos) == 1 and message.to == message.rcpt_tos[0]
        assert message.message["From"] == SENDER
        assert message.subject == "Proposal waiting for your review: new intervention, Devon"
        assert f"new intervention, Devon (change {change})" in message.body
        assert f"{PUBLIC_URL}/tracker" in message.body
        assert f"{PUBLIC_URL}/authority?la={cs.DEVON}" in message.body
        _no_fact_text(message.subject + message.body)

    smtp.messages.clear()
    edits.propose(engine, cs.REVIEWER, cs.event_row("A board"))  # a reviewer's own: not to them
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
        REVIEWERS - {cs.REVIEWER.key} | {"boss@example.org"}
    )
    assert {m.subject for m in smtp.messages} == {"Proposal waiting for your review: new event, Devon"}


def test_a_decision_tells_its_proposer_once_and_no_one_else(engine, smtp):
    adviser = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER)
    board = edits.propose(engine, cs.EDITOR2, cs.event_row("Improvement board met"))
    smtp.messages.clear()

    edits.reject(engine, cs.REVIEWER, adviser, "The report names no adviser in 2021")
    [told] = smtp.messages
    assert told.rcpt_tos == [cs.EDITOR.key]
    assert told.subject == "Your proposal was rejected: new intervention, Devon"
    assert f"(change {adviser}), was rejected" in told.body and "reason is in the app" in told.body
    assert "names no adviser" not in told.body  # the reason stays in the app
    _no_fact_text(told.subject + told.body)

    edits.approve(engine, cs.REVIEWER, board, "Minutes checked")
    assert [m.rcpt_tos for m in smtp.messages[1:]] == [[cs.EDITOR2.key]]
    assert smtp.messages[1].subject == "Your proposal was approved: new event, Devon"
    assert "Minutes checked" not in smtp.messages[1].body and "Improvement board" not in smtp.messages[1].body

    smtp.messages.clear()
    mine = edits.propose(engine, cs.EDITOR, cs.event_row("Withdrawn"))
    smtp.messages.clear()
    edits.withdraw(engine, cs.EDITOR, mine)
    assert smtp.messages == []  # their own act: nothing to tell
    edits.set_allow_self_approval(engine, cs.ADMIN, True)
    own = edits.propose(engine, cs.REVIEWER, cs.event_row("Self-approved"))
    smtp.messages.clear()
    edits.approve(engine, cs.REVIEWER, own)
    assert smtp.messages == []


def test_corrections_retractions_and_conflicts_are_told_too(engine, smtp):
    fact = cs.seed_fact(engine, "events", 0)
    correction = edits.propose_correction(
        engine, cs.EDITOR, "events", fact["id"], cs.citation(details="x"), 1
    )
    assert {m.subject.partition(": ")[2].partition(",")[0] for m in smtp.messages} == {
        "correction of an event"
    }
    other = cs.seed_fact(engine, "interventions", 0)
    smtp.messages.clear()
    edits.propose_retraction(
        engine, cs.EDITOR2, "interventions", other["id"], 1, "twice", "https://www.example.org/", "Minutes"
    )
    assert len(smtp.messages) == 3 and all(
        "retraction of an intervention" in m.subject for m in smtp.messages
    )

    one = edits.propose(engine, cs.EDITOR, cs.event_row("Focused visit letter"))
    two = edits.propose(engine, cs.EDITOR2, cs.event_row("Focused visit letter"))
    edits.approve(engine, cs.REVIEWER, one)
    smtp.messages.clear()
    with pytest.raises(edits.Conflict):
        edits.approve(engine, cs.REVIEWER, two)
    [told] = smtp.messages
    assert (
        told.rcpt_tos == [cs.EDITOR2.key]
        and told.subject == "Your proposal was not applied: new event, Devon"
    )
    assert "approved but not applied" in told.body
    assert history.change(engine, correction).state == "proposed"


def test_the_harvest_tells_the_reviewers_of_each_proposal_it_files(engine, smtp):
    with serve_govuk() as govuk:
        run = harvest.harvest(
            engine, since=dt.date(2026, 1, 1), base_url=govuk.url, today=dt.date(2026, 5, 1)
        )
    filed = [o.change_id for o in run.outcomes if o.status == harvest.PROPOSED]
    assert filed
    assert len(smtp.messages) == len(filed) * len(REVIEWERS)
    for change_id in filed:
        told = [m for m in smtp.messages if f"(change {change_id})" in m.body]
        assert sorted(m.rcpt_tos[0] for m in told) == sorted(REVIEWERS)
    # A decision on the command line's proposal tells no one (the command line has no address).
    smtp.messages.clear()
    edits.reject(engine, cs.REVIEWER, filed[0], "Not this council's notice")
    assert smtp.messages == []


def test_an_uploaded_file_tells_the_reviewers_of_each_row_once_filed_and_not_when_checked(engine, smtp):
    upload = (
        b"record,authority_code,date,date_precision,level,kind,title,source_url,source_title\n"
        b"event,E10000008,2024-03-01,day,,board,Improvement board met,https://www.example.org/b,Minutes\n"
        b"event,E10000008,2024-06-01,day,,board,Improvement board met again,https://www.example.org/c,Minutes\n"
    )
    bulk.propose_file(engine, cs.EDITOR, upload, "week 49.csv", check_only=True)
    assert smtp.messages == []  # a check files nothing, so tells no one
    filed = bulk.propose_file(engine, cs.EDITOR, upload, "week 49.csv")
    assert len(filed.changes) == 2 and len(smtp.messages) == 2 * len(REVIEWERS)
    assert {m.subject for m in smtp.messages} == {"Proposal waiting for your review: new event, Devon"}
    for message in smtp.messages:
        _no_fact_text(message.subject + message.body)


def test_without_settings_nothing_is_sent_and_nothing_fails(engine, monkeypatch):
    with serve_smtp(monkeypatch) as box:
        monkeypatch.delenv(notify.HOST_ENV)  # every other setting, but no host
        change = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER)
        edits.reject(engine, cs.REVIEWER, change, "no")
    assert box.messages == []
    assert notify.smtp_settings() is None
    assert history.change(engine, change).state == "rejected"


def test_a_mail_server_that_is_down_never_undoes_the_write_and_is_one_line(engine, monkeypatch, caplog):
    monkeypatch.setenv(notify.HOST_ENV, "127.0.0.1")
    monkeypatch.setenv(notify.PORT_ENV, str(free_port()))  # nothing listens there
    monkeypatch.setenv(notify.FROM_ENV, SENDER)
    monkeypatch.setenv(notify.STARTTLS_ENV, "off")
    caplog.set_level(logging.WARNING, logger="oversight.notify")
    started = time.perf_counter()
    change = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER)
    edits.reject(engine, cs.REVIEWER, change, "no source")
    assert time.perf_counter() - started < notify.TIMEOUT_S
    assert history.change(engine, change).state == "rejected"
    records = [r for r in caplog.records if r.name == "oversight.notify"]
    assert len(records) == 2  # one line for each round of messages
    for record in records:
        line = record.getMessage()
        assert record.exc_info is None and "\n" not in line
        assert line.startswith("oversight: e-mail not sent (0 of ") and "ConnectionRefusedError" in line


@pytest.mark.parametrize(
    ("env", "value", "words"),
    [
        (notify.PORT_ENV, "smtp", "OVERSIGHT_SMTP_PORT is not a port number: 'smtp'"),
        (notify.FROM_ENV, "", "OVERSIGHT_SMTP_FROM is not set"),
    ],
)
def test_settings_that_cannot_be_used_are_one_line_and_the_write_stands(
    engine, smtp, monkeypatch, caplog, env, value, words
):
    monkeypatch.setenv(env, value)
    caplog.set_level(logging.WARNING, logger="oversight.notify")
    before = len(dump(engine)["changes"])
    edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER)
    assert len(dump(engine)["changes"]) == before + 1 and smtp.messages == []
    [record] = [r for r in caplog.records if r.name == "oversight.notify"]
    assert words in record.getMessage() and record.exc_info is None


def test_a_refused_recipient_does_not_stop_the_others(engine, smtp, monkeypatch, caplog):
    """The server refuses one address (``smtp_support.REFUSED``); the others still go."""
    caplog.set_level(logging.WARNING, logger="oversight.notify")
    settings = notify.smtp_settings()
    letters = [
        notify.Letter("reviewer@example.org", "One", "First"),
        notify.Letter(REFUSED, "Two", "Refused"),
        notify.Letter("admin@example.org", "Three", "Third"),
    ]
    sent = notify.send(settings, letters)
    assert [m.subject for m in smtp.messages] == ["One", "Three"] and sent == 2
    [record] = [r for r in caplog.records if r.name == "oversight.notify"]
    assert record.getMessage().startswith(f"oversight: e-mail to {REFUSED} not sent: ")


def test_it_signs_in_to_the_server_when_given_a_user(engine, monkeypatch):
    with serve_smtp(monkeypatch, login=True) as box:
        edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER)
    assert len(box.messages) == 3 and box.logins == ["tracker"]


def test_no_password_crosses_a_network_in_clear(engine, monkeypatch, caplog):
    settings = notify.Smtp("mail.example.org", 25, SENDER, "tracker", "secret", starttls=False)
    caplog.set_level(logging.WARNING, logger="oversight.notify")
    assert notify.send(settings, [notify.Letter("a@example.org", "s", "b")]) == 0
    [record] = [r for r in caplog.records if r.name == "oversight.notify"]
    assert "a password is never sent without TLS" in record.getMessage()
    assert "secret" not in record.getMessage() and "secret" not in repr(settings)


# Settings, without a server ---------------------------------------------------------------------


def test_settings_come_from_the_environment_first_then_the_secrets(monkeypatch):
    no_smtp_settings(monkeypatch)
    secrets = {
        "smtp": {"host": "smtp.council.example.org", "port": 2525, "user": "u@council.example.org"},
        "auth": {"redirect_uri": "https://oversight.council.example.org/oauth2callback"},
    }
    assert notify.smtp_settings({}) is None
    notify.use_secrets(lambda: secrets)
    got = notify.smtp_settings()
    assert (got.host, got.port, got.sender, got.starttls) == (
        "smtp.council.example.org",
        2525,
        "u@council.example.org",
        True,
    )
    assert got.public_url == "https://oversight.council.example.org"  # where people open the app
    monkeypatch.setenv(notify.PORT_ENV, "587")
    monkeypatch.setenv(notify.PUBLIC_URL_ENV, "https://tracker.example.org/")
    monkeypatch.setenv(notify.STARTTLS_ENV, "off")
    got = notify.smtp_settings()
    assert (got.port, got.public_url, got.starttls) == (587, "https://tracker.example.org", False)
    monkeypatch.delenv(notify.PORT_ENV)
    assert notify.smtp_settings({"smtp": {"host": "h", "from": "x@y.org"}}).port == 25  # no TLS: 25
    monkeypatch.delenv(notify.PUBLIC_URL_ENV)
    assert notify.smtp_settings(secrets).public_url == "https://oversight.council.example.org"
    notify.use_secrets(lambda: (_ for _ in ()).throw(RuntimeError("unreadable")))
    assert notify.smtp_settings() is None


def test_the_links_are_the_apps_page_paths():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    paths = dict(re.findall(r'"(ui/[a-z_]+\.py)".*?url_path="([a-z]+)"', app, re.S))
    assert paths["ui/tracker_page.py"] == notify.TRACKER_PATH
    assert paths["ui/authority_page.py"] == notify.AUTHORITY_PATH


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `OVERSIGHT_")]
    for env in notify.KEYS:
        assert any(line.startswith(f"| `{env}`") for line in table), f"README's settings table lacks {env}"
    guide = (ROOT / "components" / "content" / "user_guide.md").read_text(encoding="utf-8")
    assert "inbox" in guide and "e-mail" in guide


def test_the_operator_is_never_a_recipient():
    settings = notify.Smtp("h", 25, SENDER)
    change = {"id": 1, "action": "create", "fact_table": "events", "proposed_by": OPERATOR.key}
    assert (
        notify.decision_letters(
            settings, change, ("E1", "X"), {"decision": "rejected", "decided_by": "r@x.org"}
        )
        == []
    )
    letters = notify.proposal_letters(settings, change, None, ["r@x.org"])
    assert [letter.to for letter in letters] == ["r@x.org"] and "a council" in letters[0].subject
