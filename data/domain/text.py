"""Outside text, the rules every layer shares: a CSV cell is never a formula (and reads back as
it was), how long each typed field may be, which characters steer text direction, and what may
reach a terminal.

Why here: the tracker export (``data/curation/export``) writes what editors typed into a CSV
that people open in a spreadsheet, and a spreadsheet runs a cell that starts with ``=``; the
tracker reader (``data/sources/tracker_csv``) must undo exactly that guard; the reader, the
data layer's edits and the app's forms must agree on one set of length limits; and the command
line must not import pandas before it starts a board pack's browser. The data layer may not
import ``components``, so these rules live in the domain, where ``components/figures/safe_text``
(the app's escaping rules) and ``oversight/cli`` take them from too. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# CSV cells ---------------------------------------------------------------------------------------

#: A cell a spreadsheet would run as a formula (OWASP's list, and their full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: The guard: a spreadsheet shows a cell that starts with it as text.
GUARD = "'"


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string starting like a formula (``=``, ``+``,
    ``-``, ``@``, a tab or a line break, or their full-width forms) gets a leading ``'``.

    So that the guard can be taken off again exactly (``csv_value``), a string that already
    starts with apostrophes followed by one of those characters (``'=x``, typed so) gets one
    too: ``''=x``. Anything else (numbers, dates, other text, ``'quoted'``) passes unchanged."""
    if isinstance(value, str) and value.lstrip(GUARD).startswith(FORMULA_START):
        return GUARD + value
    return value


def csv_value(cell: str) -> str:
    """The value ``csv_cell`` wrote into ``cell``: its one leading ``'`` removed when what
    follows (past any further apostrophes) starts like a formula, else ``cell`` unchanged.

    ``csv_value(csv_cell(v)) == v`` for every string ``v``: the tracker export and import give
    back what was typed (``=HYPERLINK(…)``, ``+44 20 …``, ``-5``, ``@x``, ``'=x``). A cell such as
    ``'It is serious'`` (an apostrophe before a letter) is not a guard and is kept as it is."""
    if cell.startswith(GUARD) and cell[1:].lstrip(GUARD).startswith(FORMULA_START):
        return cell[1:]
    return cell


# Length limits -------------------------------------------------------------------------------------

#: The most characters each typed field may hold (after surrounding spaces are stripped). The
#: tracker CSV reader (``tracker_csv``, through which every edit in the app is read too), the
#: app's forms (``max_chars``) and the data layer's checks of comments, names and emails all
#: read this table. Why these numbers: each is many times what real values need (the seed
#: tracker's longest title is 63 characters, details 339, people 92, source title 99, source
#: link 141), so nothing real is refused, while a pasted document or a 20 MB cell is, with a
#: message naming the field, before any other check reads it. Where the database's column is
#: narrower (``store/schema``), the column's width is the limit, so PostgreSQL never refuses a
#: value the checks let through.
FIELD_LIMITS: dict[str, int] = {
    # The tracker's columns (``tracker_csv.COLUMNS``): every one is bounded.
    "record": 32,  # a word: intervention | event | visit | inspection
    "authority_code": 9,  # an ONS code; the database's column
    "authority_name": 160,  # the register's spellings (the database's column)
    "date": 32,  # YYYY-MM-DD: room to quote a mistyped date back in its problem
    "date_precision": 32,
    "published": 32,
    "end_date": 32,
    "end_precision": 32,
    "level": 32,  # the database's column
    "kind": 32,  # the database's column (an intervention's instrument is free text)
    "grade": 40,  # the database's column
    "title": 500,  # a one-line label: several lines of a slide
    "details": 5_000,  # notes: about a page of text
    "people": 500,  # about ten named people with their roles
    "source_url": 2_000,  # the longest address browsers and sitemaps reliably keep
    "source_title": 500,  # a page's or report's title, as long as a fact's title
    "source_publisher": 200,  # the database's column
    # Not tracker columns.
    "comment": 2_000,  # a proposer's note, a reviewer's comment, why a fact is retracted or reverted
    "name": 200,  # a person's display name from the sign-in provider
    "email": 320,  # RFC 5321's longest address; the database's column
}


def too_long(field: str, value: Any) -> str | None:
    """Why ``value`` is too long for ``field`` (``"longer than 500 characters (this has
    20,971,520)"``), or None when it fits or the field has no limit. ``len`` only: constant time,
    so it runs before any other check reads the value."""
    limit = FIELD_LIMITS.get(field)
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return None
    return f"longer than {limit:,} characters (this has {len(value):,})"


def length_problems(values: Mapping[str, Any]) -> list[str]:
    """One problem per field of ``values`` that is too long, each starting with the field
    (``"comment: longer than 2,000 characters (this has 2,001)"``); empty when all fit. For the
    data layer's own fields (``comment``, ``name``, ``email``); tracker columns are checked by
    ``tracker_csv`` with the row and column."""
    out = []
    for field, value in values.items():
        problem = too_long(field, value)
        if problem:
            out.append(f"{field}: {problem}")
    return out


# Direction and terminals ------------------------------------------------------------------------

#: Unicode's explicit bidirectional controls: the embeddings and overrides LRE, RLE, PDF, LRO, RLO
#: (U+202A–U+202E), the isolates LRI, RLI, FSI, PDI (U+2066–U+2069) and the marks LRM, RLM
#: (U+200E, U+200F) and ALM (U+061C). In outside text they can reorder the words around it (a
#: RLO in a title turns the app's own "source:" after it round); ``safe_text`` removes them
#: wherever text is shown, ``links`` refuses an address holding one, and a terminal is shown them
#: as escapes.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"

#: What a terminal must never receive raw: C0 controls (ESC starts a sequence that can recolour,
#: move the cursor or retitle the window; CR and BS overwrite what was printed), DEL, C1 controls
#: (``\x9b`` is a one-character ESC [), the line and paragraph separators, the bidirectional
#: controls (a terminal that lays out both directions would reorder the line), and lone
#: surrogates (a file name's undecodable bytes, which would go out as those bytes: ``\udc9b`` is
#: a raw 0x9b).
_TERMINAL_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\u2028\u2029{BIDI_CONTROLS}\\ud800-\\udfff]")
#: The same but C0, which ``json.dumps`` always escapes inside strings (and whose line breaks
#: between values, with ``indent``, are JSON's own).
_JSON_UNSAFE = re.compile(f"[\\x7f-\\x9f\u2028\u2029{BIDI_CONTROLS}\\ud800-\\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    )


def terminal(value: Any, keep: str = "") -> str:
    """``value`` for a terminal: every control character shown as its escape, as Python writes
    it (ESC is ``\\x1b``, a line break ``\\n``, RLO ``\\u202e``), so it is seen, not obeyed.
    ``keep``: control characters written as they are (``"\\n"`` for a multi-line message,
    ``"\\n\\t"`` for a CSV file). Ordinary text, accents and scripts pass unchanged."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return _TERMINAL_UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def json_text(dumped: str) -> str:
    """JSON text (``json.dumps``'s output) that a terminal can show: DEL, C1, separators and
    bidirectional controls (which ``json.dumps`` leaves raw, and with ``ensure_ascii=False``
    every one) written as ``\\uXXXX`` escapes. They can only stand inside strings, where the
    escape means the same character, so the JSON's values are exactly as before."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
