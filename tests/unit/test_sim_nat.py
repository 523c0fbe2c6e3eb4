"""``netlab.sim.nat``: the translation table, the checksums, and the scenario built on them.

The table is checked by hypothesis against the rules it must keep whatever the traffic: live
mappings are one-to-one, PAT's public ports never collide, replies map back to the host that
sent, unsolicited packets are dropped, and a mapping dies exactly ``timeout`` seconds after its
last packet. The checksums are RFC 1071's, checked against the RFC's own example, against
``ipaddress``-free sums computed here, and against what scapy writes into the real frames.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlab import i18n
from netlab.cli import sim_nat as cli
from netlab.i18n import Note
from netlab.sim import datagram, nat
from netlab.sim.checksum import internet_checksum
from netlab.sim.datagram import Datagram, Dns
from netlab.sim.nat import NatOptions
from netlab.sim.translation import NatTable

PLACEHOLDER = re.compile(r"\{(\w+)\}")

# -- checksums ------------------------------------------------------------------------------------


def ones_complement_sum(data: bytes) -> int:
    """An independent RFC 1071 sum: byte pairs added one by one, carries folded at each step."""
    if len(data) % 2:
        data += b"\0"
    total = 0
    for i in range(0, len(data), 2):
        total += data[i] << 8 | data[i + 1]
        total = (total & 0xFFFF) + (total >> 16)
    return total


def test_internet_checksum_rfc1071_example():
    # RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement).
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert ones_complement_sum(data) == 0xDDF2
    assert internet_checksum(data) == 0xDDF2 ^ 0xFFFF


@given(st.binary(max_size=200))
def test_internet_checksum_matches_an_independent_sum(data):
    assert internet_checksum(data) == ones_complement_sum(data) ^ 0xFFFF


@given(st.binary(min_size=2, max_size=60).filter(lambda b: len(b) % 2 == 0))
def test_a_checksummed_block_sums_to_all_ones(data):
    """The receiver's check: data plus its checksum sums to 0xffff."""
    checksum = internet_checksum(data)
    assert ones_complement_sum(data + checksum.to_bytes(2, "big")) in (0xFFFF, 0)


def _datagrams():
    yield Datagram("TCP", "192.168.1.10", 51000, "198.51.100.80", 80, 64, 1, "S", 1000, mss=1460)
    yield Datagram(
        "TCP", "198.51.100.80", 80, "203.0.113.5", 1024, 54, 2, "SA", 5000, 1001, mss=1460
    )
    yield Datagram("TCP", "198.51.100.80", 80, "203.0.113.5", 1024, 54, 3, "FA", 5001, 1001)
    yield Datagram("UDP", "192.168.1.12", 51200, "192.0.2.53", 53, 64, 4, dns=Dns(0x1A2B, False))
    yield Datagram(
        "UDP",
        "192.0.2.53",
        53,
        "203.0.113.5",
        51200,
        54,
        5,
        dns=Dns(7, True, answer="198.51.100.80"),
    )


@pytest.mark.parametrize("d", list(_datagrams()), ids=lambda d: f"{d.proto}-{d.flags or 'dns'}")
def test_pure_checksums_equal_scapys(d):
    from netlab.sim.packets import nat as wire

    pkt = wire.frame(d, "02:00:00:00:00:10", "02:00:00:00:00:fe")
    assert wire.checksums(pkt) == (datagram.ip_checksum(d), datagram.l4_checksum(d))


def test_dns_bytes_equal_scapys():
    from scapy.layers.dns import DNS

    from netlab.sim.packets import nat as wire

    for d in _datagrams():
        if d.dns is not None:
            pkt = wire.frame(d, "02:00:00:00:00:10", "02:00:00:00:00:fe")
            assert bytes(pkt[DNS]) == datagram.dns_bytes(d.dns)


def test_translation_changes_both_checksums_and_scapy_agrees():
    from netlab.sim.packets import nat as wire

    before = next(iter(_datagrams()))
    after = before.rewritten(("203.0.113.5", 1024), ("198.51.100.80", 80), 63)
    old = wire.frame(before, "02:00:00:00:00:10", "02:00:00:00:00:fe")
    new = wire.translate(old, after, "02:00:00:00:01:fe", "02:00:00:00:01:01")
    assert wire.checksums(new) == (datagram.ip_checksum(after), datagram.l4_checksum(after))
    assert wire.checksums(new) != wire.checksums(old)
    assert new is not old and old.src == "02:00:00:00:00:10"  # the original is untouched


