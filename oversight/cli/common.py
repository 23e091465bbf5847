"""What every command shares: exit codes, argument types, JSON printing."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from oversight.data.domain.register import load_regions

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def region_arg(text: str) -> str:
    codes = dict(load_regions())
    if text not in codes:
        raise argparse.ArgumentTypeError(f"not an English region code: {text!r} (one of {', '.join(codes)})")
    return text


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    print(
        json.dumps(
            payload,
            default=json_default,
            indent=None if isinstance(payload, dict) and len(payload) < 6 else 2,
        )
    )
