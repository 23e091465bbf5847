"""GOV.UK's decision pages read as notices and directions to councils: pure rules, no network, no database.

DfE publishes each improvement notice and statutory direction about a council's children's
services as a GOV.UK "decision" page, titled the same way for a decade: "Improvement notice issued
to Knowsley Metropolitan Borough Council: March 2026", "Direction issued to London Borough of
Havering", "Revised direction issued to Halton Borough Council: February 2025". ``curation/harvest``
asks GOV.UK's Search API for such pages and its Content API for each one; this module says what a
page is:

* ``read_title``: is the title a notice or a direction to someone, revised or not, and to whom (the
  name as written)? Anything else (DfE's other decisions) is not ours: None.
* ``send_only``: DfE's collection also lists notices about special educational needs and
  disabilities (SEND) services. They are not children's social care interventions (DOMAIN §5):
  recognised by their title or summary naming SEND and not children's social care.
* ``find_council``: the name as written resolved through the register (``domain/register``), after
  taking off the words of a council's legal form ("London Borough of", "Metropolitan Borough
  Council", "Council of the"): the ONS code in use on the page's date.
* ``read_content``: the Content API's answer, checked field by field (it is outside text): title,
  path, summary, first publication (the fact's date, to the day, as GOV.UK dates it in London),
  the body as plain text, the notes of its change history.
* ``commissioner_sentence``: the sentence of the body saying a commissioner is appointed, which
  makes a direction ``direction_commissioner``; ``revoked_on``: the day the page says the notice or
  direction was revoked or lifted (DOMAIN §5: GOV.UK records it in the page's history).

What a page says is a proposal for a person to check, never a fact: the rules are deliberately
plain, and every row carries the sentence it was read from.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from oversight.data.domain import register, vocab
from oversight.data.domain.register import name_key

PUBLIC_SITE = "https://www.gov.uk"
PUBLISHER = "Department for Education (GOV.UK)"
#: The Search API's answer may only name pages by such paths: no scheme, host, query or "..".
_PATH = re.compile(r"^/[A-Za-z0-9][A-Za-z0-9._~%/-]{0,498}$")

_TITLE = re.compile(
    r"""^\s*
    (?P<revised>(?:revised|new|further|replacement)\s+)?
    (?:statutory\s+|non-statutory\s+)?
    (?P<what>improvement\s+notice|directions?)
    \s+(?:issued\s+|given\s+|made\s+)?to\s+
    (?P<council>.+?)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
#: A title's tail after the council: ": March 2026", " (March 2026)", " - 2026", ": SEND".
_TAIL = re.compile(r"\s*(?::|\(|\s[-–—]\s).*$")
_SEND = re.compile(r"\bSEND\b|(?i:special educational needs)")  # "send" in lower case is a verb
_SOCIAL_CARE = re.compile(r"children['’]?s\s+(?:social\s+care|services)|social\s+care", re.IGNORECASE)

#: Words of a council's legal form, taken off a name before it is looked up (longest first).
_PREFIXES = (
    "the ",
    "london borough of ",
    "royal borough of ",
    "metropolitan borough of ",
    "borough of ",
    "council of the ",
    "council of ",
    "city and county of ",
    "city of ",
    "county of ",
)
_SUFFIXES = (
    " metropolitan borough council",
    " metropolitan district council",
    " metropolitan council",
    " county borough council",
    " borough council",
    " district council",
    " county council",
    " city council",
    " unitary authority",
    " corporation",
    " council",
)


@dataclass(frozen=True)
class Heading:
    """What a decision page's title says: the instrument, whether it revises an earlier one, and to
    whom (the name as written, the title's date or topic taken off)."""

    instrument: str  # vocab.IMPROVEMENT_NOTICE or vocab.DIRECTION
    revised: bool
    council: str


def read_title(title: str) -> Heading | None:
    """The notice or direction a title names, or None for any other title."""
    match = _TITLE.match(" ".join(str(title or "").split()))
    if match is None:
        return None
    council = _TAIL.sub("", match["council"]).strip(" .,;")
    if not council:
        return None
    what = match["what"].lower()
    instrument = vocab.IMPROVEMENT_NOTICE if what.startswith("improvement") else vocab.DIRECTION
    return Heading(instrument, bool(match["revised"]), council)


def send_only(*texts: str) -> bool:
    """Whether a page's title and summary make it about SEND services alone (named as "SEND" or
    "special educational needs", with no word of children's social care or services)."""
    joined = " ".join(t for t in texts if t)
    return bool(_SEND.search(joined)) and not _SOCIAL_CARE.search(joined)


