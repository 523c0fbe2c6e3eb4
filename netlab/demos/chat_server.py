"""The chat room's server: one thread, one selector, frames in and out, and hostile peers.

Owns ``ChatServer`` and its plain log records (``ChatEvent``): accepting, reading frames,
handing messages to the ``Room`` (``netlab.demos.chat_room``), queueing the answers and
sending them, and every way a connection ends. Built to survive its peers:

- output waits in one buffer per connection, each broadcast encoded once; after every round
  (and as soon as a message puts the room over budget) the server sends what it can, then
  disconnects whoever is over budget (more than ``MAX_PENDING`` bytes for one connection, more
  than ``MAX_QUEUED`` for the room: the slowest reader first). Those are collected, leave the
  room together and then the others hear about each: a loop, never a recursion, however many
  members go at once. Each connection's kernel send buffer is ``SEND_BUFFER`` bytes, so a peer
  that does not read shows up in the server's queues (where the budget sees it) within a few
  lines rather than after megabytes of kernel memory;
- a malformed, oversized or out-of-turn frame gets an ``error`` frame and loses its own
  connection; so does an unexpected error while serving one connection (``internal``): no
  single event ends the loop, only a failing log (its output gone) or a stop;
- a connection that sends nothing for ``idle_timeout`` seconds is closed (``idle``);
- out of file descriptors (EMFILE), a spare descriptor is closed to accept the waiting
  connection, send it an ``error`` ``no_fds`` frame and close it, so the listener does not
  stay readable and the loop does not spin.

Moves bytes only: no printing, no sentences; ``on_event`` receives a ``ChatEvent`` for each
thing done, on the server's thread. (``chat.serve`` runs it for ``--server-only``.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from netlab.demos.chat_protocol import (
    MAX_FRAME,
    RECV_SIZE,
    Message,
    ProtocolError,
    no_delay,
    pack,
    unpack,
)
from netlab.demos.chat_room import (
    MAX_CONNECTIONS,
    MAX_PENDING,
    MAX_QUEUED,
    Outcome,
    Room,
    over_budget,
)
from netlab.framing import Decoder, FramingError

IDLE_TIMEOUT = 300.0  # seconds without a byte from a connection before it is closed
ACCEPT_BURST = 64  # connections accepted in one round, without starving the others
ACCEPT_PAUSE = 0.5  # seconds the listener rests when no descriptor can be freed to refuse
SEND_BUFFER = 16 * 1024  # SO_SNDBUF of each connection (Linux doubles it): no autotuning
READ_SIZE = 16 * 1024  # one recv() per ready connection and round: about one long line, so
# a member who floods the room waits for its turn like everyone else
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


@dataclass(frozen=True)
class ChatEvent:
    """Something the server did, for the log: ``connected``, ``joined``, ``said``, ``left``
    (a member's connection ended), ``left_many`` (several members dropped at once for the same
    reason: their ``names``) or ``dropped`` (a connection that never joined ended, or was
    refused at once for want of descriptors).

    ``reason`` (for left, left_many and dropped): one of ``chat_protocol.REASONS``. ``name``
    and ``text`` are what the peer sent, unchecked when it was refused: draw them as outside
    text. ``members``: how many are in the room after it.
    """

    kind: str
    peer: str
    name: str | None = None
    text: str | None = None
    reason: str | None = None
    recipients: tuple[str, ...] = ()
    members: int = 0
    names: tuple[str, ...] = ()


@dataclass(eq=False)
class _Conn:
    sock: socket.socket
    cid: int
    peer: str
    decoder: Decoder = field(default_factory=lambda: Decoder(MAX_FRAME))
    out: bytearray = field(default_factory=bytearray)
    events: int = selectors.EVENT_READ
    closing: bool = False  # no more reading: send what is queued, then close
    gone: bool = False  # already reported and removed from the room
    heard: float = 0.0  # time.monotonic() of the last byte received


class ChatServer:
    """The room's server: one thread, one selector, frames in and out.

    ``serve()`` runs until ``stop()`` (from any thread) or Ctrl-C, and closes every socket it
    owns (the listener included) when it returns. ``idle_timeout`` None never closes a quiet
    connection.
    """

    def __init__(
        self,
        listener: socket.socket,
        on_event: Callable[[ChatEvent], None] | None = None,
        max_pending: int = MAX_PENDING,
        capacity: int = MAX_CONNECTIONS,
        max_queued: int = MAX_QUEUED,
        idle_timeout: float | None = IDLE_TIMEOUT,
        send_buffer: int | None = SEND_BUFFER,
    ) -> None:
        self.listener = listener
        self.address: tuple[str, int] = listener.getsockname()[:2]
        self.rounds = 0  # select() calls so far
        self.max_pending = max_pending
        self.max_queued = max_queued
        self.idle_timeout = idle_timeout
        self.send_buffer = send_buffer
        self.queued = 0  # bytes waiting in all output buffers together
        self.log_errors = 0  # log lines that could not be drawn (the room went on)
        self._on_event = on_event or (lambda event: None)
        self._room = Room(capacity, idle_timeout)
        self._conns: dict[int, _Conn] = {}
        self._next_id = 1
        self._dirty: dict[int, _Conn] = {}  # got output this round: sent when the round ends
        self._overflowed = False  # a buffer passed max_pending since the last check
        self._settling = False
        self._quiet: dict[int, _Conn] = {}  # by the time of their last byte, oldest first
        self._stopping = False
        self._log_failed = False  # the log's output is gone: the one failure that ends serve
        self._paused_until = 0.0  # the listener rests until then (0: it is watched)
        self._spare = _spare_fd()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, "listen")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")

    @property
    def connections(self) -> int:
        return len(self._conns)

    def stop(self) -> None:
        """Ask ``serve`` to return (safe from another thread)."""
        self._stopping = True
        with contextlib.suppress(OSError):  # already closed: serve has returned
            self._wake_w.send(b"x")

    def serve(self) -> None:
        try:
            while not self._stopping:
                ready = self._selector.select(self._wait())  # blocks: no busy loop
                self.rounds += 1
                for key, mask in ready:
                    if key.data == "listen":
                        self._safely(None, self._accept, self._pause_accepting)
                    else:
                        conn = key.data if isinstance(key.data, _Conn) else None
                        self._safely(conn, lambda d=key.data, m=mask: self._ready(d, m))
                self._expire_quiet()
                self._resume_accepting()
                self._settle()
        finally:
            self.close()

    def close(self) -> None:
        for conn in list(self._conns.values()):
            conn.sock.close()
        self._conns.clear()
        self._selector.close()
        for sock in (self.listener, self._wake_r, self._wake_w):
            sock.close()
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None

    def _wait(self) -> float | None:
        """How long select() may sleep: until the first idle deadline or the listener's rest."""
        deadlines = []
        if self.idle_timeout is not None and self._quiet:
            deadlines.append(next(iter(self._quiet.values())).heard + self.idle_timeout)
        if self._paused_until:
            deadlines.append(self._paused_until)
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None

    def _safely(
        self,
        conn: _Conn | None,
        action: Callable[[], None],
        otherwise: Callable[[], None] | None = None,
    ) -> None:
        """Run one step; a bug while serving ``conn`` ends that connection only (``internal``);
        with no connection to blame, ``otherwise`` runs (accepting: the listener rests). Only
        a failing log goes further."""
        try:
            action()
        except Exception:
            if self._log_failed:
                raise
            if conn is not None and conn.cid in self._conns:
                self._abort(conn)
            elif conn is None and otherwise is not None:
                otherwise()

    # -- one ready socket

    def _ready(self, data: object, mask: int) -> None:
        if data == "wake":
            with contextlib.suppress(OSError):
                self._wake_r.recv(4096)
        elif isinstance(data, _Conn) and data.cid in self._conns:
            if mask & selectors.EVENT_READ and not data.closing:
                self._read(data)
            if mask & selectors.EVENT_WRITE and data.cid in self._conns:
                self._write(data)

    def _accept(self) -> None:
        for _ in range(ACCEPT_BURST):
            try:
                sock, addr = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue  # the client gave up while queued: next one
                if exc.errno in OUT_OF_DESCRIPTORS and self._shed_one():
                    continue
                self._pause_accepting()
                return
            self._admit(sock, f"{addr[0]}:{addr[1]}")

    def _admit(self, sock: socket.socket, peer: str) -> None:
        try:
            sock.setblocking(False)
            no_delay(sock)
            if self.send_buffer is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        except OSError:
            sock.close()
            return
        conn = _Conn(sock, self._next_id, peer)
        try:
            self._selector.register(sock, selectors.EVENT_READ, conn)
        except BaseException:
            sock.close()
            raise
        self._next_id += 1
        self._conns[conn.cid] = conn
        self._heard(conn)
        self._report("connected", peer)
        if len(self._conns) > self._room.capacity:
            self._refuse(conn, "full")

    def _shed_one(self) -> bool:
        """Out of descriptors: free the spare one, accept the waiting connection with it, tell
        it why (``error`` ``no_fds``) and close it, then take the spare again. False when there
        is no spare to free (or nothing was waiting)."""
        if self._spare is None:
            self._spare = _spare_fd()  # a descriptor may have been freed since
            return False
        os.close(self._spare)
        self._spare = None
        try:
            sock, addr = self.listener.accept()
        except OSError:
            self._spare = _spare_fd()
            return False
        with sock, contextlib.suppress(OSError):
            sock.setblocking(False)
            with contextlib.suppress(OSError):  # read what came, so close() sends no RST
                sock.recv(RECV_SIZE)
            sock.send(NO_FDS)
        self._spare = _spare_fd()  # the descriptor just closed
        self._report("dropped", f"{addr[0]}:{addr[1]}", reason="no_fds")
        return True

    def _pause_accepting(self) -> None:
        """Stop watching the listener for ``ACCEPT_PAUSE`` seconds (or until a connection
        closes): a listener that stays readable while nothing can be accepted is a busy loop."""
        if not self._paused_until:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(self.listener)
        self._paused_until = time.monotonic() + ACCEPT_PAUSE

    def _resume_accepting(self) -> None:
        if self._paused_until and time.monotonic() >= self._paused_until:
            self._paused_until = 0.0
            self._selector.register(self.listener, selectors.EVENT_READ, "listen")

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # ECONNRESET: the peer aborted
            self._drop(conn, "reset")
            return
        if not data:
            self._end_of_stream(conn)
            return
        self._heard(conn)
        try:
            payloads = conn.decoder.feed(data)
        except FramingError:
            self._refuse(conn, "too_large")
            return
        for payload in payloads:
            if conn.gone or not self._handle(conn, payload):
                return

    def _end_of_stream(self, conn: _Conn) -> None:
        try:
            conn.decoder.close()
        except FramingError:
            self._drop(conn, "truncated")
            return
        self._heard(conn)  # its FIN: it may take a while yet to read what is queued
        self._leave(conn, "closed")
        conn.closing = True  # the peer may still read: send what is queued, then close
        self._write(conn)

    def _handle(self, conn: _Conn, payload: bytes) -> bool:
        """Apply one message; False when the connection is gone after it (refused because of
        it, or dropped over budget)."""
        try:
            message = unpack(payload)
        except ProtocolError as exc:
            self._refuse(conn, exc.code)
            return False
        outcome = self._room.receive(conn.cid, message)
        if outcome.error:
            self._refuse(conn, outcome.error, outcome.name)
            return False
        if outcome.kind == "ping":  # its bytes already restarted the idle timer
            return True
        self._deliver(outcome.sends)
        members = len(self._room.members())
        self._report(outcome.kind, conn.peer, outcome.name, outcome.text, None, outcome, members)
        if self._overflowed or self.queued > self.max_queued:
            self._settle()  # now, not at the end of the round: memory stays within budget
        return conn.cid in self._conns

    def _write(self, conn: _Conn) -> None:
        if conn.out:
            try:
                sent = conn.sock.send(conn.out)  # partial sends: the rest waits for EVENT_WRITE
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:  # EPIPE, ECONNRESET
                self._drop(conn, "reset")
                return
            self.queued -= sent
            if sent == len(conn.out):
                conn.out = bytearray()  # gives the memory back (a slice would keep it)
            else:
                del conn.out[:sent]
        if conn.closing and not conn.out:
            self._close(conn)
        else:
            self._interest(conn)

    # -- queues and disconnects

    def _interest(self, conn: _Conn) -> None:
        if conn.closing:
            wanted = selectors.EVENT_WRITE
        else:
            wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.out else 0)
        if wanted != conn.events:
            self._selector.modify(conn.sock, wanted, conn)
            conn.events = wanted

    def _enqueue(self, conn: _Conn, data: bytes) -> None:
        conn.out += data
        self.queued += len(data)
        if len(conn.out) > self.max_pending:
            self._overflowed = True
        self._dirty[conn.cid] = conn

    def _discard_output(self, conn: _Conn) -> None:
        self.queued -= len(conn.out)
        conn.out = bytearray()

    def _deliver(self, sends: Iterable[tuple[int, Message]]) -> None:
        """Queue each message for its recipient; sent when the round ends (``_settle``).
        (``_enqueue`` written out: this loop runs once per member for every line.)"""
        frames: dict[int, bytes] = {}  # id(message) -> frame: a broadcast is encoded once
        conns, dirty, cap = self._conns, self._dirty, self.max_pending
        queued = 0
        for cid, message in sends:
            conn = conns.get(cid)
            if conn is None or conn.closing:
                continue
            data = frames.get(id(message))
            if data is None:
                data = frames[id(message)] = pack(message)
            conn.out += data
            queued += len(data)
            if len(conn.out) > cap:
                self._overflowed = True
            dirty[cid] = conn
        self.queued += queued

    def _settle(self) -> None:
        """Send what was queued, then disconnect whoever is over budget, and again, until
        nothing is left to do. The drops are collected, then made together; telling the
        others queues more, which the next turn of this loop handles: never a recursion."""
        if self._settling:
            return
        self._settling = True
        try:
            while True:
                while self._dirty:
                    _, conn = self._dirty.popitem()
                    # one waiting for EVENT_WRITE is sent to when the selector says it can take
                    if conn.cid in self._conns and not conn.events & selectors.EVENT_WRITE:
                        self._safely(conn, lambda c=conn: self._write(c))
                drops = self._over_budget()
                if not drops:
                    return
                self._drop_all(drops)
        finally:
            self._settling = False

    def _drop_all(self, drops: list[tuple[_Conn, str]]) -> None:
        """Disconnect several connections at once: closed first (their buffers freed), out of
        the room together, then each departure is told to those who stay. The log gets one
        line per reason for the members (``left_many`` when several: hundreds of lines would
        hold the one thread up), and one per connection that had not joined."""
        leaving = [(conn, reason) for conn, reason in drops if conn.cid in self._conns]
        joined = [(conn, reason) for conn, reason in leaving if not conn.gone]
        for conn, _ in leaving:
            conn.gone = True
            self._close(conn)
        outcomes = self._room.leave_all([conn.cid for conn, _ in joined])
        members = len(self._room.members())
        left: dict[str, list[tuple[_Conn, Outcome]]] = {}
        for (conn, reason), outcome in zip(joined, outcomes, strict=True):
            self._safely(None, lambda o=outcome: self._deliver(o.sends))
            if outcome.kind == "left":
                left.setdefault(reason, []).append((conn, outcome))
            else:
                self._report("dropped", conn.peer, None, None, reason)
        for reason, gone in left.items():
            conn, outcome = gone[0]
            if len(gone) == 1:
                self._report("left", conn.peer, outcome.name, None, reason, outcome, members)
                continue
            names = tuple(str(o.name) for _, o in gone)
            event = ChatEvent("left_many", "", None, None, reason, (), members, names)
            self._emit(event)

    def _over_budget(self) -> list[tuple[_Conn, str]]:
        if not self._overflowed and self.queued <= self.max_queued:
            return []
        self._overflowed = False
        queued = {cid: len(conn.out) for cid, conn in self._conns.items() if conn.out}
        chosen = over_budget(queued, self.max_pending, self.max_queued)
        return [(self._conns[cid], reason) for cid, reason in chosen]

    def _heard(self, conn: _Conn) -> None:
        """A byte came from ``conn``: it moves to the end of the idle queue."""
        conn.heard = time.monotonic()
        self._quiet.pop(conn.cid, None)
        self._quiet[conn.cid] = conn

    def _expire_quiet(self) -> None:
        if self.idle_timeout is None:
            return
        now = time.monotonic()
        expired = []
        for conn in self._quiet.values():  # oldest first: stop at the first one still in time
            if now - conn.heard < self.idle_timeout:
                break
            expired.append(conn)
        for conn in expired:
            self._quiet.pop(conn.cid, None)
            if conn.cid not in self._conns:
                continue
            if conn.closing:  # already reported; its last bytes were never read
                self._safely(conn, lambda c=conn: self._close(c))
            else:
                self._safely(conn, lambda c=conn: self._refuse(c, "idle"))

    def _leave(self, conn: _Conn, reason: str, name: str | None = None) -> None:
        """Take ``conn`` out of the room once, tell the others, report it."""
        if conn.gone:
            return
        conn.gone = True
        outcome = self._room.leave(conn.cid)
        self._deliver(outcome.sends)
        kind = "left" if outcome.kind == "left" else "dropped"
        members = len(self._room.members())
        self._report(kind, conn.peer, outcome.name or name, None, reason, outcome, members)

    def _refuse(self, conn: _Conn, code: str, name: str | None = None) -> None:
        """Answer with an ``error`` frame, then disconnect (others keep chatting). A peer that
        does not read gets no answer: if the frame does not fit, the connection closes now."""
        self._leave(conn, code, name)
        if conn.cid not in self._conns:
            return
        self._discard_output(conn)
        self._enqueue(conn, pack({"type": "error", "code": code}))
        conn.closing = True
        self._write(conn)
        if conn.out:
            self._close(conn)

    def _abort(self, conn: _Conn) -> None:
        """A bug while serving ``conn``: say so (``internal``) and disconnect it; if even that
        fails, close it without a word."""
        try:
            self._refuse(conn, "internal")
        except Exception:
            if self._log_failed:
                raise
            conn.gone = True
            with contextlib.suppress(Exception):
                self._room.leave(conn.cid)
            with contextlib.suppress(Exception):
                self._close(conn)

    def _drop(self, conn: _Conn, reason: str) -> None:
        self._leave(conn, reason)
        self._close(conn)

    def _close(self, conn: _Conn) -> None:
        if self._conns.pop(conn.cid, None) is None:
            return
        self._quiet.pop(conn.cid, None)
        self._dirty.pop(conn.cid, None)
        self._discard_output(conn)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(conn.sock)
        conn.sock.close()
        if self._paused_until:  # a descriptor is free again: accept at the end of this round
            self._paused_until = min(self._paused_until, time.monotonic())

    def _report(
        self,
        kind: str,
        peer: str,
        name: str | None = None,
        text: str | None = None,
        reason: str | None = None,
        outcome: Outcome | None = None,
        members: int = 0,
    ) -> None:
        recipients = outcome.recipients if outcome is not None else ()
        self._emit(ChatEvent(kind, peer, name, text, reason, recipients, members))

    def _emit(self, event: ChatEvent) -> None:
        try:
            self._on_event(event)
        except OSError:  # the log's output is gone (a closed pipe, a lost terminal)
            self._log_failed = True
            raise
        except Exception:  # a line that could not be drawn: the room goes on without it
            self.log_errors += 1


NO_FDS = pack({"type": "error", "code": "no_fds"})


def _spare_fd() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None
