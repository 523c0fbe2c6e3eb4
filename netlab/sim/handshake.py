"""Scenario ``handshake``: the three-way handshake, optionally with one segment lost.

Owns the script of the two applications (the server listens, the client connects) and which
segment ``--lose`` drops. The states, the segments and their numbers come from the TCP machine
and the endpoints; the retransmissions from the conversation's timers.
"""

from __future__ import annotations

from netlab.sim.hosts import TcpParams, connecting, header_notes, resolve
from netlab.sim.trace import Note, Trace

LOSSES = ("syn", "syn-ack", "ack")


def build(p: TcpParams) -> Trace:
    r = resolve(p)
    _client, _server, conv = connecting(p, r)
    if p.lose == "syn":
        conv.lose(lambda seg, _ep: seg.flags == "S", p.lose_times)
    elif p.lose == "syn-ack":
        conv.lose(lambda seg, _ep: seg.flags == "SA", p.lose_times)
    elif p.lose == "ack":
        conv.lose(lambda seg, _ep: seg.flags == "A" and seg.src == "client", p.lose_times)
    steps = conv.run()
    remember = [Note("tcp.handshake.remember.three"), Note("tcp.handshake.remember.isn_plus_one")]
    remember.append(Note("tcp.handshake.remember.why_three"))
    if p.lose:
        remember.append(Note(f"tcp.handshake.remember.lost_{p.lose.replace('-', '_')}"))
    return Trace(
        scenario="handshake",
        nodes=r.nodes,
        steps=steps,
        title=Note("tcp.handshake.title"),
        header=header_notes(r),
        remember=remember,
        initial_states=conv.initial_states,
        params={"isn_client": r.isn_client, "isn_server": r.isn_server, "rtt": p.rtt},
    )
