"""The parent's side of the benchmark's child processes: start them, read them, measure them,
stop them.

Owns ``server_argv`` and ``load_argv`` (how a server model and the load generator are started:
``python -P``, netlab on ``PYTHONPATH``, and for gevent a ``-c`` program whose first line is
``monkey.patch_all()``), ``Child`` (one child process: its stdout read as JSON lines with a
deadline, its stderr kept in a temporary file so that it can never fill a pipe and block the
child, and ``stop``, which ends and reaps it whatever state it is in) and ``usage`` (a
process's CPU seconds and resident memory, read from ``/proc``).

Children run in a session of their own, so a Ctrl-C typed at the terminal reaches only netlab,
which then stops them; and they stop by themselves when their stdin closes, which also happens
if netlab dies. No sockets here, no rich, no sentences.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlab.bench.load import IDLE_TIMEOUT
from netlab.bench.servers import HOST

STDERR_KEPT = 2000  # characters of a failed child's stderr kept for the error message

_GEVENT_FIRST = "from gevent import monkey\nmonkey.patch_all()  # first, before any other import\n"
_RUN_SERVERS = (
    "import runpy\nrunpy.run_module('netlab.bench.servers', run_name='__main__', alter_sys=True)\n"
)


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])  # the folder that holds netlab/
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path}


def server_argv(model: str, max_line: int) -> list[str]:
    """The command that runs ``model``'s server; ``-P`` keeps the current folder off
    ``sys.path``, so a stray ``socket.py`` or ``gevent.py`` there can't stand in for the real
    one. ``--owner`` names this process, for whoever looks at ``ps``."""
    options = [model, "--max-line", str(max_line), "--owner", str(os.getpid())]
    if model == "gevent":
        return [sys.executable, "-P", "-c", _GEVENT_FIRST + _RUN_SERVERS, *options]
    return [sys.executable, "-P", "-m", "netlab.bench.servers", *options]


def load_argv(port: int, clients: int, messages: int, size: int) -> list[str]:
    numbers = [str(port), str(clients), str(messages), str(size)]
    options = ["--watch-stdin", "--owner", str(os.getpid())]
    return [sys.executable, "-P", "-m", "netlab.bench.load", HOST, *numbers, *options]


class ChildFailed(Exception):
    """A child ended, or stopped talking, before it said what was expected."""

    def __init__(self, reason: str, stderr: str) -> None:
        super().__init__(f"{reason}: {stderr}")
        self.reason = reason  # "exited" (with ``stderr``) or "silent" (nothing said in time)
        self.stderr = stderr


class Child:
    """One child process that prints JSON lines on stdout and stops when its stdin closes."""

    def __init__(self, argv: list[str]) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self._buffer = b""
        self._lines: list[bytes] = []
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=_env(),
                start_new_session=True,  # the terminal's Ctrl-C reaches netlab, not the children
            )
        except BaseException:
            self._stderr.close()
            raise
        self._selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        self._eof = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def record(self, timeout: float) -> dict[str, Any] | None:
        """The next JSON line (a dict), or None once the child's stdout has ended; raises
        ``ChildFailed`` when nothing complete arrives within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self._lines:
            if self._eof:
                if self._buffer.strip():
                    self._lines.append(self._buffer)
                    self._buffer = b""
                    break
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildFailed("silent", self.stderr_tail())
            if not self._selector.select(left):
                continue
            assert self.proc.stdout is not None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                self._eof = True
                continue
            *complete, self._buffer = (self._buffer + chunk).split(b"\n")
            self._lines.extend(line for line in complete if line.strip())
        raw = self._lines.pop(0)
        try:
            found = json.loads(raw)
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise ChildFailed("exited", raw.decode("utf-8", "replace")[:STDERR_KEPT])
        return found

    def expect(self, key: str, timeout: float) -> Any:
        """The value of the next record, which must hold ``key``; ``ChildFailed`` otherwise."""
        found = self.record(timeout)
        if found is None or key not in found:
            self.wait(2.0)
            raise ChildFailed("exited", self.stderr_tail())
        return found[key]

    def close_stdin(self) -> None:
        """Tell the child to stop (it reads EOF)."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            data = self._stderr.read()
        except (OSError, ValueError):
            return ""
        lines = data.decode("utf-8", "replace").strip().splitlines()
        return (lines[-1] if lines else "")[:STDERR_KEPT]

    def stop(self, grace: float = 0.0) -> None:
        """End the child: close its stdin, give it ``grace`` seconds, then kill it; reap it and
        close its pipes. Safe to call more than once, and from a ``finally`` after Ctrl-C."""
        self.close_stdin()
        if self.proc.poll() is None and (grace <= 0 or self.wait(grace) is None):
            self.proc.kill()
            self.proc.wait()
        self._selector.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


# -- /proc -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """A process's CPU time so far (user + system, every thread) and its resident memory now and
    at its peak (bytes); None where the system has no ``/proc``."""

    cpu_s: float | None
    rss: int | None
    peak_rss: int | None


def usage(pid: int) -> Usage:
    """Read ``/proc/PID/stat`` (utime and stime, in clock ticks) and ``/proc/PID/status``
    (VmRSS and VmHWM, the high-water mark of the resident set, in KiB) of a running child."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return Usage(None, None, None)
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # fields 14 and 15: utime, stime
    memory = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            memory[name] = int(value.split()[0]) * 1024
    return Usage(cpu, memory.get("VmRSS"), memory.get("VmHWM"))


#: Seconds the load generator may stay silent (it reports about every 0.1 s, and gives up by
#: itself after IDLE_TIMEOUT seconds without a reply) before the run is declared stuck.
LOAD_SILENCE = IDLE_TIMEOUT + 20.0
