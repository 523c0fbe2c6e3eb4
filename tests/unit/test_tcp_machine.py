"""The RFC 9293 TCP state machine (``netlab.sim.tcp``): the table, the machine, the names."""

from __future__ import annotations

import itertools
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rfc import FIGURE_5_ARCS, FIGURE_5_NOTES, TCP_STATES

from netlab.errors import ProtocolViolation
from netlab.sim import tcp
from netlab.sim.tcp import (
    FIGURE_NOTES,
    SYNCHRONIZED,
    TRANSITIONS,
    Event,
    Send,
    State,
    TcpMachine,
    parse_state,
)

S, E, X = State, Event, Send

# The figure's event labels that are not spelled like netlab's events.
FIGURE_EVENTS = {"rcv ACK of SYN": E.RCV_ACK, "Timeout=2MSL": E.TIMEOUT_2MSL}


def _figure_arc(state: str, nxt: str, label: str) -> tuple[State, Event, State, Send]:
    """One arc of tests/rfc.py's FIGURE_5_ARCS as (state, event, next state, segment sent)."""
    event, _, action = label.partition(" / ")
    send = Send(action.removeprefix("snd ")) if action else X.NOTHING
    return State(state), FIGURE_EVENTS.get(event) or Event(event), State(nxt), send


FIGURE_5 = [_figure_arc(*arc) for arc in FIGURE_5_ARCS]
FIGURE_5_PAIRS = {(state, nxt) for state, _, nxt, _ in FIGURE_5}

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


def _arc_id(arc: tuple[State, Event, State, Send]) -> str:
    return f"{arc[0].name}-{arc[1].name}"


def test_figure_5_draws_twenty_arcs_between_distinct_pairs() -> None:
    assert len(FIGURE_5) == 20
    assert len(FIGURE_5_PAIRS) == 20


@pytest.mark.parametrize("drawn", FIGURE_5, ids=_arc_id)
def test_figure_5_arc_is_in_the_table(drawn: tuple[State, Event, State, Send]) -> None:
    state, event, nxt, send = drawn
    assert (state, event) in TRANSITIONS, f"{state} --{event}--> missing from TRANSITIONS"
    arc = TRANSITIONS[(state, event)]
    assert (arc.state, arc.event, arc.next, arc.send) == (state, event, nxt, send)
    assert arc.in_figure is True


def test_the_arcs_marked_in_figure_are_exactly_figure_5s() -> None:
    marked = [(arc.state, arc.next) for arc in TRANSITIONS.values() if arc.in_figure]
    assert len(marked) == len(FIGURE_5)  # one table row per drawn arc
    assert set(marked) == FIGURE_5_PAIRS
    marked_events = {(a.state, a.event) for a in TRANSITIONS.values() if a.in_figure}
    assert marked_events == {(state, event) for state, event, _, _ in FIGURE_5}


def test_every_row_of_the_table_is_kept() -> None:
    # TRANSITIONS is a dict built from the rows: two rows for one (state, event) would lose one
    assert len(TRANSITIONS) == len(tcp._ROWS)


def test_notes_1_and_2_are_on_their_arcs_only() -> None:
    noted = [(a.state.value, a.next.value, a.figure_note) for a in TRANSITIONS.values()]
    noted = [arc for arc in noted if arc[2] is not None]
    assert sorted(noted) == sorted((*pair, note) for pair, note in FIGURE_5_NOTES.items())
    assert set(FIGURE_NOTES.values()) == {1, 2}
    for (state, event), note in FIGURE_NOTES.items():
        assert TRANSITIONS[(state, event)].figure_note == note


def test_note_1_arc_is_drawn_and_note_2_arc_is_not() -> None:
    note_1 = TRANSITIONS[(S.SYN_RECEIVED, E.RCV_RST)]
    assert (note_1.next, note_1.send, note_1.figure_note) == (S.LISTEN, X.NOTHING, 1)
    assert note_1.in_figure is True
    note_2 = TRANSITIONS[(S.FIN_WAIT_1, E.RCV_FIN_ACK)]
    assert (note_2.next, note_2.send, note_2.figure_note) == (S.TIME_WAIT, X.ACK, 2)
    assert note_2.in_figure is False
    assert (S.FIN_WAIT_1, S.TIME_WAIT) not in FIGURE_5_PAIRS


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


