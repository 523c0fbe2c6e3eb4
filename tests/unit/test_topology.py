"""netlab.sim.topology: the built-in topologies and ``check``."""

from __future__ import annotations

import heapq
from dataclasses import replace

import pytest

from netlab.sim import topology
from netlab.sim.topology import Attachment, Network, Topology, TopologyError, check
from netlab.sim.topology_file import describe


@pytest.mark.parametrize("name", sorted(topology.BUILT_IN))
def test_every_built_in_passes_check(name):
    built = topology.BUILT_IN[name]()
    assert check(built) is built
    assert built.name == name


def test_the_built_in_sizes():
    sizes = {name: len(make().routers) for name, make in topology.BUILT_IN.items()}
    assert sizes == {"campus": 2, "line": 3, "ring": 4, "mesh": 5}
    assert topology.DEFAULT == "campus"


def _paths(top: Topology, weight) -> dict[str, tuple[int, list[str]]]:
    """Dijkstra from R1 over the routers, written here independently of netlab."""
    best = {"R1": (0, ["R1"])}
    queue = [(0, ["R1"])]
    while queue:
        cost, path = heapq.heappop(queue)
        if best[path[-1]][0] < cost:
            continue
        for n in top.neighbours(path[-1]):
            step = cost + weight(n.network)
            if n.router not in best or step < best[n.router][0]:
                best[n.router] = (step, [*path, n.router])
                heapq.heappush(queue, (step, [*path, n.router]))
    return best


def test_mesh_fewest_hops_and_lowest_cost_differ():
    mesh = topology.mesh()
    assert _paths(mesh, lambda net: 1)["R5"] == (1, ["R1", "R5"])
    assert _paths(mesh, lambda net: net.cost)["R5"] == (3, ["R1", "R2", "R3", "R5"])


def test_neighbours_skip_networks_that_are_down():
    mesh = topology.mesh()
    assert {n.router for n in mesh.neighbours("R1")} == {"R2", "R4", "R5"}
    assert {n.router for n in mesh.neighbours("R1", frozenset({"R1-R5"}))} == {"R2", "R4"}


def _campus_with(networks=None, gateways=None, routers=None) -> Topology:
    base = topology.campus()
    return Topology(
        "broken",
        routers if routers is not None else base.routers,
        base.hosts,
        networks if networks is not None else base.networks,
        gateways if gateways is not None else base.gateways,
    )


def _uplink(**changes) -> tuple[Network, ...]:
    base = topology.campus().networks
    return (*base[:2], replace(base[2], **changes))


R1 = Attachment("R1", "eth2", "10.0.12.1", "02:00:00:00:01:02")
R2 = Attachment("R2", "eth1", "10.0.12.2", "02:00:00:00:02:01")


BROKEN = {
    "unknown_node": _campus_with(_uplink(members=(R1, replace(R2, node="R9")))),
    "address_outside": _campus_with(_uplink(members=(R1, replace(R2, ip="10.0.13.2")))),
    "not_a_network": _campus_with(_uplink(prefix="10.0.12.1/30")),
    "duplicate_address": _campus_with(_uplink(members=(R1, replace(R2, ip="10.0.12.1")))),
    "bad_cost": _campus_with(_uplink(cost=0)),
    "dangling": _campus_with(_uplink(members=(R1,))),
    "disconnected": _campus_with(routers=("R1", "R2", "R3")),
    "bad_gateway": _campus_with(gateways={"A": "192.168.2.1", "B": "192.168.2.1"}),
}


@pytest.mark.parametrize("what", sorted(BROKEN))
def test_each_problem_has_its_kind(what):
    with pytest.raises(TopologyError) as caught:
        check(BROKEN[what])
    assert caught.value.what == what
    for lang in ("en", "zh"):
        said = describe(caught.value, lang)
        assert caught.value.where in said and "{" not in said and "topology." not in said


def test_broadcast_address_and_high_cost_are_refused():
    for broken in (
        _campus_with(_uplink(members=(R1, replace(R2, ip="10.0.12.3")))),
        _campus_with(_uplink(cost=65536)),
    ):
        with pytest.raises(TopologyError):
            check(broken)


def test_two_router_islands_are_disconnected():
    base = topology.line()
    islands = replace(base, networks=tuple(n for n in base.networks if n.name != "R2-R3"))
    with pytest.raises(TopologyError) as caught:
        check(islands)
    assert (caught.value.what, caught.value.where) == ("disconnected", "R3")
