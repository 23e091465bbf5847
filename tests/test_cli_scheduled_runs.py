"""The scheduled refresh and backup of ``deploy/``: the unit files and cron lines as written, run.

Each systemd unit is read as systemd reads it (``configparser``, ``strict=False``,
``interpolation=None``), its ``ExecStart`` expanded as systemd expands it (``${NAME}`` from the
EnvironmentFile, ``$$`` and ``%%`` unescaped) and run as a process; each cron line is run by
``sh`` as cron runs it (``\\%`` unescaped). Only the install's paths are swapped for the test's:
``/srv/oversight/.venv/bin/oversight`` for this interpreter's ``oversight`` (with this checkout
first on ``PYTHONPATH``), ``/etc/oversight/oversight.env`` for an env file holding the example's
names with the test's values, the log folder for a temporary one.

No internet: the mirror is a local HTTP server (``tests/test_downloads_fetch.serve_folder``), as in
``tests/test_cli_refresh.py``. Its registry's 2026 release has no shared copy, so the process reads
a registry of four of the real entries: a ``sitecustomize`` on ``PYTHONPATH`` points
``registry.REGISTRY_PATH`` at it (the command line itself is untouched).
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight.data import bootstrap
from oversight.data.downloads import registry
from oversight.data.store import backup as store_backup
from tests.conftest import dump
from tests.test_downloads_fetch import LA_2024, LOOKUP, SCRAPE, Mirror, serve_folder, write_registry

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTALLED = "/srv/oversight/.venv/bin/oversight"
ENV_FILE = "/etc/oversight/oversight.env"
NEIGHBOURS_2025 = "reference/sn_model_2025_wide.csv"
SERVED = (LA_2024, NEIGHBOURS_2025, SCRAPE, LOOKUP)
SUMMARY = re.compile(r"^oversight refresh: ok, (\d+) of (\d+) files imported in \d+\.\d s$")
NOTHING_NEW = re.compile(
    r"^oversight refresh: ok, nothing new: all (\d+) files already imported \(\d+\.\d s\)$"
)


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "systemd" / "oversight.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            assert name == name.strip() and re.fullmatch(r"[A-Z_]+", name), line
            pairs[name] = value
    return pairs


def systemd_expand(command: str, env: dict[str, str]) -> list[str]:
    """An ``ExecStart`` line as systemd runs it: ``${NAME}`` replaced, ``$$`` and ``%%`` unescaped."""
    expanded = re.sub(r"(?<!\$)\$\{([A-Za-z_]+)\}", lambda m: env[m.group(1)], command)
    return shlex.split(expanded.replace("$$", "$").replace("%%", "%"))


def cron_job(name: str) -> tuple[list[str], str, str]:
    """A cron.d file's one job: its five time fields, its user, its command."""
    jobs = [
        line
        for line in (DEPLOY / "cron" / name).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^[A-Z_]+=", line)
    ]
    assert len(jobs) == 1, jobs
    fields = jobs[0].split(None, 6)
    return fields[:5], fields[5], fields[6]


