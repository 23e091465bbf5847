"""The board pack's numbered sources (issue 21), without a browser: numbers in the order slides
cite them, one number per source whether or not a query gave its publisher, compact references,
links only when they are web addresses, and the list split across slides."""

from __future__ import annotations

import math

from oversight.components.reports.citations import TITLE_CHARS, Citations
from oversight.components.reports.slides import SOURCE_COLUMNS, source_columns


def test_one_number_per_source_in_the_order_first_cited():
    cited = Citations()
    notice = cited.cite(
        "Knowsley: improvement notice", "https://www.gov.uk/notice", "Department for Education"
    )
    assert cited.cite("Ofsted report", "https://files.ofsted.gov.uk/1") == 2
    # The map's level gives no publisher: the same source, the same number, the publisher kept.
    assert cited.cite("Knowsley: improvement notice", "https://www.gov.uk/notice") == notice == 1
    assert cited.cite(None) is None and cited.cite(math.nan) is None and cited.cite("  ") is None
    assert cited.cite("A note", "javascript:alert(1)") == 3  # kept, but not as a link
    assert cited.entries() == [
        "[1] Knowsley: improvement notice — Department for Education — https://www.gov.uk/notice",
        "[2] Ofsted report — https://files.ofsted.gov.uk/1",
        "[3] A note",
    ]


def test_references_are_compact_runs():
    assert Citations.refs([5, 1, 2, 3, None, 3, 9, 10]) == "[1–3, 5, 9–10]"
    assert Citations.refs([None]) == ""
    cited = Citations()
    assert cited.line([4]) == "Sources: [4] (listed on the last slides)" and cited.line([]) == ""


def test_the_list_is_split_across_slides_and_long_titles_are_cut():
    cited = Citations()
    for n in range(120):
        cited.cite(f"Source {n}", f"https://example.org/{n}")
    cited.cite("x" * (TITLE_CHARS + 50))
    slides = cited.slides("footer")
    assert [s.title for s in slides] == ["Sources (1 of 2)", "Sources (2 of 2)"]
    assert sum(len(s.bullets) for s in slides) == 121
    assert all(len(source_columns(s.bullets)) <= SOURCE_COLUMNS for s in slides)
    assert all(s.kind == "sources" and s.footer == "footer" for s in slides)
    assert slides[-1].bullets[-1].endswith("…") and len(slides[-1].bullets[-1]) < TITLE_CHARS + 10


def test_sources_sharing_a_title_are_one_line_and_a_link_each():
    """Issue 22: England's pack listed ~90 inspection reports, each with the same long title and
    publisher, one to three lines each over seven slides: now one title line and a line a link."""
    cited = Citations()
    first = cited.cite("Ofsted inspection reports", "https://files.ofsted.gov.uk/v1/file/1", "Ofsted")
    other = cited.cite("Knowsley: improvement notice", "https://www.gov.uk/k", "DfE")
    second = cited.cite("Ofsted inspection reports", "https://files.ofsted.gov.uk/v1/file/2", "Ofsted")
    assert cited.entries() == [
        "Ofsted inspection reports — Ofsted:",
        f"[{first}] https://files.ofsted.gov.uk/v1/file/1",
        f"[{second}] https://files.ofsted.gov.uk/v1/file/2",
        f"[{other}] Knowsley: improvement notice — DfE — https://www.gov.uk/k",
    ]
    assert Citations().slides("footer") == []
