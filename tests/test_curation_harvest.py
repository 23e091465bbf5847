"""`oversight harvest`: new notices and directions from GOV.UK's APIs, filed as proposals for review.

No internet: a local HTTP server (127.0.0.1, a free port) plays GOV.UK's Search and Content APIs,
serving the saved answers of ``tests/fixtures/govuk`` (made-up pages in the documented shapes) and
refusing unknown parameters with HTTP 422, as the real Search API does. The title and page rules
are tested without a database; the harvest itself on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from oversight import cli
from oversight.data.curation import edits, harvest, history, ledger
from oversight.data.downloads.transfer import TIME_ENV
from oversight.data.sources import govuk_decisions as gd
from oversight.data.store import queries
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction
from tests import curation_support as cs
from tests.conftest import dump
from tests.govuk_support import (
    BORSETSHIRE,
    CHESHIRE_EAST,
    CUMBRIA,
    FIXTURES,
    HALTON,
    HAVERING,
    KNOWSLEY,
    PUB,
    SWINDON,
    WIRRAL,
    FakeGovUk,
    serve_govuk,
)

TODAY = dt.date(2026, 5, 1)
SINCE = dt.date(2026, 1, 1)


@pytest.fixture
def govuk() -> Iterator[FakeGovUk]:
    with serve_govuk() as served:
        yield served


@pytest.fixture
def engine(fresh_engine):
    cs.grant_everyone(fresh_engine)
    return fresh_engine


def _run(engine, govuk: FakeGovUk, **kwargs) -> harvest.Run:
    kwargs.setdefault("today", TODAY)
    return harvest.harvest(engine, base_url=govuk.url, **kwargs)


def _by_link(run: harvest.Run) -> dict[str, harvest.Outcome]:
    return {o.link.removeprefix(gd.PUBLIC_SITE): o for o in run.outcomes}


# Titles and pages, without a database -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "instrument", "revised", "code"),
    [
        (
            "Improvement notice issued to Knowsley Metropolitan Borough Council: March 2026",
            "improvement_notice",
            False,
            "E08000011",
        ),
        ("Direction issued to London Borough of Havering", "direction", False, "E09000016"),
        (
            "Improvement notice issued to Council of the Isles of Scilly: November 2023",
            "improvement_notice",
            False,
            "E06000053",
        ),
        ("Revised direction issued to Halton Borough Council: February 2025", "direction", True, "E06000006"),
        ("Improvement notice issued to Hull City Council", "improvement_notice", False, "E06000010"),
        ("Direction issued to Kingston upon Hull City Council", "direction", False, "E06000010"),
        ("Improvement notice issued to Durham County Council", "improvement_notice", False, "E06000047"),
        ("Directions issued to Bournemouth, Christchurch and Poole Council", "direction", False, "E06000058"),
        (
            "Direction issued to City of Bradford Metropolitan District Council (June 2026)",
            "direction",
            False,
            "E08000032",
        ),
        ("Improvement notice issued to Cumbria county council", "improvement_notice", False, "E10000006"),
    ],
)
def test_a_title_names_the_instrument_and_the_council_through_the_register(title, instrument, revised, code):
    heading = gd.read_title(title)
    assert heading is not None and (heading.instrument, heading.revised) == (instrument, revised)
    council = gd.find_council(heading.council, dt.date(2021, 6, 1))
    assert isinstance(council, gd.Council) and council.code == code


def test_a_council_is_coded_as_it_was_on_the_page_s_date():
    """North Yorkshire's county council (E10000023) became a unitary council (E06000065) in 2023."""
    heading = gd.read_title("Improvement notice issued to North Yorkshire County Council")
    assert gd.find_council(heading.council, dt.date(2019, 5, 1)).code == "E10000023"
    assert gd.find_council(heading.council, dt.date(2024, 5, 1)).code == "E06000065"


@pytest.mark.parametrize(
    "title",
    [
        "Academy transfer decision: Example Primary School",
        "Notice to improve: Example College",
        "Improvement notices and directions",
        "Direction",
        "",
    ],
)
def test_other_decisions_are_not_notices(title):
    assert gd.read_title(title) is None


def test_an_unknown_council_is_said_in_words():
    heading = gd.read_title("Improvement notice issued to Borsetshire County Council: March 2026")
    assert (
        gd.find_council(heading.council, TODAY)
        == "no council in the register is called 'Borsetshire County Council'"
    )