def public_path(link: Any) -> str | None:
    """A page's path on GOV.UK ("/government/publications/…"), if ``link`` is a plain one."""
    if not isinstance(link, str) or not _PATH.match(link) or ".." in link or "//" in link:
        return None
    return link


def public_link(path: str) -> str:
    """The page's address for people: always on www.gov.uk, whichever server was asked."""
    return PUBLIC_SITE + path


def same_page(url: str | None, path: str) -> bool:
    """Whether a stored source address is this GOV.UK page (http or https, with or without www,
    a trailing slash, a query or a fragment)."""
    if not url:
        return False
    match = re.match(r"^https?://(?:www\.)?gov\.uk(/[^?#]*)", url.strip(), re.IGNORECASE)
    return match is not None and match[1].rstrip("/") == path.rstrip("/")


# The council ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Council:
    """An authority of the register: its ONS code on the day asked about and its name then."""

    code: str
    name: str


def _spellings(name: str) -> list[str]:
    """The name, then the name without the words of its legal form, most complete first."""
    out = [" ".join(name.split())]
    for candidate in out:  # grows while it is read: each form's own shorter forms
        low = candidate.lower()
        for prefix in _PREFIXES:
            if low.startswith(prefix) and candidate[len(prefix) :].strip() not in out:
                out.append(candidate[len(prefix) :].strip())
        for suffix in _SUFFIXES:
            if low.endswith(suffix) and candidate[: -len(suffix)].strip() not in out:
                out.append(candidate[: -len(suffix)].strip())
    return [s for s in out if s]


@lru_cache(maxsize=1)
def _index() -> dict[str, frozenset[str]]:
    """name_key of every name and alias of the register -> the lineages (DfE numbers) it names."""
    found: dict[str, set[str]] = {}
    for row in register.load_codes():
        for spelling in (row.name, *row.aliases):
            found.setdefault(name_key(spelling), set()).add(row.dfe_code)
    return {key: frozenset(dfe) for key, dfe in found.items()}


@lru_cache(maxsize=1)
def _lineages() -> dict[str, register.Lineage]:
    return {lin.key: lin for lin in register.lineages()}


def find_council(name: str, day: dt.date) -> Council | str:
    """The authority a title names, with its code on ``day``; else why not, in words."""
    index, lineages = _index(), _lineages()
    for spelling in _spellings(name):
        keys = index.get(name_key(spelling), frozenset())
        if len(keys) > 1:
            names = ", ".join(sorted(lineages[k].latest.name for k in keys))
            return f"the name {name!r} fits more than one council ({names})"
        if keys:
            lineage = lineages[next(iter(keys))]
            live = [c for c in lineage.codes if c.valid_on(day)]
            row = live[0] if live else lineage.latest
            return Council(row.code, row.name)
    return f"no council in the register is called {name!r}"


# The Content API's answer ----------------------------------------------------------------------


class NotReadable(ValueError):
    """A Content API answer without what a proposal needs; ``str()`` is one line."""


@dataclass(frozen=True)
class Page:
    """A decision page as the Content API describes it, its text plain."""

    path: str
    title: str
    description: str
    document_type: str
    first_published: dt.date
    body: str  # the body's text, tags removed, one line per block
    notes: tuple[str, ...]  # the change history's notes, oldest first


