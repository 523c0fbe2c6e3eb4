"""``netlab simulate route``: longest-prefix match against ``ipaddress``, the static tables and
paths against a breadth-first search written here, TTLs hop by hop, ICMP quotes byte by byte."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.cli import sim_route
from netlab.sim import route
from netlab.sim.routing_table import Route, RoutingTable, static_tables
from netlab.sim.topology import BUILT_IN

NAMES = sorted(BUILT_IN)


def _key(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


# -- longest-prefix match ------------------------------------------------------------------------

prefixes = st.builds(
    lambda value, length: ipaddress.IPv4Network((value, length), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(prefixes, min_size=1, max_size=12, unique=True), st.integers(0, 2**32 - 1))
def test_lookup_is_the_longest_matching_prefix(networks, value):
    table = RoutingTable(
        tuple(Route(str(n), None, f"eth{i}", 0, "connected") for i, n in enumerate(networks))
    )
    ip = ipaddress.IPv4Address(value)
    chosen, candidates = table.lookup(str(ip))
    matching = [n for n in networks if ip in n]
    assert [c.matches for c in candidates] == [ip in n for n in networks]
    for c, n in zip(candidates, networks, strict=True):
        assert c.anded == str(ipaddress.IPv4Address(int(ip) & int(n.netmask)))
    if not matching:
        assert chosen is None
    else:
        best = max(matching, key=lambda n: n.prefixlen)
        assert chosen is not None and chosen.prefix == str(best)


def test_the_longest_of_two_matches_wins():
    table = RoutingTable(
        (
            Route("10.0.0.0/8", "10.255.0.1", "eth1", 1, "static"),
            Route("10.1.0.0/16", "10.1.0.1", "eth2", 1, "static"),
            Route("0.0.0.0/0", "192.0.2.1", "eth0", 1, "static"),
        )
    )
    chosen, candidates = table.lookup("10.1.2.3")
    assert chosen.prefix == "10.1.0.0/16"
    assert [c.matches for c in candidates] == [True, True, True]
    assert table.lookup("10.2.0.1")[0].prefix == "10.0.0.0/8"
    assert table.lookup("198.51.100.1")[0].prefix == "0.0.0.0/0"


# -- static tables and paths -------------------------------------------------------------------


def _bfs_next_hop(net, router: str, network) -> tuple[int, str | None]:
    """Hops from ``router`` to a router on ``network`` and the neighbour to take (lowest name
    among those on a shortest path), by a breadth-first search from the network."""
    graph: dict[str, set[str]] = {r: set() for r in net.routers}
    for n in net.networks:
        on = [m.node for m in n.members if m.node in net.routers]
        for a in on:
            graph[a] |= {b for b in on if b != a}
    dist = {m.node: 0 for m in network.members if m.node in net.routers}
    frontier = list(dist)
    while frontier:
        nxt = []
        for r in frontier:
            for b in graph[r]:
                if b not in dist:
                    dist[b] = dist[r] + 1
                    nxt.append(b)
        frontier = nxt
    if dist[router] == 0:
        return 0, None
    closer = sorted((b for b in graph[router] if dist[b] == dist[router] - 1), key=_key)
    return dist[router], closer[0]


@pytest.mark.parametrize("name", NAMES)
def test_static_tables_are_fewest_hop_routes(name):
    net = BUILT_IN[name]()
    tables = static_tables(net)
    for router in net.routers:
        routes = {r.prefix: r for r in tables[router].routes}
        assert set(routes) == {n.prefix for n in net.networks}  # every network, no default
        for network in net.networks:
            hops, via = _bfs_next_hop(net, router, network)
            r = routes[network.prefix]
            if hops == 0:
                assert (r.next_hop, r.source, r.metric) == (None, "connected", 0)
            else:
                assert r.source == "static" and r.metric == hops
                assert net.owner_of(r.next_hop) == via


def _frames(trace):
    return [s for s in trace.steps if s.dst is not None]


@pytest.mark.parametrize("name", NAMES)
def test_the_packet_follows_a_shortest_path_and_loses_one_ttl_per_router(name):
    net = BUILT_IN[name]()
    trace = route.build(route.RouteOptions(net))
    frames = _frames(trace)
    requests = [s for s in frames if s.fields["kind"] == "echo_request"]
    path = [requests[0].src] + [s.dst for s in requests]
    # the routers crossed, hop by hop, as the search written here finds them
    lan_b = next(n for n in net.networks if n.member(net.hosts[-1]))
    expected, router = [net.hosts[0]], net.owner_of(net.gateways[net.hosts[0]])
    while True:
        expected.append(router)
        hops, via = _bfs_next_hop(net, router, lan_b)
        if hops == 0:
            break
        router = via
    expected.append(net.hosts[-1])
    assert path == expected
    assert [s.fields["ttl"] for s in requests] == [64 - i for i in range(len(requests))]
    for s in requests:
        assert s.packet["IP"].ttl == s.fields["ttl"]
        assert f"0x{s.packet['IP'].chksum:04x}" == s.fields["ip_checksum"]
    replies = [s for s in frames if s.fields["kind"] == "echo_reply"]
    assert [s.fields["ttl"] for s in replies] == [64 - i for i in range(len(replies))]
    assert trace.steps[-1].event == "route_received"
    assert trace.steps[-1].notes[0].params["count"] == len(expected) - 2


def test_each_link_has_the_sending_interface_and_next_hop_macs():
    net = BUILT_IN["line"]()
    trace = route.build(route.RouteOptions(net))
    macs = {m.mac: m.node for n in net.networks for m in n.members}
    for s in _frames(trace):
        assert macs[s.packet.src] == s.src and macs[s.packet.dst] == s.dst
        assert (s.packet["IP"].src, s.packet["IP"].dst) == (s.fields["ip_src"], s.fields["ip_dst"])


@pytest.mark.parametrize("ttl", [1, 2, 3])
def test_ttl_runs_out_and_the_router_quotes_the_packet(ttl):
    net = BUILT_IN["line"]()
    trace = route.build(route.RouteOptions(net, ttl=ttl))
    frames = _frames(trace)
    requests = [s for s in frames if s.fields["kind"] == "echo_request"]
    assert len(requests) == ttl  # the router at hop `ttl` receives TTL 1 and stops it
    last = requests[-1]
    assert last.fields["ttl"] == 1
    errors = [s for s in frames if s.fields["kind"] == "time_exceeded"]
    first = errors[0].packet
    assert (first["ICMP"].type, first["ICMP"].code) == (11, 0)
    # the quote: the IP header and 8 bytes of the request as that router received it
    received = bytes(last.packet["IP"])
    assert bytes(first["ICMP"].payload) == received[:28]
    # from the router's address on the interface back towards A, as Linux picks it
    assert first["IP"].src == ["192.168.1.1", "10.0.12.2", "10.0.23.2"][ttl - 1]
    assert errors[-1].dst == "A"


def test_traceroute_lists_each_router_then_the_port_unreachable():
    net = BUILT_IN["line"]()
    trace = route.build(route.RouteOptions(net, traceroute=True))
    hops = trace.params["hops"]
    assert [h["ip"] for h in hops] == ["192.168.1.1", "10.0.12.2", "10.0.23.2", "192.168.3.10"]
    probes = [s for s in _frames(trace) if s.fields["kind"] == "probe" and s.src == "A"]
    assert [s.packet["UDP"].dport for s in probes] == [33434, 33435, 33436, 33437]
    assert [s.packet["IP"].ttl for s in probes] == [1, 2, 3, 4]
    last = next(s for s in _frames(trace) if s.fields["kind"] == "port_unreachable").packet
    assert (last["ICMP"].type, last["ICMP"].code) == (3, 3)
    from netlab.views.route import traceroute_lines

    lines = traceroute_lines(trace)
    assert lines[1].startswith(" 1  192.168.1.1  ") and lines[-1].startswith(" 4  192.168.3.10  ")


def test_no_route_gives_network_unreachable():
    trace = route.build(route.RouteOptions(to="198.51.100.7"))
    errors = [s for s in _frames(trace) if s.fields["kind"] == "net_unreachable"]
    assert [(e.src, e.dst) for e in errors] == [("R1", "A")]
    icmp = errors[0].packet["ICMP"]
    assert (icmp.type, icmp.code) == (3, 0)


def test_pure_checksum_is_scapys():
    d = route.Datagram("probe", "192.168.1.10", "192.168.2.10", 7, 0x1234, sport=1, dport=2)
    from netlab.sim.packets import route as frames

    pkt = frames.frame(d, "02:00:00:00:00:01", "02:00:00:00:00:02")
    assert pkt["IP"].chksum == d.header_checksum()
    assert pkt["IP"].len == d.total_length


def test_frames_false_gives_the_same_steps():
    with_frames = route.build(route.RouteOptions(traceroute=True))
    without = route.build(route.RouteOptions(traceroute=True), frames=False)
    assert [s.summary for s in with_frames.steps] == [s.summary for s in without.steps]
    assert all(s.packet is None for s in without.steps)


def test_cli_names_the_built_in_topologies():
    assert set(sim_route.TOPOLOGIES) == set(BUILT_IN)


def test_own_network_is_refused():
    net = BUILT_IN["campus"]()
    assert route.target_problem(net, "192.168.1.77") == "own"
    assert route.target_problem(net, "192.168.1.1") is None
    assert route.target_problem(net, None) is None


@st.composite
def topologies(draw):
    """A random connected topology: 2 to 8 routers, a random tree plus extra links, host A
    behind one router and host B behind another (or the same)."""
    from netlab.sim.topology import Attachment, Network, Topology, check

    n = draw(st.integers(2, 8))
    routers = tuple(f"R{i}" for i in range(1, n + 1))
    pairs = {(draw(st.integers(1, i - 1)), i) for i in range(2, n + 1)}
    extra = draw(st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=6))
    pairs |= {(min(a, b), max(a, b)) for a, b in extra if a != b}
    networks = []
    for k, (a, b) in enumerate(sorted(pairs)):
        networks.append(
            Network(
                f"R{a}-R{b}",
                f"10.{k}.0.0/30",
                1,
                (
                    Attachment(f"R{a}", f"eth{k}a", f"10.{k}.0.1", f"02:00:00:{k:02x}:00:01"),
                    Attachment(f"R{b}", f"eth{k}b", f"10.{k}.0.2", f"02:00:00:{k:02x}:00:02"),
                ),
            )
        )
    ends = (draw(st.integers(1, n)), draw(st.integers(1, n)))
    gateways = {}
    for third, (host, r) in enumerate(zip(("A", "B"), ends, strict=True), start=1):
        networks.append(
            Network(
                f"LAN-{host}",
                f"192.168.{third}.0/24",
                1,
                (
                    Attachment(
                        f"R{r}", f"lan{third}", f"192.168.{third}.1", f"02:00:01:00:00:{third:02x}"
                    ),
                    Attachment(host, "eth0", f"192.168.{third}.10", f"02:00:02:00:00:{third:02x}"),
                ),
            )
        )
        gateways[host] = f"192.168.{third}.1"
    return check(Topology("random", routers, ("A", "B"), tuple(networks), gateways)), ends


@settings(max_examples=60, deadline=None)
@given(topologies())
def test_random_topologies_route_along_a_shortest_path(case):
    net, (first, last) = case
    trace = route.build(route.RouteOptions(net), frames=False)
    requests = [s for s in _frames(trace) if s.fields["kind"] == "echo_request"]
    routers = [s.dst for s in requests][:-1]
    lan_b = net.network("LAN-B")
    hops, _ = _bfs_next_hop(net, f"R{first}", lan_b)
    assert routers[0] == f"R{first}" and routers[-1] == f"R{last}"
    assert len(routers) == hops + 1  # no detour, no loop
    assert trace.steps[-1].fields["kind"] == "echo_reply"


# -- --protocol rip|ospf: the tables the protocol converged to ----------------------------------


def _router_graph(net):
    """Routers and the links between them, with each link's cost (written here)."""
    graph = {r: {} for r in net.routers}
    for network in net.networks:
        ends = [m.node for m in network.members if m.node in net.routers]
        for a in ends:
            for b in ends:
                if a != b:
                    graph[a][b] = min(graph[a].get(b, 1 << 30), network.cost)
    return graph


