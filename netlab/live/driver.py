"""Driving a real socket pair on 127.0.0.1, one call at a time, and reading the kernel after each.

Owns ``run``: it binds a listening socket and a client socket on 127.0.0.1 (port 0: ports the
kernel picks), makes the calls of a ``netlab.live.script`` one by one, and after each reads both
sockets' states from /proc/net/tcp (``netlab.live.proc_tcp``), polling every few milliseconds
until the kernel shows the states the model expects, or a socket has reached a state it cannot
leave (CLOSED, TIME-WAIT), or ``timeout`` has passed: the result does not hang on timing luck
(a delayed ACK takes at most 200 ms on Linux), and it never waits long.

Everything is closed at the end, also after an error or Ctrl-C: a socket still open is reset
(SO_LINGER 0), so no TIME-WAIT is left behind by a run that stopped half-way. A socket that was
closed by the script stays in the kernel's table for TIME-WAIT's 60 s: that is the kernel's, not
netlab's. No protocol logic here: what to expect comes from the model (``netlab.live.compare``).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from netlab.errors import NetlabError
from netlab.i18n import Note
from netlab.live import proc_tcp
from netlab.live.script import Call

LOOPBACK = "127.0.0.1"
POLL_INTERVAL = 0.002  # seconds between two reads of /proc/net/tcp
SETTLE_TIMEOUT = 0.5  # longest wait for the expected states (Linux's delayed ACK: <= 200 ms)
CALL_TIMEOUT = 2.0  # longest wait of a blocking call (connect, accept, recv)
FINAL = ("CLOSED", "TIME-WAIT")  # states a connection leaves only by a timer of 60 s, or never
ABSENT = "CLOSED"  # a socket the table does not list is closed (or not connected yet)
SIDES = ("client", "server")

Expected = dict[str, str] | None
Hook = Callable[[int, int], None]


class LiveError(NetlabError):
    """A socket call of the live run failed (exit status 1): the message names the call."""


@dataclass
class Checkpoint:
    """What the kernel showed after one call.

    ``kernel``: each side's state (the client's socket; on the server side the connection's
    socket once it exists, before that the listening socket). ``listener``: the listening
    socket's own state. ``queues``: per side, (bytes sent and not yet acknowledged, bytes
    received and not yet read). ``time``: seconds from the start of the run to the reading.
    ``waited``: seconds spent polling; ``reached``: the kernel showed the expected states.
    A call made without looking (``Call.look`` False) has empty ``kernel`` and ``queues``.
    """

    index: int
    call: Call
    kernel: dict[str, str]
    listener: str
    queues: dict[str, tuple[int, int]]
    time: float
    started: float
    waited: float = 0.0
    reached: bool = True
    received: bytes | None = None


@dataclass
class Run:
    """A whole live run: the addresses, one checkpoint per call, and the wall-clock times
    (``time.time()``) of its start and of its last reading (before the clean-up)."""

    client: tuple[str, int]
    server: tuple[str, int]
    checkpoints: list[Checkpoint] = field(default_factory=list)
    started_at: float = 0.0
    finished_at: float = 0.0


class _Pair:
    """The sockets of one run and the reading of their states."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socks: dict[str, socket.socket | None] = {"client": None, "server": None}
        self.listener.bind((LOOPBACK, 0))
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socks["client"] = client
        client.bind((LOOPBACK, 0))
        self.server_addr: tuple[str, int] = self.listener.getsockname()
        self.client_addr: tuple[str, int] = client.getsockname()
        self.server_seen = False

    def read(self) -> tuple[dict[str, str], str, dict[str, tuple[int, int]]]:
        # Both sockets are IPv4 ones, which the kernel lists in net/tcp only (net/tcp6 holds
        # IPv6 sockets, and IPv4 peers of sockets opened as IPv6).
        ports = (self.client_addr[1], self.server_addr[1])
        table = proc_tcp.read_table(self.root, ("net/tcp",), ports)
        client = proc_tcp.find(table, self.client_addr, self.server_addr)
        server = proc_tcp.find(table, self.server_addr, self.client_addr)
        listener = proc_tcp.find(table, self.server_addr, ("0.0.0.0", 0))
        listening = listener.state if listener is not None else ABSENT
        self.server_seen = self.server_seen or server is not None
        states = {
            "client": client.state if client is not None else ABSENT,
            "server": server.state
            if server is not None
            else (ABSENT if self.server_seen else listening),
        }
        queues = {
            name: (s.tx_queue, s.rx_queue) if s is not None else (0, 0)
            for name, s in (("client", client), ("server", server))
        }
        return states, listening, queues

    def sock(self, side: str) -> socket.socket:
        found = self.socks.get(side)
        if found is None:
            raise RuntimeError(f"the {side} has no open socket")
        return found

    def close(self, side: str) -> None:
        found = self.socks[side]
        self.socks[side] = None
        if found is not None:
            found.close()

    def abort_all(self) -> None:
        """Close whatever is still open; reset open connections (no TIME-WAIT left behind)."""
        for side in SIDES:
            found = self.socks[side]
            self.socks[side] = None
            if found is None:
                continue
            with contextlib.suppress(OSError):
                found.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            found.close()
        self.listener.close()


