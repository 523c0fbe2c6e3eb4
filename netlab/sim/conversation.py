"""Two TCP endpoints on one wire, run as a small discrete-event simulation.

Owns the clock (integer microseconds), the event queue (segment arrivals, the retransmission,
delayed-ACK and TIME-WAIT timers, and the applications' calls), segment loss, and the recording
of every transmission and timer as a ``Step`` of a ``Trace`` (whose Protocol and Info columns
``wireshark_columns`` fills in as tshark shows the capture). The endpoints decide what to send
(``netlab.sim.endpoint``); the scenario modules decide what the applications do and when.
Deterministic: the same inputs give the same steps. No printing, no sockets, no sleeping.

Timers follow RFC 6298: the first RTO is 1 s and doubles on every expiry (exponential back-off);
each segment acknowledged without having been resent gives an RTT sample (Karn's rule), and the
RTO becomes what the endpoint's stack makes of the smoothed RTT and its variation (Linux: at
least RTT + 200 ms; the minimal stack: at least 1 s). A SYN or SYN,ACK whose last allowed
retransmission times out is given up (the endpoint's stack says how many: Linux's
tcp_syn_retries and tcp_synack_retries). TIME-WAIT
lasts 2·MSL. The delayed ACK waits as long as the endpoint says (Linux: 40 ms once data has
arrived, the next timer tick before that). Each endpoint reads this clock for its Timestamps.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netlab.sim.endpoint import Endpoint
from netlab.sim.info_column import Capture
from netlab.sim.segment import Segment, seq_le
from netlab.sim.tcp import State
from netlab.sim.trace import Node, Note, Step

US = 1_000_000
INITIAL_RTO_US = 1 * US

SegmentBuilder = Callable[[Segment], Any]  # Segment -> scapy packet (None: no frames)
LossRule = Callable[[Segment, Endpoint], bool]


def seconds(us: int) -> float:
    return round(us / US, 6)


def side(name: str) -> Note:
    """A node's name, said in the learner's language."""
    return Note(f"role.{name}")


def wireshark_columns(steps: list[Step], nodes: list[Node]) -> list[Step]:
    """Give every transmitted segment the ``protocol`` and ``summary`` tshark shows for it in
    the capture of these steps (one frame per step that has a receiver, lost ones included, in
    order): the Info column with tshark's analysis labels (``[TCP Retransmission]``, ``[TCP Dup
    ACK 3#1]``) and HTTP where it applies. Returns ``steps``."""
    capture = Capture()
    where = {node.name: (str(node.ip), int(node.port or 0)) for node in nodes}
    for step in steps:
        if step.dst is not None and step.segment is not None:
            step.protocol, step.summary = capture.tcp(
                step.time, where[step.src], where[step.dst], step.segment
            )
    return steps


#: Events at the same instant run in this order: arrivals, then applications, then timers.
_PRIORITY = {"arrival": 0, "app": 1, "delack": 2, "rto": 2, "timewait": 2}


@dataclass(order=True)
class _Event:
    time: int
    priority: int
    order: int
    kind: str = field(compare=False)
    target: str = field(compare=False)
    payload: Any = field(compare=False, default=None)


@dataclass
class _Loss:
    rule: LossRule
    times: int


