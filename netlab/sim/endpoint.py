"""One TCP endpoint: sequence-number bookkeeping on top of the state machine.

Owns ``Segment`` (a TCP segment as plain data) and ``Endpoint``: the send and receive sequence
variables of RFC 9293 section 3.3.1 (ISS, SND.UNA, SND.NXT, IRS, RCV.NXT), the retransmission
queue, and the processing of an arriving segment in the RFC's order (sequence check, RST, SYN,
ACK, data, FIN). Every state change goes through ``netlab.sim.tcp.TcpMachine``; the segment an
arc asks for is built here. No time, no packets, no printing: ``netlab.sim.conversation`` runs
endpoints against each other and records the Trace.

Sequence numbers are 32-bit and wrap (RFC 9293 section 3.4): all arithmetic is modulo 2**32.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from netlab.sim.tcp import Arc, Event, Send, State, TcpMachine

MOD = 2**32
DEFAULT_MSS = 1460  # Ethernet MTU 1500 - 20 (IPv4) - 20 (TCP)
RECEIVE_WINDOW = 64240  # what Linux advertises at first


def seq_add(a: int, n: int) -> int:
    """``a + n`` in sequence space."""
    return (a + n) % MOD


def seq_lt(a: int, b: int) -> bool:
    """``a < b`` in sequence space (RFC 9293 section 3.4 comparisons)."""
    return a != b and ((b - a) % MOD) < 2**31


def seq_le(a: int, b: int) -> bool:
    return a == b or seq_lt(a, b)


@dataclass(frozen=True)
class Segment:
    """A TCP segment as data: flags in scapy's spelling ("S", "SA", "A", "PA", "FA", "R", "RA")."""

    src: str
    dst: str
    flags: str
    seq: int
    ack: int
    payload: bytes = b""
    mss: int | None = None
    reason: str = ""  # key of the arc (or rule) that made the endpoint send it
    retransmission: bool = False

    @property
    def syn(self) -> bool:
        return "S" in self.flags

    @property
    def fin(self) -> bool:
        return "F" in self.flags

    @property
    def rst(self) -> bool:
        return "R" in self.flags

    @property
    def has_ack(self) -> bool:
        return "A" in self.flags

    @property
    def seg_len(self) -> int:
        """Sequence space the segment occupies: payload bytes, plus one each for SYN and FIN."""
        return len(self.payload) + int(self.syn) + int(self.fin)


@dataclass
class Received:
    """What an arriving segment did: the arcs it fired (in order) and the replies to send."""

    arcs: list[Arc] = field(default_factory=list)
    replies: list[Segment] = field(default_factory=list)
    duplicate: bool = False
    delivered: bytes = b""


