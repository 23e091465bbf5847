"""Hostile outside text for the "text is text" tests: a tracker CSV written by the test, imported
on top of a copy of the loaded store, so every page can be opened on facts whose titles, details,
people, source titles and file name are Markdown, HTML and formulas.

Nothing here is public data: the CSV is written into the test's own temporary folder.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from sqlalchemy import text

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

#: The authority whose tracker facts are hostile, and a date on which its hostile intervention is
#: in force (Darlington: improvement notice from 2015, judged good in 2018 and again since).
CODE = "E06000005"
AS_AT = "2024-06-30"

LINK = "[Session expired - sign in](https://evil.example/)"
IMAGE = "![p](http://127.0.0.1:9/x.png)"
TAGS = '<b>bold</b> <a href="https://evil.example/">click</a>'
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
IMG_TAG = "<img src=http://127.0.0.1:9/y.png>"
#: The intervention's title: what the header, the map's hovers and the WebGL tooltip show.
TITLE = f"{LINK} <b>x</b>"
#: Brackets and parentheses survive a file name; slashes do not.
FILE_NAME = "tracker_[Session expired](https:evil.example)_![p](http:127.0.0.1:9).csv"
SOURCE_URL = "https://www.gov.uk/government/news/darlington"

ROWS = [
    {
        "record": "intervention",
        "authority_code": CODE,
        "date": "2024-02-01",
        "level": "direction",
        "title": TITLE,
        "details": TAGS,
        "people": IMAGE,
        "source_url": SOURCE_URL,
        "source_title": f"{SCRIPT} {FORMULA}",
        "source_publisher": IMG_TAG,
    },
    {
        "record": "event",
        "authority_code": CODE,
        "date": "2024-03-01",
        "kind": "other",
        "title": IMG_TAG,
        "details": f"{FORMULA} {LINK}",
        "people": "+1 -1 @SUM(1)",
        "source_url": SOURCE_URL + "/event",
        "source_title": LINK,
    },
]


def write_tracker(folder: Path, rows: list[dict[str, str]] | None = None, name: str = FILE_NAME) -> Path:
    """The hostile tracker CSV in ``folder`` (only the columns the rows use)."""
    rows = ROWS if rows is None else rows
    columns = list(dict.fromkeys(c for row in rows for c in row))
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def copy_sqlite(url: str, folder: Path) -> str:
    """A consistent copy of a SQLite store (the backup API), so a test may write to it."""
    source = url.removeprefix("sqlite:///")
    target = folder / "hostile.sqlite"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def hostile_store(loaded_url: str, folder: Path) -> str:
    """The loaded store plus the hostile tracker, and one source whose stored link is
    ``javascript:`` (as an older version, or a hand edit, could have left it)."""
    url = copy_sqlite(loaded_url, folder)
    engine = bootstrap.ready_engine(url)
    import_paths(engine, [write_tracker(folder)])
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE sources SET url = 'javascript:alert(1)' WHERE title = :title"), {"title": LINK}
        )
    engine.dispose()
    bootstrap.forget(url)
    return url
