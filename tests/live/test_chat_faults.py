"""The chat room against hostile peers (issue 13): real sockets on 127.0.0.1, bounded in time.

The server runs as ``netlab demo chat --server-only`` in a child process, as a learner starts
it, so its peak memory (VmHWM), CPU time (utime + stime) and log bytes are the real ones:

- a full room (500 members) where all but two never read while one of them floods
  3,990-character lines: the room stays
  up (dropping members never recurses), its peak RSS stays under 64 MB (the room's queued bytes
  are capped, the slowest reader dropped first), and a member that reads still gets each line
  within 100 ms;
- at the descriptor limit (RLIMIT_NOFILE 128, 200 connections) the server does not spin: the
  connections beyond the limit get a one-line refusal and are closed;
- names, texts, member lists and error codes from a peer never reach the server's log or the
  interactive client's screen raw (no escape sequence, C1 control, bidi override, zero-width or
  line separator; no forged log line; long values cut with a count);
- ``--idle-timeout``: a silent connection is closed with a logged reason;
- an unexpected error while handling one connection drops that connection only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netlab.demos import chat
from netlab.demos.listen import listen

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 5.0
LISTENING = re.compile(rb"listening on 127\.0\.0\.1:(\d+)")
FORBIDDEN = {
    "ESC": b"\x1b",
    "BEL": b"\x07",
    "C1 CSI": "\x9b".encode(),
    "C1 NEL": "\x85".encode(),
    "RLO": "\u202e".encode(),
    "LRI": "\u2066".encode(),
    "ZWSP": "\u200b".encode(),
    "LRM": "\u200e".encode(),
    "WJ": "\u2060".encode(),
    "BOM": "\ufeff".encode(),
    "LS": "\u2028".encode(),
    "PS": "\u2029".encode(),
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NETLAB_LANG="en", PYTHONUNBUFFERED="1", COLUMNS="200")
    env.pop("NO_COLOR", None)
    return env


def frame(message: dict) -> bytes:
    """A frame as a hostile peer would build it: any JSON, no checks."""
    body = json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return struct.pack("!I", len(body)) + body


class Server:
    """``netlab demo chat --server-only`` in a child process; its log is read as it comes."""

    def __init__(self, *options: str, nofile: int | None = None) -> None:
        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        argv = [sys.executable, "-m", "netlab", "demo", "chat", "--server-only", "--port", "0"]
        self.proc = subprocess.Popen(
            [*argv, *options],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            cwd=ROOT,
            preexec_fn=limit,
        )
        self.out = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        found = self.wait_for(LISTENING, 20.0)
        self.address = ("127.0.0.1", int(found.group(1)))

    def _drain(self) -> None:
        while chunk := os.read(self.proc.stdout.fileno(), 65536):
            with self._lock:
                self.out += chunk

    def log(self) -> bytes:
        with self._lock:
            return bytes(self.out)

    def wait_for(self, pattern: re.Pattern[bytes] | bytes, timeout: float = TIMEOUT):
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = regex.search(self.log())
            if found:
                return found
            assert self.proc.poll() is None, f"the server ended: {self.stop()[-1500:]!r}"
            time.sleep(0.01)
        raise AssertionError(f"no {regex.pattern!r} in the log: {self.log()[-1500:]!r}")

    def status(self, field: str) -> int:
        """A kB figure of /proc/PID/status (VmHWM: the peak resident set)."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))

    def cpu(self) -> float:
        """Seconds of CPU the server has used (utime + stime)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> bytes:
        """SIGTERM (as Ctrl-C); the stderr it wrote."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self._reader.join(TIMEOUT)
        return err


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(*options: str, nofile: int | None = None) -> Server:
        started.append(Server(*options, nofile=nofile))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@contextlib.contextmanager
def sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    try:
        yield opened
    finally:
        for sock in opened:
            sock.close()


def member(address: tuple[str, int], name: str, rcvbuf: int | None = None) -> socket.socket:
    """A connection that says hello as ``name`` and reads nothing (not even the welcome)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(TIMEOUT)
    sock.connect(address)
    sock.sendall(chat.pack({"type": "hello", "name": name}))
    return sock


def frames_of(sock: socket.socket, timeout: float) -> list[dict]:
    """Every message on ``sock`` until the server closes it (or ``timeout``)."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    with contextlib.suppress(OSError):
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    messages = []
    while len(data) >= 4:
        (size,) = struct.unpack("!I", data[:4])
        if len(data) < 4 + size:
            break
        messages.append(json.loads(data[4 : 4 + size]))
        del data[: 4 + size]
    return messages


