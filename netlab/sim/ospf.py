"""Scenario ``ospf``: OSPFv2 link-state routing (RFC 2328) on a topology, in one area.

Owns the Router-LSAs (RFC 2328 12.4.1: for each point-to-point link to a neighbouring router a
type 1 link to its router ID and a type 3 stub link to the link's subnet, and a type 3 stub link
for each network with no other router, all with the interface's cost), their flooding (every
router sends its LSA in a Link State Update out of every interface; a router that receives an
instance it does not hold installs it and sends it out of every other interface, one that holds
it already drops it: 13 and 13.3), the identical link-state databases, Dijkstra's shortest-path
tree of each router over its database (16.1, the links checked in both directions; equal costs:
the path through the neighbour with the lowest name is kept, one next hop per destination) and
the routing tables it gives. ``--fail LINK``: after convergence the link goes down, its routers
originate new instances (sequence number + 1), flood them, and every router recomputes.
Also compares the chosen router's path with a fewest-hops one (what RIP would choose).
Simplifications (said in the header): no Hello, database exchange or acknowledgements, a
network with several routers is treated as point-to-point links between each pair (no
Designated Router, no Network-LSA). Pure: frames from ``netlab.sim.packets.ospf`` only when
asked; no sentences, only Note keys.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from netlab.sim.routing_table import CONNECTED, Route, RoutingTable, name_key
from netlab.sim.topology import Attachment, Network, Topology
from netlab.sim.trace import Node, Note, Step, Trace

OSPF = "ospf"
INITIAL_SEQ = 0x80000001  # InitialSequenceNumber (RFC 2328 12.1.6)
ALL_SPF_ROUTERS = "224.0.0.5"
LINK_US = 500  # a frame's time on one link, in µs
SPF_US = 50  # one Dijkstra iteration
P2P, STUB = 1, 3  # Router-LSA link types (RFC 2328 A.4.2)


@dataclass(frozen=True)
class Link:
    """One link of a Router-LSA: ``kind`` 1 (to router ``to``, ``link_id`` its router ID,
    ``data`` our interface address) or 3 (stub: ``link_id`` the network, ``data`` its mask)."""

    kind: int
    link_id: str
    data: str
    cost: int
    to: str = ""  # kind 1: the neighbour's name
    network: str = ""  # the topology's network name


@dataclass(frozen=True)
class Lsa:
    """A Router-LSA: originated by ``router`` (``router_id``), instance ``seq``."""

    router: str
    router_id: str
    seq: int
    links: tuple[Link, ...]


@dataclass(frozen=True)
class OspfOptions:
    topology: Topology
    fail: str | None = None  # a network name
    router: str | None = None  # whose Dijkstra is shown; None: the first


def router_ids(topology: Topology) -> dict[str, str]:
    """Router IDs as an administrator sets them with ``router-id``: 1.1.1.1, 2.2.2.2, ..."""
    return {r: f"{i}.{i}.{i}.{i}" for i, r in enumerate(topology.routers, start=1)}


def originate(topology: Topology, router: str, seq: int, down: frozenset[str]) -> Lsa:
    """``router``'s Router-LSA over its networks that are not ``down``."""
    ids = router_ids(topology)
    links: list[Link] = []
    for network, local in topology.attachments(router):
        if network.name in down:
            continue
        others = [m for m in network.members if m.node != router and m.node in topology.routers]
        for other in others:
            links.append(
                Link(P2P, ids[other.node], local.ip, network.cost, other.node, network.name)
            )
        prefix, _, _ = network.prefix.partition("/")
        links.append(Link(STUB, prefix, network.mask, network.cost, "", network.name))
    return Lsa(router, ids[router], seq, tuple(links))


@dataclass(frozen=True)
class Spf:
    """One router's result: ``cost`` and ``first`` (the neighbour a path starts with, None for
    the root) of each router reached, and the iterations (``steps``) as plain rows."""

    cost: dict[str, int]
    first: dict[str, str | None]
    parent: dict[str, str | None]
    steps: list[dict[str, Any]]


