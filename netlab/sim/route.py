"""Scenario ``route``: one packet crossing routers, hop by hop, with each router's lookup.

Owns the walk of a datagram through a topology (``netlab.sim.topology``) with the routers'
static tables (``netlab.sim.routing_table``), or with the tables RIP or OSPF converged to
(``protocol``: ``netlab.sim.rip`` / ``netlab.sim.ospf`` run without frames): host A pings
``--to`` (default host B); each router looks the destination up by longest-prefix match, takes
the TTL down by one (the IP header checksum recomputed) and sends the packet on in a new
Ethernet frame (source: its outgoing interface's MAC, destination: the next hop's; ARP caches
are taken as filled). A router that would take the TTL to 0 answers ICMP Time Exceeded (as
Linux's ``ip_forward`` does, after its route lookup), one with no route ICMP Destination
Unreachable (network unreachable), one whose connected network has no such host, after its ARP
tries, host unreachable; errors and replies travel back with their own lookups.
``--traceroute`` sends Linux traceroute's UDP probes (port 33434 and up) with TTL 1, 2, 3, ...
one at a time, until the destination answers Port Unreachable. Pure: frames come from
``netlab.sim.packets.route`` only when asked; no sentences, only Note keys.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import Any

from netlab.sim.addressing import mask_bits, parse_ipv4
from netlab.sim.checksum import internet_checksum, ipv4_bytes
from netlab.sim.routing_table import CONNECTED, Route, RoutingTable, static_tables
from netlab.sim.topology import BUILT_IN, DEFAULT, Attachment, Network, Topology
from netlab.sim.trace import Node, Note, Step, Trace

DEFAULT_TTL = 64  # Linux's net.ipv4.ip_default_ttl
PING_ID = 0x1F2A
PROBE_SPORT = 51000
PROBE_DPORT = 33434  # traceroute's first port (-p)
MAX_HOPS = 30  # traceroute's default -m
LINK_US = 500  # a frame's time on one link, in µs
HOP_US = 20  # a router's lookup and rewrite
ARP_WAIT_US = 3_000_000  # 3 ARP requests 1 s apart (Linux's mcast_solicit) before giving up
ERRORS = ("time_exceeded", "net_unreachable", "host_unreachable", "port_unreachable")
PAYLOAD = {"echo_request": 64, "echo_reply": 64, "probe": 40}  # ICMP/UDP header + data
QUOTE = 28  # an error's IP header + 8 bytes
PROTOCOLS = ("static", "rip", "ospf")


@dataclass(frozen=True)
class Datagram:
    """One IP datagram as plain data. ``kind``: echo_request, echo_reply, probe (UDP) or an
    ICMP error (``ERRORS``), which quotes ``quote`` (the datagram it is about, as received)."""

    kind: str
    src: str
    dst: str
    ttl: int
    ip_id: int
    df: bool = False
    ident: int = 0
    seq: int = 0
    sport: int = 0
    dport: int = 0
    sent_at: float = 0.0
    quote: Datagram | None = None

    @property
    def proto(self) -> int:
        return 17 if self.kind == "probe" else 1

    @property
    def total_length(self) -> int:
        return 20 + (PAYLOAD.get(self.kind) or 8 + QUOTE)

    def header_checksum(self) -> int:
        """The IPv4 header checksum (RFC 791), computed from the header fields."""
        flags = 0x4000 if self.df else 0
        head = struct.pack(
            "!BBHHHBBH", 0x45, 0, self.total_length, self.ip_id, flags, self.ttl, 0, 0
        )
        head = head[:9] + bytes([self.proto]) + head[10:]
        return internet_checksum(head + ipv4_bytes(self.src) + ipv4_bytes(self.dst))


@dataclass(frozen=True)
class RouteOptions:
    topology: Topology | None = None  # None: the default built-in
    to: str | None = None  # None: host B
    ttl: int = DEFAULT_TTL
    traceroute: bool = False
    protocol: str = "static"  # PROTOCOLS: whose tables the routers use

    def net(self) -> Topology:
        return self.topology or BUILT_IN[DEFAULT]()


def sender(topology: Topology) -> str:
    return topology.hosts[0]


def default_target(topology: Topology) -> str:
    """The last host's address (host B in the built-ins)."""
    return topology.address_of(topology.hosts[-1])