# -- the pure parts ----------------------------------------------------------------------------


def test_printable_shows_every_hiding_or_reordering_character_and_cuts_with_a_count():
    from netlab.printable import clip, printable

    hostile = "a\x1b[2J\x9b\u202e\u2066\u200b\u200d\u2060\ufeff\u2028\u2029\r\nb"
    shown = printable(hostile, newlines=False)
    assert shown == (
        "a\\x1b[2J\\x9b\\u202e\\u2066\\u200b\\u200d\\u2060\\ufeff\\u2028\\u2029\\r\\nb"
    )
    assert printable("line\nnext") == "line\nnext"  # a multi-line text keeps its lines
    assert printable("中文 [red] ok") == "中文 [red] ok"
    assert clip("N" * 10_000, 20) == ("N" * 20, 9_980)
    assert clip("short", 20) == ("short", 0)


def test_a_long_name_is_shown_cut_with_a_count_in_both_languages():
    from netlab.views import demo_chat as view

    assert view.outside("N" * 10_000, 20, "en") == "N" * 20 + "… (+9,980 characters)"
    assert view.outside("N" * 21, 20, "en") == "N" * 20 + "… (+1 character)"
    assert view.outside("a\nb", 20, "zh") == "a\\nb"
    assert "9,980" in view.outside("N" * 10_000, 20, "zh")


def test_the_budget_drops_the_slow_then_the_slowest_readers():
    # 1 and 2 stopped reading together, 3 reads but lags a little, 4 is over its own cap
    queued = {1: 600, 2: 600, 3: 100, 4: 2000, 5: 0}
    assert chat.over_budget(queued, member_cap=1000, room_cap=5000) == [(4, "slow")]
    assert chat.over_budget(queued, member_cap=1000, room_cap=800) == [
        (4, "slow"),
        (1, "slowest"),
        (2, "slowest"),  # as slow as 1: goes with it, although 1 alone would do
    ]
    assert chat.over_budget(queued, member_cap=1000, room_cap=50) == [
        (4, "slow"),
        (1, "slowest"),
        (2, "slowest"),
        (3, "slowest"),
    ]


def test_members_leaving_together_are_not_told_about_each_other():
    room = chat.Room()
    for cid, name in enumerate(("a", "b", "c", "d"), start=1):
        room.receive(cid, {"type": "hello", "name": name})
    outcomes = room.leave_all([1, 2, 9])
    assert [o.sends for o in outcomes] == [
        [(3, {"type": "left", "name": "a"}), (4, {"type": "left", "name": "a"})],
        [(3, {"type": "left", "name": "b"}), (4, {"type": "left", "name": "b"})],
        [],  # never joined: nobody is told
    ]
    assert room.members() == ["c", "d"]


# -- 500 members that never read ----------------------------------------------------------------


class Reader(threading.Thread):
    """A member that reads everything, fast (a flood line is skipped unparsed), and notes how
    long each ``ping`` line took from its sender."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(daemon=True)
        self.sock = sock
        self.delays: list[float] = []
        self.other: list[dict] = []
        self.closed = False
        self.stopping = False

    def run(self) -> None:
        data = bytearray()
        self.sock.settimeout(0.1)
        while not self.stopping:
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
                return
            data += chunk
            start = 0
            while len(data) - start >= 4:
                (size,) = struct.unpack_from("!I", data, start)
                if len(data) - start < 4 + size:
                    break
                if size < 500:
                    message = json.loads(data[start + 4 : start + 4 + size])
                    text = str(message.get("text", ""))
                    if text.startswith("ping "):
                        self.delays.append(time.perf_counter() - float(text[5:]))
                    else:
                        self.other.append(message)
                start += 4 + size
            del data[:start]


SILENT = chat.MAX_CONNECTIONS - 3  # with the flooder, who never reads either, and two readers
FLOODER = """
import socket, sys, time
from netlab.demos import chat
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sock.sendall(chat.pack({"type": "hello", "name": "flooder"}))
lines = chat.pack({"type": "say", "text": "f" * 3990}) * 4
deadline = time.monotonic() + float(sys.argv[2])
sent = 0
try:
    while time.monotonic() < deadline:  # never reads; at most 800 lines (3.2 MB) a second
        sock.sendall(lines)
        sent += 4
        time.sleep(0.005)