def dijkstra(lsdb: dict[str, Lsa], root: str) -> Spf:
    """RFC 2328 16.1 over routers: confirm the tentative router with the lowest cost (the lowest
    name among equal ones), then look at its links to routers whose LSA links back to it."""
    cost: dict[str, int] = {root: 0}
    first: dict[str, str | None] = {root: None}
    parent: dict[str, str | None] = {root: None}
    tentative = {root}
    confirmed: list[str] = []
    steps: list[dict[str, Any]] = []
    while tentative:
        vertex = min(tentative, key=lambda r: (cost[r], name_key(r)))
        tentative.discard(vertex)
        confirmed.append(vertex)
        changes = []
        lsa = lsdb.get(vertex)
        for link in lsa.links if lsa else ():
            if link.kind != P2P or link.to in confirmed or link.to not in lsdb:
                continue
            if not any(b.kind == P2P and b.to == vertex for b in lsdb[link.to].links):
                continue  # RFC 2328 16.1 (2)(b): the link must be advertised both ways
            new = cost[vertex] + link.cost
            via = link.to if vertex == root else first[vertex]
            old = cost.get(link.to)
            better = old is None or new < old
            if not better and new == old and name_key(via) < name_key(first[link.to] or ""):
                better = True  # an equal cost: the lowest first hop wins
            if better:
                changes.append({"router": link.to, "cost": new, "old": old, "via": vertex})
                cost[link.to], first[link.to], parent[link.to] = new, via, vertex
                tentative.add(link.to)
        steps.append(
            {
                "confirmed": vertex,
                "cost": cost[vertex],
                "changes": changes,
                "rows": _spf_rows(cost, first, confirmed, tentative),
            }
        )
    return Spf(cost, first, parent, steps)


def _spf_rows(cost, first, confirmed, tentative) -> list[dict[str, Any]]:
    rows = []
    for router in confirmed + sorted(tentative, key=lambda r: (cost[r], name_key(r))):
        rows.append(
            {
                "router": router,
                "cost": cost[router],
                "first_hop": first[router],
                "confirmed": router in confirmed,
            }
        )
    return rows


def routing_table(topology: Topology, lsdb: dict[str, Lsa], root: str, spf: Spf) -> RoutingTable:
    """``root``'s connected networks (not down), then each other stub network at the lowest
    cost (router's cost + the stub's), through the first hop of the path to that router."""
    mine = {link.network for link in lsdb[root].links}
    routes: list[Route] = []
    for network, local in topology.attachments(root):
        if network.name in mine:
            routes.append(Route(network.prefix, None, local.iface, 0, CONNECTED))
    best: dict[str, tuple[int, tuple, str]] = {}
    for router in sorted(spf.cost, key=name_key):
        if router == root:
            continue
        for link in lsdb[router].links:
            if link.kind != STUB or link.network in mine:
                continue
            total = spf.cost[router] + link.cost
            hop = spf.first[router]
            key = (total, name_key(hop))
            if link.network not in best or key < best[link.network][:2]:
                best[link.network] = (total, name_key(hop), hop)
    for network in topology.networks:
        if network.name not in best:
            continue
        total, _, hop = best[network.name]
        out, to = _shared(topology, lsdb, root, hop)
        routes.append(Route(network.prefix, to.ip, out.iface, total, OSPF))
    return RoutingTable(tuple(routes))


def _shared(topology: Topology, lsdb, root: str, hop: str) -> tuple[Attachment, Attachment]:
    """Our interface and the neighbour's on the cheapest up link between ``root`` and ``hop``
    (the lowest-named among equal ones)."""
    up = {(link.network, link.cost) for link in lsdb[root].links if link.to == hop}
    name, _ = min(up, key=lambda nc: (nc[1], nc[0]))
    network = topology.network(name)
    return network.member(root), network.member(hop)


def fewest_hops(topology: Topology, root: str, target: str, down: frozenset[str]) -> list[str]:
    """A path from ``root`` to router ``target`` with the fewest routers (breadth-first, the
    lowest name first): what RIP's hop count prefers."""
    parent: dict[str, str | None] = {root: None}
    todo = deque([root])
    while todo:
        router = todo.popleft()
        for n in sorted(topology.neighbours(router, down), key=lambda n: name_key(n.router)):
            if n.router not in parent:
                parent[n.router] = router
                todo.append(n.router)
    if target not in parent:
        return []
    path = [target]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


def path_cost(topology: Topology, path: list[str], down: frozenset[str]) -> int:
    total = 0
    for a, b in pairwise(path):
        total += min(n.network.cost for n in topology.neighbours(a, down) if n.router == b)
    return total