class Conversation:
    """Runs two endpoints against each other and records what happens.

    ``owd_us`` is the one-way delay (half the RTT). ``build`` turns a Segment into the scapy
    packet stored in the step; without it (quiz generators) steps carry only the Segment, and
    scapy is never imported.
    """

    def __init__(
        self,
        endpoints: list[Endpoint],
        *,
        owd_us: int,
        build: SegmentBuilder | None,
        msl_us: int = 30 * US,
        max_steps: int = 200,
    ) -> None:
        self.eps = {ep.name: ep for ep in endpoints}
        for ep in endpoints:
            ep.clock = lambda: self.now
        self.order = [ep.name for ep in endpoints]
        self.owd_us = owd_us
        self.build = build
        self.msl_us = msl_us
        self.max_steps = max_steps
        self.now = 0
        self.steps: list[Step] = []
        #: step index -> the receiver's state right after that step's segment arrived
        self.arrived: dict[int, str] = {}
        self._queue: list[_Event] = []
        self._seq = 0
        self._losses: list[_Loss] = []
        self._rto: dict[str, int] = {n: INITIAL_RTO_US for n in self.eps}
        # RFC 6298's RTT estimator: the smoothed RTT, its variation, and the one segment being
        # timed per sender (Karn: a retransmitted segment is never timed)
        self._srtt: dict[str, float | None] = dict.fromkeys(self.eps)
        self._rttvar: dict[str, float] = dict.fromkeys(self.eps, 0.0)
        self._timed: dict[str, tuple[int, int] | None] = dict.fromkeys(self.eps)
        self._retries: dict[str, int] = dict.fromkeys(self.eps, 0)
        self._rto_armed: dict[str, _Event | None] = dict.fromkeys(self.eps)
        self._tw_armed: dict[str, _Event | None] = dict.fromkeys(self.eps)
        self._delack_armed: dict[str, _Event | None] = dict.fromkeys(self.eps)
        self._state_hooks: list[tuple[str, State, Callable[[], list[Segment]], int, Note]] = []
        self._byte_hooks: list[tuple[str, int, Callable[[], list[Segment]], int, Note]] = []
        self._pre: dict[str, str] = {}
        self._arriving: int | None = None
        self._open: Step | None = None
        self.initial_states = self.snapshot()

    # -- what the scenario sets up -------------------------------------------------------------

    def lose(self, rule: LossRule, times: int = 1) -> None:
        """Drop the next ``times`` segments for which ``rule(segment, sender)`` is true."""
        self._losses.append(_Loss(rule, times))

    def at(self, time_us: int, name: str, action: Callable[[], list[Segment]], note: Note) -> None:
        """At ``time_us`` the application on ``name`` makes a call (open, send, close)."""
        self._push(time_us, "app", name, (action, note))

    def when(
        self,
        name: str,
        state: State,
        action: Callable[[], list[Segment]],
        note: Note,
        delay_us: int = 0,
    ) -> None:
        """When ``name`` enters ``state``, its application makes a call ``delay_us`` later."""
        self._state_hooks.append((name, state, action, delay_us, note))

    def when_received(
        self,
        name: str,
        nbytes: int,
        action: Callable[[], list[Segment]],
        note: Note,
        delay_us: int = 0,
    ) -> None:
        """When ``name`` has received ``nbytes`` of data in all, its application makes a call."""
        self._byte_hooks.append((name, nbytes, action, delay_us, note))

    # -- running -------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, str]:
        return {n: self.eps[n].state.value for n in self.order}

    def run(self) -> list[Step]:
        while self._queue and len(self.steps) < self.max_steps:
            ev = heapq.heappop(self._queue)
            if ev.payload == "cancelled":
                continue
            self.now = ev.time
            self._pre = self.snapshot()
            self._arriving = ev.payload[1] if ev.kind == "arrival" else None
            before = self.snapshot()
            getattr(self, f"_on_{ev.kind}")(ev)
            self._fire_state_hooks(before)
        if self._open is not None:
            self._open.states = self.snapshot()
        return self.steps

    # -- event handlers ------------------------------------------------------------------------

    def _on_app(self, ev: _Event) -> None:
        action, note = ev.payload
        ep = self.eps[ev.target]
        held_before = len(ep.pending)
        sent = action()
        for seg in sent:
            self._transmit(seg, [note])
        held = len(ep.pending)
        if held > held_before:
            # Nagle's algorithm keeps a small write back while a small segment is unacknowledged
            hold = Note(
                "tcp.event.nagle_hold",
                {"side": side(ep.name), "bytes": held, "ack": ep.small_end or 0},
            )
            if sent:
                self.steps[-1].notes.append(hold)
            else:
                self._local(ep.name, f"Nagle holds {held} bytes", note, "nagle")
                self.steps[-1].notes.append(hold)

    def _on_arrival(self, ev: _Event) -> None:
        seg, index = ev.payload
        ep = self.eps[seg.dst]
        had = len(ep.received)
        before = ep.state
        result = ep.receive(seg)
        timed = self._timed[ep.name]
        if timed is not None and seq_le(timed[0], ep.snd_una):
            self._timed[ep.name] = None
            self._measured(ep.name, self.now - timed[1])
        self._after_receive(ep)
        self.arrived[index] = ep.state.value
        if ep.state is State.TIME_WAIT:
            restarted = any(arc.key == "timewait_fin" for arc in result.arcs)
            if before is not State.TIME_WAIT or restarted:
                self._start_time_wait(ep.name, restart=restarted)
        for reply in result.replies:
            self._transmit(reply, [])
        for name, nbytes, action, delay, note in self._byte_hooks:
            if name == ep.name and had < nbytes <= len(ep.received):
                self._push(self.now + delay, "app", name, (action, note))

    def assume_rtt(self, name: str, rtt_us: int) -> None:
        """``name`` measured ``rtt_us`` in a handshake the scenario does not show."""
        self._measured(name, rtt_us)

    def _measured(self, name: str, sample_us: int) -> None:
        """One RTT sample (RFC 6298 2.2 and 2.3), and the RTO it gives."""
        srtt = self._srtt[name]
        if srtt is None:
            srtt, rttvar = float(sample_us), sample_us / 2
        else:
            rttvar = 0.75 * self._rttvar[name] + 0.25 * abs(srtt - sample_us)
            srtt = 0.875 * srtt + 0.125 * sample_us
        self._srtt[name], self._rttvar[name] = srtt, rttvar
        self._rto[name] = self.eps[name].stack.rto_us(srtt, rttvar)

    def _base_rto(self, name: str) -> int:
        """The RTO without back-off: 1 s until the RTT is measured (RFC 6298 2.1)."""
        srtt = self._srtt[name]
        if srtt is None:
            return INITIAL_RTO_US
        return self.eps[name].stack.rto_us(srtt, self._rttvar[name])

    def _on_rto(self, ev: _Event) -> None:
        name = ev.target
        self._rto_armed[name] = None
        ep = self.eps[name]
        if not ep.outstanding:
            return
        rto = self._rto[name]
        limit = ep.retry_limit
        if limit is not None and self._retries[name] >= limit:
            state = ep.state.value
            ep.give_up()
            self._local(
                name,
                f"gave up after {limit} retransmissions",
                Note(
                    f"tcp.event.give_up_{state.lower().replace('-', '_')}",
                    {"side": side(name), "retries": limit, "rto": f"{seconds(rto):g}"},
                ),
                "give_up",
            )
            return
        self._local(
            name,
            f"RTO {seconds(rto):g}s expired",
            Note("tcp.event.rto", {"side": side(name), "rto": f"{seconds(rto):g}"}),
            "rto",
        )
        self._rto[name] = rto * 2  # RFC 6298 (5.5): back off the timer
        self._timed[name] = None  # Karn's rule: no RTT sample from a retransmitted segment
        self._retries[name] += 1
        for seg in ep.retransmission_timeout():
            self._transmit(seg, [])

    def _on_delack(self, ev: _Event) -> None:
        self._delack_armed[ev.target] = None
        for seg in self.eps[ev.target].delayed_ack_timeout():
            self._transmit(seg, [])

    def _on_timewait(self, ev: _Event) -> None:
        name = ev.target
        self._tw_armed[name] = None
        ep = self.eps[name]
        ep.time_wait_timeout()
        self._local(
            name, "2MSL expired", Note("tcp.event.timewait", self._msl_params(name)), "2msl"
        )

    # -- mechanics -------------------------------------------------------------------------------

    def _push(self, time_us: int, kind: str, target: str, payload: Any = None) -> _Event:
        self._seq += 1
        ev = _Event(time_us, _PRIORITY[kind], self._seq, kind, target, payload)
        heapq.heappush(self._queue, ev)
        return ev

    def _cancel(self, ev: _Event | None) -> None:
        if ev is not None:
            ev.payload = "cancelled"

    def _transmit(self, seg: Segment, notes: list[Note]) -> None:
        sender = self.eps[seg.src]
        lost = False
        for loss in self._losses:
            if loss.times > 0 and loss.rule(seg, sender):
                loss.times -= 1
                lost = True
                break
        step = Step(
            index=0,
            time=seconds(self.now),
            src=seg.src,
            dst=seg.dst,
            packet=self.build(seg) if self.build else None,
            summary=seg.flags,
            notes=[*notes, Note(f"tcp.send.{seg.reason}", self._params(seg))],
            lost=lost,
            retransmission=seg.retransmission,
            segment=seg,
        )
        options = dict(seg.options)
        if seg.syn and "Timestamp" in options and not seg.retransmission:
            # say once per SYN what a Linux SYN carries besides the MSS (--detail explains them)
            tsval, tsecr = options["Timestamp"]  # type: ignore[misc]
            step.notes.append(
                Note(
                    "tcp.send.syn_options",
                    {
                        "tsval": tsval,
                        "tsecr": tsecr,
                        "wscale": options.get("WScale", "-"),
                        "header": seg.header_len,
                    },
                )
            )
        if lost:
            step.notes.append(Note("tcp.lost", {"side": side(seg.dst)}))
        self._record(step)
        if not lost:
            self._push(self.now + self.owd_us, "arrival", seg.dst, (seg, step.index))
        if seg.has_ack:
            self._cancel(self._delack_armed[seg.src])
            self._delack_armed[seg.src] = None
        if seg.seg_len and not seg.retransmission and self._timed[seg.src] is None:
            self._timed[seg.src] = ((seg.seq + seg.seg_len) % 2**32, self.now)
        if seg.seg_len and (seg.retransmission or self._rto_armed[seg.src] is None):
            # (re)start the retransmission timer for the oldest unacknowledged segment
            self._cancel(self._rto_armed[seg.src])
            self._rto_armed[seg.src] = self._push(self.now + self._rto[seg.src], "rto", seg.src)

    def _after_receive(self, ep: Endpoint) -> None:
        name = ep.name
        if not ep.outstanding and self._rto_armed[name] is not None:
            self._cancel(self._rto_armed[name])
            self._rto_armed[name] = None
            self._rto[name] = self._base_rto(name)
            self._retries[name] = 0
        if ep.ack_owed and self._delack_armed[name] is None:
            self._delack_armed[name] = self._push(self.now + ep.delack_us(), "delack", name)

    def _local(self, name: str, summary: str, note: Note, event: str) -> None:
        """Record a local event (a timer) at ``name``: a step without a packet."""
        self._record(
            Step(
                index=0,
                time=seconds(self.now),
                src=name,
                dst=None,
                packet=None,
                summary=summary,
                notes=[note],
                event=event,
            )
        )

    def _start_time_wait(self, name: str, restart: bool) -> None:
        """Entering TIME-WAIT, or a repeated FIN while in it: (re)start the 2·MSL timer."""
        self._cancel(self._tw_armed[name])
        self._tw_armed[name] = self._push(self.now + 2 * self.msl_us, "timewait", name)
        kind = "restart" if restart else "start"
        self._local(
            name,
            f"2MSL {kind}",
            Note(f"tcp.event.timewait_{kind}", self._msl_params(name)),
            f"2msl_{kind}",
        )

    def _msl_params(self, name: str) -> dict[str, Any]:
        return {
            "side": side(name),
            "msl": f"{seconds(self.msl_us):g}",
            "twice": f"{seconds(2 * self.msl_us):g}",
        }

    def _fire_state_hooks(self, before: dict[str, str]) -> None:
        after = self.snapshot()
        for name, state, action, delay, note in self._state_hooks:
            if before[name] != state.value and after[name] == state.value:
                self._push(self.now + delay, "app", name, (action, note))

    def _record(self, step: Step) -> None:
        """Append a step; fix the states of the step before it (see ``Trace``)."""
        if self._open is not None:
            own_arrival = self._arriving == self._open.index
            self._open.states = self.snapshot() if own_arrival else dict(self._pre)
        step.index = len(self.steps) + 1
        self.steps.append(step)
        self._open = step
        self._pre = self.snapshot()
        self._arriving = None

    def _params(self, seg: Segment) -> dict[str, Any]:
        return {
            "side": side(seg.src),
            "peer": side(seg.dst),
            "seq": seg.seq,
            "ack": seg.ack,
            "len": len(seg.payload),
            "next": (seg.seq + seg.seg_len) % 2**32,
            "flags": seg.flags,
            "data": seg.payload.decode("utf-8", "replace"),
        }
