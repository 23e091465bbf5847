"""Where the store and the public data live: one setting each, read in one place.

The app, the CLI, the tests and the benchmarks all resolve the database URL, the data directory,
the first admins and the verified email domains here, so "which database am I looking at?" has
exactly one answer. Settings come from the environment and from the deployment's Streamlit
secrets file, which this module reads itself (``read_secrets``), as Streamlit does, so that an
``oversight`` command run from the app's folder sees what the app sees (issue 21: a grant
written to another database than the app's, an admin the command did not list).
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Relative to the working directory (``make run`` and the CLI run from the checkout), so an
#: installed copy never writes inside site-packages.
DEFAULT_SQLITE_PATH = Path("var") / "oversight.sqlite"

DATABASE_ENV = "OVERSIGHT_DATABASE_URL"
DATA_DIR_ENV = "OVERSIGHT_DATA_DIR"
BUNDLE_ENV = "OVERSIGHT_BUNDLE"
ADMINS_ENV = "OVERSIGHT_ADMINS"
VERIFIED_DOMAINS_ENV = "OVERSIGHT_VERIFIED_DOMAINS"
_OFF = {"0", "off", "no", "false"}
#: Where Streamlit looks for secrets unless its ``secrets.files`` option says otherwise: the
#: user's ``~/.streamlit/`` first, then the working directory's ``.streamlit/`` (later files win,
#: top-level key by key). Its ``config.toml`` files sit beside them.
STREAMLIT_FOLDER = ".streamlit"


class SettingsError(ValueError):
    """A settings file that cannot be read (not valid TOML, not readable): one sentence naming it."""


def _streamlit_files(name: str, folder: Path | None = None) -> list[Path]:
    """The user's and the working folder's (or ``folder``'s) ``.streamlit/<name>``, as Streamlit looks."""
    return [Path.home() / STREAMLIT_FOLDER / name, (folder or Path.cwd()) / STREAMLIT_FOLDER / name]


def _signature(paths: list[Path]) -> tuple:
    """What the files are now (missing, or size and modification time), to re-read only on change."""
    out = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            out.append((str(path), None))
        else:
            out.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(out)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path} cannot be read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None


@functools.lru_cache(maxsize=4)
def _secrets_paths(config: tuple, folder: Path | None = None) -> tuple[Path, ...]:
    """The secrets files Streamlit reads: its ``secrets.files`` option when a ``config.toml`` sets
    it (``[secrets] files = [...]``), else the two defaults (``~/.streamlit/``, ``./.streamlit/``).
    ``config``: the ``config.toml`` files' signature (``_signature``)."""
    configured = None
    for entry in config:
        if entry[1] is not None:
            found = _read_toml(Path(entry[0])).get("secrets", {})
            if isinstance(found, Mapping) and found.get("files"):
                configured = found["files"]
    if configured is None:
        return tuple(_streamlit_files("secrets.toml", folder))
    files = [configured] if isinstance(configured, str) else list(configured)
    return tuple(Path(str(f)).expanduser() for f in files)


@functools.lru_cache(maxsize=4)
def _parsed(signature: tuple) -> Mapping[str, Any]:
    merged: dict[str, Any] = {}
    for entry in signature:
        if entry[1] is not None:
            merged.update(_read_toml(Path(entry[0])))  # Streamlit's merge: top-level keys replaced
    return merged


def read_secrets(folder: Path | None = None) -> Mapping[str, Any]:
    """The deployment's Streamlit secrets as Streamlit reads them (the same files, merged the same
    way), without Streamlit: for the command line, and for the app's settings. Re-read only when
    a file changes (a few ``stat`` calls otherwise); ``{}`` when there is none. A file that is not
    valid TOML raises ``SettingsError``. (A ``secrets.files`` entry that is a folder of
    Kubernetes-style secrets is not read here.) ``folder``: the app's working folder, when it is not
    this process's (``oversight serve`` starts the app in the checkout)."""
    paths = _secrets_paths(_signature(_streamlit_files("config.toml", folder)), folder)
    return _parsed(_signature(list(paths)))


def _setting(env: str, secrets: Mapping[str, Any] | None, *aliases: str) -> Any:
    """A setting named ``env``: as the app sees it. Streamlit copies the secrets file's top-level
    text and number values into the app's environment at start, so a value under the very name
    ``env`` in the file wins over the environment (here too, for the command line); then the
    environment; then the file's lower-case ``aliases`` (``database_url``, ``admins``, …)."""
    found = read_secrets() if secrets is None else secrets
    if env in found and found[env] not in (None, ""):
        return found[env]
    if os.environ.get(env):
        return os.environ[env]
    for alias in aliases:
        if found.get(alias) not in (None, ""):
            return found[alias]
    return None


def default_database_url() -> str:
    """The embedded SQLite file under the git-ignored ``var/`` folder of the working directory."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


def database_url(explicit: str | None = None, secrets: Mapping[str, Any] | None = None) -> str:
    """Resolve the database URL: the explicit argument; ``OVERSIGHT_DATABASE_URL`` (in the secrets
    file, else the environment: ``_setting``); ``database_url`` in the secrets file; the default.

    ``secrets``: the secrets to use instead of reading the files (the app passes its cached copy).
    """
    if explicit:
        return explicit
    url = _setting(DATABASE_ENV, secrets, "database_url")
    return str(url) if url else default_database_url()


def data_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The user-configured folder holding public data files (boundaries, releases)."""
    value = explicit or os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser().resolve() if value else None


def bundle_enabled() -> bool:
    """Whether first use loads the project's data bundle (``data/bundle``) after the seed.

    On by default, so a fresh clone shows the newest public data. ``OVERSIGHT_BUNDLE=off``
    gives a database with the register and the seed tracker only: the tests use it to start
    from known facts, and an operator may, to import only files of their choosing.
    """
    return os.environ.get(BUNDLE_ENV, "on").strip().lower() not in _OFF


def _ascii_folded(values: str) -> frozenset[str]:
    """Comma-separated values, ASCII whitespace trimmed and A–Z lower-cased, nothing else (an
    entry holding anything else is dropped: see ``curation.roles.email_key``, which no such
    entry could ever match)."""
    out = set()
    for part in values.split(","):
        value = part.strip(" \t\n\r\x0b\x0c")
        if value and value.isascii() and value.isprintable() and " " not in value:
            out.add(value.lower())
    return frozenset(out)


def _listed(value: Any) -> str:
    """A setting given as a comma-separated string or as a TOML list, as one string."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value or "")


def admin_emails(secrets: Mapping[str, Any] | None = None) -> frozenset[str]:
    """Emails that are admins of the tracker whatever the database says (``OVERSIGHT_ADMINS``,
    comma-separated, or ``admins = [...]`` in the secrets file; compared exactly after ASCII case
    folding): how a new deployment gets its first admin, who then grants roles in the app. Each is
    bound to the first identity that signs in with it, verified. Removing an email here is the
    only way to take that admin away."""
    return _ascii_folded(_listed(_setting(ADMINS_ENV, secrets, "admins")))


def verified_domains(secrets: Mapping[str, Any] | None = None) -> frozenset[str]:
    """Email domains whose sign-in provider verifies every address (``OVERSIGHT_VERIFIED_DOMAINS``,
    or ``verified_domains`` in the secrets file), for providers that send no ``email_verified``
    claim: Entra ID, for a council's own work accounts. Empty by default: then only an email the
    provider marks verified counts."""
    return _ascii_folded(_listed(_setting(VERIFIED_DOMAINS_ENV, secrets, "verified_domains")))
