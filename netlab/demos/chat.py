"""A chat room served by one thread: ``selectors`` plus length-prefixed frames.

Owns the chat protocol, the room's rules and the sockets of ``netlab demo chat``:

- the wire format: every message is one ``netlab.framing`` frame (at most ``MAX_FRAME`` bytes)
  holding a UTF-8 JSON object with a ``type``. A client sends ``hello`` (``name``) first, then
  ``say`` (``text``); the server sends ``welcome`` (``name``, ``members``), ``joined``,
  ``left``, ``said`` (``name``, ``text``) and ``error`` (``code``: a word, never a sentence,
  so each client says it in its own language);
- ``Room``: names (1-20 printable characters, unique ignoring case and width), joins, leaves
  and who receives what. Pure: no sockets. A line goes to every *other* member exactly once;
  the sender gets no echo (its own terminal already shows what it typed);
- ``ChatServer``: one thread, one selector, a pending-output buffer per connection (capped: a
  client that stops reading is disconnected). A malformed or oversized frame, or one sent out
  of turn, gets an ``error`` frame and disconnects that client only;
- ``ChatClient`` (blocking, with timeouts), ``interact`` (the interactive client's loop over
  stdin and the socket) and ``run_bots`` (the scripted room with three bots).

Nothing here prints: results are plain records (``ChatEvent``, ``BotStep``, ``BotsResult``)
and errors are ``NetlabError``s with Notes; ``netlab.views.demo_chat`` draws them.
Run as ``python -m netlab.demos.chat`` it is ``netlab demo chat``.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from netlab.demos.listen import LOOPBACK, listen
from netlab.errors import NetlabError, UsageError
from netlab.framing import Decoder, FramingError, encode
from netlab.i18n import Note

MAX_FRAME = 64 * 1024  # bytes in one frame's body; a larger declared length disconnects
MAX_NAME = 20  # characters in a name
MAX_TEXT = 4000  # characters in one line (at most 16,000 bytes of UTF-8: well inside a frame)
MAX_PENDING = 1024 * 1024  # bytes queued for one client before it counts as not reading
MAX_CONNECTIONS = 500  # sockets the room serves at once (beyond: an ``error`` ``full``)
RECV_SIZE = 65536
BOTS = ("alice", "bob", "carol")
REASONS = (  # the codes of ``error`` frames and disconnects (demo.chat.reason.*)
    "closed",
    "reset",
    "truncated",
    "too_large",
    "malformed",
    "name_taken",
    "bad_name",
    "already_joined",
    "not_joined",
    "full",
    "slow",
    "no_answer",
)

Message = dict[str, Any]


class ProtocolError(ValueError):
    """A frame that is not a message of this protocol; ``code`` says what was wrong."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- the wire format ---------------------------------------------------------------------------


def pack(message: Message) -> bytes:
    """One frame holding ``message`` as compact UTF-8 JSON."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return encode(body, MAX_FRAME)


def unpack(payload: bytes) -> Message:
    """The message in a frame's body; ``ProtocolError("malformed")`` if it is not one."""
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError("malformed") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("malformed")
    return message


def name_problem(name: object) -> str | None:
    """Why ``name`` can't be a chat name (``empty``, ``too_long``, ``not_printable``), or None."""
    if not isinstance(name, str) or not name.strip():
        return "empty"
    if len(name) > MAX_NAME:
        return "too_long"
    if not name.isprintable() or name != name.strip():
        return "not_printable"
    return None


def name_key(name: str) -> str:
    """What makes two names the same: ``Bob``, ``bob`` and full-width ``ｂｏｂ`` are one name."""
    return unicodedata.normalize("NFKC", name).casefold()


def text_problem(text: object) -> str | None:
    """Why ``text`` can't be a line (``empty``, ``too_long``, ``control``), or None."""
    if not isinstance(text, str) or not text.strip():
        return "empty"
    if len(text) > MAX_TEXT:
        return "too_long"
    if any(unicodedata.category(c) == "Cc" for c in text):
        return "control"
    return None