# -- the table ------------------------------------------------------------------------------------

INSIDE = [f"192.168.1.{10 + i}" for i in range(4)]
SERVERS = [("198.51.100.80", 80), ("192.0.2.53", 53), ("192.0.2.66", 443)]
POOL = ("203.0.113.5", "203.0.113.6")


@st.composite
def traffic(draw):
    """A timeline of operations: (delay, kind, proto, inside host, port, server, target port)."""
    ops = []
    for _ in range(draw(st.integers(1, 40))):
        ops.append(
            (
                draw(st.sampled_from([0.0, 0.5, 1.0, 5.0, 9.99, 10.0, 10.01, 25.0])),
                draw(st.sampled_from(["out", "out", "in"])),
                draw(st.sampled_from(["TCP", "UDP"])),
                draw(st.integers(0, len(INSIDE) - 1)),
                draw(st.sampled_from([1024, 1025, 40000, 40001, 51000])),
                draw(st.integers(0, len(SERVERS) - 1)),
                draw(st.sampled_from([22, 1024, 1025, 1026, 40000, 51000])),
            )
        )
    return ops


def _key_inside(m):
    return (m.proto, m.local_ip, m.local_port)


def _key_global(m):
    return (m.proto, m.global_ip, m.global_port)


def check_invariants(table: NatTable) -> None:
    live = table.mappings
    assert len({_key_inside(m) for m in live}) == len(live), "two mappings for one inside address"
    assert len({_key_global(m) for m in live}) == len(live), "two mappings share a global address"
    if table.mode == "pat":
        ports = [(m.proto, m.global_port) for m in live]
        assert len(set(ports)) == len(ports), "PAT public ports collide"
        assert {m.global_ip for m in live} <= {table.public[0]}
    if table.mode == "dynamic":
        assert len({m.global_ip for m in live}) == len(live) <= len(table.public)
    for m in live:
        expires = m.expires(table.timeout)
        assert expires is None or expires > table.now, "an expired mapping is still in the table"


def run_traffic(table: NatTable, ops, seed_port_range=None) -> None:
    now = 0.0
    for delay, kind, proto, host, port, server, target in ops:
        now = round(now + delay, 6)
        before = {
            (_key_inside(m)): m for m in table.mappings if (m.expires(table.timeout) or 1e18) > now
        }
        src, dst = (INSIDE[host], port), SERVERS[server]
        if kind == "out":
            taken = {(m.proto, m.global_port) for m in before.values()}
            pool_free = [
                ip for ip in table.public if ip not in {m.global_ip for m in before.values()}
            ]
            existing = next(
                (
                    m
                    for m in before.values()
                    if m.local_ip == src[0]
                    and m.proto in (None, proto)
                    and m.local_port in (None, port)
                ),
                None,
            )
            out = table.outbound(now, proto, src, dst)
            if existing is not None:
                assert out.ok and out.mapping is existing and not out.created
            elif table.mode == "dynamic" and not pool_free:
                assert out.reason == "pool_exhausted" and out.mapping is None
            else:
                assert out.ok and out.created
                if table.mode == "pat":
                    # port preservation: the port is kept exactly when it was free
                    assert (out.src[1] == port) == ((proto, port) not in taken)
                if table.mode == "dynamic":
                    assert out.src[0] == pool_free[0]
            if out.ok:
                # the reply, at once, maps back to the very host and port that sent
                back = table.inbound(now, proto, dst, out.src)
                assert back.ok and back.dst == src
        else:
            glob = (
                (table.public[0], target)
                if table.mode == "pat"
                else (table.public[host % 2], target)
            )
            mapped = any(
                m.global_ip == glob[0]
                and m.proto in (None, proto)
                and m.global_port in (None, target)
                for m in before.values()
            )
            back = table.inbound(now, proto, dst, glob)
            if not mapped:
                assert back.reason == "no_mapping" and back.dst is None
            elif back.ok:
                assert back.dst[0] == back.mapping.local_ip
        check_invariants(table)


@settings(max_examples=300, deadline=None)
@given(traffic(), st.sampled_from([None, 1, 2]))
def test_pat_table_keeps_its_rules(ops, seed):
    import random

    rng = random.Random(seed) if seed is not None else None
    run_traffic(NatTable("pat", ("203.0.113.5",), 10.0, rng=rng), ops)


