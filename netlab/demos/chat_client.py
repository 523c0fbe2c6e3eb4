"""The chat room's clients: a blocking connection, and the interactive client's loop.

Owns ``ChatClient`` (one connection with timeouts: join, say, receive, leave gracefully),
``Refused`` (the room said no), ``join_room``, ``LineBuffer`` (typed bytes -> lines) and
``interact`` (the loop over stdin and the socket behind ``netlab demo chat --name``). What a
server sends is outside text: a ``welcome``'s member list is kept only if it is a list (each
member as a string), and an unknown error code reaches an error message cut and escaped
(``netlab.printable``); ``netlab.views.demo_chat`` draws the rest the same way. Nothing here
prints.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from netlab.demos.chat_protocol import (
    MAX_FRAME,
    MAX_TEXT,
    REASONS,
    RECV_SIZE,
    Message,
    ProtocolError,
    clean_line,
    no_delay,
    pack,
    text_problem,
    unpack,
)
from netlab.errors import NetlabError, UsageError
from netlab.framing import Decoder, FramingError
from netlab.i18n import Note
from netlab.printable import clip, printable

MAX_CODE = 40  # characters of an unknown error code shown


class ChatClient:
    """One connection to a room: blocking sockets with a timeout, frames in and out."""

    def __init__(self, sock: socket.socket, timeout: float = 5.0) -> None:
        self.sock = sock
        self.timeout = timeout
        self.ping_every: float | None = None  # set by the server's welcome
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
                    idle = message.get("idle_timeout")
                    if isinstance(idle, int | float) and not isinstance(idle, bool) and idle > 0:
                        self.ping_every = idle / 3  # well before the server's idle timeout
                    members = message.get("members")
                    return [str(m) for m in members] if isinstance(members, list) else []
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


def code_note(code: str) -> Note | str:
    """An error code from a server, for a message: a known one in words, any other as
    outside text (escaped, cut after ``MAX_CODE`` characters with a count)."""
    if code in REASONS:
        return Note("demo.chat.reason." + code)
    kept, cut = clip(code, MAX_CODE)
    shown = printable(kept, newlines=False)
    if not cut:
        return shown
    return Note("demo.chat.cut", {"text": shown, "count": cut, "chars": f"{cut:,}"})


class Refused(NetlabError):
    """The room refused a name (``code``: name_taken, bad_name, full, no_answer, ...)."""

    def __init__(self, code: str, name: str) -> None:
        if code == "name_taken":
            note = Note("errors.demo_chat.name_taken", {"name": name})
        else:
            note = Note("errors.demo_chat.refused", {"name": name, "reason": code_note(code)})
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
    last_sent = time.monotonic()
    try:
        while True:
            wait = None
            if client.ping_every is not None:
                wait = max(last_sent + client.ping_every - time.monotonic(), 0.0)
            ready = selector.select(wait)
            if not ready and client.ping_every is not None:  # quiet a while: "still here"
                client.send({"type": "ping"})
                last_sent = time.monotonic()
                continue
            for key, _ in ready:
                if key.data == "net":
                    for message in client.receive(client.timeout):
                        show(message)
                    if not client.open:
                        return "server_closed"
                    continue
                chunk = os.read(stdin_fd, 4096)
                for line in lines.feed(chunk) if chunk else lines.close():
                    _send_line(client, line, typed)
                    last_sent = time.monotonic()
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
