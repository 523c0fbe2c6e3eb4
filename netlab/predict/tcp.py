"""The askers of the TCP scenarios (handshake, close, tcp): what a learner can predict about a
segment or a timer from the steps before it.

- ``flags``: the flags of the next segment (choices: the other flag sets of the trace and the
  usual ones);
- ``seq``, ``ack``: its sequence and acknowledgment numbers, typed (absolute, as the step
  table shows them);
- ``state``: the state a side moves to (the sender's on sending, the receiver's once the
  segment has arrived; choices: the state before, the other side's, the states RFC 9293's
  table can reach from there);
- ``event``: what a step with nothing on the wire is (RTO expiry, TIME-WAIT's timer, Nagle
  holding a write back, giving up);
- ``delack``: whether a pure ACK goes at once or when the delayed-ACK timer expires.

Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

from netlab.i18n import Note
from netlab.predict.asked import Asked, states_before, unique
from netlab.sim.info_column import flag_names
from netlab.sim.trace import Step, Trace

#: flag sets a learner may think of, in scapy's spelling
USUAL_FLAGS = ("S", "SA", "A", "PA", "FA", "R", "RA", "F")
#: local events this module asks about (conversation.py's ``event`` values)
EVENTS = ("rto", "2msl", "2msl_start", "2msl_restart", "give_up", "nagle")
#: what else a step with nothing on the wire could be (wrong answers only: the delayed-ACK
#: timer always sends an ACK, so it is never a step without a packet)
EVENT_CHOICES = (*EVENTS, "delack")


def side(name: str) -> Note:
    return Note(f"role.{name}")


def _segment(step: Step):
    if step.dst is None or step.segment is None:  # a timer; frames=False traces have no packet
        return None
    return step.segment


def _where(step: Step) -> dict:
    return {"n": step.index, "src": side(step.src), "dst": side(step.dst or "")}


def ask_flags(trace: Trace, step: Step) -> list[Asked]:
    seg = _segment(step)
    if seg is None:
        return []
    answer = flag_names(seg.flags, sep=",")
    seen = [s.segment.flags for s in trace.steps if _segment(s) is not None]
    others = [flag_names(f, sep=",") for f in [*seen, *USUAL_FLAGS]]
    return [
        Asked(
            "flags",
            Note("predict.tcp.flags", _where(step)),
            answer,
            unique(others, answer),
            field=Note("predict.field.flags"),
        )
    ]


def ask_numbers(trace: Trace, step: Step) -> list[Asked]:
    seg = _segment(step)
    if seg is None:
        return []
    out = [
        Asked(
            "seq",
            Note("predict.tcp.seq", _where(step)),
            int(seg.seq),
            field=Note("predict.field.seq"),
            why=Note("predict.tcp.seq_why", {**_where(step), "seq": seg.seq}),
        )
    ]
    if "A" in seg.flags:
        out.append(
            Asked(
                "ack",
                Note("predict.tcp.ack", _where(step)),
                int(seg.ack),
                field=Note("predict.field.ack"),
                why=Note("predict.tcp.ack_why", {**_where(step), "ack": seg.ack}),
            )
        )
    return out


def _reachable(state: str) -> list[str]:
    """The states RFC 9293's table can move ``state`` to, in the table's order."""
    from netlab.sim.tcp import arcs_out_of, parse_state

    try:
        arcs = arcs_out_of(parse_state(state))
    except KeyError:
        return []
    return [arc.next.value for arc in arcs]


def ask_state(trace: Trace, step: Step) -> list[Asked]:
    """The sender's state when it changes on sending, and the receiver's once the segment has
    arrived (``params["arrived"]``: the receiver's state right after processing it)."""
    seg = _segment(step)
    if seg is None or trace.params.get("variant") == "simultaneous":
        return []  # crossing segments: which one is "after" is the subtle point, not asked
    before = states_before(trace, step)
    out = []
    arrived = trace.params.get("arrived")
    if arrived is not None:
        got = arrived.get(step.index) if not step.lost else None
    else:
        got = None if step.lost else step.states.get(step.dst or "")
    for who, after, key in (
        (step.src, step.states.get(step.src), "predict.tcp.state_sender"),
        (step.dst or "", got, "predict.tcp.state_receiver"),
    ):
        was = before.get(who)
        if after is None or was is None or after == was:
            continue
        other = next((n for n in trace.endpoints if n != who), None)
        choices = [was, *(step.states.get(other, "") for _ in (0,) if other), *_reachable(was)]
        choices += _reachable(after)
        out.append(
            Asked(
                "state",
                Note(key, {**_where(step), "side": side(who), "was": was}),
                after,
                unique([c for c in choices if c], after),
                field=Note("predict.field.state", {"side": side(who)}),
            )
        )
    return out


def ask_event(trace: Trace, step: Step) -> list[Asked]:
    if step.dst is not None or step.event not in EVENTS:
        return []
    answer = Note(f"predict.tcp.event.{step.event}")
    others = [Note(f"predict.tcp.event.{e}") for e in EVENT_CHOICES if e != step.event]
    if step.event.startswith("2msl"):  # the other two 2MSL choices are the plausible ones
        others.sort(key=lambda n: not n.key.rsplit(".", 1)[1].startswith("2msl"))
    return [
        Asked(
            "event",
            Note("predict.tcp.event_prompt", {"n": step.index, "side": side(step.src)}),
            answer,
            unique(others, answer),
        )
    ]


def ask_delack(trace: Trace, step: Step) -> list[Asked]:
    """A pure ACK of a stack that delays ACKs: sent at once, or by the delayed-ACK timer."""
    seg = _segment(step)
    from netlab.sim.stack import STACKS

    stack = STACKS.get(str(trace.params.get("stack")))
    if seg is None or seg.flags != "A" or seg.payload or stack is None or not stack.delayed_ack:
        return []
    timer = seg.reason == "delayed_ack"
    answer = Note("predict.tcp.delack.timer" if timer else "predict.tcp.delack.now")
    other = Note("predict.tcp.delack.now" if timer else "predict.tcp.delack.timer")
    return [Asked("delack", Note("predict.tcp.delack_prompt", _where(step)), answer, (other,))]


ASKERS = (ask_flags, ask_numbers, ask_state, ask_event, ask_delack)
