"""Scenario ``rip``: RIPv2 (RFC 2453) converging on a topology, then after a link failure.

Owns the distance-vector exchange: every router starts with its connected networks (metric 1,
the cost of one interface, as RIP advertises them); updates go in rounds. A periodic round
(every 30 s) has every router send its whole table to each network it shares with another
router (one Response per network, UDP 520 to 224.0.0.9); a triggered round (RFC 2453 §3.10.1,
1 to 5 s after a change) has the routers whose routes changed send only those routes.
Receivers apply §3.9.2: metric + 1 (the interface cost), capped at 16; a new destination or a
lower metric is adopted, and anything from the current next hop is taken as it is. Split
horizon with poisoned reverse (§3.4.3) advertises a route learned over a network back on it
with metric 16; ``split_horizon=False`` sends it as it is. ``fail`` takes a link down after
convergence: both ends notice at once (the interface goes down) and set the routes through it
to 16; the other routers' periodic updates cross their triggered ones, which is what lets the
routers count to infinity without split horizon. Routes at 16 are deleted after garbage
collection (120 s). Pure: frames come from ``netlab.sim.packets.rip`` only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from netlab.sim.addressing import format_ipv4, mask_bits
from netlab.sim.routing_table import name_key, route_row
from netlab.sim.topology import BUILT_IN, Network, Topology
from netlab.sim.trace import Node, Note, Step, Trace

INFINITY = 16
PORT = 520
GROUP = "224.0.0.9"
UPDATE_S = 30  # RFC 2453 §3.8: periodic updates every 30 s
TIMEOUT_S = 180  # §3.8: a route not refreshed for 180 s times out
GARBAGE_S = 120  # §3.8: then deleted 120 s later
TRIGGERED_S = 1  # §3.10.1: a triggered update waits 1 to 5 s at random; the smallest here
LINK_S = 0.0005  # a frame's time on a link
MAX_ENTRIES = 25  # RFC 2453 §4: at most 25 routes in one Response
MAX_ROUNDS = 60  # a safeguard; counting to infinity on the built-ins needs about 16
DEFAULT_TOPOLOGY = "line"


@dataclass(frozen=True)
class Entry:
    """One route: ``prefix`` via ``next_hop`` (None: connected) out of ``iface`` (on network
    ``net``), learned from router ``via`` (None: connected), ``metric`` 1..16."""

    prefix: str
    next_hop: str | None
    iface: str
    net: str
    via: str | None
    metric: int

    def row(self) -> dict[str, object]:
        return route_row(self.prefix, self.next_hop, self.iface, self.metric)


@dataclass(frozen=True)
class RipOptions:
    topology: Topology | None = None  # None: the line topology
    fail: str | None = None  # a network's name
    split_horizon: bool = True

    def net(self) -> Topology:
        return self.topology or BUILT_IN[DEFAULT_TOPOLOGY]()


def links(topology: Topology) -> list[str]:
    """The names of the networks ``--fail`` may take down: those joining two routers."""
    return [n.name for n in topology.networks if sum(m in topology.routers for m in n.nodes()) >= 2]


def advertised(
    table: dict[str, Entry], network: Network, only: set[str] | None, split_horizon: bool
) -> list[tuple[str, int]]:
    """The (prefix, metric) entries a router sends on ``network``: every route (or those in
    ``only``), a route learned over ``network`` itself poisoned (metric 16) with split
    horizon."""
    sent = []
    for prefix, entry in table.items():
        if only is not None and prefix not in only:
            continue
        metric = entry.metric
        if split_horizon and entry.via is not None and entry.net == network.name:
            metric = INFINITY
        sent.append((prefix, metric))
    return sent


class _Run:
    def __init__(self, topology: Topology, options: RipOptions, frames: bool) -> None:
        self.net = topology
        self.options = options
        self.frames = frames
        self.down: frozenset[str] = frozenset()
        self.tables: dict[str, dict[str, Entry]] = {r: {} for r in topology.routers}
        for router in topology.routers:
            for network, local in topology.attachments(router):
                self.tables[router][network.prefix] = Entry(
                    network.prefix, None, local.iface, network.name, None, 1
                )
        self.steps: list[Step] = []
        self.time = 0.0
        self.ip_ids: dict[str, int] = {}
        self.rounds: list[dict[str, Any]] = []

    def rows(self) -> dict[str, list]:
        return {
            f"route:{r}": [e.row() for e in self.tables[r].values()]
            for r in sorted(self.tables, key=name_key)
        }

    def _add(self, step: Step) -> None:
        step.index = len(self.steps) + 1
        step.time = round(self.time, 6)
        step.tables = self.rows()
        self.steps.append(step)

    def event(self, node: str, event: str, summary: str, notes: list[Note], **fields) -> None:
        self._add(Step(0, 0.0, node, None, None, summary, notes, event=event, fields=fields))

    def exchange(self, senders: dict[str, set[str] | None], kind: str) -> set[tuple[str, str]]:
        """One round: each router in ``senders`` sends its routes (None: all of them; else
        the prefixes given) on each of its networks with another router up, from the tables
        as they were at the start of the round. Returns the (router, prefix) pairs changed."""
        snapshot = {r: dict(t) for r, t in self.tables.items()}
        changed: set[tuple[str, str]] = set()
        start = self.time
        for router in sorted(senders, key=name_key):
            only = senders[router]
            seen: set[str] = set()
            for neighbour in self.net.neighbours(router, down=self.down):
                network = neighbour.network
                if network.name in seen:
                    continue
                seen.add(network.name)
                entries = advertised(snapshot[router], network, only, self.options.split_horizon)
                if not entries:
                    continue
                receivers = [
                    m for m in network.members if m.node != router and m.node in self.net.routers
                ]
                for first in range(0, len(entries), MAX_ENTRIES):  # §4: 25 entries a message
                    self.time += LINK_S
                    chunk = entries[first : first + MAX_ENTRIES]
                    poisoned = [p for p, m in chunk if m > snapshot[router][p].metric]
                    self.send(router, neighbour.local, network, receivers, chunk, kind, changed)
                    if poisoned:
                        params = {"node": router, "routes": ", ".join(poisoned)}
                        self.steps[-1].notes.insert(1, Note("rip.poisoned", params))
        self.time = max(self.time, start)
        return changed

    def send(self, router, local, network, receivers, entries, kind, changed) -> None:
        ip_id = self.ip_ids.get(router, 0x2000 * (1 + len(self.ip_ids)))
        self.ip_ids[router] = ip_id + 1
        packet = None
        if self.frames:
            from netlab.sim.packets import rip as frames

            packet = frames.response(local.mac, local.ip, ip_id, self.masked(entries))
        notes = [
            Note(
                f"rip.send.{kind}",
                {
                    "node": router,
                    "iface": local.iface,
                    "link": network.name,
                    "count": len(entries),
                    "routes": ", ".join(f"{p} {m}" for p, m in entries),
                },
            )
        ]
        for member in receivers:
            notes.extend(
                self.receive(member.node, member.iface, local.ip, router, network, entries, changed)
            )
        names = tuple(m.node for m in receivers)
        summary = info()
        step = Step(0, 0.0, router, names[0], packet, summary, notes, protocol="RIPv2", to=names)
        step.fields = {
            "kind": kind,
            "link": network.name,
            "ip_src": local.ip,
            "ip_dst": GROUP,
            "entries": [{"prefix": p, "mask": self.mask(p), "metric": m} for p, m in entries],
        }
        self._add(step)

    def mask(self, prefix: str) -> str:
        return format_ipv4(mask_bits(int(prefix.partition("/")[2])))

    def masked(self, entries: list[tuple[str, int]]) -> list[tuple[str, str, int]]:
        return [(p.partition("/")[0], self.mask(p), m) for p, m in entries]

    def receive(self, router, iface, src_ip, sender, network, entries, changed) -> list[Note]:
        """RFC 2453 §3.9.2 at ``router`` for each entry; the notes of what changed."""
        table = self.tables[router]
        notes = []
        for prefix, metric in entries:
            new = min(metric + 1, INFINITY)
            current = table.get(prefix)
            candidate = Entry(prefix, src_ip, iface, network.name, sender, new)
            params = {"node": router, "prefix": prefix, "metric": new, "from": sender}
            if current is None:
                if new < INFINITY:
                    table[prefix] = candidate
                    changed.add((router, prefix))
                    notes.append(Note("rip.recv.new", params))
                continue
            from_next_hop = current.via == sender and current.net == network.name
            if from_next_hop and new != current.metric:
                table[prefix] = candidate
                changed.add((router, prefix))
                key = "rip.recv.unreachable" if new == INFINITY else "rip.recv.same_hop"
                notes.append(Note(key, {**params, "old": current.metric}))
            elif not from_next_hop and new < current.metric:
                table[prefix] = candidate
                changed.add((router, prefix))
                notes.append(Note("rip.recv.better", {**params, "old": current.metric}))
        return notes

    def fail(self, name: str) -> set[tuple[str, str]]:
        """Take network ``name`` down: its ends set its connected route and every route out of
        it to 16."""
        self.down = frozenset({name})
        changed = set()
        network = self.net.network(name)
        assert network is not None
        for router in network.nodes():
            if router not in self.tables:
                continue
            lost = []
            for prefix, entry in list(self.tables[router].items()):
                if entry.net == name and entry.metric < INFINITY:
                    self.tables[router][prefix] = replace(entry, metric=INFINITY)
                    changed.add((router, prefix))
                    lost.append(prefix)
            self.event(
                router,
                "rip_link_down",
                f"{name} down: {len(lost)} routes → 16",
                [Note("rip.link_down", {"node": router, "link": name, "routes": ", ".join(lost)})],
                link=name,
                routes=lost,
            )
        return changed

    def converge(self, changed: set[tuple[str, str]], phase: str, crossing: bool) -> int:
        """Rounds until a periodic round changes nothing; the number of rounds with a change.
        ``crossing``: the first round is the others' periodic update crossing the triggered
        ones (the failure's case)."""
        rounds = 0
        while len(self.rounds) < MAX_ROUNDS:
            pending: dict[str, set[str]] = {}
            for router, prefix in changed:
                pending.setdefault(router, set()).add(prefix)
            if crossing:
                senders = {r: pending.get(r) for r in self.net.routers}
                kind, crossing = "crossing", False
                self.time += TRIGGERED_S
            elif pending:
                senders, kind = dict(pending), "triggered"
                self.time += TRIGGERED_S
            else:
                senders, kind = {r: None for r in self.net.routers}, "periodic"
                self.time = (int(self.time // UPDATE_S) + 1) * UPDATE_S
            number = len(self.rounds) + 1
            phase_note = Note(f"rip.phase.{phase}")
            self.event(
                self.net.routers[0],
                "rip_round",
                f"round {number} ({kind})",
                [Note(f"rip.round.{kind}", {"number": number, "phase": phase_note})],
                round=number,
                kind=kind,
            )
            changed = self.exchange(senders, kind)
            self.rounds.append(
                {"round": number, "kind": kind, "phase": phase, "changes": len(changed)}
            )
            if changed:
                rounds = number
            elif kind == "periodic":
                break
        return rounds

    def collect(self) -> list[str]:
        """Garbage collection: routes at 16 are deleted (120 s after they became 16)."""
        deleted = []
        self.time += GARBAGE_S
        for router in self.net.routers:
            gone = [p for p, e in self.tables[router].items() if e.metric >= INFINITY]
            for prefix in gone:
                del self.tables[router][prefix]
            if gone:
                deleted.append(router)
                self.event(
                    router,
                    "rip_garbage",
                    f"deleted {len(gone)} routes",
                    [Note("rip.garbage", {"node": router, "routes": ", ".join(gone)})],
                    routes=gone,
                )
        return deleted


def info() -> str:
    """Wireshark's Info column for a RIPv2 Response (tshark 4.0)."""
    return "Response"


def tables(trace: Trace) -> dict[str, list[dict]]:
    """The routers' tables after the last step."""
    return trace.steps[-1].tables if trace.steps else {}


def build(options: RipOptions, frames: bool = True) -> Trace:
    """The scenario's Trace (``frames=False``: no scapy, every packet None)."""
    net = options.net()
    run = _Run(net, options, frames)
    run.event(
        net.routers[0],
        "rip_start",
        "connected networks, metric 1",
        [Note("rip.start")],
    )
    first = run.converge(set(), "start", crossing=False)
    after = None
    if options.fail:
        changed = run.fail(options.fail)
        start = len(run.rounds)
        after = run.converge(changed, "failure", crossing=True)
        if after:
            after -= start
        run.collect()
    nodes = [Node(r, "router", net.address_of(r)) for r in net.routers]
    header = [
        Note(
            "rip.header.topology",
            {"name": net.name, "routers": ", ".join(net.routers)},
        ),
        Note("rip.header.packets"),
        Note("rip.header.timers"),
        Note(
            "rip.header.split_horizon" if options.split_horizon else "rip.header.no_split_horizon"
        ),
    ]
    if options.fail:
        header.append(Note("rip.header.fail", {"link": options.fail}))
    remember = [
        Note("rip.remember.vector"),
        Note("rip.remember.infinity"),
        Note("rip.remember.split"),
    ]
    outcome = [Note("rip.converged", {"count": first})]
    if options.fail:
        outcome.append(Note("rip.reconverged", {"count": after or 0, "link": options.fail}))
    title = Note("rip.title", {"name": net.name})
    params = {
        "topology": net.name,
        "fail": options.fail,
        "split_horizon": options.split_horizon,
        "networks": [n.row() for n in net.networks],
        "rounds": run.rounds,
        "converged_after": first,
        "reconverged_after": after,
    }
    trace = Trace("rip", nodes, run.steps, title, header + outcome, remember, params=params)
    return trace


def final_tables(trace: Trace) -> dict[str, dict[str, dict]]:
    """Each router's table after the last step, by destination."""
    return {
        owner.partition(":")[2]: {row["destination"]: row for row in rows}
        for owner, rows in tables(trace).items()
    }
