"""The RFC 9293 TCP state machine (``netlab.sim.tcp``): the table, the machine, the names."""

from __future__ import annotations

import itertools
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rfc import TCP_STATES

from netlab.errors import ProtocolViolation
from netlab.sim.tcp import (
    SYNCHRONIZED,
    TRANSITIONS,
    Event,
    Send,
    State,
    TcpMachine,
    parse_state,
)

S, E, X = State, Event, Send

# RFC 9293 Figure 5, written out by hand from the figure (NOT derived from TRANSITIONS):
# (state, event) -> (next state, segment sent).
FIGURE_5: dict[tuple[State, Event], tuple[State, Send]] = {
    (S.CLOSED, E.PASSIVE_OPEN): (S.LISTEN, X.NOTHING),
    (S.CLOSED, E.ACTIVE_OPEN): (S.SYN_SENT, X.SYN),
    (S.LISTEN, E.RCV_SYN): (S.SYN_RECEIVED, X.SYN_ACK),
    (S.LISTEN, E.SEND): (S.SYN_SENT, X.SYN),
    (S.LISTEN, E.CLOSE): (S.CLOSED, X.NOTHING),
    (S.SYN_SENT, E.CLOSE): (S.CLOSED, X.NOTHING),
    # The figure labels this arc "snd ACK", but RFC 9293 section 3.10.7.3 (SYN-SENT, fourth
    # check) forms and sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>: the SYN was never acknowledged
    # by the peer, so it must go out again together with the ACK.
    (S.SYN_SENT, E.RCV_SYN): (S.SYN_RECEIVED, X.SYN_ACK),
    (S.SYN_SENT, E.RCV_SYN_ACK): (S.ESTABLISHED, X.ACK),
    (S.SYN_RECEIVED, E.RCV_ACK): (S.ESTABLISHED, X.NOTHING),
    (S.SYN_RECEIVED, E.CLOSE): (S.FIN_WAIT_1, X.FIN),
    (S.ESTABLISHED, E.CLOSE): (S.FIN_WAIT_1, X.FIN),
    (S.ESTABLISHED, E.RCV_FIN): (S.CLOSE_WAIT, X.ACK),
    (S.FIN_WAIT_1, E.RCV_ACK_OF_FIN): (S.FIN_WAIT_2, X.NOTHING),
    (S.FIN_WAIT_1, E.RCV_FIN): (S.CLOSING, X.ACK),
    (S.FIN_WAIT_2, E.RCV_FIN): (S.TIME_WAIT, X.ACK),
    (S.CLOSE_WAIT, E.CLOSE): (S.LAST_ACK, X.FIN),
    (S.CLOSING, E.RCV_ACK_OF_FIN): (S.TIME_WAIT, X.NOTHING),
    (S.LAST_ACK, E.RCV_ACK_OF_FIN): (S.CLOSED, X.NOTHING),
    (S.TIME_WAIT, E.TIMEOUT_2MSL): (S.CLOSED, X.NOTHING),
}

RFC_SPELLINGS = list(TCP_STATES)

# The synchronized states of RFC 9293 (section 3.10.7.4), written out by hand.
SYNCHRONIZED_STATES = [
    S.ESTABLISHED,
    S.FIN_WAIT_1,
    S.FIN_WAIT_2,
    S.CLOSE_WAIT,
    S.CLOSING,
    S.LAST_ACK,
    S.TIME_WAIT,
]

NOT_ALLOWED = [
    (state, event)
    for state, event in itertools.product(State, Event)
    if (state, event) not in TRANSITIONS
]


def _pair_id(pair: tuple[State, Event]) -> str:
    return f"{pair[0].name}-{pair[1].name}"


def walk(start: State, *events: Event) -> tuple[TcpMachine, list[State], list[Send]]:
    """Fire ``events`` on a machine starting in ``start``; return the states and sends seen."""
    machine = TcpMachine(start)
    states, sends = [], []
    for event in events:
        arc = machine.fire(event)
        states.append(machine.state)
        sends.append(arc.send)
    return machine, states, sends


# -- the table against Figure 5 ----------------------------------------------------------------


def test_figure_table_has_the_nineteen_arcs_of_figure_5() -> None:
    assert len(FIGURE_5) == 19


@pytest.mark.parametrize("pair", list(FIGURE_5), ids=_pair_id)
def test_figure_5_arc_is_in_the_table(pair: tuple[State, Event]) -> None:
    state, event = pair
    expected_next, expected_send = FIGURE_5[pair]
    assert pair in TRANSITIONS, f"{state} --{event}--> missing from TRANSITIONS"
    arc = TRANSITIONS[pair]
    assert arc.state is state
    assert arc.event is event
    assert arc.next is expected_next
    assert arc.send is expected_send
    assert arc.in_figure is True


def test_only_figure_5_arcs_are_marked_in_figure() -> None:
    marked = {pair for pair, arc in TRANSITIONS.items() if arc.in_figure}
    assert marked == set(FIGURE_5)


