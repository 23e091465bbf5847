"""One line in the server's log per action that writes or signs someone in, on SQLite and
PostgreSQL: a proposal, an approval, a rejection, a refusal, an import, an upload, a sign-in and
its refusal; with the actor's email and nobody else's, no names, reasons or fact text."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from oversight.data import logs
from oversight.data.curation import bulk, edits, harvest, users
from oversight.data.curation.edits import EditRefused
from oversight.data.curation.roles import OPERATOR, Actor, IdentityRefused, PermissionDenied
from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from tests import curation_support as cs
from tests import hostile_data as hd
from tests.govuk_support import HAVERING, serve_govuk
from tests.test_data_logs_format import parse


@pytest.fixture
def engine(fresh_engine):
    cs.grant_everyone(fresh_engine)
    return fresh_engine


@pytest.fixture
def lines(caplog):
    """The action lines written so far, each as its fields."""
    caplog.set_level(logging.INFO, logger=logs.LOGGER)

    def read() -> list[dict[str, str]]:
        found = [parse(r.getMessage()) for r in caplog.records if r.name == logs.LOGGER]
        caplog.clear()
        return found

    return read


def _without_ms(fields: dict[str, str]) -> dict[str, str]:
    assert int(fields.pop("ms")) >= 0
    return fields


def test_a_proposal_its_approval_and_a_rejection(engine, lines):
    lines()  # the grants
    change = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER, comment="from their annual report")
    fact = edits.approve(engine, cs.REVIEWER, change, "source checked against the annual report")
    other = edits.propose(engine, cs.EDITOR2, cs.event_row("Improvement board chaired independently"))
    edits.reject(engine, cs.REVIEWER2, other, "Bob Smith says the minutes do not show this")
    proposed, approved, proposed2, rejected = (_without_ms(f) for f in lines())
    assert proposed == {
        "action": "propose",
        "change": str(change),
        "record": "intervention",
        "authority": cs.DEVON,
        "actor": "editor@example.org",  # as the database keeps it
        "outcome": "ok",
    }
    assert approved == {
        "action": "approve",
        "change": str(change),
        "record": "intervention",
        "fact": str(fact),
        "authority": cs.DEVON,
        "actor": "reviewer@example.org",
        "outcome": "ok",
    }
    assert proposed2["record"] == "event" and proposed2["actor"] == "editor2@example.org"
    assert rejected == {
        "action": "reject",
        "change": str(other),
        "record": "event",
        "authority": cs.DEVON,
        "actor": "reviewer2@example.org",
        "outcome": "ok",
    }


def test_refusals_say_refused_and_the_class_never_the_words(engine, lines):
    lines()
    change = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER)
    with pytest.raises(PermissionDenied):
        edits.approve(engine, cs.NO_ROLE, change)
    with pytest.raises(PermissionDenied):
        edits.approve(engine, cs.EDITOR2, change)
    with pytest.raises(EditRefused):
        edits.reject(engine, cs.REVIEWER, change, "   ")  # a rejection needs a reason
    with pytest.raises(EditRefused):
        edits.propose(engine, cs.EDITOR, {**cs.DEVON_ADVISER, "level": "takeover"})
    _, nobody, editor, blank, invalid = lines()
    assert (nobody["action"], nobody["outcome"], nobody["error"]) == (
        "approve",
        "refused",
        "PermissionDenied",
    )
    assert nobody["actor"] == "someone@example.org" and nobody["change"] == str(change)
    assert (editor["actor"], editor["error"]) == ("editor2@example.org", "PermissionDenied")
    assert (blank["action"], blank["error"], blank["change"]) == ("reject", "EditRefused", str(change))
    assert (invalid["action"], invalid["outcome"], invalid["error"]) == ("propose", "refused", "EditRefused")
    assert "takeover" not in str(invalid) and invalid["actor"] == "editor@example.org"


def test_a_conflict_is_a_refused_approval(engine, lines):
    """The same event proposed twice: the second approval meets the first's fact."""
    first = edits.propose(engine, cs.EDITOR, cs.event_row())
    second = edits.propose(engine, cs.EDITOR2, cs.event_row())
    cs.approved(engine, first)
    lines()
    with pytest.raises(edits.Conflict):
        cs.approved(engine, second)
    [conflict] = lines()
    assert (conflict["action"], conflict["change"]) == ("approve", str(second))
    assert (conflict["outcome"], conflict["error"]) == ("refused", "Conflict")


def test_a_withdrawal_a_revert_a_setting_and_a_revocation(engine, lines):
    change = edits.propose(engine, cs.EDITOR, cs.event_row())
    fact = cs.approved(engine, change)
    waiting = edits.propose(engine, cs.EDITOR, cs.event_row("Another board"))
    lines()
    edits.withdraw(engine, cs.EDITOR, waiting, "not yet")
    revert = edits.revert(engine, cs.ADMIN, change, "recorded twice")
    edits.set_allow_self_approval(engine, cs.ADMIN, True)
    users.revoke(engine, cs.ADMIN, cs.EDITOR2.email)
    withdrawn, reverted, setting, revoked = (_without_ms(f) for f in lines())
    assert withdrawn == {
        "action": "withdraw",
        "change": str(waiting),
        "record": "event",
        "authority": cs.DEVON,
        "actor": "editor@example.org",
        "outcome": "ok",
    }
    assert reverted == {
        "action": "revert",
        "change": str(revert),
        "record": "event",
        "fact": str(fact),
        "authority": cs.DEVON,
        "actor": "admin@example.org",
        "reverts": str(change),
        "outcome": "ok",
    }
    assert (setting["action"], setting["self_approval"], setting["actor"]) == (
        "settings",
        "true",
        "admin@example.org",
    )
    assert (revoked["action"], revoked["actor"], revoked["outcome"]) == ("revoke", "admin@example.org", "ok")
    assert "editor2" not in str(revoked)


