"""``netlab.sim.arp``: the pure parts of the ARP scenario, each against an independent check.

The subnet decision and the refused targets against Python's ``ipaddress``; the ARP cache
against RFC 826's receive rule (and Linux's refusal of unsolicited entries); the switch's
learning and forwarding, the hub; the broadcast storm's copy counts against a count computed
from the topology alone (non-backtracking walks, through the Hashimoto matrix written here);
and the Trace itself: its shape, frames=False, determinism, and every sentence in both
languages.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab import i18n
from netlab.i18n import Note
from netlab.sim import arp, switching
from netlab.sim.arp import (
    BROADCAST_MAC,
    DELAY,
    FAILED,
    INCOMPLETE,
    PROBE,
    REACHABLE,
    STALE,
    ZERO_MAC,
    ArpCache,
    ArpOptions,
    Entry,
    LanProblem,
)
from netlab.sim.switching import Hub, Switch, Topology

U32 = st.integers(min_value=0, max_value=2**32 - 1)
A_MAC, B_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"

VARIANTS = [
    ArpOptions(),
    ArpOptions(target="203.0.113.10"),
    ArpOptions(target="192.168.1.1"),
    ArpOptions(target="192.168.1.12"),
    ArpOptions(target="192.168.1.200"),
    ArpOptions(target="192.168.1.200", again=True),
    ArpOptions(hub=True),
    ArpOptions(hub=True, target="198.51.100.7", again=True),
    ArpOptions(gratuitous=True),
    ArpOptions(gratuitous=True, hub=True, again=True, target="203.0.113.10"),
    ArpOptions(again=True),
    ArpOptions(hosts=6, subnet="10.20.0.0/16", target="10.20.0.15"),
    ArpOptions(hosts=2, subnet="172.16.5.0/28"),
    ArpOptions(loop=True),
    ArpOptions(loop=True, hosts=6, target="203.0.113.10"),
    ArpOptions(loop=True, hosts=2, target="192.168.1.99"),
]
IDS = [
    ",".join(
        f"{f.name}={getattr(o, f.name)}"
        for f in dataclasses.fields(o)
        if getattr(o, f.name) != f.default
    )
    or "default"
    for o in VARIANTS
]


def dotted(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


# -- the subnet and the target --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "192.168.1.0/33",
        "192.168.1.0",
        "192.168.1.0/",
        "192.168.1.0/-1",
        "192.168.1.0/024",
        "192.168.1.0/2x",
        "300.1.1.0/24",
        "a.b.c.d/24",
        "192.168.1/24",
        "/24",
        "",
    ],
)
def test_a_malformed_subnet_is_refused(text):
    with pytest.raises(LanProblem) as caught:
        arp.parse_subnet(text)
    assert caught.value.code == "subnet"


@given(U32, st.integers(min_value=0, max_value=32))
def test_host_bits_set_name_the_network_meant(value, prefixlen):
    net = ipaddress.ip_network(f"{dotted(value)}/{prefixlen}", strict=False)
    if int(net.network_address) == value:
        return
    with pytest.raises(LanProblem) as caught:
        arp.parse_subnet(f"{dotted(value)}/{prefixlen}")
    try:
        arp.parse_subnet(str(net))
    except LanProblem:  # the network meant is refused too: no suggestion
        assert caught.value.code == "subnet_host_bits_only"
        assert "network" not in caught.value.params
    else:
        assert caught.value.code == "subnet_host_bits"
        assert caught.value.params["network"] == str(net)


@pytest.mark.parametrize("hosts", range(arp.MIN_HOSTS, arp.MAX_HOSTS + 1))
def test_longest_prefix_is_the_longest_with_room(hosts):
    def room(prefixlen: int) -> bool:
        net = ipaddress.ip_network(f"10.0.0.0/{prefixlen}")
        usable = list(net.hosts()) if net.num_addresses <= 256 else None
        if usable is None:
            return True
        wanted = [net.network_address + 1] + [
            net.network_address + arp.HOST_OFFSET + i for i in range(hosts)
        ]
        return all(w in usable for w in wanted)

    longest = arp.longest_prefix(hosts)
    assert room(longest) and not room(longest + 1)
    arp.parse_subnet(f"10.0.0.0/{longest}", hosts)
    with pytest.raises(LanProblem) as caught:
        arp.parse_subnet(f"10.0.0.0/{longest + 1}", hosts)
    assert caught.value.code == "subnet_room"
    assert caught.value.params["longest"] == longest


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("0.0.0.0/0", "this_network"),
        ("127.0.0.0/8", "loopback"),
        ("224.0.0.0/24", "multicast"),
        ("240.0.0.0/24", "reserved"),
        ("0.0.0.0/24", "this_network"),
    ],
)
def test_a_subnet_no_lan_host_can_use_is_refused(text, kind):
    with pytest.raises(LanProblem) as caught:
        arp.parse_subnet(text)
    assert (caught.value.code, caught.value.params["kind"]) == ("subnet_special", kind)


def test_the_lan_layout():
    lan = arp.lan(arp.parse_subnet("10.1.2.0/24", 4), 4)
    assert [(h.name, h.ip, h.mac) for h in lan.members] == [
        ("A", "10.1.2.10", "02:00:00:00:00:01"),
        ("B", "10.1.2.11", "02:00:00:00:00:02"),
        ("C", "10.1.2.12", "02:00:00:00:00:03"),
        ("D", "10.1.2.13", "02:00:00:00:00:04"),
        ("gateway", "10.1.2.1", "02:00:00:00:00:fe"),
    ]


def _expected_target_problem(lan: arp.Lan, value: int) -> str | None:
    """Why ``value`` is no target to ping from A, by ipaddress alone (None: it is one)."""
    ip = ipaddress.IPv4Address(value)
    net = ipaddress.ip_network(lan.subnet.cidr)
    if str(ip) == lan.a.ip:
        return "target_own"
    if ip == ipaddress.IPv4Address("255.255.255.255") or ip == net.broadcast_address:
        return "target_broadcast"
    if ip == net.network_address:
        return "target_network"
    if ip in ipaddress.ip_network("0.0.0.0/8"):
        return "target_this_network"
    if ip.is_loopback:
        return "target_loopback"
    if ip.is_multicast:
        return "target_multicast"
    if ip in ipaddress.ip_network("240.0.0.0/4"):
        return "target_reserved"
    if ip.is_link_local and ip not in net:
        return "target_link_local"
    return None


FIRST_OCTET = st.integers(min_value=1, max_value=223).filter(lambda o: o != 127)
UNICAST_BASE = st.builds(lambda o, rest: (o << 24) | rest, FIRST_OCTET, st.integers(0, 2**24 - 1))


@settings(max_examples=400, deadline=None)
@given(UNICAST_BASE, st.integers(8, 28), st.integers(2, 6), st.data())
def test_the_decision_agrees_with_ipaddress(base, prefixlen, hosts, data):
    """Direct or via the gateway, and what A ARPs for, for any LAN and any target; every
    refused target refused for the reason ipaddress gives."""
    prefixlen = min(prefixlen, arp.longest_prefix(hosts))
    net = ipaddress.ip_network(f"{dotted(base)}/{prefixlen}", strict=False)
    gateway = net.network_address + 1
    lan = arp.lan(arp.parse_subnet(str(net), hosts), hosts)
    first, size = int(net.network_address), net.num_addresses
    other = data.draw(
        st.one_of(
            st.integers(0, size - 1).map(lambda k: first + k),  # inside the subnet
            U32.filter(lambda v: v >> 24 not in (0, 127)),  # anywhere (not too often 0/8)
            st.sampled_from(
                [
                    first,
                    first + size - 1,
                    2**32 - 1,
                    int(gateway),
                    first + 10,
                    first + 11,
                    first + 9 + hosts,
                    first + 10 + hosts,
                ]
            ),
            st.sampled_from(
                [
                    "0.0.0.1",
                    "127.0.0.1",
                    "224.0.0.251",
                    "240.0.0.1",
                    "169.254.10.20",
                    "203.0.113.10",
                ]
            ).map(lambda t: int(ipaddress.IPv4Address(t))),
        )
    )
    target = dotted(other)
    problem = _expected_target_problem(lan, other)
    if problem is not None:
        with pytest.raises(LanProblem) as caught:
            arp.check_target(lan, target)
        assert caught.value.code == problem
        return
    assert arp.check_target(lan, target) == target
    trace = arp.build(ArpOptions(subnet=str(net), hosts=hosts, target=target), frames=False)
    inside = ipaddress.IPv4Address(target) in net
    assert trace.params["next_hop_kind"] == ("direct" if inside else "gateway")
    assert trace.params["next_hop"] == (target if inside else str(gateway))
    a_ip = trace.params["addresses"]["A"]
    requests = [
        s
        for s in trace.steps
        if s.protocol == "ARP" and s.fields["op"] == 1 and s.fields["psrc"] == a_ip
    ]
    assert requests and {s.fields["pdst"] for s in requests} == {trace.params["next_hop"]}
    owner = next((h for h in lan.members if h.ip == trace.params["next_hop"]), None)
    echoes = [s for s in trace.steps if s.protocol == "ICMP" and s.copy_of is None]
    assert len(echoes) == (2 if owner is not None else 0)


@pytest.mark.parametrize(
    "text",
    ["", "192.168.1", "192.168.1.256", "192.168.01.5", "fe80::1", "example.com", " ", "1.2.3.4.5"],
)
def test_a_target_that_is_not_an_address_is_refused(text):
    lan = ArpOptions().lan()
    with pytest.raises(LanProblem) as caught:
        arp.check_target(lan, text)
    assert caught.value.code == "target"


@pytest.mark.parametrize("hosts", [0, 1, 7, 100, -1, True])
def test_the_host_count_is_limited(hosts):
    with pytest.raises(LanProblem) as caught:
        ArpOptions(hosts=hosts)
    assert caught.value.code == "hosts"


@pytest.mark.parametrize(("first", "second"), arp.COMBOS)
def test_combinations_that_make_no_sense_are_refused(first, second):
    flags = {first.removeprefix("--"): True, second.removeprefix("--"): True}
    with pytest.raises(LanProblem) as caught:
        ArpOptions(**flags)
    assert caught.value.code == "combo"


# -- the ARP cache --------------------------------------------------------------------------------


def test_cache_miss_then_reply_resolves():
    cache = ArpCache("192.168.1.10")
    assert cache.resolve("192.168.1.11") is None
    cache.start("192.168.1.11")
    assert cache.get("192.168.1.11") == Entry("192.168.1.11", None, INCOMPLETE)
    assert cache.resolve("192.168.1.11") is None  # INCOMPLETE is not usable
    heard = cache.receive(2, B_MAC, "192.168.1.11", "192.168.1.10", to_me=True)
    assert (heard.action, heard.answer) == ("resolved", False)
    assert cache.resolve("192.168.1.11") == B_MAC
    assert cache.rows() == [{"ip": "192.168.1.11", "mac": B_MAC, "state": REACHABLE}]


def test_the_target_of_a_request_learns_the_sender_and_answers():
    cache = ArpCache("192.168.1.11")
    heard = cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.11", to_me=False)
    assert (heard.action, heard.answer, heard.target) == ("created", True, True)
    assert cache.get("192.168.1.10") == Entry("192.168.1.10", A_MAC, STALE)


def test_a_request_for_someone_else_creates_nothing():
    cache = ArpCache("192.168.1.12")
    heard = cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.11", to_me=False)
    assert (heard.action, heard.answer) == ("ignored", False)
    assert cache.rows() == []


def test_an_existing_entry_is_updated_by_any_arp_packet():
    """RFC 826: the merge step happens before the 'am I the target?' question."""
    cache = ArpCache("192.168.1.12", [Entry("192.168.1.10", "02:00:00:00:00:a1", REACHABLE)])
    heard = cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.11", to_me=False)
    assert (heard.action, heard.old_mac, heard.answer) == ("updated", "02:00:00:00:00:a1", False)
    assert cache.get("192.168.1.10") == Entry("192.168.1.10", A_MAC, STALE)
    again = cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.11", to_me=False)
    assert again.action == "refreshed"


def test_a_refresh_with_the_same_mac_keeps_a_confirmed_entry():
    cache = ArpCache("192.168.1.12", [Entry("192.168.1.10", A_MAC, REACHABLE)])
    cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.99", to_me=False)
    assert cache.get("192.168.1.10").state == REACHABLE


def test_a_gratuitous_arp_updates_only_existing_entries():
    knows = ArpCache("192.168.1.1", [Entry("192.168.1.10", "02:00:00:00:00:a1", STALE)])
    stranger = ArpCache("192.168.1.11")
    for cache in (knows, stranger):
        heard = cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.10", to_me=False)
        assert not heard.answer
    assert knows.resolve("192.168.1.10") == A_MAC
    assert stranger.rows() == []


def test_a_stale_entry_used_goes_to_delay_then_probe_then_reachable():
    """Linux's neighbour states (net/core/neighbour.c): sending through STALE makes it DELAY;
    the DELAY timer makes it PROBE; a unicast reply to us makes it REACHABLE. Only a STALE
    entry changes when used, and only a DELAY entry is probed."""
    cache = ArpCache("192.168.1.11", [Entry("192.168.1.10", A_MAC, STALE)])
    assert cache.use("192.168.1.10") and cache.get("192.168.1.10").state == DELAY
    assert not cache.use("192.168.1.10")  # used again while in DELAY: no change
    assert cache.resolve("192.168.1.10") == A_MAC  # DELAY is usable
    cache.probe("192.168.1.10")
    assert cache.get("192.168.1.10").state == PROBE and cache.resolve("192.168.1.10") == A_MAC
    # a broadcast request from A confirms nothing (not a reply to us)
    assert cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.99", False).action == "refreshed"
    assert cache.get("192.168.1.10").state == PROBE
    heard = cache.receive(2, A_MAC, "192.168.1.10", "192.168.1.11", to_me=True)
    assert heard.action == "confirmed" and cache.get("192.168.1.10").state == REACHABLE
    assert not cache.use("192.168.1.10")  # REACHABLE stays REACHABLE when used
    with pytest.raises(ValueError):
        cache.probe("192.168.1.10")
    fresh = ArpCache("192.168.1.11")
    assert not fresh.use("192.168.1.10") and fresh.rows() == []


@pytest.mark.parametrize("target", ["192.168.1.11", "203.0.113.10"])
def test_the_owner_checks_the_entry_it_used_unconfirmed(target):
    """B (or, for a far target, the gateway) answers A through the STALE entry it learnt from
    A's request: the table shows DELAY at once, PROBE 5 s later with a unicast request to A's
    MAC (target MAC zero, as Linux's arp_solicit leaves it), and REACHABLE after A's reply."""
    trace = arp.build(ArpOptions(target=target), frames=False)
    owner = trace.params["owner"]
    table = f"arp:{owner}"
    reply = next(s for s in trace.steps if s.protocol == "ICMP" and s.src == owner)
    assert reply.tables[table] == [{"ip": "192.168.1.10", "mac": A_MAC, "state": DELAY}]
    assert "arp.ip.stale" in [n.key for n in reply.notes]
    probe = next(s for s in trace.steps if s.event == "arp_probe")
    assert probe.src == owner and probe.time == pytest.approx(reply.time + 5.0)
    assert probe.tables[table][0]["state"] == PROBE
    request, forwarded, answer, delivered = trace.steps[probe.index : probe.index + 4]
    assert request.src == owner and request.fields["op"] == 1
    assert (request.fields["eth_dst"], request.fields["hwdst"]) == (A_MAC, ZERO_MAC)
    assert forwarded.receivers == ("A",)  # the switch knows A: only A sees it
    assert answer.src == "A" and answer.fields["op"] == 2 and delivered.dst == owner
    assert delivered.tables[table][0]["state"] == REACHABLE
    assert "arp.rx.confirmed" in [n.key for n in delivered.notes]
    assert delivered is trace.steps[-1]
    assert Note("arp.remember.stale") in trace.remember


def test_one_host_address_is_singular():
    """A /32 holds one address: the message says "1 host address", not "1 host addresses"."""
    with pytest.raises(LanProblem) as caught:
        arp.parse_subnet("10.0.0.1/32", 2)
    problem = caught.value
    assert problem.code == "subnet_room" and problem.params["count"] == 1
    en = i18n.text("errors.allowed.arp_subnet_room", "en", **problem.params)
    assert "has 1 host address," in en
    with pytest.raises(LanProblem) as caught:
        arp.parse_subnet("10.0.0.0/30", 2)
    assert "has 2 host addresses," in i18n.text(
        "errors.allowed.arp_subnet_room", "en", **caught.value.params
    )


def test_an_unsolicited_reply_creates_nothing():
    cache = ArpCache("192.168.1.10")
    heard = cache.receive(2, B_MAC, "192.168.1.11", "192.168.1.10", to_me=True)
    assert heard.action == "ignored" and cache.rows() == []


def test_own_packets_are_ignored_and_failed_entries_are_not_used():
    cache = ArpCache("192.168.1.10")
    assert cache.receive(1, A_MAC, "192.168.1.10", "192.168.1.11", to_me=False).action == "own"
    cache.start("192.168.1.99")
    cache.fail("192.168.1.99")
    assert cache.get("192.168.1.99").state == FAILED
    assert cache.resolve("192.168.1.99") is None


# -- switch and hub -------------------------------------------------------------------------------


def test_a_switch_learns_floods_and_forwards():
    sw = Switch("switch", {"A": 1, "B": 2, "C": 3, "gateway": 4})
    assert sw.learn(A_MAC, 1) is None
    assert sw.out_ports(BROADCAST_MAC, 1) == [2, 3, 4]  # broadcast: all but the way in
    assert sw.out_ports(B_MAC, 1) == [2, 3, 4]  # unknown unicast: flooded too
    assert sw.floods(B_MAC)
    assert sw.learn(B_MAC, 2) is None
    assert sw.out_ports(A_MAC, 2) == [1]  # known: one port only
    assert sw.out_ports(A_MAC, 1) == []  # it is where it came from: filtered
    assert sw.out_ports("01:00:5e:00:00:01", 1) == [2, 3, 4]  # multicast is a group address
    assert sw.learn(A_MAC, 3) == 1  # a move
    assert sw.rows() == [{"mac": A_MAC, "port": 3}, {"mac": B_MAC, "port": 2}]
    assert sw.peer(4) == "gateway"


def test_a_hub_repeats_everything_and_learns_nothing():
    hub = Hub("hub", {"A": 1, "B": 2, "C": 3})
    assert hub.learn(A_MAC, 1) is None
    assert hub.out_ports(B_MAC, 1) == [2, 3]
    assert hub.out_ports(BROADCAST_MAC, 2) == [1, 3]
    assert not hasattr(hub, "table")


# -- the storm ------------------------------------------------------------------------------------


def _hashimoto_counts(switches, links, attach, origin, ticks):
    """Copies per tick, from the topology alone: A's frame crosses A's link at tick 1; at
    tick 2 the origin switch sends one copy on each of its switch links (and one to each of
    its other hosts); from then on the copies on the directed switch links follow the
    non-backtracking (Hashimoto) matrix B, with B[(u,v),(v,w)] = 1 for w != u, and every copy
    arriving at a switch also goes to each host on it. Returns (trunk, edge) per tick."""
    edges = [(u, v) for u, v in links] + [(v, u) for u, v in links]
    index = {e: i for i, e in enumerate(edges)}
    matrix = [[0] * len(edges) for _ in edges]
    for (u, v), i in index.items():
        for (v2, w), j in index.items():
            if v2 == v and w != u:
                matrix[j][i] = 1  # column: from edge i, row: to edge j
    hosts_on = {s: sum(1 for h, at in attach.items() if at == s) for s in switches}
    start = attach[origin]
    x = [1 if u == start else 0 for u, _ in edges]
    trunk, edge = [0], [1]
    if ticks >= 2:
        trunk.append(sum(x))
        edge.append(hosts_on[start] - 1)
    for _ in range(3, ticks + 1):
        arriving = x
        edge.append(sum(c * hosts_on[v] for c, (_, v) in zip(arriving, edges, strict=True)))
        x = [sum(row[i] * arriving[i] for i in range(len(edges))) for row in matrix]
        trunk.append(sum(x))
    return trunk, edge


@pytest.mark.parametrize("hosts", range(arp.MIN_HOSTS, arp.MAX_HOSTS + 1))
def test_storm_counts_are_the_non_backtracking_walks_of_the_topology(hosts):
    trace = arp.build(ArpOptions(loop=True, hosts=hosts), frames=False)
    p = trace.params
    counts = p["storm_counts"]
    trunk, edge = _hashimoto_counts(
        p["storm_switches"],
        [tuple(link) for link in p["storm_links"]],
        p["storm_attach"],
        "A",
        len(counts),
    )
    assert p["storm_trunk_counts"] == trunk
    assert p["storm_edge_counts"] == edge
    assert counts == [t + e for t, e in zip(trunk, edge, strict=True)]
    # it grows: from tick 3 on, every tick has twice the switch-to-switch copies of the last
    assert all(b == 2 * a for a, b in itertools.pairwise(trunk[2:]))
    assert counts == sorted(counts) and counts[-1] > 10 * counts[2]
    # the cap: the first tick with 1000 copies or more, or tick 12
    over = [i for i, c in enumerate(counts, start=1) if c >= switching.STORM_MAX_COPIES]
    assert len(counts) == min([*over[:1], switching.STORM_MAX_TICKS])


def test_a_ring_never_grows_and_never_stops():
    ring = Topology(("s1", "s2", "s3"), (("s1", "s2"), ("s2", "s3"), ("s1", "s3")), {"A": "s1"})
    ticks = switching.storm(ring, "A", A_MAC, max_ticks=30)
    assert len(ticks) == 30  # it only stops at the cap
    assert [t.trunk for t in ticks[1:]] == [2] * 29
    trunk, _ = _hashimoto_counts(ring.switches, ring.links, ring.attach, "A", 30)
    assert [t.trunk for t in ticks] == trunk


def test_a_tree_stops_by_itself():
    """What STP achieves: the same switches, links forming a tree, one copy per switch."""
    tree = Topology(
        ("s1", "s2", "s3", "s4"),
        (("s1", "s2"), ("s1", "s3"), ("s1", "s4")),
        {"A": "s1", "B": "s2", "C": "s3", "gateway": "s4"},
    )
    ticks = switching.storm(tree, "A", A_MAC)
    assert [t.copies for t in ticks] == [1, 3, 3]
    assert sum(ticks[-1].hosts.values()) == 3  # B, C and the gateway, once each
    assert ticks[-1].hosts == {"B": 1, "C": 1, "gateway": 1}


def test_the_mac_table_flaps_in_the_storm():
    trace = arp.build(ArpOptions(loop=True), frames=False)
    ports = {}
    for step in trace.steps:
        for key, rows in step.tables.items():
            if key.startswith("mac:"):
                for row in rows:
                    if row["mac"] == A_MAC:
                        ports.setdefault(key, []).append(row["port"])
    assert set(ports) == {"mac:sw1", "mac:sw2", "mac:sw3", "mac:sw4"}
    for key, seen in ports.items():
        assert len(set(seen)) >= 2, f"{key}: A's MAC never moved"
    assert any(n.key == "arp.storm.flap" for s in trace.steps for n in s.notes)


def test_the_storm_steps_are_one_per_tick():
    trace = arp.build(ArpOptions(loop=True), frames=False)
    counts = trace.params["storm_counts"]
    ticks = [
        s
        for s in trace.steps
        if any(n.key in ("arp.storm.tick", "arp.storm.first_flood") for n in s.notes)
    ]
    assert len(ticks) == len(counts)
    for tick, (step, count) in enumerate(zip(ticks, counts, strict=True), start=1):
        note = next(n for n in step.notes if n.key in ("arp.storm.tick", "arp.storm.first_flood"))
        assert (note.params["tick"], note.params["copies"]) == (tick, count)
    first, flood = ticks[0], ticks[1]
    assert (first.src, first.dst, first.fields["eth_dst"]) == ("A", "sw1", BROADCAST_MAC)
    assert flood.copy_of == first.index and flood.to == ("sw2", "sw3", "sw4")
    assert all(s.event == "arp_storm_tick" for s in ticks[2:])
    assert trace.steps[-1].event == "arp_storm_cap"
    assert [s for s in trace.steps if s.copy_of is None and s.protocol] == [first]


# -- the trace ------------------------------------------------------------------------------------


def _flow(trace):
    return [(s.src, s.dst, s.to, s.protocol, s.summary) for s in trace.steps]


#: the reply names the request's frame number in the capture (each frame captured once)
ECHO_REPLY = "Echo (ping) reply id=0x0001, seq=1/256, ttl=64 (request in 3)"


def test_the_default_flow():
    trace = arp.build(ArpOptions(), frames=False)
    assert [n.name for n in trace.nodes] == ["A", "switch", "B", "C", "gateway"]
    assert _flow(trace) == [
        ("A", None, (), "", "ARP cache miss: 192.168.1.11"),
        ("A", "switch", (), "ARP", "Who has 192.168.1.11? Tell 192.168.1.10"),
        ("switch", "B", ("B", "C", "gateway"), "ARP", "Who has 192.168.1.11? Tell 192.168.1.10"),
        ("B", "switch", (), "ARP", "192.168.1.11 is at 02:00:00:00:00:02"),
        ("switch", "A", (), "ARP", "192.168.1.11 is at 02:00:00:00:00:02"),
        ("A", "switch", (), "ICMP", "Echo (ping) request id=0x0001, seq=1/256, ttl=64"),
        ("switch", "B", (), "ICMP", "Echo (ping) request id=0x0001, seq=1/256, ttl=64"),
        ("B", "switch", (), "ICMP", ECHO_REPLY),
        ("switch", "A", (), "ICMP", ECHO_REPLY),
        # B used its unconfirmed entry for A: 5 s later it checks it, by unicast
        ("B", None, (), "", "ARP probe: 192.168.1.10"),
        ("B", "switch", (), "ARP", "Who has 192.168.1.10? Tell 192.168.1.11"),
        ("switch", "A", (), "ARP", "Who has 192.168.1.10? Tell 192.168.1.11"),
        ("A", "switch", (), "ARP", "192.168.1.10 is at 02:00:00:00:00:01"),
        ("switch", "B", (), "ARP", "192.168.1.10 is at 02:00:00:00:00:01"),
    ]
    req, flood, reply, fwd = trace.steps[1:5]
    assert req.fields == {
        "op": 1,
        "hwsrc": A_MAC,
        "psrc": "192.168.1.10",
        "hwdst": ZERO_MAC,
        "pdst": "192.168.1.11",
        "eth_src": A_MAC,
        "eth_dst": BROADCAST_MAC,
    }
    assert reply.fields["op"] == 2 and reply.fields["eth_dst"] == A_MAC
    assert (flood.copy_of, fwd.copy_of) == (req.index, reply.index)
    last = trace.steps[8].tables  # when the ping is over
    assert last["mac:switch"] == [{"mac": A_MAC, "port": 1}, {"mac": B_MAC, "port": 2}]
    assert last["arp:A"] == [{"ip": "192.168.1.11", "mac": B_MAC, "state": REACHABLE}]
    assert last["arp:B"] == [{"ip": "192.168.1.10", "mac": A_MAC, "state": DELAY}]
    assert last["arp:C"] == last["arp:gateway"] == []
    assert trace.steps[-1].tables["arp:B"][0]["state"] == REACHABLE
    # the switch learns A at A's request, B at B's reply
    assert trace.steps[0].tables["mac:switch"] == []
    assert req.tables["mac:switch"] == [{"mac": A_MAC, "port": 1}]
    # the reply needs no ARP: B has A from the request, before it answers
    assert flood.tables["arp:B"][0]["mac"] == A_MAC
    assert any(n.key == "arp.ip.reply_no_arp" for n in trace.steps[7].notes)
    assert trace.params["ports"] == {"A": 1, "B": 2, "C": 3, "gateway": 4}


def test_off_subnet_goes_through_the_gateway():
    trace = arp.build(ArpOptions(target="203.0.113.10"), frames=False)
    gw = "02:00:00:00:00:fe"
    arps = [s for s in trace.steps if s.protocol == "ARP" and s.fields["psrc"] == "192.168.1.10"]
    assert {s.fields["pdst"] for s in arps if s.fields["op"] == 1} == {"192.168.1.1"}
    assert trace.params["owner"] == "gateway"
    echo = [s for s in trace.steps if s.protocol == "ICMP" and s.copy_of is None]
    request, reply = echo
    assert (request.fields["eth_dst"], request.fields["ip_dst"]) == (gw, "203.0.113.10")
    assert (reply.fields["eth_src"], reply.fields["ip_src"]) == (gw, "203.0.113.10")
    assert reply.src == "gateway" and reply.time > request.time + arp.OUTSIDE_RTT
    miss = trace.steps[0]
    decide = next(n for n in miss.notes if n.key == "arp.decide.gateway")
    assert (decide.params["target_net"], decide.params["own_net"]) == ("203.0.113.0", "192.168.1.0")


def test_again_finds_the_cache_and_sends_no_arp():
    trace = arp.build(ArpOptions(again=True), frames=False)
    hit = next(s for s in trace.steps if s.event == "arp_cache_hit")
    assert hit.time == 1.0
    probe = next(s for s in trace.steps if s.event == "arp_probe")
    later = [s for s in trace.steps if hit.index < s.index < probe.index]
    assert [s.protocol for s in later] == ["ICMP"] * 4
    assert [s.fields["seq"] for s in later] == [2, 2, 2, 2]
    assert sum(1 for s in trace.steps if s.protocol == "ARP" and s.time < probe.time) == 4
    # B's entry is still in DELAY for the second reply: the probe comes 5 s after the first
    assert later[2].tables["arp:B"][0]["state"] == DELAY
    assert probe.time == pytest.approx(trace.steps[7].time + 5)


def test_a_hub_repeats_even_the_unicast_reply():
    trace = arp.build(ArpOptions(hub=True), frames=False)
    assert [n.name for n in trace.nodes] == ["A", "hub", "B", "C", "gateway"]
    assert all("mac:switch" not in s.tables for s in trace.steps)
    for step in trace.steps:
        if step.src == "hub":
            sender = trace.steps[step.copy_of - 1].src
            assert set(step.receivers) == {"A", "B", "C", "gateway"} - {sender}
    reply = next(s for s in trace.steps if s.src == "hub" and s.fields.get("op") == 2)
    dropped = [n.params["host"] for n in reply.notes if n.key == "arp.rx.not_my_mac"]
    assert dropped == ["C", Note("arp.subject.gateway")]


def test_gratuitous_updates_only_who_had_an_entry():
    trace = arp.build(ArpOptions(gratuitous=True), frames=False)
    announce, flood = trace.steps[0], trace.steps[1]
    assert announce.fields["psrc"] == announce.fields["pdst"] == "192.168.1.10"
    assert announce.fields["eth_dst"] == BROADCAST_MAC and announce.fields["hwdst"] == ZERO_MAC
    assert announce.summary == "ARP Announcement for 192.168.1.10"
    assert flood.tables["arp:gateway"] == [{"ip": "192.168.1.10", "mac": A_MAC, "state": STALE}]
    assert flood.tables["arp:B"] == flood.tables["arp:C"] == []
    keys = [n.key for n in flood.notes]
    assert keys.count("arp.rx.garp_ignored") == 2 and "arp.rx.updated" in keys
    # RFC 5227 section 2.3: ANNOUNCE_NUM = 2 announcements, ANNOUNCE_INTERVAL = 2 s apart
    again, flood_again = trace.steps[2], trace.steps[3]
    assert (again.time, again.fields, again.summary) == (2.0, announce.fields, announce.summary)
    assert flood_again.copy_of == again.index
    assert flood_again.tables["arp:gateway"] == flood.tables["arp:gateway"]  # nothing new
    assert trace.steps[4].time == 3.0 and trace.steps[4].event == "arp_cache_miss"


def test_nobody_answers_an_address_nobody_has():
    trace = arp.build(ArpOptions(target="192.168.1.200"), frames=False)
    requests = [s for s in trace.steps if s.protocol == "ARP" and s.copy_of is None]
    assert [s.time for s in requests] == [0.0, 1.0, 2.0]
    assert all(s.fields["op"] == 1 for s in requests)
    assert trace.steps[-1].event == "arp_failed" and trace.steps[-1].time == 3.0
    assert trace.steps[-1].tables["arp:A"] == [
        {"ip": "192.168.1.200", "mac": None, "state": FAILED}
    ]
    assert not any(s.protocol == "ICMP" for s in trace.steps)


@pytest.mark.parametrize("options", VARIANTS, ids=IDS)
def test_every_trace_is_well_formed(options):
    trace = arp.build(options, frames=False)
    names = [n.name for n in trace.nodes]
    members = [n.name for n in trace.nodes if n.role in ("host", "gateway")]
    assert names[0] == "A" and names[-1] == "gateway"
    assert [s.index for s in trace.steps] == list(range(1, len(trace.steps) + 1))
    assert [s.time for s in trace.steps] == sorted(s.time for s in trace.steps)
    for step in trace.steps:
        assert {f"arp:{m}" for m in members} <= set(step.tables)
        if step.dst is None:
            assert step.event and step.protocol == "" and not step.to
            continue
        assert step.dst in names and step.src in names and step.src != step.dst
        assert not step.to or (step.dst == step.to[0] and len(step.to) > 1)
        assert set(step.receivers) <= set(names)
        if step.copy_of is not None:
            original = trace.steps[step.copy_of - 1]
            assert original.copy_of is None and original.index < step.index
            assert (original.fields, original.summary) == (step.fields, step.summary)
        if step.protocol == "ARP" and step.fields["op"] == 1:
            probe = trace.steps[(step.copy_of or step.index) - 2].event == "arp_probe"
            owner = trace.params["macs"].get(
                next(
                    (n for n, ip in trace.params["addresses"].items() if ip == step.fields["pdst"]),
                    "",
                )
            )
            assert step.fields["eth_dst"] == (owner if probe else BROADCAST_MAC)
            assert step.fields["hwdst"] == ZERO_MAC
        if step.protocol == "ARP" and step.fields["op"] == 2:
            assert step.fields["eth_dst"] == step.fields["hwdst"] != BROADCAST_MAC
    assert 3 <= len(trace.remember) <= 6


@pytest.mark.parametrize("options", VARIANTS, ids=IDS)
def test_frames_false_is_the_same_trace_without_packets(options):
    with_frames = arp.build(options)
    without = arp.build(options, frames=False)
    assert all(s.packet is None for s in without.steps)
    for a, b in zip(with_frames.steps, without.steps, strict=True):
        assert (a.packet is None) == (b.protocol == "")
        assert dataclasses.replace(a, packet=None) == b
    assert dataclasses.replace(with_frames, steps=[]) == dataclasses.replace(without, steps=[])


@pytest.mark.parametrize("options", VARIANTS, ids=IDS)
def test_the_same_options_give_the_same_trace(options):
    one, two = arp.build(options), arp.build(options)
    assert [bytes(s.packet) if s.packet is not None else None for s in one.steps] == [
        bytes(s.packet) if s.packet is not None else None for s in two.steps
    ]
    assert [dataclasses.replace(s, packet=None) for s in one.steps] == [
        dataclasses.replace(s, packet=None) for s in two.steps
    ]


@pytest.mark.parametrize("options", VARIANTS[:10], ids=IDS[:10])
def test_the_packets_carry_the_fields(options):
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import ARP, Ether

    trace = arp.build(options)
    for step in trace.steps:
        if step.packet is None:
            continue
        pkt, f = step.packet, step.fields
        assert (pkt[Ether].src, pkt[Ether].dst) == (f["eth_src"], f["eth_dst"])
        if step.protocol == "ARP":
            arp_layer = pkt[ARP]
            got = (arp_layer.op, arp_layer.hwsrc, arp_layer.psrc, arp_layer.hwdst, arp_layer.pdst)
            assert got == (f["op"], f["hwsrc"], f["psrc"], f["hwdst"], f["pdst"])
        else:
            assert (pkt[IP].src, pkt[IP].dst, pkt[IP].ttl) == (f["ip_src"], f["ip_dst"], f["ttl"])
            assert (pkt[ICMP].type, pkt[ICMP].id, pkt[ICMP].seq) == (f["type"], f["id"], f["seq"])
        if step.copy_of is not None:
            assert step.packet is trace.steps[step.copy_of - 1].packet


# -- every sentence in both languages -------------------------------------------------------------


def _notes(note):
    yield note
    for value in note.params.values():
        if isinstance(value, Note):
            yield from _notes(value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_note_renders_in_both_languages(lang):
    cat = i18n.catalogue(lang)
    for options in VARIANTS:
        trace = arp.build(options, frames=False)
        notes = [trace.title, *trace.header, *trace.remember]
        notes += [n for step in trace.steps for n in step.notes]
        for note in notes:
            for inner in _notes(note):
                assert inner.key in cat, f"{inner.key} missing in {lang}"
            assert "{" not in i18n.render(note, lang)
        for step in trace.steps:
            if step.event:
                assert f"ui.event.{step.event}" in cat
                label = i18n.text(f"ui.event.{step.event}", lang, **dict(step.notes[0].params))
                assert "{" not in label
            for key, rows in step.tables.items():
                kind = key.partition(":")[0]
                assert f"table.{kind}" in cat
                for row in rows:
                    assert all(f"table.{kind}.{column}" in cat for column in row)
            if step.dst is not None:
                for name in (step.src, *step.receivers):
                    assert len(name) == 1 or f"node.{name}" in cat


def test_the_error_keys_exist_with_their_placeholders():
    """Each LanProblem code names a catalogue sentence that uses exactly its params."""
    problems = []
    for make in (
        lambda: arp.parse_subnet("10.0.0.0/33"),
        lambda: arp.parse_subnet("10.0.0.5/24"),
        lambda: arp.parse_subnet("10.0.0.0/29"),
        lambda: arp.parse_subnet("127.0.0.0/24"),
        lambda: arp.check_hosts(9),
        lambda: ArpOptions(loop=True, hub=True),
        *(
            lambda t=t: arp.check_target(ArpOptions().lan(), t)
            for t in (
                "x",
                "192.168.1.10",
                "192.168.1.0",
                "192.168.1.255",
                "255.255.255.255",
                "224.0.0.1",
                "127.0.0.1",
                "0.1.2.3",
                "240.0.0.1",
                "169.254.1.1",
            )
        ),
    ):
        with pytest.raises(LanProblem) as caught:
            make()
        problems.append(caught.value)
    placeholder = re.compile(r"\{(\w+)\}")
    for lang in ("en", "zh"):
        cat = i18n.catalogue(lang)
        for problem in problems:
            if problem.code == "combo":
                continue  # the CLI says it with errors.combo
            key = f"errors.allowed.arp_{problem.code}"
            assert key in cat, key
            assert set(placeholder.findall(cat[key])) == set(problem.params), key
            if "kind" in problem.params:
                assert f"errors.allowed.arp_kind_{problem.params['kind']}" in cat


def test_frames_false_imports_no_scapy():
    """Quiz generators build traces without packets: not a single scapy module may load."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from netlab.sim import arp\n"
        "for o in (arp.ArpOptions(), arp.ArpOptions(loop=True), arp.ArpOptions(hub=True)):\n"
        "    arp.build(o, frames=False)\n"
        "loaded = [m for m in sys.modules if m.startswith('scapy')]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("prefix", range(0, 33))
def test_a_suggested_subnet_is_itself_accepted(prefix):
    """--subnet with host bits set suggests the network meant only when netlab accepts it."""
    from netlab.sim.arp import LanProblem, parse_subnet

    for address in ("10.0.0.5", "192.168.77.201", "172.16.3.3", "1.2.3.4"):
        try:
            parse_subnet(f"{address}/{prefix}")
        except LanProblem as problem:
            suggested = problem.params.get("network")
            if suggested is not None:
                parse_subnet(str(suggested))  # raises if the suggestion were refused