def test_table_keys_match_their_arcs() -> None:
    for (state, event), arc in TRANSITIONS.items():
        assert (arc.state, arc.event) == (state, event)
        assert isinstance(arc.next, State)
        assert isinstance(arc.send, Send)
        assert arc.key


# -- RST -----------------------------------------------------------------------------------------


def test_synchronized_constant_matches_rfc() -> None:
    assert set(SYNCHRONIZED) == set(SYNCHRONIZED_STATES)


@pytest.mark.parametrize("state", SYNCHRONIZED_STATES, ids=lambda s: s.name)
def test_rst_in_synchronized_state_closes(state: State) -> None:
    arc = TRANSITIONS[(state, E.RCV_RST)]
    assert arc.next is S.CLOSED
    assert arc.send is X.NOTHING  # never answer a reset with a reset
    assert arc.in_figure is False
    machine = TcpMachine(state)
    machine.fire(E.RCV_RST)
    assert machine.state is S.CLOSED


def test_rst_in_syn_sent_closes() -> None:
    machine = TcpMachine(S.SYN_SENT)
    machine.fire(E.RCV_RST)
    assert machine.state is S.CLOSED


def test_rst_in_syn_received_after_passive_open_returns_to_listen() -> None:
    machine, states, _ = walk(S.CLOSED, E.PASSIVE_OPEN, E.RCV_SYN, E.RCV_RST)
    assert states == [S.LISTEN, S.SYN_RECEIVED, S.LISTEN]
    assert machine.passive is True


def test_rst_in_syn_received_when_started_in_listen_returns_to_listen() -> None:
    _, states, _ = walk(S.LISTEN, E.RCV_SYN, E.RCV_RST)
    assert states == [S.SYN_RECEIVED, S.LISTEN]


def test_rst_in_syn_received_after_simultaneous_open_closes() -> None:
    machine, states, _ = walk(S.CLOSED, E.ACTIVE_OPEN, E.RCV_SYN, E.RCV_RST)
    assert states == [S.SYN_SENT, S.SYN_RECEIVED, S.CLOSED]
    assert machine.passive is False


def test_rst_after_listen_send_then_simultaneous_open_closes() -> None:
    # LISTEN --SEND--> SYN-SENT turns the passive open into an active one.
    _, states, _ = walk(S.CLOSED, E.PASSIVE_OPEN, E.SEND, E.RCV_SYN, E.RCV_RST)
    assert states == [S.LISTEN, S.SYN_SENT, S.SYN_RECEIVED, S.CLOSED]


def test_passive_open_after_a_reset_connection_is_passive_again() -> None:
    _, states, _ = walk(
        S.CLOSED,
        E.ACTIVE_OPEN,
        E.RCV_SYN,
        E.RCV_RST,  # simultaneous open reset: CLOSED
        E.PASSIVE_OPEN,
        E.RCV_SYN,
        E.RCV_RST,  # passive open reset: LISTEN
    )
    assert states[2] is S.CLOSED
    assert states[-1] is S.LISTEN


# -- events the table does not allow -------------------------------------------------------------


def test_there_are_events_the_table_does_not_allow() -> None:
    assert NOT_ALLOWED
    assert len(NOT_ALLOWED) + len(TRANSITIONS) == len(State) * len(Event)


@pytest.mark.parametrize("pair", NOT_ALLOWED, ids=_pair_id)
def test_not_allowed_event_raises_and_keeps_state(pair: tuple[State, Event]) -> None:
    state, event = pair
    machine = TcpMachine(state)
    passive_before = machine.passive
    assert machine.allows(event) is False
    with pytest.raises(ProtocolViolation) as info:
        machine.fire(event)
    exc = info.value
    assert exc.state == state.value
    assert exc.event == event.value
    assert state.value in str(exc)
    assert event.value in str(exc)
    assert machine.state is state
    assert machine.passive is passive_before


# -- names and reachability ----------------------------------------------------------------------


def test_eleven_states_with_rfc_spellings() -> None:
    assert len(State) == 11
    assert [s.value for s in State] == RFC_SPELLINGS
    assert [str(s) for s in State] == RFC_SPELLINGS


def _reachable(start: State) -> set[State]:
    seen = {start}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for (src, _event), arc in TRANSITIONS.items():
            if src is state and arc.next not in seen:
                seen.add(arc.next)
                queue.append(arc.next)
    return seen


def test_every_state_is_reachable_from_closed() -> None:
    assert _reachable(S.CLOSED) == set(State)


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.name)
def test_closed_is_reachable_from_every_state(state: State) -> None:
    assert S.CLOSED in _reachable(state)


# -- walk-throughs -------------------------------------------------------------------------------


def test_walk_client_open() -> None:
    _, states, sends = walk(S.CLOSED, E.ACTIVE_OPEN, E.RCV_SYN_ACK)
    assert states == [S.SYN_SENT, S.ESTABLISHED]
    assert sends == [X.SYN, X.ACK]