def test_an_import_and_an_upload(engine, lines, tmp_path):
    lines()
    row = {**cs.event_row("Board met"), "source_publisher": "Council"}
    tracker = hd.write_tracker(tmp_path, [row], name="Jane Smith's tracker\nts=x.csv".replace("\n", " "))
    import_paths(engine, [tracker])
    import_paths(engine, [tracker])
    bad = hd.write_tracker(tmp_path, [{**row, "authority_code": "E99999999"}], name="bad.csv")
    with pytest.raises(ImportRefused):
        import_paths(engine, [bad])
    upload = hd.write_tracker(tmp_path, [cs.event_row("Board met again", day="2024-04-01")], name="mine.csv")
    filed = bulk.propose_file(engine, cs.EDITOR, upload.read_bytes(), "Jane Smith.csv")
    checked = bulk.propose_file(engine, cs.EDITOR, upload.read_bytes(), "again.csv", check_only=True)
    with pytest.raises(PermissionDenied):
        bulk.propose_file(engine, cs.NO_ROLE, upload.read_bytes(), "mine.csv")
    first, repeat, refused, uploaded, denied = (_without_ms(f) for f in lines())
    assert first == {
        "action": "import",
        "kind": "tracker",
        "files": "1",
        "rows": "1",
        "added": "1",
        "updated": "0",
        "unchanged": "0",
        "already": "0",
        "outcome": "ok",
    }
    assert (repeat["added"], repeat["already"]) == ("0", "1")
    assert (refused["outcome"], refused["error"], refused["files"]) == ("refused", "ImportRefused", "1")
    assert uploaded == {
        "action": "upload",
        "rows": "1",
        "proposals": str(len(filed.changes)),
        "warnings": str(len(filed.warnings)),
        "actor": "editor@example.org",
        "outcome": "ok",
    }
    assert checked.changes == (), "a check files nothing and writes no line"
    assert (denied["outcome"], denied["error"], denied["actor"]) == (
        "refused",
        "PermissionDenied",
        "someone@example.org",
    )


def test_sign_in_and_its_refusal(engine, lines):
    lines()
    role = users.sign_in(engine, cs.EDITOR)
    stranger = Actor(cs.EDITOR.email, "Mallory", cs.ISSUER, "another-subject")
    with pytest.raises(IdentityRefused):
        users.sign_in(engine, stranger)
    users.grant(engine, OPERATOR, "new.person@example.org", "reviewer", name="New Person")
    signed, refused, granted = (_without_ms(f) for f in lines())
    assert signed == {"action": "sign_in", "actor": "editor@example.org", "role": role, "outcome": "ok"}
    assert refused == {
        "action": "sign_in",
        "actor": "editor@example.org",
        "outcome": "refused",
        "error": "IdentityRefused",
    }
    assert (
        granted["action"] == "grant" and granted["actor"] == "command line" and granted["role"] == "reviewer"
    )
    assert "new.person" not in str(granted), "the email granted to is in the history, not the log"


def test_no_name_reason_or_fact_text_reaches_the_log(engine, caplog):
    caplog.set_level(logging.INFO, logger=logs.LOGGER)
    change = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER, comment="private note")
    edits.reject(engine, cs.REVIEWER, change, "Bob Smith told me")
    text = caplog.text
    for words in ("Eddie", "Bob", "private note", "improvement adviser", "annual report", "https://"):
        assert words not in text


def test_a_harvest_is_one_line_with_its_counts(engine, lines):
    """GOV.UK played by a local server (``tests/govuk_support``): a page that fails makes the run
    ``partial``; a search that fails, ``failed``."""
    lines()
    with serve_govuk() as govuk:
        govuk.broken.add(HAVERING)
        run = harvest.harvest(
            engine, base_url=govuk.url, since=dt.date(2026, 1, 1), today=dt.date(2026, 5, 1)
        )
        govuk.search_status = 503
        with pytest.raises(harvest.HarvestFailed):
            harvest.harvest(engine, base_url=govuk.url, since=dt.date(2026, 1, 1), today=dt.date(2026, 5, 1))
    partial, failed = (_without_ms(f) for f in lines() if f["action"] == "harvest")
    assert partial == {
        "action": "harvest",
        "since": "2026-01-01",
        "actor": "command line",
        "proposed": str(run.count(harvest.PROPOSED)),
        "skipped": str(run.count(harvest.SKIPPED)),
        "failed": "1",
        "outcome": "partial",
    }
    assert (failed["outcome"], failed["error"]) == ("failed", "HarvestFailed")
