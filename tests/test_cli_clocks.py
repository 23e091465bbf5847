"""``oversight authority``: the open spell's clocks judged on a day (default today), in words."""

from __future__ import annotations

import json

from oversight import cli


def test_authority_prints_its_clocks_in_words(capsys, loaded_sqlite_url):
    code = cli.main(["authority", "E06000005", "--as-at", "2017-06-30", "--database", loaded_sqlite_url])
    out = capsys.readouterr().out
    assert code == 0
    assert "Clocks of the open inadequate spell as at 2017-06-30" in out
    # The tracker's visit of 1 August 2016 came after the first visit's deadline: missed, not "Passed".
    assert "First monitoring visit by: missed (happened 1 August 2016, 145 working days late)" in out
    assert (
        "Next quarterly monitoring visit: not in the data: none in the tracker; "
        "Ofsted's lists of monitoring visits start on 20 April 2021"
    ) in out
    assert "Re-inspection expected by: due 8 December 2017 (in 161 days)" in out
    assert "Passed" not in out and "Ahead" not in out


def test_a_ceased_council_has_no_clocks_and_json_says_why(capsys, loaded_sqlite_url):
    argv = ["authority", "E10000021", "--as-at", "2024-06-30", "--json", "--database", loaded_sqlite_url]
    assert cli.main(argv) == 0
    clocks = json.loads(capsys.readouterr().out)["clocks"]
    assert clocks["items"] == [] and clocks["as_at"] == "2024-06-30"
    assert clocks["ceased"].startswith("Northamptonshire ceased on 31 March 2021; ")
