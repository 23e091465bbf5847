"""The board pack's numbered sources (issue 21): every fact in the pack cites where it came from.

A board member must be able to check any fact on a slide. Each source is numbered the first time
a slide cites it ("[3]"); a table's row carries its own numbers, a picture's slide a line of them
("Sources: [1–4, 7]"), and the last slides list every number with its title, publisher and link.
Titles and links are outside text: they reach the slides as plain text (the writers pass every
string through ``safe_text``), and a link is kept only when it is an http(s) address with a host.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from oversight.components.reports.slides import SOURCE_COLUMNS, Slide, source_columns
from oversight.data.domain import links

#: Characters of a title the list shows (an erratum's title is its whole explanation; the link
#: and the number lead to the rest).
TITLE_CHARS = 160
Key = tuple[str, str | None]  # title, link: one source, whether or not a query gave its publisher


def _text(value: object) -> str | None:
    """A cell as text, None when empty (a missing source in a frame is NaN or None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


class Citations:
    """The pack's sources in the order the slides first cite them."""

    def __init__(self) -> None:
        self._numbers: dict[Key, int] = {}
        self._publishers: dict[Key, str] = {}

    def cite(self, title: object, url: object = None, publisher: object = None) -> int | None:
        """The number of a source (a new one the first time); None when there is no title."""
        name = _text(title)
        if name is None:
            return None
        link = _text(url)
        key = (name, link if links.is_web_link(link) else None)
        by = _text(publisher)
        if by is not None:
            self._publishers.setdefault(key, by)
        return self._numbers.setdefault(key, len(self._numbers) + 1)

    def __len__(self) -> int:
        return len(self._numbers)

    @staticmethod
    def refs(numbers: Iterable[int | None]) -> str:
        """ "[1–3, 5]": the numbers given, once each, runs joined by a dash ("" when none)."""
        ordered = sorted({n for n in numbers if n is not None})
        if not ordered:
            return ""
        runs: list[list[int]] = []
        for n in ordered:
            if runs and n == runs[-1][-1] + 1:
                runs[-1].append(n)
            else:
                runs.append([n])
        parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
        return "[" + ", ".join(parts) + "]"

    def line(self, numbers: Iterable[int | None]) -> str:
        """A picture slide's citation line: "Sources: [1–4, 7] (listed on the last slides)"."""
        refs = self.refs(numbers)
        return f"Sources: {refs} (listed on the last slides)" if refs else ""

    def entries(self) -> list[str]:
        """Every source as one line: "[3] Title — Publisher — https://…". Sources that share a title
        and publisher and differ by link (one report each) are one line of their title and
        publisher, then a line "[3] https://…" per source, in the order of their first number."""
        groups: dict[tuple[str, str | None], list[tuple[int, str | None]]] = {}
        for (title, url), n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            groups.setdefault((title, self._publishers.get((title, url))), []).append((n, url))
        out = []
        for (title, publisher), members in groups.items():
            if len(title) > TITLE_CHARS:
                title = title[: TITLE_CHARS - 1].rstrip() + "…"
            if len(members) == 1:
                n, url = members[0]
                out.append(" — ".join(part for part in (f"[{n}] {title}", publisher, url) if part))
                continue
            out.append(" — ".join(part for part in (title, publisher) if part) + ":")
            out += [f"[{n}] {url or '(no link)'}" for n, url in members]
        return out

    def slides(self, footer: str) -> list[Slide]:
        """The list of sources in columns (``slides.source_columns``), as many slides as they
        fill (none when nothing was cited)."""
        columns = source_columns(self.entries())
        parts = [
            [entry for column in columns[i : i + SOURCE_COLUMNS] for entry in column]
            for i in range(0, len(columns), SOURCE_COLUMNS)
        ]
        return [
            Slide(
                "Sources" + (f" ({k + 1} of {len(parts)})" if len(parts) > 1 else ""),
                footer,
                bullets=part,
                subtitle="Each fact in this pack cites its source by number: [n] beside it, or under its slide.",
                kind="sources",
            )
            for k, part in enumerate(parts)
        ]
