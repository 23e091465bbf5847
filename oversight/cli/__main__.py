"""``python -m oversight.cli``: the same as the ``oversight`` command."""

from oversight.cli import entry

entry()
