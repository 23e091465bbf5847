"""Curation: the tracker as a living record (issue 13).

People with a role record and correct facts; a different person reviews them; every change is an
append-only history row. Layer: above ``sources`` (it validates a form's row with the tracker CSV
reader and resolves authorities with the importer's ``Resolver``) and ``downloads``, below
``bootstrap``. Never imports Streamlit: the app passes the signed-in person in as an ``Actor``.

* ``roles``: editor < reviewer < admin, what each may do, ``Actor``, ``PermissionDenied``.
* ``users``: the roles in the database (and ``OVERSIGHT_ADMINS``), grant and revoke.
* ``edits``: propose, correct, retract, approve, reject, withdraw, revert; the two-person rule;
  optimistic versioning (``Conflict``).
* ``history``: a fact's history, recent changes, open proposals, one change, as dataclasses.
* ``inbox``: what waits for one person (proposals to decide, decisions on theirs, with reasons).
* ``notify``: optional e-mail about new proposals and decisions, sent after the write commits.
* ``export``: the whole curated tracker as a tracker CSV.
* ``ledger`` and ``images`` (internal): the append-only tables, and facts as tracker rows.
"""