def _settled(states: dict[str, str], expected: Expected) -> bool:
    if expected is None:
        return True
    return all(states[s] == expected.get(s, states[s]) or states[s] in FINAL for s in SIDES)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    got = bytearray()
    while len(got) < size:
        chunk = sock.recv(size - len(got))
        if not chunk:
            break
        got.extend(chunk)
    return bytes(got)


def _recv_eof(sock: socket.socket) -> bytes:
    """Read until recv() returns b'' (the peer's FIN); return what came before it."""
    got = bytearray()
    while chunk := sock.recv(65536):
        got.extend(chunk)
    return bytes(got)


def _close_both(pair: _Pair) -> None:
    """Both applications call close() at the same moment, from two threads."""
    barrier = threading.Barrier(2, timeout=CALL_TIMEOUT)
    failures: list[BaseException] = []

    def close(side: str) -> None:
        try:
            sock = pair.sock(side)
            barrier.wait()
            sock.close()
        except BaseException as exc:  # reported by the caller's thread
            failures.append(exc)

    threads = [threading.Thread(target=close, args=(side,), daemon=True) for side in SIDES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CALL_TIMEOUT)
    pair.socks = {"client": None, "server": None}
    if failures:
        raise failures[0]


def _perform(pair: _Pair, call: Call) -> bytes | None:
    """Make one call; return what a recv returned (None for the other calls)."""
    op = call.op
    if op in ("setup", "listen"):
        pair.listener.listen(1)
    if op in ("setup", "connect"):
        client = pair.sock("client")
        client.settimeout(CALL_TIMEOUT)
        client.connect(pair.server_addr)
    if op in ("setup", "accept"):
        pair.listener.settimeout(CALL_TIMEOUT)
        conn, _ = pair.listener.accept()
        conn.settimeout(CALL_TIMEOUT)
        pair.socks["server"] = conn
    if op == "send":
        for part in call.data:
            pair.sock(call.actor).sendall(part)
    elif op == "recv":
        return _recv_exactly(pair.sock(call.actor), call.size)
    elif op == "recv_eof":
        return _recv_eof(pair.sock(call.actor))
    elif op == "shutdown":
        pair.sock(call.actor).shutdown(socket.SHUT_WR)
    elif op == "close":
        pair.close(call.actor)
    elif op == "close_both":
        _close_both(pair)
    return None


def run(
    calls: list[Call],
    expected: list[Expected],
    *,
    before_traffic: Hook | None = None,
    timeout: float = SETTLE_TIMEOUT,
    root: Path | None = None,
) -> Run:
    """Make ``calls`` on a fresh socket pair; after call i poll the kernel until it shows
    ``expected[i]`` (None: read once). ``before_traffic(client_port, server_port)`` runs once
    both ports are known and before the first segment (to start a capture)."""
    if len(expected) != len(calls):
        raise ValueError("one expectation per call")
    pair = _Pair(root)
    result = Run(client=pair.client_addr, server=pair.server_addr, started_at=time.time())
    try:
        if before_traffic is not None:
            before_traffic(pair.client_addr[1], pair.server_addr[1])
        origin = result.started_at  # wall clock, as the capture's timestamps
        for index, (call, want) in enumerate(zip(calls, expected, strict=True), start=1):
            if call.wait:
                time.sleep(call.wait)
            started = time.time()
            try:
                received = _perform(pair, call)
            except (OSError, RuntimeError, threading.BrokenBarrierError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                what = f"{call.actor} {call.op}".strip()
                raise LiveError(Note("live.errors.call", {"call": what, "reason": reason})) from exc
            polled = now = time.monotonic()
            states: dict[str, str] = {}
            listening, queues = "", {}
            while call.look:
                states, listening, queues = pair.read()
                now = time.monotonic()
                if _settled(states, want) or now - polled >= timeout:
                    break
                time.sleep(POLL_INTERVAL)
            reached = not states or want is None or all(states[s] == want[s] for s in want)
            result.checkpoints.append(
                Checkpoint(
                    index=index,
                    call=call,
                    kernel=states,
                    listener=listening,
                    queues=queues,
                    time=round(time.time() - origin, 6),
                    started=round(started - origin, 6),
                    waited=round(now - polled, 6),
                    reached=reached,
                    received=received,
                )
            )
        result.finished_at = time.time()
    finally:
        if not result.finished_at:
            result.finished_at = time.time()
        pair.abort_all()
    return result
