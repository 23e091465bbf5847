"""The What changed page (issue 12) and the presentation's digest slide, without a browser.

The issue's cases: the West Midlands from 1 January to 17 May 2018 on a fresh seeded database lists
Birmingham's and Sandwell's moves to alternative delivery, each line linked to its authority's page
and its source; England since 1 April 2026 with the community scrape imported has the 2026
framework's "no overall grade" and derived inadequate judgements. Bad dates in the link fall back
with a note; the CSV download is offered; the two maps outline the changed authorities.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.safe_text import markdown
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from tests import hostile_data as hd
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGE = "ui/changes_page.py"
WEST_MIDLANDS = "E12000005"
TRUSTS = {"Birmingham": "E08000025", "Sandwell": "E08000028"}


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory) -> str:
    """A fresh database: the register and the seed tracker only."""
    url = f"sqlite:///{tmp_path_factory.mktemp('changes') / 'seeded.sqlite'}"
    bootstrap.ready_engine(url)
    return url


@pytest.fixture(scope="module")
def scraped_url(tmp_path_factory, release_paths, data_dir) -> str:
    """The releases and the community scrape imported."""
    url = f"sqlite:///{tmp_path_factory.mktemp('changes') / 'scraped.sqlite'}"
    import_paths(
        bootstrap.ready_engine(url), [*release_paths, data_dir / "community" / "ofsted_csc_ilacs_history.csv"]
    )
    return url


@pytest.fixture
def app(monkeypatch, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(url: str, page: str | None = PAGE, **params: str) -> AppTest:
        monkeypatch.setenv("OVERSIGHT_DATABASE_URL", url)
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def _group(at: AppTest, label: str) -> str:
    """The list under a group's heading."""
    values = [m.value for m in at.markdown]
    start = next(i for i, v in enumerate(values) if v.startswith(f"### {label} ("))
    return values[start + 1]


def test_west_midlands_trusts_of_april_2018_with_links(app, seeded_url):
    at = app(seeded_url, region=WEST_MIDLANDS, since="2018-01-01", until="2018-05-17")
    assert [t.value for t in at.title] == ["What changed"]
    assert at.date_input(key="changes_since").value == dt.date(2018, 1, 1)
    assert at.date_input(key="changes_until").value == dt.date(2018, 5, 17)
    summary = at.markdown[0].value
    assert summary.startswith("**4 changes** in West Midlands from 1 January 2018 to 17 May 2018: ")
    # The researched history adds Sandwell's direction of March 2018 (its commissioner gone).
    assert "Interventions revised\\: 3" in summary
    revised = [ln for ln in _group(at, "Interventions revised").splitlines() if "alternative delivery" in ln]
    assert len(revised) == 2
    for item, (name, code) in zip(revised, sorted(TRUSTS.items()), strict=True):
        assert item.startswith(
            f"- **1 April 2018** · [{name} \\({code}\\)](/authority?la={code}&as_at=2018-04-01)"
        )
        assert f"Moved to alternative delivery\\: {name} Children's Trust" in item
        assert re.search(r"source: \[[^\]]+\]\(https://", item), item
    # Every line links to its source (the seed tracker's facts all have a web address).
    items = [ln for m in at.markdown for ln in m.value.splitlines() if ln.startswith("- **")]
    assert len(items) == 4 and all(re.search(r"source: \[[^\]]+\]\(https?://", ln) for ln in items)
    assert "Nothing recorded" in _texts(at) and "Tracker events" in _texts(at)
    assert "Download the list as CSV" in [b.label for b in at.get("download_button")]
    assert at.query_params["since"] in ("2018-01-01", ["2018-01-01"])


def test_the_maps_outline_the_changed_authorities(app, seeded_url):
    at = app(seeded_url, region=WEST_MIDLANDS, since="2018-01-01", until="2018-05-17")
    maps = [json.loads(c.proto.json) for c in at.get("bidi_component")]
    assert len(maps) == 2
    assert "as at 1 January 2018" in maps[0] and "as at 17 May 2018" in maps[1]
    for markup in maps:
        assert "Changed in the window: heavy outline (3)</li>" in markup and 'role="img"' in markup


