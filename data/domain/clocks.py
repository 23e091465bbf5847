"""The statutory and customary clocks after an inadequate judgement (DOMAIN.md §4): pure.

* Action plan (written statement of proposed action): due on the 70th working day after the
  report's publication; day 1 is the first working day after publication. Working days
  exclude weekends and England & Wales bank holidays, one-off days included (2022-06-03
  jubilee, 2022-09-19 state funeral, 2023-05-08 coronation), from the ``holidays`` package.
  A holiday falling on a weekend is listed with its "(observed)" weekday: only weekdays are
  counted, so nothing is counted twice.
* First monitoring visit: within 4 weeks of the action plan deadline.
* Re-inspection: not usually before four quarterly monitoring visits (so from about nine
  months after the first visit), usually within 2 years of the action plan.

These are expected dates, not facts: the app shows them as expected and flags overdue ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from oversight.data.domain.dates import long_date
from oversight.data.domain.spells import Judgement, spells_of

ACTION_PLAN_WORKING_DAYS = 70
FIRST_VISIT_WEEKS = 4
VISITS_BEFORE_REINSPECTION = 4
VISIT_INTERVAL_MONTHS = 3
REINSPECTION_WITHIN_MONTHS = 24


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share their bank holidays; ENG is the package's name for them.
    return frozenset(d for d in holidays.country_holidays("GB", subdiv="ENG", years=year) if d.weekday() < 5)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (``start`` itself never counts)."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later; the day is clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadlines:
    published: dt.date
    action_plan_due: dt.date
    first_monitoring_visit_by: dt.date
    reinspection_expected_from: dt.date
    reinspection_expected_by: dt.date

    def as_dict(self) -> dict[str, str]:
        return {
            "action_plan_due": self.action_plan_due.isoformat(),
            "first_monitoring_visit_by": self.first_monitoring_visit_by.isoformat(),
            "reinspection_expected_from": self.reinspection_expected_from.isoformat(),
            "reinspection_expected_by": self.reinspection_expected_by.isoformat(),
        }


def deadlines(published: dt.date) -> Deadlines:
    """The expected dates that follow an inadequate report published on ``published``."""
    plan = add_working_days(published, ACTION_PLAN_WORKING_DAYS)
    first_visit = plan + dt.timedelta(weeks=FIRST_VISIT_WEEKS)
    fourth_visit = add_months(first_visit, VISIT_INTERVAL_MONTHS * (VISITS_BEFORE_REINSPECTION - 1))
    return Deadlines(
        published=published,
        action_plan_due=plan,
        first_monitoring_visit_by=first_visit,
        reinspection_expected_from=fourth_visit,
        reinspection_expected_by=add_months(plan, REINSPECTION_WITHIN_MONTHS),
    )


@dataclass(frozen=True)
class Expected:
    """An expected date. ``overdue``: passed with nothing recorded (True), not (False), or None
    when the data could not show it (a visit outside the span Ofsted's lists cover; ``why`` says)."""

    label: str
    date: dt.date
    overdue: bool | None
    why: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "date": self.date, "overdue": self.overdue, "why": self.why}


@dataclass(frozen=True)
class SpellClocks:
    spell_start: dt.date
    clock_from: dt.date  # the latest inadequate report in the spell restarts the clocks
    deadlines: Deadlines
    items: tuple[Expected, ...]
    last_monitoring_visit: dt.date | None
    days_since_last_visit: int | None


def _visit_clock(
    label: str, due: dt.date, missed: bool, why: str, listed: tuple[dt.date, dt.date] | None
) -> Expected:
    """A visit's clock: overdue only where Ofsted's lists could have shown the visit."""
    if not missed:
        return Expected(label, due, False, why)
    if listed is None:
        return Expected(label, due, None, "none in the tracker; the data holds no list of monitoring visits")
    first, last = listed
    if due < first:
        return Expected(
            label,
            due,
            None,
            f"none in the tracker; Ofsted's lists of monitoring visits start on {long_date(first)}",
        )
    if due > last:
        return Expected(
            label,
            due,
            None,
            f"none in the tracker; Ofsted's lists of monitoring visits end on {long_date(last)}",
        )
    return Expected(label, due, True, why)


def clocks_on(
    as_at: dt.date,
    judgements: list[tuple[dt.date, str | None]],
    monitoring_visits: list[dt.date],
    listed: tuple[dt.date, dt.date] | None = None,
) -> SpellClocks | None:
    """The clocks of the inadequate spell open on ``as_at`` (None if there is none).

    Overdue means the expected date has passed with no later fact *recorded*: "no visit
    recorded" is said, never "no visit". ``listed`` is the span Ofsted's lists of monitoring
    visits in the data cover (first and last visit; None: no list): outside it only a tracker
    could have recorded a visit, so a visit clock there is neither overdue nor met (``None``).
    """
    spells = spells_of([Judgement(p, g) for p, g in judgements], as_at)
    if not spells or not spells[-1].is_open:
        return None
    start = spells[-1].start
    clock_from = max(p for p, g in judgements if g == "Inadequate" and start <= p <= as_at)
    d = deadlines(clock_from)
    visits = sorted(v for v in monitoring_visits if clock_from < v <= as_at)
    last = visits[-1] if visits else None
    first_by = d.first_monitoring_visit_by
    items = [
        Expected("Action plan due (70 working days)", d.action_plan_due, False),
        _visit_clock(
            "First monitoring visit by",
            first_by,
            as_at > first_by and not any(v <= first_by for v in visits),
            "no monitoring visit recorded by then",
            listed,
        ),
    ]
    if last is not None:
        nxt = add_months(last, VISIT_INTERVAL_MONTHS)
        items.append(
            _visit_clock(
                "Next quarterly monitoring visit",
                nxt,
                as_at > nxt,
                "no later monitoring visit recorded",
                listed,
            )
        )
    items.append(Expected("Re-inspection expected from", d.reinspection_expected_from, False))
    items.append(
        Expected(
            "Re-inspection expected by",
            d.reinspection_expected_by,
            as_at > d.reinspection_expected_by,
            "still inadequate two years after the action plan",
        )
    )
    return SpellClocks(
        spell_start=start,
        clock_from=clock_from,
        deadlines=d,
        items=tuple(items),
        last_monitoring_visit=last,
        days_since_last_visit=(as_at - last).days if last else None,
    )
