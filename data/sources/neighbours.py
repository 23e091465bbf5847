"""DfE statistical neighbour groupings (CSV, by DfE 3-digit code): read and store.

Recognised by their header (a DfE LA number column and SN1…SN10 columns), whatever the
year's spelling ("LA number"/"old_la_code", "SN1"/"SN_1", "SNP"/"SN_1P"). One model per
file; importing a model again replaces its rows only when they differ.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from oversight.data.sources.records import ParsedFile, SourceInfo, Where

SN_COLUMN = re.compile(r"^sn_?(\d{1,2})$", re.IGNORECASE)
CODE_COLUMNS = ("la number", "old_la_code", "la num", "la code", "la_code")


def looks_like_neighbours(header: list[str]) -> bool:
    names = [h.strip().lower() for h in header]
    return any(n in CODE_COLUMNS for n in names) and sum(1 for h in header if SN_COLUMN.match(h.strip())) >= 5


def model_name(path: Path) -> str:
    year = re.search(r"(20\d\d)", path.name)
    return f"DfE {year.group(1)}" if year else f"DfE ({path.stem})"


def parse_neighbours(path: Path, raw: str) -> ParsedFile:
    """Rows of (model, DfE code, rank, neighbour DfE code, closeness) with their locations."""
    parsed = ParsedFile(path=str(path), kind="neighbours_csv")
    reader = csv.reader(io.StringIO(raw))
    header = [h.strip() for h in next(reader)]
    lower = [h.lower() for h in header]
    code_col = (
        next(i for i, n in enumerate(lower) if n in CODE_COLUMNS and n != "la num")
        if any(n in CODE_COLUMNS and n != "la num" for n in lower)
        else lower.index("la num")
    )
    sn_cols = [(int(SN_COLUMN.match(h).group(1)), i) for i, h in enumerate(header) if SN_COLUMN.match(h)]
    model = model_name(path)
    parsed.tables.append(f"statistical neighbours ({model})")
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[code_col].strip() if code_col < len(row) else ""
        if not code:
            continue  # a label row such as "Old SNs:" between the file's two tables
        if not re.fullmatch(r"\d{3}", code):
            parsed.errors.append(
                f"{Where(path.name, row=line, column=header[code_col])}: not a DfE LA number: {code!r}"
            )
            continue
        for rank, i in sn_cols:
            neighbour = row[i].strip() if i < len(row) else ""
            if not neighbour:
                continue
            if not re.fullmatch(r"\d{3}", neighbour):
                parsed.errors.append(
                    f"{Where(path.name, row=line, column=header[i])}: not a DfE LA number: {neighbour!r}"
                )
                continue
            closeness = row[i + 1].strip() if i + 1 < len(row) and "p" in header[i + 1].lower() else None
            rows.append((model, code, rank, neighbour, closeness or None, line, header[i]))
    parsed.neighbours = rows
    parsed.neighbour_source = SourceInfo(
        key=f"dfe-neighbours:{path.name}",
        title=f"Statistical neighbours, {model} model",
        kind="reference",
        url="https://www.gov.uk/government/publications/children-services-statistical-neighbour-benchmarking-tool",
        publisher="Department for Education",
        licence="Open Government Licence v3.0",
    )
    return parsed