def _shortest(graph, start, goal, weight):
    """Dijkstra with ``weight(cost)`` per link: (total, path)."""
    import heapq

    queue, done = [(0, [start])], set()
    while queue:
        total, path = heapq.heappop(queue)
        if path[-1] == goal:
            return total, path
        if path[-1] in done:
            continue
        done.add(path[-1])
        for nxt, cost in graph[path[-1]].items():
            heapq.heappush(queue, (total + weight(cost), [*path, nxt]))
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("protocol", "weight", "expected"),
    [("rip", lambda cost: 1, ["R1", "R5"]), ("ospf", lambda cost: cost, ["R1", "R2", "R3", "R5"])],
)
def test_protocol_tables_steer_the_packet_on_mesh(protocol, weight, expected):
    net = BUILT_IN["mesh"]()
    trace = route.build(route.RouteOptions(net, protocol=protocol), frames=False)
    requests = [s for s in _frames(trace) if s.fields["kind"] == "echo_request"]
    crossed = [s.dst for s in requests if s.dst in net.routers]
    first = net.owner_of(net.gateways[net.hosts[0]])
    last = next(
        m.node
        for n in net.networks
        for m in n.members
        if m.node in net.routers and n.member(net.hosts[-1])
    )
    total, path = _shortest(_router_graph(net), first, last, weight)
    assert crossed == path == expected
    lan_b = next(n for n in net.networks if n.member(net.hosts[-1]))
    row = next(
        r for r in trace.steps[0].tables[f"route:{first}"] if r["destination"] == lan_b.prefix
    )
    # RIP: hop count, 1 for the connected network at the far end; OSPF: path cost + the LAN's
    assert row["metric"] == total + (1 if protocol == "rip" else lan_b.cost)
    assert f"route.header.tables_{protocol}" in [n.key for n in trace.header]
    assert trace.params["protocol"] == protocol


def test_static_is_the_default_and_names_itself():
    trace = route.build(route.RouteOptions(BUILT_IN["mesh"]()), frames=False)
    assert "route.header.tables_static" in [n.key for n in trace.header]


def test_cli_names_the_protocols():
    assert sim_route.PROTOCOLS == route.PROTOCOLS
