"""``netlab simulate ospf``: every router's table against a Dijkstra written here (built-in and
random topologies, with and without ``--fail``), identical databases, Dijkstra's order, the
RIP comparison on mesh, the LS Update frames, and bad input."""

from __future__ import annotations

import heapq
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.cli.main import main
from netlab.sim import ospf
from netlab.sim.topology import BUILT_IN, Attachment, Network, Topology, check

NAMES = sorted(BUILT_IN)


def _key(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _expected(topology: Topology, root: str, down: frozenset[str]) -> dict[str, tuple]:
    """prefix -> (cost, first hops allowed) by a plain Dijkstra over routers, then networks."""
    up = [n for n in topology.networks if n.name not in down]
    dist = {root: 0}
    firsts: dict[str, set[str]] = {root: set()}
    heap = [(0, root)]
    done: set[str] = set()
    while heap:
        d, router = heapq.heappop(heap)
        if router in done:
            continue
        done.add(router)
        for net in up:
            if router not in net.nodes():
                continue
            for other in net.nodes():
                if other == router or other not in topology.routers:
                    continue
                nd = d + net.cost
                via = {other} if router == root else firsts[router]
                if other not in dist or nd < dist[other]:
                    dist[other], firsts[other] = nd, set(via)
                    heapq.heappush(heap, (nd, other))
                elif nd == dist[other]:
                    firsts[other] |= via
    result = {}
    for net in up:
        routers = [r for r in net.nodes() if r in topology.routers]
        if root in routers:
            result[net.prefix] = (0, set())
            continue
        reach = [r for r in routers if r in dist]
        if not reach:
            continue
        best = min(dist[r] + net.cost for r in reach)
        allowed = set().union(*(firsts[r] for r in reach if dist[r] + net.cost == best))
        result[net.prefix] = (best, allowed)
    return result


def _assert_tables(topology: Topology, trace, down: frozenset[str]) -> None:
    tables = ospf.tables_of(trace)
    for router in topology.routers:
        rows = {r["destination"]: r for r in tables[f"route:{router}"]}
        expected = _expected(topology, router, down)
        assert set(rows) == set(expected), router
        for prefix, (cost, allowed) in expected.items():
            row = rows[prefix]
            if not allowed:
                assert row["next_hop"] is None and row["metric"] == 0
                continue
            assert row["metric"] == cost, (router, prefix)
            hop = topology.owner_of(row["next_hop"])
            assert hop == min(allowed, key=_key), (router, prefix, hop, allowed)
            net = next(n for n in topology.networks if row["next_hop"] in [m.ip for m in n.members])
            assert net.name not in down
            assert net.member(router).iface == row["iface"]


@pytest.mark.parametrize("name", NAMES)
def test_tables_are_the_shortest_paths_on_built_in_topologies(name):
    topology = BUILT_IN[name]()
    trace = ospf.build(ospf.OspfOptions(topology), frames=False)
    _assert_tables(topology, trace, frozenset())


@pytest.mark.parametrize(
    "name,link",
    [(n, net.name) for n in NAMES for net in BUILT_IN[n]().networks],
)
def test_fail_gives_the_new_shortest_paths(name, link):
    topology = BUILT_IN[name]()
    trace = ospf.build(ospf.OspfOptions(topology, fail=link), frames=False)
    _assert_tables(topology, trace, frozenset({link}))


def _random(n: int, edges: list[tuple[int, int, int]]) -> Topology:
    networks = []
    for k, (a, b, cost) in enumerate(edges):
        ra, rb = f"R{a + 1}", f"R{b + 1}"
        members = (
            Attachment(ra, f"eth{k}", f"10.{k}.0.1", f"02:00:00:{k:02x}:00:01"),
            Attachment(rb, f"eth{k}", f"10.{k}.0.2", f"02:00:00:{k:02x}:00:02"),
        )
        networks.append(Network(f"{ra}-{rb}", f"10.{k}.0.0/30", cost, members))
    routers = tuple(f"R{i + 1}" for i in range(n))
    return check(Topology("random", routers, (), tuple(networks), {}))


@st.composite
def topologies(draw):
    n = draw(st.integers(2, 8))
    edges = {}
    for i in range(1, n):  # a random spanning tree: connected
        edges[(draw(st.integers(0, i - 1)), i)] = draw(st.integers(1, 20))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n) if (a, b) not in edges]
    for pair in draw(
        st.lists(st.sampled_from(pairs), unique=True, max_size=8) if pairs else st.just([])
    ):
        edges[pair] = draw(st.integers(1, 20))
    return _random(n, [(a, b, c) for (a, b), c in edges.items()])


@settings(max_examples=60, deadline=None)
@given(topologies(), st.data())
def test_tables_are_the_shortest_paths_on_random_topologies(topology, data):
    trace = ospf.build(ospf.OspfOptions(topology), frames=False)
    _assert_tables(topology, trace, frozenset())
    link = data.draw(st.sampled_from([n.name for n in topology.networks]))
    trace = ospf.build(ospf.OspfOptions(topology, fail=link), frames=False)
    _assert_tables(topology, trace, frozenset({link}))


