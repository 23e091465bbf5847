"""What changed (issue 12) in words, tables and headline lines: one place for the page, the
presentation's slide, the board pack's second slide and the CSV, so they say the same thing.

Pure: a ``Digest`` (``oversight.data.domain.digest``) in, plain text and frames out. Authority
names, words, caveats and source titles come from the data: each caller escapes them for where
they land (``safe_text.markdown`` on the page, ``safe_text.csv_frame`` for the CSV; slides are
plain text). ``line_markdown`` is the one function here that writes Markdown, and it escapes
everything itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlencode

import pandas as pd

from oversight.components.figures.judgements import areas_text
from oversight.components.figures.safe_text import markdown, markdown_link, web_link
from oversight.components.figures.theme import long_date
from oversight.data.domain.digest import CLOCK, ChangeLine, Digest, Group

#: A board cycle: boards and regional alliances meet every six to eight weeks.
BOARD_CYCLE = dt.timedelta(weeks=8)
#: Lines a slide holds and stays legible (the rest: "and N more — see the What changed page").
SLIDE_LINES = 8
#: Where the rest of a capped digest is.
MORE_WHERE = "see the What changed page"
#: The page's URL path (the app's router registers it; the links on other pages use it).
PAGE_PATH = "/changes"
#: A derived inadequate is not an estimate (DOMAIN §2 is a rule applied to published area
#: judgements): its words say "derived from area judgements" and it never carries "(estimated)".
#: One line on a slide: "(expected date)" is a clock's statutory deadline (issue 22: not "estimated").
ESTIMATED_NOTE = (
    "(estimated) marks an estimated date or value; (expected date) a statutory deadline, not a fact."
)


def default_since(until: dt.date) -> dt.date:
    """Eight weeks before ``until``: the last meeting of a board that meets every board cycle."""
    return until - BOARD_CYCLE


def window_words(since: dt.date, until: dt.date) -> str:
    return f"{long_date(since)} to {long_date(until)}"


def slide_title(since: dt.date, until: dt.date) -> str:
    """ "Since the last meeting: 22 March 2018 to 17 May 2018"."""
    return f"Since the last meeting: {window_words(since, until)}"


def count_words(group: Group) -> str:
    return f"{group.label}: {group.count}"


def counts_line(digest: Digest) -> str:
    """Every group with changes, in the digest's order, with its count ("Interventions revised: 2 ·
    …"); "No change recorded" when there is none."""
    shown = [count_words(g) for g in digest.groups if g.count]
    return " · ".join(shown) if shown else "No change recorded"


def total_words(digest: Digest) -> str:
    n = digest.total
    return f"{n} change{'' if n == 1 else 's'}"


def quiet_groups(digest: Digest) -> list[str]:
    """The labels of the groups with nothing in the window (said once, not as empty headings)."""
    return [g.label for g in digest.groups if not g.count]


def authority_url(line: ChangeLine) -> str:
    """The authority's page in the app, as at the change's date (a ceased authority still opens)."""
    return "/authority?" + urlencode({"la": line.code, "as_at": line.date.isoformat()})


def line_areas(line: ChangeLine) -> str:
    """A report's area judgements in words (the 2026 framework's four: DOMAIN §2), or ""."""
    return areas_text(dict(line.areas)) if line.areas else ""


def flag_words(line: ChangeLine) -> str:
    """ " (estimated)" after an estimated date or value; " (date estimated)" on a derived grade's line,
    whose words already say "derived from area judgements", so the flag is never read as the grade's."""
    if not line.estimated:
        return ""
    if line.kind == CLOCK:  # a deadline from the statutory timescales, not a guess
        return " (expected date)"
    return " (date estimated)" if line.derived else " (estimated)"


def line_text(line: ChangeLine, with_date: bool = True) -> str:
    """One change as plain text: "1 April 2018 · Birmingham: Moved to alternative delivery: …",
    "(estimated)" when its date or value is estimated (a derived grade says so in its words)."""
    text = f"{line.name}: {line.words}" + flag_words(line)
    return f"{long_date(line.date)} · {text}" if with_date else text


