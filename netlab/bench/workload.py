"""What ``netlab bench io`` measures: the I/O models, the workload and its limits. Plain data.

Owns ``MODELS`` (the servers, in the order they are run and shown), ``Workload`` (clients x
messages of one size, and the models to run), the limits a user may ask for, ``excess`` (the
rule a workload breaks, as a Note, or None) and ``message`` (the bytes client c sends as its
message i). No sockets, no processes, no printing.

The framing is one message per line: ``size`` bytes, the last of them a newline, and the reply
is the same line upper-cased. Lines rather than netlab.framing's ``'!I'`` length prefix because
the threads, gevent and asyncio servers have an idiomatic ``readline``, the ``netlab demo
select`` server has a line mode (``--lines``) that does the same work, and upper-casing a whole
line leaves its newline in place, so the reply has exactly the message's length: the client
reads until that many bytes have arrived, however the server's writes cut them. A length
prefix would need every server to parse headers and upper-case only the body (``bytes.upper()``
on a header would turn a length byte 0x61..0x7a, 'a'..'z', into another length). A message
therefore never holds a newline of its own: its body is lower-case letters, digits and ':'.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.i18n import Note

#: The servers, each run in its own process: name -> how it serves (the view says it in words).
MODELS = ("threads", "single", "select", "epoll", "gevent", "asyncio")

DEFAULT_CLIENTS = 100
DEFAULT_MESSAGES = 500
DEFAULT_SIZE = 64

MAX_CLIENTS = 1000  # the select backend serves at most 1000 connections (FD_SETSIZE is 1024)
MAX_MESSAGES = 100_000
MAX_SIZE = 1024 * 1024  # 1 MiB per message
MAX_TOTAL_MESSAGES = 1_000_000  # clients x messages, per model
MAX_TOTAL_BYTES = 1024**3  # clients x messages x size, per model: 1 GiB each way
MAX_IN_FLIGHT = 64 * 1024**2  # clients x size: what one round of all clients holds in buffers

_FILLER = b"abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Workload:
    """N clients, each sending M messages of ``size`` bytes (newline included), one at a time
    (send, wait for the reply, send the next), against each model of ``models`` in turn."""

    clients: int = DEFAULT_CLIENTS
    messages: int = DEFAULT_MESSAGES
    size: int = DEFAULT_SIZE
    models: tuple[str, ...] = MODELS

    @property
    def total(self) -> int:
        """Messages per model, all clients together."""
        return self.clients * self.messages

    @property
    def total_bytes(self) -> int:
        """Bytes each way per model."""
        return self.total * self.size


def excess(workload: Workload) -> Note | None:
    """The limit ``workload`` goes beyond (each option within its own range is checked apart),
    or None. The limits keep a run bounded in time and memory on a small machine."""
    if workload.total > MAX_TOTAL_MESSAGES:
        params = {"total": workload.total, "max": MAX_TOTAL_MESSAGES}
        return Note("bench.errors.total_messages", params)
    if workload.total_bytes > MAX_TOTAL_BYTES:
        params = {"mib": workload.total_bytes // 1024**2, "max_mib": MAX_TOTAL_BYTES // 1024**2}
        return Note("bench.errors.total_bytes", params)
    if workload.clients * workload.size > MAX_IN_FLIGHT:
        mib = workload.clients * workload.size // 1024**2
        return Note("bench.errors.in_flight", {"mib": mib, "max_mib": MAX_IN_FLIGHT // 1024**2})
    return None


def message(client: int, index: int, size: int) -> bytes:
    """Message ``index`` of client ``client``: exactly ``size`` bytes, the last one a newline.
    From 2 bytes on it starts with a lower-case letter, so its upper-cased reply differs from it
    (a server that only echoes fails the check); as much of ``cCLIENTmINDEX:`` as fits comes
    first, so that a reply meant for another message does not pass for this one's."""
    head = f"c{client}m{index}:".encode()
    body = (head + _FILLER * (size // len(_FILLER) + 1))[: size - 1]
    return body + b"\n"
