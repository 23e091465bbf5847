"""How fresh the data is, in words: the newest publication and its source, and when it is stale.

Every page (the shared sidebar, the presentation) and every board-pack slide says the same line,
so one place writes it. "Today" is always a parameter: a test passes its own day, the app and the
board pack pass the real one. Pure: no Streamlit; the source title is outside text, so a caller
that renders Markdown passes ``escape=safe_text.markdown``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from oversight.components.figures.theme import long_date
from oversight.data.store.queries import Publication

#: Older than this many months before today, the data is called stale (issue 14, item 6).
STALE_AFTER_MONTHS = 6
#: The one command that brings the data up to date (README, "Command line").
REFRESH_COMMAND = "oversight refresh"
#: How the stale notice begins (a test tells it from the link notes by it).
STALE_START = "The data may be out of date"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end: 31 August
    minus six months is 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_month - dt.timedelta(days=1)).day))


def is_stale(newest: dt.date | None, today: dt.date) -> bool:
    """More than six months between the newest publication and ``today`` (no date at all: stale)."""
    return newest is None or newest < months_before(today, STALE_AFTER_MONTHS)


def source_words(pub: Publication) -> str:
    """The source of the newest fact: its title, and its publisher when the title does not name it
    ("Local Authority Inspection Outcomes, Ofsted"; the scrape's title already says Ofsted)."""
    title = " ".join(pub.title.split())
    publisher = " ".join((pub.publisher or "").split())
    who = publisher.split(" (")[0].strip()
    if who and who.lower() not in title.lower():
        return f"{title}, {publisher}"
    return title


def freshness_line(pub: Publication | None, escape: Callable[[str], str] = str) -> str:
    """ "Newest publication in the data: 20 August 2026 (Ofsted inspection reports, compiled by the
    Data to Insight ILACS scrape tool)". ``escape`` is applied to the source's words only."""
    if pub is None:
        return "Newest publication in the data: none yet (no report or letter with a publication date)"
    return f"Newest publication in the data: {long_date(pub.published)} ({escape(source_words(pub))})"


def stale_notice(pub: Publication | None, today: dt.date, code: bool = True, command: bool = False) -> str:
    """The notice shown when the data is stale (empty when it is not): how old, and who can
    refresh it. ``command``: also the command that does it, for whoever runs the service (an
    admin); a visitor or a board is not asked to run a command (issue 22). ``code``: the command
    in Markdown backticks (pages); plain quotes for slides."""
    newest = pub.published if pub else None
    if not is_stale(newest, today):
        return ""
    run = f"`{REFRESH_COMMAND}`" if code else f"“{REFRESH_COMMAND}”"
    age = (
        f"its newest publication, {long_date(newest)}, is more than {STALE_AFTER_MONTHS} months before "
        f"today ({long_date(today)})"
        if newest
        else "it holds no publication date"
    )
    if not command:
        return f"{STALE_START}: {age}. Whoever runs this service can bring it up to date."
    return (
        f"{STALE_START}: {age}. To refresh it, run {run} (it downloads the public "
        "files, checks them and imports them in one step)."
    )