def test_send_notices_are_told_apart_from_children_s_social_care():
    assert gd.send_only("Improvement notice issued to Wirral Council: SEND", "")
    assert gd.send_only(
        "Improvement notice issued to Bexley", "to improve its special educational needs services"
    )
    assert not gd.send_only("Direction issued to Hull", "in relation to children's services and SEND")
    assert not gd.send_only("Improvement notice issued to X", "requires X to send its plan to the department")


def test_a_commissioner_is_read_only_when_the_page_says_one_is_appointed():
    appointed = "The Secretary of State has appointed a Commissioner for Children's Services in Havering."
    assert gd.commissioner_sentence(f"Some text.\n{appointed} More.") == appointed
    assert (
        gd.commissioner_sentence("A report by the commissioner appointed at the time, now withdrawn.") is None
    )
    assert gd.commissioner_sentence("The council must work with an improvement adviser.") is None


def test_a_revocation_date_is_read_from_the_page_s_history():
    assert gd.revoked_on("Updated to show direction was revoked by DfE on 13 January 2022.") == dt.date(
        2022, 1, 13
    )
    assert gd.revoked_on("The notice was lifted on 28 April 2026 following a review.") == dt.date(2026, 4, 28)
    assert gd.revoked_on("First published.") is None


def test_a_content_answer_is_read_and_dated_as_gov_uk_dates_it():
    page = gd.read_content(
        json.loads((FIXTURES / "content" / f"{HAVERING.removeprefix(PUB)}.json").read_text())
    )
    assert (page.path, page.document_type) == (HAVERING, "decision")
    assert page.first_published == dt.date(2026, 4, 2)  # 00:30 in London; 1 April in UTC
    assert "appointed a Commissioner" in page.body and "<p>" not in page.body
    with pytest.raises(gd.NotReadable, match="first_published_at"):
        gd.read_content({"base_path": HAVERING, "title": "x", "details": {}})
    with pytest.raises(gd.NotReadable, match="base_path"):
        gd.read_content({"base_path": "https://evil.example/x", "title": "x"})


def test_the_search_asks_with_the_documented_parameters():
    url = harvest.search_url("https://www.gov.uk", dt.date(2026, 3, 1), 100, 100)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://www.gov.uk/api/search.json?")
    assert query["filter_organisations"] == ["department-for-education"]
    assert query["filter_content_store_document_type"] == ["decision"]
    assert query["filter_public_timestamp"] == ["from:2026-03-01"]
    assert query["order"] == ["public_timestamp"] and query["start"] == ["100"] and query["count"] == ["100"]
    assert set(query["fields"]) >= {"title", "link", "description", "public_timestamp"}


# The harvest, on both backends ------------------------------------------------------------------------


def test_new_notices_and_directions_are_proposed_with_their_council_level_date_and_link(engine, govuk):
    facts = {t: rows for t, rows in dump(engine).items() if t in ("interventions", "events", "sources")}
    run = _run(engine, govuk, since=SINCE)
    outcomes = _by_link(run)
    proposed = {p: o for p, o in outcomes.items() if o.status == harvest.PROPOSED}
    assert set(proposed) == {KNOWSLEY, HAVERING, HALTON, SWINDON}

    changes = {ch.id: ch for ch in history.open_proposals(engine)}
    expect = {
        KNOWSLEY: ("E08000011", "improvement_notice", "", "2026-03-19", ""),
        HAVERING: ("E09000016", "direction_commissioner", "commissioner", "2026-04-02", ""),
        HALTON: ("E06000006", "direction", "revised", "2026-04-14", ""),
        SWINDON: ("E06000030", "improvement_notice", "", "2026-01-15", "2026-04-28"),
    }
    for path, (code, level, kind, day, end) in expect.items():
        change = changes[proposed[path].change_id]
        after = change.after
        assert (change.authority_code, after["level"], after["kind"] or "", after["date"]) == (
            code,
            level,
            kind,
            day,
        )
        assert after["date_precision"] == "day" and (after["end_date"] or "") == end
        assert change.source.url == "https://www.gov.uk" + path  # the public page, not the server asked
        assert change.source.title == proposed[path].title and change.source.publisher == gd.PUBLISHER
        assert (change.proposed_by, change.state) == ("command line", "proposed")
        assert "Harvested from GOV.UK" in change.comment
    assert "appointed a Commissioner" in changes[proposed[HAVERING].change_id].after["details"]

    # Nothing reaches the facts: the map and the tracker are as they were.
    assert {t: rows for t, rows in dump(engine).items() if t in facts} == facts
    assert (
        queries.intervention_levels(engine, dt.date(2026, 4, 30)).set_index("code").loc["E08000011", "level"]
        != "improvement_notice"
    )
    with engine.connect() as conn:
        assert ledger.setting(conn, harvest.LAST_RUN) == TODAY.isoformat()
    assert run.next_since == TODAY and run.ignored == 1