class _Run:
    def __init__(self, topology: Topology, frames: bool) -> None:
        self.net = topology
        self.frames = frames
        self.steps: list[Step] = []
        self.us = 0
        self.tables: dict[str, list] = {}
        self.dbs: dict[str, dict[str, Lsa]] = {r: {} for r in topology.routers}

    def add(self, step: Step) -> None:
        step.index = len(self.steps) + 1
        step.time = self.us / 1_000_000
        step.tables = dict(self.tables)
        self.steps.append(step)

    def event(self, node: str, event: str, notes: list[Note], summary: str, **fields) -> None:
        self.add(Step(0, 0.0, node, None, None, summary, notes, event=event, fields=fields))

    def flood(self, lsas: list[Lsa], down: frozenset[str]) -> None:
        """Each LSA installed at its originator and sent out of every up interface; the
        receivers install new instances and send them on (not back where they came from)."""
        queue: deque[tuple[Lsa, str, Network | None, int]] = deque()
        for lsa in lsas:
            self.dbs[lsa.router][lsa.router] = lsa
            self.event(
                lsa.router,
                "ospf_originate",
                [_originate_note(lsa)],
                f"originate Router-LSA seq 0x{lsa.seq:08x}",
                seq=lsa.seq,
            )
            queue.append((lsa, lsa.router, None, 0))
        while queue:
            lsa, router, came, age = queue.popleft()
            for n in self.net.neighbours(router, down):
                if came is not None and n.network.name == came.name:
                    continue
                self.send(lsa, n, age + 1, queue)

    def send(self, lsa: Lsa, n, age: int, queue: deque) -> None:
        self.us += LINK_US
        held = self.dbs[n.router].get(lsa.router)
        new = held is None or held.seq < lsa.seq
        params = {
            "node": n.local.node,
            "to": n.router,
            "origin": lsa.router,
            "seq": f"0x{lsa.seq:08x}",
            "link": n.network.name,
            "age": age,
        }
        note = Note("ospf.flood.new" if new else "ospf.flood.duplicate", params)
        packet = None
        if self.frames:
            from netlab.sim.packets import ospf as frames

            packet = frames.frame(lsa, n.local, router_ids(self.net)[n.local.node], age)
        if new:
            self.dbs[n.router][lsa.router] = lsa
            queue.append((lsa, n.router, n.network, age))
        step = Step(0, 0.0, n.local.node, n.router, packet, "LS Update", [note], protocol="OSPF")
        step.fields = {
            "link": n.network.name,
            "ip_src": n.local.ip,
            "ip_dst": ALL_SPF_ROUTERS,
            "lsa_router": lsa.router_id,
            "lsa_seq": f"0x{lsa.seq:08x}",
            "lsa_age": age,
            "installed": new,
            "links": [
                {"type": x.kind, "link_id": x.link_id, "data": x.data, "cost": x.cost}
                for x in lsa.links
            ],
        }
        self.add(step)

    def lsdb_rows(self) -> list[dict[str, Any]]:
        db = self.dbs[self.net.routers[0]]
        rows = []
        for router in sorted(db, key=name_key):
            lsa = db[router]
            for link in lsa.links:
                rows.append(
                    {
                        "router": f"{router} ({lsa.router_id})",
                        "seq": f"0x{lsa.seq:08x}",
                        "type": "p2p" if link.kind == P2P else "stub",
                        "link_id": link.link_id,
                        "data": link.data,
                        "cost": link.cost,
                    }
                )
        return rows

    def compute(self, root: str, phase: str) -> dict[str, RoutingTable]:
        """Every router's Dijkstra and table; ``root``'s iterations as steps."""
        spf = dijkstra(self.dbs[root], root)
        for i, it in enumerate(spf.steps, start=1):
            self.us += SPF_US
            self.tables[f"spf:{root}"] = it["rows"]
            changes = [
                Note(
                    "ospf.spf.change_new" if c["old"] is None else "ospf.spf.change_better",
                    {"router": c["router"], "cost": c["cost"], "old": c["old"], "via": c["via"]},
                )
                for c in it["changes"]
            ]
            key = "ospf.spf.confirm_root" if i == 1 else "ospf.spf.confirm"
            params = {
                "node": root,
                "n": i,
                "router": it["confirmed"],
                "cost": it["cost"],
                "first": spf.first[it["confirmed"]] or "",
            }
            notes = [Note(key, params)] + (changes or [Note("ospf.spf.no_change")])
            summary = f"SPF {i}: confirm {it['confirmed']} cost {it['cost']}"
            self.event(
                root,
                "ospf_spf",
                notes,
                summary,
                iteration=i,
                confirmed=it["confirmed"],
                cost=it["cost"],
            )
        self.tables.pop(f"spf:{root}", None)
        tables = {}
        for router in self.net.routers:
            result = spf if router == root else dijkstra(self.dbs[router], router)
            tables[router] = routing_table(self.net, self.dbs[router], router, result)
            self.tables[f"route:{router}"] = tables[router].rows()
        self.us += SPF_US
        self.event(
            root, "ospf_tables", [Note(f"ospf.tables.{phase}")], "routing tables", phase=phase
        )
        return tables