def clean_line(line: str) -> str:
    """A typed line as it is sent: control characters (escape codes, ``\\r``) become spaces."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in line)
    return cleaned.strip()


def no_delay(sock: socket.socket) -> None:
    """Turn Nagle's algorithm off: each send() is one whole frame already, and a chat line must
    not wait up to 40 ms for the ACK of the previous one (Nagle + delayed ACK)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# -- the room (pure) ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the room decided about one message: frames to send, and what to report."""

    sends: list[tuple[int, Message]] = field(default_factory=list)
    kind: str = ""  # joined, said, left (or "" for nothing to report)
    name: str | None = None
    text: str | None = None
    error: str | None = None  # set: answer with this error code and disconnect the sender
    recipients: tuple[str, ...] = ()


class Room:
    """Who is in the room, under which name, and who receives each message. Pure."""

    def __init__(self, capacity: int = MAX_CONNECTIONS) -> None:
        self.capacity = capacity
        self._names: dict[int, str] = {}  # connection id -> name, in the order they joined
        self._taken: dict[str, int] = {}  # name_key -> connection id

    def members(self) -> list[str]:
        return list(self._names.values())

    def name_of(self, cid: int) -> str | None:
        return self._names.get(cid)

    def _broadcast(self, sender: int, message: Message) -> tuple[list, tuple[str, ...]]:
        others = [(cid, name) for cid, name in self._names.items() if cid != sender]
        return [(cid, message) for cid, _ in others], tuple(name for _, name in others)

    def receive(self, cid: int, message: Message) -> Outcome:
        """The room's answer to ``message`` from connection ``cid``."""
        kind = message.get("type")
        if kind == "hello":
            return self._hello(cid, message.get("name"))
        if kind == "say":
            return self._say(cid, message.get("text"))
        return Outcome(error="malformed")

    def _hello(self, cid: int, name: object) -> Outcome:
        shown = name if isinstance(name, str) else None
        if cid in self._names:
            return Outcome(error="already_joined", name=shown)
        if name_problem(name) is not None:
            return Outcome(error="bad_name", name=shown)
        assert isinstance(name, str)
        if name_key(name) in self._taken:
            return Outcome(error="name_taken", name=name)
        if len(self._names) >= self.capacity:
            return Outcome(error="full", name=name)
        sends, recipients = self._broadcast(cid, {"type": "joined", "name": name})
        welcome = {"type": "welcome", "name": name, "members": self.members()}
        self._names[cid] = name
        self._taken[name_key(name)] = cid
        return Outcome([(cid, welcome), *sends], "joined", name, recipients=recipients)

    def _say(self, cid: int, text: object) -> Outcome:
        name = self._names.get(cid)
        if name is None:
            return Outcome(error="not_joined")
        if text_problem(text) is not None:
            return Outcome(error="malformed", name=name)
        sends, recipients = self._broadcast(cid, {"type": "said", "name": name, "text": text})
        return Outcome(sends, "said", name, str(text), recipients=recipients)

    def leave(self, cid: int) -> Outcome:
        """Connection ``cid`` is gone; the others hear that its member left (if it had joined)."""
        name = self._names.pop(cid, None)
        if name is None:
            return Outcome()
        del self._taken[name_key(name)]
        sends, recipients = self._broadcast(cid, {"type": "left", "name": name})
        return Outcome(sends, "left", name, recipients=recipients)


# -- the server (one thread) -------------------------------------------------------------------


@dataclass(frozen=True)
class ChatEvent:
    """Something the server did, for the log: ``connected``, ``joined``, ``said``, ``left``
    (a member's connection ended) or ``dropped`` (a connection that never joined ended).

    ``reason`` (for left and dropped): closed, reset, truncated, too_large, malformed,
    name_taken, bad_name, already_joined, not_joined, full, slow.
    """

    kind: str
    peer: str
    name: str | None = None
    text: str | None = None
    reason: str | None = None
    recipients: tuple[str, ...] = ()
    members: int = 0


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


