"""``netlab demo sticky``: placeholder until the demo lands."""

from __future__ import annotations


def command() -> None:
    """Not written yet."""
    raise NotImplementedError("netlab demo sticky")
