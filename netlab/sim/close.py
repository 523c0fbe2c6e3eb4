"""Scenario ``close``: ending an established connection, in each of its textbook variants.

Owns the script of the two applications: who calls close() first (``initiator``), whether both
do at once (``simultaneous``), whether the passive side's ACK rides on its FIN (``merge``: a
delayed ACK, Linux's usual three-segment close), whether the passive side still sends data in
CLOSE-WAIT after the initiator's shutdown(SHUT_WR) (``half_close``) or after its full close()
(``late_data``: answered with RST), whether the initiator closes with data unread (``unread``:
RST instead of FIN), and which segment ``lose`` drops (the initiator's FIN, or its final ACK).
States and segments come from the TCP machine; TIME-WAIT's 2·MSL from the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.sim.conversation import side, wireshark_columns
from netlab.sim.hosts import TcpParams, conversation, endpoints, header_notes, resolve
from netlab.sim.tcp import State
from netlab.sim.trace import Note, Trace

LOSSES = ("fin", "ack")
APP_DELAY_US = 100_000  # the passive application takes 100 ms to notice EOF and close


@dataclass(frozen=True)
class CloseOptions:
    initiator: str = "client"
    simultaneous: bool = False
    merge: bool = False
    half_close: bool = False
    data: bytes = b"bye"
    unread: bool = False  # the passive side sends data the initiator never reads before close()
    late_data: bool = False  # the passive side sends data after the initiator's full close()

    @property
    def variant(self) -> str:
        for name in ("simultaneous", "merge", "half_close", "unread", "late_data"):
            if getattr(self, name):
                return name
        return "normal"


def build(p: TcpParams, o: CloseOptions) -> Trace:
    r = resolve(p)
    active_name = o.initiator
    passive_name = "server" if active_name == "client" else "client"
    client, server = endpoints(p, r)
    client.synchronize(r.isn_server, server)
    server.synchronize(r.isn_client, client, passive=True)
    eps = {"client": client, "server": server}
    active, passive = eps[active_name], eps[passive_name]
    active.reads = not o.unread  # --unread: the initiator's application never reads
    conv = conversation(p, r, client, server)
    for name in ("client", "server"):  # as the handshake before this close measured it
        conv.assume_rtt(name, conv.owd_us * 2)
    a_side, p_side = {"side": side(active_name)}, {"side": side(passive_name)}
    if o.unread:
        conv.at(0, passive_name, lambda: passive.send(o.data), Note("tcp.app.send_unread", p_side))
        conv.at(APP_DELAY_US, active_name, active.close, Note("tcp.app.close_unread", a_side))
    elif o.half_close:
        conv.at(0, active_name, active.shutdown, Note("tcp.app.shutdown", a_side))
    else:
        conv.at(0, active_name, active.close, Note("tcp.app.close", a_side))
    if o.simultaneous:
        conv.at(0, passive_name, passive.close, Note("tcp.app.close_too", p_side))
    elif o.late_data:
        send_note = Note("tcp.app.late_send", p_side)
        conv.when(
            passive_name, State.CLOSE_WAIT, lambda: passive.send(o.data), send_note, APP_DELAY_US
        )
    elif not o.unread:
        delay = 0 if o.merge else APP_DELAY_US
        if o.half_close:
            send_note = Note("tcp.app.half_close_send", p_side)
            conv.when(
                passive_name, State.CLOSE_WAIT, lambda: passive.send(o.data), send_note, delay
            )
            delay = 2 * APP_DELAY_US
        key = (
            "tcp.app.close_merged"
            if o.merge
            else "tcp.app.close_after_sending"
            if o.half_close
            else "tcp.app.close_after_eof"
        )
        conv.when(passive_name, State.CLOSE_WAIT, passive.close, Note(key, p_side), delay)
    if p.lose == "fin":
        conv.lose(lambda seg, _ep: seg.fin and seg.src == active_name, p.lose_times)
    elif p.lose == "ack":
        conv.lose(
            lambda seg, ep: (
                seg.flags == "A" and seg.src == active_name and ep.state is State.TIME_WAIT
            ),
            p.lose_times,
        )
    steps = wireshark_columns(conv.run(), r.nodes)
    variant = o.variant
    remember = [Note("tcp.close.remember.four"), Note("tcp.close.remember.timewait")]
    if variant in ("merge", "simultaneous", "half_close", "unread", "late_data"):
        remember.append(Note(f"tcp.close.remember.{variant}"))
    if p.lose:
        remember.append(Note(f"tcp.close.remember.lost_{p.lose}"))
    remember.append(Note("tcp.close.remember.linux"))
    return Trace(
        scenario="close",
        nodes=r.nodes,
        steps=steps,
        title=Note(f"tcp.close.title.{variant}", {"side": side(active_name)}),
        header=header_notes(r, p),
        remember=remember,
        initial_states=conv.initial_states,
        params={
            "initiator": active_name,
            "msl": p.msl,
            "rtt": p.rtt,
            "variant": variant,
            "stack": p.stack.name,
            "arrived": dict(conv.arrived),
        },
    )
