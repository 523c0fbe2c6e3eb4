"""The select() echo server on real sockets: many clients, every backend, misbehaving clients.

Each test starts an ``EchoServer`` on 127.0.0.1 port 0 in a background thread and stops it at
the end; every socket has a timeout, every thread is joined, and an autouse fixture checks that
no socket, thread or child process is left behind. The load comes from
``netlab.demos.echo_clients.run_fleet`` (one thread, in this process) unless a test runs the
whole demo (``SelectDemo``, whose clients run in a child process).
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from childproc import read_until

from netlab.demos import select_server
from netlab.demos.echo_clients import message, run_fleet
from netlab.demos.listen import listen
from netlab.demos.select_demo import SelectDemo
from netlab.demos.select_server import BACKENDS, EchoServer, Event
from netlab.errors import UsageError
from netlab.views import demo_select as view

HOST = "127.0.0.1"
TIMEOUT = 10.0
AVAILABLE = [b for b in BACKENDS if hasattr(selectors, f"{b.capitalize()}Selector")]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets and /proc")


def _socket_fds() -> set[str]:
    folder = Path("/proc/self/fd")
    if not folder.exists():
        return set()
    found = set()
    for name in os.listdir(folder):
        try:
            if os.readlink(folder / name).startswith("socket:"):
                found.add(name)
        except OSError:
            continue
    return found


def _children() -> set[int]:
    pids: set[int] = set()
    for task in Path("/proc/self/task").glob("*/children"):
        try:
            pids |= {int(p) for p in task.read_text().split()}
        except FileNotFoundError:  # that thread ended between the listing and the read
            continue
    return pids


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    sockets, children = _socket_fds(), _children()
    threads = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and (_socket_fds() - sockets or _children() - children):
        time.sleep(0.02)
    assert _socket_fds() - sockets == set(), "sockets left open"
    assert _children() - children == set(), "child processes left running"
    assert set(threading.enumerate()) - threads == set(), "threads left running"


class Running:
    """A server in a background thread, with the events it reported."""

    def __init__(self, backend: str = "select", **options: object) -> None:
        self.events: list[Event] = []
        self.server = EchoServer(
            listen(HOST, 0, 1024), backend, on_event=self.events.append, **options
        )
        self.port = self.server.address[1]

    def __enter__(self) -> Running:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        assert self.server.error is None

    def wait_idle(self) -> None:
        """Wait until the server has seen every client's close."""
        deadline = time.monotonic() + TIMEOUT
        while self.server.stats.connected:
            assert time.monotonic() < deadline, "connections still open"
            time.sleep(0.01)

    def closes(self, reason: str) -> list[Event]:
        return [e for e in list(self.events) if e.kind == "close" and e.reason == reason]

    def wait_for_close(self, reason: str, count: int = 1) -> list[Event]:
        deadline = time.monotonic() + TIMEOUT
        while len(self.closes(reason)) < count:
            assert time.monotonic() < deadline, f"no {reason} close: {self.closes_by_reason()}"
            time.sleep(0.01)
        return self.closes(reason)

    def closes_by_reason(self) -> dict[str, int]:
        return dict(self.server.stats.closed)


