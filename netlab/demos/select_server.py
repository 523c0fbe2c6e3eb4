"""The select() echo server of ``netlab demo select``: one thread serving many clients.

Owns ``EchoServer`` (a non-blocking server on a ``selectors`` backend -- select, poll or epoll --
that, as the seed note's program does, upper-cases whatever each ``recv()`` returns and sends it
back: upper-casing is byte-wise, so the reply is right however the stream was cut. With
``lines=True`` (``--lines``) it answers whole newline-terminated lines instead, and the last line
when the client ends its input without a newline, as ``readline()`` would. Written properly: a
pending-output buffer per connection with partial sends handled, a socket watched for writing
only while it has pending output, removal on EOF and on reset, no busy loop, and a
per-connection cap on buffered bytes, and an idle timeout: a connection that sent nothing for
``idle_timeout`` seconds is closed), ``Event`` (one plain record per thing the server does,
which the view draws), ``check_capacity`` (FD_SETSIZE and the open-file limit) and
``sigterm_as_interrupt``. The demo around it (the server plus a fleet of clients) is
``netlab.demos.select_demo``. Moves bytes only: no rich, no printing, no sentences (reasons are
short keys the view turns into text; the one-line refusal a client is sent when the server
cannot take it is given by the caller, already in the learner's language).
A connection's memory is bounded: at most MAX_PENDING bytes of unsent replies (plus one recv()
of RECV_SIZE bytes being processed), and in line mode MAX_LINE bytes of an unfinished line.

    python -m netlab.demos.select_server [OPTIONS]    # the same as: netlab demo select [OPTIONS]
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from netlab.errors import UsageError
from netlab.i18n import Note

BACKENDS = ("select", "poll", "epoll")
FD_SETSIZE = 1024  # select()'s fd_set is a bitmap of this many descriptors (glibc, macOS)
SELECT_LIMIT = 1000  # connections the select backend accepts, leaving room for a few other fds
IDLE_TIMEOUT = 300.0  # seconds without a byte received, then the connection is closed
MAX_LINE = 8 * 1024  # line mode: a longer line (newline not counted) closes that connection
MAX_PENDING = 64 * 1024  # replies a client has not read yet: above this, it is disconnected
RECV_SIZE = 16 * 1024
BACKLOG = 4096  # connections the kernel queues until accept(); capped by somaxconn
LISTENER = 0  # the listening socket's number in round events; connections are 1, 2, 3, ...

#: Why a connection ended (the ``reason`` of close and refuse events).
REASONS = (
    "eof",  # the client closed its side; pending replies were sent first
    "reset",  # the client's kernel answered with RST (for example SO_LINGER 0, or a crash)
    "line_too_long",  # line mode: more than MAX_LINE bytes without a newline
    "slow_reader",  # more than MAX_PENDING bytes of replies waiting: the client does not read
    "error",  # another socket error (``detail`` holds the system's message)
    "stopped",  # the server shut down
    "idle",  # nothing received for idle_timeout seconds (``detail``: those seconds)
    "fd_setsize",  # refused: the select backend is full (FD_SETSIZE)
    "no_fds",  # refused: the process has no free file descriptor
)


@dataclass(frozen=True)
class Event:
    """One thing the server did, as plain data (times in seconds since the server started).

    kind: ``listening`` (peer = "host:port"), ``round`` (select() returned: ``readable`` and
    ``writable`` list connection numbers, 0 = the listening socket; ``watching`` = how many
    sockets it watched for reading and for writing), ``accept``, ``refuse`` (``reason``;
    ``nbytes`` of the refusal line the client was sent, 0 if it could not be), ``read``
    (``nbytes`` received: ``data`` holds them; in line mode ``lines`` are the lines completed),
    ``last_line`` (line mode: the client ended its input after ``data``, a line without its
    newline, which is answered all the same), ``write`` (``nbytes`` sent: ``data``, or in line
    mode their ``lines``; ``pending`` still waiting), ``close`` (``reason``, ``dropped`` =
    buffered bytes thrown away), ``stopped`` (``total`` = connections served).
    """

    kind: str
    time: float
    round: int
    conn: int = 0
    peer: str = ""
    nbytes: int = 0
    lines: tuple[bytes, ...] = ()
    data: bytes = b""
    pending: int = 0
    readable: tuple[int, ...] = ()
    writable: tuple[int, ...] = ()
    watching: tuple[int, int] = (0, 0)
    reason: str = ""
    detail: str = ""
    dropped: int = 0
    total: int = 0


@dataclass
class Stats:
    rounds: int = 0
    accepted: int = 0
    refused: int = 0
    lines: int = 0  # line mode: lines answered
    chunks: int = 0  # recv() calls that returned bytes
    sends: int = 0  # send() calls that took bytes
    bytes_in: int = 0
    bytes_out: int = 0
    connected: int = 0  # connections open now
    peak_buffered: int = 0  # the most bytes one connection ever held (input + pending output)
    closed: dict[str, int] = field(default_factory=dict)


class Connection:
    """One accepted client: its socket, unfinished input line (line mode) and pending output."""

    __slots__ = ("eof", "heard", "inbox", "mask", "number", "outbox", "peer", "sock")

    def __init__(self, sock: socket.socket, number: int, peer: str, now: float) -> None:
        self.sock = sock
        self.number = number
        self.peer = peer
        self.inbox = bytearray()  # bytes of a line whose newline has not arrived yet
        self.outbox = bytearray()  # replies not yet accepted by send()
        self.eof = False  # the client has closed its side
        self.mask = selectors.EVENT_READ
        self.heard = now  # time.monotonic() of the last bytes received (or of the accept)


def make_selector(backend: str) -> selectors.BaseSelector:
    """The selectors class for ``backend``, or a UsageError if this system lacks it."""
    kind = {
        "select": getattr(selectors, "SelectSelector", None),
        "poll": getattr(selectors, "PollSelector", None),
        "epoll": getattr(selectors, "EpollSelector", None),
    }.get(backend)
    if kind is None:
        raise UsageError(Note("errors.demo_select.no_backend", {"backend": backend}))
    return kind()


class EchoServer:
    """An upper-casing echo server on one thread and one selector: each chunk as it arrives, or
    (``lines=True``) each whole line.

    Give it a listening socket (``netlab.demos.listen.listen``); it owns the socket from then
    on. Run ``serve_forever()`` in the calling thread, or ``start()`` it in a background thread
    and ``stop()`` it (which wakes the select() through a socket pair and joins the thread).
    ``on_event`` (if given) receives every Event, on the server's thread.

    ``idle_timeout``: seconds a connection may stay without sending a byte before it is closed
    (None: never), so idle sockets cannot hold every descriptor. ``select_limit``: the most
    connections the select backend holds (SELECT_LIMIT; smaller in tests). ``refusals``: the
    line sent to a client that is refused, by reason (``fd_setsize``, ``no_fds``); a reason
    without one gets ``refused: REASON``.
    """

    def __init__(
        self,
        sock: socket.socket,
        backend: str = "select",
        *,
        lines: bool = False,
        max_line: int = MAX_LINE,
        max_pending: int = MAX_PENDING,
        on_event: Callable[[Event], None] | None = None,
        send_buffer: int | None = None,
        idle_timeout: float | None = IDLE_TIMEOUT,
        select_limit: int = SELECT_LIMIT,
        refusals: Mapping[str, bytes] | None = None,
    ) -> None:
        self.backend = backend
        self.idle_timeout = idle_timeout
        self.select_limit = min(select_limit, SELECT_LIMIT)
        self.refusals = dict(refusals or {})
        self.lines = lines
        self.max_line = max_line
        self.max_pending = max_pending
        # SO_SNDBUF for accepted sockets: None keeps the kernel's (auto-tuned, often megabytes on
        # loopback); a small one makes partial sends happen early, as on a slow real network.
        self.send_buffer = send_buffer
        self.stats = Stats()
        self.error: BaseException | None = None
        self._listener = sock
        self._emit = on_event
        try:
            self._selector = make_selector(backend)
            self._wake_r, self._wake_w = socket.socketpair()
        except BaseException:
            sock.close()
            raise
        self._wake_r.setblocking(False)
        # Open connections, the one that received bytes longest ago first (moved to the end
        # whenever bytes arrive), so the next idle deadline is always the first one's.
        self._conns: dict[int, Connection] = {}
        self._numbers = 0
        self._stopping = False
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._start = time.monotonic()
        self._spare: int | None = _spare_fd()
        self._selector.register(sock, selectors.EVENT_READ, "listener")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return host, port

    @property
    def open_connections(self) -> int:
        return self.stats.connected

    # -- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._run, name="netlab-select-server", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.serve_forever()
        except BaseException as exc:  # kept for the caller: a thread can't raise to it
            self.error = exc

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end, wake it, and wait for the background thread (if any).

        A server that never ran just closes its sockets. Safe to call more than once.
        """
        self._stopping = True
        if self._thread is None and not self._running:
            self._close_all()
            return
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def serve_forever(self) -> None:
        """The select loop, until ``stop()`` (or an exception such as KeyboardInterrupt).

        select() sleeps until a socket is ready or the oldest connection's idle deadline comes
        (no connection: no timeout), so an idle server uses no CPU. A return with nothing ready
        is only that deadline: it is not counted as a round. Every socket is closed when the
        loop ends, however it ends.
        """
        self._running = True
        try:
            self._event("listening", peer="{}:{}".format(*self.address))
            while not self._stopping:
                ready = self._selector.select(self._next_deadline())
                if ready:
                    self.stats.rounds += 1
                    if self._emit is not None:
                        self._announce(ready)
                for key, mask in ready:
                    self._dispatch(key.data, mask)
                self._close_idle()
        finally:
            self._close_all()

    def _next_deadline(self) -> float | None:
        """Seconds until the connection that has been silent longest reaches the idle timeout
        (a millisecond late rather than early, so one wake-up is enough); None: no deadline."""
        if self.idle_timeout is None or not self._conns:
            return None
        oldest = next(iter(self._conns.values()))
        return max(0.0, oldest.heard + self.idle_timeout - time.monotonic()) + 0.001

    def _close_idle(self) -> None:
        if self.idle_timeout is None:
            return
        expired = time.monotonic() - self.idle_timeout
        seconds = f"{self.idle_timeout:g}"
        while self._conns:
            oldest = next(iter(self._conns.values()))
            if oldest.heard > expired:
                return
            self._close(oldest, "idle", seconds)

    def _dispatch(self, what: object, mask: int) -> None:
        if what == "listener":
            self._accept()
        elif what == "wake":
            with contextlib.suppress(OSError):
                self._wake_r.recv(64)
        elif isinstance(what, Connection) and what.number in self._conns:
            if mask & selectors.EVENT_READ and not what.eof:
                self._read(what)
            if mask & selectors.EVENT_WRITE and what.number in self._conns:
                self._write(what)

    def _announce(self, ready: list[tuple[selectors.SelectorKey, int]]) -> None:
        readable, writable = [], []
        for key, mask in ready:
            number = LISTENER if key.data == "listener" else getattr(key.data, "number", None)
            if number is None:
                continue
            if mask & selectors.EVENT_READ:
                readable.append(number)
            if mask & selectors.EVENT_WRITE:
                writable.append(number)
        if not readable and not writable:
            return  # only the wake-up socket: the server is stopping
        reading = 1 + sum(1 for c in self._conns.values() if c.mask & selectors.EVENT_READ)
        writing = sum(1 for c in self._conns.values() if c.mask & selectors.EVENT_WRITE)
        self._event(
            "round",
            readable=tuple(readable),
            writable=tuple(writable),
            watching=(reading, writing),
        )

    # -- accepting ----------------------------------------------------------------------------

    def _accept(self) -> None:
        """Accept every waiting connection (at most 64 per round, to stay fair to the others)."""
        for _ in range(64):
            try:
                sock, addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    self._shed_one()
                    return
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            self._admit(sock, f"{addr[0]}:{addr[1]}")

    def _admit(self, sock: socket.socket, peer: str) -> None:
        if self.backend == "select" and (
            self.stats.connected >= self.select_limit or sock.fileno() >= FD_SETSIZE
        ):
            self._refuse(sock, peer, "fd_setsize")
            return
        if self.send_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._numbers += 1
        conn = Connection(sock, self._numbers, peer, time.monotonic())
        self._conns[conn.number] = conn
        self._selector.register(sock, selectors.EVENT_READ, conn)
        self.stats.accepted += 1
        self.stats.connected += 1
        self._event("accept", conn=conn.number, peer=peer)

    def _shed_one(self) -> None:
        """Out of descriptors: accept with the spare one, say why and close at once, so the
        waiting connection is refused instead of making the listener readable forever (a busy
        loop)."""
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None
        with contextlib.suppress(OSError):
            sock, addr = self._listener.accept()
            self._refuse(sock, f"{addr[0]}:{addr[1]}", "no_fds")
        self._spare = _spare_fd()

    def _refuse(self, sock: socket.socket, peer: str, reason: str) -> None:
        """Send the client one line saying why, then close: it is not left waiting on a
        connection nobody will serve. The line fits any empty send buffer, so this never
        blocks. What the client already sent is read and dropped first, so the close is a FIN;
        bytes that arrive later make it a RST, which still comes after the line."""
        line = self.refusals.get(reason) or f"refused: {reason}\n".encode()
        sent = 0
        with contextlib.suppress(OSError):
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError, InterruptedError):
                sock.recv(RECV_SIZE)
            sent = sock.send(line)
        sock.close()
        self.stats.refused += 1
        self._event("refuse", peer=peer, reason=reason, nbytes=sent)

    # -- reading and writing ------------------------------------------------------------------

    def _read(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            self._close(conn, "reset")
            return
        except OSError as exc:
            self._close(conn, "error", exc.strerror or str(exc))
            return
        if not data:
            self._on_eof(conn)
            return
        conn.heard = time.monotonic()
        self._conns[conn.number] = self._conns.pop(conn.number)  # now the last to go idle
        self.stats.bytes_in += len(data)
        self.stats.chunks += 1
        if self.lines:
            conn.inbox += data
            complete = self._take_lines(conn)
            if complete is None:
                return
            if complete:
                conn.outbox += complete.upper()  # bytes.upper() leaves the newlines in place
            found = _lines(complete)
        else:
            conn.outbox += data.upper()  # byte-wise: right however the stream was cut
            found = ()
        self._note_peak(conn)
        if self._emit is not None:
            self._event("read", conn=conn.number, nbytes=len(data), lines=found, data=data)
        if len(conn.outbox) > self.max_pending:
            self._close(conn, "slow_reader")
        elif conn.outbox:
            self._watch(conn, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def _take_lines(self, conn: Connection) -> bytes | None:
        """Remove and return the complete lines (newlines included) from the connection's input;
        None if a line is too long (the connection is then closed)."""
        end = conn.inbox.rfind(b"\n")
        complete = b""
        if end >= 0:
            complete = bytes(conn.inbox[: end + 1])
            del conn.inbox[: end + 1]
        too_long = len(conn.inbox) > self.max_line or (
            len(complete) > self.max_line and max(map(len, complete.split(b"\n"))) > self.max_line
        )
        if too_long:
            self._note_peak(conn)
            self._close(conn, "line_too_long")
            return None
        self.stats.lines += complete.count(b"\n")
        return complete

    def _write(self, conn: Connection) -> None:
        try:
            sent = conn.sock.send(conn.outbox)
        except (BlockingIOError, InterruptedError):
            return
        except (ConnectionResetError, BrokenPipeError):
            self._close(conn, "reset")
            return
        except OSError as exc:
            self._close(conn, "error", exc.strerror or str(exc))
            return
        shown = bytes(conn.outbox[:sent]) if self._emit is not None else b""
        del conn.outbox[:sent]  # a partial send keeps the rest for the next writable round
        self.stats.bytes_out += sent
        self.stats.sends += 1
        if self._emit is not None:
            lines = tuple(shown.rstrip(b"\n").split(b"\n")) if self.lines else ()
            self._event(
                "write",
                conn=conn.number,
                nbytes=sent,
                lines=lines,
                data=shown,
                pending=len(conn.outbox),
            )
        if conn.outbox:
            return
        if conn.eof:
            self._close(conn, "eof")
        else:
            self._watch(conn, selectors.EVENT_READ)  # nothing pending: stop asking for writable

    def _on_eof(self, conn: Connection) -> None:
        """The client closed its side: answer an unfinished last line (line mode: the end of
        input ends a line, as for ``readline()``), send what is still pending, then close."""
        conn.eof = True
        if conn.inbox:
            last = bytes(conn.inbox)
            conn.inbox.clear()
            conn.outbox += last.upper()
            self.stats.lines += 1
            self._event("last_line", conn=conn.number, nbytes=len(last), data=last)
        if conn.outbox:
            self._watch(conn, selectors.EVENT_WRITE)
        else:
            self._close(conn, "eof")

    def _watch(self, conn: Connection, mask: int) -> None:
        if mask != conn.mask:
            self._selector.modify(conn.sock, mask, conn)
            conn.mask = mask

    def _note_peak(self, conn: Connection) -> None:
        held = len(conn.inbox) + len(conn.outbox)
        if held > self.stats.peak_buffered:
            self.stats.peak_buffered = held

    # -- closing ------------------------------------------------------------------------------

    def _close(self, conn: Connection, reason: str, detail: str = "") -> None:
        self._conns.pop(conn.number, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(conn.sock)
        conn.sock.close()
        self.stats.connected -= 1
        self.stats.closed[reason] = self.stats.closed.get(reason, 0) + 1
        dropped = len(conn.inbox) + len(conn.outbox)
        self._event(
            "close", conn=conn.number, peer=conn.peer, reason=reason, detail=detail, dropped=dropped
        )

    def _close_all(self) -> None:
        if self._closed:
            return
        self._closed = True
        for conn in list(self._conns.values()):
            self._close(conn, "stopped")
        for sock in (self._listener, self._wake_r, self._wake_w):
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(sock)
            sock.close()
        self._selector.close()
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None
        self._event("stopped", total=self.stats.accepted)

    def _event(self, kind: str, **fields: object) -> None:
        if self._emit is not None:
            now = round(time.monotonic() - self._start, 4)
            self._emit(Event(kind, now, self.stats.rounds, **fields))  # type: ignore[arg-type]


def _lines(complete: bytes) -> tuple[bytes, ...]:
    return tuple(complete.split(b"\n")[:-1]) if complete else ()


def _spare_fd() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None


# -- limits -------------------------------------------------------------------------------------


def check_capacity(backend: str, clients: int) -> None:
    """Refuse a run the backend or the open-file limit cannot hold, saying why.

    select() watches descriptors through an fd_set, a fixed bitmap of FD_SETSIZE (1024) bits:
    a descriptor numbered 1024 or more cannot be put in it at all. poll and epoll have no such
    bitmap; they are limited only by the process's open-file limit (``ulimit -n``), which is
    raised up to its hard limit when needed.
    """
    make_selector(backend).close()
    if backend == "select" and clients > SELECT_LIMIT:
        params = {"clients": clients, "limit": SELECT_LIMIT, "fd_setsize": FD_SETSIZE}
        raise UsageError(Note("errors.demo_select.fd_setsize", params))
    need = clients + 64  # the server's side of each connection, plus stdio, selector, pipes
    try:
        import resource
    except ImportError:  # not a Unix: nothing to check
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            params = {"clients": clients, "need": need, "limit": hard}
            raise UsageError(Note("errors.demo_select.fd_limit", params))
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises KeyboardInterrupt (as Ctrl-C does), so ``finally`` blocks
    close every socket. Only the main thread can install signal handlers; elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def client_host(host: str) -> str:
    """Where the built-in clients connect: the server's address (127.0.0.1 for 0.0.0.0)."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


if __name__ == "__main__":
    import sys

    from netlab.cli.main import main

    sys.exit(main(["demo", "select", *sys.argv[1:]]))
