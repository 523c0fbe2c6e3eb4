"""A router's IPv4 routing table: its routes, the longest-prefix match, and static tables.

Owns ``Route`` (a destination prefix, the next hop or None for a connected network, the
outgoing interface, a metric and where the route came from), ``RoutingTable.lookup``: every
entry tried with the AND of the address and the entry's mask, the matching entries, and the
longest of them chosen (RFC 1812 5.2.4.3: the most specific route wins), and
``static_tables``: the tables an administrator would configure on a topology (its connected
networks, and a static route to every other network through the neighbour on a path with the
fewest routers; among equal paths the neighbour with the lowest name). No default route.
Pure: no packets, no sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netlab.sim.addressing import Prefixed, format_ipv4, mask_bits, parse_ipv4
from netlab.sim.topology import Topology

CONNECTED = "connected"
STATIC = "static"


@dataclass(frozen=True)
class Route(Prefixed):
    """``prefix`` ("192.168.2.0/24") reached through ``next_hop`` (None: directly connected)
    out of ``iface``. ``metric``: 0 for a connected network; for a static route the number of
    routers after this one on the way (as an administrator may set with ``ip route ... metric
    N``)."""

    prefix: str
    next_hop: str | None
    iface: str
    metric: int
    source: str

    def row(self) -> dict[str, object]:
        """The route as a table row (``route:R1``): destination, next hop, interface, metric."""
        return route_row(self.prefix, self.next_hop, self.iface, self.metric)


def route_row(prefix: str, next_hop: str | None, iface: str, metric: int) -> dict[str, object]:
    """One row of a ``route:R1`` table, as every routing scenario records it."""
    return {"destination": prefix, "next_hop": next_hop, "iface": iface, "metric": metric}


@dataclass(frozen=True)
class Candidate:
    """One entry tried for an address: ``anded`` = address AND the entry's mask; it matches
    when that equals the entry's network."""

    route: Route
    anded: str
    matches: bool


@dataclass(frozen=True)
class RoutingTable:
    routes: tuple[Route, ...]

    def lookup(self, ip: str) -> tuple[Route | None, list[Candidate]]:
        """The route for ``ip`` by longest-prefix match (None: no route), and every entry
        with its AND, in table order."""
        value = parse_ipv4(ip)
        candidates = []
        for route in self.routes:
            anded = value & mask_bits(route.prefixlen)
            candidates.append(Candidate(route, format_ipv4(anded), anded == route.network))
        matching = [c.route for c in candidates if c.matches]
        if not matching:
            return None, candidates
        longest = max(r.prefixlen for r in matching)
        return next(r for r in matching if r.prefixlen == longest), candidates

    def rows(self) -> list[dict[str, object]]:
        return [r.row() for r in self.routes]


def name_key(name: str) -> tuple:
    """Sort key for router names: R2 before R10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def hops_to(topology: Topology, network_name: str) -> dict[str, int]:
    """For each router, how many routers a packet crosses after it to reach a router on the
    network (0: the router is on it), by breadth-first search over the routers."""
    network = topology.network(network_name)
    assert network is not None
    dist = {n: 0 for n in network.nodes() if n in topology.routers}
    todo = sorted(dist, key=name_key)
    while todo:
        following = []
        for router in todo:
            for neighbour in topology.neighbours(router):
                if neighbour.router not in dist:
                    dist[neighbour.router] = dist[router] + 1
                    following.append(neighbour.router)
        todo = following
    return dist


def static_tables(topology: Topology) -> dict[str, RoutingTable]:
    """Every router's table: connected networks (in the topology's order), then a static route
    to each other network via the neighbour one hop closer to it (the lowest name among equal
    ones), out of the interface on their shared network."""
    tables: dict[str, list[Route]] = {r: [] for r in topology.routers}
    for router in topology.routers:
        for network, local in topology.attachments(router):
            tables[router].append(Route(network.prefix, None, local.iface, 0, CONNECTED))
    for network in topology.networks:
        dist = hops_to(topology, network.name)
        for router in topology.routers:
            if dist.get(router, 0) == 0:
                continue
            closer = [
                n for n in topology.neighbours(router) if dist.get(n.router) == dist[router] - 1
            ]
            best = min(closer, key=lambda n: name_key(n.router))
            tables[router].append(
                Route(network.prefix, best.remote.ip, best.local.iface, dist[router], STATIC)
            )
    return {r: RoutingTable(tuple(routes)) for r, routes in tables.items()}