@settings(max_examples=300, deadline=None)
@given(traffic())
def test_dynamic_table_keeps_its_rules(ops):
    run_traffic(NatTable("dynamic", POOL, 10.0), ops)


@settings(max_examples=100, deadline=None)
@given(traffic())
def test_static_table_never_forgets(ops):
    static = {INSIDE[0]: POOL[0], INSIDE[1]: POOL[1]}
    table = NatTable("static", (), 10.0, static=static)
    now = 0.0
    for delay, _kind, proto, host, port, server, _target in ops:
        now += delay
        out = table.outbound(now, proto, (INSIDE[host], port), SERVERS[server])
        if host < 2:
            assert out.ok and out.src == (static[INSIDE[host]], port) and not out.created
        else:
            assert out.reason == "no_mapping"
        assert len(table.mappings) == 2 and table.next_expiry() is None
    assert table.expire(now + 1e6) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["TCP", "UDP"]), st.integers(1024, 1030)), max_size=30),
    st.integers(1024, 1026),
)
def test_pat_ports_run_out_without_collision(flows, high):
    """A tiny port range: every mapping gets a distinct port, and once the range is full a new
    one is refused (never a shared port)."""
    table = NatTable("pat", ("203.0.113.5",), 10.0, port_range=(1024, high))
    for i, (proto, port) in enumerate(flows):
        inside = (INSIDE[i % len(INSIDE)], port)
        out = table.outbound(0.0, proto, inside, SERVERS[0])
        check_invariants(table)
        if not out.ok:
            assert out.reason == "ports_exhausted"
            used = {m.global_port for m in table.mappings if m.proto == proto}
            assert port in used and set(range(1024, high + 1)) <= used


@settings(max_examples=200, deadline=None)
@given(st.floats(0.001, 100, allow_nan=False), st.floats(0, 50, allow_nan=False))
def test_expiry_exactly_after_the_timeout(timeout, start):
    start = round(start, 6)
    table = NatTable("pat", ("203.0.113.5",), timeout)
    out = table.outbound(start, "UDP", ("192.168.1.10", 40000), ("192.0.2.53", 53))
    deadline = out.mapping.expires(timeout)
    assert deadline == round(start + timeout, 6)
    just_before = deadline - min(timeout / 2, 1e-3)
    if just_before > start:
        assert table.expire(just_before) == []
        assert table.inbound(just_before, "UDP", ("192.0.2.53", 53), out.src).ok
        deadline = table.mappings[0].expires(timeout)  # the reply restarted the timer
    assert table.expire(deadline) == [out.mapping]
    late = table.inbound(deadline, "UDP", ("192.0.2.53", 53), out.src)
    assert late.reason == "no_mapping"


def test_pat_filters_strangers_but_lets_the_peer_in():
    table = NatTable("pat", ("203.0.113.5",), 30)
    out = table.outbound(0, "TCP", ("192.168.1.10", 51000), ("198.51.100.80", 80))
    assert table.inbound(1, "TCP", ("192.0.2.66", 4444), out.src).reason == "filtered"
    assert table.inbound(1, "TCP", ("198.51.100.80", 80), out.src).dst == ("192.168.1.10", 51000)
    assert table.inbound(1, "UDP", ("198.51.100.80", 80), out.src).reason == "no_mapping"


def test_linux_search_ranges_for_low_ports():
    table = NatTable("pat", ("203.0.113.5",), 30)
    for port, (low, high) in ((80, (1, 511)), (700, (600, 1023)), (5000, (1024, 65535))):
        table.outbound(0, "TCP", ("192.168.1.10", port), SERVERS[0])
        second = table.outbound(0, "TCP", ("192.168.1.11", port), SERVERS[0])
        assert second.src[1] != port and low <= second.src[1] <= high


def test_time_never_goes_back():
    table = NatTable("pat", ("203.0.113.5",), 30)
    table.expire(5)
    with pytest.raises(ValueError):
        table.outbound(4, "TCP", ("192.168.1.10", 1), SERVERS[0])


# -- the scenario ---------------------------------------------------------------------------------