class Host:
    """The test's stand-in for the server: an env file, a work folder, a log folder, a database."""

    def __init__(self, tmp: Path, database_url: str, mirror: Mirror, data_dir: Path) -> None:
        self.tmp, self.url, self.mirror = tmp, database_url, mirror
        self.data = tmp / "data"
        self.work = tmp / "srv"
        self.logs = tmp / "log"
        self.backups = tmp / "backups"
        for folder in (self.work, self.logs):
            folder.mkdir()
        values = {
            "OVERSIGHT_DATABASE_URL": database_url,
            "OVERSIGHT_DATA_DIR": str(self.data),
            "OVERSIGHT_DOWNLOAD_MIRROR": mirror.url,
            "OVERSIGHT_BACKUP_DIR": str(self.backups),
            "OVERSIGHT_BACKUP_KEEP_DAYS": "14",
        }
        assert set(env_example()) | {"OVERSIGHT_DOWNLOAD_MIRROR"} == set(values), "the example's names"
        self.env = values
        self.env_file = tmp / "oversight.env"
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
        # The registry the process reads: four real entries (the 2026 release has no shared copy).
        hook = tmp / "hook"
        hook.mkdir()
        entries = [e for e in registry.load_registry() if e.target in SERVED]
        write_registry(entries, hook / "downloads.csv")
        (hook / "sitecustomize.py").write_text(
            "from pathlib import Path\n"
            "from oversight.data.downloads import registry\n"
            f"registry.REGISTRY_PATH = Path({str(hook / 'downloads.csv')!r})\n",
            encoding="utf-8",
        )
        self.process_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")},
            "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}",
            "OVERSIGHT_BUNDLE": "off",
        }
        for target in SERVED:
            mirror.put(target, data_dir / target)

    def installed(self, text: str) -> str:
        """The install's paths in a command line, swapped for the test's (longest first)."""
        oversight = str(Path(sys.executable).parent / "oversight")
        for path, ours in (
            (INSTALLED, oversight),
            (ENV_FILE, str(self.env_file)),
            ("/var/log/oversight", str(self.logs)),
            ("/srv/oversight", str(self.work)),
        ):
            text = text.replace(path, ours)
        return text

    def run_unit(self, name: str, key: str = "ExecStart") -> subprocess.CompletedProcess[str]:
        """The unit's command line run as systemd would: its env file's values, its working folder."""
        service = unit(name)["Service"]
        assert service["EnvironmentFile"].lstrip("-") == ENV_FILE
        argv = systemd_expand(self.installed(service[key]), self.env)
        cwd = self.installed(service["WorkingDirectory"])
        return subprocess.run(
            argv, cwd=cwd, env={**self.process_env, **self.env}, capture_output=True, text=True, timeout=600
        )

    def run_cron(self, name: str) -> subprocess.CompletedProcess[str]:
        """The cron line's command run by sh, as cron runs it (with none of the settings set)."""
        command = self.installed(cron_job(name)[2]).replace("\\%", "%")
        return subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=self.tmp,
            env=self.process_env,
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture
def host(tmp_path: Path, data_dir: Path) -> Iterator[Host]:
    url = f"sqlite:///{tmp_path / 'oversight.sqlite'}"
    with serve_folder(tmp_path / "mirror") as mirror:
        yield Host(tmp_path, url, mirror, data_dir)
    bootstrap.forget(url)


def summary_line(stderr: str) -> str:
    """The run's one line for a monitor."""
    lines = [line for line in stderr.splitlines() if line.startswith("oversight refresh: ")]
    assert len(lines) == 1, stderr
    assert stderr.rstrip().endswith(lines[0]), "the last line of the run"
    assert "Traceback" not in stderr
    return lines[0]


def break_the_scrape(host: Host, data_dir: Path) -> None:
    """The publisher's next scrape names an Ofsted URN nobody knows: the import is refused."""
    text = (data_dir / SCRAPE).read_text(encoding="utf-8")
    (host.mirror.root / SCRAPE).write_text(text.replace("\n80573,", "\n99999,", 1), encoding="utf-8")


# The refresh -----------------------------------------------------------------------------------


