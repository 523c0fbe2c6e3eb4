"""A terminal that only takes ASCII (or Latin-1) still gets every report, never a
UnicodeEncodeError: box drawing falls back to ASCII and the few other signs (→, ·, •) get
stand-ins. Run as real subprocesses, since the encoding of stdout is the point."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COMMANDS = [
    ("simulate", "handshake"),
    ("simulate", "close", "--merge"),
    ("simulate", "journey"),
    ("simulate", "route", "--traceroute"),
    ("--lang", "zh", "simulate", "arp", "--hub"),
    ("simulate", "layers", "--hexdump"),
    ("notes", "tcp-udp"),
]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a))
def test_report_prints_on_a_narrow_terminal(argv, encoding):
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NETLAB_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(encoding, "replace")
    assert done.stderr == b""
    text = done.stdout.decode(encoding)
    assert len(text.splitlines()) > 5
    if encoding == "ascii" and argv[-1] == "handshake":
        assert "2.MSL" in text or "->" in text or "|" in text