def own_network(topology: Topology, host: str, ip: str) -> Network | None:
    value = parse_ipv4(ip)
    for network, _ in topology.attachments(host):
        if value & mask_bits(network.prefixlen) == network.network:
            return network
    return None


def target_problem(topology: Topology, ip: str | None) -> str | None:
    """Why ``ip`` (None: the default) cannot be the destination: ``no_host`` (the topology has
    no host to send from), ``broadcast`` (a network's network or broadcast address), ``own``
    (on the sender's own network, not a router's address: no router is crossed), or None."""
    if not topology.hosts:
        return "no_host"
    ip = ip or default_target(topology)
    for network in topology.networks:
        if network.prefixlen < 31:
            host_part = parse_ipv4(ip) & ~mask_bits(network.prefixlen) & 0xFFFF_FFFF
            inside = parse_ipv4(ip) & mask_bits(network.prefixlen) == network.network
            if inside and host_part in (0, ~mask_bits(network.prefixlen) & 0xFFFF_FFFF):
                return "broadcast"
    if (
        own_network(topology, sender(topology), ip)
        and topology.owner_of(ip) not in topology.routers
    ):
        return "own"
    return None


def protocol_tables(topology: Topology, protocol: str) -> dict[str, RoutingTable]:
    """Every router's table: ``static`` (``routing_table.static_tables``), or the tables RIP
    (metric: hop count as RIP counts it, 1 for a connected network) or OSPF (metric: the
    path's cost) converged to on ``topology``, each run without frames."""
    if protocol == "static":
        return static_tables(topology)
    if protocol == "rip":
        from netlab.sim import rip

        final = rip.final_tables(rip.build(rip.RipOptions(topology=topology), frames=False))
        rows = {f"route:{r}": list(t.values()) for r, t in final.items()}
    else:
        from netlab.sim import ospf

        rows = ospf.tables_of(ospf.build(ospf.OspfOptions(topology=topology), frames=False))
    tables = {}
    for router in topology.routers:
        routes = tuple(
            Route(
                str(row["destination"]),
                row["next_hop"] or None,  # type: ignore[arg-type]
                str(row["iface"]),
                int(row["metric"]),  # type: ignore[call-overload]
                protocol if row["next_hop"] else CONNECTED,
            )
            for row in rows.get(f"route:{router}", [])
            if int(row["metric"]) < 16  # type: ignore[call-overload]  # RIP's infinity
        )
        tables[router] = RoutingTable(routes)
    return tables


