"""Sequence-number bookkeeping of ``netlab.sim.endpoint``: two endpoints driven by hand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.sim.endpoint import Endpoint
from netlab.sim.segment import DEFAULT_MSS, MOD, Segment, seq_add, seq_le, seq_lt
from netlab.sim.stack import LINUX
from netlab.sim.tcp import State

S = State
SEQ = st.integers(min_value=0, max_value=MOD - 1)


def only(segments: list[Segment]) -> Segment:
    assert len(segments) == 1, segments
    return segments[0]


def handshake(
    client_isn: int = 1000,
    server_isn: int = 5000,
    *,
    client_kw: dict | None = None,
    server_kw: dict | None = None,
) -> tuple[Endpoint, Endpoint]:
    """A three-way handshake, checked step by step; return (client, server), both ESTABLISHED."""
    client = Endpoint("client", "server", client_isn, **(client_kw or {}))
    server = Endpoint("server", "client", server_isn, **(server_kw or {}))
    assert server.open_passive() == []
    syn = only(client.open_active())
    synack = only(server.receive(syn).replies)
    ack = only(client.receive(synack).replies)
    assert server.receive(ack).replies == []
    assert client.state is S.ESTABLISHED
    assert server.state is S.ESTABLISHED
    return client, server


def deliver(segments: list[Segment], to: Endpoint) -> list[Segment]:
    """Hand every segment to ``to``; return all its replies in order."""
    replies: list[Segment] = []
    for seg in segments:
        replies.extend(to.receive(seg).replies)
    return replies


def transfer(sender: Endpoint, receiver: Endpoint, data: bytes) -> list[Segment]:
    """``sender.send(data)``, deliver it, deliver the ACKs back; return the data segments."""
    segments = sender.send(data)
    acks = deliver(segments, receiver)
    assert deliver(acks, sender) == []
    return segments


# -- handshake -----------------------------------------------------------------------------------


def test_handshake_numbers() -> None:
    client = Endpoint("client", "server", 1000, mss=1460)
    server = Endpoint("server", "client", 5000, mss=536)
    server.open_passive()
    assert server.state is S.LISTEN

    syn = only(client.open_active())
    assert client.state is S.SYN_SENT
    assert (syn.src, syn.dst, syn.flags, syn.seq, syn.ack) == ("client", "server", "S", 1000, 0)
    assert syn.mss == 1460
    assert syn.seg_len == 1
    assert client.snd_nxt == 1001  # the SYN consumes one sequence number

    got = server.receive(syn)
    synack = only(got.replies)
    assert server.state is S.SYN_RECEIVED
    assert [a.key for a in got.arcs] == ["listen_syn"]
    assert (synack.flags, synack.seq, synack.ack) == ("SA", 5000, 1001)  # ack = peer ISN + 1
    assert synack.mss == 536
    assert server.irs == 1000
    assert server.rcv_nxt == 1001
    assert server.snd_nxt == 5001

    got = client.receive(synack)
    ack = only(got.replies)
    assert client.state is S.ESTABLISHED
    assert (ack.flags, ack.seq, ack.ack) == ("A", 1001, 5001)
    assert ack.mss is None
    assert client.mss == 536  # the smaller MSS wins
    assert client.snd_una == client.snd_nxt == 1001
    assert client.rcv_nxt == 5001
    assert not client.outstanding

    got = server.receive(ack)
    assert got.replies == []
    assert server.state is S.ESTABLISHED
    assert server.mss == 536
    assert server.snd_una == 5001
    assert not server.outstanding


def test_synchronize_matches_a_real_handshake() -> None:
    client, _server = handshake(1000, 5000)
    shortcut = Endpoint("client", "server", 1000)
    shortcut.synchronize(5000)
    assert shortcut.state is S.ESTABLISHED
    for attr in ("iss", "snd_una", "snd_nxt", "irs", "rcv_nxt"):
        assert getattr(shortcut, attr) == getattr(client, attr), attr


def test_repeated_syn_in_syn_received_gets_the_syn_ack_again() -> None:
    client = Endpoint("client", "server", 1000)
    server = Endpoint("server", "client", 5000, state=S.LISTEN)
    syn = only(client.open_active())
    synack = only(server.receive(syn).replies)  # ... and the SYN,ACK is lost
    again = only(client.retransmission_timeout())
    assert again.retransmission is True
    assert (again.flags, again.seq) == ("S", 1000)

    got = server.receive(again)
    assert got.duplicate is True
    assert server.state is S.SYN_RECEIVED
    resent = only(got.replies)
    assert resent.retransmission is True
    assert (resent.flags, resent.seq, resent.ack) == (synack.flags, synack.seq, synack.ack)
    assert resent.mss == synack.mss
    assert server.snd_nxt == 5001  # resending does not consume more sequence space

    ack = only(client.receive(resent).replies)
    server.receive(ack)
    assert client.state is server.state is S.ESTABLISHED


def test_isn_wraps_around() -> None:
    client, server = handshake(MOD - 1, MOD - 1)
    assert client.iss == MOD - 1
    assert client.snd_nxt == 0  # the ACK of the SYN is 0
    assert server.rcv_nxt == 0
    assert client.rcv_nxt == 0
    segs = transfer(client, server, b"abc")
    assert only(segs).seq == 0
    assert server.rcv_nxt == 3
    assert client.snd_una == 3


def test_isn_wrap_syn_ack_is_zero() -> None:
    client = Endpoint("client", "server", MOD - 1)
    server = Endpoint("server", "client", 7, state=S.LISTEN)
    syn = only(client.open_active())
    assert syn.seq == MOD - 1
    synack = only(server.receive(syn).replies)
    assert synack.ack == 0
    ack = only(client.receive(synack).replies)
    assert (ack.seq, ack.ack) == (0, 8)


def test_syn_to_closed_port_gets_rst_ack() -> None:
    client = Endpoint("client", "server", 1000)
    server = Endpoint("server", "client", 5000)  # CLOSED: nobody listens
    syn = only(client.open_active())
    got = server.receive(syn)
    rst = only(got.replies)
    assert rst.flags == "RA"
    assert rst.seq == 0
    assert rst.ack == seq_add(syn.seq, 1)
    assert server.state is S.CLOSED
    assert [a.key for a in got.arcs] == ["closed_refuses"]

    got = client.receive(rst)
    assert client.state is S.CLOSED  # connection refused
    assert got.replies == []
    assert not client.outstanding


def test_rst_to_closed_port_is_not_answered() -> None:
    server = Endpoint("server", "client", 5000)
    got = server.receive(Segment("client", "server", "R", 10, 0))
    assert got.replies == []
    assert server.state is S.CLOSED


def test_ack_to_closed_port_gets_rst_with_seq_of_the_ack() -> None:
    server = Endpoint("server", "client", 5000)
    rst = only(server.receive(Segment("client", "server", "A", 10, 777)).replies)
    assert (rst.flags, rst.seq) == ("R", 777)


# -- data ----------------------------------------------------------------------------------------


def test_data_ack_advances_by_payload_length() -> None:
    client, server = handshake(1000, 5000)
    seg = only(client.send(b"hello"))
    assert (seg.flags, seg.seq, seg.ack, seg.payload) == ("PA", 1001, 5001, b"hello")
    assert client.snd_nxt == 1006
    assert client.outstanding

    got = server.receive(seg)
    assert got.delivered == b"hello"
    ack = only(got.replies)
    assert (ack.flags, ack.seq, ack.ack) == ("A", 5001, 1006)
    assert server.rcv_nxt == 1006

    client.receive(ack)
    assert client.snd_una == 1006
    assert not client.outstanding

    # and the other way
    segs = transfer(server, client, b"world!")
    assert only(segs).seq == 5001
    assert client.rcv_nxt == 5007
    assert bytes(client.received) == b"world!"
    assert bytes(server.received) == b"hello"


def test_send_larger_than_mss_is_split() -> None:
    client, server = handshake(1000, 5000, server_kw={"mss": 536})
    assert client.mss == 536
    data = bytes(range(256)) * 5  # 1280 bytes
    segs = client.send(data)
    assert [len(s.payload) for s in segs] == [536, 536, 208]
    assert [s.seq for s in segs] == [1001, 1537, 2073]
    assert b"".join(s.payload for s in segs) == data
    acks = deliver(segs, server)
    assert [a.ack for a in acks] == [1537, 2073, 2281]
    deliver(acks, client)
    assert bytes(server.received) == data
    assert client.snd_una == client.snd_nxt == 2281


def test_default_mss_split() -> None:
    client, server = handshake()
    segs = transfer(client, server, b"x" * (DEFAULT_MSS + 1))
    assert [len(s.payload) for s in segs] == [DEFAULT_MSS, 1]


def test_duplicate_data_is_acked_not_delivered_twice() -> None:
    client, server = handshake(1000, 5000)
    seg = only(transfer(client, server, b"abc"))
    got = server.receive(seg)
    assert got.duplicate is True
    assert got.delivered == b""
    assert only(got.replies).ack == 1004
    assert bytes(server.received) == b"abc"


def test_out_of_order_data_is_not_delivered_early() -> None:
    client, server = handshake(1000, 5000)
    client.send(b"a" * 10)  # this segment is late
    second = only(client.send(b"b" * 10))
    got = server.receive(second)
    assert got.delivered == b""
    assert server.rcv_nxt == 1001
    assert bytes(server.received) == b""
    assert only(got.replies).ack == 1001  # duplicate ACK for the hole


def test_rst_outside_the_window_is_ignored() -> None:
    client, _server = handshake(1000, 5000)
    far = seq_add(client.rcv_nxt, 2**30)
    client.receive(Segment("server", "client", "R", far, 0))
    assert client.state is S.ESTABLISHED


# -- closing -------------------------------------------------------------------------------------


def test_normal_close() -> None:
    client, server = handshake(1000, 5000)
    fin = only(client.close())
    assert client.state is S.FIN_WAIT_1
    assert (fin.flags, fin.seq, fin.ack) == ("FA", 1001, 5001)
    assert client.snd_nxt == 1002  # the FIN consumes one sequence number

    got = server.receive(fin)
    assert server.state is S.CLOSE_WAIT
    ack = only(got.replies)
    assert (ack.flags, ack.seq, ack.ack) == ("A", 5001, 1002)

    got = client.receive(ack)
    assert client.state is S.FIN_WAIT_2
    assert got.replies == []

    fin2 = only(server.close())
    assert server.state is S.LAST_ACK
    assert (fin2.flags, fin2.seq, fin2.ack) == ("FA", 5001, 1002)

    got = client.receive(fin2)
    assert client.state is S.TIME_WAIT
    last = only(got.replies)
    assert (last.flags, last.seq, last.ack) == ("A", 1002, 5002)

    got = server.receive(last)
    assert server.state is S.CLOSED
    assert got.replies == []

    client.time_wait_timeout()
    assert client.state is S.CLOSED


LINUX_KW = {"stack": LINUX}


def test_merged_close_with_delayed_fin_ack() -> None:
    client, server = handshake(1000, 5000, client_kw=LINUX_KW, server_kw=LINUX_KW)
    fin = only(client.close())

    got = server.receive(fin)
    assert server.state is S.CLOSE_WAIT
    assert got.replies == []  # the ACK is delayed (Linux: a FIN puts it in ping-pong mode) ...
    assert server.ack_owed is True
    assert server.delack_us() == LINUX.delack_first_us  # no data yet: the next timer tick

    merged = only(server.close())  # ... and rides on the server's FIN
    assert server.state is S.LAST_ACK
    assert server.ack_owed is False
    assert merged.flags == "FA"
    assert merged.ack == seq_add(fin.seq, 1)  # covers the client's FIN
    assert merged.seq == 5001

    got = client.receive(merged)
    assert client.state is S.TIME_WAIT  # FIN-WAIT-1 straight to TIME-WAIT: one arc (note 2)
    assert [a.key for a in got.arcs] == ["finwait1_finack"]
    last = only(got.replies)
    assert (last.flags, last.ack) == ("A", 5002)

    server.receive(last)
    assert server.state is S.CLOSED


def test_delayed_fin_ack_timer_sends_the_ack() -> None:
    client, server = handshake(1000, 5000, client_kw=LINUX_KW, server_kw=LINUX_KW)
    server.receive(only(client.close()))
    ack = only(server.delayed_ack_timeout())
    assert (ack.flags, ack.ack, ack.reason) == ("A", 1002, "delayed_ack")
    assert server.ack_owed is False
    assert server.delayed_ack_timeout() == []
    client.receive(ack)
    assert client.state is S.FIN_WAIT_2


def test_simultaneous_close() -> None:
    client, server = handshake(1000, 5000)
    fin_c = only(client.close())
    fin_s = only(server.close())  # the FINs cross on the wire

    ack_c = only(client.receive(fin_s).replies)
    ack_s = only(server.receive(fin_c).replies)
    assert client.state is S.CLOSING
    assert server.state is S.CLOSING
    assert (ack_c.flags, ack_c.seq, ack_c.ack) == ("A", 1002, 5002)
    assert (ack_s.flags, ack_s.seq, ack_s.ack) == ("A", 5002, 1002)

    assert client.receive(ack_s).replies == []
    assert server.receive(ack_c).replies == []
    assert client.state is S.TIME_WAIT
    assert server.state is S.TIME_WAIT


def test_duplicate_fin_in_time_wait_is_acked() -> None:
    client, server = handshake(1000, 5000)
    fin_c = only(client.close())
    client.receive(only(server.receive(fin_c).replies))
    assert client.state is S.FIN_WAIT_2
    fin = only(server.close())
    first_ack = only(client.receive(fin).replies)  # ... lost on its way
    assert client.state is S.TIME_WAIT

    got = client.receive(fin)  # the server retransmits its FIN
    assert got.duplicate is True
    assert client.state is S.TIME_WAIT
    assert [a.key for a in got.arcs] == ["timewait_fin"]
    again = only(got.replies)
    assert (again.flags, again.seq, again.ack) == (first_ack.flags, first_ack.seq, 5002)

    server.receive(again)
    assert server.state is S.CLOSED


# -- bugs against RFC 9293 -----------------------------------------------------------------------


def test_simultaneous_open_syn_acks_establish() -> None:
    a = Endpoint("a", "b", 100)
    b = Endpoint("b", "a", 300)
    syn_a, syn_b = only(a.open_active()), only(b.open_active())
    synack_a = only(a.receive(syn_b).replies)
    synack_b = only(b.receive(syn_a).replies)
    assert a.state is b.state is S.SYN_RECEIVED
    assert (synack_a.flags, synack_a.seq, synack_a.ack) == ("SA", 100, 301)
    a.receive(synack_b)
    b.receive(synack_a)
    assert a.state is S.ESTABLISHED
    assert b.state is S.ESTABLISHED


def test_simultaneous_open_eventually_establishes() -> None:
    a = Endpoint("a", "b", 100)
    b = Endpoint("b", "a", 300)
    syn_a, syn_b = only(a.open_active()), only(b.open_active())
    to_b = a.receive(syn_b).replies
    to_a = b.receive(syn_a).replies
    for _ in range(4):
        if a.state is b.state is S.ESTABLISHED:
            break
        to_b, to_a = deliver(to_a, a), deliver(to_b, b)
    assert a.state is S.ESTABLISHED
    assert b.state is S.ESTABLISHED
    assert (a.snd_nxt, a.rcv_nxt, b.snd_nxt, b.rcv_nxt) == (101, 301, 301, 101)


def test_syn_sent_unacceptable_ack_gets_reset() -> None:
    client = Endpoint("client", "server", 1000)
    client.open_active()
    got = client.receive(Segment("server", "client", "SA", 5000, 12345))
    assert client.state is S.SYN_SENT
    rst = only(got.replies)
    assert (rst.flags, rst.seq) == ("R", 12345)


# -- sequence arithmetic -------------------------------------------------------------------------


@given(a=SEQ, n=st.integers(min_value=1, max_value=2**31 - 1))
def test_seq_lt_after_adding(a: int, n: int) -> None:
    b = seq_add(a, n)
    assert seq_lt(a, b)
    assert seq_le(a, b)
    assert not seq_lt(b, a)
    assert not seq_le(b, a)


@given(a=SEQ, n=st.integers(min_value=-(2**40), max_value=2**40))
def test_seq_add_stays_in_range(a: int, n: int) -> None:
    r = seq_add(a, n)
    assert 0 <= r < MOD
    assert r == (a + n) % MOD


@given(a=SEQ, m=st.integers(0, 2**33), n=st.integers(0, 2**33))
def test_seq_add_associates(a: int, m: int, n: int) -> None:
    assert seq_add(seq_add(a, m), n) == seq_add(a, m + n)
    assert seq_add(a, MOD) == a


@given(a=SEQ)
def test_seq_reflexive(a: int) -> None:
    assert not seq_lt(a, a)
    assert seq_le(a, a)


@given(a=SEQ, b=SEQ)
def test_seq_lt_is_antisymmetric(a: int, b: int) -> None:
    assert seq_le(a, b) == (a == b or seq_lt(a, b))
    assert not (seq_lt(a, b) and seq_lt(b, a))
    if a != b and (b - a) % MOD != 2**31:
        assert seq_lt(a, b) != seq_lt(b, a)


def test_seq_comparisons_across_the_wrap() -> None:
    assert seq_lt(MOD - 1, 0)
    assert seq_lt(MOD - 10, 5)
    assert not seq_lt(5, MOD - 10)
    assert seq_le(MOD - 1, 0)


# -- property: data arrives whole and in order, whatever the ISNs ---------------------------------


@settings(max_examples=100, deadline=None)
@given(
    client_isn=SEQ,
    server_isn=SEQ,
    messages=st.lists(st.binary(min_size=1, max_size=3000), max_size=5),
)
def test_data_arrives_in_order_for_any_isns(
    client_isn: int, server_isn: int, messages: list[bytes]
) -> None:
    client, server = handshake(client_isn, server_isn)
    for message in messages:
        transfer(client, server, message)
    total = sum(len(m) for m in messages)
    assert server.rcv_nxt == (client_isn + 1 + total) % MOD
    assert bytes(server.received) == b"".join(messages)
    assert client.snd_una == client.snd_nxt == server.rcv_nxt
    assert not client.outstanding
