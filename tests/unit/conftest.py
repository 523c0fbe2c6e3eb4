"""Fixtures shared by the unit tests.

``cli(argv)`` runs a ``netlab`` command line in-process, in English at 120 columns, asserts it
exits with 0 and returns its stdout: the question generators' tests use it to check that each
question's ``see`` command shows the same numbers as the answer.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[str]], str]]:
    """Run a ``netlab`` command line in-process; return its stdout."""
    from netlab.cli import main as cli_main
    from netlab.cli import output

    def reset() -> None:
        output.current.lang = "en"
        output.current.no_color = False
        output.current.traceback = False

    monkeypatch.setenv("NETLAB_LANG", "en")
    monkeypatch.setenv("COLUMNS", "120")
    reset()

    def run(argv: list[str]) -> str:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli_main.main(argv)
        assert status == 0, err.getvalue()
        return out.getvalue()

    yield run
    reset()
