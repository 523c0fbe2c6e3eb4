"""The Linux stack of the TCP model (``netlab.sim.stack``): options, timestamps, the scaled
window, Nagle's algorithm, the delayed-ACK rules, the retry limits and the resets of close().

Every expected value here is written out by hand from RFC 7323 / RFC 9293 and from what a Linux
6.x capture shows (``tests/live`` checks the same shapes against the kernel itself); the
scenarios run without frames, so no scapy is involved.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlab.sim import close, connection, handshake
from netlab.sim.hosts import TcpParams
from netlab.sim.stack import LINUX, MINIMAL, first_window, header_length, scaled_field
from netlab.sim.tcp import State
from netlab.sim.trace import Note, Trace

LINUX_P = TcpParams(frames=False)
MINIMAL_P = TcpParams(frames=False, stack=MINIMAL)
SYN_KINDS = ("MSS", "SAckOK", "Timestamp", "NOP", "WScale")
LATER_KINDS = ("NOP", "NOP", "Timestamp")


def sent(trace: Trace) -> list:
    return [s for s in trace.steps if s.segment is not None and s.dst is not None]


def shapes(trace: Trace) -> list[tuple[str, str, int]]:
    return [(s.src, s.segment.flags, len(s.segment.payload)) for s in sent(trace)]


# -- options, header lengths, window --------------------------------------------------------------


def test_linux_handshake_options_and_header_lengths():
    syn, synack, ack = (s.segment for s in sent(handshake.build(LINUX_P)))
    assert syn.option_kinds == SYN_KINDS and synack.option_kinds == SYN_KINDS
    assert ack.option_kinds == LATER_KINDS
    assert (syn.header_len, synack.header_len, ack.header_len) == (40, 40, 32)
    assert dict(syn.options)["MSS"] == 1460 and dict(syn.options)["WScale"] == 7


def test_minimal_stack_sends_the_mss_option_only():
    syn, synack, ack = (s.segment for s in sent(handshake.build(MINIMAL_P)))
    assert syn.option_kinds == ("MSS",) and synack.option_kinds == ("MSS",)
    assert ack.options == ()
    assert (syn.header_len, ack.header_len) == (24, 20)


def test_timestamps_echo_the_peers_latest_value():
    """TSval is each side's millisecond clock from its own start; TSecr echoes the latest TSval
    received (RFC 7323), 0 in the first SYN."""
    trace = connection.build(LINUX_P, [b"hi"], [b"ok"])
    latest = {"client": 0, "server": 0}
    start = {"client": 200_000, "server": 700_000}
    for step in sent(trace):
        tsval, tsecr = dict(step.segment.options)["Timestamp"]
        assert tsval == start[step.src] + int(step.time * 1000)
        other = "server" if step.src == "client" else "client"
        assert tsecr == latest[other]
        latest[step.src] = tsval


def test_windows_as_linux_announces_them():
    """SYN: 65536 rounded down to whole 1460-byte segments (44); SYN,ACK: to 1448-byte ones
    (45), timestamps being on; after the handshake the field is scaled by 2**7, rounded up."""
    steps = sent(connection.build(LINUX_P, [b"hi"], [b"ok"]))
    assert (steps[0].segment.window, steps[1].segment.window) == (44 * 1460, 45 * 1448)
    for step in steps[2:]:
        want = 502 if step.src == "client" else 510  # ceil(64240 / 128), ceil(65160 / 128)
        assert step.segment.window == want
    assert (first_window(1460), first_window(1448), first_window(65495)) == (64240, 65160, 65495)
    assert scaled_field(64240, 7) * 128 == 64256 and scaled_field(65495, 10) == 64


def test_header_length_counts_options_in_words():
    assert header_length(()) == 20
    assert header_length((("MSS", 1460),)) == 24
    assert header_length((("NOP", None), ("NOP", None), ("Timestamp", (1, 2)))) == 32


def test_data_per_segment_is_mss_less_timestamps():
    data = [s for s in sent(connection.build(LINUX_P, [b"x" * 3000], [])) if s.src == "client"]
    payloads = [len(s.segment.payload) for s in data if s.segment.payload]
    assert payloads == [1448, 1448, 104]
    minimal = sent(connection.build(MINIMAL_P, [b"x" * 3000], []))
    assert [len(s.segment.payload) for s in minimal if s.segment.payload][:3] == [1460, 1460, 80]


# -- Nagle ----------------------------------------------------------------------------------------


def test_nagle_holds_the_second_write_until_the_first_is_acknowledged():
    trace = connection.build(LINUX_P, [b"aaaa", b"bbbb"], [b"OK"])
    data = [s for s in sent(trace) if s.src == "client" and s.segment.payload]
    assert [s.segment.payload for s in data] == [b"aaaa", b"bbbb"]
    ack = next(s for s in sent(trace) if s.src == "server" and s.segment.ack == 1005)
    assert data[0].time < ack.time < data[1].time  # one round trip later, after the ACK
    assert data[1].time - data[0].time == pytest.approx(LINUX_P.rtt)
    assert any(n.key == "tcp.event.nagle_hold" for n in data[0].notes)
    assert data[1].segment.reason == "nagle_release"


def test_writes_held_together_leave_as_one_segment():
    trace = connection.build(LINUX_P, [b"a", b"b", b"c"], [b"OK"])
    data = [s.segment for s in sent(trace) if s.src == "client" and s.segment.payload]
    assert [d.payload for d in data] == [b"a", b"bc"]
    assert data[1].reason == "nagle_release_merged"


def test_nodelay_sends_each_write_at_once():
    trace = connection.build(replace(LINUX_P, nodelay=True), [b"a", b"b", b"c"], [b"OK"])
    data = [s for s in sent(trace) if s.src == "client" and s.segment.payload]
    assert [s.segment.payload for s in data] == [b"a", b"b", b"c"]
    assert len({s.time for s in data}) == 1


def test_minimal_stack_has_no_nagle():
    trace = connection.build(MINIMAL_P, [b"a", b"b"], [b"OK"])
    data = [s for s in sent(trace) if s.src == "client" and s.segment.payload]
    assert len(data) == 2 and data[0].time == data[1].time


# -- delayed ACK ----------------------------------------------------------------------------------


def test_whole_connection_segment_for_segment_as_linux_sends_it():
    """What a capture of `tcp --data hello --data world --reply OK` on Linux shows (tests/live
    compares the same against the kernel): quick ACKs at first, a FIN's ACK delayed 40 ms once
    data has flowed, then the FIN."""
    trace = connection.build(LINUX_P, [b"hello", b"world"], [b"OK"])
    assert shapes(trace) == [
        ("client", "S", 0),
        ("server", "SA", 0),
        ("client", "A", 0),
        ("client", "PA", 5),
        ("server", "A", 0),
        ("client", "PA", 5),
        ("server", "A", 0),
        ("server", "PA", 2),
        ("client", "A", 0),
        ("client", "FA", 0),
        ("server", "A", 0),
        ("server", "FA", 0),
        ("client", "A", 0),
    ]
    reasons = [s.segment.reason for s in sent(trace) if s.segment.flags == "A"][1:]
    assert reasons == ["ack_quick", "ack_quick", "ack_quick", "delayed_ack", "finwait2_fin"]
    fin = next(s for s in sent(trace) if s.segment.flags == "FA" and s.src == "client")
    fin_ack = next(
        s for s in sent(trace) if s.src == "server" and s.segment.ack == fin.segment.seq + 1
    )
    arrival = fin.time + LINUX_P.rtt / 2
    assert fin_ack.time - arrival == pytest.approx(LINUX.delack_us / 1e6)


def test_fin_ack_without_data_waits_one_tick_only():
    trace = close.build(LINUX_P, close.CloseOptions())
    fin, ack = sent(trace)[:2]
    assert ack.segment.reason == "delayed_ack"
    assert ack.time - (fin.time + LINUX_P.rtt / 2) == pytest.approx(LINUX.delack_first_us / 1e6)


def test_merge_is_three_segments_only_with_delayed_acks():
    assert shapes(close.build(LINUX_P, close.CloseOptions(merge=True))) == [
        ("client", "FA", 0),
        ("server", "FA", 0),
        ("client", "A", 0),
    ]
    assert len(sent(close.build(MINIMAL_P, close.CloseOptions(merge=True)))) == 4


def test_the_ack_rides_on_the_answer_in_ping_pong_mode():
    """Once the server answers within the delayed-ACK time it is in ping-pong mode: the ACK of
    the client's second request waits and rides on the second answer."""
    from netlab.sim.endpoint import Endpoint

    client = Endpoint("client", "server", 1000, stack=LINUX, nodelay=True)
    server = Endpoint("server", "client", 5000, stack=LINUX, nodelay=True)  # no Nagle wait
    client.synchronize(5000, server)
    server.synchronize(1000, client, passive=True)
    first = client.send(b"ask")
    assert [r.reason for r in server.receive(first[0]).replies] == ["ack_quick"]
    server.send(b"answer")  # at once: a reply within the delayed-ACK time
    assert server.pingpong
    got = server.receive(client.send(b"again")[0])
    assert got.replies == [] and server.ack_owed  # the ACK waits ...
    reply = server.send(b"answer 2")
    assert reply[0].has_ack and not server.ack_owed  # ... and rides on the answer


