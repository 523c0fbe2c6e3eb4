"""The sends of ``netlab demo sticky`` over UDP on loopback: boundaries kept, a datagram cut.

Owns the two exchanges of ``netlab demo sticky --udp`` and their records (the ``Chunk``,
``Part`` and ``Result`` of ``netlab.demos.sticky``): (1) ``datagrams``: the small messages, one
``sendto()`` each, come out of as many ``recvmsg()`` calls, one datagram each, although the
server reads only after the client has sent them all; (2) ``truncated``: the large message,
sent as one datagram and read with a smaller buffer: ``recvmsg()`` returns the first ``buffer``
bytes with the flag ``MSG_TRUNC``, and the next read finds the queue empty (``EAGAIN``): the
rest of the datagram is gone, where TCP keeps it for the next ``recv()``.

Every figure comes from the kernel: the flags ``recvmsg()`` returned and, on Linux, the
datagram's real length (``MSG_TRUNC`` passed in the flags makes a UDP socket's receive return
it: udp(7), recv(2)). After each exchange one more ``recvmsg()`` without waiting shows what was
left. Loopback only (the command refuses another host); every socket is closed on the way out.
Moves bytes and records calls: no printing, no sentences.
"""

from __future__ import annotations

import socket
import sys
import time

from netlab.demos.listen import bind_datagram
from netlab.demos.sticky import (
    TIMEOUT,
    Chunk,
    Options,
    Part,
    Recorder,
    Result,
    byte_order,
    large_message,
    small_messages,
)
from netlab.errors import NetlabError
from netlab.i18n import Note

#: The largest UDP payload over IPv4: 65535 (the IPv4 total length) - 20 (IP) - 8 (UDP).
MAX_DATAGRAM = 65507
#: Linux reports a truncated datagram's real length when MSG_TRUNC is passed in (udp(7));
#: elsewhere the flag means nothing on input, so it is not passed.
ASK_LENGTH = socket.MSG_TRUNC if sys.platform.startswith("linux") else 0
FLAG_NAMES = (("MSG_TRUNC", socket.MSG_TRUNC),)


def receive(sock: socket.socket, rec: Recorder, buffer: int, wait: float) -> Chunk | None:
    """One ``recvmsg()`` into ``buffer`` bytes, waiting at most ``wait`` seconds (0: not at
    all); records the call and returns its chunk, or None (recorded as role "empty") when
    nothing was queued."""
    if wait > 0:
        sock.settimeout(wait)
    else:
        sock.setblocking(False)
    room = bytearray(buffer)
    try:
        length, _, flags, _ = sock.recvmsg_into([room], 0, ASK_LENGTH)
    except (BlockingIOError, TimeoutError):
        rec.add(Chunk("server", "recvmsg", b"", rec.now(), "empty"))
        return None
    names = tuple(name for name, bit in FLAG_NAMES if flags & bit)
    size = length if ASK_LENGTH else None
    chunk = Chunk(
        "server", "recvmsg", bytes(room[: min(length, buffer)]), rec.now(), "", names, size
    )
    rec.add(chunk)
    return chunk


def exchange(
    name: str,
    server: socket.socket,
    client: socket.socket,
    messages: list[bytes],
    buffer: int,
) -> Part:
    """The client sends each message as one datagram; then the server reads one datagram per
    message (at most TIMEOUT s each: a datagram may be lost), and once more without waiting."""
    rec = Recorder()
    target = server.getsockname()[:2]
    began = time.perf_counter()
    for message in messages:
        when = rec.now()
        client.sendto(message, target)
        rec.add(Chunk("client", "sendto", message, when))
    client_s = time.perf_counter() - began
    received = []
    for _ in messages:
        chunk = receive(server, rec, buffer, TIMEOUT)
        if chunk is None:
            break
        received.append(chunk.data)
    receive(server, rec, buffer, 0)  # what is left in the queue: nothing, however large the cut
    return Part(name, tuple(messages), tuple(received), rec.chunks(), None, client_s)


def run(options: Options) -> Result:
    """Bind a UDP socket on ``options.host:port``, run both exchanges, close."""
    smalls, large = small_messages(options.messages), large_message(options.size)
    server = bind_datagram(options.host, options.port)
    client = None
    try:
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        address = server.getsockname()[:2]
        parts = (
            exchange("datagrams", server, client, smalls, options.buffer),
            exchange("truncated", server, client, [large], options.buffer),
        )
    except OSError as exc:
        raise NetlabError(Note("errors.demo_sticky.socket", {"reason": exc})) from exc
    finally:
        server.close()
        if client is not None:
            client.close()
    return Result(options, address, parts, byte_order(len(smalls[0])), transport="udp")