VARIANTS = [
    NatOptions(),
    NatOptions(seed=7),
    NatOptions(mode="dynamic"),
    NatOptions(mode="dynamic", pool=4, hosts=6, flows=12),
    NatOptions(mode="static", hosts=6, flows=12),
    NatOptions(mode="pat", hosts=1, flows=1),
    NatOptions(mode="pat", hosts=6, flows=12, seed=3),
    NatOptions(mode="dynamic", pool=1, timeout=0.5, seed=1),
    NatOptions(mode="pat", timeout=0.01),  # shorter than the round trip: replies come too late
    NatOptions(mode="static", hosts=1, flows=2),
]


def steps_without_packets(trace):
    return [{**vars(s), "packet": None} for s in trace.steps]


@pytest.mark.parametrize("options", VARIANTS, ids=repr)
def test_frames_false_is_the_same_trace_without_packets(options):
    full, bare = nat.build(options), nat.build(options, frames=False)
    assert all(s.packet is None for s in bare.steps)
    assert steps_without_packets(full) == steps_without_packets(bare)
    assert (full.nodes, full.header, full.remember, full.params) == (
        bare.nodes,
        bare.header,
        bare.remember,
        bare.params,
    )


@pytest.mark.parametrize("options", VARIANTS, ids=repr)
def test_same_options_same_trace(options):
    one, two = nat.build(options), nat.build(options)
    assert steps_without_packets(one) == steps_without_packets(two)
    assert [bytes(s.packet) for s in one.steps if s.packet is not None] == [
        bytes(s.packet) for s in two.steps if s.packet is not None
    ]


@pytest.mark.parametrize("options", VARIANTS, ids=repr)
def test_every_frame_carries_the_fields_and_checksums_shown(options):
    from scapy.layers.dns import DNS
    from scapy.layers.inet import IP, TCP, UDP

    from netlab.sim.packets import checksums_ok
    from netlab.sim.packets import nat as wire

    trace = nat.build(options)
    for step in trace.steps:
        if step.packet is None:
            assert step.event == "nat_expire" and step.dst is None and step.protocol == ""
            continue
        pkt, f = step.packet, step.fields
        l4 = pkt[TCP] if TCP in pkt else pkt[UDP]
        assert f"{pkt[IP].src}:{l4.sport}" == f["src"]
        assert f"{pkt[IP].dst}:{l4.dport}" == f["dst"]
        assert pkt[IP].ttl == f["ttl"]
        ip_sum, l4_sum = wire.checksums(pkt)
        assert (f"0x{ip_sum:04x}", f"0x{l4_sum:04x}") == (f["ip_checksum"], f["l4_checksum"])
        assert step.protocol == ("DNS" if DNS in pkt else "TCP")
        if TCP in pkt:
            assert checksums_ok(pkt)


@pytest.mark.parametrize("options", VARIANTS, ids=repr)
def test_translation_rewrites_one_side_only(options):
    trace = nat.build(options)
    by_index = {s.index: s for s in trace.steps}
    inside = ipaddress.ip_network(nat.LAN)
    for step in trace.steps:
        f = step.fields
        if "translated" not in f:
            continue
        arrived = by_index[step.index - 1]  # what nat just received
        assert arrived.dst == "nat" and not arrived.lost
        assert (f["src_before"], f["dst_before"]) == (arrived.fields["src"], arrived.fields["dst"])
        assert f["ttl"] == f["ttl_before"] - 1
        assert f["ip_checksum"] != f["ip_checksum_before"]
        assert f["l4_checksum"] != f["l4_checksum_before"]
        if f["translated"] == "src":  # going out: private source -> public source
            assert ipaddress.ip_address(f["src_before"].split(":")[0]) in inside
            assert ipaddress.ip_address(f["src"].split(":")[0]) not in inside
            assert f["dst"] == f["dst_before"]
            assert step.src == "nat" and step.dst not in [
                n.name for n in trace.nodes[: options.hosts]
            ]
        else:  # coming back: public destination -> private destination
            assert ipaddress.ip_address(f["dst"].split(":")[0]) in inside
            assert f["src"] == f["src_before"]
        if options.mode != "pat":  # Basic NAT keeps the ports
            assert [e.split(":")[1] for e in (f["src"], f["dst"])] == [
                e.split(":")[1] for e in (f["src_before"], f["dst_before"])
            ]


