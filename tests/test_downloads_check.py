"""`oversight download --check` checks the files the app reads, not only the raw downloads.

The app draws ``boundaries/utla_YYYY.geojson``, normalised from ``raw/boundaries/utla_YYYY.geojson``.
A raw file that still matches its first-use checksum says nothing about a normalised file edited
afterwards, so ``--check`` normalises the raw file again (outside the data directory) and compares.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oversight import cli
from oversight.data.downloads import fetch
from oversight.data.downloads.checksums import CHECKSUMS_NAME
from tests.test_downloads_fetch import BOUNDARY_2023, fake_ons_raw

RAW = f"raw/{BOUNDARY_2023}"


@pytest.fixture
def downloaded(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory with the 2023 boundaries as `oversight download` leaves them: raw, recorded, normalised."""
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)
    dest = tmp_path / "data"
    fake_ons_raw(data_dir / BOUNDARY_2023, dest / RAW)
    [result] = fetch.fetch(dest, only=[BOUNDARY_2023])  # the raw file is there: recorded, then normalised
    assert result.ok and (dest / BOUNDARY_2023).is_file() and RAW in (dest / CHECKSUMS_NAME).read_text()
    return dest


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check(dest: Path, capsys) -> tuple[int, str]:
    code = cli.main(["download", "--data-dir", str(dest), "--check", "--only", BOUNDARY_2023])
    return code, capsys.readouterr().out


def test_untouched_boundaries_are_ok(downloaded: Path, capsys):
    code, out = check(downloaded, capsys)
    assert code == 0 and out.startswith(f"ok        {BOUNDARY_2023}  sha256 ok (first use)")
    assert "normalised file matches its raw download" in out


def test_a_tampered_normalised_file_is_a_mismatch(downloaded: Path, capsys):
    target = downloaded / BOUNDARY_2023
    collection = json.loads(target.read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["name"] = "Somewhere else"  # raw file untouched
    target.write_text(json.dumps(collection), encoding="utf-8")
    before = snapshot_of(downloaded)

    code, out = check(downloaded, capsys)

    assert code == 1
    assert out.startswith(f"mismatch  {BOUNDARY_2023}  expected ")
    assert "the file the app reads was changed" in out and f"oversight download --only {BOUNDARY_2023}" in out
    [status] = fetch.status(downloaded, only=[BOUNDARY_2023])
    assert status.state == fetch.ST_MISMATCH and status.path == target and status.actual != status.expected
    assert snapshot_of(downloaded) == before, "--check writes nothing in the data directory"

    # Remade from its raw file, as the note says, the file checks out again.
    target.unlink()
    assert fetch.fetch(downloaded, only=[BOUNDARY_2023])[0].ok
    assert check(downloaded, capsys)[0] == 0


def test_a_damaged_normalised_file_is_a_mismatch_even_before_a_checksum_is_recorded(downloaded: Path, capsys):
    (downloaded / CHECKSUMS_NAME).unlink()  # raw file present, nothing recorded yet: "present"
    assert check(downloaded, capsys)[1].startswith(f"present   {BOUNDARY_2023}  no checksum known yet")
    (downloaded / BOUNDARY_2023).write_bytes(b"{")
    code, out = check(downloaded, capsys)
    assert code == 1 and out.startswith(f"mismatch  {BOUNDARY_2023}")


def test_a_raw_file_that_no_longer_normalises_is_a_mismatch(downloaded: Path, capsys):
    (downloaded / CHECKSUMS_NAME).unlink()
    (downloaded / RAW).write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    code, out = check(downloaded, capsys)
    assert code == 1 and "raw file no longer normalises" in out
