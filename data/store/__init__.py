"""The store: SQL schema, engines, Alembic migrations and every read query.

Opening an engine does nothing else; migrating and seeding are ``oversight.data.bootstrap``'s
explicit step. Queries return frames or typed records, never SQL rows.
"""
