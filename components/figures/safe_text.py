"""Outside text shown as text: one escaping rule for each place a string lands.

Why: URL parameters, tracker fields, source titles, file names and imported names are written
by someone else. Streamlit reads Markdown in every message, caption, label and help text, so a
``[Session expired](https://evil.example/)`` in a link would become a link in the app's own
warning box; plotly reads a subset of HTML in hovers, labels and titles; a spreadsheet runs a
cell that starts with ``=``; a right-to-left override (U+202E) in a title would turn the app's
own words after it round. Every view passes such strings through this module, and only
through it, so the rule is written once and tested once. Pure: no Streamlit.

- ``plain``: text beside the app's words where nothing is markup (the board pack's slides, a
  table cell the app composes): direction controls removed, right-to-left runs isolated (see
  ``plain`` for why). ``markdown`` and ``html`` apply it too; ``without_bidi`` only removes the
  controls (the PDF, drawn in typed order).
- ``markdown``: for ``st.markdown``/``st.warning``/``st.caption``/titles/labels/radio options:
  shows the text literally (``markdown_cells`` for ``st.table``; ``quoted`` for a value inside a
  plain-text message).
- ``option``: for select box options (plain text in Streamlit): ``plain`` on one line.
- ``html``: for plotly hover text, labels, trace names and titles, and SVG. (The WebGL map's
  tooltip takes plain text: Streamlit escapes what it puts there.)
- ``csv_cell``/``csv_frame``: for CSV downloads: a cell is never a formula; the value is
  otherwise kept as it is (direction controls included: a CSV is data).
- ``web_link``: for link columns and buttons: http(s) with a host, else None (an address holding
  a direction control is not one).
- ``markdown_link``: a link in Markdown: the text escaped, the address a web link or an app path.
- ``terminal``: for the command line: every control character shown as its escape.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pandas as pd

from oversight.data.domain import text as domain_text
from oversight.data.domain.links import is_web_link

#: Every character CommonMark, GitHub's extensions (tables, strikethrough), KaTeX (``$``) and
#: Streamlit's own syntax (``:red[...]``, ``:material/icon:``, emoji shortcodes) read as markup. A
#: backslash before ASCII punctuation shows that character as itself, so ordinary text renders
#: unchanged ("St. Helens" is written ``St\. Helens`` and reads as before).
_MARKDOWN_SIGNIFICANT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&/])")
#: Streamlit also turns *text* into links and pictures after the Markdown is read, where a
#: backslash no longer counts: bare addresses (``https://…``, ``www.…``, ``name@host.tld``)
#: become links, ``:streamlit:``/``:smile:`` become pictures and `` -> ``/`` -- ``/`` <= ``
#: become arrows and dashes. An invisible word joiner after the ``:`` of ``scheme:``/``:name``,
#: after ``www``, after ``@`` and inside those pairs breaks each pattern while the text reads
#: (and is read aloud) the same.
_JOINER = "\u2060"
_TEXT_PATTERNS = re.compile(r"(?<=:)(?=\S)|(?i:(?<=www)(?=\.))|(?<=@)(?=\S)|(?<=[<>~-])(?=[>=-])")
#: Line breaks, tabs and other control characters (C1 included: a terminal reads \x9b as an
#: escape). In one line of Markdown a break would start a new block (a heading, a list, a quote, a
#: code block); in a terminal an escape could rewrite the screen. Each run becomes one space.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
#: Unicode's explicit direction controls (embeddings, overrides, isolates, marks).
_BIDI = re.compile(f"[{domain_text.BIDI_CONTROLS}]")
#: The blocks that hold every right-to-left character (Hebrew, Arabic, Syriac, Thaana, NKo,
#: Samaritan, Mandaic, their presentation forms, and the supplementary planes' right-to-left
#: blocks): a fast test before the exact one (``unicodedata``), so ordinary text costs one scan.
_MAYBE_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]")
#: Bidirectional classes that are right to left (letters, Arabic letters, Arabic digits).
_RTL = frozenset({"R", "AL", "AN"})
#: Classes that end a right-to-left run: a left-to-right letter, a paragraph or segment break.
_RUN_ENDS = frozenset({"L", "B", "S"})
FSI, PDI = "\u2068", "\u2069"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def without_bidi(value: Any) -> str:
    """``value`` with every direction control removed (for a writer that draws characters in
    the order they are typed, such as the PDF's: there they would only show as symbols)."""
    return _BIDI.sub("", _text(value))


def plain(value: Any) -> str:
    """``value`` as text that cannot reorder the words around it: every explicit direction
    control removed, then each right-to-left run (from a right-to-left character to the last one
    before a left-to-right letter or a line break) wrapped in FSI … PDI (U+2068, U+2069).

    Why both, and why per run: the Unicode bidirectional algorithm lays out a line from its
    characters. A RLO (U+202E) reverses everything after it up to the end of the paragraph, and
    an unbalanced embedding or isolate leaks into the app's words, so the controls go: a label, a
    title or a hover never needs them, and an override disguises even the text's own letters.
    Right-to-left letters need no control to move neighbours: digits and punctuation after a
    Hebrew or Arabic word join its run ("עדכון · 1 February" shows the app's "1" before the
    word), so each run is isolated: inside it the text reads as its writer meant, outside it is
    one neutral block. Per run rather than per value, because many messages are composed before
    they are escaped (``markdown(f"Proposed by {who} on {date}")``): the rule cannot know where
    someone else's words end, and one isolate around a whole message that starts with
    right-to-left words would lay the app's words out right to left. Left-to-right text (every
    ASCII string, accents, other scripts) comes back unchanged, to the character; ``plain`` of
    its own output is the same again."""
    text = without_bidi(value)
    if not _MAYBE_RTL.search(text):
        return text
    out: list[str] = []
    done, start, last = 0, -1, -1
    for i, char in enumerate(text):
        kind = unicodedata.bidirectional(char)
        if kind in _RTL:
            start = i if start < 0 else start
            last = i
        elif kind == "NSM" and start >= 0 and last == i - 1:
            last = i  # a vowel sign or accent on the run's last letter belongs to it
        elif kind in _RUN_ENDS and start >= 0:
            out += [text[done:start], FSI, text[start : last + 1], PDI]
            done, start = last + 1, -1
    if start >= 0:
        out += [text[done:start], FSI, text[start : last + 1], PDI]
        done = last + 1
    out.append(text[done:])
    return "".join(out)


def markdown(value: Any) -> str:
    """``value`` as Markdown that Streamlit shows literally: no link, image, heading, list,
    emphasis, HTML, maths, directive or emoji is made from it, and nothing in it reorders the
    words around it (``plain``)."""
    text = plain(_CONTROLS.sub(" ", _text(value)).strip())
    text = _TEXT_PATTERNS.sub(_JOINER, text)
    return _MARKDOWN_SIGNIFICANT.sub(r"\\\1", text)


def option(value: Any) -> str:
    """``value`` for a select box's option or another place Streamlit shows as plain text (not
    Markdown): control characters and line breaks as one space, direction controls removed and
    right-to-left runs isolated (``plain``), and no backslash added (``markdown`` would show
    "Change 19\\: …" there)."""
    return plain(_CONTROLS.sub(" ", _text(value)).strip())


def markdown_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.table``, whose cells Streamlit reads as Markdown (unlike
    ``st.dataframe``): every text cell through ``markdown``; numbers and dates unchanged."""
    return _map_text(frame, markdown)


def quoted(value: Any, limit: int = 80) -> str:
    """A value from outside quoted inside a plain-text message ("The link's date '…' is not a
    date"), cut to ``limit`` characters so a 10 000-character parameter cannot fill the page.
    Plain text still: show the whole message through ``markdown``."""
    text = _text(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def html(value: Any) -> str:
    """``value`` for plotly (hover text, labels, titles), SVG and HTML attributes: ``<b>`` shows as
    ``<b>``. Quotes and ``%`` become numeric entities: plotly decodes numeric entities but only a
    few named ones (``&amp;``, ``&lt;``, ``&gt;``; ``&quot;`` would show as written), and a ``%``
    written as an entity is never read as a plotly template field (``%{...}``). Direction:
    ``plain``, so a title in a hover cannot turn the hover's own words round."""
    text = _html.escape(plain(value), quote=False)
    return text.replace('"', "&#34;").replace("'", "&#39;").replace("%", "&#37;")


csv_cell = domain_text.csv_cell  # the one rule, in the domain (the tracker export uses it too)


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, and every column name, through ``csv_cell``."""
    out = _map_text(frame, csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def _map_text(frame: pd.DataFrame, rule: Callable[[Any], Any]) -> pd.DataFrame:
    """A copy of ``frame`` with ``rule`` applied to every string cell, other cells as they were."""
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(i, column.map(lambda v: rule(v) if isinstance(v, str) else v))
    return out


terminal = domain_text.terminal  # the one rule, in the domain (the command line imports no pandas)


def web_link(url: Any) -> str | None:
    """``url`` when it is an http(s) address with a host (the only kind the app links to), else
    None; an address holding a direction control is not one (``domain.links``)."""
    return url if isinstance(url, str) and is_web_link(url) else None


#: Characters kept as they are in a Markdown link's address; every other one (spaces, brackets,
#: parentheses, quotes, backslashes, angle brackets) is percent-encoded, so the address cannot end
#: the link early or smuggle in more Markdown.
_LINK_SAFE = ":/?#@!$&'*+,;=%~-._"


def markdown_link(text: Any, url: str | None) -> str:
    """``text`` as a Markdown link to ``url``: the text escaped (``markdown``), the address
    percent-encoded. ``url`` must be a web address (``web_link``) or a path in the app starting
    with one ``/``; anything else (None included) gives the escaped text alone, no link."""
    shown = markdown(text)
    if not isinstance(url, str) or not (web_link(url) or (url.startswith("/") and not url.startswith("//"))):
        return shown
    return f"[{shown}]({quote(_CONTROLS.sub('', url), safe=_LINK_SAFE)})"
