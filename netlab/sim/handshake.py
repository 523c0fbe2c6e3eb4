"""Scenario ``handshake``: the three-way handshake, optionally with one segment lost.

Owns the script of the two applications (the server listens, the client connects) and which
segment ``--lose`` drops. The states, the segments and their numbers come from the TCP machine
and the endpoints; the retransmissions from the conversation's timers.
"""

from __future__ import annotations

from netlab.sim.conversation import US, side, wireshark_columns
from netlab.sim.hosts import TcpParams, connecting, header_notes, resolve
from netlab.sim.tcp import State
from netlab.sim.trace import Note, Trace

LOSSES = ("syn", "syn-ack", "ack")
FIRST_REQUEST = b"hello"
REQUEST_DELAY_US = 1 * US  # after the server gave up, the client's application writes


def build(p: TcpParams) -> Trace:
    r = resolve(p)
    client, _server, conv = connecting(p, r)
    # When every ACK of the handshake is lost, the server gives up on the half-open connection
    # (Linux: after tcp_synack_retries) while the client believes it is connected: the first
    # data the client's application writes then meets a listening socket, which resets it.
    conv.when(
        "server",
        State.LISTEN,
        lambda: client.send(FIRST_REQUEST),
        Note("tcp.app.first_request", {"side": side("client"), "bytes": len(FIRST_REQUEST)}),
        REQUEST_DELAY_US,
    )
    if p.lose == "syn":
        conv.lose(lambda seg, _ep: seg.flags == "S", p.lose_times)
    elif p.lose == "syn-ack":
        conv.lose(lambda seg, _ep: seg.flags == "SA", p.lose_times)
    elif p.lose == "ack":
        conv.lose(lambda seg, _ep: seg.flags == "A" and seg.src == "client", p.lose_times)
    steps = wireshark_columns(conv.run(), r.nodes)
    remember = [Note("tcp.handshake.remember.three"), Note("tcp.handshake.remember.isn_plus_one")]
    remember.append(Note("tcp.handshake.remember.why_three"))
    if p.lose:
        remember.append(Note(f"tcp.handshake.remember.lost_{p.lose.replace('-', '_')}"))
    if any(s.event == "give_up" for s in steps):
        remember.append(Note("tcp.handshake.remember.gave_up", {"retries": p.stack.synack_retries}))
    remember.append(Note(f"tcp.handshake.remember.options_{p.stack.name}"))
    return Trace(
        scenario="handshake",
        nodes=r.nodes,
        steps=steps,
        title=Note("tcp.handshake.title"),
        header=header_notes(r, p),
        remember=remember,
        initial_states=conv.initial_states,
        params={
            "isn_client": r.isn_client,
            "isn_server": r.isn_server,
            "rtt": p.rtt,
            "stack": p.stack.name,
        },
    )
