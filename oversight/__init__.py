"""The installed name of the dashboard: ``oversight.data`` (the truth), ``oversight.components``
(pictures and widgets) and ``oversight.cli`` (the ``oversight`` command, the outermost layer).

The repository keeps ``data/`` and ``components/`` as top-level folders; ``pyproject.toml`` maps
them under this one name so that nothing else installed can claim ``data`` or ``components``.
"""

from pathlib import Path

_here = Path(__file__).resolve().parent
if not (_here / "data").is_dir() and (_here.parent / "data" / "__init__.py").is_file():
    # A checkout (or editable install): the subpackages are the repository's top-level folders, so
    # the checkout's own code is used even from a second worktree. A wheel has them inside _here.
    __path__.append(str(_here.parent))