@pytest.mark.parametrize("options", VARIANTS, ids=repr)
def test_tables_are_one_to_one_at_every_step_and_times_go_forward(options):
    trace = nat.build(options)
    times = [s.time for s in trace.steps]
    assert times == sorted(times)
    assert [s.index for s in trace.steps] == list(range(1, len(trace.steps) + 1))
    for step in trace.steps:
        rows = step.tables["nat:nat"]
        locals_ = [(r["proto"], r["inside_local"]) for r in rows]
        globals_ = [(r["proto"], r["inside_global"]) for r in rows]
        assert len(set(locals_)) == len(locals_) and len(set(globals_)) == len(globals_)
        for row in rows:
            if row["expires"] is not None:
                assert float(row["expires"]) > step.time or step.event == "nat_expire"


def test_node_order_is_hosts_then_nat_then_outside():
    trace = nat.build(NatOptions(hosts=3, flows=4))
    assert [n.name for n in trace.nodes] == ["A", "B", "C", "nat", "web", "resolver", "internet"]
    assert [n.ip for n in trace.nodes[:3]] == ["192.168.1.10", "192.168.1.11", "192.168.1.12"]
    assert trace.node("nat").ip == "192.168.1.1" and trace.node("nat").mac == "02:00:00:00:00:fe"
    only_tcp = nat.build(NatOptions(hosts=2, flows=2))
    assert "resolver" not in [n.name for n in only_tcp.nodes]


def _notes(step):
    return [n.key for n in step.notes]


def test_pat_default_story():
    trace = nat.build(NatOptions())
    steps = trace.steps
    # A keeps its port; B, with the same source port, gets another public port
    a_out = next(
        s for s in steps if s.src == "nat" and s.fields.get("src_before") == "192.168.1.10:51000"
    )
    b_out = next(
        s for s in steps if s.src == "nat" and s.fields.get("src_before") == "192.168.1.11:51000"
    )
    assert a_out.fields["src"] == "203.0.113.5:51000" and "nat.map.kept" in _notes(a_out)
    assert b_out.fields["src"] == "203.0.113.5:1024" and "nat.map.changed_first" in _notes(b_out)
    # the replies reach the right hosts
    replies = [s for s in steps if s.src == "nat" and s.fields.get("translated") == "dst"]
    assert [(s.dst, s.fields["dst"]) for s in replies[:2]] == [
        ("A", "192.168.1.10:51000"),
        ("B", "192.168.1.11:51000"),
    ]
    # an unsolicited packet is for nat itself, whose TCP answers with a RST
    stranger = next(s for s in steps if s.src == "internet")
    assert not stranger.lost and "nat.drop.unsolicited" in _notes(stranger)
    assert stranger.fields["dst"] == "203.0.113.5:22" and "nat.local.tcp" in _notes(stranger)
    rst = steps[stranger.index]
    assert (rst.src, rst.dst, rst.fields["tcp_flags"]) == ("nat", "internet", "RA")
    assert rst.fields["dst"] == "192.0.2.66:51515" and _notes(rst) == ["nat.rst.syn"]
    # A's first mapping expires 30 s after its last packet, then web's late FIN finds no
    # mapping: nat answers it with a RST too
    expiry = next(s for s in steps if s.event == "nat_expire")
    assert expiry.time == pytest.approx(replies[0].time + 30 - nat.NAT_DELAY, abs=1e-6)
    assert expiry.notes[0].params["inside_local"] == "192.168.1.10:51000"
    assert "192.168.1.10:51000" not in [r["inside_local"] for r in expiry.tables["nat:nat"]]
    late, answer = steps[-2:]
    assert late.src == "web" and not late.lost and "nat.drop.expired" in _notes(late)
    assert late.fields["tcp_flags"] == "FA" and late.time > expiry.time
    assert (answer.src, answer.dst, answer.fields["tcp_flags"]) == ("nat", "web", "R")
    # the table grew one row per new mapping
    sizes = [len(s.tables["nat:nat"]) for s in steps]
    assert max(sizes) == 4 and sizes[0] == 0


def test_pat_with_seed_draws_the_other_port_like_linux():
    trace = nat.build(NatOptions(seed=11))
    flows = trace.params["flow_plan"]
    assert flows[0]["inside_local"].split(":")[1] == flows[1]["inside_local"].split(":")[1]
    a_port = int(flows[0]["inside_global"].split(":")[1])
    b_port = int(flows[1]["inside_global"].split(":")[1])
    assert a_port == int(flows[0]["inside_local"].split(":")[1])  # preserved
    assert b_port != a_port and 1024 <= b_port <= 65535
    b_out = next(
        s for s in trace.steps if s.fields.get("mapping") == "new" and s.dst and s.index > 4
    )
    assert "nat.map.changed_random" in _notes(b_out)


