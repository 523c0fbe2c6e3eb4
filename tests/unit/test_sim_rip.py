"""``netlab simulate rip``: converged tables against a plain Bellman-Ford written here, for the
built-in and random topologies, with and without a failed link; counting to infinity without
split horizon, and never a routing loop with it; the RIP entries of the frames; bad options."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.cli.main import main
from netlab.sim import rip
from netlab.sim.topology import BUILT_IN, Attachment, Network, Topology, check

LAN_B = "192.168.3.0/24"


def bellman_ford(net: Topology, down: frozenset[str] = frozenset()) -> dict[str, dict[str, int]]:
    """RIP's metric of every reachable network at every router: 1 for a connected network,
    else 1 + the number of routers crossed after this one, by relaxing every link n-1 times."""
    routers = list(net.routers)
    up = [n for n in net.networks if n.name not in down]
    dist = {r: {} for r in routers}
    for n in up:
        for node in n.nodes():
            if node in dist:
                dist[node][n.prefix] = 1
    edges = [
        (a, b)
        for n in up
        for a in n.nodes()
        for b in n.nodes()
        if a != b and a in dist and b in dist
    ]
    for _ in range(len(routers)):
        for a, b in edges:
            for prefix, metric in dist[b].items():
                if metric + 1 < dist[a].get(prefix, 16):
                    dist[a][prefix] = metric + 1
    return dist


def metrics(trace) -> dict[str, dict[str, int]]:
    return {
        router: {prefix: row["metric"] for prefix, row in rows.items()}
        for router, rows in rip.final_tables(trace).items()
    }


def no_loop(net: Topology, step) -> bool:
    """Following next hops of a route with metric < 16 never comes back to a router."""
    owner_of = {m.ip: m.node for n in net.networks for m in n.members}
    tables = {k.partition(":")[2]: {r["destination"]: r for r in v} for k, v in step.tables.items()}
    for start, table in tables.items():
        for prefix, row in table.items():
            seen, at, r = {start}, start, row
            while r is not None and r["next_hop"] and r["metric"] < 16:
                at = owner_of[r["next_hop"]]
                if at in seen:
                    return False
                seen.add(at)
                r = tables[at].get(prefix)
    return True


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_converged_tables_are_the_shortest_hop_counts(name):
    net = BUILT_IN[name]()
    trace = rip.build(rip.RipOptions(net), frames=False)
    assert metrics(trace) == bellman_ford(net)
    assert trace.params["converged_after"] >= 1


@pytest.mark.parametrize("split", [True, False])
@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_after_any_failure_the_tables_are_the_new_shortest_ones(name, split):
    net = BUILT_IN[name]()
    for link in rip.links(net):
        trace = rip.build(rip.RipOptions(net, fail=link, split_horizon=split), frames=False)
        assert metrics(trace) == bellman_ford(net, frozenset({link})), link
        assert no_loop(net, trace.steps[-1]), link  # split horizon or not, no loop remains


def test_without_split_horizon_the_line_counts_to_infinity():
    net = BUILT_IN["line"]()
    trace = rip.build(rip.RipOptions(net, fail="R2-R3", split_horizon=False), frames=False)
    fail = next(s.index for s in trace.steps if s.event == "rip_link_down")
    seen = []
    for step in trace.steps[fail:]:
        for router in ("route:R1", "route:R2"):
            row = next((r for r in step.tables[router] if r["destination"] == LAN_B), None)
            if row and row["metric"] not in seen[-1:]:
                seen.append(row["metric"])
    finite = sorted({m for m in seen if m < 16})
    assert finite == list(range(3, 16))  # 3 (R1 before), then 4, 5, ... 15, then 16
    assert 16 in seen
    assert not all(no_loop(net, s) for s in trace.steps)  # R1 and R2 point at each other


def test_with_split_horizon_the_line_does_not_count():
    net = BUILT_IN["line"]()
    trace = rip.build(rip.RipOptions(net, fail="R2-R3"), frames=False)
    fail = next(s.index for s in trace.steps if s.event == "rip_link_down")
    for step in trace.steps[fail:]:
        for router in ("route:R1", "route:R2"):
            for row in step.tables[router]:
                if row["destination"] == LAN_B:
                    assert row["metric"] in (2, 3, 16)  # as before the failure, or unreachable
    assert all(no_loop(net, s) for s in trace.steps)
    assert trace.params["reconverged_after"] <= 3


def test_poisoned_reverse_sends_learned_routes_back_as_16():
    trace = rip.build(rip.RipOptions(BUILT_IN["line"]()), frames=False)
    last = [s for s in trace.steps if s.dst is not None][-4:]  # the final periodic round
    r1 = next(s for s in last if s.src == "R1")
    sent = {e["prefix"]: e["metric"] for e in r1.fields["entries"]}
    assert sent == {"192.168.1.0/24": 1, "10.0.12.0/30": 1, "10.0.23.0/30": 16, LAN_B: 16}
    assert [n.key for n in r1.notes][:2] == ["rip.send.periodic", "rip.poisoned"]
    plain = rip.build(rip.RipOptions(BUILT_IN["line"](), split_horizon=False), frames=False)
    last = [s for s in plain.steps if s.dst is not None][-4:]
    r1 = next(s for s in last if s.src == "R1")
    assert {e["prefix"]: e["metric"] for e in r1.fields["entries"]}[LAN_B] == 3
    assert "rip.poisoned" not in {n.key for s in plain.steps for n in s.notes}


def test_frames_carry_the_entries_of_the_json():
    from scapy.layers.inet import IP, UDP
    from scapy.layers.rip import RIP, RIPEntry

    trace = rip.build(rip.RipOptions(BUILT_IN["mesh"](), fail="R1-R5"))
    frames = [s for s in trace.steps if s.dst is not None]
    assert frames
    for step in frames:
        pkt = step.packet
        assert pkt[IP].dst == "224.0.0.9" and pkt[IP].ttl == 1
        assert pkt[UDP].sport == pkt[UDP].dport == 520
        assert pkt[RIP].cmd == 2 and pkt[RIP].version == 2
        entries = []
        e = pkt.getlayer(RIPEntry)
        while isinstance(e, RIPEntry):
            assert e.AF == 2 and e.RouteTag == 0 and e.nextHop == "0.0.0.0"
            entries.append({"prefix": e.addr, "mask": e.mask, "metric": e.metric})
            e = e.payload
        want = [
            {"prefix": x["prefix"].partition("/")[0], "mask": x["mask"], "metric": x["metric"]}
            for x in step.fields["entries"]
        ]
        assert entries == want


@st.composite
def topologies(draw):
    """A random connected topology: 2 to 8 routers, a random tree plus extra links, and a LAN
    behind one of them."""
    n = draw(st.integers(2, 8))
    routers = tuple(f"R{i}" for i in range(1, n + 1))
    pairs = {(draw(st.integers(1, i - 1)), i) for i in range(2, n + 1)}
    extra = draw(st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=6))
    pairs |= {(min(a, b), max(a, b)) for a, b in extra if a != b}
    networks = [
        Network(
            f"R{a}-R{b}",
            f"10.{k}.0.0/30",
            1,
            (
                Attachment(f"R{a}", f"eth{k}a", f"10.{k}.0.1", f"02:00:00:{k:02x}:00:01"),
                Attachment(f"R{b}", f"eth{k}b", f"10.{k}.0.2", f"02:00:00:{k:02x}:00:02"),
            ),
        )
        for k, (a, b) in enumerate(sorted(pairs))
    ]
    r = draw(st.integers(1, n))
    networks.append(
        Network(
            "LAN-A",
            "192.168.1.0/24",
            1,
            (
                Attachment(f"R{r}", "lan", "192.168.1.1", "02:00:01:00:00:01"),
                Attachment("A", "eth0", "192.168.1.10", "02:00:02:00:00:01"),
            ),
        )
    )
    net = check(Topology("random", routers, ("A",), tuple(networks), {"A": "192.168.1.1"}))
    fail = draw(st.sampled_from([None, *rip.links(net)]))
    return net, fail, draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(topologies())
def test_random_topologies_converge_to_the_shortest_hop_counts(case):
    net, fail, split = case
    trace = rip.build(rip.RipOptions(net, fail=fail, split_horizon=split), frames=False)
    down = frozenset({fail}) if fail else frozenset()
    assert metrics(trace) == bellman_ford(net, down)
    assert no_loop(net, trace.steps[-1])


@pytest.mark.parametrize(
    "args, words",
    [
        (["--fail", "R9-R1"], ["R9-R1", "R1-R2, R2-R3"]),
        (["--fail", "LAN-A"], ["LAN-A"]),
        (["--topology", "nope"], ["nope"]),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, words, capsys):
    assert main(["simulate", "rip", *args]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("netlab: error:"), err
    for word in words:
        assert word in lines[0]


def test_cli_json_has_each_routers_table_after_each_step():
    import json
    import subprocess
    import sys

    command = [sys.executable, "-m", "netlab", "simulate", "rip", "--fail", "R1-R2", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    doc = json.loads(result.stdout)
    steps = doc["steps"]
    assert all(set(s["tables"]) == {"route:R1", "route:R2", "route:R3"} for s in steps)
