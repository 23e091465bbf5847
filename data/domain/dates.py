"""Dates as people read them in reports and on screen (DOMAIN §6): "21 May 2018".

One rule for every layer: the digest, the clocks, the figures and the board pack all say a date
this way, so that a slide and the screen never word one date two ways.
"""

from __future__ import annotations

import datetime as dt


def long_date(day: dt.date) -> str:
    """DOMAIN §6: "21 May 2018" (no leading zero, the month in full)."""
    return f"{day.day} {day:%B %Y}"


def in_words(day: dt.date, precision: str | None = "day") -> str:
    """A date as exact as it is known: "March 2019" for a month-precision date (stored as the
    1st), "2019" for a year's, "21 May 2018" otherwise. Why: "1 March 2019" claims a day
    nobody recorded."""
    if precision == "month":
        return f"{day:%B %Y}"
    if precision == "year":
        return f"{day:%Y}"
    return long_date(day)
