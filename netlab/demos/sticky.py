"""Sticky packets (粘包) on real TCP over loopback, recorded call by call.

Owns the four exchanges of ``netlab demo sticky`` and the records they produce: (1) ``merged``:
small messages sent back to back come out of one ``recv()``; (2) ``split``: one large message
read with a small buffer comes out in pieces; (3) ``header``: the same traffic framed with
``netlab.framing`` (a 4-byte ``'!I'`` length) decodes back exactly; (4) ``ack``: the seed's
other fix (send the length, wait for ``b"ok"``, then the body) decodes back too, one round trip
per message. Its length is the same fixed-size 4-byte ``'!I'`` header, read with a loop until
all 4 bytes are in: a bare ``b"5000"`` would have no end of its own (``recv()`` may return
``b"50"``, then ``b"00"``). Every ``send()`` and ``recv()`` is recorded as a ``Chunk``.

The demo is deterministic: the server reads only after the client has finished sending and the
kernel's receive queue holds every byte (``FIONREAD``, with a bounded wait), so what one
``recv(n)`` returns does not depend on timing. The client runs in a thread of its own, the server
in the calling thread; every socket is closed and the thread joined on the way out, Ctrl-C
included. Nothing here prints: the view draws the ``Result``.
"""

from __future__ import annotations

import socket
import string
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from netlab.demos.listen import LOOPBACK, listen
from netlab.errors import NetlabError
from netlab.framing import HEADER, HEADER_SIZE, Decoder, FramingError, encode
from netlab.i18n import Note

FIXES = ("none", "header", "ack", "all")
PARTS = {
    "none": ("merged", "split"),
    "header": ("header",),
    "ack": ("ack",),
    "all": ("merged", "split", "header", "ack"),
}
MAX_MESSAGES = 100
MAX_SIZE = 65536
MAX_BUFFER = 65536
ACK = b"ok"
TIMEOUT = 5.0  # every blocking socket call gives up after this many seconds
SETTLE = 0.2  # a receive queue that has not grown for this long holds all it will get
POLL = 0.002


@dataclass(frozen=True)
class Options:
    messages: int = 3
    size: int = 5000
    buffer: int = 1024
    fix: str = "none"
    host: str = LOOPBACK
    port: int = 0
    udp: bool = False


@dataclass(frozen=True)
class Chunk:
    """What one ``send()`` or ``recv()`` call carried (over UDP: ``sendto()``, ``recvmsg()``).
    ``time`` is seconds since the exchange began: when a send was called, when a recv returned
    (so a recv never comes before the send it reads). ``role`` is "" or, in the ack fix,
    "length", "ack" or "body", or over UDP "empty" (nothing was queued: EAGAIN). Over UDP,
    ``flags`` are the flags ``recvmsg()`` returned (``MSG_TRUNC``) and ``size`` the datagram's
    length as the kernel reported it (Linux; None where it can't be asked)."""

    side: str  # "client" | "server"
    call: str  # "send" | "recv" | "sendto" | "recvmsg"
    data: bytes
    time: float
    role: str = ""
    flags: tuple[str, ...] = ()
    size: int | None = None


@dataclass(frozen=True)
class Part:
    """One exchange on one connection: the messages the client meant, what the server ended up
    with (each recv for the naive reader, each decoded message for the fixes), every call."""

    name: str  # "merged" | "split" | "header" | "ack"
    sent: tuple[bytes, ...]
    received: tuple[bytes, ...]
    chunks: tuple[Chunk, ...]
    queued: int | None  # bytes waiting when the server started to read (None: it did not wait)
    client_s: float  # how long the client took from its first send to its last
    round_trips: tuple[float, ...] = ()  # ack fix: each wait from sending a length to the ack

    def calls(self, side: str, call: str) -> list[Chunk]:
        return [c for c in self.chunks if c.side == side and c.call == call and c.data]

    @property
    def boundaries_kept(self) -> bool:
        return self.received == self.sent

    def whole_in_first_recv(self) -> int:
        """How many of the sent messages lie whole inside the server's first recv()."""
        reads = self.calls("server", "recv")
        first = reads[0].data if reads else b""
        end, count = 0, 0
        for message in self.sent:
            end += len(message)
            if end > len(first):
                break
            count += 1
        return count