class _Run:
    def __init__(self, topology: Topology, frames: bool, protocol: str = "static") -> None:
        self.net = topology
        self.tables: dict[str, RoutingTable] = protocol_tables(topology, protocol)
        self.rows = {f"route:{r}": t.rows() for r, t in self.tables.items()}
        self.frames = frames
        self.steps: list[Step] = []
        self.us = 0
        self.ids: dict[str, int] = {}
        self.seen: list[str] = []

    def next_id(self, node: str) -> int:
        base = 0x1000 * (1 + len(self.ids)) if node not in self.ids else self.ids[node]
        self.ids[node] = base + 1
        return base

    def _add(self, step: Step, extra: dict[str, list] | None = None) -> Step:
        step.index = len(self.steps) + 1
        step.time = self.us / 1_000_000
        step.tables = {**self.rows, **(extra or {})}
        for name in (step.src, step.dst):
            if name is not None and name not in self.seen:
                self.seen.append(name)
        self.steps.append(step)
        return step

    def event(self, node: str, event: str, notes: list[Note], extra=None, **fields) -> Step:
        summary = _event_summary(event, notes[0].params, fields)
        step = Step(0, 0.0, node, None, None, summary, notes, event=event, fields=fields)
        return self._add(step, extra)

    def link(self, d: Datagram, out: Attachment, to: Attachment, net: Network, note: Note) -> None:
        self.us += LINK_US
        packet = None
        if self.frames:
            from netlab.sim.packets import route as frames

            packet = frames.frame(d, out.mac, to.mac)
        fields = {
            "kind": d.kind,
            "link": net.name,
            "eth_src": out.mac,
            "eth_dst": to.mac,
            "ip_src": d.src,
            "ip_dst": d.dst,
            "ttl": d.ttl,
            "ip_checksum": f"0x{d.header_checksum():04x}",
        }
        protocol = "UDP" if d.kind == "probe" else "ICMP"
        step = Step(0, 0.0, out.node, to.node, packet, info(d), [note], protocol=protocol)
        step.fields = fields
        self._add(step)

    # -- the walk ------------------------------------------------------------------------------

    def deliver(self, d: Datagram, node: str) -> tuple[str, Datagram, str | None]:
        """Carry ``d`` from ``node`` (its sender) hop by hop. Return where it ended, the
        datagram as it arrived there, and None (delivered) or the ICMP error that node answers
        (``ERRORS``)."""
        first = True
        while True:
            if not first and d.dst in self._addresses(node):
                if node in self.net.routers:
                    self.event(node, "route_local", [Note("route.local", _p(node, d))])
                return node, d, None
            if node in self.net.hosts:
                hop = self._host_hop(node, d)
            else:
                hop = self._router_hop(node, d, forwarding=not first)
                if isinstance(hop, str):
                    return node, d, hop
            out, to, net, d, note = hop
            self.link(d, out, to, net, note)
            node, first = to.node, False

    def exchange(self, d: Datagram, origin: str) -> Datagram | None:
        """Send ``d`` from ``origin`` and follow what it causes (an answer, an ICMP error)
        until something comes back to ``origin``: that datagram as it arrived, or None."""
        at = origin
        while True:
            where, got, error = self.deliver(d, at)
            if error is not None:
                if got.kind in ERRORS:  # never an ICMP error about an ICMP error (RFC 1122)
                    return None
                d, at = self.error(where, got, error), where
                continue
            if where == origin:
                return got
            answer = self.answer(where, got)
            if answer is None:
                return None
            d, at = answer, where

    def _addresses(self, node: str) -> set[str]:
        return {a.ip for _, a in self.net.attachments(node)}

    def _host_hop(self, host: str, d: Datagram):
        network = own_network(self.net, host, d.dst)
        mine = self.net.attachments(host)[0]
        if network is None:
            gateway = self.net.gateways[host]
            network = mine[0]
            to = next(m for m in network.members if m.ip == gateway)
            note = Note(
                "route.link.gateway",
                {**_p(host, d), "gateway": gateway, "prefix": network.prefix, "mac": to.mac},
            )
        else:
            to = next(m for m in network.members if m.ip == d.dst)
            note = Note("route.link.onlink", {**_p(host, d), "mac": to.mac})
        out = network.member(host)
        return out, to, network, d, note

    def _router_hop(self, router: str, d: Datagram, forwarding: bool):
        route, candidates = self.tables[router].lookup(d.dst)
        rows = [
            {
                "destination": c.route.prefix,
                "mask": c.route.mask,
                "anded": c.anded,
                "match": c.matches,
                "chosen": c.route == route,
            }
            for c in candidates
        ]
        extra = {f"lookup:{router}": rows}
        matches = [c.route.prefix for c in candidates if c.matches]
        params = {**_p(router, d), "matches": ", ".join(matches)}
        if route is None:
            self.us += HOP_US
            notes = [Note("route.lookup.none", params)]
            if forwarding and d.kind not in ERRORS:
                notes.append(Note("route.send_error.net_unreachable", params))
            self.event(router, "route_lookup", notes, extra, chosen=None)
            return "net_unreachable"
        params.update(prefix=route.prefix, iface=route.iface, next_hop=route.next_hop or d.dst)
        key = "route.lookup.via" if route.next_hop else "route.lookup.connected"
        if len(matches) == 1:
            key += "_one"
        notes = [Note(key, params)]
        self.us += HOP_US
        if forwarding and d.ttl <= 1:
            notes.append(Note("route.ttl_expired", params))
            self.event(router, "route_lookup", notes, extra, chosen=route.prefix)
            return "time_exceeded"
        net = next(n for n, a in self.net.attachments(router) if a.iface == route.iface)
        out = net.member(router)
        hop_ip = route.next_hop or d.dst
        to = next((m for m in net.members if m.ip == hop_ip), None)
        if to is None:
            notes.append(Note("route.no_host", params))
            self.event(router, "route_lookup", notes, extra, chosen=route.prefix)
            self.us += ARP_WAIT_US
            return "host_unreachable"
        sent = replace(d, ttl=d.ttl - 1) if forwarding else d
        if forwarding:
            old, new = d.header_checksum(), sent.header_checksum()
            notes.append(
                Note(
                    "route.ttl",
                    {
                        "before": d.ttl,
                        "after": sent.ttl,
                        "old": f"0x{old:04x}",
                        "new": f"0x{new:04x}",
                    },
                )
            )
        notes.append(
            Note("route.rewrite", {"src_mac": out.mac, "dst_mac": to.mac, "iface": out.iface})
        )
        self.event(router, "route_lookup", notes, extra, chosen=route.prefix)
        link_note = Note("route.link.forward", {**params, "ttl": sent.ttl, "link": net.name})
        if not forwarding:
            link_note = Note("route.link.router", {**params, "ttl": sent.ttl, "link": net.name})
        return out, to, net, sent, link_note

    def error(self, router: str, about: Datagram, kind: str) -> Datagram:
        """ICMP error ``kind`` about ``about`` (as received) from ``router`` to its source,
        from the router's address on the interface towards that source (as Linux chooses)."""
        route, _ = self.tables[router].lookup(about.src) if router in self.tables else (None, [])
        mine = self.net.attachments(router)
        iface = route.iface if route else mine[0][1].iface
        src = next(a.ip for _, a in mine if a.iface == iface)
        if kind == "port_unreachable":
            src = about.dst
        return Datagram(kind, src, about.src, DEFAULT_TTL, self.next_id(router), quote=about)

    def answer(self, node: str, d: Datagram) -> Datagram | None:
        """The destination's answer: an echo reply, or Port Unreachable for a probe."""
        if d.kind == "echo_request":
            return Datagram(
                "echo_reply",
                d.dst,
                d.src,
                DEFAULT_TTL,
                self.next_id(node),
                ident=d.ident,
                seq=d.seq,
                sent_at=d.sent_at,
            )
        if d.kind == "probe":
            return self.error(node, d, "port_unreachable")
        return None


