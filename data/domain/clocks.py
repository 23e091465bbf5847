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

These are expected dates, not facts. Each says whether the thing happened (issue 22): met, missed
(with the working days late), overdue, not in the data (the layer's data ends before the date, or
no source lists such events), due, or open (a window's first day).
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


#: What a clock says happened (issue 22: "Passed" said only that a date went by).
MET, MISSED, OVERDUE, NOT_IN_DATA, DUE, OPEN = "met", "missed", "overdue", "not in the data", "due", "open"


@dataclass(frozen=True)
class Expected:
    """An expected date and whether the thing happened.

    ``status``: ``met`` (the event is in the data on or before the date), ``missed`` (in the data
    after it), ``overdue`` (the date passed, no event, and the data for that layer runs past the
    date, so the absence is evidence), ``not in the data`` (the date passed and the layer's data
    ends before it, or no source lists such events; ``why`` says which), ``due`` (still ahead),
    ``open`` (a window's first day, passed: re-inspection may come from then). ``overdue`` keeps
    the older three-way flag the timeline draws: True, None (not in the data), else False."""

    label: str
    date: dt.date
    overdue: bool | None
    why: str = ""
    status: str = DUE
    happened: dt.date | None = None
    opens: bool = False  # a window's first day ("from"), not a deadline

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "date": self.date,
            "overdue": self.overdue,
            "why": self.why,
            "status": self.status,
            "happened": self.happened,
        }

    def words(self, as_at: dt.date) -> str:
        """The clock's state in words, for the page, the pack and the command line."""
        if self.status == MET and self.happened is not None:
            return f"met on {long_date(self.happened)}"
        if self.status == MISSED and self.happened is not None:
            late = working_days_between(self.date, self.happened)
            return f"missed (happened {long_date(self.happened)}, {late} working day{'s' * (late != 1)} late)"
        if self.status == OVERDUE:
            return f"overdue: {self.why}" if self.why else "overdue"
        if self.status == NOT_IN_DATA:
            return f"not in the data: {self.why}" if self.why else "not in the data"
        if self.status == OPEN:
            return f"open since {long_date(self.date)}"
        days = (self.date - as_at).days
        when = "today" if days == 0 else f"in {days} day{'s' * (days != 1)}"
        return f"{'from' if self.opens else 'due'} {long_date(self.date)} ({when})"


def working_days_between(after: dt.date, until: dt.date) -> int:
    """Working days after ``after`` up to and including ``until`` (0 when ``until`` is not later)."""
    n, day = 0, after
    while day < until:
        day += dt.timedelta(days=1)
        n += is_working_day(day)
    return n


@dataclass(frozen=True)
class SpellClocks:
    spell_start: dt.date
    clock_from: dt.date  # the latest inadequate report in the spell restarts the clocks
    deadlines: Deadlines
    items: tuple[Expected, ...]
    last_monitoring_visit: dt.date | None
    days_since_last_visit: int | None


def _outcome(label: str, due: dt.date, as_at: dt.date, happened: dt.date | None) -> Expected | None:
    """Met, missed or still due; None when the date passed with no event (the caller judges why)."""
    if happened is not None:
        if happened <= due:
            return Expected(label, due, False, status=MET, happened=happened)
        return Expected(label, due, False, status=MISSED, happened=happened)
    if as_at <= due:
        return Expected(label, due, False, status=DUE)
    return None


def _visit_clock(
    label: str,
    due: dt.date,
    as_at: dt.date,
    happened: dt.date | None,
    why: str,
    listed: tuple[dt.date, dt.date] | None,
) -> Expected:
    """A visit's clock: overdue only where Ofsted's lists could have shown the visit."""
    done = _outcome(label, due, as_at, happened)
    if done is not None:
        return done
    if listed is None:
        return _absent(label, due, "none in the tracker; the data holds no list of monitoring visits")
    first, last = listed
    if due < first:
        return _absent(
            label,
            due,
            f"none in the tracker; Ofsted's lists of monitoring visits start on {long_date(first)}",
        )
    if due > last:
        return _absent(
            label, due, f"none in the tracker; Ofsted's lists of monitoring visits end on {long_date(last)}"
        )
    return Expected(label, due, True, why, status=OVERDUE)