def test_what_cannot_be_proposed_is_skipped_with_one_line_each(engine, govuk):
    run = _run(engine, govuk, since=SINCE)
    skipped = {p: o.words for p, o in _by_link(run).items() if o.status == harvest.SKIPPED}
    assert set(skipped) == {WIRRAL, BORSETSHIRE, CUMBRIA, CHESHIRE_EAST}
    assert skipped[WIRRAL] == "about SEND services only, not children's social care"
    assert skipped[BORSETSHIRE] == "no council in the register is called 'Borsetshire County Council'"
    assert (
        skipped[CUMBRIA].startswith("already in the tracker: intervention ")
        and "cites this page" in skipped[CUMBRIA]
    )
    assert skipped[CHESHIRE_EAST].startswith("already in the tracker: intervention ")
    assert "(improvement_notice from 2024-07) looks like this one" in skipped[CHESHIRE_EAST]
    assert all("\n" not in words for words in skipped.values())
    # A SEND page and a page the tracker cites are never fetched; a skipped page files nothing.
    assert WIRRAL not in govuk.contents() and CUMBRIA not in govuk.contents()
    assert len(history.open_proposals(engine)) == 4


def test_a_second_run_asks_only_from_the_last_run_and_files_nothing_new(engine, govuk):
    _run(engine, govuk, since=SINCE)
    before = dump(engine)
    again = _run(engine, govuk)  # no --since: from the last run's day
    assert govuk.searches()[-1]["filter_public_timestamp"] == [f"from:{TODAY.isoformat()}"]
    assert again.since_given == "the last run" and not again.outcomes
    assert {t: r for t, r in dump(engine).items() if t != "deployment"} == {
        t: r for t, r in before.items() if t != "deployment"
    }

    # Asked from the start again: every page is already proposed (or in the tracker), one line each.
    third = _run(engine, govuk, since=SINCE)
    words = {p: o.words for p, o in _by_link(third).items()}
    assert not third.count(harvest.PROPOSED)
    for path in (KNOWSLEY, HAVERING, HALTON, SWINDON):
        assert words[path].startswith("already proposed: change ") and words[path].endswith("(proposed)")
    assert len(history.open_proposals(engine)) == 4


def test_a_rejected_proposal_is_not_proposed_again(engine, govuk):
    run = _run(engine, govuk, since=SINCE)
    knowsley = _by_link(run)[KNOWSLEY].change_id
    edits.reject(engine, cs.REVIEWER, knowsley, "not this council's notice")
    again = _run(engine, govuk, since=SINCE)
    assert _by_link(again)[KNOWSLEY].words == f"already proposed: change {knowsley} (rejected)"


def test_an_approved_harvest_is_a_fact_of_the_tracker(engine, govuk):
    run = _run(engine, govuk, since=SINCE)
    fact_id = cs.approved(engine, _by_link(run)[KNOWSLEY].change_id)
    levels = queries.intervention_levels(engine, dt.date(2026, 4, 30)).set_index("code")
    assert levels.loc["E08000011", "level"] == "improvement_notice"
    with engine.connect() as conn:
        row = conn.execute(
            select(s.interventions.c.start_date, s.sources.c.url)
            .join(s.sources, s.interventions.c.source_id == s.sources.c.id)
            .where(s.interventions.c.id == fact_id)
        ).one()
    assert row.start_date == dt.date(2026, 3, 19) and row.url == "https://www.gov.uk" + KNOWSLEY
    # Once a fact cites the page, a harvest says so.
    assert _by_link(_run(engine, govuk, since=SINCE))[KNOWSLEY].words.startswith(
        f"already in the tracker: intervention {fact_id} cites this page"
    )


def test_a_page_that_cannot_be_read_fails_alone_and_keeps_the_last_run(engine, govuk):
    with write_transaction(engine) as conn:
        ledger.put_setting(conn, harvest.LAST_RUN, "2026-01-01")
    govuk.broken.add(HAVERING)
    run = _run(engine, govuk)
    outcomes = _by_link(run)
    assert outcomes[HAVERING].status == harvest.FAILED and "HTTP 500" in outcomes[HAVERING].words
    assert run.count(harvest.PROPOSED) == 3 and run.next_since is None
    assert harvest.last_run(engine) == dt.date(2026, 1, 1), "the next run asks again from the same day"

    govuk.broken.clear()
    retry = _run(engine, govuk)
    assert [o.link for o in retry.outcomes if o.status == harvest.PROPOSED] == [
        "https://www.gov.uk" + HAVERING
    ]
    assert harvest.last_run(engine) == TODAY


