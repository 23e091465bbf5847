"""Deadline clocks (DOMAIN §4) across 2022's jubilee and state funeral, 2023's coronation,
Christmas and Easter, checked against an independent count with the holidays typed here."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from oversight import cli
from oversight.data.domain.clocks import add_working_days, deadlines

D = dt.date.fromisoformat
# England and Wales bank holidays on weekdays, 2022-2024, typed from GOV.UK's list.
BANK_HOLIDAYS = {
    D(x)
    for x in [
        "2022-01-03",
        "2022-04-15",
        "2022-04-18",
        "2022-05-02",
        "2022-06-02",
        "2022-06-03",
        "2022-08-29",
        "2022-09-19",
        "2022-12-26",
        "2022-12-27",
        "2023-01-02",
        "2023-04-07",
        "2023-04-10",
        "2023-05-01",
        "2023-05-08",
        "2023-05-29",
        "2023-08-28",
        "2023-12-25",
        "2023-12-26",
        "2024-01-01",
        "2024-03-29",
        "2024-04-01",
        "2024-05-06",
        "2024-05-27",
        "2024-08-26",
        "2024-12-25",
        "2024-12-26",
    ]
}


def reference_working_day(start: dt.date, n: int) -> dt.date:
    day = start
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in BANK_HOLIDAYS:
            n -= 1
    return day


@pytest.mark.parametrize(
    "published",
    [
        "2022-03-25",  # across Easter 2022
        "2022-05-20",  # across the spring bank holiday and the platinum jubilee
        "2022-07-15",  # across the state funeral (19 Sep 2022)
        "2022-11-25",  # across Christmas 2022 (27 Dec observed)
        "2023-02-24",  # across Easter 2023 and the coronation (8 May 2023)
        "2023-10-20",  # across Christmas 2023
        "2024-01-19",  # across Easter 2024
    ],
)
def test_action_plan_is_the_70th_working_day(published):
    day = D(published)
    assert add_working_days(day, 70) == reference_working_day(day, 70)
    assert deadlines(day).action_plan_due == reference_working_day(day, 70)


def test_hand_counted_examples():
    # Published Fri 20 May 2022: day 1 is Mon 23 May; 2-3 June (jubilee) and 29 Aug are holidays.
    assert deadlines(D("2022-05-20")).action_plan_due == D("2022-08-31")
    # Day 1 is the first working day after publication, even when published on a Friday before a holiday.
    assert add_working_days(D("2022-09-16"), 1) == D("2022-09-20")  # Mon 19 Sep: state funeral
    assert add_working_days(D("2023-05-05"), 1) == D("2023-05-09")  # Mon 8 May: coronation
    assert add_working_days(D("2022-12-23"), 1) == D("2022-12-28")


def test_the_other_clocks():
    d = deadlines(D("2022-05-20"))
    assert d.first_monitoring_visit_by == D("2022-08-31") + dt.timedelta(weeks=4)
    assert d.reinspection_expected_from == D("2023-06-28")  # the 4th quarterly visit
    assert d.reinspection_expected_by == D("2024-08-31")  # two years after the action plan


def test_deadlines_cli_json(capsys):
    assert cli.main(["deadlines", "--published", "2022-05-20", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "action_plan_due": "2022-08-31",
        "first_monitoring_visit_by": "2022-09-28",
        "reinspection_expected_from": "2023-06-28",
        "reinspection_expected_by": "2024-08-31",
    }


def test_a_visit_clock_is_overdue_only_where_ofsteds_lists_could_show_the_visit():
    """Inadequate published 3 May 2022: first monitoring visit by 8 September 2022. Without a
    recorded visit it is overdue inside the span the lists cover; outside it (or with no list)
    the data cannot tell, and the clock says why instead."""
    from oversight.data.domain.clocks import clocks_on

    judgements = [(dt.date(2022, 5, 3), "Inadequate")]
    as_at = dt.date(2022, 12, 1)

    def first_visit(listed, visits=()):
        clocks = clocks_on(as_at, judgements, list(visits), listed)
        return next(e for e in clocks.items if e.label == "First monitoring visit by")

    inside = first_visit((dt.date(2021, 4, 20), dt.date(2024, 3, 21)))
    assert inside.overdue is True and inside.why == "no monitoring visit recorded by then"
    assert first_visit((dt.date(2021, 4, 20), dt.date(2024, 3, 21)), [dt.date(2022, 9, 1)]).overdue is False
    before = first_visit((dt.date(2023, 4, 1), dt.date(2024, 3, 21)))
    assert before.overdue is None
    assert before.why == "none in the tracker; Ofsted's lists of monitoring visits start on 1 April 2023"
    after = first_visit((dt.date(2021, 4, 20), dt.date(2022, 3, 31)))
    assert after.overdue is None and after.why.endswith("end on 31 March 2022")
    assert first_visit(None).why == "none in the tracker; the data holds no list of monitoring visits"


def test_a_clock_says_whether_the_thing_happened():
    """Issue 22: "Passed" said only that a date went by. Inadequate published 3 May 2022: action
    plan due 11 August 2022, first visit by 8 September 2022, re-inspection by 11 August 2024."""
    from oversight.data.domain.clocks import DUE, MET, MISSED, NOT_IN_DATA, OPEN, OVERDUE, clocks_on

    judgements = [(dt.date(2022, 5, 3), "Inadequate")]
    listed = (dt.date(2021, 4, 20), dt.date(2024, 3, 21))

    def clocks(as_at, visits=(), plans=(), judgements_to=None):
        found = clocks_on(as_at, judgements, list(visits), listed, list(plans), judgements_to)
        return {e.label: e for e in found.items}

    early = clocks(dt.date(2022, 6, 1))
    assert early["Action plan due (70 working days)"].status == DUE
    assert (
        early["First monitoring visit by"].words(dt.date(2022, 6, 1)) == "due 8 September 2022 (in 99 days)"
    )
    assert early["Re-inspection expected from"].words(dt.date(2022, 6, 1)).startswith("from ")

    late = clocks(dt.date(2023, 1, 10), visits=[dt.date(2022, 9, 1)], plans=[dt.date(2022, 8, 20)])
    plan, first = late["Action plan due (70 working days)"], late["First monitoring visit by"]
    assert (plan.status, plan.happened) == (MISSED, dt.date(2022, 8, 20))
    assert plan.words(dt.date(2023, 1, 10)) == "missed (happened 20 August 2022, 6 working days late)"
    assert (first.status, first.words(dt.date(2023, 1, 10))) == (MET, "met on 1 September 2022")
    assert late["Next quarterly monitoring visit"].status == OVERDUE  # due 1 December, inside the lists

    # No action plan recorded: no public source lists them, so never overdue.
    assert clocks(dt.date(2023, 1, 10))["Action plan due (70 working days)"].status == NOT_IN_DATA

    after = dt.date(2024, 12, 1)
    assert clocks(after)["Re-inspection expected from"].status == OPEN
    # Ofsted's releases in the data run past the deadline: still inadequate, so overdue ...
    by = clocks(after, judgements_to=dt.date(2024, 11, 30))["Re-inspection expected by"]
    assert by.status == OVERDUE and by.overdue is True
    # ... but releases that end before it cannot show a re-inspection: not in the data.
    by = clocks(after, judgements_to=dt.date(2024, 3, 31))["Re-inspection expected by"]
    assert by.status == NOT_IN_DATA and by.overdue is None
    assert by.words(after) == "not in the data: Ofsted's releases in the data end on 31 March 2024"


def test_working_days_between_skip_weekends_and_bank_holidays():
    from oversight.data.domain.clocks import working_days_between

    assert working_days_between(dt.date(2022, 9, 8), dt.date(2022, 9, 20)) == 7  # 19th: state funeral
    assert working_days_between(dt.date(2022, 9, 8), dt.date(2022, 9, 8)) == 0
    assert working_days_between(dt.date(2022, 9, 9), dt.date(2022, 9, 12)) == 1  # Friday to Monday