except OSError:
    pass
print(sent)
"""


def test_500_members_that_never_read_neither_crash_the_room_nor_exhaust_its_memory(
    server_factory,
):
    server = server_factory()
    with sockets() as opened:
        for i in range(SILENT):  # join, never read: the kernel's buffers fill, then the server's
            opened.append(member(server.address, f"m{i:03}", rcvbuf=4096))
        server.wait_for(f"m{SILENT - 1:03} joined".encode(), 20.0)
        reader_client, _ = chat.join_room(*server.address, "reader", TIMEOUT)
        pinger, _ = chat.join_room(*server.address, "pinger", TIMEOUT)
        opened += [reader_client.sock, pinger.sock]
        reader, drain = Reader(reader_client.sock), Reader(pinger.sock)  # both members read
        reader.start()
        drain.start()
        flooder = subprocess.Popen(  # a process of its own: no lock shared with the readers
            [sys.executable, "-c", FLOODER, str(server.address[1]), "2.0"],
            stdout=subprocess.PIPE,
            env=_env(),
            cwd=ROOT,
        )
        try:
            while flooder.poll() is None:
                pinger.say(f"ping {time.perf_counter()}")
                time.sleep(0.02)
            time.sleep(0.3)
        finally:
            if flooder.poll() is None:
                flooder.kill()
            flooded = int(flooder.communicate(timeout=TIMEOUT)[0] or 0)
            for thread in (reader, drain):
                thread.stopping = True
                thread.join(TIMEOUT)
        alive = server.proc.poll() is None
        peak_kb = server.status("VmHWM") if alive else 0
        log = server.log()
        err = server.stop()
    assert alive, err.decode(errors="replace")[-1500:]
    assert b"internal error" not in err and b"Traceback" not in err
    assert flooded >= 400, flooded
    assert peak_kb < 64 * 1024, f"peak RSS {peak_kb} kB"
    assert not reader.closed and not drain.closed, "a member that reads was dropped"
    assert len(reader.delays) >= 50, reader.delays
    assert max(reader.delays) < 0.1, sorted(reader.delays)[-10:]
    assert re.search(rb"\d+ members left at once: the slowest reader", log), log[-2000:]


def test_hundreds_of_members_over_their_cap_at_once_are_dropped_without_recursion():
    events: list[chat.ChatEvent] = []
    server = chat.ChatServer(
        listen("127.0.0.1", 0), events.append, max_pending=65536, max_queued=1 << 30
    )
    server.send_buffer = 4096  # the kernel takes little: the server's queues fill at once
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        with sockets() as opened:
            for i in range(400):
                opened.append(member(server.address, f"m{i:03}", rcvbuf=4096))
            talker, _ = chat.join_room(*server.address, "talker", TIMEOUT)
            listener, _ = chat.join_room(*server.address, "listener", TIMEOUT)
            opened += [talker.sock, listener.sock]
            reader = Reader(listener.sock)
            reader.start()
            deadline = time.monotonic() + TIMEOUT
            try:
                while server.connections > 2:  # every line takes all 400 nearer to their cap
                    assert time.monotonic() < deadline and thread.is_alive()
                    talker.say("z" * 3990)
                    time.sleep(0.002)
                assert thread.is_alive()
                talker.say("ping 0")  # still chatting: the listener gets it
                while not reader.delays:
                    assert time.monotonic() < deadline and not reader.closed
                    time.sleep(0.01)
            finally:
                reader.stopping = True
                reader.join(TIMEOUT)
        gone = [n for e in events if e.kind == "left_many" for n in e.names]
        gone += [e.name for e in events if e.kind == "left"]
        assert sorted(gone) == [f"m{i:03}" for i in range(400)]
        assert {e.reason for e in events if e.kind in ("left", "left_many")} == {"slow"}
    finally:
        server.stop()
        thread.join(TIMEOUT)


# -- the descriptor limit -----------------------------------------------------------------------


def test_at_the_descriptor_limit_the_server_refuses_without_spinning(server_factory):
    server = server_factory(nofile=128)
    with sockets() as opened:
        for _ in range(200):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.setblocking(False)
            sock.connect_ex(server.address)
            opened.append(sock)
        time.sleep(0.5)  # the connections are accepted or refused by now
        before = server.cpu()
        time.sleep(2.0)
        spent = server.cpu() - before
        assert server.proc.poll() is None, server.stop()[-1500:]
        refused = 0
        for sock in opened:
            sock.setblocking(True)
            got = frames_of(sock, 0.02)
            refused += {"type": "error", "code": "no_fds"} in got
        assert spent < 0.2, f"{spent:.2f} s of CPU over 2 s while idle"
        assert refused >= 50, refused
        for sock in opened[:120]:  # free some descriptors: the next one gets in and joins
            sock.close()
        del opened[:120]
        time.sleep(0.2)
        client, _ = chat.join_room(*server.address, "late", TIMEOUT)
        opened.append(client.sock)
        server.wait_for(b"late joined")
        assert server.proc.poll() is None
    err = server.stop()
    assert b"internal error" not in err and b"Traceback" not in err


# -- text from peers ----------------------------------------------------------------------------

HOSTILE_NAMES = [
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x9b31mred",
    "\u202eevil",
    "x\u200by",
    "a\nb",
    "p\u2029q",
    "N" * 10_000,
]
HOSTILE_TEXTS = ["right\u202eto left", "zero\u200bwidth\ufeff\u2060", "line\u2028sep", "m\u2066i"]


def test_names_and_lines_from_peers_reach_the_log_escaped(server_factory):
    server = server_factory()
    with sockets() as opened:
        for name in HOSTILE_NAMES:
            sock = socket.create_connection(server.address, TIMEOUT)
            opened.append(sock)
            sock.sendall(frame({"type": "hello", "name": name}))
            assert frames_of(sock, TIMEOUT) == [{"type": "error", "code": "bad_name"}]
        talker, _ = chat.join_room(*server.address, "talker", TIMEOUT)
        opened.append(talker.sock)
        for text in HOSTILE_TEXTS:
            talker.say(text)
        server.wait_for(b"m\\u2066i")
    log = server.log()
    for what, raw in FORBIDDEN.items():
        assert raw not in log, (what, log[-2000:])
    assert b"refused as a\\nb:" in log  # one record stays one line
    assert b"refused as \\x1b[2J:" in log and b"refused as \\x9b31mred:" in log
    assert b"refused as x\\u200by:" in log and b"refused as p\\u2029q:" in log
    assert b"right\\u202eto left" in log and b"line\\u2028sep" in log
    assert b"zero\\u200bwidth\\ufeff\\u2060" in log
    assert b"N" * 21 not in log and b"(+9,980 characters)" in log
    assert len(log) < 5000


def test_the_interactive_client_shows_a_hostile_servers_words_escaped():
    listener = listen("127.0.0.1", 0)
    listener.setblocking(True)
    listener.settimeout(TIMEOUT)
    argv = [sys.executable, "-m", "netlab.demos.chat", "--name", "alice"]
    argv += ["--port", str(listener.getsockname()[1])]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )
    try:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            conn.recv(4096)  # the hello
            members = ["\x1b[2Jbob", "a\nb", "\u202eevil", "N" * 10_000]
            messages = [
                {"type": "welcome", "name": "alice", "members": members},
                {"type": "said", "name": "\x1b]0;pwned\x07", "text": "hi\x9b31m\u2028there"},
                {"type": "said", "name": "bob", "text": "z\u200bw\ufeff " + "T" * 10_000},
                {"type": "joined", "name": "x\ny\u2066"},
                {"type": "left", "name": "\x1b[31mred"},
                {"type": "said", "name": {"not": "a name"}, "text": ["not", "text"]},
                {"type": "error", "code": "\x1b[2J" + "C" * 5000},
            ]
            conn.sendall(b"".join(frame(m) for m in messages))
            time.sleep(0.3)
        out, err = proc.communicate(timeout=20)
    finally:
        listener.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"internal error" not in err
    for what, raw in FORBIDDEN.items():
        assert raw not in out, (what, out[-2000:])
    assert b"\\x1b[2Jbob" in out and b"a\\nb" in out and b"\\u202eevil" in out
    assert b"\\x1b]0;pwned\\x07: hi\\x9b31m\\u2028there" in out
    assert b"* x\\ny\\u2066 joined" in out and b"* \\x1b[31mred left" in out
    assert b"N" * 21 not in out and b"(+9,980 characters)" in out
    assert b"T" * 4001 not in out and b"(+6,005 characters)" in out
    assert b"C" * 100 not in out


# -- idle connections ---------------------------------------------------------------------------


def test_idle_connections_are_closed_with_a_reason(server_factory):
    server = server_factory("--idle-timeout", "0.5")
    with sockets() as opened:
        silent = member(server.address, "silent")
        stranger = socket.create_connection(server.address, TIMEOUT)  # never says hello
        talker, _ = chat.join_room(*server.address, "talker", TIMEOUT)
        opened += [silent, stranger, talker.sock]
        started = time.monotonic()
        for _ in range(8):  # 1.2 s: the talker keeps talking, and stays
            talker.say("still here")
            time.sleep(0.15)
        got = frames_of(silent, TIMEOUT)
        assert {"type": "error", "code": "idle"} in got
        assert time.monotonic() - started < 2.0
        assert frames_of(stranger, TIMEOUT) == [{"type": "error", "code": "idle"}]
        assert {"type": "left", "name": "silent"} in talker.receive(0.1)
        server.wait_for(b"silent left: sent nothing for longer than the idle timeout")
        server.wait_for(b"disconnected: sent nothing for longer than the idle timeout")
        log = server.log()
        assert log.count(b"talker: still here") == 8
        assert b"talker left" not in log.split(b"talker: still here")[-2]
        assert b"A connection that sends nothing for 0.5 s is closed" in log


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "1e9", ""])
def test_a_bad_idle_timeout_is_a_one_line_error(value):
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "demo", "chat", "--server-only", "--idle-timeout", value],
        capture_output=True,
        env=_env(),
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netlab: error: --idle-timeout"), lines


def test_the_idle_timeout_is_for_the_server():
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "demo", "chat", "--idle-timeout", "5", "--json"],
        capture_output=True,
        env=_env(),
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines() == [
        "netlab: error: --idle-timeout needs --server-only"
    ]


# -- one event never takes the room down ---------------------------------------------------------


def test_an_internal_error_on_one_connection_drops_that_connection_only(monkeypatch):
    events: list[chat.ChatEvent] = []
    server = chat.ChatServer(listen("127.0.0.1", 0), events.append)
    receive = server._room.receive

    def fragile(cid: int, message: dict):
        if message.get("text") == "boom":
            raise RuntimeError("a bug")
        return receive(cid, message)

    monkeypatch.setattr(server._room, "receive", fragile)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    clients = []
    try:
        alice, _ = chat.join_room(*server.address, "alice", TIMEOUT)
        bob, _ = chat.join_room(*server.address, "bob", TIMEOUT)
        mallory, _ = chat.join_room(*server.address, "mallory", TIMEOUT)
        clients += [alice, bob, mallory]
        mallory.say("boom")
        assert {"type": "error", "code": "internal"} in mallory.leave(TIMEOUT)
        alice.say("we carry on")
        got: list[dict] = []
        deadline = time.monotonic() + TIMEOUT
        while {"type": "said", "name": "alice", "text": "we carry on"} not in got:
            assert time.monotonic() < deadline, got
            got += bob.receive(deadline - time.monotonic())
        assert {"type": "left", "name": "mallory"} in got
        assert any(e.kind == "left" and e.reason == "internal" for e in events)
        assert thread.is_alive()
    finally:
        for client in clients:
            client.close()
        server.stop()
        thread.join(TIMEOUT)


def test_a_member_who_only_reads_stays(server_factory):
    """The interactive client pings at a third of the idle timeout its welcome announced, so a
    member who reads without typing is not taken for idle; a ping is answered with nothing."""
    from netlab.demos.chat_client import interact

    server = server_factory("--idle-timeout", "0.6")
    client, _ = chat.join_room(*server.address, "reader", TIMEOUT)
    assert client.ping_every == pytest.approx(0.2)
    read_end, write_end = os.pipe()
    shown: list[dict] = []
    ended: list[str] = []
    loop = threading.Thread(
        target=lambda: ended.append(interact(client, read_end, shown.append, lambda _: None)),
        daemon=True,
    )
    try:
        loop.start()
        time.sleep(2.0)  # more than three idle timeouts without typing
        assert loop.is_alive() and not ended
        os.close(write_end)  # the learner ends the input: leave gracefully
        loop.join(TIMEOUT)
        assert ended == ["eof"]
        assert {"type": "error", "code": "idle"} not in shown
        server.wait_for(b"reader left")
        assert b"reader left: sent nothing" not in server.log()
    finally:
        client.close()
        os.close(read_end)