def test_dynamic_pool_runs_out_and_an_expiry_frees_an_address():
    trace = nat.build(NatOptions(mode="dynamic", pool=2, hosts=3, flows=4))
    refused = next(s for s in trace.steps if s.src == "C")
    assert refused.lost and "nat.drop.pool" in _notes(refused)
    assert trace.params["flow_plan"][2]["dropped"] == "pool_exhausted"
    expiries = [s for s in trace.steps if s.event == "nat_expire"]
    assert expiries and all(n.key == "nat.expire.pool" for s in expiries for n in s.notes[:1])
    retry = [s for s in trace.steps if s.src == "C"][-1]
    assert not retry.lost and "nat.out.retry" in _notes(retry)
    assert trace.steps[-1].dst == "C" and trace.steps[-1].fields["dst"].startswith("192.168.1.12:")
    assert trace.params["retried"] is True


def test_static_mapping_lets_outsiders_in_and_never_expires():
    trace = nat.build(NatOptions(mode="static"))
    assert not [s for s in trace.steps if s.event]
    strangers = [s for s in trace.steps if s.src == "internet"]
    # nat's own address has no mapping: its TCP refuses; A's static address lets it in
    assert strangers[0].fields["dst"] == "203.0.113.5:22"
    refused = trace.steps[strangers[0].index]
    assert refused.dst == "internet" and refused.fields["tcp_flags"] == "RA"
    assert not strangers[1].lost and strangers[1].fields["dst"] == "203.0.113.6:22"
    delivered = trace.steps[trace.steps.index(strangers[1]) + 1]
    assert delivered.dst == "A" and delivered.fields["dst"] == "192.168.1.10:22"
    assert trace.steps[-1].dst == "A" and trace.steps[-1].fields["tcp_flags"] == "FA"
    assert all(r["expires"] is None for s in trace.steps for r in s.tables["nat:nat"])


def test_a_timeout_shorter_than_the_round_trip_drops_the_replies():
    """Every reply finds its mapping gone: a TCP one is answered by nat's RST, a UDP one would
    get an ICMP port unreachable (said, not drawn)."""
    trace = nat.build(NatOptions(mode="pat", timeout=0.01))
    replies = [s for s in trace.steps if s.src in ("web", "resolver")]
    assert replies and all("nat.drop.expired" in _notes(s) for s in replies)
    for reply in replies:
        after = trace.steps[reply.index] if reply.index < len(trace.steps) else None
        if reply.fields["proto"] == "TCP":
            assert not reply.lost and after is not None and after.src == "nat"
            assert after.fields["tcp_flags"] == "R" and after.dst == reply.src
        else:
            assert reply.lost and _notes(reply)[-1] == "nat.local.udp"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(nat.MODES),
    st.integers(1, nat.MAX_HOSTS),
    st.integers(1, nat.MAX_FLOWS),
    st.sampled_from([0.001, 0.5, 1.0, 2.5, 30.0, 7440.0]),
    st.integers(1, nat.MAX_POOL),
    st.none() | st.integers(0, 2**32 - 1),
)
def test_any_options_give_a_coherent_story(mode, hosts, flows, timeout, pool, seed):
    options = NatOptions(mode=mode, hosts=hosts, flows=flows, timeout=timeout, pool=pool, seed=seed)
    trace = nat.build(options, frames=False)
    names = [n.name for n in trace.nodes]
    times = [s.time for s in trace.steps]
    assert times == sorted(times)
    for step in trace.steps:
        assert step.src in names and (step.dst is None or step.dst in names)
        if step.lost:
            assert any(n.key.startswith("nat.drop.") for n in step.notes), step
        if step.src == "nat" and step.fields.get("tcp_flags", "").startswith("R"):
            asked = trace.steps[step.index - 2]  # nat answers the segment just before
            assert asked.dst == "nat" and step.dst == asked.src
            assert step.fields["ttl"] == nat.HOST_TTL
    for step in trace.steps:
        rows = step.tables["nat:nat"]
        globals_ = [(r["proto"], r["inside_global"]) for r in rows]
        assert len(globals_) == len(set(globals_))
        if mode == "pat":
            assert all(r["inside_global"].startswith(nat.PUBLIC_IP + ":") for r in rows)
        if mode == "dynamic":
            assert len(rows) <= pool
    assert trace.steps[-1].time >= (flows - 1) * nat.FLOW_GAP


