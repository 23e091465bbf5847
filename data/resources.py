"""The package's own data files (register, tiles, download registry, seed tracker), found through
``importlib.resources`` so that a checkout, an editable install and a wheel read the same files.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_path(*parts: str) -> Path:
    # Installed packages are plain folders here (no zip imports), so the traversable is a path.
    return Path(str(files("oversight.data").joinpath(*parts)))


def reference_file(name: str) -> Path:
    """A table of ``reference/``: authorities, regions, tiles, downloads."""
    return _package_path("reference", name)


def seed_dir() -> Path:
    """The folder of the built-in seed tracker CSV files."""
    return _package_path("seed")


def bundle_dir() -> Path:
    """The generated data bundle (``oversight bundle build``): parsed public data and boundaries."""
    return _package_path("bundle")