@dataclass(frozen=True)
class ByteOrder:
    """The seed's header ``struct.pack('i', n)`` next to ``struct.pack('!I', n)`` on this
    machine, and what a peer of the other byte order would read from the seed's bytes."""

    length: int
    network: bytes
    native: bytes
    machine: str  # sys.byteorder: "little" or "big"
    misread: int


@dataclass(frozen=True)
class Result:
    options: Options
    address: tuple[str, int]
    parts: tuple[Part, ...]
    byte_order: ByteOrder
    nodelay: bool = True
    transport: str = "tcp"  # "tcp", or "udp" for ``netlab.demos.sticky_udp``


# -- the traffic -----------------------------------------------------------------------------


def small_messages(count: int) -> list[bytes]:
    return [f"hello-{i}".encode() for i in range(1, count + 1)]


def large_message(size: int) -> bytes:
    """``size`` bytes of the alphabet over and over, so each piece shows where it was cut."""
    letters = string.ascii_lowercase.encode()
    return (letters * (size // len(letters) + 1))[:size]


def byte_order(length: int) -> ByteOrder:
    native = struct.pack("i", length)
    other = "big" if sys.byteorder == "little" else "little"
    return ByteOrder(
        length=length,
        network=struct.pack("!I", length),
        native=native,
        machine=sys.byteorder,
        misread=int.from_bytes(native, other),
    )


# -- recording calls -------------------------------------------------------------------------


class Recorder:
    """Collects the chunks of one exchange from both threads, with times since its start."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self._lock = threading.Lock()
        self._chunks: list[Chunk] = []

    def now(self) -> float:
        return time.perf_counter() - self.start

    def add(self, chunk: Chunk) -> None:
        with self._lock:
            self._chunks.append(chunk)

    def chunks(self) -> tuple[Chunk, ...]:
        with self._lock:
            return tuple(sorted(self._chunks, key=lambda c: c.time))


def send(sock: socket.socket, rec: Recorder, side: str, data: bytes, role: str = "") -> None:
    """Send all of ``data``, recording what each ``send()`` call took."""
    view = memoryview(data)
    while view:
        began = rec.now()
        count = sock.send(view)
        rec.add(Chunk(side, "send", bytes(view[:count]), began, role))
        view = view[count:]


def recv(sock: socket.socket, rec: Recorder, side: str, size: int, role: str = "") -> bytes:
    data = sock.recv(size)
    rec.add(Chunk(side, "recv", data, rec.now(), role if data else ""))  # b'': end of stream
    return data


def recv_exact(
    sock: socket.socket, rec: Recorder, side: str, count: int, buffer: int, role: str = ""
) -> bytes:
    """Exactly ``count`` bytes, never more, in ``recv(min(buffer, rest))`` calls."""
    data = bytearray()
    while len(data) < count:
        piece = recv(sock, rec, side, min(buffer, count - len(data)), role)
        if not piece:
            raise NetlabError(Note("errors.demo_sticky.closed", {"got": len(data), "want": count}))
        data += piece
    return bytes(data)


def recv_until_eof(sock: socket.socket, rec: Recorder, buffer: int) -> Iterator[bytes]:
    while data := recv(sock, rec, "server", buffer):
        yield data


# -- waiting for the bytes -------------------------------------------------------------------


def queued(sock: socket.socket) -> int | None:
    """Bytes in the socket's receive queue (``FIONREAD``), or None where that can't be asked."""
    try:
        import fcntl
        import termios

        raw = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    except (ImportError, OSError, AttributeError):
        return None
    return int(struct.unpack("i", raw)[0])


def wait_queued(sock: socket.socket, want: int, timeout: float = 2.0) -> int | None:
    """Wait (at most ``timeout`` s) until ``want`` bytes are queued, or the queue stops growing
    (a full receive window); return how many are queued. Without ``FIONREAD``, wait ``SETTLE``."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while True:
        count = queued(sock)
        if count is None:
            time.sleep(SETTLE)
            return None
        now = time.monotonic()
        if count >= want or now > deadline:
            return count
        if count != last:
            last, since = count, now
        elif now - since > SETTLE:
            return count
        time.sleep(POLL)


# -- one exchange: a connection, the client in a thread, the server here ---------------------


class Client(threading.Thread):
    """The client side of one exchange; keeps its script's return value or its error."""

    def __init__(
        self,
        script: Callable[[socket.socket, Recorder], object],
        sock: socket.socket,
        rec: Recorder,
    ) -> None:
        super().__init__(name="netlab-sticky-client", daemon=True)
        self.script, self.sock, self.rec = script, sock, rec
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.script(self.sock, self.rec)
        except BaseException as exc:  # reported by the server side after join
            self.error = exc
        finally:
            with suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)  # the server's recv() then returns b''
            self.done.set()


@contextmanager
def connection(listener: socket.socket) -> Iterator[tuple[socket.socket, socket.socket]]:
    """A fresh client socket connected to ``listener`` and the server's accepted socket; both
    with TCP_NODELAY and a timeout, both closed on the way out."""
    host, port = listener.getsockname()[:2]
    target = LOOPBACK if host == "0.0.0.0" else host
    client = socket.create_connection((target, port), timeout=TIMEOUT)
    server = None
    try:
        server, _ = listener.accept()
        for sock in (client, server):
            sock.settimeout(TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        yield client, server
    finally:
        for sock in (client, server):
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a client thread blocked in a call
                sock.close()


def exchange(
    listener: socket.socket,
    client_script: Callable[[socket.socket, Recorder], object],
    server_script: Callable[[socket.socket, Recorder, Client], object],
) -> tuple[Recorder, object, object]:
    """Run one exchange; return the recorder and what the client and the server returned."""
    rec = Recorder()
    try:
        with connection(listener) as (client_sock, server_sock):
            client = Client(client_script, client_sock, rec)
            client.start()
            try:
                served = server_script(server_sock, rec, client)
                client.join(TIMEOUT)
            except Exception:
                _stop(client, client_sock)
                if client.error is not None:  # the server failed because the client did
                    raise client_failed(client.error) from None
                raise
            finally:  # also on Ctrl-C: wake the client thread, then wait for it
                _stop(client, client_sock)
    except TimeoutError:
        raise timed_out() from None
    except OSError as exc:
        raise NetlabError(Note("errors.demo_sticky.socket", {"reason": exc})) from exc
    if client.error is not None:
        raise client_failed(client.error)
    return rec, client.value, served


def _stop(client: Client, sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    client.join(TIMEOUT)


def client_failed(error: BaseException) -> NetlabError:
    if isinstance(error, TimeoutError):
        return timed_out()
    return NetlabError(Note("errors.demo_sticky.client", {"error": repr(error)}))


def timed_out() -> NetlabError:
    return NetlabError(Note("errors.demo_sticky.timeout", {"seconds": TIMEOUT}))


def _wait_for_client(server: socket.socket, client: Client, total: int) -> int | None:
    """The server's deliberate pause: until the client is done and all bytes are queued."""
    if not client.done.wait(TIMEOUT):
        raise timed_out()
    return wait_queued(server, total)


def _sender(messages: list[bytes]) -> Callable[[socket.socket, Recorder], float]:
    """A client script: each message with its own send() calls, back to back."""

    def script(sock: socket.socket, rec: Recorder) -> float:
        began = time.perf_counter()
        for message in messages:
            send(sock, rec, "client", message)
        return time.perf_counter() - began

    return script


# -- the four parts --------------------------------------------------------------------------


def naive(name: str, listener: socket.socket, messages: list[bytes], buffer: int) -> Part:
    """Parts (1) and (2): the server treats each recv() as one message."""
    total = sum(map(len, messages))

    def server(sock: socket.socket, rec: Recorder, client: Client):
        waited = _wait_for_client(sock, client, total)
        return waited, list(recv_until_eof(sock, rec, buffer))

    rec, client_s, (waited, pieces) = exchange(listener, _sender(messages), server)
    return Part(name, tuple(messages), tuple(pieces), rec.chunks(), waited, client_s)


def header_fix(listener: socket.socket, messages: list[bytes], buffer: int) -> Part:
    """Part (3): every message framed with a 4-byte '!I' length; the server decodes."""
    frames = [encode(m) for m in messages]

    def server(sock: socket.socket, rec: Recorder, client: Client):
        waited = _wait_for_client(sock, client, sum(map(len, frames)))
        decoder, out = Decoder(), []
        for data in recv_until_eof(sock, rec, buffer):
            out += decoder.feed(data)
        try:
            decoder.close()
        except FramingError as exc:
            raise NetlabError(str(exc)) from None
        return waited, out

    rec, client_s, (waited, out) = exchange(listener, _sender(frames), server)
    return Part("header", tuple(messages), tuple(out), rec.chunks(), waited, client_s)


def recv_length(sock: socket.socket, rec: Recorder, side: str) -> int | None:
    """A 4-byte ``'!I'`` length, read until all 4 bytes are in; None at a clean end of stream."""
    first = recv(sock, rec, side, HEADER_SIZE, "length")
    if not first:
        return None
    rest = recv_exact(sock, rec, side, HEADER_SIZE - len(first), HEADER_SIZE, "length")
    (length,) = HEADER.unpack(first + rest)
    return int(length)


def ack_fix(listener: socket.socket, messages: list[bytes], buffer: int) -> Part:
    """Part (4): a 4-byte '!I' length, wait for b"ok", then the body; one round trip per
    message."""

    def client_script(sock: socket.socket, rec: Recorder):
        began, trips = time.perf_counter(), []
        for message in messages:
            asked = time.perf_counter()
            send(sock, rec, "client", HEADER.pack(len(message)), "length")
            recv_exact(sock, rec, "client", len(ACK), len(ACK), "ack")
            trips.append(time.perf_counter() - asked)
            send(sock, rec, "client", message, "body")
        return time.perf_counter() - began, trips

    def server(sock: socket.socket, rec: Recorder, client: Client):
        out = []
        while (length := recv_length(sock, rec, "server")) is not None:
            send(sock, rec, "server", ACK, "ack")
            out.append(recv_exact(sock, rec, "server", length, buffer, "body"))
        return out

    rec, (client_s, trips), out = exchange(listener, client_script, server)
    return Part("ack", tuple(messages), tuple(out), rec.chunks(), None, client_s, tuple(trips))


def run(options: Options) -> Result:
    """Listen on ``options.host:port``, run the parts ``options.fix`` asks for, close. With
    ``options.udp`` the same sends go over UDP (``netlab.demos.sticky_udp``)."""
    if options.udp:
        from netlab.demos import sticky_udp

        return sticky_udp.run(options)
    smalls, large = small_messages(options.messages), large_message(options.size)
    listener = listen(options.host, options.port)
    try:
        listener.settimeout(TIMEOUT)  # accept() waits at most TIMEOUT
        address = listener.getsockname()[:2]
        parts = []
        for name in PARTS[options.fix]:
            if name == "merged":
                parts.append(naive("merged", listener, smalls, options.buffer))
            elif name == "split":
                parts.append(naive("split", listener, [large], options.buffer))
            elif name == "header":
                parts.append(header_fix(listener, [*smalls, large], options.buffer))
            else:
                parts.append(ack_fix(listener, [*smalls, large], options.buffer))
    finally:
        listener.close()
    return Result(options, address, tuple(parts), byte_order(len(smalls[0])))


if __name__ == "__main__":
    from netlab.cli.main import main

    sys.exit(main(["demo", "sticky", *sys.argv[1:]]))
