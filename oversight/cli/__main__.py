"""``python -m oversight.cli``: the same as the ``oversight`` command."""

import sys

from oversight.cli import main

sys.exit(main())
