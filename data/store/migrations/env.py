"""Alembic environment: run migrations on the connection the project hands over.

The project calls Alembic programmatically (``oversight.data.store.migrate.upgrade``) with an open connection in
``config.attributes["connection"]``, so there is no ``alembic.ini`` URL to keep in sync.
"""

from __future__ import annotations

from alembic import context

from oversight.data.store.engine import make_engine
from oversight.data.store.schema import metadata
from oversight.data.store.transactions import write_transaction

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # e.g. `alembic -x url=... upgrade head` by hand
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass -x url=DATABASE_URL, or use `oversight db upgrade`")
    with write_transaction(make_engine(url)) as conn:  # the same writer lock as `oversight db upgrade`
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
