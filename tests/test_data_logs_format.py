"""The server's log line (``data/logs``): key=value or JSON, one line whatever a value holds, so
nothing from outside (a claimed email, a file's name) can forge a field or a line."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest

from oversight.data import logs
from tests.conftest import ROOT

#: One field of a key=value line: a bare token, or a JSON string.
FIELD = re.compile(r'([a-z][a-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^\s"=]+)(?: |$)')

HOSTILE = [
    "a@b.gov.uk\nts=2026-01-01 action=approve actor=admin@x outcome=ok",
    'evil" actor=admin@example.org outcome=ok x="',
    "actor=admin@example.org",
    "a@b\r\x1b[2Jcleared\x9b31m",
    "a\u202e@b.gov.uk",  # a right-to-left override
    "x\u2028y\u2029z\x85w\x7f",  # line and paragraph separators, NEL, DEL
    "back\\slash\\",
]


def parse(text: str) -> dict[str, str]:
    """A key=value line back into its fields; fails unless the whole line is fields."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = FIELD.match(text, pos)
        assert match, f"not a field at {pos}: {text[pos:]!r}"
        key, raw = match.groups()
        assert key not in fields, f"{key} given twice in {text!r}"
        fields[key] = json.loads(raw) if raw.startswith('"') else raw
        pos = match.end()
    return fields


@pytest.fixture
def caught(caplog):
    caplog.set_level(logging.INFO, logger=logs.LOGGER)
    return caplog


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_stays_one_field_of_one_line(caught, value):
    logs.record("sign_in", logs.REFUSED, error="IdentityRefused", actor=value)
    [message] = [r.getMessage() for r in caught.records]
    assert "\n" not in message and "\r" not in message
    assert message.isascii() and message.isprintable()
    fields = parse(message)
    assert list(fields) == ["action", "actor", "outcome", "error"]
    assert fields["actor"] == value, "the value reads back exactly as it was given"
    assert fields["outcome"] == "refused"


@pytest.mark.parametrize("value", HOSTILE)
def test_the_handler_writes_one_line_in_either_format(value):
    """What reaches the service's log: one line per record, in key=value or JSON."""
    for kind in ("kv", "json"):
        out = io.StringIO()
        logger = logging.getLogger(f"oversight.test_{kind}")
        logger.addHandler(logs.handler(kind, out))
        logger.setLevel(logging.INFO)
        try:
            logger.info(
                logs.line({"action": "upload", "actor": value}),
                extra={logs.FIELDS_ATTR: {"action": "upload", "actor": value, "rows": 3}},
            )
            logger.warning("a message quoting outside text: %s", value)
        finally:
            logger.handlers.clear()
        lines = out.getvalue().splitlines()
        assert len(lines) == 2 and all(line.isascii() and line.isprintable() for line in lines)
        if kind == "json":
            action, warning = (json.loads(line) for line in lines)
        else:
            action, warning = (parse(line) for line in lines)
            action["rows"] = int(action["rows"])
        assert action["actor"] == value and action["rows"] == 3 and action["level"] == "info"
        assert action["app"] == "oversight" and action["ts"].endswith("Z")
        assert warning["msg"].endswith(value) and warning["logger"] == f"oversight.test_{kind}"


def test_a_traceback_is_one_field_of_one_line():
    out = io.StringIO()
    logger = logging.getLogger("oversight.test_traceback")
    logger.addHandler(logs.handler("kv", out))
    try:
        try:
            raise RuntimeError("boom\nts=forged")
        except RuntimeError:
            logger.exception("an action failed")
    finally:
        logger.handlers.clear()
    [line] = out.getvalue().splitlines()
    fields = parse(line)
    assert fields["level"] == "error" and fields["msg"] == "an action failed"
    assert fields["exc"].startswith("Traceback") and "RuntimeError: boom\nts=forged" in fields["exc"]


def test_the_block_times_the_action_and_names_a_refusal_by_its_class_only(caught):
    with logs.action("approve", change=42, authority=None, actor="a@b.gov.uk") as noted:
        noted["authority"] = "E08000025"
    with pytest.raises(PermissionError), logs.action("reject", refusals=(PermissionError,), change=7):
        raise PermissionError("Rita Reviewer may not review changes: a name and words")
    with pytest.raises(KeyError), logs.action("import", refusals=(PermissionError,)):
        raise KeyError("secret")
    approve, reject, failed = (parse(r.getMessage()) for r in caught.records)
    assert list(approve) == ["action", "change", "authority", "actor", "outcome", "ms"]
    assert approve["authority"] == "E08000025" and int(approve["ms"]) >= 0
    assert (reject["outcome"], reject["error"]) == ("refused", "PermissionError")
    assert (failed["outcome"], failed["error"]) == ("failed", "KeyError")
    assert not any("Rita" in r.getMessage() or "secret" in r.getMessage() for r in caught.records)


def test_long_values_are_cut_and_field_names_are_the_codes_own(caught):
    logs.record("upload", actor="x" * 1000)
    [message] = [r.getMessage() for r in caught.records]
    assert len(parse(message)["actor"]) == logs.MAX_VALUE
    with pytest.raises(ValueError, match="not a log field name"):
        logs.line({"actor=x": 1})


def test_nothing_is_made_when_nobody_listens(caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger=logs.LOGGER)
    made = []
    monkeypatch.setattr(logs, "line", lambda fields: made.append(fields) or "")
    logs.record("approve", change=1)
    assert made == [] and not caplog.records


def test_configure_leaves_a_host_that_logs_alone(monkeypatch):
    """A process with a root handler (a host that configured logging; pytest's capture) keeps it:
    no second handler, so no line twice. The format comes from OVERSIGHT_LOG."""
    app = logging.getLogger("oversight")
    before = list(app.handlers)
    assert logging.getLogger().handlers, "pytest's capture is a root handler"
    monkeypatch.setattr(logs, "_configured", False)
    logs.configure("kv")
    assert app.handlers == before
    monkeypatch.setenv(logs.FORMAT_ENV, "JSON")
    assert logs.chosen("off") == "json"
    monkeypatch.setenv(logs.FORMAT_ENV, "verbose")
    assert logs.chosen("off") == "kv"
    monkeypatch.delenv(logs.FORMAT_ENV)
    assert logs.chosen("off") == "off" and logs.chosen("kv") == "kv"


SCRIPT = """
import logging, threading
from oversight.data import logs
threads = [threading.Thread(target=logs.configure, args=("kv",)) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
logs.record("approve", change=1, actor="a@b.gov.uk")
logging.getLogger("oversight.app").warning("a warning")
"""


@pytest.mark.parametrize(("asked", "kind"), [(None, "kv"), ("json", "json"), ("off", None)])
def test_a_process_that_configures_nothing_itself_gets_one_handler(asked, kind):
    """As the app's process: eight sessions' first runs at once make one handler, so one line each."""
    env = {k: v for k, v in os.environ.items() if k != logs.FORMAT_ENV}
    if asked:
        env[logs.FORMAT_ENV] = asked
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    lines = done.stderr.splitlines()
    if kind is None:  # no action line; a warning still reaches standard error, as Python's default
        assert lines == ["a warning"]
        return
    action, warning = (json.loads(x) if kind == "json" else parse(x) for x in lines)
    assert (action["action"], action["actor"], action["outcome"]) == ("approve", "a@b.gov.uk", "ok")
    assert (warning["level"], warning["msg"], warning["logger"]) == ("warning", "a warning", "oversight.app")