def _p(node: str, d: Datagram) -> dict[str, Any]:
    return {
        "node": node,
        "src": d.src,
        "dst": d.dst,
        "ttl": d.ttl,
        "what": Note(f"route.what.{d.kind}"),
    }


def _event_summary(event: str, params: Any, fields: dict[str, Any]) -> str:
    """A local step's ``summary`` (the JSON's; the views show ``ui.event.EVENT``)."""
    if event == "route_lookup":
        chosen = fields.get("chosen")
        return (
            f"lookup {params['dst']} → {chosen}" if chosen else f"lookup {params['dst']}: no route"
        )
    if event == "route_local":
        return f"{params['dst']} is local"
    return f"received {fields.get('kind')} from {params['src']}"


def info(d: Datagram) -> str:
    """Wireshark's Info column for ``d`` (tshark 4.0)."""
    if d.kind == "probe":
        return f"{d.sport} → {d.dport} Len=32"
    if d.kind == "echo_request":
        return f"Echo (ping) request  id=0x{d.ident:04x}, seq={d.seq}/{d.seq << 8}, ttl={d.ttl}"
    if d.kind == "echo_reply":
        return f"Echo (ping) reply    id=0x{d.ident:04x}, seq={d.seq}/{d.seq << 8}, ttl={d.ttl}"
    return {
        "time_exceeded": "Time-to-live exceeded (Time to live exceeded in transit)",
        "net_unreachable": "Destination unreachable (Network unreachable)",
        "host_unreachable": "Destination unreachable (Host unreachable)",
        "port_unreachable": "Destination unreachable (Port unreachable)",
    }[d.kind]


