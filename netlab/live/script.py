"""What the two applications do in each live scenario: the socket calls, in order.

Owns ``Call`` (one socket call: who makes it, which call, the bytes it sends or expects, and
which of the model's application actions it plays) and the scripts of ``handshake``, each
variant of ``close``, and ``tcp``. ``netlab.live.driver`` makes these calls on real sockets;
``netlab.live.compare`` lines them up with the model's Trace through ``plays`` (the keys of the
notes the model gives its applications' actions). Pure data: no sockets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPS = ("setup", "listen", "connect", "accept", "send", "recv", "recv_eof", "shutdown", "close")
OPS += ("close_both", "end")


@dataclass(frozen=True)
class Call:
    """One socket call.

    ``actor`` is "client" or "server" ("both" for ``close_both``; "" for ``setup`` and ``end``).
    ``op``: ``setup`` (listen, connect and accept in one row: the scenario starts from an open
    connection), ``listen``, ``connect``, ``accept``, ``send`` (each of ``data`` in turn),
    ``recv`` (until every byte of ``data`` has come), ``recv_eof`` (until recv() returns b''),
    ``shutdown`` (SHUT_WR), ``close``, ``close_both`` (both sides at once, from two threads) and
    ``end`` (no call: the last look at the kernel, where the model has run its timers).
    ``plays``: the model's application actions this call performs (their note keys, in order).
    ``look``: read the kernel's states after the call (False where even the few milliseconds a
    reading takes would change what the kernel does next). ``wait``: the application pauses
    that long before the call, as the model's application does (a close 100 ms after the last
    answer lets the delayed-ACK timer fire first, on both).
    """

    actor: str
    op: str
    data: tuple[bytes, ...] = ()
    plays: tuple[str, ...] = ()
    look: bool = True
    wait: float = 0.0  # seconds the application waits before the call (as the model's does)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown socket call {self.op!r}")

    @property
    def size(self) -> int:
        return sum(len(d) for d in self.data)


def other(side: str) -> str:
    return "server" if side == "client" else "client"


def handshake() -> list[Call]:
    return [
        Call("server", "listen"),
        Call("client", "connect", plays=("tcp.app.connect",)),
        Call("server", "accept"),
    ]


def close(
    initiator: str = "client",
    *,
    simultaneous: bool = False,
    merge: bool = False,
    half_close: bool = False,
    data: bytes = b"bye",
    unread: bool = False,
    late_data: bool = False,
) -> list[Call]:
    """The close variants a socket API can make. ``merge``: the passive application closes as
    soon as it reads EOF (the kernel then puts its delayed ACK on its FIN); otherwise the driver
    waits until the kernel has acknowledged the FIN on its own, as the model's application
    does (it closes 100 ms later). ``half_close``: the initiator calls shutdown(SHUT_WR), which
    is what a half-close is on a real socket (close() would end both directions). ``unread``:
    the passive side sends ``data`` that the initiator never reads before its close(), which
    then sends RST, not FIN. ``late_data``: the passive side sends ``data`` after the
    initiator's full close(), and the initiator's kernel answers it with RST."""
    active, passive = initiator, other(initiator)
    calls = [Call("", "setup")]
    if unread:
        calls += [
            Call(passive, "send", (data,), plays=("tcp.app.send_unread",)),
            Call(active, "close", plays=("tcp.app.close_unread",)),
        ]
    elif late_data:
        calls += [
            Call(active, "close", plays=("tcp.app.close",)),
            Call(passive, "recv_eof"),
            Call(passive, "send", (data,), plays=("tcp.app.late_send",)),
        ]
    elif simultaneous:
        calls.append(Call("both", "close_both", plays=("tcp.app.close", "tcp.app.close_too")))
    elif half_close:
        calls += [
            Call(active, "shutdown", plays=("tcp.app.shutdown",)),
            Call(passive, "recv_eof"),
            Call(passive, "send", (data,), plays=("tcp.app.half_close_send",)),
            Call(active, "recv", (data,)),
            Call(passive, "close", plays=("tcp.app.close_after_sending",)),
            Call(active, "recv_eof"),
            Call(active, "close"),
        ]
    elif merge:
        # The passive side must close within the kernel's delayed-ACK time (a few ms on recent
        # kernels): no reading of /proc before its close().
        calls += [
            Call(active, "close", plays=("tcp.app.close",), look=False),
            Call(passive, "recv_eof", look=False),
            Call(passive, "close", plays=("tcp.app.close_merged",)),
        ]
    else:
        calls += [
            Call(active, "close", plays=("tcp.app.close",)),
            Call(passive, "recv_eof"),
            Call(passive, "close", plays=("tcp.app.close_after_eof",)),
        ]
    calls.append(Call("", "end"))
    return calls


def close_for(options: Any) -> list[Call]:
    """The calls of ``close`` for a ``netlab.sim.close.CloseOptions`` (the model's options)."""
    return close(
        options.initiator,
        simultaneous=options.simultaneous,
        merge=options.merge,
        half_close=options.half_close,
        data=options.data,
        unread=options.unread,
        late_data=options.late_data,
    )


def tcp(data: list[bytes], replies: list[bytes], rounds: int = 1) -> list[Call]:
    """A whole connection, as the model's ``tcp`` scenario: the client sends its messages, the
    server reads them all and answers, the client reads the answer (``rounds`` times, each next
    request sent at once), waits as the model's application does and closes; the server reads
    EOF and closes."""
    from netlab.sim.close import APP_DELAY_US

    calls = [
        Call("server", "listen"),
        Call("client", "connect", plays=("tcp.app.connect",)),
        Call("server", "accept"),
    ]
    for n in range(1, rounds + 1):
        plays = "tcp.app.send" if n == 1 else "tcp.app.send_again"
        calls += [
            Call("client", "send", tuple(data), plays=(plays,)),
            Call("server", "recv", tuple(data)),
            Call("server", "send", tuple(replies), plays=("tcp.app.reply",)),
            Call("client", "recv", tuple(replies)),
        ]
    return [
        *calls,
        Call("client", "close", plays=("tcp.app.close",), wait=APP_DELAY_US / 1e6),
        Call("server", "recv_eof"),
        Call("server", "close", plays=("tcp.app.close_after_eof",)),
        Call("", "end"),
    ]