def test_rounds_put_the_delayed_acks_on_the_answers():
    """Three request/answer rounds: quick ACKs in the first; from the second on each side is in
    ping-pong mode and its ACK rides on its next data; the last answer's ACK waits 40 ms."""
    trace = connection.build(LINUX_P, [b"ask"], [b"answer"], rounds=3)
    reasons = [(s.src, s.segment.flags, s.segment.reason) for s in sent(trace)[3:]]
    assert reasons == [
        ("client", "PA", "send_data"),
        ("server", "A", "ack_quick"),
        ("server", "PA", "send_data"),
        ("client", "A", "ack_quick"),
        ("client", "PA", "send_data"),
        ("server", "PA", "send_data_piggyback"),
        ("client", "PA", "send_data_piggyback"),
        ("server", "PA", "send_data_piggyback"),
        ("client", "A", "delayed_ack"),
        ("client", "FA", "active_close"),
        ("server", "A", "delayed_ack"),
        ("server", "FA", "passive_close"),
        ("client", "A", "finwait2_fin"),
    ]
    with pytest.raises(ValueError):
        connection.build(LINUX_P, [b"ask"], [b"answer"], rounds=11)


def test_nagle_meets_delayed_ack_in_a_write_write_read_exchange():
    """Round 2 of header + body writes: the body waits for the header's ACK (Nagle), which the
    server, in ping-pong mode and waiting for the whole request, delays 40 ms."""
    trace = connection.build(LINUX_P, [b"HEAD", b"body"], [b"OK"], rounds=2)
    bodies = [s for s in sent(trace) if s.src == "client" and s.segment.payload == b"body"]
    heads = [s for s in sent(trace) if s.src == "client" and s.segment.payload == b"HEAD"]
    first, second = (b.time - h.time for h, b in zip(heads, bodies, strict=True))
    assert first == pytest.approx(LINUX_P.rtt)  # round 1: a quick ACK, one round trip
    assert second == pytest.approx(LINUX_P.rtt + LINUX.delack_us / 1e6)  # round 2: + 40 ms
    stall = [n for n in trace.remember if n.key == "tcp.connection.remember.stall"]
    assert [n.params["ms"] for n in stall] == [round(second * 1000)]
    nodelay = connection.build(replace(LINUX_P, nodelay=True), [b"HEAD", b"body"], [b"OK"], 2)
    assert not [n for n in nodelay.remember if n.key == "tcp.connection.remember.stall"]