def _arrived(run: _Run, host: str, d: Datagram) -> None:
    params = {**_p(host, d), "count": DEFAULT_TTL - d.ttl}
    run.event(
        host,
        "route_received",
        [Note(f"route.received.{d.kind}", params)],
        kind=d.kind,
        ip_src=d.src,
        ttl=d.ttl,
    )


def build(options: RouteOptions, frames: bool = True) -> Trace:
    """The scenario's Trace (``frames=False``: no scapy, every packet None)."""
    net = options.net()
    run = _Run(net, frames, options.protocol)
    a = sender(net)
    a_ip = net.address_of(a)
    dst = options.to or default_target(net)
    hops: list[dict[str, Any]] = []
    if options.traceroute:
        for ttl in range(1, MAX_HOPS + 1):
            probe = Datagram(
                "probe",
                a_ip,
                dst,
                ttl,
                run.next_id(a),
                sport=PROBE_SPORT,
                dport=PROBE_DPORT + ttl - 1,
                sent_at=run.us / 1e6,
            )
            start = run.us
            got = run.exchange(probe, a)
            if got is None:
                break
            _arrived(run, a, got)
            mark = {"net_unreachable": "!N", "host_unreachable": "!H"}.get(got.kind, "")
            hops.append({"ttl": ttl, "ip": got.src, "ms": (run.us - start) / 1000, "mark": mark})
            if got.kind != "time_exceeded":
                break
    else:
        request = Datagram(
            "echo_request", a_ip, dst, options.ttl, run.next_id(a), df=True, ident=PING_ID, seq=1
        )
        got = run.exchange(request, a)
        if got is not None:
            _arrived(run, a, got)
    _match_reply(run.steps)
    names = run.seen
    nodes = [Node(n, "router" if n in net.routers else "host", net.address_of(n)) for n in names]
    header = [
        Note(
            "route.header.topology",
            {"name": net.name, "routers": ", ".join(net.routers), "hosts": ", ".join(net.hosts)},
        ),
        Note(f"route.header.tables_{options.protocol}"),
        Note("route.header.arp"),
    ]
    if options.traceroute:
        header.append(Note("route.header.traceroute", {"src": a, "dst": dst}))
        title = Note("route.title.traceroute", {"src": a, "dst": dst})
    else:
        header.append(Note("route.header.ping", {"src": a, "dst": dst, "ttl": options.ttl}))
        title = Note("route.title.ping", {"src": a, "dst": dst})
    if any(s.fields.get("kind") in ERRORS for s in run.steps):
        header.append(Note("route.header.quote"))
    remember = [Note("route.remember.lpm"), Note("route.remember.hop"), Note("route.remember.icmp")]
    params = {
        "topology": net.name,
        "to": dst,
        "ttl": options.ttl,
        "traceroute": options.traceroute,
        "protocol": options.protocol,
        "networks": [n.row() for n in net.networks],
        "hops": hops,
    }
    return Trace("route", nodes, run.steps, title, header, remember, params=params)


def _match_reply(steps: list[Step]) -> None:
    """What tshark (one pass) adds to the Info of the first echo reply frame: the frame number
    of the last request it saw, ``(request in N)``; the same reply captured again on the next
    links is a duplicate of a finished exchange and gets nothing."""
    number = request = 0
    for step in steps:
        if step.dst is None:
            continue
        number += 1
        kind = step.fields.get("kind")
        if kind == "echo_request":
            request = number
        elif kind == "echo_reply" and request:
            step.summary += f" (request in {request})"
            return
