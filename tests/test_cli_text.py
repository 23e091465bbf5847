"""Outside text on the command line: a tracker's words reach the terminal without control
characters (no escape sequence from a CSV can rewrite the screen)."""

from __future__ import annotations

from oversight import cli
from tests import hostile_data as hd


def test_authority_prints_tracker_text_without_control_characters(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    row = {**hd.ROWS[1], "title": "\x1b[2J\x1b]0;pwned\x07Board met\x9b31m", "source_title": "A\rB\nC"}
    assert cli.main(["import", str(hd.write_tracker(tmp_path, [row], name="t.csv")), "--database", url]) == 0
    capsys.readouterr()
    assert cli.main(["authority", hd.CODE, "--database", url]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "Board met" in line)
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in out.replace("\n", ""))
    assert "[2J ]0;pwned Board met 31m" in line and "[A B C]" in line
