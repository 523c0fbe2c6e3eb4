"""The one-thread chat room on real sockets (127.0.0.1, port 0): delivery, names, bad clients.

Every line reaches every *other* member exactly once, in order, and never comes back to its
sender (the server does not echo: the sender's own terminal shows what it typed). A bad client
(taken name, malformed or oversized frame, vanishing mid-frame, never reading) loses its own
connection while the others keep chatting. Each test has timeouts and leaves no thread, process
or socket behind (the ``no_leftovers`` fixture checks).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from childproc import read_until

from netlab.demos import chat
from netlab.demos.listen import listen
from netlab.framing import encode

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 5.0


def _sockets() -> int:
    """Sockets this process has open (Linux), or -1 where /proc can't tell."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return -1
    count = 0
    for fd in fds:
        with contextlib.suppress(OSError):  # closed meanwhile
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    threads, sockets = set(threading.enumerate()), _sockets()
    yield
    extra = [t for t in threading.enumerate() if t not in threads and t.is_alive()]
    assert extra == [], f"threads left behind: {extra}"
    if sockets >= 0:
        assert _sockets() == sockets, "sockets left open"


class Log:
    """The server's events, collected from its thread."""

    def __init__(self) -> None:
        self.events: list[chat.ChatEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: chat.ChatEvent) -> None:
        with self._lock:
            self.events.append(event)

    def wait_for(self, kind: str, name: str | None = None, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for event in self.events:
                    if event.kind == kind and (name is None or event.name == name):
                        return event
            time.sleep(0.005)
        raise AssertionError(f"no {kind} event for {name}: {self.events[-5:]}")


class Room:
    def __init__(self, max_pending: int = chat.MAX_PENDING) -> None:
        self.log = Log()
        self.server = chat.ChatServer(listen("127.0.0.1", 0), self.log, max_pending=max_pending)
        self.address = self.server.address
        self.thread = threading.Thread(target=self.server.serve, daemon=True)
        self.clients: list[chat.ChatClient] = []
        self.thread.start()

    def join(self, name: str) -> chat.ChatClient:
        client, _ = chat.join_room(*self.address, name, TIMEOUT)
        self.clients.append(client)
        return client

    def raw(self) -> chat.ChatClient:
        client = chat.ChatClient.connect(*self.address, TIMEOUT)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.server.stop()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


@pytest.fixture
def room() -> Iterator[Room]:
    room = Room()
    try:
        yield room
    finally:
        room.close()


def receive_until(client: chat.ChatClient, count: int, kind: str = "said") -> list[dict]:
    """Everything the client receives until it has ``count`` messages of ``kind``."""
    got: list[dict] = []
    deadline = time.monotonic() + TIMEOUT
    while sum(m["type"] == kind for m in got) < count:
        assert time.monotonic() < deadline, f"only {got[-3:]} after {TIMEOUT} s"
        got += client.receive(deadline - time.monotonic())
    return got


_unread: weakref.WeakKeyDictionary[chat.ChatClient, list[dict]] = weakref.WeakKeyDictionary()


def expect(client: chat.ChatClient, message: dict) -> None:
    """Wait until ``client`` receives ``message``; what else came stays for the next call."""
    unread = _unread.setdefault(client, [])
    deadline = time.monotonic() + TIMEOUT
    while message not in unread:
        assert time.monotonic() < deadline, f"never received {message}"
        unread += client.receive(deadline - time.monotonic())
    unread.remove(message)


# -- the pure parts ----------------------------------------------------------------------------


def test_the_room_decides_who_receives_what_without_sockets():
    room = chat.Room()
    assert room.receive(1, {"type": "hello", "name": "alice"}).sends == [
        (1, {"type": "welcome", "name": "alice", "members": [], "idle_timeout": None})
    ]
    joined = room.receive(2, {"type": "hello", "name": "bob"})
    assert joined.sends[1:] == [(1, {"type": "joined", "name": "bob"})]
    said = room.receive(2, {"type": "say", "text": "hi"})
    assert said.sends == [(1, {"type": "said", "name": "bob", "text": "hi"})]
    assert said.recipients == ("alice",)
    assert room.receive(3, {"type": "hello", "name": "Alice"}).error == "name_taken"
    assert room.receive(3, {"type": "say", "text": "hi"}).error == "not_joined"
    assert room.leave(1).sends == [(2, {"type": "left", "name": "alice"})]
    assert room.leave(1).sends == []  # leaving twice tells nobody twice
    assert room.members() == ["bob"]


def test_typed_lines_are_cut_at_newlines_and_an_overlong_one_is_never_split():
    lines = chat.LineBuffer(limit=10)
    assert lines.feed(b"one\ntw") == ["one"]
    assert lines.feed(b"o\r\n") == ["two\r"]
    assert lines.feed(b"x" * 11) == ["x" * 11]  # reported (and then refused as too long)
    assert lines.feed(b"yyyy\nnext") == []  # the rest of that line is skipped
    assert lines.close() == ["next"]
    assert chat.clean_line(" \x1b[2Jhi\tthere\r") == "[2Jhi there"


# -- delivery ----------------------------------------------------------------------------------


def test_twenty_clients_each_line_reaches_every_other_member_exactly_once(room):
    names = [f"c{i:02}" for i in range(20)]
    clients = {name: room.join(name) for name in names}
    for round_ in range(3):
        for name, client in clients.items():
            client.say(f"{name} line {round_}")
    received = {name: receive_until(c, 19 * 3) for name, c in clients.items()}
    for name, client in clients.items():  # leave gracefully: whatever is still queued arrives
        received[name] += client.leave(TIMEOUT)
        assert not client.open
    for i, name in enumerate(names):
        said = [(m["name"], m["text"]) for m in received[name] if m["type"] == "said"]
        expected = sorted((o, f"{o} line {r}") for o in names if o != name for r in range(3))
        assert sorted(said) == expected  # each other member's lines, exactly once, none own
        for other in names:  # and each sender's lines in the order they were said
            mine = [t for n, t in said if n == other]
            assert mine == sorted(mine)
        joined = [m["name"] for m in received[name] if m["type"] == "joined"]
        assert joined == names[i + 1 :]
        left = [m["name"] for m in received[name] if m["type"] == "left"]
        assert left == names[:i]
    assert room.server.connections == 0


def test_a_line_is_not_echoed_to_its_sender(room):
    alice, bob = room.join("alice"), room.join("bob")
    alice.say("only for bob")
    expect(bob, {"type": "said", "name": "alice", "text": "only for bob"})
    rest = alice.leave(TIMEOUT)
    assert rest == [{"type": "joined", "name": "bob"}]


def test_welcome_lists_the_members_already_there(room):
    room.join("alice")
    room.join("bob")
    client, members = chat.join_room(*room.address, "carol", TIMEOUT)
    room.clients.append(client)
    assert members == ["alice", "bob"]


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("taken", ["bob", "BOB", "ｂｏｂ"])
def test_a_taken_name_is_refused_with_an_error_frame(room, taken):
    bob, carol = room.join("bob"), room.join("carol")
    with pytest.raises(chat.Refused) as refused:
        chat.join_room(*room.address, taken, TIMEOUT)
    assert refused.value.code == "name_taken"
    assert refused.value.status == 2
    assert "already taken" in refused.value.render("en")
    bob.say("still here")
    expect(carol, {"type": "said", "name": "bob", "text": "still here"})
    room.log.wait_for("dropped", taken)


def test_a_name_is_free_again_once_its_member_left(room):
    bob = room.join("bob")
    bob.leave(TIMEOUT)
    room.join("bob")


@pytest.mark.parametrize("name", ["", " ", "x" * 21, "tab\there", " padded", 7, None])
def test_a_bad_name_is_refused(room, name):
    client = room.raw()
    client.send({"type": "hello", "name": name})
    assert client.leave(TIMEOUT) == [{"type": "error", "code": "bad_name"}]


def test_twenty_characters_of_any_script_are_a_name(room):
    room.join("名" * 20)
    room.join("x" * 20)


# -- bad clients -------------------------------------------------------------------------------

BAD_FRAMES = [
    pytest.param(encode(b"hello?"), "malformed", id="not-json"),
    pytest.param(encode(b"\xff\xfe\xfd"), "malformed", id="not-utf8"),
    pytest.param(encode(b"[1, 2]"), "malformed", id="not-an-object"),
    pytest.param(encode(b"[" * 50000), "malformed", id="deeply-nested"),
    pytest.param(chat.pack({"type": "shout", "text": "HI"}), "malformed", id="unknown-type"),
    pytest.param(chat.pack({"type": "say", "text": "\x1b[2J"}), "malformed", id="control-chars"),
    pytest.param(chat.pack({"type": "say", "text": "x" * 4001}), "malformed", id="line-too-long"),
    pytest.param(chat.pack({"type": "hello", "name": "again"}), "already_joined", id="hello-2x"),
    pytest.param(
        struct.pack("!I", chat.MAX_FRAME + 1) + b"x" * 100, "too_large", id="oversized-header"
    ),
]


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
def test_a_bad_frame_disconnects_that_client_only(room, frame, code):
    alice, bob = room.join("alice"), room.join("bob")
    mallory = room.join("mallory")
    receive_until(alice, 1, "joined")
    mallory.sock.sendall(frame)
    assert {"type": "error", "code": code} in mallory.leave(TIMEOUT)
    assert not mallory.open
    for client in (alice, bob):
        expect(client, {"type": "left", "name": "mallory"})
    assert room.log.wait_for("left", "mallory").reason == code
    alice.say("we carry on")
    expect(bob, {"type": "said", "name": "alice", "text": "we carry on"})


def test_speaking_before_hello_is_refused(room):
    alice = room.join("alice")
    stranger = room.raw()
    stranger.say("who am I?")
    assert stranger.leave(TIMEOUT) == [{"type": "error", "code": "not_joined"}]
    assert alice.receive(0.05) == []  # nobody heard it


@pytest.mark.parametrize("ending", ["close", "reset"])
def test_a_client_vanishing_mid_frame(room, ending):
    alice = room.join("alice")
    mallory = room.join("mallory")
    receive_until(alice, 1, "joined")
    frame = chat.pack({"type": "say", "text": "never finished"})
    mallory.sock.sendall(frame[:9])
    if ending == "reset":  # SO_LINGER 0: close() sends RST instead of FIN
        mallory.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    mallory.close()
    expect(alice, {"type": "left", "name": "mallory"})
    reason = room.log.wait_for("left", "mallory").reason
    assert reason == ("truncated" if ending == "close" else "reset")
    carol = room.join("carol")
    carol.say("the room still works")
    expect(alice, {"type": "said", "name": "carol", "text": "the room still works"})


def test_a_client_that_never_reads_is_disconnected_and_memory_stays_bounded():
    cap = 64 * 1024
    room = Room(max_pending=cap)
    try:
        sleepy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sleepy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sleepy.settimeout(TIMEOUT)
        sleepy.connect(room.address)
        lazy = chat.ChatClient(sleepy, TIMEOUT)
        room.clients.append(lazy)
        lazy.join("sleepy")
        talker = room.join("talker")
        line = "z" * chat.MAX_TEXT
        for _ in range(3000):  # at most 12 MB: the kernel's buffers fill, then ours
            talker.say(line)
            if any(e.kind == "left" for e in room.log.events):
                break
            conns = tuple(room.server._conns.values())  # read from the test thread: a snapshot
            assert all(len(c.out) <= cap + 2 * len(line) for c in conns)
        assert room.log.wait_for("left", "sleepy").reason == "slow"
        expect(talker, {"type": "left", "name": "sleepy"})
    finally:
        room.close()


def test_the_room_refuses_connections_beyond_its_capacity():
    server = chat.ChatServer(listen("127.0.0.1", 0), capacity=2)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    clients = []
    try:
        for name in ("a", "b"):
            clients.append(chat.join_room(*server.address, name, TIMEOUT)[0])
        third = chat.ChatClient.connect(*server.address, TIMEOUT)
        clients.append(third)
        assert third.leave(TIMEOUT) == [{"type": "error", "code": "full"}]
    finally:
        for client in clients:
            client.close()
        server.stop()
        thread.join(TIMEOUT)


# -- the scripted room -------------------------------------------------------------------------

TRANSCRIPT = [
    (1, "alice", "join", (), None),
    (2, "bob", "join", ("alice",), None),
    (3, "carol", "join", ("alice", "bob"), None),
    (4, "bob", "taken", (), "name_taken"),
    (5, "alice", "say", ("bob", "carol"), None),
    (6, "bob", "say", ("alice", "carol"), None),
    (7, "carol", "say", ("alice", "bob"), None),
    (8, "?", "malformed", (), "malformed"),
    (9, "alice", "say", ("bob", "carol"), None),
    (10, "carol", "leave", ("alice", "bob"), None),
    (11, "bob", "leave", ("alice",), None),
    (12, "alice", "leave", (), None),
]


def test_the_bots_room_ends_with_the_expected_transcript():
    lines = ["one", "two", "three", "four"]
    shown: list[chat.BotStep] = []
    result = chat.run_bots(lines, on_step=shown.append, timeout=TIMEOUT)
    assert [(s.index, s.actor, s.action, s.delivered, s.reply) for s in result.steps] == TRANSCRIPT
    assert list(result.steps) == shown  # each step was handed over as it happened
    assert [s.text for s in result.steps if s.action == "say"] == lines
    assert result.verified
    assert (result.messages, result.deliveries, result.extra) == (4, 14, 0)
    assert result.rounds > 0
    assert result.elapsed_s < TIMEOUT


# -- the interactive client, driven through a pipe ---------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NETLAB_LANG="en", PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


def _client(port: int, name: str, stdin: Any = subprocess.PIPE) -> subprocess.Popen:
    argv = [sys.executable, "-m", "netlab.demos.chat", "--name", name, "--port", str(port)]
    return subprocess.Popen(
        argv,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )


def test_the_interactive_client_chats_through_piped_stdin(room):
    bob = room.join("bob")
    proc = _client(room.address[1], "alice")
    seen = bytearray()
    try:
        read_until(proc, b"Already here: bob.", seen=seen)
        expect(bob, {"type": "joined", "name": "alice"})
        bob.say("hi alice")
        read_until(proc, b"bob: hi alice", seen=seen)
        proc.stdin.write("hello bob\n\n你好\n".encode())
        proc.stdin.flush()
        expect(bob, {"type": "said", "name": "alice", "text": "hello bob"})
        expect(bob, {"type": "said", "name": "alice", "text": "你好"})
        out, err = proc.communicate(timeout=20)  # closes stdin: the client leaves gracefully
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    seen += out
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    assert b"you: hello bob" in seen
    assert b"You left the room." in seen
    expect(bob, {"type": "left", "name": "alice"})


def test_the_interactive_client_reads_lines_from_a_file(room, tmp_path):
    bob = room.join("bob")
    script = tmp_path / "lines.txt"
    script.write_text("first\n" + "x" * 5000 + "\nlast", encoding="utf-8")
    with script.open("rb") as stdin:  # a regular file: epoll would refuse it
        proc = _client(room.address[1], "alice", stdin)
    try:
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert b"(not sent: a line may have at most 4000 characters)" in out
    said = [m for m in bob.leave(TIMEOUT) if m["type"] == "said"]
    assert [m["text"] for m in said] == ["first", "last"]


def test_the_interactive_client_refused_for_a_taken_name(room):
    room.join("alice")
    proc = _client(room.address[1], "Alice")
    try:
        _, err = proc.communicate(b"", timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == [
        "netlab: error: the name Alice is already taken in this room; choose another --name"
    ]


def test_the_interactive_client_ctrl_c_leaves_cleanly(room):
    bob = room.join("bob")
    proc = _client(room.address[1], "alice")
    seen = bytearray()
    try:
        read_until(proc, b"Already here: bob.", seen=seen)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert err.decode().strip().splitlines() == ["netlab: interrupted"]
    expect(bob, {"type": "left", "name": "alice"})