def line_markdown(line: ChangeLine) -> str:
    """One change as a Markdown list item's text, everything from the data escaped: date ·
    the authority (a link to its page) · words · area judgements · caveat · the source (a link when
    it is a web address)."""
    parts = [
        f"**{long_date(line.date)}**",
        markdown_link(f"{line.name} ({line.code})", authority_url(line)),
        markdown(line.words),
    ]
    areas = line_areas(line)
    if areas:
        parts.append("area judgements: " + markdown(areas))
    if line.caveat:
        estimated = line.estimated and not line.derived  # a derived grade's caveat says so itself
        parts.append("_" + markdown(("estimated: " if estimated else "") + line.caveat) + "_")
    parts.append("source: " + markdown_link(line.source.title, web_link(line.source.url)))
    return " · ".join(parts)


def headline(digest: Digest, limit: int = SLIDE_LINES) -> tuple[list[ChangeLine], int]:
    """The lines a slide shows first and how many it leaves out: judgements, spells and
    interventions first (the digest's group order), each group by date, at most ``limit``."""
    ordered = [ln for g in digest.groups for ln in g.lines]
    return ordered[:limit], max(0, len(ordered) - limit)


def more_words(left_out: int) -> str:
    """ "and 12 more — see the What changed page" (empty when nothing was left out)."""
    return f"and {left_out} more — {MORE_WHERE}" if left_out else ""


def slide_rows(lines: list[ChangeLine]) -> pd.DataFrame:
    """The headline lines as a slide's table: Date, Authority, Change (plain text)."""
    return pd.DataFrame(
        {
            "Date": [long_date(ln.date) for ln in lines],
            "Authority": [ln.name for ln in lines],
            "Change": [ln.words + flag_words(ln) for ln in lines],
        },
        columns=["Date", "Authority", "Change"],
    )


TABLE_COLUMNS = [
    "Date",
    "Group",
    "Authority",
    "ONS code",
    "Change",
    "Before",
    "After",
    "Months",
    "Area judgements",
    "Estimated",
    "Derived from area judgements",
    "Caveat",
    "Source",
    "Source link",
    "Own date",
]


def digest_table(digest: Digest) -> pd.DataFrame:
    """Every line, in the page's order (group, then date), as the CSV download holds it: ISO dates,
    the group's words, the authority with its code on that date, before and after, the source, and
    a newly recorded fact's own date (its line is dated by the day it was recorded)."""
    lines = [ln for g in digest.groups for ln in g.lines]
    return pd.DataFrame(
        {
            "Date": [ln.date.isoformat() for ln in lines],
            "Group": [ln.group_label for ln in lines],
            "Authority": [ln.name for ln in lines],
            "ONS code": [ln.code for ln in lines],
            "Change": [ln.words for ln in lines],
            "Before": [ln.before or "" for ln in lines],
            "After": [ln.after or "" for ln in lines],
            "Months": [None if ln.months is None else round(ln.months, 1) for ln in lines],
            "Area judgements": [line_areas(ln) for ln in lines],
            "Estimated": ["yes" if ln.estimated else "no" for ln in lines],
            "Derived from area judgements": ["yes" if ln.derived else "no" for ln in lines],
            "Caveat": [ln.caveat or "" for ln in lines],
            "Source": [ln.source.title for ln in lines],
            "Source link": [web_link(ln.source.url) or "" for ln in lines],
            "Own date": [ln.dated.isoformat() if ln.dated else "" for ln in lines],
        },
        columns=TABLE_COLUMNS,
    )


def only_authority(digest: Digest, authority_id: int) -> Digest:
    """The digest of one authority (an authority's board pack): its own lines, every group kept."""
    groups = tuple(
        dataclasses.replace(g, lines=tuple(ln for ln in g.lines if ln.authority_id == authority_id))
        for g in digest.groups
    )
    cited = {ln.source for g in groups for ln in g.lines}
    return dataclasses.replace(digest, groups=groups, sources=tuple(s for s in digest.sources if s in cited))
