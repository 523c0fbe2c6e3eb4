"""``netlab bench io`` on real sockets and real processes: every model serves a tiny workload with
every reply checked, the JSON holds every figure, the load generator catches a wrong or missing
server, and Ctrl-C (or SIGTERM) leaves no process behind.

Servers listen on 127.0.0.1 port 0; every workload is a few hundred messages at most and ends
by itself. No test asserts a speed. An autouse fixture checks that no socket, thread or child
process outlives a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlab.bench import runner
from netlab.bench.load import run_load
from netlab.bench.workload import MODELS, Workload

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
TINY = Workload(clients=5, messages=20, size=64)
FIGURES = {
    "model",
    "clients",
    "messages_per_client",
    "size",
    "messages",
    "replies_ok",
    "wrong",
    "lost",
    "server_errors",
    "errors",
    "failures",
    "elapsed_s",
    "messages_per_s",
    "rtt_ms",
    "wait_ms",
    "server_cpu_s",
    "server_cpu_us_per_message",
    "server_peak_rss_bytes",
    "server_ready_rss_bytes",
}

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _socket_fds() -> set[str]:
    found = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                found.add(name)
        except OSError:
            continue
    return found


def _children(pid: int | str = "self") -> set[int]:
    pids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids |= {int(p) for p in task.read_text().split()}
        except OSError:
            continue
    return pids


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next((line for line in status.splitlines() if line.startswith("State:")), "")
    return "Z" not in state.split(":", 1)[1][:3]


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    sockets, children = _socket_fds(), _children()
    threads = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and (_socket_fds() - sockets or _children() - children):
        time.sleep(0.02)
    assert _socket_fds() - sockets == set(), "sockets left open"
    assert _children() - children == set(), "child processes left running"
    assert set(threading.enumerate()) - threads == set(), "threads left running"


# -- every model, every reply ---------------------------------------------------------------------


def test_every_model_answers_every_message_of_a_tiny_workload():
    seen: list[tuple[str, str, int]] = []

    class Watch:
        def started(self, model: str, total: int) -> None:
            seen.append(("started", model, total))

        def progress(self, model: str, done: int) -> None:
            seen.append(("progress", model, done))

        def finished(self, run) -> None:
            seen.append(("finished", run.model, run.replies_ok))

    runs = runner.run_all(TINY, Watch())
    assert [run.model for run in runs] == list(MODELS)
    for run in runs:
        assert (run.replies_ok, run.wrong, run.lost, run.errors) == (100, 0, 0, 0), run
        assert run.failures == {}
        assert run.rtt.count == 100 and run.wait.count == 5
        assert 0 < run.rtt.p50_ms <= run.rtt.p99_ms <= run.rtt.max_ms
        assert run.wait.max_ms > 0
        assert run.elapsed_s > 0 and run.rate > 0
        assert run.server_cpu_s is not None and run.server_cpu_s >= 0
        assert run.server_ready_rss and run.server_peak_rss
        assert run.server_peak_rss >= run.server_ready_rss > 1024**2
    for model in MODELS:
        mine = [event for event in seen if event[1] == model]
        assert mine[0] == ("started", model, 100)
        assert mine[-1] == ("finished", model, 100)
        done = [event[2] for event in mine if event[0] == "progress"]
        assert done == sorted(done) and done[-1] == 100


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("size", [1, 300_000], ids=["empty-lines", "300k-lines"])
def test_every_model_handles_tiny_and_large_messages(model, size):
    """Size 1 is an empty line; 300 kB lines take many recv() and partial send() calls."""
    run = runner.run_model(model, Workload(clients=3, messages=4, size=size))
    assert (run.replies_ok, run.wrong, run.lost, run.server_errors) == (12, 0, 0, 0)


def test_the_command_prints_every_figure_as_json():
    env = {**os.environ, "NETLAB_LANG": "en"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "netlab",
            "bench",
            "io",
            *("--clients", "5", "--messages", "20"),
            "--json",
        ],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["workload"]["models"] == list(MODELS)
    assert [r["model"] for r in doc["results"]] == list(MODELS)
    assert sorted(doc["ranking"]) == sorted(MODELS)
    assert len(doc["conclusion"]) == 2 and all(doc["conclusion"])
    for result in doc["results"]:
        assert set(result) == FIGURES
        assert (result["replies_ok"], result["errors"], result["messages"]) == (100, 0, 100)
        for key, value in result.items():
            assert value is not None, (result["model"], key)  # every figure was measured
        assert result["messages_per_s"] > 0
        assert result["server_peak_rss_bytes"] > 0
        assert set(result["rtt_ms"]) == {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"}
        assert result["rtt_ms"]["count"] == 100 and result["wait_ms"]["count"] == 5


# -- the load generator checks what comes back -----------------------------------------------------


class _PlainEcho:
    """A server that echoes without upper-casing: every reply must count as wrong."""

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.echoes: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conns = []
        self.listener.settimeout(10)
        try:
            while True:
                conn, _ = self.listener.accept()
                conns.append(conn)
                echo = threading.Thread(target=self._echo, args=(conn,), daemon=True)
                self.echoes.append(echo)
                echo.start()
        except OSError:
            pass

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                while data := conn.recv(65536):
                    conn.sendall(data)
            except OSError:
                pass

    def close(self) -> None:
        with contextlib.suppress(OSError):  # wakes the blocked accept() (close alone does not)
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(12)
        for echo in self.echoes:  # each ends when its client has closed (at most 10 s)
            echo.join(12)


def test_replies_that_are_not_upper_cased_count_as_wrong():
    server = _PlainEcho()
    try:
        result = run_load(HOST, server.port, 2, 5, 32, idle_timeout=5)
    finally:
        server.close()
    assert (result["replies_ok"], result["wrong"], result["lost"]) == (0, 10, 0)
    assert result["rtt"]["count"] == 0


def test_a_server_that_is_not_there_loses_every_message():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    result = run_load(HOST, port, 3, 4, 64, idle_timeout=5)
    assert (result["replies_ok"], result["wrong"], result["lost"]) == (0, 0, 12)
    assert result["failures"] == {"connect: Connection refused": 3}


# -- Ctrl-C ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("models", ["threads", "gevent,select"])
def test_a_signal_stops_every_server_and_client_process(sig, models):
    env = {**os.environ, "NETLAB_LANG": "en", "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # 10 x 100,000 messages would take many seconds per model: the signal comes long before
    argv = ["bench", "io", "--clients", "10", "--messages", "100000", "--models", models]
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while len(seen) < 2:  # the server and the load generator are both running
            assert time.monotonic() < deadline, "the benchmark never started its children"
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            seen |= _children(proc.pid)
            time.sleep(0.02)
        time.sleep(0.3)  # let the load generator get going
        seen |= _children(proc.pid)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert err.decode().strip().splitlines() == ["netlab: interrupted"]
    assert [pid for pid in seen if _running(pid)] == [], "a child outlived netlab"
    assert not _strays(proc.pid)


def _strays(owner: int) -> list[int]:
    """Benchmark servers or load generators still running for ``owner`` anywhere on the machine
    (they carry ``--owner PID``)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = entry.read_bytes().split(b"\0")
        except OSError:
            continue
        ours = any(b"netlab.bench" in arg for arg in argv)
        if ours and str(owner).encode() in argv and _running(int(entry.parent.name)):
            found.append(int(entry.parent.name))
    return found
