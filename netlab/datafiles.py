"""Where netlab's data files (notes, question bank, topics) are.

Owns ``data_dir``: in an installed wheel the data are inside the package (``netlab/data``,
mapped there at build time); in a source checkout or an editable install they are the
repository's ``data/`` folder next to the package.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir() -> Path:
    packaged = Path(str(resources.files("netlab"))) / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"