def test_the_search_is_read_page_by_page(engine, govuk):
    run = _run(engine, govuk, since=SINCE, page_size=2)
    assert [q["start"] for q in govuk.searches()] == [["0"], ["2"], ["4"], ["6"], ["8"]]
    assert run.count(harvest.PROPOSED) == 4 and run.ignored == 1


def test_a_search_that_fails_proposes_nothing_and_says_so_in_one_line(engine, govuk, capsys):
    before = dump(engine)
    govuk.search_status = 503
    url = str(engine.url.render_as_string(hide_password=False))
    code = cli.main(["harvest", "--since", "2026-01-01", "--base-url", govuk.url, "--database", url])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("oversight harvest: GOV.UK's Search API could not be read")
    assert "HTTP 503" in err[-1] and err[-1].endswith("nothing was proposed and the last run is unchanged")
    assert dump(engine) == before


def test_a_slow_server_is_cut_off_by_the_time_limit(engine, govuk, monkeypatch):
    monkeypatch.setenv(TIME_ENV, "1")
    govuk.delay = 3.0
    started = time.monotonic()
    with pytest.raises(harvest.HarvestFailed, match="GOV.UK's Search API could not be read"):
        _run(engine, govuk, since=SINCE)
    assert time.monotonic() - started < 2.5
    assert harvest.last_run(engine) is None and not history.open_proposals(engine)


def test_the_command_prints_one_line_per_page_and_a_summary(engine, govuk, capsys):
    url = str(engine.url.render_as_string(hide_password=False))
    code = cli.main(["harvest", "--since", "2026-01-01", "--base-url", govuk.url, "--database", url])
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert code == 0
    assert f"Database: {url}" in captured.err.splitlines()  # the one it wrote to (issue 21)
    proposed = [line for line in out if line.startswith("proposed ")]
    skipped = [line for line in out if line.startswith("skipped ")]
    assert len(proposed) == 4 and len(skipped) == 4
    assert any(
        "direction_commissioner (commissioner) for Havering (E09000016) from 2026-04-02" in line
        and f"<https://www.gov.uk{HAVERING}>" in line
        for line in proposed
    )
    assert any(line.startswith("skipped   Improvement notice issued to Wirral Council") for line in skipped)
    assert out[-2] == (
        "GOV.UK decision pages since 2026-01-01 (--since): 4 proposed for review, 4 skipped, 0 failed; "
        "1 other DfE decision pages are no notice or direction."
    )
    assert out[-1].startswith("The next run asks from ")


def test_a_title_s_control_characters_reach_the_terminal_as_escapes(engine, govuk, capsys):
    """A title is outside text: the line that skips it shows ESC as ``\\x1b``, never sends it."""
    title = "Improvement notice issued to Knowsley\x1b[2J Council: *March* 2026"
    govuk.extra.append(
        {
            "title": title,
            "link": PUB + "improvement-notice-hostile",
            "description": "",
            "public_timestamp": "2026-03-20T10:00:00.000+00:00",
            "content_store_document_type": "decision",
            "organisations": [{"slug": "department-for-education"}],
        }
    )
    url = str(engine.url.render_as_string(hide_password=False))
    assert cli.main(["harvest", "--since", "2026-03-20", "--base-url", govuk.url, "--database", url]) == 1
    out = capsys.readouterr().out
    assert "\x1b[" not in out and "Knowsley\\x1b[2J Council: *March* 2026" in out
    assert "failed    Improvement notice issued to Knowsley" in out  # the Content API has no such page


def test_a_proposal_s_plausibility_warnings_are_said_with_it(engine, govuk):
    """Havering's direction of 2 April 2026, harvested as if on 25 March: dated in the future, so
    the reviewer is warned (and it is proposed all the same: a warning is not a refusal)."""
    run = _run(engine, govuk, since=SINCE, today=dt.date(2026, 3, 25))
    havering = _by_link(run)[HAVERING]
    assert havering.status == harvest.PROPOSED
    assert havering.warnings == ("The date, 2 April 2026, is in the future (today is 25 March 2026).",)
    assert _by_link(run)[KNOWSLEY].warnings == ()  # 19 March 2026: nothing to say
