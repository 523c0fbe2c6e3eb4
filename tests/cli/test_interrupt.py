"""Ctrl-C ends a command cleanly: exit status 130, one short line, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from childproc import read_until


def test_ctrl_c_while_stepping_exits_130_without_traceback():
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NETLAB_LANG": "en"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "simulate", "handshake", "--step"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        seen = read_until(proc, b"Enter: next step", timeout=30)
        assert b"Step 1 of 3" in seen
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines() == ["netlab: interrupted"]