def test_the_refresh_units_run_oversight_refresh_with_the_env_files_settings_on_one_schedule():
    service, timer = unit("oversight-refresh.service"), unit("oversight-refresh.timer")
    assert service["Service"]["Type"] == "oneshot"
    argv = shlex.split(service["Service"]["ExecStart"])
    assert argv[0] == INSTALLED and argv[1] == "refresh"
    assert argv[argv.index("--data-dir") + 1] == "${OVERSIGHT_DATA_DIR}"
    assert "--database" not in argv, "the password stays in the environment, off the command line"
    settings = env_example()
    assert {"OVERSIGHT_DATABASE_URL", "OVERSIGHT_DATA_DIR"} <= set(settings)
    assert service["Service"]["WorkingDirectory"] == str(Path(INSTALLED).parents[2])

    on_calendar = timer["Timer"]["OnCalendar"]
    assert timer["Timer"]["Persistent"] == "true" and timer["Install"]["WantedBy"] == "timers.target"
    hour, minute = re.fullmatch(r"\*-\*-\* (\d\d):(\d\d):00", on_calendar).groups()
    fields, user, command = cron_job("oversight-refresh.cron")
    assert fields == [str(int(minute)), str(int(hour)), "*", "*", "*"], "cron runs when the timer does"
    assert user == service["Service"]["User"]
    assert f". {ENV_FILE}" in command and f'{INSTALLED} refresh --data-dir "$OVERSIGHT_DATA_DIR"' in command
    if shutil.which("systemd-analyze"):
        shown = subprocess.run(["systemd-analyze", "calendar", on_calendar], capture_output=True, text=True)
        assert shown.returncode == 0 and f"Normalized form: {on_calendar}" in shown.stdout


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_every_unit(tmp_path: Path):
    oversight = str(Path(sys.executable).parent / "oversight")
    for path in (DEPLOY / "systemd").glob("oversight-*"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8").replace(INSTALLED, oversight))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4
    done = subprocess.run(["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_refresh_service_runs_and_says_each_run_in_one_line_with_its_exit_code(
    host: Host, data_dir: Path
):
    done = host.run_unit("oversight-refresh.service")
    assert done.returncode == 0, done.stderr
    assert SUMMARY.match(summary_line(done.stderr)).groups() == ("3", "3")
    assert f"Database: {host.url}" in done.stderr.splitlines()
    assert f"downloading {LA_2024} from {host.mirror.url}/{LA_2024}" in done.stderr

    again = host.run_unit("oversight-refresh.service")
    assert again.returncode == 0, again.stderr
    assert NOTHING_NEW.match(summary_line(again.stderr)).group(1) == "3"

    before = dump(bootstrap.ready_engine(host.url))
    break_the_scrape(host, data_dir)
    failed = host.run_unit("oversight-refresh.service")
    assert failed.returncode == 1 and failed.stdout == ""
    line = summary_line(failed.stderr)
    assert "column urn: unknown Ofsted URN '99999'" in line
    assert line.endswith(f"nothing was imported; the database is unchanged; the previous {SCRAPE} put back")
    assert dump(bootstrap.ready_engine(host.url)) == before


def test_a_database_out_of_reach_is_the_runs_one_line_too(host: Host):
    host.env["OVERSIGHT_DATABASE_URL"] = "postgresql+psycopg://oversight@127.0.0.1:9/oversight"
    done = host.run_unit("oversight-refresh.service")
    assert done.returncode == 1
    line = summary_line(done.stderr)
    assert "cannot be reached at 127.0.0.1:9" in line
    assert line.endswith(
        f"nothing was imported; the database is unchanged; the new {SCRAPE} removed; the new {LOOKUP} removed"
    )


def test_the_refresh_cron_line_runs_logs_and_mails_one_line_on_failure(host: Host, data_dir: Path):
    done = host.run_cron("oversight-refresh.cron")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", "cron mails nothing"
    log = (host.logs / "refresh.log").read_text(encoding="utf-8")
    assert SUMMARY.match(summary_line(log)).groups() == ("3", "3")

    break_the_scrape(host, data_dir)
    failed = host.run_cron("oversight-refresh.cron")
    assert (
        failed.stdout
        == "oversight refresh failed with exit code 1: see /var/log/oversight/refresh.log\n".replace(
            "/var/log/oversight", str(host.logs)
        )
    )
    runs = (host.logs / "refresh.log").read_text(encoding="utf-8")
    assert [line for line in runs.splitlines() if line.startswith("oversight refresh: ")][-1].endswith(
        f"the previous {SCRAPE} put back"
    )


# The backup ------------------------------------------------------------------------------------


def aged(path: Path, days: int) -> Path:
    path.write_bytes(b"an old backup")
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


@pytest.mark.parametrize("how", ["systemd", "cron"])
def test_the_backup_job_writes_a_dated_restorable_file_and_keeps_n_days(host: Host, how: str):
    bootstrap.ready_engine(host.url)
    host.backups.mkdir()
    old = aged(host.backups / "oversight-20261101T0215Z.backup", 30)
    recent = aged(host.backups / "oversight-20261201T0215Z.backup", 6)
    other = aged(host.backups / "notes.txt", 30)

    if how == "systemd":
        for step in ("ExecStartPre", "ExecStart", "ExecStartPost"):
            done = host.run_unit("oversight-backup.service", step)
            assert done.returncode == 0, done.stderr
            if step == "ExecStart":
                assert re.fullmatch(r"oversight backup: ok, .* in \d+\.\d s\n", done.stderr), done.stderr
    else:
        done = host.run_cron("oversight-backup.cron")
        assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
        assert "oversight backup: ok, " in (host.logs / "backup.log").read_text(encoding="utf-8")

    made = [p for p in host.backups.iterdir() if re.fullmatch(r"oversight-\d{8}T\d{4}Z\.backup", p.name)]
    assert not old.exists(), "older than OVERSIGHT_BACKUP_KEEP_DAYS"
    assert recent.exists() and other.exists()
    [new] = [p for p in made if p != recent]
    assert store_backup.kind_of(new) == "sqlite" and oct(new.stat().st_mode & 0o777) == "0o600"
