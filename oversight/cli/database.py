"""Which database a command writes to, said every time (issue 21).

The command line and the app resolve the database alike (``settings.database_url``: ``--database``,
then ``OVERSIGHT_DATABASE_URL`` or ``database_url`` in the environment or the app's
``.streamlit/secrets.toml``, then ``var/oversight.sqlite`` under the working directory), but a
command run from another folder, or with another environment, can still reach another database
than the app's. So every command that writes names the one it used, on standard error (where the
commands' notes go: standard output stays the result, a ``--json`` payload stays JSON), its
password masked: ``Database: sqlite:////srv/oversight/var/oversight.sqlite``.
"""

from __future__ import annotations

from sqlalchemy import Engine

from oversight.cli.common import say
from oversight.data import bootstrap, settings
from oversight.data.store.errors import masked


def name(database: str | None) -> None:
    """Say which database ``--database`` (None: the configured one) is, password masked."""
    say(f"Database: {masked(settings.database_url(database))}", err=True)


def writing(database: str | None) -> Engine:
    """The migrated, seeded engine of a command that writes, once it is open, named (``name``)."""
    engine = bootstrap.ready_engine(database)
    name(database)
    return engine
