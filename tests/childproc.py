"""Reading a running netlab child process's output in tests, as it comes."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import time


def read_until(
    proc: subprocess.Popen,
    pattern: bytes | re.Pattern[bytes],
    timeout: float = 20.0,
    seen: bytearray | None = None,
) -> bytes:
    """Read ``proc``'s stdout until ``pattern`` (literal bytes, or a compiled bytes regex) shows
    up; fail the test if it does not within ``timeout`` or the output ends first. Returns all
    the output read so far (kept in ``seen`` too, when given, across calls)."""
    seen = bytearray() if seen is None else seen
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while not regex.search(seen):
            assert time.monotonic() < deadline, f"no {regex.pattern!r} in {bytes(seen)!r}"
            if selector.select(timeout=0.1):
                chunk = os.read(proc.stdout.fileno(), 4096)
                assert chunk, f"output ended without {regex.pattern!r}: {bytes(seen)!r}"
                seen += chunk
    return bytes(seen)