# -- giving up (note 1 again), FIN+ACK, data after close(), SYN in TIME-WAIT -------------------


def test_syn_sent_gives_up_to_closed() -> None:
    _, states, sends = walk(S.CLOSED, E.ACTIVE_OPEN, E.TIMEOUT_RTO, E.TIMEOUT_RTO, E.GIVE_UP)
    assert states == [S.SYN_SENT, S.SYN_SENT, S.SYN_SENT, S.CLOSED]
    assert sends == [X.SYN, X.RETRANSMIT, X.RETRANSMIT, X.NOTHING]


def test_syn_received_gives_up_to_listen_after_passive_open() -> None:
    machine, states, sends = walk(S.CLOSED, E.PASSIVE_OPEN, E.RCV_SYN, E.TIMEOUT_RTO, E.GIVE_UP)
    assert states == [S.LISTEN, S.SYN_RECEIVED, S.SYN_RECEIVED, S.LISTEN]
    assert sends[-1] is X.NOTHING  # dropped silently: no RST
    assert machine.passive is True


def test_syn_received_gives_up_to_closed_after_active_open() -> None:
    _, states, _ = walk(S.CLOSED, E.ACTIVE_OPEN, E.RCV_SYN, E.GIVE_UP)
    assert states == [S.SYN_SENT, S.SYN_RECEIVED, S.CLOSED]


def test_fin_that_acks_our_fin_goes_straight_to_time_wait() -> None:
    _, states, sends = walk(S.ESTABLISHED, E.CLOSE, E.RCV_FIN_ACK, E.TIMEOUT_2MSL)
    assert states == [S.FIN_WAIT_1, S.TIME_WAIT, S.CLOSED]
    assert sends == [X.FIN, X.ACK, X.NOTHING]


@pytest.mark.parametrize("state", [S.FIN_WAIT_1, S.FIN_WAIT_2], ids=lambda s: s.name)
def test_data_after_close_is_answered_with_rst(state: State) -> None:
    _, states, sends = walk(state, E.RCV_DATA_CLOSED)
    assert states == [S.CLOSED]
    assert sends == [X.RST]
    assert TRANSITIONS[(state, E.RCV_DATA_CLOSED)].in_figure is False


def test_data_after_close_in_fin_wait_2_after_a_close() -> None:
    _, states, sends = walk(S.ESTABLISHED, E.CLOSE, E.RCV_ACK_OF_FIN, E.RCV_DATA_CLOSED)
    assert states == [S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSED]
    assert sends == [X.FIN, X.NOTHING, X.RST]


def test_syn_in_time_wait_reopens_the_connection() -> None:
    _, states, sends = walk(S.TIME_WAIT, E.RCV_SYN, E.RCV_ACK)
    assert states == [S.SYN_RECEIVED, S.ESTABLISHED]
    assert sends == [X.SYN_ACK, X.NOTHING]
    assert TRANSITIONS[(S.TIME_WAIT, E.RCV_SYN)].in_figure is False


@pytest.mark.parametrize(
    "pair",
    [
        (S.ESTABLISHED, E.RCV_DATA_CLOSED),  # the application has not closed
        (S.CLOSE_WAIT, E.RCV_DATA_CLOSED),
        (S.ESTABLISHED, E.GIVE_UP),
        (S.TIME_WAIT, E.RCV_FIN_ACK),
        (S.FIN_WAIT_2, E.RCV_FIN_ACK),
    ],
    ids=_pair_id,
)
def test_new_events_outside_their_states_are_violations(pair: tuple[State, Event]) -> None:
    state, event = pair
    machine = TcpMachine(state)
    with pytest.raises(ProtocolViolation):
        machine.fire(event)
    assert machine.state is state


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
        if before is S.SYN_RECEIVED and event in (E.RCV_RST, E.GIVE_UP):
            assert machine.state is (S.LISTEN if passive else S.CLOSED)
        else:
            assert machine.state is expected.next
        if event is E.PASSIVE_OPEN or (event is E.RCV_SYN and before is S.TIME_WAIT):
            passive = True  # a SYN taken in TIME-WAIT reaches the port's listener
        elif event is E.ACTIVE_OPEN or (event is E.SEND and before is S.LISTEN):
            passive = False
