"""One TCP endpoint: sequence-number bookkeeping on top of the state machine.

Owns ``Endpoint`` (the segment itself is ``netlab.sim.segment.Segment``): the send and receive
sequence variables of RFC 9293 section 3.3.1 (ISS, SND.UNA, SND.NXT, IRS, RCV.NXT), the
retransmission queue, Nagle's send buffer, the delayed-ACK decisions, and the processing of an
arriving segment in the RFC's order (sequence check, RST, SYN, ACK, data, FIN). Every state
change goes through ``netlab.sim.tcp.TcpMachine``; the segment an arc asks for is built here.
No time of its own (the conversation's clock is read through ``clock``), no packets, no
printing: ``netlab.sim.conversation`` runs endpoints against each other and records the Trace.

Sequence numbers are 32-bit and wrap (RFC 9293 section 3.4): all arithmetic is modulo 2**32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from netlab.sim.segment import (
    MOD,
    RECEIVE_WINDOW,
    Segment,
    seq_add,
    seq_le,
    seq_lt,
)
from netlab.sim.stack import (
    MINIMAL,
    TIMESTAMP_SPACE,
    Options,
    Stack,
    first_window,
    scaled_field,
)
from netlab.sim.tcp import Arc, Event, Send, State, TcpMachine


@dataclass
class Received:
    """What an arriving segment did: the arcs it fired (in order) and the replies to send."""

    arcs: list[Arc] = field(default_factory=list)
    replies: list[Segment] = field(default_factory=list)
    duplicate: bool = False
    delivered: bytes = b""


class Endpoint:
    """A TCP endpoint named ``name`` talking to the endpoint named ``peer``.

    ``stack`` says which TCP it runs (``netlab.sim.stack``; the scenarios pass Linux's, the
    default here is the minimal one, which acknowledges everything at once). ``mss`` overrides
    the stack's MSS. ``nodelay`` turns Nagle's algorithm off (TCP_NODELAY). ``ts_offset`` is the
    start of the millisecond clock of its Timestamps option. ``reads``: the application reads
    what arrives (False: it leaves the data unread, and close() then resets the connection).
    ``clock`` (microseconds) is set by the conversation that runs the endpoint.
    """

    def __init__(
        self,
        name: str,
        peer: str,
        isn: int,
        *,
        state: State = State.CLOSED,
        stack: Stack = MINIMAL,
        mss: int | None = None,
        nodelay: bool = False,
        ts_offset: int = 0,
        reads: bool = True,
    ) -> None:
        self.name = name
        self.peer = peer
        self.machine = TcpMachine(state)
        self.stack = stack if mss is None else replace(stack, mss=mss)
        self.iss = isn % MOD
        self.snd_una = self.iss
        self.snd_nxt = self.iss
        self.irs: int | None = None
        self.rcv_nxt: int | None = None
        self.mss = self.stack.mss  # data per segment, once the peer's MSS and options are known
        self.window = RECEIVE_WINDOW
        self.fin_seq: int | None = None
        self.unacked: list[Segment] = []
        self.clock: Callable[[], int] = lambda: 0
        self.ts_offset = ts_offset % MOD
        self.ts_ok = False
        self.ts_recent = 0
        self.scale_ok = False
        self.rcv_wnd = first_window(self.stack.mss)
        self.peer_options: Options = ()
        # Nagle's algorithm (Minshall's variant, as Linux): data written but not yet sent
        self.nagle = self.stack.nagle and not nodelay
        self.pending = bytearray()
        self.pending_writes = 0  # how many writes the pending bytes came from
        self.small_end: int | None = None  # end of the last small segment sent
        # delayed ACK (Linux's quick-ACK and ping-pong modes)
        self.ack_owed = False
        self.quick = 0
        self.pingpong = False
        self.got_data = False
        self.last_data_us: int | None = None
        self.unacked_bytes = 0  # received since our last ACK
        # the application
        self.reads = reads
        self.unread = 0
        self.app_closed = False  # close() was called (not shutdown): nobody reads any more
        self.received = bytearray()

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self.machine.state

    def synchronize(
        self, peer_isn: int, peer: Endpoint | None = None, *, passive: bool = False
    ) -> None:
        """Put an endpoint straight into ESTABLISHED after a handshake that is not shown (with
        ``peer``: the options the two SYNs would have agreed; ``passive``: this side listened,
        so its first window counted the Timestamps option)."""
        self.machine = TcpMachine(State.ESTABLISHED)
        self.snd_una = self.snd_nxt = seq_add(self.iss, 1)
        self.irs = peer_isn % MOD
        self.rcv_nxt = seq_add(self.irs, 1)
        if peer is not None:
            self.ts_ok = self.stack.timestamps and peer.stack.timestamps
            self.scale_ok = self.stack.wscale is not None and peer.stack.wscale is not None
            self.mss = min(self.stack.mss, peer.stack.mss) - (TIMESTAMP_SPACE if self.ts_ok else 0)
            self.ts_recent = peer.tsval()
            space = TIMESTAMP_SPACE if self.ts_ok and passive else 0
            self.rcv_wnd = first_window(self.stack.mss - space)

    def tsval(self) -> int:
        """This endpoint's Timestamps clock now: milliseconds from a per-connection start."""
        return (self.ts_offset + self.clock() // 1000) % MOD

    def window_field(self, *, syn: bool = False) -> int:
        """The window field of the next segment: unscaled in a SYN (RFC 7323), scaled once both
        sides announced Window scale."""
        if syn or not self.scale_ok:
            return min(self.rcv_wnd, 65535)
        return scaled_field(self.rcv_wnd, self.stack.wscale or 0)

    # -- user calls (RFC 9293 section 3.9) --------------------------------------------------

    def open_passive(self) -> list[Segment]:
        self.machine.fire(Event.PASSIVE_OPEN)
        return []

    def open_active(self) -> list[Segment]:
        return self._act(self.machine.fire(Event.ACTIVE_OPEN))

    def send(self, data: bytes) -> list[Segment]:
        """The application writes ``data``: what leaves now (Nagle may hold a small write)."""
        return self._act(self.machine.fire(Event.SEND), data=data)

    def close(self) -> list[Segment]:
        """close(): both directions end. With data still unread Linux resets the connection
        (RFC 1122 section 4.2.2.13) instead of sending FIN."""
        self.app_closed = True
        if self.unread and self.machine.allows(Event.ABORT):
            return self._act(self.machine.fire(Event.ABORT), reason="close_unread")
        return self._act(self.machine.fire(Event.CLOSE))

    def shutdown(self) -> list[Segment]:
        """shutdown(SHUT_WR): send FIN but keep receiving (a half-close)."""
        return self._act(self.machine.fire(Event.CLOSE), reason="shutdown")

    def abort(self) -> list[Segment]:
        return self._act(self.machine.fire(Event.ABORT))

    def read_all(self) -> None:
        """The application reads everything waiting in the receive buffer."""
        self.unread = 0

    # -- timers ------------------------------------------------------------------------------

    def retransmission_timeout(self) -> list[Segment]:
        """The retransmission timer expired: send the oldest unacknowledged segment again."""
        return self._act(self.machine.fire(Event.TIMEOUT_RTO))

    def give_up(self) -> None:
        """The last retransmission's timer expired: drop the connection (Linux's limits)."""
        self.machine.fire(Event.GIVE_UP)
        self.unacked.clear()

    @property
    def retry_limit(self) -> int | None:
        """How many retransmissions this state allows before giving up (None: no limit here)."""
        if self.state is State.SYN_SENT:
            return self.stack.syn_retries
        if self.state is State.SYN_RECEIVED:
            return self.stack.synack_retries
        return None

    def time_wait_timeout(self) -> None:
        self.machine.fire(Event.TIMEOUT_2MSL)

    def delayed_ack_timeout(self) -> list[Segment]:
        """The delayed-ACK timer expired with an ACK still owed: send it now. (Linux leaves
        ping-pong mode when this happens: the peer is not answering within the timer.)"""
        if not self.ack_owed:
            return []
        self.pingpong = False
        return [self._ack("delayed_ack")]

    def delack_us(self) -> int:
        """How long the delayed-ACK timer waits: Linux's ``ato``, 40 ms once data has arrived;
        before that the next timer tick."""
        return self.stack.delack_us if self.got_data else self.stack.delack_first_us

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
                self.pending.clear()
            return out  # a reset outside the window is ignored (RFC 9293 section 3.10.7.4)
        reopens = state is State.TIME_WAIT and seg.syn and not seg.has_ack
        if reopens and seq_lt(self.rcv_nxt or 0, seg.seq):
            # A new SYN for the same ports (RFC 9293 section 3.6.1, MAY-2; Linux reopens the
            # connection when the SYN's sequence number is above the old connection's).
            self._new_incarnation(seg, out)
            return out
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
            out.replies.append(self._ack("out_of_order"))
            return out
        if seg.tsval is not None and self.ts_ok:
            self.ts_recent = seg.tsval  # RFC 7323: TSecr echoes the peer's latest TSval
        if seg.payload and self.app_closed and self.machine.allows(Event.RCV_DATA_CLOSED):
            # Nobody will read this: the application called close(), not shutdown().
            out.arcs.append(arc := self.machine.fire(Event.RCV_DATA_CLOSED))
            self.unacked.clear()
            out.replies.append(self._reset_reply(seg, arc.key))
            return out
        fin_ack = (
            seg.fin
            and state is State.FIN_WAIT_1
            and self.fin_seq is not None
            and seg.has_ack
            and seq_lt(self.fin_seq, seg.ack)
        )
        if fin_ack:
            # One segment that acknowledges our FIN and carries the peer's own: FIN-WAIT-1
            # straight to TIME-WAIT (RFC 9293 Figure 5, note 2).
            self._acknowledged(seg.ack)
        else:
            self._ack_field(seg, out)
        if seg.payload:
            self.rcv_nxt = seq_add(self.rcv_nxt or 0, len(seg.payload))
            self.received.extend(seg.payload)
            out.delivered = seg.payload
            out.arcs.append(self.machine.fire(Event.RCV_DATA))
            self._data_arrived(len(seg.payload))
        if seg.fin:
            self.rcv_nxt = seq_add(self.rcv_nxt or 0, 1)
            out.arcs.append(self.machine.fire(Event.RCV_FIN_ACK if fin_ack else Event.RCV_FIN))
            if self.state is State.CLOSE_WAIT:
                self.pingpong = True  # Linux: a FIN makes the ACK wait for the close
        wants_ack = [a for a in out.arcs if a.send is Send.ACK]
        if wants_ack:
            rule = self._ack_rule(seg)
            if rule is None:
                self.ack_owed = True
            else:
                out.replies.append(self._ack(rule if rule != "arc" else wants_ack[-1].key))
        out.replies.extend(self._push())  # an ACK may release data Nagle held
        return out

    def _ack_rule(self, seg: Segment) -> str | None:
        """Why the ACK for ``seg`` leaves at once (a reason key), or None to delay it.

        Linux: FIN-WAIT and CLOSING acknowledge a FIN at once; otherwise in quick-ACK mode
        (the start of a connection, not in ping-pong) every segment is acknowledged at once, and
        after it when more than one full segment waits for its ACK; else the ACK waits for the
        delayed-ACK timer or for data to ride on. The minimal stack acknowledges at once.
        """
        if not self.stack.delayed_ack:
            return "arc"
        if self.state in (State.TIME_WAIT, State.CLOSING):
            return "arc"
        if seg.payload and self.quick > 0 and not self.pingpong:
            return "ack_quick"
        if self.unacked_bytes > self.mss:
            return "ack_two_full"
        return None

    def _data_arrived(self, size: int) -> None:
        """Bookkeeping of a data segment: the quick-ACK budget, the application's read."""
        now = self.clock()
        if not self.got_data:
            self.got_data = True
            self.quick = self.stack.quickacks
        self.last_data_us = now
        self.unacked_bytes += size
        if not self.reads:
            self.unread += size

    def _closed_reply(self, seg: Segment, out: Received) -> None:
        if seg.rst:
            return
        arc = self.machine.fire(Event.RCV_SYN if seg.syn else Event.RCV_ACK)
        out.arcs.append(arc)
        out.replies.append(self._reset_reply(seg, arc.key))

    def _reset_reply(self, seg: Segment, reason: str) -> Segment:
        """The RST that answers a segment no connection can take (RFC 9293 section 3.10.7.1):
        seq = its ACK field, or RST,ACK acknowledging it. Linux sends it without options and
        with a zero window."""
        if seg.has_ack:
            return Segment(self.name, self.peer, "R", seg.ack, 0, reason=reason, window=0)
        end = seq_add(seg.seq, seg.seg_len)
        return Segment(self.name, self.peer, "RA", 0, end, reason=reason, window=0)

    def _listen(self, seg: Segment, out: Received) -> None:
        if seg.rst:
            return
        if seg.has_ack:
            arc = self.machine.fire(Event.RCV_ACK)
            out.arcs.append(arc)
            out.replies.append(self._reset_reply(seg, arc.key))
            return
        if seg.syn:
            self._accept_syn(seg)
            out.arcs.append(arc := self.machine.fire(Event.RCV_SYN))
            out.replies.extend(self._act(arc))

    def _accept_syn(self, seg: Segment) -> None:
        """A SYN to answer: the peer's ISN, MSS and options (we offer only what it offered)."""
        self.irs = seg.seq
        self.rcv_nxt = seq_add(seg.seq, 1)
        self.peer_options = seg.options
        kinds = seg.option_kinds
        self.ts_ok = self.stack.timestamps and "Timestamp" in kinds
        self.scale_ok = self.stack.wscale is not None and "WScale" in kinds
        if self.ts_ok:
            self.ts_recent = seg.tsval or 0
        self.mss = min(self.stack.mss, seg.mss or 536) - (TIMESTAMP_SPACE if self.ts_ok else 0)
        self.rcv_wnd = first_window(self.stack.mss - (TIMESTAMP_SPACE if self.ts_ok else 0))

    def _new_incarnation(self, seg: Segment, out: Received) -> None:
        """TIME-WAIT takes a new SYN: the old connection is forgotten, a new one starts."""
        out.arcs.append(arc := self.machine.fire(Event.RCV_SYN))
        self.iss = seq_add(self.snd_nxt, 64000)  # above anything the old connection used
        self.snd_una = self.snd_nxt = self.iss
        self.fin_seq = None
        self.unacked.clear()
        self._accept_syn(seg)
        out.replies.extend(self._act(arc))

    def _syn_sent(self, seg: Segment, out: Received) -> None:
        acceptable_ack = seg.has_ack and seg.ack == self.snd_nxt
        if seg.has_ack and not acceptable_ack and not seg.rst:
            # RFC 9293 section 3.10.7.3: an ACK for something we never sent gets a reset;
            # the segment is dropped and we stay in SYN-SENT.
            out.replies.append(self._reset_reply(seg, "bad_ack"))
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
        kinds = seg.option_kinds
        self.ts_ok = self.stack.timestamps and "Timestamp" in kinds
        self.scale_ok = self.stack.wscale is not None and "WScale" in kinds
        if self.ts_ok:
            self.ts_recent = seg.tsval or 0
        if seg.mss:
            self.mss = min(self.stack.mss, seg.mss) - (TIMESTAMP_SPACE if self.ts_ok else 0)
        if acceptable_ack:
            self._acknowledged(seg.ack)
            out.arcs.append(arc := self.machine.fire(Event.RCV_SYN_ACK))
        else:
            self.peer_options = seg.options
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
            out.replies.append(self._ack(arc.key))
        elif self.state is State.SYN_RECEIVED and seg.syn and not seg.has_ack:
            # A repeated SYN: our SYN,ACK was lost. Linux answers it with the SYN,ACK again
            # and re-arms its SYN,ACK timer (tcp_check_req).
            sa = next(s for s in self.unacked if s.syn)
            out.replies.append(self._fresh(sa, "dup_syn"))
        else:
            # An old segment: acknowledge what we have (RFC 9293 section 3.10.7.4, first check).
            out.replies.append(self._ack("dup_ack"))

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

    def _options(self) -> Options:
        if not self.ts_ok:
            return ()
        return (("NOP", None), ("NOP", None), ("Timestamp", (self.tsval(), self.ts_recent)))

    def _segment(self, flags: str, *, payload: bytes = b"", reason: str = "") -> Segment:
        ack = self.rcv_nxt if (self.rcv_nxt is not None and "A" in flags) else 0
        if "A" in flags:
            self._acked_now()
        return Segment(
            self.name,
            self.peer,
            flags,
            self.snd_nxt,
            ack,
            payload,
            reason=reason,
            options=self._options(),
            window=self.window_field(),
        )

    def _ack(self, reason: str) -> Segment:
        return self._segment("A", reason=reason)

    def _acked_now(self) -> None:
        """A segment with the ACK flag leaves: nothing is owed any more; one quick ACK used."""
        if self.unacked_bytes and self.quick > 0:
            self.quick -= 1
        self.ack_owed = False
        self.unacked_bytes = 0

    def _fresh(self, seg: Segment, reason: str) -> Segment:
        """``seg`` sent again: the same numbers, a new Timestamps value and ACK field."""
        ack = seg.ack if seg.flags == "S" else (self.rcv_nxt or 0)
        options = seg.options
        if any(k == "Timestamp" for k, _v in options):
            tsecr = 0 if seg.flags == "S" else self.ts_recent
            options = tuple(
                (k, (self.tsval(), tsecr) if k == "Timestamp" else v) for k, v in options
            )
        return replace(seg, ack=ack, reason=reason, retransmission=True, options=options)

    def _queue(self, seg: Segment) -> Segment:
        self.snd_nxt = seq_add(seg.seq, seg.seg_len)
        self.unacked.append(seg)
        return seg

    def _syn(self, flags: str, reason: str) -> Segment:
        peer = self.peer_options if flags == "SA" else None
        options = self.stack.syn_options(self.tsval(), self.ts_recent, peer=peer)
        ack = (self.rcv_nxt or 0) if flags == "SA" else 0
        return Segment(
            self.name,
            self.peer,
            flags,
            self.iss,
            ack,
            reason=reason,
            options=options,
            window=self.window_field(syn=True),
        )

    def _push(self, *, fin: bool = False, reason: str = "nagle_release") -> list[Segment]:
        """Send what the application has written, as far as Nagle's algorithm allows: full
        segments always; a last small one only when no earlier small segment is still
        unacknowledged (Minshall's rule, Linux's), or when the close pushes it out."""
        out: list[Segment] = []
        while self.pending:
            size = min(len(self.pending), self.mss)
            small = size < self.mss
            held = self.small_end is not None and seq_lt(self.snd_una, self.small_end)
            if small and self.nagle and held and not fin:
                break
            chunk = bytes(self.pending[:size])
            del self.pending[:size]
            last = not self.pending
            why = reason
            if reason == "nagle_release" and self.pending_writes > 1 and last:
                why = "nagle_release_merged"
            flags = ("FPA" if fin else "PA") if last else "A"
            if fin and last:
                self.fin_seq = seq_add(self.snd_nxt, len(chunk))
            out.append(self._queue(self._segment(flags, payload=chunk, reason=why)))
            if small:
                self.small_end = self.snd_nxt
        if not self.pending:
            self.pending_writes = 0
        return out

    def _act(self, arc: Arc, *, data: bytes = b"", reason: str = "") -> list[Segment]:
        """Build what ``arc.send`` asks for."""
        send = arc.send
        if send is Send.NOTHING:
            return []
        if send is Send.SYN:
            return [self._queue(self._syn("S", arc.key))]
        if send is Send.SYN_ACK:
            return [self._queue(self._syn("SA", arc.key))]
        if send is Send.ACK:
            return [self._ack(arc.key)]
        if send is Send.DATA:
            # One send() of more than an MSS leaves as several segments, and Nagle may merge
            # small writes: TCP carries bytes, not messages. PSH marks the end of what was
            # written so far.
            self._sending_data()
            before = len(self.pending)
            self.pending.extend(data)
            self.pending_writes += 1
            # an ACK the delayed-ACK timer was holding rides on this data
            riding = self.ack_owed and arc.key == "send_data"
            sent = self._push(reason=f"{arc.key}_piggyback" if riding else arc.key)
            if not sent and not before and not data:
                sent = [self._queue(self._segment("PA", reason=arc.key))]
            return sent
        if send is Send.FIN:
            # With an ACK still owed for the peer's FIN, this FIN carries it: one segment does
            # the work of two (Linux's usual three-segment close).
            key = reason or arc.key
            key = f"{key}_merged" if self.ack_owed else key
            if self.pending:  # data Nagle still holds leaves now, with the FIN on its last byte
                return self._push(fin=True, reason=key)
            self.fin_seq = self.snd_nxt
            return [self._queue(self._segment("FA", reason=key))]
        if send is Send.RST:
            self.unacked.clear()
            self.pending.clear()
            if self.stack.rst_ack and self.rcv_nxt is not None:
                # Linux's reset from a live socket (tcp_send_active_reset): RST,ACK with the
                # connection's options
                return [self._segment("RA", reason=reason or arc.key)]
            rst = Segment(self.name, self.peer, "R", self.snd_nxt, 0, reason=reason or arc.key)
            return [replace(rst, window=self.window_field())]
        # Send.RETRANSMIT: the oldest unacknowledged segment, with a fresh acknowledgment field
        return [self._fresh(self.unacked[0], arc.key)]

    def _sending_data(self) -> None:
        """Data leaves: a reply within the delayed-ACK time of the last data received puts
        Linux in ping-pong (interactive) mode, where ACKs wait to ride on answers."""
        recent = self.last_data_us is not None and (
            self.clock() - self.last_data_us < self.stack.delack_us
        )
        if self.stack.delayed_ack and recent:
            self.pingpong = True
