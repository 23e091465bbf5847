"""A date in words (DOMAIN §6), as exact as it is known (issue 21: "1 March 2019" for a month)."""

from __future__ import annotations

import datetime as dt

from oversight.data.domain.dates import in_words


def test_a_month_precision_date_is_said_as_a_month():
    assert in_words(dt.date(2019, 3, 1), "month") == "March 2019"
    assert in_words(dt.date(2019, 1, 1), "year") == "2019"
    assert in_words(dt.date(2019, 3, 1), "day") == "1 March 2019"
