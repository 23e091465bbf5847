"""Gaps in the record (issue 20 item 2): the pure rules, then the store and the command on both
backends, and the Tracker page's list."""

from __future__ import annotations

import datetime as dt
import json

from oversight import cli
from oversight.components.widgets import gaps as gap_widget
from oversight.data.domain import gaps
from oversight.data.domain.gaps import EventRow, InstrumentRow, ReportRow, SpellRow, record_gaps
from oversight.data.store.record_gaps import record_gaps as stored_gaps

D = dt.date
TODAY = D(2026, 12, 6)
LINK = "https://www.gov.uk/government/publications/improvement-notice-x"
SPELL_START = D(2020, 1, 10)
NOTICE_START = D(2020, 3, 1)


def _spell(code="E1", start=SPELL_START, end=None):
    return SpellRow(code, f"Council {code}", start, end)


def _notice(code="E1", start=NOTICE_START, precision="day", end=None, url=LINK, level="improvement_notice"):
    return InstrumentRow(code, f"Council {code}", level, start, precision, end, "Notice", url)


def test_a_spell_is_covered_by_a_dated_linked_instrument_even_one_issued_before_it():
    assert record_gaps([_spell()], [_notice()], [], [], TODAY) == []
    early = _notice(start=D(2019, 8, 1))  # after a focused visit, months before the judgement
    assert record_gaps([_spell()], [early], [], [], TODAY) == []


def test_an_observed_or_unlinked_instrument_leaves_the_spell_uncovered():
    for instrument in (_notice(precision="observed"), _notice(url=None), _notice(url="javascript:x")):
        kinds = [g.kind for g in record_gaps([_spell()], [instrument], [], [], TODAY)]
        assert "no_instrument" in kinds
    [real_start] = [
        g
        for g in record_gaps([_spell()], [_notice(precision="year")], [], [], TODAY)
        if g.kind == "no_real_start"
    ]
    assert "year only" in real_start.words


def test_an_event_explains_a_spell_and_a_recent_report_waits_for_dfe():
    board = EventRow("E1", "Council E1", "board", D(2020, 2, 1), "Improvement board set up", LINK)
    [gap] = record_gaps([_spell()], [], [board], [], TODAY)
    assert gap.kind == "no_instrument" and gap.explained and "Improvement board set up" in gap.words
    [recent] = record_gaps([_spell(start=D(2026, 11, 20))], [], [], [], TODAY)
    assert "DfE may not have acted yet" in recent.words and not recent.explained


def test_a_commissioner_named_without_a_direction_explains_the_spell_before_a_board():
    """Devon 2020-: commissioners reported, no direction named by any source (DOMAIN §5: an event)."""
    board = EventRow("E1", "Council E1", "board", D(2020, 2, 1), "Improvement board set up", LINK)
    commissioner = EventRow(
        "E1", "Council E1", "commissioner_appointed", D(2020, 9, 1), "Commissioner appointed", LINK
    )
    [gap] = record_gaps([_spell()], [], [board, commissioner], [], TODAY)
    assert gap.explained and "Commissioner appointed" in gap.words


def test_no_end_after_leaving_inadequate_but_not_for_a_trust_or_a_recent_exit():
    left = _spell(end=D(2022, 5, 1))
    [gap] = [g for g in record_gaps([left], [_notice()], [], [], TODAY) if g.kind == "no_end"]
    assert "left inadequate on 2022-05-01" in gap.words
    trust = _notice(level="alternative_delivery")
    assert not [g for g in record_gaps([left], [trust], [], [], TODAY) if g.kind == "no_end"]
    recent_exit = _spell(end=D(2025, 6, 1))
    assert not [g for g in record_gaps([recent_exit], [_notice()], [], [], TODAY) if g.kind == "no_end"]


def test_a_weekend_publication_is_a_gap_unless_corrected():
    saturday = ReportRow("E1", "Council E1", "ilacs_standard", D(2022, 11, 5))
    [gap] = record_gaps([], [], [], [saturday], TODAY)
    assert gap.kind == "weekend_publication" and "Saturday" in gap.words
    corrected = ReportRow("E1", "Council E1", "ilacs_standard", D(2022, 11, 5), corrected=True)
    assert record_gaps([], [], [], [corrected], TODAY) == []
    assert set(gap_widget.WORDS) == set(gaps.KINDS)


def test_the_store_and_the_command_list_the_same_gaps(loaded_engine, capsys):
    found = stored_gaps(loaded_engine, TODAY)
    kinds = {g.kind for g in found}
    assert {"no_instrument", "no_real_start"} <= kinds  # the seed's "observed on 17 May 2018" rows
    assert all(g.authority_code.startswith("E") and g.words for g in found)
    url = loaded_engine.url.render_as_string(False)
    assert cli.main(["tracker", "gaps", "--json", "--database", url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(stored_gaps(loaded_engine)) and {r["kind"] for r in rows} <= set(gaps.KINDS)
    assert cli.main(["tracker", "gaps", "--csv", "--database", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == "kind,authority_code,authority_name,date,explained,words" and len(lines) == len(rows) + 1
    )
    assert cli.main(["tracker", "gaps", "--database", url]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{len(rows)} gaps in the record")
