"""``NO_COLOR`` (https://no-color.org) and ``--no-color``: a terminal gets no colour codes.

Runs the CLI in a subprocess with ``FORCE_COLOR=1`` (so rich writes escape codes although
stdout is a pipe): without NO_COLOR the report has colour codes, with it (or ``--no-color``)
none; bold and other non-colour styles may stay, as the convention allows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: SGR colour parameters: 30-37, 90-97 (foreground), 40-47, 100-107 (background), 38;/48; forms
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def report(*extra: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env, FORCE_COLOR="1", NETLAB_LANG="en")
    environ["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "netlab", *extra, "simulate", "handshake"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_colour_without_no_color():
    assert COLOUR.search(report()), "the control: rich writes colours when forced"


@pytest.mark.parametrize(
    ("extra", "env"),
    [
        pytest.param((), {"NO_COLOR": "1"}, id="NO_COLOR"),
        pytest.param(("--no-color",), {}, id="flag"),
    ],
)
def test_no_colour_codes(extra, env):
    assert not COLOUR.search(report(*extra, **env))
