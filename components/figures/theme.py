"""GOV.UK Analysis Function colours and the project's date format.

Colours are from the Analysis Function's accessible categorical palette; charts take
them from here so that every picture in the app speaks the same visual language.
"""

from __future__ import annotations

import datetime as dt

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
TEXT = "#0B0C0C"
LIGHT_GREY = "#F3F2F1"

CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)


def long_date(day: dt.date | None) -> str:
    """Dates as people read them in reports: '21 May 2018' (DOMAIN §6)."""
    if day is None:
        return "not known"
    return f"{day.day} {day:%B %Y}"


def month_year(day: dt.date | None) -> str:
    return "not known" if day is None else f"{day:%B %Y}"