def test_two_full_segments_are_acknowledged_at_once():
    from netlab.sim.endpoint import Endpoint

    client = Endpoint("client", "server", 1000, stack=LINUX)
    server = Endpoint("server", "client", 5000, stack=LINUX)
    client.synchronize(5000, server)
    server.synchronize(1000, client, passive=True)
    server.pingpong = True  # out of quick-ACK mode
    segments = client.send(b"x" * (2 * client.mss))
    assert [len(s.payload) for s in segments] == [client.mss, client.mss]
    assert server.receive(segments[0]).replies == []
    assert [r.reason for r in server.receive(segments[1]).replies] == ["ack_two_full"]


# -- retry limits ---------------------------------------------------------------------------------


def test_server_gives_up_after_five_synack_retransmissions():
    trace = handshake.build(replace(LINUX_P, lose="ack", lose_times=6))
    synacks = [s.time for s in sent(trace) if s.segment.flags == "SA"]
    assert synacks == [0.01, 1.01, 3.01, 7.01, 15.01, 31.01]
    gave_up = next(s for s in trace.steps if s.event == "give_up")
    assert gave_up.src == "server" and gave_up.time == pytest.approx(63.01)
    assert gave_up.states["server"] == "LISTEN"
    data, reset = sent(trace)[-2:]
    assert (data.src, data.segment.flags, reset.src, reset.segment.flags) == (
        "client",
        "PA",
        "server",
        "R",
    )
    assert reset.segment.seq == data.segment.ack and reset.segment.options == ()
    assert trace.steps[-1].states == {"client": "CLOSED", "server": "LISTEN"}