def _client(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
    sock.settimeout(TIMEOUT)
    return sock


def _read_lines(sock: socket.socket, count: int) -> list[bytes]:
    data, seen = bytearray(), 0
    while seen < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        seen += chunk.count(b"\n")
    return bytes(data).split(b"\n")[:count]


def _healthy_fleet(port: int, clients: int = 20, messages: int = 20) -> None:
    result = run_fleet(HOST, port, clients, messages, window=5, idle_timeout=TIMEOUT)
    assert (result.replies_ok, result.wrong, result.lost) == (clients * messages, 0, 0)


# -- many clients -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", AVAILABLE)
def test_200_clients_100_messages_every_reply_upper_cased_in_order(backend):
    with Running(backend) as run:
        result = run_fleet(HOST, run.port, 200, 100, window=10, idle_timeout=TIMEOUT)
        assert result.failures == {}
        assert (result.replies_ok, result.wrong, result.lost) == (20_000, 0, 0)
        assert result.sent == 20_000
        run.wait_idle()
    stats = run.server.stats
    assert stats.accepted == 200
    assert stats.lines == 0  # chunk mode: no line was looked for
    assert stats.chunks >= 200
    assert stats.bytes_in == stats.bytes_out
    assert stats.closed == {"eof": 200}


def test_request_reply_clients_one_message_at_a_time():
    with Running("select") as run:
        result = run_fleet(HOST, run.port, 50, 20, window=1, idle_timeout=TIMEOUT)
    assert (result.replies_ok, result.lost) == (1000, 0)
    assert 0 < result.rtt_p50_ms <= result.rtt_p99_ms


def test_one_round_serves_several_clients():
    with Running("select") as run:
        run_fleet(HOST, run.port, 10, 5, window=5, idle_timeout=TIMEOUT)
    rounds = [e for e in run.events if e.kind == "round"]
    assert max(len(e.readable) for e in rounds) > 1
    # a socket is watched for writing only while replies wait for it: not in every round
    assert min(e.watching[1] for e in rounds) == 0
    assert any(e.writable for e in rounds)
    assert rounds[0].readable == (select_server.LISTENER,)


# -- what one recv() returns is what goes back (the default), lines with --lines ----------------


def _read_until_eof(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_the_tutorial_client_gets_its_send_back_without_a_newline():
    # the seed's client: s.send(b'hello'); s.recv(1024) -- no newline anywhere
    with Running() as run:
        sock = _client(run.port)
        sock.settimeout(2)
        sock.send(b"hello")
        assert sock.recv(1024) == b"HELLO"
        sock.close()
    reads = [e for e in run.events if e.kind == "read"]
    writes = [e for e in run.events if e.kind == "write"]
    assert [(e.nbytes, e.data) for e in reads] == [(5, b"hello")]
    assert [(e.nbytes, e.data) for e in writes] == [(5, b"HELLO")]


@pytest.mark.parametrize("lines", [False, True], ids=["chunks", "lines"])
def test_bytes_before_the_end_of_input_are_answered(lines):
    # printf hello | nc -N 127.0.0.1 PORT: the bytes, then the client's FIN
    with Running(lines=lines) as run:
        sock = _client(run.port)
        sock.sendall(b"hello")
        sock.shutdown(socket.SHUT_WR)
        assert _read_until_eof(sock) == b"HELLO"
        sock.close()
    assert run.closes("eof") and run.closes("eof")[0].dropped == 0


def test_each_chunk_is_answered_as_it_arrives_however_the_message_is_cut():
    with Running() as run:
        sock = _client(run.port)
        got = b""
        for piece in (b"hello fr", b"om a ", b"client\n", b"and m", b"ore"):
            sock.sendall(piece)
            want = len(got) + len(piece)
            while len(got) < want:  # upper-casing is byte-wise: each piece comes back alone
                got += sock.recv(1024)
        sock.close()
    assert got == b"HELLO FROM A CLIENT\nAND MORE"
    assert run.server.stats.chunks == 5 and run.server.stats.lines == 0


def test_line_mode_waits_for_the_newline():
    with Running(lines=True) as run:
        sock = _client(run.port)
        sock.sendall(b"one\ntw")
        assert sock.recv(1024) == b"ONE\n"
        sock.sendall(b"o\nthr")
        assert sock.recv(1024) == b"TWO\n"
        sock.sendall(b"ee")
        sock.shutdown(socket.SHUT_WR)  # the last line has no newline: answered at the end
        assert _read_until_eof(sock) == b"THREE"
        sock.close()
    assert run.server.stats.lines == 3
    assert [e.data for e in run.events if e.kind == "last_line"] == [b"three"]


def test_a_fleet_that_writes_each_message_in_two_pieces_checks_every_byte():
    with Running() as run:
        result = run_fleet(HOST, run.port, 5, 8, newline=False, split=True, idle_timeout=TIMEOUT)
        run.wait_idle()
    assert (result.replies_ok, result.wrong, result.lost) == (40, 0, 0)
    assert result.writes == 80  # two send() calls per message
    stats = run.server.stats
    assert (
        stats.bytes_in
        == stats.bytes_out
        == sum(len(message(c, i)) for c in range(1, 6) for i in range(1, 9))
    )
    assert result.reads >= 40 and stats.chunks >= 40


def test_the_fleet_counts_a_reply_that_differs_as_wrong():
    # an echo server that does not upper-case: the fleet compares byte for byte
    listener = listen(HOST, 0, 16)
    listener.settimeout(TIMEOUT)  # listen() gives a non-blocking socket
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            while data := conn.recv(1024):
                conn.sendall(data)
        done.set()

    server = threading.Thread(target=serve)
    server.start()
    try:
        port = listener.getsockname()[1]
        result = run_fleet(HOST, port, 1, 3, newline=False, idle_timeout=TIMEOUT)
    finally:
        server.join(TIMEOUT)
        listener.close()
    assert (result.replies_ok, result.wrong, result.lost) == (0, 3, 0)


# -- clients that misbehave ----------------------------------------------------------------------


def test_client_that_resets_mid_message_leaves_the_others_served():
    with Running() as run:
        bad = _client(run.port)
        bad.sendall(b"half a mess")
        time.sleep(0.05)
        bad.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        bad.close()  # SO_LINGER 0: the kernel sends RST instead of FIN
        run.wait_for_close("reset")
        _healthy_fleet(run.port)
    assert run.server.stats.connected == 0


def test_client_that_sends_half_a_line_and_vanishes():
    with Running(lines=True) as run:
        bad = _client(run.port)
        bad.sendall(b"no newline here")
        bad.close()
        (event,) = run.wait_for_close("eof")
        assert event.dropped == 0  # the end of input ended the line: it was answered
        (last,) = [e for e in run.events if e.kind == "last_line"]
        assert last.data == b"no newline here"
        _healthy_fleet(run.port)


def test_a_line_longer_than_the_cap_closes_that_client_only():
    with Running(lines=True, max_line=1024) as run:
        good = _client(run.port)
        bad = _client(run.port)
        bad.sendall(b"x" * 2000)
        run.wait_for_close("line_too_long")
        good.sendall(b"still here\n")
        assert _read_lines(good, 1) == [b"STILL HERE"]
        good.close()
        bad.close()


def test_client_that_never_reads_is_disconnected_and_memory_stays_bounded():
    cap = 16 * 1024
    with Running(max_pending=cap, max_line=1024) as run:
        hog = socket.socket()
        hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill up quickly
        hog.settimeout(TIMEOUT)
        hog.connect((HOST, run.port))
        fleet = threading.Thread(target=_healthy_fleet, args=(run.port, 20, 50))
        fleet.start()
        sent, line = 0, b"y" * 1000 + b"\n"
        try:
            while sent < 256 * 1024 * 1024:  # far more than any kernel buffer holds
                hog.sendall(line * 64)
                sent += len(line) * 64
        except OSError:
            pass  # the server closed the connection: reset or broken pipe
        finally:
            hog.close()
            fleet.join(TIMEOUT)
        assert not fleet.is_alive()
        (event,) = run.wait_for_close("slow_reader")
        assert event.dropped > cap
    stats = run.server.stats
    assert stats.peak_buffered <= 1024 + cap + select_server.RECV_SIZE
    assert sent < 256 * 1024 * 1024


def test_partial_sends_keep_the_rest_for_later():
    # 8 MB of replies for a client that reads nothing yet, through a small send buffer (loopback
    # buffers auto-tune to megabytes), so send() takes only part of the pending output and the
    # rest waits for a writable round.
    with Running(max_pending=16 * 1024 * 1024, send_buffer=16 * 1024) as run:
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.settimeout(TIMEOUT)
        slow.connect((HOST, run.port))
        lines = [f"line {i:06d} ".encode() + b"z" * 88 for i in range(80_000)]
        slow.sendall(b"\n".join(lines) + b"\n")
        got = _read_lines(slow, len(lines))
        slow.close()
    assert got == [line.upper() for line in lines]
    writes = [e for e in run.events if e.kind == "write"]
    assert any(e.pending for e in writes), "no partial send happened"


def test_half_close_gets_every_pending_reply_before_the_server_closes():
    with Running() as run:
        sock = _client(run.port)
        sock.sendall(b"one\ntwo\nthree\n")
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        sock.close()
    assert data == b"ONE\nTWO\nTHREE\n"


def _refused_line(sock: socket.socket) -> bytes:
    """What a refused client reads before the server's close. Bytes the client sent after the
    server's last read make that close a RST (RFC 1122 4.2.2.13; Linux does so), which comes
    after the line: the line is read all the same."""
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_select_backend_refuses_past_its_limit_and_tells_the_client_why():
    told = b"full: try later\n"
    with Running("select", select_limit=2, refusals={"fd_setsize": told}) as run:
        kept = [_client(run.port) for _ in range(2)]
        for sock in kept:  # accepted in order: the first two are served
            sock.sendall(b"hi")
            assert sock.recv(10) == b"HI"
        late = _client(run.port)
        eager = _client(run.port)
        eager.sendall(b"unread data\n")  # read and dropped if it came in time
        assert _refused_line(late) == told
        assert _refused_line(eager) == told
        deadline = time.monotonic() + TIMEOUT
        while run.server.stats.refused < 2:  # the event follows the close the client saw
            assert time.monotonic() < deadline
            time.sleep(0.01)
        refused = [e for e in run.events if e.kind == "refuse"]
        assert [(e.reason, e.nbytes) for e in refused] == [("fd_setsize", len(told))] * 2
        assert run.server.stats.connected == 2
        for sock in (*kept, late, eager):
            sock.close()
    with Running("select", select_limit=1) as run:  # no line given: the reason's key
        first, second = _client(run.port), _client(run.port)
        assert _refused_line(second) == b"refused: fd_setsize\n"
        first.close()
        second.close()


@pytest.mark.parametrize("backend", [b for b in AVAILABLE if b != "select"])
def test_poll_and_epoll_have_no_select_limit(backend):
    with Running(backend, select_limit=2) as run:
        socks = [_client(run.port) for _ in range(4)]
        for sock in socks:
            sock.sendall(b"ok")
            assert sock.recv(10) == b"OK"
            sock.close()
    assert run.server.stats.refused == 0


def test_refusal_lines_say_why_in_both_languages():
    for lang, words in (("en", "refused"), ("zh", "拒绝连接")):
        lines = view.refusals(lang)
        assert set(lines) == {"fd_setsize", "no_fds"}
        for line in lines.values():
            assert line.endswith(b"\n") and line.count(b"\n") == 1
            assert words in line.decode("utf-8")
        assert b"1000" in lines["fd_setsize"] and b"poll" in lines["fd_setsize"]
        assert b"ulimit -n" in lines["no_fds"]


# -- idle connections --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", AVAILABLE)
def test_an_idle_connection_is_closed_after_the_idle_timeout(backend):
    with Running(backend, idle_timeout=0.5) as run:
        started = time.monotonic()
        idle = _client(run.port)
        talker = _client(run.port)
        for _ in range(5):  # about 1 s, never 0.5 s without a byte
            time.sleep(0.2)
            talker.sendall(b"ping")
            assert talker.recv(10) == b"PING"
        assert idle.recv(10) == b""  # closed by the server, long before the socket's timeout
        waited = time.monotonic() - started
        (event,) = run.closes("idle")
        assert (event.conn, event.detail, event.dropped) == (1, "0.5", 0)
        assert 0.5 <= event.time < 1.2 and waited < 1.5
        assert run.server.stats.connected == 1  # the talker is still served
        talker.sendall(b"still")
        assert talker.recv(10) == b"STILL"
        idle.close()
        talker.close()
    for lang, words in (("en", "nothing received for 0.5 s (--idle-timeout)"), ("zh", "0.5 秒内")):
        shown = view.event_line(event, lang)
        assert shown is not None and words in shown.plain, shown


def test_the_idle_deadline_counts_from_the_last_bytes_received():
    with Running(idle_timeout=0.4) as run:
        sock = _client(run.port)
        time.sleep(0.3)
        sock.sendall(b"x")
        assert sock.recv(10) == b"X"
        time.sleep(0.25)  # 0.55 s after the connect, 0.25 s after the last byte
        assert run.server.stats.connected == 1
        assert sock.recv(10) == b""  # then 0.4 s of silence
        assert run.closes("idle")
        sock.close()


def test_no_timeout_means_an_idle_connection_stays():
    with Running(idle_timeout=None) as run:
        sock = _client(run.port)
        time.sleep(0.3)
        sock.sendall(b"x")
        assert sock.recv(10) == b"X"
        sock.close()
    assert run.closes("idle") == []


# -- the descriptor limit ----------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _nofile_128() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


@pytest.mark.parametrize("backend", [b for b in ("select", "epoll") if b in AVAILABLE])
def test_at_nofile_128_with_200_clients_the_server_refuses_with_a_line_and_does_not_spin(backend):
    env = {**os.environ, "NETLAB_LANG": "en", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    argv = [sys.executable, "-m", "netlab", "demo", "select", "--server-only", "--backend", backend]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_nofile_128,
    )
    socks: list[socket.socket] = []
    try:
        seen = bytearray()
        found = re.compile(rb"listening on 127\.0\.0\.1:(\d+)\n")
        port = int(found.search(read_until(proc, found, seen=seen)).group(1))
        socks = [_client(port) for _ in range(200)]
        answers = _answers(socks, quiet=0.5)
        refusal = view.refusals("en")["no_fds"]
        assert set(answers.values()) == {refusal}  # every closed client was told why
        assert 50 <= len(answers) <= 100, len(answers)  # about 128 minus the server's own fds
        before = _cpu_seconds(proc.pid)
        time.sleep(2)
        assert _cpu_seconds(proc.pid) - before < 0.2  # no busy loop on the readable listener
        served = [s for s in socks if s not in answers][:3]
        for sock in served:  # the accepted ones are still served
            sock.sendall(b"still here")
            assert sock.recv(100) == b"STILL HERE"
        read_until(
            proc, b"sent it one line saying why, then closed: no free file descriptor", seen=seen
        )
    finally:
        for sock in socks:
            sock.close()
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err


def _answers(socks: list[socket.socket], quiet: float) -> dict[socket.socket, bytes]:
    """What each client that was closed received, read until no socket has had anything to say
    for ``quiet`` seconds (at most TIMEOUT)."""
    got: dict[socket.socket, bytes] = {}
    deadline = time.monotonic() + TIMEOUT
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            ready = selector.select(quiet)
            if not ready:
                break
            for key, _ in ready:
                sock = key.fileobj
                chunk = sock.recv(4096)
                got[sock] = got.get(sock, b"") + chunk
                if not chunk:
                    selector.unregister(sock)
    return got


def test_capacity_check_explains_fd_setsize():
    with pytest.raises(UsageError) as caught:
        select_server.check_capacity("select", 1001)
    assert "FD_SETSIZE = 1024" in caught.value.message
    select_server.check_capacity("select", 1000)
    select_server.check_capacity("poll", 2000)


# -- the loop itself ---------------------------------------------------------------------------


def test_idle_server_sleeps_in_select_and_stop_wakes_it():
    with Running() as run:
        time.sleep(0.1)
        cpu = time.process_time()
        time.sleep(0.5)
        assert time.process_time() - cpu < 0.1  # no busy loop
        assert run.server.stats.rounds == 0  # select() has not returned once
        started = time.monotonic()
    assert time.monotonic() - started < 1.0
    assert run.events[-1].kind == "stopped"


def test_stopping_closes_open_connections():
    with Running() as run:
        sock = _client(run.port)
        sock.sendall(b"hi\n")
        assert _read_lines(sock, 1) == [b"HI"]
    assert sock.recv(10) == b""  # the server closed its side
    sock.close()
    assert run.closes("stopped")
    with pytest.raises(OSError):
        socket.create_connection((HOST, run.port), timeout=1).close()


def test_the_whole_demo_with_its_clients_in_a_child_process():
    events: list[Event] = []
    pacing = {"gap": 0.0, "stagger": 0.0}
    with SelectDemo(HOST, 0, "poll", 4, 3, pacing=pacing) as demo:
        summary = demo.run(events.append)
    assert (summary.messages, summary.replies_ok, summary.lost) == (12, 12, 0)
    assert summary.closed == {"eof": 4}
    kinds = {e.kind for e in events}
    assert {"listening", "round", "accept", "read", "write", "close", "stopped"} <= kinds


def test_a_demo_that_never_ran_closes_its_socket():
    demo = SelectDemo(HOST, 0, "select", 2, 2)
    port = int(demo.address.rsplit(":", 1)[1])
    demo.close()
    with pytest.raises(OSError):
        socket.create_connection((HOST, port), timeout=1).close()
