"""How fresh the data is, in words: how far each layer runs and its source, when it is stale, and
what a view dated after a layer's end cannot show.

One newest date is true of judgements only: the tracker's interventions and Ofsted's visits stop
earlier (issue 22), so the words name each layer's end. Every page (the shared sidebar, the
presentation), every board-pack slide and every CSV download says the same line, so one place
writes it. "Today" is always a parameter: a test passes its own day, the app and the
board pack pass the real one. Pure: no Streamlit; the source title is outside text, so a caller
that renders Markdown passes ``escape=safe_text.markdown``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from oversight.components.figures.theme import long_date
from oversight.data.domain.dates import in_words
from oversight.data.store.layers import LayerEnd, Layers
from oversight.data.store.queries import Publication

#: Older than this many months before today, the data is called stale (issue 14, item 6).
STALE_AFTER_MONTHS = 6
#: The one command that brings the data up to date (README, "Command line").
REFRESH_COMMAND = "oversight refresh"
#: How the stale notice begins (a test tells it from the link notes by it).
STALE_START = "The data may be out of date"
#: A layer whose newest fact is more than this before a view's date is named in the view's note:
#: Ofsted publishes most weeks and the tracker records months apart, so a gap of days is normal
#: and saying so on every view would teach readers to ignore the note.
LAYER_GRACE = dt.timedelta(days=31)
#: Each layer in the order the words give them: (attribute of ``Layers``, its name in a line, its
#: facts in the note).
LAYERS = (
    ("judgements", "Judgements", "judgements"),
    ("interventions", "interventions recorded", "interventions"),
    ("visits", "visits", "visits"),
)
#: How the note of a view dated after a layer's end ends (a test finds the note by it).
AFTER_END = "later ones may be missing."
#: Each layer as a table names it (Data & sources).
LAYER_NAMES = {
    "judgements": "Judgements (inspection reports, by publication)",
    "interventions": "Interventions (notices, directions, commissioners, trusts, events)",
    "visits": "Visits (monitoring and focused, by letter)",
}


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
        f"its newest judgement, published {long_date(newest)}, is more than {STALE_AFTER_MONTHS} months before "
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


def layer_date(end: LayerEnd) -> str:
    """A layer's end as exact as it was recorded ("October 2025" for a month's)."""
    return in_words(end.published, end.precision)


def layers_line(layers: Layers, escape: Callable[[str], str] = str, sources: bool = True) -> str:
    """ "Judgements to 20 August 2026 (Ofsted inspection reports, …); interventions recorded to
    1 October 2025 (…); visits to 29 April 2025 (…)": each layer's end and the source of its newest
    fact. ``escape`` is applied to the sources' words only; ``sources=False`` leaves them out."""
    parts = []
    for attr, name, _ in LAYERS:
        end: LayerEnd | None = getattr(layers, attr)
        if end is None:
            parts.append(f"{name}: none in the data")
            continue
        source = f" ({escape(source_words(end))})" if sources else ""
        parts.append(f"{name} to {layer_date(end)}{source}")
    line = "; ".join(parts)
    return line[0].upper() + line[1:]


def ended_layers(layers: Layers, as_at: dt.date) -> list[tuple[str, LayerEnd]]:
    """The layers (their facts' word and end) whose newest fact is over a month before ``as_at``."""
    out = []
    for attr, _, facts in LAYERS:
        end: LayerEnd | None = getattr(layers, attr)
        if end is not None and end.published < as_at - LAYER_GRACE:
            out.append((facts, end))
    return out


def after_end_note(layers: Layers, as_at: dt.date) -> str:
    """One line for a view dated after a layer's end (empty when none has ended): "No
    interventions recorded after October 2025 and no visits after 29 April 2025: later ones may be
    missing." A map as at today would otherwise show a council's level as if nothing had happened
    since the record stopped. Short, to fit beside the presentation's map."""
    parts = [f"no {facts} after {layer_date(end)}" for facts, end in ended_layers(layers, as_at)]
    if not parts:
        return ""
    parts[0] = parts[0].replace(" after ", " recorded after ", 1)
    words = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{words[0].upper()}{words[1:]}: {AFTER_END}"
