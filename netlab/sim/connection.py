"""Scenario ``tcp``: a whole connection, from the handshake through data both ways to the close.

Owns the script of the two applications: the client connects, sends each message (``data``),
the server answers once it has read them all (``replies``); with ``rounds`` > 1 the client sends
its messages again as soon as it has read an answer, and the server answers again (an
interactive exchange, where Linux's delayed ACKs ride on the answers). The client closes once it
has read the last answer, then the server closes. Every number comes from the endpoints: the ACKs
advance by the bytes received, which is why TCP is a byte stream and not a message stream.
"""

from __future__ import annotations

from itertools import pairwise

from netlab.sim.close import APP_DELAY_US
from netlab.sim.conversation import side, wireshark_columns
from netlab.sim.endpoint import Endpoint
from netlab.sim.hosts import TcpParams, connecting, header_notes, resolve
from netlab.sim.tcp import State
from netlab.sim.trace import Note, Trace

DEFAULT_REQUEST = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
DEFAULT_REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def _sender(ep: Endpoint, messages: list[bytes]):
    def send_all():
        segs = []
        for message in messages:
            segs.extend(ep.send(message))
        return segs

    return send_all


MAX_ROUNDS = 10


def _stall(steps: list) -> dict | None:
    """Nagle meeting a delayed ACK: a held write released by an ACK that the delayed-ACK timer
    sent. Returns how long the write waited, in ms (None: it never happened)."""
    segments = [s for s in steps if s.segment is not None and s.dst is not None]
    for before, after in pairwise(segments):
        released = after.segment.reason.startswith("nagle_release")
        if released and before.segment.reason == "delayed_ack" and before.src != after.src:
            held = next(
                s for s in reversed(segments[: segments.index(before)]) if s.src == after.src
            )
            return {"ms": round((after.time - held.time) * 1000), "side": side(after.src)}
    return None


def build(p: TcpParams, data: list[bytes], replies: list[bytes], rounds: int = 1) -> Trace:
    if not 1 <= rounds <= MAX_ROUNDS:
        raise ValueError(f"rounds must be 1 to {MAX_ROUNDS}, not {rounds}")
    data = data or [DEFAULT_REQUEST]
    replies = replies or [DEFAULT_REPLY]
    r = resolve(p)
    client, server, conv = connecting(p, r)
    sent = sum(len(m) for m in data)
    answered = sum(len(m) for m in replies)
    conv.when(
        "client",
        State.ESTABLISHED,
        _sender(client, data),
        Note("tcp.app.send", {"side": side("client"), "count": len(data), "bytes": sent}),
    )
    for n in range(1, rounds + 1):
        conv.when_received(
            "server",
            n * sent,
            _sender(server, replies),
            Note(
                "tcp.app.reply", {"side": side("server"), "count": len(replies), "bytes": answered}
            ),
        )
        if n < rounds:
            conv.when_received(
                "client",
                n * answered,
                _sender(client, data),
                Note(
                    "tcp.app.send_again",
                    {"side": side("client"), "round": n + 1, "count": len(data), "bytes": sent},
                ),
            )
    conv.when_received(
        "client",
        rounds * answered,
        client.close,
        Note("tcp.app.close", {"side": side("client")}),
        APP_DELAY_US,
    )
    conv.when(
        "server",
        State.CLOSE_WAIT,
        server.close,
        Note("tcp.app.close_after_eof", {"side": side("server")}),
        APP_DELAY_US,
    )
    steps = wireshark_columns(conv.run(), r.nodes)
    remember = [
        Note(
            "tcp.connection.remember.bytes",
            {"sent": rounds * sent, "answered": rounds * answered},
        ),
        Note("tcp.connection.remember.ack_next"),
        Note("tcp.connection.remember.sticky"),
    ]
    if p.stack.nagle:
        remember.append(Note(f"tcp.connection.remember.{'nodelay' if p.nodelay else 'nagle'}"))
    if p.stack.delayed_ack:
        remember.append(Note("tcp.connection.remember.delayed_ack"))
        if rounds > 1:
            remember.append(Note("tcp.connection.remember.piggyback"))
        stall = _stall(steps)
        if stall is not None:
            remember.append(Note("tcp.connection.remember.stall", stall))
    remember.append(Note("tcp.close.remember.timewait"))
    return Trace(
        scenario="tcp",
        nodes=r.nodes,
        steps=steps,
        title=Note("tcp.connection.title"),
        header=header_notes(r, p),
        remember=remember,
        initial_states=conv.initial_states,
        params={
            "isn_client": r.isn_client,
            "isn_server": r.isn_server,
            "rtt": p.rtt,
            "data": [m.decode("utf-8", "replace") for m in data],
            "replies": [m.decode("utf-8", "replace") for m in replies],
            "arrived": dict(conv.arrived),
            "stack": p.stack.name,
            "nodelay": p.nodelay,
            "rounds": rounds,
        },
    )
