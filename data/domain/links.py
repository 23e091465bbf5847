"""Which addresses may become a link: http or https, with a host, and nothing else.

Why here: the importer refuses any other ``source_url`` (so a ``javascript:`` or ``data:``
address never enters the store), and the app's link columns and buttons apply the same test
again to what the store already holds (an older database, a hand edit). One predicate, two
layers: data/sources and components/figures both import it from the domain.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from oversight.data.domain.text import BIDI_CONTROLS

SCHEMES = ("http", "https")
#: Whitespace or control characters anywhere: browsers drop some of them ("java\tscript:"),
#: so an address holding any is not taken at its word. C1 controls and bidirectional controls
#: too: an address shown as its text could read backwards ("gro.elpmaxe" as "example.org").
_UNSAFE = re.compile(f"[\\s\\x00-\\x1f\\x7f-\\x9f\\\\{BIDI_CONTROLS}]")


def link_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be a link (in words for an import error), or None when it can."""
    if not isinstance(url, str) or not url:
        return "no address"
    if _UNSAFE.search(url):
        return "it holds spaces, control characters (direction controls too) or backslashes"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "it is not a well-formed address"
    if parts.scheme.lower() not in SCHEMES:
        return "only http:// and https:// addresses are accepted"
    if not host:
        return "it has no host"
    if parts.username is not None or parts.password is not None:
        return "it names a user before the host (user@host), which hides where it leads"
    return None


def is_web_link(url: str | None) -> bool:
    """True for an http(s) address with a host: the only kind the app links to."""
    return link_problem(url) is None
