"""Where the store and the public data live: one setting each, read in one place.

The app, the CLI, the tests and the benchmarks all resolve the database URL and the
data directory here, so "which database am I looking at?" has exactly one answer.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Relative to the working directory (``make run`` and the CLI run from the checkout), so an
#: installed copy never writes inside site-packages.
DEFAULT_SQLITE_PATH = Path("var") / "oversight.sqlite"

DATABASE_ENV = "OVERSIGHT_DATABASE_URL"
DATA_DIR_ENV = "OVERSIGHT_DATA_DIR"
BUNDLE_ENV = "OVERSIGHT_BUNDLE"
ADMINS_ENV = "OVERSIGHT_ADMINS"
VERIFIED_DOMAINS_ENV = "OVERSIGHT_VERIFIED_DOMAINS"
_OFF = {"0", "off", "no", "false"}


def default_database_url() -> str:
    """The embedded SQLite file under the git-ignored ``var/`` folder of the working directory."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


def database_url(explicit: str | None = None, secrets: dict | None = None) -> str:
    """Resolve the database URL: explicit argument, env var, Streamlit secrets, default.

    ``secrets`` is passed in by the UI layer (the data layer never imports Streamlit).
    """
    if explicit:
        return explicit
    env = os.environ.get(DATABASE_ENV)
    if env:
        return env
    if secrets:
        url = secrets.get("database_url") or secrets.get(DATABASE_ENV)
        if url:
            return str(url)
    return default_database_url()


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


def admin_emails() -> frozenset[str]:
    """Emails that are admins of the tracker whatever the database says (``OVERSIGHT_ADMINS``,
    comma-separated, compared exactly after ASCII case folding): how a new deployment gets its
    first admin, who then grants roles in the app. Each is bound to the first identity that
    signs in with it, verified. Removing an email here is the only way to take that admin away."""
    return _ascii_folded(os.environ.get(ADMINS_ENV, ""))


def verified_domains(secrets: dict | None = None) -> frozenset[str]:
    """Email domains whose sign-in provider verifies every address (``OVERSIGHT_VERIFIED_DOMAINS``,
    or ``verified_domains`` in Streamlit secrets), for providers that send no ``email_verified``
    claim: Entra ID, for a council's own work accounts. Empty by default: then only an email the
    provider marks verified counts."""
    value = os.environ.get(VERIFIED_DOMAINS_ENV)
    if value is None and secrets:
        found = secrets.get("verified_domains")
        value = ",".join(found) if isinstance(found, list | tuple) else str(found or "")
    return _ascii_folded(value or "")
