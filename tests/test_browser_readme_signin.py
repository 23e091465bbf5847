"""README's "Trying sign-in on your own machine", followed as written on a fresh copy (issue 21).

The steps are read from the README itself, so the README cannot drift from what works: the
provider's command, the secrets to write and where, the command that starts the app (``make run``,
read from the Makefile's ``run`` recipe: its ``setup`` step is the virtualenv these tests already
run in), the address to open, the subject to type, the sidebar's words, the command-line check
and its line. Two things differ, and only these: free ports replace 8501 and 9400 (the README's
``STREAMLIT_SERVER_PORT``, and the provider's ``--port``, so parallel runs do not collide), and
``.venv/bin/oversight`` is ``python -m oversight.cli`` in the copy (the shared virtualenv's
``oversight`` is another checkout's editable install; a fresh clone's runs its own code).

The copy is every file git tracks, and nothing else: no ``var/``, no secrets, no data directory,
none of the tests' settings in the environment. On the way, the page opened on ``127.0.0.1`` when
``redirect_uri`` says ``localhost`` says where to open it instead (the sign-in would fail there).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser import free_port
from tests.conftest import ROOT
from tests.test_browser_signin import _wait_http

pytestmark = pytest.mark.browser

SECTION = "### Trying sign-in on your own machine"
BIN = Path(sys.executable).parent
#: The tests' own settings, none of which a person following the README has.
TEST_SETTINGS = (
    "OVERSIGHT_DATABASE_URL",
    "OVERSIGHT_ADMINS",
    "OVERSIGHT_VERIFIED_DOMAINS",
    "OVERSIGHT_BUNDLE",
    "OVERSIGHT_DATA_DIR",
)


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION) + len(SECTION)
    end = re.compile(r"^#{2,3} ", re.M).search(readme, start)
    return readme[start : end.start() if end else None]


def _blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks, in order: (language, text without the list item's indent)."""
    found = re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", text, re.M | re.S)
    return [
        (m.group(2), "".join(line[len(m.group(1)) :] for line in m.group(3).splitlines(True))) for m in found
    ]


def _one(pattern: str, text: str, *, exact: bool = False) -> str:
    """What ``pattern``'s group says, line breaks and indents as one space (``exact``: as it is)."""
    match = re.search(pattern, text, re.S)
    assert match, f"README's {SECTION!r} no longer says {pattern!r}"
    return match.group(1) if exact else " ".join(match.group(1).split())


def _make_run() -> list[str]:
    """The Makefile's ``run`` recipe (its one command), ``$(BIN)`` this virtualenv's."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "the Makefile has no run target"
    (line,) = recipe.group(1).strip().splitlines()
    return shlex.split(line.strip().replace("$(BIN)/", f"{BIN}/"))


def _argv(command: str) -> list[str]:
    """A README command, ``.venv/bin/`` being this virtualenv's (``oversight``: the copy's)."""
    argv = shlex.split(command)
    assert argv[0].startswith(".venv/bin/"), command
    name = argv[0].removeprefix(".venv/bin/")
    if name == "oversight":
        return [sys.executable, "-m", "oversight.cli", *argv[1:]]
    return [str(BIN / name), *argv[1:]]


@pytest.fixture
def steps():
    """What the README says to do, each step read from its section."""
    text = _section()
    blocks = _blocks(text)
    shell = [body.strip() for lang, body in blocks if lang == "sh"]
    (secrets,) = [body for lang, body in blocks if lang == "toml"]
    provider = next(c for c in shell if "oidc-provider-mock" in c)
    assert "make run" in shell, shell
    check = next(c for c in shell if "oversight users list" in c)
    return {
        "provider": provider,
        "secrets_path": _one(r"Write this as `([^`]+)`", text),
        "secrets": secrets,
        "open": _one(r"Open (http://[^\s)]+)", text),
        "subject": _one(r"type `([^`]+)`", text),
        "signed_in": _one(r'the sidebar says\s+"([^"]+)"', text),
        "check": check,
        "prints": _one(r"prints `([^`]+)`", text, exact=True),
    }


@pytest.fixture
def fresh_copy(tmp_path: Path) -> Path:
    """Every file git tracks, as a clone would have them (the working tree's versions)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    copy = tmp_path / "oversight-dashboard"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


def _only_loopback(route) -> None:
    host = urllib.parse.urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()  # the provider's page asks the internet for CSS


def test_the_readme_sign_in_steps_work_as_written(browser, steps, fresh_copy: Path, artifacts: Path):
    provider_port, app_port = free_port(), free_port()

    def ports(text: str) -> str:
        return text.replace("9400", str(provider_port)).replace("8501", str(app_port))

    env = {k: v for k, v in os.environ.items() if k not in TEST_SETTINGS}
    logs = [(artifacts / f"readme_signin_{n}.log").open("w") for n in ("provider", "app")]
    processes: list[subprocess.Popen] = []
    try:
        # 1. The provider.
        provider = subprocess.Popen(
            _argv(ports(steps["provider"])), cwd=fresh_copy, env=env, stdout=logs[0], stderr=subprocess.STDOUT
        )
        processes.append(provider)
        # 2. The secrets, where the README says.
        target = fresh_copy / steps["secrets_path"]
        assert target.parent.is_dir() and not target.exists()
        target.write_text(ports(steps["secrets"]))
        # 3. The app, as `make run` starts it, on the port the README says how to set.
        app = subprocess.Popen(
            _make_run(),
            cwd=fresh_copy,
            env={**env, "STREAMLIT_SERVER_PORT": str(app_port), "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"},
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        )
        processes.append(app)
        _wait_http(f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration", provider, "provider")
        _wait_http(f"http://127.0.0.1:{app_port}/_stcore/health", app, "app")

        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", _only_loopback)
        page = context.new_page()
        address = ports(steps["open"]).rstrip("/")
        assert urllib.parse.urlsplit(address).hostname == "localhost"

        # Opened on the other loopback name, the page says where to go instead.
        page.goto(f"http://127.0.0.1:{app_port}/")
        warning = page.get_by_text("not to the address this page is open on")
        warning.wait_for(timeout=120_000)
        link = page.get_by_role("link", name=re.compile("localhost"))
        assert link.get_attribute("href") == f"{address}/"  # the address to open, a link
        page.screenshot(path=str(artifacts / "readme_signin_other_host.png"))

        # 4. Open the address, Sign in, the subject, Authorize: signed in, with the role.
        page.goto(address)
        page.get_by_role("button", name="Sign in").click(timeout=120_000)
        page.wait_for_selector("input[name='sub']", timeout=30_000)
        page.fill("input[name='sub']", steps["subject"])
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{address}/**", timeout=30_000)
        page.get_by_text(steps["signed_in"]).wait_for(timeout=90_000)
        assert page.get_by_text("not to the address this page is open on").count() == 0
        page.screenshot(path=str(artifacts / "readme_signin_signed_in.png"))
        context.close()

        # 5. The command line sees the same settings and database.
        done = subprocess.run(
            _argv(steps["check"]), cwd=fresh_copy, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert steps["prints"] in done.stdout.splitlines(), done.stdout
        assert done.stderr == f"Database: sqlite:///{fresh_copy / 'var' / 'oversight.sqlite'}\n"
    finally:
        for proc in reversed(processes):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
    assert "Traceback" not in (artifacts / "readme_signin_app.log").read_text()
