"""A throwaway PostgreSQL server for a benchmark, handing out new empty databases.

Every benchmark that compares SQLite with PostgreSQL needs the same three steps (start the tests'
server, create a database per run, stop the server whatever happens); one place does them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def new_databases(prefix: str) -> Iterator[Callable[[], str]]:
    """A running server for the block; calling the yielded function creates ``<prefix>_<n>`` and
    returns its URL. The server is stopped on leaving, also after an error."""
    from tests.pgserver import PgServer  # Lazy: the tests' server, only when PostgreSQL is measured

    server = PgServer().start()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    counter = itertools.count()

    def new_database() -> str:
        name = f"{prefix}_{next(counter)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return server.url(name)

    try:
        yield new_database
    finally:
        admin.dispose()
        server.stop()