def test_the_scenario_imports_no_scapy_without_frames():
    code = (
        "import sys; from netlab.sim import nat; "
        "nat.build(nat.NatOptions(mode='dynamic'), frames=False); "
        "bad = [m for m in sys.modules if m.startswith('scapy')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    "bad",
    [
        {"mode": "foo"},
        {"hosts": 0},
        {"hosts": 7},
        {"flows": 0},
        {"flows": 13},
        {"timeout": 0},
        {"timeout": 0.0009},
        {"timeout": 7441},
        {"pool": 0},
        {"pool": 5},
    ],
)
def test_options_refuse_bad_values(bad):
    with pytest.raises(ValueError):
        replace(NatOptions(), **bad)


def test_cli_limits_agree_with_the_scenario():
    assert cli.MODES == nat.MODES
    assert (cli.MAX_HOSTS, cli.MAX_FLOWS, cli.MAX_POOL) == (
        nat.MAX_HOSTS,
        nat.MAX_FLOWS,
        nat.MAX_POOL,
    )
    assert (cli.MIN_TIMEOUT, cli.MAX_TIMEOUT) == (nat.MIN_TIMEOUT, nat.MAX_TIMEOUT)


# -- the words ------------------------------------------------------------------------------------


def _inner(note: Note):
    yield note
    for value in note.params.values():
        if isinstance(value, Note):
            yield from _inner(value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_note_renders_in_both_languages(lang):
    cat = i18n.catalogue(lang)
    seen = set()
    for options in VARIANTS:
        trace = nat.build(options, frames=False)
        notes = [trace.title, *trace.header, *trace.remember]
        notes += [n for s in trace.steps for n in s.notes]
        for note in notes:
            for inner in _inner(note):
                assert inner.key in cat, inner.key
                seen.add(inner.key)
            rendered = i18n.render(note, lang)
            assert "{" not in rendered, rendered
        for step in trace.steps:
            if step.event:
                assert f"ui.event.{step.event}" in cat
                label = i18n.text(f"ui.event.{step.event}", lang, **step.notes[0].params)
                assert "{" not in label
            for key, rows in step.tables.items():
                kind = key.split(":")[0]
                assert "{owner}" in cat[f"table.{kind}"]
                for row in rows:
                    assert all(f"table.{kind}.{column}" in cat for column in row)
    assert len(seen) > 30


def test_nat_catalogue_files_have_the_same_keys_and_placeholders():
    import tomllib
    from pathlib import Path

    base = Path(nat.__file__).resolve().parents[1] / "locales"
    en = i18n._flatten(tomllib.loads((base / "en" / "sim_nat.toml").read_text("utf-8")))
    zh = i18n._flatten(tomllib.loads((base / "zh" / "sim_nat.toml").read_text("utf-8")))
    assert set(en) == set(zh)
    for key in en:
        assert set(PLACEHOLDER.findall(en[key])) == set(PLACEHOLDER.findall(zh[key])), key
        assert re.search(r"[\u4e00-\u9fff]", zh[key]), key


def test_a_late_packet_can_reach_the_next_owner_of_a_reused_address():
    """Pool of one, timeout 1.5 s: A's address goes to C, then to B; web's late FIN for A's
    connection arrives while B holds the address, and Basic NAT hands it to B."""
    trace = nat.build(NatOptions(mode="dynamic", pool=1, hosts=3, flows=5, timeout=1.5))
    late = next(s for s in trace.steps if s.fields.get("tcp_flags") == "FA" and s.src == "web")
    delivered = trace.steps[late.index]
    assert not late.lost and delivered.dst == "B"
    assert delivered.notes[0].key == "nat.in.reused"
    assert delivered.fields["dst"] == "192.168.1.11:51000"


def test_info_column_flag_order_is_wiresharks():
    from netlab.sim.info_column import flag_names, tcp_info

    assert flag_names("FA") == "FIN, ACK" and flag_names("SA") == "SYN, ACK"
    assert flag_names("FPA") == "FIN, PSH, ACK"
    assert tcp_info(51000, 80, "S", 0, 0, 0, mss=1460) == (
        "51000 → 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460"
    )
    assert tcp_info(80, 51000, "A", -1, 2**32 + 5, 0).endswith(
        "Seq=4294967295 Ack=5 Win=64240 Len=0"
    )


# -- what a Linux router does with a packet it cannot translate ---------------------------------


def test_reset_for_follows_rfc_9293():
    """RFC 9293 section 3.10.7.1, written out: a segment without ACK gets <SEQ=0>
    <ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (a SYN counts one); one with ACK gets <SEQ=SEG.ACK>
    <CTL=RST>. Linux's RSTs carry window 0, no options and IP ID 0."""
    from netlab.sim.datagram import reset_for

    syn = Datagram("TCP", "192.0.2.66", 51515, "203.0.113.5", 22, 54, 9, "S", 7000, mss=1460)
    rst = reset_for(syn, 64)
    assert (rst.src, rst.sport, rst.dst, rst.dport) == ("203.0.113.5", 22, "192.0.2.66", 51515)
    assert (rst.flags, rst.seq, rst.ack, rst.window, rst.ttl, rst.ip_id) == (
        "RA",
        0,
        7001,
        0,
        64,
        0,
    )
    assert rst.options == () and rst.mss is None
    fin = Datagram("TCP", "198.51.100.80", 80, "203.0.113.5", 51000, 54, 3, "FA", 5001, 1001)
    rst = reset_for(fin, 64)
    assert (rst.flags, rst.seq, rst.dst, rst.dport) == ("R", 1001, "198.51.100.80", 80)
    wrapped = reset_for(replace(syn, seq=2**32 - 1), 64)
    assert wrapped.ack == 0
    with pytest.raises(ValueError):
        reset_for(replace(fin, flags="R"), 64)  # a RST is never answered


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (NatOptions(mode="dynamic"), "nat.drop.filtered"),  # both pool addresses are bound
        (NatOptions(mode="dynamic", pool=4, hosts=2), "nat.drop.unsolicited"),  # one is free
        (NatOptions(mode="pat"), "nat.drop.unsolicited"),
        (NatOptions(mode="static"), "nat.drop.unsolicited"),
    ],
)
def test_the_unsolicited_syn_reaches_nat_and_its_tcp_refuses_it(options, reason):
    """The SYN goes to an address the provider delivers to nat (its own, or one of the pool),
    finds nothing to translate it with, and nat's own TCP answers with RST,ACK."""
    trace = nat.build(options)
    syn = next(s for s in trace.steps if s.src == "internet")
    ip = syn.fields["dst"].split(":")[0]
    if options.mode == "dynamic":
        assert ip in trace.params["public"]  # a pool address, never one outside the pool
    else:
        assert ip == nat.PUBLIC_IP
    assert not syn.lost and reason in _notes(syn) and "nat.local.tcp" in _notes(syn)
    rst = trace.steps[syn.index]
    assert rst.summary == "22 → 51515 [RST, ACK] Seq=1 Ack=1 Win=0 Len=0"
    assert rst.fields["ttl"] == 64 and rst.fields["src"] == syn.fields["dst"]
    from scapy.layers.inet import IP, TCP

    ip_layer, tcp = rst.packet[IP], rst.packet[TCP]
    assert (ip_layer.ttl, ip_layer.id, str(ip_layer.flags)) == (64, 0, "DF")
    assert (tcp.flags, tcp.seq, tcp.window, tcp.options) == ("RA", 0, 0, [])
    assert tcp.ack == syn.packet[TCP].seq + 1


def test_rfc_5382_transitory_floor_is_said_once_when_the_timeout_is_shorter():
    short = nat.build(NatOptions(), frames=False)
    said = [s for s in short.steps if "nat.expire.transitory" in _notes(s)]
    assert len(said) == 1 and said[0].event == "nat_expire"
    pooled = nat.build(NatOptions(mode="dynamic", hosts=3, flows=3, pool=4), frames=False)
    first_expiry = next(s for s in pooled.steps if s.event == "nat_expire")
    assert "nat.expire.transitory" in _notes(first_expiry)  # A's binding carried a TCP SYN
    long = nat.build(NatOptions(timeout=nat.TRANSITORY_FLOOR), frames=False)
    assert not [s for s in long.steps if "nat.expire.transitory" in _notes(s)]
