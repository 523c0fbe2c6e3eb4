"""Fixtures for the CLI tests: run ``netlab`` in-process and read what it printed.

``run(*argv)`` calls ``netlab.cli.main.main(argv)`` with pytest's ``capsys`` and returns
``(status, stdout, stderr)``; the ``load_json`` fixture parses a ``--json`` document, and
``run_json(*argv)`` does both. The per-run settings in ``netlab.cli.output.current`` are
module state, so they are reset before and after every test (language English, colour on, no
traceback), whatever the environment says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from netlab.cli import main as cli_main
from netlab.cli import output

RunResult = tuple[int, str, str]
Runner = Callable[..., RunResult]


def _reset_settings() -> None:
    output.current.lang = "en"
    output.current.no_color = False
    output.current.traceback = False


@pytest.fixture(autouse=True)
def _fresh_cli_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NETLAB_LANG", "en")
    monkeypatch.setenv("LANG", "C.UTF-8")
    _reset_settings()
    yield
    _reset_settings()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run ``netlab ARGV...`` in-process; return (exit status, stdout, stderr)."""

    def _run(*argv: str) -> RunResult:
        capsys.readouterr()  # drop anything printed before this run
        status = cli_main.main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return _run


def parse_json(stdout: str) -> dict[str, Any]:
    """The ``--json`` document printed on stdout."""
    return json.loads(stdout)


@pytest.fixture
def load_json() -> Callable[[str], dict[str, Any]]:
    """The helper that parses ``--json`` output, for tests that run ``netlab`` themselves."""
    return parse_json


@pytest.fixture
def run_json(run: Runner) -> Callable[..., dict[str, Any]]:
    """Run ``netlab ARGV... --json``; check it succeeded and return the parsed document."""

    def _run_json(*argv: str) -> dict[str, Any]:
        status, out, err = run(*argv, "--json")
        assert status == 0, err
        assert "Traceback" not in err
        return parse_json(out)

    return _run_json