class ChatServer:
    """The room's server: one thread, one selector, frames in and out.

    ``serve()`` runs until ``stop()`` (from any thread) or Ctrl-C, and closes every socket it
    owns (the listener included) when it returns.
    """

    def __init__(
        self,
        listener: socket.socket,
        on_event: Callable[[ChatEvent], None] | None = None,
        max_pending: int = MAX_PENDING,
        capacity: int = MAX_CONNECTIONS,
    ) -> None:
        self.listener = listener
        self.address: tuple[str, int] = listener.getsockname()[:2]
        self.rounds = 0  # select() calls so far
        self.max_pending = max_pending
        self._on_event = on_event or (lambda event: None)
        self._room = Room(capacity)
        self._conns: dict[int, _Conn] = {}
        self._next_id = 1
        self._overflowed: list[_Conn] = []
        self._stopping = False
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
                ready = self._selector.select()  # blocks: no busy loop
                self.rounds += 1
                for key, mask in ready:
                    self._ready(key.data, mask)
        finally:
            self.close()

    def close(self) -> None:
        for conn in list(self._conns.values()):
            conn.sock.close()
        self._conns.clear()
        self._selector.close()
        for sock in (self.listener, self._wake_r, self._wake_w):
            sock.close()

    # -- one ready socket

    def _ready(self, data: object, mask: int) -> None:
        if data == "listen":
            self._accept()
        elif data == "wake":
            with contextlib.suppress(OSError):
                self._wake_r.recv(4096)
        elif isinstance(data, _Conn) and data.cid in self._conns:
            if mask & selectors.EVENT_READ and not data.closing:
                self._read(data)
            if mask & selectors.EVENT_WRITE and data.cid in self._conns:
                self._write(data)

    def _accept(self) -> None:
        for _ in range(64):  # a burst of connections, without starving the others
            try:
                sock, addr = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ECONNABORTED, EMFILE...: try again next round
                return
            sock.setblocking(False)
            no_delay(sock)
            conn = _Conn(sock, self._next_id, f"{addr[0]}:{addr[1]}")
            self._next_id += 1
            self._conns[conn.cid] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)
            self._event("connected", conn)
            if len(self._conns) > self._room.capacity:
                self._refuse(conn, "full")

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # ECONNRESET: the peer aborted
            self._drop(conn, "reset")
            return
        if not data:
            self._end_of_stream(conn)
            return
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
        self._leave(conn, "closed")
        conn.closing = True  # the peer may still read: send what is queued, then close
        self._write(conn)

    def _handle(self, conn: _Conn, payload: bytes) -> bool:
        """Apply one message; False when the connection was refused because of it."""
        try:
            message = unpack(payload)
        except ProtocolError as exc:
            self._refuse(conn, exc.code)
            return False
        outcome = self._room.receive(conn.cid, message)
        if outcome.error:
            self._refuse(conn, outcome.error, outcome.name)
            return False
        self._deliver(outcome.sends)
        members = len(self._room.members())
        self._event(outcome.kind, conn, outcome.name, outcome.text, None, outcome, members)
        self._drop_overflowed()
        return True

    def _write(self, conn: _Conn) -> None:
        if conn.out:
            try:
                sent = conn.sock.send(conn.out)  # partial sends: the rest waits for EVENT_WRITE
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:  # EPIPE, ECONNRESET
                self._drop(conn, "reset")
                return
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

    def _deliver(self, sends: Iterable[tuple[int, Message]]) -> None:
        for cid, message in sends:
            conn = self._conns.get(cid)
            if conn is None or conn.closing:
                continue
            conn.out += pack(message)
            if len(conn.out) > self.max_pending:
                self._overflowed.append(conn)
            else:
                self._interest(conn)

    def _drop_overflowed(self) -> None:
        while self._overflowed:  # a drop tells the others, which may overflow another one
            conn = self._overflowed.pop(0)
            if conn.cid in self._conns:
                self._drop(conn, "slow")

    def _leave(self, conn: _Conn, reason: str, name: str | None = None) -> None:
        """Take ``conn`` out of the room once, tell the others, report it."""
        if conn.gone:
            return
        conn.gone = True
        outcome = self._room.leave(conn.cid)
        self._deliver(outcome.sends)
        kind = "left" if outcome.kind == "left" else "dropped"
        members = len(self._room.members())
        self._event(kind, conn, outcome.name or name, None, reason, outcome, members)
        self._drop_overflowed()

    def _refuse(self, conn: _Conn, code: str, name: str | None = None) -> None:
        """Answer with an ``error`` frame, then disconnect (others keep chatting)."""
        self._leave(conn, code, name)
        conn.out.clear()
        conn.out += pack({"type": "error", "code": code})
        conn.closing = True
        self._write(conn)

    def _drop(self, conn: _Conn, reason: str) -> None:
        self._leave(conn, reason)
        self._close(conn)

    def _close(self, conn: _Conn) -> None:
        if self._conns.pop(conn.cid, None) is None:
            return
        self._selector.unregister(conn.sock)
        conn.sock.close()

    def _event(
        self,
        kind: str,
        conn: _Conn,
        name: str | None = None,
        text: str | None = None,
        reason: str | None = None,
        outcome: Outcome | None = None,
        members: int = 0,
    ) -> None:
        recipients = outcome.recipients if outcome is not None else ()
        self._on_event(ChatEvent(kind, conn.peer, name, text, reason, recipients, members))


