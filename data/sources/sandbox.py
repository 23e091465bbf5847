"""Read a spreadsheet in a child process with a memory and a time limit.

calamine is native code: when an allocation fails it aborts the process (SIGABRT), which no
``except`` can catch, and a sheet that is merely large takes gigabytes and minutes. So the
release's bytes go to a child Python that limits its own address space (``RLIMIT_AS``) and CPU
time before it reads them, and is killed when the wall-clock limit passes; a crash, a
MemoryError or a timeout comes back as :class:`ReaderFailed`, which the release parser turns
into a refusal naming the file. The sheets come back as JSON (plain cells; dates tagged), never
as pickles: the child has parsed untrusted bytes, so nothing it says is executed.

The child is this file run as a script by the same interpreter (``python -P sandbox.py``), not
``multiprocessing``: spawning re-imports the parent's ``__main__`` (the whole CLI or Streamlit)
in the child, while this file needs only the standard library and ``python_calamine`` and
starts in ~40 ms. It imports nothing from the project, so it runs the same from any checkout.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

#: The child's address space: 1 GB, ~15 times what the 2023 release needs (its largest sheet,
#: 109,330 cells, takes ~70 MB) and room for MAX_SHEET_CELLS (sheet_extent) at ~60 bytes a cell.
MEMORY_LIMIT_BYTES = 1 << 30
#: Wall-clock limit of one release: the real ones take 0.05-0.6 s.
TIME_LIMIT_SECONDS = 60
#: The JSON the child may send back (the real releases: under 1 MB; MAX_SHEET_CELLS of short
#: text, ~40 MB).
MAX_RESULT_BYTES = 128 << 20

Frames = dict[str, list[list[Any]]]


class ReaderFailed(Exception):
    """The child could not read the file; ``str()`` says why, in words for the refusal."""


@dataclass(frozen=True)
class SheetChoice:
    """Which sheets to bring back whole: a sheet is probed by its first ``probe_rows`` rows; a
    header row has a cell (whitespace-folded, lower case) in ``header_names``; a sheet whose
    header row also has one of ``skip_names`` is left out; a sheet without a header row comes
    back as its probe rows only (a cover sheet, notes)."""

    probe_rows: int
    header_names: frozenset[str]
    skip_names: frozenset[str]


def read_sheets(
    data: bytes,
    choice: SheetChoice,
    *,
    memory_bytes: int = MEMORY_LIMIT_BYTES,
    seconds: float = TIME_LIMIT_SECONDS,
) -> Frames:
    """The chosen sheets of the workbook in ``data``, read by calamine in a limited child."""
    request = {
        "probe_rows": choice.probe_rows,
        "header_names": sorted(choice.header_names),
        "skip_names": sorted(choice.skip_names),
        "memory_bytes": memory_bytes,
        "seconds": seconds,
        "max_result": MAX_RESULT_BYTES,
    }
    proc = subprocess.Popen(
        [sys.executable, "-P", __file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(json.dumps(request).encode() + b"\n" + data, timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise ReaderFailed(f"could not be read: the reader took longer than {seconds:g} s") from None
    return _answer(proc.returncode, out, err, memory_bytes, seconds)


def _answer(code: int, out: bytes, err: bytes, memory_bytes: int, seconds: float) -> Frames:
    """The child's frames, or what went wrong in words."""
    memory = f"the reader ran out of memory (its limit is {memory_bytes >> 20} MB)"
    if code < 0:
        sig = -code
        if sig == signal.SIGXCPU:
            raise ReaderFailed(f"could not be read: the reader took longer than {seconds:g} s")
        if sig == signal.SIGABRT and b"memory allocation" in err:
            raise ReaderFailed(f"could not be read: {memory}")
        raise ReaderFailed(f"could not be read: the reader crashed ({signal.Signals(sig).name})")
    try:
        answer = json.loads(out, object_hook=_decode)
    except ValueError:
        raise ReaderFailed(f"could not be read: the reader stopped without an answer (exit {code})") from None
    if "error" in answer:
        if answer["error"] == "memory":
            raise ReaderFailed(f"could not be read: {memory}")
        raise ReaderFailed(f"cannot be read as a spreadsheet ({answer['error']})")
    return answer["sheets"]


# Values across the pipe: JSON has no dates, so they travel tagged ---------------------------

_TYPES = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def _encode(value: object) -> dict[str, Any]:
    if isinstance(value, dt.timedelta):
        return {"$": "timedelta", "v": value.total_seconds()}
    for tag, kind in _TYPES.items():  # datetime before date: a datetime is a date
        if isinstance(value, kind):
            return {"$": tag, "v": value.isoformat()}
    return {"$": "text", "v": str(value)}


def _decode(obj: dict[str, Any]) -> object:
    tag = obj.get("$")
    if tag is None or not isinstance(obj.get("v"), str | float | int):
        return obj
    if tag == "timedelta":
        return dt.timedelta(seconds=obj["v"])
    if tag in _TYPES:
        return _TYPES[tag].fromisoformat(obj["v"])
    return obj["v"]


# The child --------------------------------------------------------------------------------


def _limit_self(memory_bytes: int, seconds: float) -> None:
    """Limits the child sets on itself before it reads a byte: address space, CPU time (a
    backstop should the parent die), no core dump and no file written."""
    # Lazy: only the child needs it (and it exists only on POSIX).
    import resource

    cpu = int(seconds) + 2
    for which, value in (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 0),
    ):
        resource.setrlimit(which, (value, value))


def _key(value: object) -> str:
    return " ".join(str(value).split()).lower()


def _chosen(data: bytes, request: dict[str, Any]) -> Frames:
    """The release parser's sheet choice (:class:`SheetChoice`), on calamine's sheets."""
    # Lazy: the parent never loads calamine; the child loads it under its limits.
    from python_calamine import CalamineWorkbook

    probe = request["probe_rows"]
    header_names, skip_names = set(request["header_names"]), set(request["skip_names"])
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets: Frames = {}
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        head = sheet.to_python(nrows=probe)
        header = next(
            (row for row in head if any(isinstance(v, str) and _key(v) in header_names for v in row)), None
        )
        if header is None:
            sheets[name] = head
        elif not any(_key(v) in skip_names for v in header):
            sheets[name] = sheet.to_python() if len(head) >= probe else head
    return sheets


def _child() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    request = json.loads(stdin.readline())
    _limit_self(request["memory_bytes"], request["seconds"])
    try:
        data = stdin.read()
        answer = json.dumps({"sheets": _chosen(data, request)}, default=_encode).encode()
        if len(answer) > request["max_result"]:
            answer = json.dumps({"error": "too much data in the chosen sheets"}).encode()
    except MemoryError:
        answer = b'{"error": "memory"}'
    except Exception as exc:  # noqa: BLE001 - any reader failure is a file that cannot be read
        answer = json.dumps({"error": f"{type(exc).__name__}: {str(exc)[:300]}"}).encode()
    stdout.write(answer)
    stdout.flush()


if __name__ == "__main__":
    _child()
