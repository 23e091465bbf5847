"""Every ``oversight`` command used wrongly: a non-zero exit, one clear line on standard error, and
never a traceback (issue 22: ``board-pack`` usage errors sometimes ended in ``OSError … 'Default'``,
Chromium's profile folder removed under the browser the command had started early).

Each case runs the command in a subprocess from this checkout, as a person would, so nothing
pytest does can hide what the process prints as it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from oversight.data import bootstrap

ROOT = Path(__file__).resolve().parents[1]

#: (argv, expected exit code); ``{db}`` is a seeded SQLite URL, ``{tmp}`` a scratch folder.
CASES: list[tuple[tuple[str, ...], int]] = [
    ((), 2),
    (("no-such-command",), 2),
    (("import",), 2),
    (("import", "{tmp}/missing.ods", "--database", "{db}"), 1),
    (("snapshot",), 2),
    (("snapshot", "--as-at", "2024-02-30"), 2),
    (("snapshot", "--as-at", "2024-01-01", "--region", "E99999999"), 2),
    (("spells", "--region", "North West"), 2),
    (("spells", "--framework", "ofsted"), 2),
    (("authority",), 2),
    (("authority", "E99999999", "--database", "{db}"), 1),
    (("deadlines",), 2),
    (("deadlines", "--published", "17/05/2018"), 2),
    (("tracker",), 2),
    (("tracker", "export", "--out", "{tmp}/a-file/inside.csv", "--database", "{db}"), 1),
    (("tracker", "verify", "--expect"), 2),
    (("tracker", "gaps", "--json", "--csv"), 2),
    (("db",), 2),
    (("db", "downgrade"), 2),
    (("changes",), 2),
    (("changes", "--since", "2024-13-01"), 2),
    (("changes", "--since", "2024-05-01", "--until", "2024-01-01", "--database", "{db}"), 2),
    (("board-pack",), 2),
    (("board-pack", "--out", "{tmp}/p.pdf"), 2),
    (("board-pack", "--as-at", "2024-02-30", "--out", "{tmp}/p.pdf"), 2),
    (("board-pack", "--as-at", "2024-01-01", "--region", "E99999999", "--out", "{tmp}/p.pdf"), 2),
    (("board-pack", "--as-at", "2024-01-01", "--out", "{tmp}/p.docx", "--database", "{db}"), 1),
    (("board-pack", "--as-at", "2024-01-01", "--out", "{tmp}/a-file/p.pdf", "--database", "{db}"), 1),
    (("board-pack", "--as-at", "2024-01-01", "--out", "{tmp}", "--database", "{db}"), 1),
    (
        (
            "board-pack",
            "--as-at",
            "2024-01-01",
            "--authority",
            "E99999999",
            "--out",
            "{tmp}/p.pdf",
            "--database",
            "{db}",
            "--quiet",
        ),
        1,
    ),
    (("board-pack", "--as-at", "2024-01-01", "--since", "2024-06-01", "--out", "{tmp}/p.pdf"), 1),
    (("download", "--only", "no-such-file", "--data-dir", "{tmp}/data"), 2),
    (("refresh", "--mirror"), 2),
    (("harvest", "--since", "yesterday"), 2),
    (("serve", "--processes", "0"), 2),
    (("serve", "--key", "{tmp}/serve.key"), 2),
    (("serve", "--cert", "{tmp}/no-such.pem", "--key", "{tmp}/no-such.key"), 2),
    (("bundle",), 2),
    (("bundle", "build", "--from", "{tmp}/no-such-folder", "--out", "{tmp}/bundle"), 1),
    (("users",), 2),
    (("users", "grant", "someone@example.org"), 2),
    (("users", "grant", "someone@example.org", "emperor", "--database", "{db}"), 2),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("usage")
    (tmp / "a-file").write_text("not a folder", encoding="utf-8")
    url = f"sqlite:///{tmp / 'seeded.sqlite'}"
    bootstrap.ready_engine(url)
    bootstrap.forget(url)
    yield {"db": url, "tmp": str(tmp)}


def _run(argv: tuple[str, ...], places: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OVERSIGHT_DATABASE_URL", "OVERSIGHT_DEBUG")}
    env["OVERSIGHT_DATABASE_URL"] = places["db"]  # a command without --database touches no real file
    args = [a.format(**places) for a in argv]
    return subprocess.run(
        [sys.executable, "-m", "oversight.cli", *args],
        cwd=ROOT,  # this checkout's code
        env={**env, "OVERSIGHT_BUNDLE": "off"},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_every_command_used_wrongly_says_so_in_one_line(places: dict[str, str]):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda case: _run(case[0], places), CASES))
    problems = []
    for (argv, code), result in zip(CASES, results, strict=True):
        # A command that writes names its database first (README: "every command that writes").
        lines = [ln for ln in result.stderr.splitlines() if not ln.startswith("Database: ")]
        said = f"oversight {' '.join(argv)} -> {result.returncode}: {result.stderr!r}"
        if result.returncode != code:
            problems.append(f"exit {result.returncode}, expected {code}: {said}")
        if "Traceback" in result.stderr + result.stdout or "Exception ignored" in result.stderr:
            problems.append(f"a traceback: {said}")
        elif len(lines) != 1 or not lines[0].strip():
            problems.append(f"not one line: {said}")
    assert not problems, "\n".join(problems)


def test_a_usage_error_names_the_command_and_its_help(places: dict[str, str]):
    result = _run(("board-pack", "--as-at", "2024-02-30", "--out", "{tmp}/p.pdf"), places)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "oversight board-pack: error: argument --as-at: not a date (YYYY-MM-DD): '2024-02-30' "
        "(see oversight board-pack --help)\n"
    )


@pytest.mark.parametrize("after_s", [0.0, 0.8, 1.6])
def test_a_usage_error_while_the_browser_starts_leaves_no_traceback(after_s: float):
    """The race itself: the browser ``cli.main`` starts early is still opening, or has just written
    its profile, when the usage error ends the process."""
    code = (
        "import sys, time\n"
        "from oversight.cli import _stop_early\n"
        "from oversight.components.figures.export import start_renderer\n"
        f"start_renderer(); time.sleep({after_s})\n"
        "try:\n    sys.exit(2)\nexcept SystemExit:\n    _stop_early(); raise\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and result.stderr == "", result.stderr