def test_walk_server_open() -> None:
    _, states, sends = walk(S.CLOSED, E.PASSIVE_OPEN, E.RCV_SYN, E.RCV_ACK)
    assert states == [S.LISTEN, S.SYN_RECEIVED, S.ESTABLISHED]
    assert sends == [X.NOTHING, X.SYN_ACK, X.NOTHING]


def test_walk_simultaneous_open() -> None:
    _, states, sends = walk(S.CLOSED, E.ACTIVE_OPEN, E.RCV_SYN, E.RCV_SYN_ACK)
    assert states == [S.SYN_SENT, S.SYN_RECEIVED, S.ESTABLISHED]
    assert sends[:2] == [X.SYN, X.SYN_ACK]


def test_walk_active_close() -> None:
    machine, states, sends = walk(
        S.ESTABLISHED, E.CLOSE, E.RCV_ACK_OF_FIN, E.RCV_FIN, E.TIMEOUT_2MSL
    )
    assert states == [S.FIN_WAIT_1, S.FIN_WAIT_2, S.TIME_WAIT, S.CLOSED]
    assert sends == [X.FIN, X.NOTHING, X.ACK, X.NOTHING]
    assert machine.state is S.CLOSED


def test_walk_passive_close() -> None:
    _, states, sends = walk(S.ESTABLISHED, E.RCV_FIN, E.CLOSE, E.RCV_ACK_OF_FIN)
    assert states == [S.CLOSE_WAIT, S.LAST_ACK, S.CLOSED]
    assert sends == [X.ACK, X.FIN, X.NOTHING]


def test_walk_simultaneous_close() -> None:
    _, states, sends = walk(S.ESTABLISHED, E.CLOSE, E.RCV_FIN, E.RCV_ACK_OF_FIN, E.TIMEOUT_2MSL)
    assert states == [S.FIN_WAIT_1, S.CLOSING, S.TIME_WAIT, S.CLOSED]
    assert sends == [X.FIN, X.ACK, X.NOTHING, X.NOTHING]


def test_walk_whole_connection_from_closed_to_closed() -> None:
    _, states, _ = walk(
        S.CLOSED,
        E.ACTIVE_OPEN,
        E.RCV_SYN_ACK,
        E.SEND,
        E.RCV_ACK,
        E.RCV_DATA,
        E.CLOSE,
        E.RCV_ACK_OF_FIN,
        E.RCV_FIN,
        E.TIMEOUT_2MSL,
    )
    assert states[-1] is S.CLOSED


def test_time_wait_retransmitted_fin_is_acked_and_stays() -> None:
    _, states, sends = walk(S.TIME_WAIT, E.RCV_FIN)
    assert states == [S.TIME_WAIT]
    assert sends == [X.ACK]


def test_closed_refuses_a_syn_with_a_reset() -> None:
    _, states, sends = walk(S.CLOSED, E.RCV_SYN)
    assert states == [S.CLOSED]
    assert sends == [X.RST]


# -- parse_state ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time_wait", S.TIME_WAIT),
        ("Time-Wait", S.TIME_WAIT),
        ("syn rcvd", S.SYN_RECEIVED),
        ("ESTAB", S.ESTABLISHED),
        ("  closed ", S.CLOSED),
        ("fin wait 1", S.FIN_WAIT_1),
    ],
)
def test_parse_state_accepts_variants(text: str, expected: State) -> None:
    assert parse_state(text) is expected


@pytest.mark.parametrize("spelling", RFC_SPELLINGS)
def test_parse_state_round_trips_rfc_spellings(spelling: str) -> None:
    assert parse_state(spelling).value == spelling
    assert parse_state(spelling.lower()).value == spelling


def test_parse_state_rejects_unknown() -> None:
    with pytest.raises(KeyError):
        parse_state("bogus")


# -- property: the machine only ever moves along the table ---------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    start=st.sampled_from(list(State)),
    events=st.lists(st.sampled_from(list(Event)), max_size=30),
)
def test_random_event_sequences_follow_the_table(start: State, events: list[Event]) -> None:
    machine = TcpMachine(start)
    # An independent model of "came from a passive OPEN" (RFC 9293 section 3.10.7.4).
    passive = start is S.LISTEN
    for event in events:
        before = machine.state
        expected = TRANSITIONS.get((before, event))
        if expected is None:
            with pytest.raises(ProtocolViolation):
                machine.fire(event)
            assert machine.state is before
            continue
        arc = machine.fire(event)
        assert arc is expected
        assert isinstance(machine.state, State)
        if before is S.SYN_RECEIVED and event is E.RCV_RST:
            assert machine.state is (S.LISTEN if passive else S.CLOSED)
        else:
            assert machine.state is expected.next
        if event is E.PASSIVE_OPEN:
            passive = True
        elif event is E.ACTIVE_OPEN or (event is E.SEND and before is S.LISTEN):
            passive = False
