"""The TCP connection state machine of RFC 9293, as data.

Owns the eleven states, the events that move a connection between them, and the transition
table ``(state, event) -> Arc(next state, segment to send)``. The same table drives the
scenarios (``netlab.sim.endpoint``), renders ``netlab simulate states`` and feeds quiz
generators. Sequence numbers, packets and time live elsewhere: this module only knows states.

An event the table does not allow raises ``ProtocolViolation`` naming the state and the event,
and leaves the machine's state unchanged.

Sources: RFC 9293 Figure 5 (the state diagram) and section 3.10 (event processing), which adds
arcs the figure leaves out: a FIN whose segment also acknowledges our FIN (FIN-WAIT-1 straight
to TIME-WAIT, the figure's note 2), RST handling, giving up when the retransmission limits are
reached (Linux's tcp_syn_retries and tcp_synack_retries), data for an application that has
closed (answered with RST), a new SYN in TIME-WAIT (section 3.6.1, MAY-2, as Linux does), the
retransmitted FIN in TIME-WAIT that restarts the 2·MSL timer, and the reset answered to a
segment for a CLOSED or LISTEN port.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from netlab.errors import ProtocolViolation


class State(StrEnum):
    """RFC 9293 connection states, with their RFC spellings as values."""

    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"


class Event(StrEnum):
    """What can happen to a connection: a user call, an arriving segment, or a timer."""

    # user calls (RFC 9293 section 3.9)
    PASSIVE_OPEN = "passive OPEN"
    ACTIVE_OPEN = "active OPEN"
    SEND = "SEND"
    CLOSE = "CLOSE"
    ABORT = "ABORT"
    # arriving segments, named by what the receiver learns from them
    RCV_SYN = "rcv SYN"
    RCV_SYN_ACK = "rcv SYN,ACK"
    RCV_ACK = "rcv ACK"
    RCV_ACK_OF_FIN = "rcv ACK of FIN"
    RCV_DATA = "rcv data"
    RCV_FIN = "rcv FIN"
    RCV_RST = "rcv RST"
    RCV_FIN_ACK = "rcv FIN,ACK of FIN"  # the peer's FIN in a segment that also acks ours
    RCV_DATA_CLOSED = "rcv data after close()"  # data for an application that has closed
    # timers
    TIMEOUT_RTO = "retransmission timeout"
    TIMEOUT_2MSL = "2MSL timeout"
    GIVE_UP = "retries exhausted"  # the last retransmission's timer expired (Linux's limits)


class Send(StrEnum):
    """The segment (or none) a transition asks the endpoint to send."""

    NOTHING = "-"
    SYN = "SYN"
    SYN_ACK = "SYN,ACK"
    ACK = "ACK"
    FIN = "FIN"
    DATA = "data"
    RST = "RST"
    RETRANSMIT = "retransmit"


@dataclass(frozen=True)
class Arc:
    """One row of the transition table."""

    state: State
    event: Event
    next: State
    send: Send
    key: str  # i18n key under "tcp.arc." explaining the arc
    in_figure: bool = True  # drawn in RFC 9293 Figure 5 (False: from the section 3.10 text)
    figure_note: int | None = None  # the note under Figure 5 that describes the arc (1 or 2)


S, E, X = State, Event, Send

# fmt: off
_ROWS: tuple[tuple[State, Event, State, Send, str, bool], ...] = (
    # opening
    (S.CLOSED,       E.PASSIVE_OPEN, S.LISTEN,       X.NOTHING,  "passive_open", True),
    (S.CLOSED,       E.ACTIVE_OPEN,  S.SYN_SENT,     X.SYN,      "active_open", True),
    (S.CLOSED,       E.RCV_SYN,      S.CLOSED,       X.RST,      "closed_refuses", False),
    (S.CLOSED,       E.RCV_ACK,      S.CLOSED,       X.RST,      "closed_refuses", False),
    (S.LISTEN,       E.RCV_SYN,      S.SYN_RECEIVED, X.SYN_ACK,  "listen_syn", True),
    (S.LISTEN,       E.SEND,         S.SYN_SENT,     X.SYN,      "listen_send", True),
    (S.LISTEN,       E.CLOSE,        S.CLOSED,       X.NOTHING,  "listen_close", True),
    (S.LISTEN,       E.ABORT,        S.CLOSED,       X.NOTHING,  "listen_close", False),
    (S.LISTEN,       E.RCV_ACK,      S.LISTEN,       X.RST,      "listen_ack", False),
    (S.SYN_SENT,     E.RCV_SYN_ACK,  S.ESTABLISHED,  X.ACK,      "synsent_synack", True),
    (S.SYN_SENT,     E.RCV_SYN,      S.SYN_RECEIVED, X.SYN_ACK,  "simultaneous_open", True),
    (S.SYN_SENT,     E.CLOSE,        S.CLOSED,       X.NOTHING,  "synsent_close", True),
    (S.SYN_SENT,     E.ABORT,        S.CLOSED,       X.NOTHING,  "synsent_close", False),
    (S.SYN_SENT,     E.RCV_RST,      S.CLOSED,       X.NOTHING,  "refused", False),
    (S.SYN_SENT,     E.TIMEOUT_RTO,  S.SYN_SENT,     X.RETRANSMIT, "rto_syn", False),
    (S.SYN_SENT,     E.GIVE_UP,      S.CLOSED,       X.NOTHING,  "syn_give_up", False),
    (S.SYN_RECEIVED, E.RCV_ACK,      S.ESTABLISHED,  X.NOTHING,  "synrcvd_ack", True),
    (S.SYN_RECEIVED, E.RCV_SYN_ACK,  S.ESTABLISHED,  X.NOTHING,  "synrcvd_synack", False),
    (S.SYN_RECEIVED, E.RCV_FIN,      S.CLOSE_WAIT,   X.ACK,      "fin_received", False),
    (S.SYN_RECEIVED, E.CLOSE,        S.FIN_WAIT_1,   X.FIN,      "synrcvd_close", True),
    (S.SYN_RECEIVED, E.ABORT,        S.CLOSED,       X.RST,      "abort", False),
    (S.SYN_RECEIVED, E.RCV_RST,      S.LISTEN,       X.NOTHING,  "synrcvd_rst", True),
    (S.SYN_RECEIVED, E.TIMEOUT_RTO,  S.SYN_RECEIVED, X.RETRANSMIT, "rto_synack", False),
    (S.SYN_RECEIVED, E.GIVE_UP,      S.LISTEN,       X.NOTHING,  "synack_give_up", False),
    # data transfer
    (S.ESTABLISHED,  E.SEND,         S.ESTABLISHED,  X.DATA,     "send_data", False),
    (S.ESTABLISHED,  E.RCV_DATA,     S.ESTABLISHED,  X.ACK,      "rcv_data", False),
    (S.ESTABLISHED,  E.RCV_ACK,      S.ESTABLISHED,  X.NOTHING,  "rcv_ack", False),
    (S.ESTABLISHED,  E.TIMEOUT_RTO,  S.ESTABLISHED,  X.RETRANSMIT, "rto_data", False),
    # closing
    (S.ESTABLISHED,  E.CLOSE,        S.FIN_WAIT_1,   X.FIN,      "active_close", True),
    (S.ESTABLISHED,  E.RCV_FIN,      S.CLOSE_WAIT,   X.ACK,      "fin_received", True),
    (S.ESTABLISHED,  E.ABORT,        S.CLOSED,       X.RST,      "abort", False),
    (S.ESTABLISHED,  E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
    (S.FIN_WAIT_1,   E.RCV_ACK_OF_FIN, S.FIN_WAIT_2, X.NOTHING,  "finwait1_ack", True),
    (S.FIN_WAIT_1,   E.RCV_FIN,      S.CLOSING,      X.ACK,      "simultaneous_close", True),
    (S.FIN_WAIT_1,   E.RCV_FIN_ACK,  S.TIME_WAIT,    X.ACK,      "finwait1_finack", False),
    (S.FIN_WAIT_1,   E.RCV_DATA_CLOSED, S.CLOSED,    X.RST,      "data_after_close", False),
    (S.FIN_WAIT_1,   E.RCV_ACK,      S.FIN_WAIT_1,   X.NOTHING,  "rcv_ack", False),
    (S.FIN_WAIT_1,   E.RCV_DATA,     S.FIN_WAIT_1,   X.ACK,      "rcv_data", False),
    (S.FIN_WAIT_1,   E.TIMEOUT_RTO,  S.FIN_WAIT_1,   X.RETRANSMIT, "rto_fin", False),
    (S.FIN_WAIT_1,   E.ABORT,        S.CLOSED,       X.RST,      "abort", False),
    (S.FIN_WAIT_1,   E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
    (S.FIN_WAIT_2,   E.RCV_FIN,      S.TIME_WAIT,    X.ACK,      "finwait2_fin", True),
    (S.FIN_WAIT_2,   E.RCV_DATA,     S.FIN_WAIT_2,   X.ACK,      "half_close_data", False),
    (S.FIN_WAIT_2,   E.RCV_ACK,      S.FIN_WAIT_2,   X.NOTHING,  "rcv_ack", False),
    (S.FIN_WAIT_2,   E.RCV_DATA_CLOSED, S.CLOSED,    X.RST,      "data_after_close", False),
    (S.FIN_WAIT_2,   E.ABORT,        S.CLOSED,       X.RST,      "abort", False),
    (S.FIN_WAIT_2,   E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
    (S.CLOSE_WAIT,   E.CLOSE,        S.LAST_ACK,     X.FIN,      "passive_close", True),
    (S.CLOSE_WAIT,   E.SEND,         S.CLOSE_WAIT,   X.DATA,     "half_close_send", False),
    (S.CLOSE_WAIT,   E.RCV_ACK,      S.CLOSE_WAIT,   X.NOTHING,  "rcv_ack", False),
    (S.CLOSE_WAIT,   E.TIMEOUT_RTO,  S.CLOSE_WAIT,   X.RETRANSMIT, "rto_data", False),
    (S.CLOSE_WAIT,   E.ABORT,        S.CLOSED,       X.RST,      "abort", False),
    (S.CLOSE_WAIT,   E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
    (S.CLOSING,      E.RCV_ACK_OF_FIN, S.TIME_WAIT,  X.NOTHING,  "closing_ack", True),
    (S.CLOSING,      E.TIMEOUT_RTO,  S.CLOSING,      X.RETRANSMIT, "rto_fin", False),
    (S.CLOSING,      E.ABORT,        S.CLOSED,       X.NOTHING,  "abort_closing", False),
    (S.CLOSING,      E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
    (S.LAST_ACK,     E.RCV_ACK_OF_FIN, S.CLOSED,     X.NOTHING,  "lastack_ack", True),
    (S.LAST_ACK,     E.TIMEOUT_RTO,  S.LAST_ACK,     X.RETRANSMIT, "rto_fin", False),
    (S.LAST_ACK,     E.ABORT,        S.CLOSED,       X.NOTHING,  "abort_closing", False),
    (S.LAST_ACK,     E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
    (S.TIME_WAIT,    E.RCV_FIN,      S.TIME_WAIT,    X.ACK,      "timewait_fin", False),
    (S.TIME_WAIT,    E.TIMEOUT_2MSL, S.CLOSED,       X.NOTHING,  "timewait_timeout", True),
    (S.TIME_WAIT,    E.RCV_SYN,      S.SYN_RECEIVED, X.SYN_ACK,  "timewait_syn", False),
    (S.TIME_WAIT,    E.ABORT,        S.CLOSED,       X.NOTHING,  "abort_closing", False),
    (S.TIME_WAIT,    E.RCV_RST,      S.CLOSED,       X.NOTHING,  "reset", False),
)
# fmt: on

#: Arcs that a note under Figure 5 describes: note 1 conditions the drawn arc SYN-RECEIVED
#: --rcv RST--> LISTEN on a passive OPEN; note 2 adds FIN-WAIT-1 --rcv FIN+ACK--> TIME-WAIT,
#: which the figure omits (the path of a close whose FIN carries the ACK of ours).
FIGURE_NOTES = {(S.SYN_RECEIVED, E.RCV_RST): 1, (S.FIN_WAIT_1, E.RCV_FIN_ACK): 2}

#: Arcs that end in LISTEN after a passive OPEN and in CLOSED after an active one (note 1).
LISTEN_OR_CLOSED = frozenset({"synrcvd_rst", "synack_give_up"})

TRANSITIONS: dict[tuple[State, Event], Arc] = {
    (state, event): Arc(state, event, nxt, send, key, fig, FIGURE_NOTES.get((state, event)))
    for state, event, nxt, send, key, fig in _ROWS
}

#: States in which both sides have exchanged SYNs (RFC 9293 "synchronized states").
SYNCHRONIZED = frozenset(
    {
        S.ESTABLISHED,
        S.FIN_WAIT_1,
        S.FIN_WAIT_2,
        S.CLOSE_WAIT,
        S.CLOSING,
        S.LAST_ACK,
        S.TIME_WAIT,
    }
)


def parse_state(name: str) -> State:
    """Return the State for an RFC spelling, case and ``_``/``-``/space insensitive.

    Raises ``KeyError`` when there is no such state.
    """
    wanted = name.strip().upper().replace("_", "-").replace(" ", "-")
    aliases = {"SYN-RCVD": "SYN-RECEIVED", "ESTAB": "ESTABLISHED", "SYN-RECV": "SYN-RECEIVED"}
    wanted = aliases.get(wanted, wanted)
    for state in State:
        if state.value == wanted:
            return state
    raise KeyError(name)


def arcs_into(state: State) -> list[Arc]:
    """Every arc that ends in ``state`` coming from another state."""
    return [a for a in TRANSITIONS.values() if a.next is state and a.state is not state]


def arcs_out_of(state: State) -> list[Arc]:
    """Every arc that starts in ``state`` (self-loops included)."""
    return [a for a in TRANSITIONS.values() if a.state is state]


class TcpMachine:
    """One side's connection state, moved only through ``TRANSITIONS``.

    ``passive`` remembers whether the connection came from a passive OPEN: RFC 9293 sends a
    reset SYN-RECEIVED connection back to LISTEN in that case, and to CLOSED otherwise.
    """

    def __init__(self, state: State = State.CLOSED) -> None:
        self.state = state
        self.passive = state is State.LISTEN

    def allows(self, event: Event) -> bool:
        return (self.state, event) in TRANSITIONS

    def fire(self, event: Event) -> Arc:
        """Apply ``event``; return the arc taken. Raise ProtocolViolation if not allowed."""
        arc = TRANSITIONS.get((self.state, event))
        if arc is None:
            raise ProtocolViolation(self.state.value, event.value)
        nxt = arc.next
        if event is Event.PASSIVE_OPEN or arc.key == "timewait_syn":
            self.passive = True  # (a SYN taken in TIME-WAIT reaches the port's listener)
        elif event is Event.ACTIVE_OPEN or (event is Event.SEND and self.state is S.LISTEN):
            self.passive = False
        if arc.key in LISTEN_OR_CLOSED and not self.passive:
            nxt = State.CLOSED
        self.state = nxt
        return arc
