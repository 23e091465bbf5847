"""Outside text written into a CSV file: a cell is never a formula.

Why here: the tracker export (``data/curation/export``) writes what editors typed into a CSV
that people open in a spreadsheet, and a spreadsheet runs a cell that starts with ``=``. The data
layer may not import ``components``, so the rule lives in the domain, where the app's CSV
downloads (``components/figures/safe_text.csv_cell``, the same rule) can take it from too.
"""

from __future__ import annotations

from typing import Any

#: A cell a spreadsheet would run as a formula (OWASP's list, and their full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string starting like a formula (``=``, ``+``,
    ``-``, ``@``, a tab or a line break, or their full-width forms) gets a leading ``'``.
    Anything else (numbers, dates, other text) passes unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