def start_server(
    host: str = LOOPBACK, port: int = 0, on_event: Callable[[ChatEvent], None] | None = None
) -> tuple[ChatServer, threading.Thread]:
    """A server on ``host:port`` serving in a thread of its own (for the bots and the tests)."""
    server = ChatServer(listen(host, port), on_event)
    thread = threading.Thread(target=server.serve, name="netlab-chat-server", daemon=True)
    thread.start()
    return server, thread


def serve(host: str, port: int, on_event: Callable[[ChatEvent], None]) -> None:
    """Serve the room in this thread until Ctrl-C: ``--server-only``.

    Reports ``listening`` first (``ChatEvent("listening", "HOST:PORT")``).
    """
    server = ChatServer(listen(host, port), on_event)
    bound = f"{server.address[0]}:{server.address[1]}"
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        on_event(ChatEvent("listening", bound))
        server.serve()
    finally:
        server.close()
        if main_thread:  # signals can only be handled in the main thread
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops ``--server-only`` like Ctrl-C: sockets closed, exit 130."""
    raise KeyboardInterrupt


# -- the client --------------------------------------------------------------------------------


class ChatClient:
    """One connection to a room: blocking sockets with a timeout, frames in and out."""

    def __init__(self, sock: socket.socket, timeout: float = 5.0) -> None:
        self.sock = sock
        self.timeout = timeout
        self.open = True  # False once the server closed the connection
        self._decoder = Decoder(MAX_FRAME)
        self._backlog: list[Message] = []  # received along with the welcome, not yet handed out

    @classmethod
    def connect(cls, host: str, port: int, timeout: float = 5.0) -> ChatClient:
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise NetlabError(
                Note(
                    "errors.demo_chat.cannot_connect",
                    {"host": host, "port": port, "reason": reason},
                )
            ) from None
        no_delay(sock)
        return cls(sock, timeout)

    @property
    def has_backlog(self) -> bool:
        return bool(self._backlog)

    def send(self, message: Message) -> None:
        self.sock.sendall(pack(message))

    def say(self, text: str) -> None:
        self.send({"type": "say", "text": text})

    def join(self, name: str) -> list[str]:
        """Send ``hello``; return the members already there, or raise ``Refused``."""
        self.send({"type": "hello", "name": name})
        deadline = time.monotonic() + self.timeout
        while self.open and time.monotonic() < deadline:
            messages = self.receive(deadline - time.monotonic())
            for i, message in enumerate(messages):
                if message.get("type") == "welcome":
                    self._backlog = messages[i + 1 :]
                    return list(message.get("members") or [])
                if message.get("type") == "error":
                    raise Refused(str(message.get("code")), name)
        raise Refused("no_answer", name)

    def receive(self, timeout: float | None = None) -> list[Message]:
        """The messages of one ``recv`` (none on timeout, or when the server has closed)."""
        if self._backlog:
            backlog, self._backlog = self._backlog, []
            return backlog
        if not self.open:
            return []
        self.sock.settimeout(max(timeout if timeout is not None else self.timeout, 0.001))
        try:
            data = self.sock.recv(RECV_SIZE)
        except TimeoutError:
            return []
        except OSError:
            data = b""
        finally:
            self.sock.settimeout(self.timeout)
        if not data:
            self.open = False
            return []
        try:
            return [unpack(payload) for payload in self._decoder.feed(data)]
        except (FramingError, ProtocolError):
            self.open = False
            raise NetlabError(Note("errors.demo_chat.bad_server")) from None

    def leave(self, timeout: float | None = None) -> list[Message]:
        """Say we are done (``shutdown(SHUT_WR)``) and read what still comes until the server
        closes: the graceful way to leave, nothing sent to us is lost."""
        got: list[Message] = []
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.open = False
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while self.open and time.monotonic() < deadline:
            got += self.receive(deadline - time.monotonic())
        return got

    def close(self) -> None:
        self.open = False
        self.sock.close()


class Refused(NetlabError):
    """The room refused a name (``code``: name_taken, bad_name, full, no_answer, ...)."""

    def __init__(self, code: str, name: str) -> None:
        if code == "name_taken":
            note = Note("errors.demo_chat.name_taken", {"name": name})
        else:
            why = Note("demo.chat.reason." + code) if code in REASONS else code
            note = Note("errors.demo_chat.refused", {"name": name, "reason": why})
        super().__init__(note)
        self.code = code
        if code in ("name_taken", "bad_name"):
            self.status = UsageError.status


def join_room(host: str, port: int, name: str, timeout: float = 5.0) -> tuple[ChatClient, list]:
    """Connect and join as ``name``: the client and the members already there."""
    client = ChatClient.connect(host, port, timeout)
    try:
        return client, client.join(name)
    except BaseException:
        client.close()
        raise


class LineBuffer:
    """Bytes typed on stdin -> whole lines (a line without its end comes out at end of input).

    A line longer than ``limit`` bytes comes out once, cut (it is then too long to send), and
    the rest of it, up to its end, is skipped: it never becomes a line of its own.
    """

    def __init__(self, limit: int = MAX_TEXT * 4 + 4) -> None:
        self.limit = limit
        self._pending = bytearray()
        self._skipping = False  # inside a line already reported as too long

    def feed(self, data: bytes) -> list[str]:
        self._pending += data
        lines = []
        while (end := self._pending.find(b"\n")) >= 0:
            line = self._pending[:end].decode("utf-8", "replace")
            del self._pending[: end + 1]
            if not self._skipping:
                lines.append(line)
            self._skipping = False
        if len(self._pending) > self.limit:
            if not self._skipping:
                lines.append(self._pending.decode("utf-8", "replace"))
            self._skipping = True
            self._pending.clear()
        return lines

    def close(self) -> list[str]:
        rest, self._pending = self._pending, bytearray()
        skipped, self._skipping = self._skipping, False
        return [rest.decode("utf-8", "replace")] if rest and not skipped else []


@dataclass(frozen=True)
class Typed:
    """What became of one typed line: ``sent``, or skipped (``empty``, ``too_long``)."""

    text: str
    outcome: str


def interact(
    client: ChatClient,
    stdin_fd: int,
    show: Callable[[Message], None],
    typed: Callable[[Typed], None],
) -> str:
    """The interactive client's loop: typed lines go out, messages come in (``show``).

    Returns why it ended: ``eof`` (stdin ended: we left gracefully) or ``server_closed``.
    One thread, one selector over stdin and the socket, like the server. ``select()`` itself,
    because epoll refuses regular files and stdin may be one (``< lines.txt``). (POSIX only:
    Windows can't select() on a console.)
    """
    lines = LineBuffer()
    for message in client.receive(0) if client.has_backlog else []:
        show(message)
    selector = selectors.SelectSelector()
    selector.register(client.sock, selectors.EVENT_READ, "net")
    selector.register(stdin_fd, selectors.EVENT_READ, "stdin")
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "net":
                    for message in client.receive(client.timeout):
                        show(message)
                    if not client.open:
                        return "server_closed"
                    continue
                chunk = os.read(stdin_fd, 4096)
                for line in lines.feed(chunk) if chunk else lines.close():
                    _send_line(client, line, typed)
                if not chunk:
                    for message in client.leave():
                        show(message)
                    return "eof"
    finally:
        selector.close()


def _send_line(client: ChatClient, line: str, typed: Callable[[Typed], None]) -> None:
    text = clean_line(line)
    problem = text_problem(text)
    if problem == "empty":
        return
    if problem is not None:
        typed(Typed(text, problem))
        return
    client.say(text)
    typed(Typed(text, "sent"))


# -- the scripted room -------------------------------------------------------------------------


@dataclass(frozen=True)
class BotStep:
    """One step of the scripted room and who received it.

    ``action``: join, say, leave (a bot), taken (a newcomer asks for a bot's name),
    malformed (an intruder sends a frame that is not JSON). ``expected`` are the bots that must
    receive it, ``delivered`` those that did; ``reply`` is the error code the newcomer or the
    intruder got back; ``members`` who was in the room already (join).
    """

    index: int
    actor: str
    action: str
    text: str | None = None
    expected: tuple[str, ...] = ()
    delivered: tuple[str, ...] = ()
    reply: str | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class BotsResult:
    steps: tuple[BotStep, ...]
    bots: tuple[str, ...]
    messages: int  # lines said
    deliveries: int  # frames the bots received for joins, lines and leaves
    extra: int  # frames a bot received that the script did not expect (should be 0)
    rounds: int  # the server's select() calls
    elapsed_s: float
    address: tuple[str, int]

    @property
    def verified(self) -> bool:
        return self.extra == 0 and all(set(s.expected) == set(s.delivered) for s in self.steps)


class _Bot:
    """A bot's connection and what it received, in order, not yet matched to a step."""

    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self.unmatched: list[Message] = []

    def expect(self, message: Message, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while message not in self.unmatched:
            left = deadline - time.monotonic()
            if left <= 0 or not self.client.open:
                return False
            self.unmatched += self.client.receive(left)
        self.unmatched.remove(message)
        return True


def script(lines: list[str]) -> list[tuple[str, str, str | None]]:
    """The room's script: (action, actor, text). ``lines`` are the four lines the bots say."""
    alice, bob, carol = BOTS
    return [
        ("join", alice, None),
        ("join", bob, None),
        ("join", carol, None),
        ("taken", bob, None),
        ("say", alice, lines[0]),
        ("say", bob, lines[1]),
        ("say", carol, lines[2]),
        ("malformed", "?", None),
        ("say", alice, lines[3]),
        ("leave", carol, None),
        ("leave", bob, None),
        ("leave", alice, None),
    ]


class _Play:
    """Plays the script against a server: every bot is a socket read by this one thread."""

    def __init__(self, address: tuple[str, int], timeout: float) -> None:
        self.address = address
        self.timeout = timeout
        self.bots: dict[str, _Bot] = {}
        self.extra = 0

    def step(self, index: int, action: str, actor: str, text: str | None) -> BotStep:
        return getattr(self, f"_{action}")(index, actor, text)

    def _told(self, sender: str, message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
        others = tuple(name for name in self.bots if name != sender)
        return others, tuple(n for n in others if self.bots[n].expect(message, self.timeout))

    def _join(self, index: int, actor: str, _text: str | None) -> BotStep:
        client, members = join_room(*self.address, actor, self.timeout)
        expected, delivered = self._told(actor, {"type": "joined", "name": actor})
        self.bots[actor] = _Bot(client)
        return BotStep(index, actor, "join", None, expected, delivered, members=tuple(members))

    def _say(self, index: int, actor: str, text: str | None) -> BotStep:
        self.bots[actor].client.say(str(text))
        expected, delivered = self._told(actor, {"type": "said", "name": actor, "text": text})
        return BotStep(index, actor, "say", text, expected, delivered)

    def _leave(self, index: int, actor: str, _text: str | None) -> BotStep:
        bot = self.bots.pop(actor)
        self.extra += len(bot.unmatched) + len(bot.client.leave(self.timeout))
        bot.client.close()
        expected, delivered = self._told(actor, {"type": "left", "name": actor})
        return BotStep(index, actor, "leave", None, expected, delivered)

    def _stranger(self, index: int, actor: str, action: str, frame: bytes) -> BotStep:
        client = ChatClient.connect(*self.address, self.timeout)
        try:
            client.sock.sendall(frame)
            got = client.leave(self.timeout)
        finally:
            client.close()
        reply = next((str(m.get("code")) for m in got if m.get("type") == "error"), None)
        return BotStep(index, actor, action, reply=reply)

    def _taken(self, index: int, actor: str, _text: str | None) -> BotStep:
        return self._stranger(index, actor, "taken", pack({"type": "hello", "name": actor}))

    def _malformed(self, index: int, actor: str, _text: str | None) -> BotStep:
        return self._stranger(index, actor, "malformed", encode(b"this is not JSON"))

    def close(self) -> None:
        for bot in self.bots.values():
            bot.client.close()
        self.bots.clear()


def run_bots(
    lines: list[str],
    host: str = LOOPBACK,
    port: int = 0,
    on_step: Callable[[BotStep], None] | None = None,
    pace: float = 0.0,
    timeout: float = 5.0,
) -> BotsResult:
    """The scripted room: a server thread and three bots (alice, bob, carol) in this thread.

    Each step waits until every bot that should receive it did (or ``timeout``), so the
    transcript is the same on every run; ``pace`` seconds between steps let a learner watch.
    """
    started = time.perf_counter()
    server, thread = start_server(host, port)
    target = (LOOPBACK if server.address[0] == "0.0.0.0" else server.address[0], server.address[1])
    play = _Play(target, timeout)
    steps = []
    try:
        for index, (action, actor, text) in enumerate(script(lines), start=1):
            if pace and index > 1:
                time.sleep(pace)
            steps.append(play.step(index, action, actor, text))
            if on_step is not None:
                on_step(steps[-1])
    finally:
        play.close()
        server.stop()
        thread.join(timeout)
    return BotsResult(
        steps=tuple(steps),
        bots=BOTS,
        messages=sum(1 for s in steps if s.action == "say"),
        deliveries=sum(len(s.delivered) for s in steps),
        extra=play.extra,
        rounds=server.rounds,
        elapsed_s=time.perf_counter() - started,
        address=server.address,
    )


if __name__ == "__main__":
    import sys

    from netlab.cli.main import main

    sys.exit(main(["demo", "chat", *sys.argv[1:]]))