class Endpoint:
    """A TCP endpoint named ``name`` talking to the endpoint named ``peer``.

    ``delay_fin_ack``: when a FIN arrives, do not acknowledge it at once but let the next
    segment carry the ACK (a delayed ACK). If the application closes within the delayed-ACK
    time, the ACK and the FIN travel in one segment: Linux's usual three-segment close.
    """

    def __init__(
        self,
        name: str,
        peer: str,
        isn: int,
        *,
        state: State = State.CLOSED,
        mss: int = DEFAULT_MSS,
        delay_fin_ack: bool = False,
    ) -> None:
        self.name = name
        self.peer = peer
        self.machine = TcpMachine(state)
        self.iss = isn % MOD
        self.snd_una = self.iss
        self.snd_nxt = self.iss
        self.irs: int | None = None
        self.rcv_nxt: int | None = None
        self.mss = mss
        self.window = RECEIVE_WINDOW
        self.fin_seq: int | None = None
        self.unacked: list[Segment] = []
        self.delay_fin_ack = delay_fin_ack
        self.ack_owed = False
        self.received = bytearray()

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self.machine.state

    def synchronize(self, peer_isn: int) -> None:
        """Put an endpoint straight into ESTABLISHED after a handshake that is not shown."""
        self.machine = TcpMachine(State.ESTABLISHED)
        self.snd_una = self.snd_nxt = seq_add(self.iss, 1)
        self.irs = peer_isn % MOD
        self.rcv_nxt = seq_add(self.irs, 1)

    # -- user calls (RFC 9293 section 3.9) --------------------------------------------------

    def open_passive(self) -> list[Segment]:
        self.machine.fire(Event.PASSIVE_OPEN)
        return []

    def open_active(self) -> list[Segment]:
        return self._act(self.machine.fire(Event.ACTIVE_OPEN))

    def send(self, data: bytes) -> list[Segment]:
        return self._act(self.machine.fire(Event.SEND), data=data)

    def close(self) -> list[Segment]:
        return self._act(self.machine.fire(Event.CLOSE))

    def abort(self) -> list[Segment]:
        return self._act(self.machine.fire(Event.ABORT))

    # -- timers ------------------------------------------------------------------------------

    def retransmission_timeout(self) -> list[Segment]:
        """The retransmission timer expired: send the oldest unacknowledged segment again."""
        return self._act(self.machine.fire(Event.TIMEOUT_RTO))

    def time_wait_timeout(self) -> None:
        self.machine.fire(Event.TIMEOUT_2MSL)

    def delayed_ack_timeout(self) -> list[Segment]:
        """The delayed-ACK timer expired with an ACK still owed: send it now."""
        if not self.ack_owed:
            return []
        self.ack_owed = False
        return [self._segment("A", reason="delayed_ack")]

    @property
    def outstanding(self) -> bool:
        """True while something that occupies sequence space waits for its ACK."""
        return bool(self.unacked)

    # -- arriving segments (RFC 9293 section 3.10.7) -----------------------------------------

    def receive(self, seg: Segment) -> Received:
        """Process an arriving segment in the RFC's order and say what it did."""
        out = Received()
        state = self.state
        if state is State.CLOSED:
            self._closed_reply(seg, out)
            return out
        if state is State.LISTEN:
            self._listen(seg, out)
            return out
        if state is State.SYN_SENT:
            self._syn_sent(seg, out)
            return out
        # SYN-RECEIVED and the synchronized states: first, the sequence number check.
        if seg.rst:
            if self._in_window(seg.seq):
                out.arcs.append(self.machine.fire(Event.RCV_RST))
                self.unacked.clear()
            return out  # a reset outside the window is ignored (RFC 9293 section 3.10.7.4)
        if state is State.SYN_RECEIVED and seg.syn and seg.has_ack and seg.ack == self.snd_nxt:
            # simultaneous open: the peer's SYN,ACK acknowledges our SYN (RFC 9293 Figure 8)
            self._acknowledged(seg.ack)
            out.arcs.append(self.machine.fire(Event.RCV_SYN_ACK))
            return out
        if self._is_duplicate(seg):
            self._duplicate(seg, out)
            return out
        if seg.seg_len and seg.seq != self.rcv_nxt:
            # A gap before this segment: a lost segment is missing. Keep nothing and say again
            # what we expect (a duplicate ACK); the sender will retransmit.
            out.replies.append(self._segment("A", reason="out_of_order"))
            return out
        self._ack_field(seg, out)
        if seg.payload:
            self.rcv_nxt = seq_add(self.rcv_nxt or 0, len(seg.payload))
            self.received.extend(seg.payload)
            out.delivered = seg.payload
            out.arcs.append(self.machine.fire(Event.RCV_DATA))
        if seg.fin:
            self.rcv_nxt = seq_add(self.rcv_nxt or 0, 1)
            out.arcs.append(self.machine.fire(Event.RCV_FIN))
        wants_ack = [a for a in out.arcs if a.send is Send.ACK]
        if wants_ack:
            fin_ack = seg.fin and self.delay_fin_ack and self.state is State.CLOSE_WAIT
            if fin_ack:
                self.ack_owed = True
            else:
                out.replies.append(self._segment("A", reason=wants_ack[-1].key))
        return out

    def _closed_reply(self, seg: Segment, out: Received) -> None:
        if seg.rst:
            return
        arc = self.machine.fire(Event.RCV_SYN if seg.syn else Event.RCV_ACK)
        out.arcs.append(arc)
        if seg.has_ack:
            reply = Segment(self.name, self.peer, "R", seg.ack, 0, reason=arc.key)
        else:
            reply = Segment(
                self.name, self.peer, "RA", 0, seq_add(seg.seq, seg.seg_len), reason=arc.key
            )
        out.replies.append(reply)

    def _listen(self, seg: Segment, out: Received) -> None:
        if seg.rst:
            return
        if seg.has_ack:
            arc = self.machine.fire(Event.RCV_ACK)
            out.arcs.append(arc)
            out.replies.append(Segment(self.name, self.peer, "R", seg.ack, 0, reason=arc.key))
            return
        if seg.syn:
            self.irs = seg.seq
            self.rcv_nxt = seq_add(seg.seq, 1)
            if seg.mss:
                self.mss = min(self.mss, seg.mss)
            out.arcs.append(arc := self.machine.fire(Event.RCV_SYN))
            out.replies.extend(self._act(arc))

    def _syn_sent(self, seg: Segment, out: Received) -> None:
        acceptable_ack = seg.has_ack and seg.ack == self.snd_nxt
        if seg.has_ack and not acceptable_ack and not seg.rst:
            # RFC 9293 section 3.10.7.3: an ACK for something we never sent gets a reset;
            # the segment is dropped and we stay in SYN-SENT.
            out.replies.append(Segment(self.name, self.peer, "R", seg.ack, 0, reason="bad_ack"))
            return
        if seg.rst:
            if acceptable_ack:
                out.arcs.append(self.machine.fire(Event.RCV_RST))
                self.unacked.clear()
            return
        if not seg.syn:
            return  # RFC 9293: neither SYN nor RST: drop the segment
        self.irs = seg.seq
        self.rcv_nxt = seq_add(seg.seq, 1)
        if seg.mss:
            self.mss = min(self.mss, seg.mss)
        if acceptable_ack:
            self._acknowledged(seg.ack)
            out.arcs.append(arc := self.machine.fire(Event.RCV_SYN_ACK))
        else:
            out.arcs.append(arc := self.machine.fire(Event.RCV_SYN))
        out.replies.extend(self._act(arc))

    def _in_window(self, seq: int) -> bool:
        if self.rcv_nxt is None:
            return True
        return seq_le(self.rcv_nxt, seq) and seq_lt(seq, seq_add(self.rcv_nxt, self.window))

    def _is_duplicate(self, seg: Segment) -> bool:
        """True when everything the segment occupies was received already."""
        if seg.seg_len == 0 or self.rcv_nxt is None:
            return False
        return seq_le(seq_add(seg.seq, seg.seg_len), self.rcv_nxt)

    def _duplicate(self, seg: Segment, out: Received) -> None:
        out.duplicate = True
        if self.state is State.TIME_WAIT and seg.fin:
            # The peer did not get our last ACK and sent its FIN again: acknowledge it and
            # restart the 2·MSL timer (RFC 9293 section 3.10.7.4, TIME-WAIT).
            out.arcs.append(arc := self.machine.fire(Event.RCV_FIN))
            out.replies.append(self._segment("A", reason=arc.key))
        elif self.state is State.SYN_RECEIVED and seg.syn and not seg.has_ack:
            # A repeated SYN: our SYN,ACK was lost. Linux answers it with the SYN,ACK again
            # (the server's own retransmission timer would also resend it).
            sa = next(s for s in self.unacked if s.syn)
            out.replies.append(replace(sa, reason="dup_syn", retransmission=True))
        else:
            # An old segment: acknowledge what we have (RFC 9293 section 3.10.7.4, first check).
            out.replies.append(self._segment("A", reason="dup_ack"))

    def _ack_field(self, seg: Segment, out: Received) -> None:
        if not seg.has_ack:
            return
        if not (seq_lt(self.snd_una, seg.ack) and seq_le(seg.ack, self.snd_nxt)):
            return  # nothing new acknowledged
        self._acknowledged(seg.ack)
        if self.fin_seq is not None and seq_lt(self.fin_seq, seg.ack):
            out.arcs.append(self.machine.fire(Event.RCV_ACK_OF_FIN))
        elif self.state is State.SYN_RECEIVED and seg.syn:
            out.arcs.append(self.machine.fire(Event.RCV_SYN_ACK))
        elif self.machine.allows(Event.RCV_ACK):
            out.arcs.append(self.machine.fire(Event.RCV_ACK))

    def _acknowledged(self, ack: int) -> None:
        self.snd_una = ack
        self.unacked = [s for s in self.unacked if seq_lt(ack, seq_add(s.seq, s.seg_len))]

    # -- building segments -------------------------------------------------------------------

    def _segment(self, flags: str, *, payload: bytes = b"", reason: str = "") -> Segment:
        ack = self.rcv_nxt if (self.rcv_nxt is not None and "A" in flags) else 0
        return Segment(self.name, self.peer, flags, self.snd_nxt, ack, payload, reason=reason)

    def _queue(self, seg: Segment) -> Segment:
        self.snd_nxt = seq_add(seg.seq, seg.seg_len)
        self.unacked.append(seg)
        return seg

    def _act(self, arc: Arc, *, data: bytes = b"") -> list[Segment]:
        """Build what ``arc.send`` asks for."""
        send = arc.send
        if send is Send.NOTHING:
            return []
        if send is Send.SYN:
            seg = Segment(self.name, self.peer, "S", self.iss, 0, mss=self.mss, reason=arc.key)
            return [self._queue(seg)]
        if send is Send.SYN_ACK:
            seg = Segment(
                self.name,
                self.peer,
                "SA",
                self.iss,
                self.rcv_nxt or 0,
                mss=self.mss,
                reason=arc.key,
            )
            return [self._queue(seg)]
        if send is Send.ACK:
            return [self._segment("A", reason=arc.key)]
        if send is Send.DATA:
            # One send() of more than an MSS leaves as several segments: TCP carries bytes,
            # not messages.
            self.ack_owed = False
            chunks = [data[i : i + self.mss] for i in range(0, len(data), self.mss)] or [b""]
            # Like Linux, set PSH only on the last segment of the write.
            last = len(chunks) - 1
            return [
                self._queue(
                    self._segment("PA" if i == last else "A", payload=chunk, reason=arc.key)
                )
                for i, chunk in enumerate(chunks)
            ]
        if send is Send.FIN:
            # With an ACK still owed for the peer's FIN, this FIN carries it: one segment does
            # the work of two (Linux's usual three-segment close).
            reason = f"{arc.key}_merged" if self.ack_owed else arc.key
            self.ack_owed = False
            self.fin_seq = self.snd_nxt
            return [self._queue(self._segment("FA", reason=reason))]
        if send is Send.RST:
            self.unacked.clear()
            return [Segment(self.name, self.peer, "R", self.snd_nxt, 0, reason=arc.key)]
        # Send.RETRANSMIT: the oldest unacknowledged segment, with a fresh acknowledgment field
        first = self.unacked[0]
        ack = first.ack if first.flags == "S" else (self.rcv_nxt or 0)
        return [replace(first, ack=ack, reason=arc.key, retransmission=True)]