@pytest.mark.parametrize(
    ("params", "note", "since", "until"),
    [
        ({"since": "not-a-date", "until": "2018-05-17"}, "is not a date", "2018-03-22", "2018-05-17"),
        ({"since": "2018-01-01", "until": "17/05/2018"}, "is not a date", "2018-01-01", None),
        ({"since": "1999-01-01", "until": "2018-05-17"}, "outside the data", "2018-03-22", "2018-05-17"),
        (
            {"since": "2018-06-01", "until": "2018-05-17"},
            "is after its until date",
            "2018-03-22",
            "2018-05-17",
        ),
    ],
)
def test_bad_dates_fall_back_with_a_note(app, seeded_url, params, note, since, until):
    at = app(seeded_url, **params)
    assert any(note in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.date_input(key="changes_since").value == dt.date.fromisoformat(since)
    if until:
        assert at.date_input(key="changes_until").value == dt.date.fromisoformat(until)


def test_defaults_are_eight_weeks_to_the_newest_data(app, seeded_url):
    at = app(seeded_url)
    until = at.date_input(key="changes_until").value
    assert until == dt.date(2018, 5, 1)  # the seed's newest publication
    assert at.date_input(key="changes_since").value == until - dt.timedelta(weeks=8)
    assert not [w.value for w in at.warning if "link" in w.value]


def test_england_since_the_2026_framework(app, scraped_url):
    at = app(scraped_url, since="2026-04-01")
    assert at.date_input(key="changes_until").value == dt.date(2026, 8, 20)
    judged = _group(at, "New full judgements")
    no_grade = [ln for ln in judged.splitlines() if "No overall grade \\(2026 framework; was" in ln]
    assert len(no_grade) == 10
    assert all("area judgements: Impact of leaders\\:" in ln for ln in no_grade)
    (trafford,) = [ln for ln in judged.splitlines() if "[Trafford" in ln]
    assert (
        "Judged inadequate \\(derived from area judgements; was requires improvement to be good\\)"
        in trafford
    )
    assert "Help and protection\\: Inadequate" in trafford and "(https://files.ofsted.gov.uk/" in trafford
    assert "[Trafford" in _group(at, "Inadequate spells started")


def test_the_presentation_has_a_digest_slide(app, seeded_url):
    at = app(seeded_url, page=None, present="1", region=WEST_MIDLANDS, as_at="2018-05-17", since="2018-01-01")
    at.button(key="present_next").click().run()
    assert [t.value for t in at.title] == ["Since the last meeting: 1 January 2018 to 17 May 2018"]
    assert "2 of 4" in _texts(at)
    table = at.table[0].value
    assert set(TRUSTS) <= set(table["Authority"])
    assert "**3** · Interventions revised" in _texts(at)


def test_outside_text_is_text_and_links_go_only_to_the_app_and_the_web(app, loaded_sqlite_url, tmp_path):
    url = hd.hostile_store(loaded_sqlite_url, tmp_path)
    at = app(url, since="2024-01-01", until="2024-06-30")
    bodies = [e.value for kind in (at.markdown, at.caption, at.warning) for e in kind]
    text = "\n".join(bodies)
    assert "[Darlington \\(E06000005\\)](/authority?la=E06000005&as_at=2024-02-01)" in text
    targets = re.findall(r"(?<!\\)\]\(([^)]*)\)", text)
    assert targets and all(t.startswith(("/authority?", "https://", "http://")) for t in targets), targets
    assert "https://evil.example" not in " ".join(targets)
    for raw in (hd.LINK, hd.TAGS, hd.SCRIPT, hd.IMG_TAG):
        assert raw not in text  # only ever escaped
    assert markdown(hd.TITLE.split(" <b>")[0]) in text


def test_the_board_pack_dialog_starts_from_the_pages_since(app, seeded_url):
    at = app(seeded_url, region=WEST_MIDLANDS, since="2018-01-01", until="2018-05-17")
    at.button(key="pack_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (since,) = [d for d in at.date_input if d.label == "Last meeting (what changed since)"]
    assert since.value == dt.date(2018, 1, 1)


KNOWSLEY_NOTICE = (
    "record,authority_code,date,date_precision,level,title,source_url,source_title,source_publisher\n"
    "intervention,E08000011,2025-04-15,day,improvement_notice,Improvement notice,"
    "https://www.gov.uk/government/publications/knowsley-improvement-notice,"
    "Knowsley: improvement notice,Department for Education\n"
)


def test_a_notice_recorded_today_is_listed_as_newly_recorded(app, tmp_path):
    """Issue 21: "0 changes · Knowsley" minutes after a notice dated 2025 was recorded. The page's
    default window reaches the newest data, so it reaches today for what was recorded."""
    url = f"sqlite:///{tmp_path / 'knowsley.sqlite'}"
    path = tmp_path / "knowsley.csv"
    path.write_text(KNOWSLEY_NOTICE, encoding="utf-8")
    import_paths(bootstrap.ready_engine(url), [path])
    at = app(url)
    assert at.date_input(key="changes_until").value == dt.date(2018, 5, 1)  # the newest data
    (line,) = _group(at, "Newly recorded (whatever their own date)").splitlines()
    today = dt.date.today()
    assert line.startswith(
        f"- **{today.day} {today:%B %Y}** · [Knowsley \\(E08000011\\)](/authority?la=E08000011&as_at={today})"
    )
    words = "Newly recorded: improvement notice, dated 15 April 2025 (imported from knowsley.csv)"
    assert markdown(words) in line
    assert (
        "source: [Knowsley\\: improvement notice]"
        "(https://www.gov.uk/government/publications/knowsley-improvement-notice)" in line
    )
    assert markdown("Newly recorded: facts entered from 6 March 2018 to") in _texts(at)
