"""A reader that stops early (``netlab ... | head -2``) ends netlab quietly with status 0.

rich's own reaction to a closed pipe is status 1, and Python's last flush of stdout would fail
again; netlab points stdout at /dev/null and exits 0 without a word on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["simulate", "tcp", "--detail"], id="report"),
        pytest.param(["simulate", "journey", "--json"], id="json"),
        pytest.param(["simulate", "journey", "--hexdump"], id="hexdump"),
    ],
)
def test_a_closed_pipe_is_status_0(args):
    env = dict(os.environ, PYTHONPATH=str(REPO), NETLAB_LANG="en")
    child = subprocess.Popen(
        [sys.executable, "-m", "netlab", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()  # read one line, then go away as `head -1` does
    child.stdout.close()
    err = child.stderr.read()
    assert child.wait(timeout=60) == 0
    assert err == b""
