"""The spell rules of DOMAIN §3 on small hand-made histories."""

from __future__ import annotations

import datetime as dt

from oversight.data.domain.spells import Judgement, months_between, spells_of

D = dt.date.fromisoformat
INAD, RI, G = "Inadequate", "Requires improvement to be good", "Good"


def test_darlington():
    (spell,) = spells_of([Judgement(D("2015-09-01"), INAD), Judgement(D("2018-05-21"), RI)], D("2024-01-01"))
    assert (spell.start, spell.end, round(spell.months, 1), spell.exit_grade) == (
        D("2015-09-01"),
        D("2018-05-21"),
        32.6,
        RI,
    )


def test_consecutive_inadequate_extend_one_spell():
    spells = spells_of(
        [Judgement(D("2014-05-23"), INAD), Judgement(D("2016-11-25"), INAD), Judgement(D("2019-01-17"), RI)],
        D("2024-01-01"),
    )
    assert len(spells) == 1 and spells[0].inadequate_judgements == 2 and spells[0].end == D("2019-01-17")


def test_open_spell_is_censored_at_the_data_date_or_the_authoritys_end():
    (open_spell,) = spells_of([Judgement(D("2022-01-10"), INAD)], D("2024-05-16"))
    assert open_spell.is_open and open_spell.censored_at == D("2024-05-16")
    (ended,) = spells_of([Judgement(D("2019-07-29"), INAD)], D("2024-05-16"), existed_to=D("2021-03-31"))
    assert ended.is_open and ended.censored_at == D("2021-03-31") and round(ended.months, 1) == 20.1
    assert ended.ceased and not open_spell.ceased


def test_a_spell_is_ceased_only_once_the_council_has_ceased():
    """Northamptonshire (inadequate July 2019, ceased 31 March 2021): seen before its last day the
    spell is open as any other; after it, closed at that day and ceased (still censored: no exit)."""
    inadequate = [Judgement(D("2019-07-29"), INAD)]
    (before,) = spells_of(inadequate, D("2020-06-30"), existed_to=D("2021-03-31"))
    assert before.is_open and not before.ceased and before.censored_at == D("2020-06-30")
    (after,) = spells_of(inadequate, D("2026-12-06"), existed_to=D("2021-03-31"))
    assert after.ceased and after.end is None and after.exit_grade is None
    assert after.censored_at == D("2021-03-31") and after.days == (D("2021-03-31") - D("2019-07-29")).days
    # A spell a judgement ended is never ceased, even for a council that later ceased.
    (exited,) = spells_of([*inadequate, Judgement(D("2020-09-01"), RI)], D("2026-12-06"), D("2021-03-31"))
    assert exited.end == D("2020-09-01") and not exited.ceased


def test_two_spells_and_judgements_after_the_data_date_are_ignored():
    spells = spells_of(
        [
            Judgement(D("2010-01-01"), INAD),
            Judgement(D("2011-01-01"), G),
            Judgement(D("2015-01-01"), INAD),
            Judgement(D("2030-01-01"), G),
        ],
        D("2020-01-01"),
    )
    assert [(s.start, s.end) for s in spells] == [(D("2010-01-01"), D("2011-01-01")), (D("2015-01-01"), None)]


def test_months_are_days_over_30_4375():
    assert months_between(D("2020-01-01"), D("2024-01-01")) == 1461 / 30.4375 == 48.0