def test_client_gives_up_after_six_syn_retransmissions():
    from netlab.sim.hosts import conversation, endpoints, resolve

    r = resolve(LINUX_P)
    client, server = endpoints(LINUX_P, r)
    server.open_passive()
    conv = conversation(LINUX_P, r, client, server)
    conv.at(0, "client", client.open_active, handshake.Note("tcp.app.connect", {}))
    conv.lose(lambda seg, _ep: seg.flags == "S", 7)
    steps = conv.run()
    syns = [s.time for s in steps if s.segment is not None and s.segment.flags == "S"]
    assert syns == [0, 1, 3, 7, 15, 31, 63]  # the SYN and 6 retransmissions
    gave_up = next(s for s in steps if s.event == "give_up")
    assert (gave_up.src, gave_up.time, gave_up.states["client"]) == ("client", 127.0, "CLOSED")


def test_the_handshake_measures_the_rtt_for_the_data_rto():
    """RFC 6298: 1 s until a sample; the SYN's round trip is the client's first sample, so lost
    data is resent after RTT + max(4 x RTT/2, 200 ms) on Linux, and after 1 s on the minimal
    stack (RFC 6298's floor)."""
    from netlab.sim.hosts import connecting, resolve

    for stack, wait in ((LINUX, 0.02 + 0.2), (MINIMAL, 1.0)):
        p = replace(LINUX_P, stack=stack)
        r = resolve(p)
        client, _server, conv = connecting(p, r)
        send = Note("tcp.app.send", {"side": "client", "count": 1, "bytes": 1})
        conv.when("client", State.ESTABLISHED, lambda c=client: c.send(b"x"), send)
        conv.lose(lambda seg, _ep: bool(seg.payload), 1)
        steps = [s for s in conv.run() if s.segment is not None and s.segment.payload]
        assert steps[1].time - steps[0].time == pytest.approx(wait), stack.name


def test_a_repeated_syn_rearms_the_synack_timer_as_linux_does():
    """tcp_check_req: the SYN,ACK answering a repeated SYN re-arms the timer with its current
    timeout, so with two SYN,ACKs lost the next one leaves 1 s after the repeated SYN."""
    trace = handshake.build(replace(LINUX_P, lose="syn-ack", lose_times=2))
    synacks = [(s.time, s.segment.reason) for s in sent(trace) if s.segment.flags == "SA"]
    assert synacks == [(0.01, "listen_syn"), (1.01, "dup_syn"), (2.01, "rto_synack")]


# -- close() resets -------------------------------------------------------------------------------


def test_close_with_unread_data_resets():
    trace = close.build(LINUX_P, close.CloseOptions(unread=True))
    assert shapes(trace) == [("server", "PA", 3), ("client", "A", 0), ("client", "RA", 0)]
    rst = sent(trace)[-1].segment
    assert rst.reason == "close_unread" and rst.option_kinds == LATER_KINDS
    assert not any(s.event and s.event.startswith("2msl") for s in trace.steps)
    assert trace.steps[-1].states == {"client": "CLOSED", "server": "CLOSED"}


def test_data_after_a_full_close_is_answered_with_rst():
    trace = close.build(LINUX_P, close.CloseOptions(late_data=True, data=b"late"))
    assert shapes(trace) == [
        ("client", "FA", 0),
        ("server", "A", 0),
        ("server", "PA", 4),
        ("client", "R", 0),
    ]
    data, rst = sent(trace)[-2:]
    assert (rst.segment.seq, rst.segment.options, rst.segment.window) == (data.segment.ack, (), 0)
    assert trace.steps[-1].states == {"client": "CLOSED", "server": "CLOSED"}


def test_half_close_is_shutdown_and_still_reads():
    trace = close.build(LINUX_P, close.CloseOptions(half_close=True, data=b"more"))
    assert trace.steps[0].notes[0].key == "tcp.app.shutdown"
    assert shapes(trace) == [
        ("client", "FA", 0),
        ("server", "A", 0),
        ("server", "PA", 4),
        ("client", "A", 0),
        ("server", "FA", 0),
        ("client", "A", 0),
    ]