def _absent(label: str, due: dt.date, why: str) -> Expected:
    return Expected(label, due, None, why, status=NOT_IN_DATA)


def clocks_on(
    as_at: dt.date,
    judgements: list[tuple[dt.date, str | None]],
    monitoring_visits: list[dt.date],
    listed: tuple[dt.date, dt.date] | None = None,
    action_plans: list[dt.date] | None = None,
    judgements_to: dt.date | None = None,
) -> SpellClocks | None:
    """The clocks of the inadequate spell open on ``as_at`` (None if there is none).

    Overdue means the expected date has passed with no later fact *recorded*: "no visit
    recorded" is said, never "no visit". ``listed`` is the span Ofsted's lists of monitoring
    visits in the data cover (first and last visit; None: no list): outside it only a tracker
    could have recorded a visit, so a visit clock there is "not in the data". ``action_plans``:
    the dates of action plans the tracker records (no public source lists them all, so a plan not
    recorded is "not in the data", never overdue). ``judgements_to``: the newest publication of
    Ofsted's releases in the data; a re-inspection due after it is "not in the data" (None: the
    releases are taken to run to ``as_at``).
    """
    spells = spells_of([Judgement(p, g) for p, g in judgements], as_at)
    if not spells or not spells[-1].is_open:
        return None
    start = spells[-1].start
    clock_from = max(p for p, g in judgements if g == "Inadequate" and start <= p <= as_at)
    d = deadlines(clock_from)
    visits = sorted(v for v in monitoring_visits if clock_from < v <= as_at)
    last = visits[-1] if visits else None
    plans = sorted(p for p in action_plans or () if clock_from <= p <= as_at)
    plan_label = "Action plan due (70 working days)"
    items = [
        _outcome(plan_label, d.action_plan_due, as_at, plans[0] if plans else None)
        or _absent(
            plan_label,
            d.action_plan_due,
            "none recorded, and no public source lists action plans",
        ),
        _visit_clock(
            "First monitoring visit by",
            d.first_monitoring_visit_by,
            as_at,
            visits[0] if visits else None,
            "no monitoring visit recorded by then",
            listed,
        ),
    ]
    if last is not None:
        items.append(
            _visit_clock(
                "Next quarterly monitoring visit",
                add_months(last, VISIT_INTERVAL_MONTHS),
                as_at,
                None,  # the last visit recorded is ``last``: none after it
                "no later monitoring visit recorded",
                listed,
            )
        )
    reinspect_from = d.reinspection_expected_from
    items.append(
        Expected(
            "Re-inspection expected from",
            reinspect_from,
            False,
            status=OPEN if as_at >= reinspect_from else DUE,
            opens=True,
        )
    )
    by = d.reinspection_expected_by
    # The spell is open on ``as_at``: no full inspection after ``clock_from`` closed it.
    reinspection = _outcome("Re-inspection expected by", by, as_at, None)
    if reinspection is None:
        if judgements_to is not None and judgements_to < by:
            reinspection = _absent(
                "Re-inspection expected by",
                by,
                f"Ofsted's releases in the data end on {long_date(judgements_to)}",
            )
        else:
            reinspection = Expected(
                "Re-inspection expected by",
                by,
                True,
                "still inadequate two years after the action plan",
                status=OVERDUE,
            )
    items.append(reinspection)
    return SpellClocks(
        spell_start=start,
        clock_from=clock_from,
        deadlines=d,
        items=tuple(items),
        last_monitoring_visit=last,
        days_since_last_visit=(as_at - last).days if last else None,
    )
