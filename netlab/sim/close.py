"""Scenario ``close``: ending an established connection, in each of its textbook variants.

Owns the script of the two applications: who calls close() first (``initiator``), whether both
do at once (``simultaneous``), whether the passive side's ACK rides on its FIN (``merge``: a
delayed ACK, Linux's usual three-segment close), whether the passive side still sends data in
CLOSE-WAIT (``half_close``), and which segment ``lose`` drops (the initiator's FIN, or its final
ACK). States and segments come from the TCP machine; TIME-WAIT's 2·MSL from the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.sim.conversation import side
from netlab.sim.endpoint import Endpoint
from netlab.sim.hosts import TcpParams, conversation, header_notes, resolve
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


def build(p: TcpParams, o: CloseOptions) -> Trace:
    r = resolve(p)
    isn = {"client": r.isn_client, "server": r.isn_server}
    active_name = o.initiator
    passive_name = "server" if active_name == "client" else "client"
    eps = {
        name: Endpoint(name, other, isn[name], delay_fin_ack=o.merge and name == passive_name)
        for name, other in (("client", "server"), ("server", "client"))
    }
    eps["client"].synchronize(r.isn_server)
    eps["server"].synchronize(r.isn_client)
    active, passive = eps[active_name], eps[passive_name]
    conv = conversation(p, r, eps["client"], eps["server"])
    close_note = Note("tcp.app.close", {"side": side(active_name)})
    conv.at(0, active_name, active.close, close_note)
    if o.simultaneous:
        conv.at(
            0, passive_name, passive.close, Note("tcp.app.close_too", {"side": side(passive_name)})
        )
    else:
        delay = 0 if o.merge else APP_DELAY_US
        if o.half_close:
            send_note = Note("tcp.app.half_close_send", {"side": side(passive_name)})
            conv.when(
                passive_name,
                State.CLOSE_WAIT,
                lambda: passive.send(o.data),
                send_note,
                APP_DELAY_US,
            )
            delay = 2 * APP_DELAY_US
        key = (
            "tcp.app.close_merged"
            if o.merge
            else "tcp.app.close_after_sending"
            if o.half_close
            else "tcp.app.close_after_eof"
        )
        conv.when(
            passive_name,
            State.CLOSE_WAIT,
            passive.close,
            Note(key, {"side": side(passive_name)}),
            delay,
        )
    if p.lose == "fin":
        conv.lose(lambda seg, _ep: seg.fin and seg.src == active_name, p.lose_times)
    elif p.lose == "ack":
        conv.lose(
            lambda seg, ep: (
                seg.flags == "A" and seg.src == active_name and ep.state is State.TIME_WAIT
            ),
            p.lose_times,
        )
    steps = conv.run()
    remember = [Note("tcp.close.remember.four"), Note("tcp.close.remember.timewait")]
    if o.merge:
        remember.append(Note("tcp.close.remember.merge"))
    if o.simultaneous:
        remember.append(Note("tcp.close.remember.simultaneous"))
    if o.half_close:
        remember.append(Note("tcp.close.remember.half_close"))
    if p.lose:
        remember.append(Note(f"tcp.close.remember.lost_{p.lose}"))
    remember.append(Note("tcp.close.remember.linux"))
    variant = (
        "simultaneous"
        if o.simultaneous
        else "merge"
        if o.merge
        else "half_close"
        if o.half_close
        else "normal"
    )
    return Trace(
        scenario="close",
        nodes=r.nodes,
        steps=steps,
        title=Note(f"tcp.close.title.{variant}", {"side": side(active_name)}),
        header=header_notes(r),
        remember=remember,
        initial_states=conv.initial_states,
        params={
            "initiator": active_name,
            "msl": p.msl,
            "rtt": p.rtt,
            "variant": variant,
        },
    )