def _text(value: Any, field: str, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise NotReadable(f"its {field} is {'missing' if value is None else 'not text'}")
    return value


def day_of(timestamp: Any) -> dt.date | None:
    """The day of an ISO timestamp as GOV.UK writes it ("2026-03-19T09:30:00.000+00:00"), in the
    time zone it is written in (GOV.UK's own, London's), or None."""
    if not isinstance(timestamp, str):
        return None
    try:
        return dt.datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def read_content(data: Any) -> Page:
    """The fields of a Content API answer this project reads, checked; ``NotReadable`` otherwise."""
    if not isinstance(data, Mapping):
        raise NotReadable("the answer is not a JSON object")
    path = public_path(data.get("base_path"))
    if path is None:
        raise NotReadable("its base_path is not a plain GOV.UK path")
    details = data.get("details") if isinstance(data.get("details"), Mapping) else {}
    first = day_of(data.get("first_published_at")) or day_of(details.get("first_public_at"))
    if first is None:
        raise NotReadable("it has no first_published_at date")
    history = details.get("change_history")
    notes = tuple(
        " ".join(str(entry.get("note") or "").split())
        for entry in (history if isinstance(history, list) else [])
        if isinstance(entry, Mapping)
    )
    return Page(
        path=path,
        title=" ".join(_text(data.get("title"), "title", required=True).split()),
        description=" ".join(_text(data.get("description"), "description").split()),
        document_type=_text(data.get("document_type"), "document_type"),
        first_published=first,
        body=plain_text(_text(details.get("body"), "body")),
        notes=notes,
    )


class _Text(html.parser.HTMLParser):
    """An HTML body's text: each block on its own line, tags and scripts dropped."""

    BLOCKS = frozenset(
        {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(body: str) -> str:
    """The text of an HTML body, one line per paragraph or list item."""
    parser = _Text()
    parser.feed(body)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _sentences(text: str) -> list[str]:
    return [s.strip() for line in text.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]


#: A sentence that mentions a commissioner without one being appointed now.
_NOT_NOW = re.compile(
    r"at the time|former|previous|withdr[ae]w|remov|no longer|stood down|stand down|step down|"
    r"end(?:s|ed|ing)? the|children['’]?s commissioner for england",
    re.IGNORECASE,
)


def commissioner_sentence(text: str) -> str | None:
    """The first sentence saying a commissioner is appointed ("… has appointed Jane Smith as
    Commissioner for Children's Services …"), not one naming a former commissioner or ending the
    appointment; None if there is none."""
    for sentence in _sentences(text):
        low = sentence.lower()
        if "commissioner" in low and "appoint" in low and not _NOT_NOW.search(sentence):
            return sentence
    return None


_REVOKED = re.compile(
    r"\b(?:revoked|lifted|closed|withdrawn)\b(?:\s+by\s+(?:the\s+)?(?:DfE|Department\s+for\s+Education))?"
    r"\s+on\s+(\d{1,2}\s+[A-Za-z]+\s+\d{4})",
    re.IGNORECASE,
)


def revoked_on(*texts: str) -> dt.date | None:
    """The day a text says the notice or direction was revoked, lifted or closed ("This direction
    was revoked by DfE on 13 January 2022"), or None."""
    for text in texts:
        match = _REVOKED.search(text or "")
        if match:
            try:
                return dt.datetime.strptime(" ".join(match[1].split()), "%d %B %Y").date()
            except ValueError:
                continue
    return None


def mentions_trust(text: str) -> bool:
    """Whether the body speaks of a children's services trust or company (alternative delivery,
    which a person must judge from the page)."""
    return bool(re.search(r"\btrust\b|\bcompany\b", text, re.IGNORECASE))


# The proposal ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A notice or direction read from its page, ready to be proposed."""

    page: Page
    council: Council
    level: str
    kind: str  # "revised", "commissioner" or ""
    commissioner: str | None  # the sentence that made it a direction with a commissioner
    ended: dt.date | None

    @property
    def link(self) -> str:
        return public_link(self.page.path)


def notice(page: Page, heading: Heading) -> Notice | str:
    """The notice or direction a page records, or why it is not proposed, in words."""
    found = find_council(heading.council, page.first_published)
    if isinstance(found, str):
        return found
    sentence = commissioner_sentence(page.body) if heading.instrument == vocab.DIRECTION else None
    level = vocab.DIRECTION_COMMISSIONER if sentence else heading.instrument
    kind = "revised" if heading.revised else ("commissioner" if sentence else "")
    ended = revoked_on(*page.notes, page.body)
    if ended is not None and ended < page.first_published:
        ended = None
    return Notice(page, found, level, kind, sentence, ended)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tracker_row(item: Notice, harvested_on: dt.date) -> dict[str, str]:
    """The proposal as a tracker CSV row (``tracker_csv.COLUMNS``), its details saying where every
    value was read."""
    page = item.page
    details = [page.description or "GOV.UK decision page."]
    details.append(
        f"Harvested from GOV.UK on {harvested_on.isoformat()}: dated by the page's first publication "
        f"({page.first_published.isoformat()}); the council from its title."
    )
    if item.commissioner:
        details.append(f"A commissioner, because the page says: “{_clip(item.commissioner, 600)}”")
    if item.ended:
        details.append(f"Ended {item.ended.isoformat()}: the page says it was revoked or lifted that day.")
    if mentions_trust(page.body):
        details.append("The page mentions a trust or company: check whether this is alternative delivery.")
    row = {
        "record": "intervention",
        "authority_code": item.council.code,
        "authority_name": item.council.name,
        "date": page.first_published.isoformat(),
        "date_precision": "day",
        "level": item.level,
        "kind": item.kind,
        "title": _clip(page.title, 500),
        "details": _clip(" ".join(details), 5_000),
        "source_url": item.link,
        "source_title": _clip(page.title, 500),
        "source_publisher": PUBLISHER,
    }
    if item.ended:
        row.update(end_date=item.ended.isoformat(), end_precision="day")
    return row