def _originate_note(lsa: Lsa) -> Note:
    parts = []
    for link in lsa.links:
        if link.kind == P2P:
            parts.append(f"{link.to} ({link.link_id}) {link.cost}")
        else:
            parts.append(f"{link.link_id}/{_bits(link.data)} {link.cost}")
    return Note(
        "ospf.originate",
        {
            "node": lsa.router,
            "id": lsa.router_id,
            "seq": f"0x{lsa.seq:08x}",
            "links": ", ".join(parts),
        },
    )


def _bits(mask: str) -> int:
    return sum(bin(int(p)).count("1") for p in mask.split("."))


def comparison(topology: Topology, root: str, down: frozenset[str], lsdb) -> Note | None:
    """One sentence: the fewest-hops path (RIP) and the lowest-cost path (OSPF) from ``root``
    to the router farthest by cost."""
    spf = dijkstra(lsdb, root)
    others = [r for r in spf.cost if r != root]
    if not others:
        return None
    target = max(others, key=lambda r: (spf.cost[r], name_key(r)))
    hops = fewest_hops(topology, root, target, down)
    cheapest = [target]
    while spf.parent[cheapest[-1]] is not None:
        cheapest.append(spf.parent[cheapest[-1]])
    cheapest.reverse()
    params = {
        "src": root,
        "dst": target,
        "rip": "-".join(hops),
        "rip_hops": len(hops) - 1,
        "rip_cost": path_cost(topology, hops, down),
        "ospf": "-".join(cheapest),
        "ospf_hops": len(cheapest) - 1,
        "ospf_cost": spf.cost[target],
    }
    if hops == cheapest:
        return Note("ospf.rip.same", params)
    return Note("ospf.rip.differ", params)


def build(options: OspfOptions, frames: bool = True) -> Trace:
    """The scenario's Trace (``frames=False``: no scapy, every packet None)."""
    net = options.topology
    root = options.router or net.routers[0]
    run = _Run(net, frames)
    for router in net.routers:
        connected = [
            Route(n.prefix, None, a.iface, 0, CONNECTED) for n, a in net.attachments(router)
        ]
        run.tables[f"route:{router}"] = RoutingTable(tuple(connected)).rows()
    run.flood([originate(net, r, INITIAL_SEQ, frozenset()) for r in net.routers], frozenset())
    run.tables["lsdb"] = run.lsdb_rows()
    run.event(root, "ospf_synced", [Note("ospf.synced")], "link-state databases identical")
    run.compute(root, "first")
    down: frozenset[str] = frozenset()
    if options.fail:
        down = frozenset({options.fail})
        failed = net.network(options.fail)
        ends = [r for r in failed.nodes() if r in net.routers]
        run.event(
            ends[0],
            "ospf_fail",
            [Note("ospf.fail", {"link": failed.name, "routers": ", ".join(ends)})],
            f"{failed.name} down",
            link=failed.name,
        )
        new = [originate(net, r, run.dbs[r][r].seq + 1, down) for r in ends]
        run.flood(new, down)
        run.tables["lsdb"] = run.lsdb_rows()
        run.event(root, "ospf_synced", [Note("ospf.synced")], "link-state databases identical")
        run.compute(root, "after_fail")
    nodes = [Node(r, "router", net.address_of(r)) for r in net.routers]
    header = [
        Note(
            "ospf.header.topology",
            {"name": net.name, "routers": ", ".join(net.routers)},
        ),
        Note("ospf.header.ids", {"ids": ", ".join(f"{r} {i}" for r, i in router_ids(net).items())}),
        Note("ospf.header.simplified"),
        Note("ospf.header.ties"),
    ]
    remember = [Note("ospf.remember.flood"), Note("ospf.remember.spf")]
    compare = comparison(net, root, down, run.dbs[root])
    if compare is not None:
        remember.append(compare)
    params = {
        "topology": net.name,
        "router": root,
        "fail": options.fail,
        "networks": [n.row() for n in net.networks],
    }
    title = Note("ospf.title", {"name": net.name, "router": root})
    return Trace("ospf", nodes, run.steps, title, header, remember, params=params)


def tables_of(trace: Trace) -> dict[str, list]:
    """The routing tables after the last step (for tests and other scenarios)."""
    last = trace.steps[-1].tables
    return {k: v for k, v in last.items() if k.startswith("route:")}