@settings(max_examples=40, deadline=None)
@given(topologies())
def test_every_database_is_the_same_after_flooding(topology):
    run = ospf._Run(topology, frames=False)
    lsas = [ospf.originate(topology, r, ospf.INITIAL_SEQ, frozenset()) for r in topology.routers]
    run.flood(lsas, frozenset())
    first = run.dbs[topology.routers[0]]
    assert set(first) == set(topology.routers)
    assert all(db == first for db in run.dbs.values())


@pytest.mark.parametrize(
    "name,link",
    [
        (n, net.name)
        for n in ("ring", "mesh")
        for net in BUILT_IN[n]().networks
        if "LAN" not in net.name
    ],
)
def test_databases_agree_again_after_a_failure(name, link):
    """(A link whose loss keeps the routers connected: on line or campus the two sides keep
    different databases, as real OSPF does until the old LSAs age out.)"""
    topology = BUILT_IN[name]()
    run = ospf._Run(topology, frames=False)
    run.flood(
        [ospf.originate(topology, r, ospf.INITIAL_SEQ, frozenset()) for r in topology.routers],
        frozenset(),
    )
    down = frozenset({link})
    ends = topology.network(link).nodes()
    run.flood([ospf.originate(topology, r, ospf.INITIAL_SEQ + 1, down) for r in ends], down)
    dbs = list(run.dbs.values())
    assert all(db == dbs[0] for db in dbs)
    assert {dbs[0][r].seq for r in ends} == {ospf.INITIAL_SEQ + 1}
    assert all(link not in [x.network for x in dbs[0][r].links] for r in ends)


@settings(max_examples=40, deadline=None)
@given(topologies(), st.data())
def test_dijkstra_confirms_in_non_decreasing_cost_order(topology, data):
    root = data.draw(st.sampled_from(topology.routers))
    trace = ospf.build(ospf.OspfOptions(topology, router=root), frames=False)
    spf = [s for s in trace.steps if s.event == "ospf_spf"]
    costs = [s.fields["cost"] for s in spf]
    assert costs == sorted(costs)
    assert spf[0].fields["confirmed"] == root
    assert sorted(s.fields["confirmed"] for s in spf) == sorted(topology.routers)
    expected = _expected(topology, root, frozenset())
    # each router's confirmed cost is its shortest distance: the cost of a link to it, minus one
    for step in spf:
        router = step.fields["confirmed"]
        links = [n for n in topology.networks if router in n.nodes() and len(n.nodes()) == 2]
        assert any(expected[n.prefix][0] <= step.fields["cost"] + n.cost for n in links)


def test_rip_and_ospf_choose_different_paths_on_mesh():
    trace = ospf.build(ospf.OspfOptions(BUILT_IN["mesh"]()), frames=False)
    note = trace.remember[-1]
    assert note.key == "ospf.rip.differ"
    assert note.params["rip"] == "R1-R5" and note.params["rip_cost"] == 10
    assert note.params["ospf"] == "R1-R2-R3-R5" and note.params["ospf_cost"] == 3


def test_line_says_both_choose_the_same_path():
    trace = ospf.build(ospf.OspfOptions(BUILT_IN["line"]()), frames=False)
    assert trace.remember[-1].key == "ospf.rip.same"


def test_ls_update_frames():
    trace = ospf.build(ospf.OspfOptions(BUILT_IN["mesh"]()))
    frames = [s for s in trace.steps if s.packet is not None]
    # each of the 5 LSAs leaves its originator on all its links and every other router on all
    # but the one it came in on: sum of degrees - (routers - 1) = 12 - 4 = 8 frames per LSA
    assert len(frames) == 5 * 8
    from scapy.contrib.ospf import OSPF_Hdr, OSPF_Router_LSA
    from scapy.layers.inet import IP

    for step in frames:
        pkt = step.packet
        assert pkt[IP].dst == "224.0.0.5" and pkt[IP].ttl == 1 and pkt[IP].proto == 89
        assert pkt[OSPF_Hdr].type == 4
        lsa = pkt[OSPF_Router_LSA]
        assert lsa.adrouter == step.fields["lsa_router"]
        assert f"0x{lsa.seq:08x}" == step.fields["lsa_seq"]
        assert lsa.age == step.fields["lsa_age"]
    assert sum(s.fields["installed"] for s in frames) == 5 * 4


@pytest.mark.parametrize(
    "args,words",
    [
        (["--fail", "R1-R9"], ["R1-R9", "R4-R5"]),
        (["--fail", ""], ["R1-R2"]),
        (["--router", "R7"], ["R7", "R5"]),
        (["--topology", "nowhere"], ["nowhere", "mesh"]),
        (["--topology", "line", "--fail", "R3-R5"], ["R3-R5", "R2-R3"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, words, capsys):
    assert main(["simulate", "ospf", *args]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("netlab: error:"), err
    for word in words:
        assert word in lines[0]


def test_json_has_every_table_after_each_step(capsys):
    assert main(["simulate", "ospf", "--fail", "R2-R3", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    routes = {f"route:R{i}" for i in range(1, 6)}
    assert all(routes <= set(s["tables"]) for s in steps)
    assert "lsdb" in steps[-1]["tables"]
