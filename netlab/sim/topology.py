"""A routed network as plain data: routers, hosts, the networks that join them, and the
built-in topologies of ``netlab simulate route`` / ``rip`` / ``ospf``.

Owns ``Attachment`` (one interface on one network: its node, interface name, address, MAC),
``Network`` (an IPv4 prefix with a cost and the interfaces on it: a point-to-point link between
two routers, or a LAN with one router and its hosts), ``Topology`` (the whole, with the
questions every routing scenario asks of it: which routers are neighbours over which network,
which networks a router is directly connected to, a host's gateway) and ``BUILT_IN``: ``line``
(3 routers), ``ring`` (4), ``mesh`` (5, unequal costs: the fewest hops and the lowest cost
choose different paths) and ``campus`` (two LANs behind two routers and their uplink, the
default). Pure data and checks: no packets, no sentences, no drawing. Addresses are private
(RFC 1918) or documentation ranges; a teacher's own topology comes from a file
(``netlab.sim.topology_file``), and must pass the same ``check``.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.sim.addressing import Prefixed, mask_bits, parse_ipv4

MAX_COST = 65535  # OSPF's interface cost is 16 bits (RFC 2328 appendix C.3); 0 is not a cost


@dataclass(frozen=True)
class Attachment:
    """One interface: ``node`` has address ``ip`` (and ``mac``) on a network, as ``iface``."""

    node: str
    iface: str
    ip: str
    mac: str


@dataclass(frozen=True)
class Network(Prefixed):
    """An IPv4 network: ``prefix`` ("10.0.12.0/30"), its ``cost`` for link-state routing (RIP
    counts hops and ignores it) and the interfaces on it. ``name`` is how the user names it:
    "R1-R2" for a link between two routers, "LAN-A" for a LAN."""

    name: str
    prefix: str
    cost: int
    members: tuple[Attachment, ...]

    def nodes(self) -> tuple[str, ...]:
        return tuple(m.node for m in self.members)

    def member(self, node: str) -> Attachment | None:
        return next((m for m in self.members if m.node == node), None)

    def row(self) -> dict[str, object]:
        """The network as the routing scenarios' params list it: name, prefix, cost, members."""
        return {
            "name": self.name,
            "prefix": self.prefix,
            "cost": self.cost,
            "members": [f"{m.node} {m.iface} {m.ip}" for m in self.members],
        }


@dataclass(frozen=True)
class Neighbour:
    """A router reachable in one hop: over ``network``, from our interface ``local`` to its
    interface ``remote``."""

    router: str
    network: Network
    local: Attachment
    remote: Attachment


@dataclass(frozen=True)
class Topology:
    """Routers, hosts and the networks that join them. ``gateways`` maps each host to its
    default gateway's address (a router interface on the host's LAN)."""

    name: str
    routers: tuple[str, ...]
    hosts: tuple[str, ...]
    networks: tuple[Network, ...]
    gateways: dict[str, str]

    def network(self, name: str) -> Network | None:
        return next((n for n in self.networks if n.name == name), None)

    def attachments(self, node: str) -> list[tuple[Network, Attachment]]:
        """Every network ``node`` is on, with its interface there, in the topology's order."""
        return [(n, m) for n in self.networks for m in n.members if m.node == node]

    def connected(self, router: str) -> list[Network]:
        """The networks ``router`` is directly connected to."""
        return [n for n, _ in self.attachments(router)]

    def neighbours(self, router: str, down: frozenset[str] = frozenset()) -> list[Neighbour]:
        """The routers one hop from ``router``, over networks not in ``down`` (names)."""
        found = []
        for network, local in self.attachments(router):
            if network.name in down:
                continue
            for remote in network.members:
                if remote.node != router and remote.node in self.routers:
                    found.append(Neighbour(remote.node, network, local, remote))
        return found

    def address_of(self, node: str) -> str:
        """A node's first address (a host has one; a router its first interface's)."""
        return self.attachments(node)[0][1].ip

    def owner_of(self, ip: str) -> str | None:
        """The node with interface address ``ip``, if any."""
        for network in self.networks:
            for member in network.members:
                if member.ip == ip:
                    return member.node
        return None


class TopologyError(ValueError):
    """A topology that cannot be routed; ``what`` is a key of the problem and ``where`` names
    the network or node (a file loader adds the line)."""

    def __init__(self, what: str, where: str, **params: object) -> None:
        super().__init__(f"{what}: {where}")
        self.what = what
        self.where = where
        self.params = params


def check(topology: Topology) -> Topology:
    """``topology`` if it can be routed; else ``TopologyError`` for the first problem:
    a member that is not a declared node (``unknown_node``), an address outside its network's
    prefix or equal to its network or broadcast address (``address_outside``), an address used
    twice (``duplicate_address``), a cost out of 1..65535 (``bad_cost``), a network with fewer
    than two members (``dangling``), a router on no network with another router when there
    are several routers, or a host on no network (``disconnected``), routers not all reachable
    from each other (``disconnected``), a host gateway that is not a router's address on the
    host's network (``bad_gateway``)."""
    nodes = set(topology.routers) | set(topology.hosts)
    seen: dict[str, str] = {}
    for network in topology.networks:
        if not 1 <= network.cost <= MAX_COST:
            raise TopologyError("bad_cost", network.name, cost=network.cost)
        if len(network.members) < 2:
            raise TopologyError("dangling", network.name)
        base, mask = network.network, mask_bits(network.prefixlen)
        if base & ~mask & 0xFFFF_FFFF:
            raise TopologyError("not_a_network", network.name, prefix=network.prefix)
        for member in network.members:
            if member.node not in nodes:
                raise TopologyError("unknown_node", network.name, node=member.node)
            value = parse_ipv4(member.ip)
            host_part = value & ~mask & 0xFFFF_FFFF
            if value & mask != base or (
                network.prefixlen < 31 and host_part in (0, ~mask & 0xFFFF_FFFF)
            ):
                raise TopologyError("address_outside", network.name, ip=member.ip)
            if member.ip in seen:
                raise TopologyError("duplicate_address", network.name, ip=member.ip)
            seen[member.ip] = member.node
    for node in sorted(nodes):
        if not topology.attachments(node):
            raise TopologyError("disconnected", node)
    routers = list(topology.routers)
    if routers:
        reached, todo = {routers[0]}, [routers[0]]
        while todo:
            for neighbour in topology.neighbours(todo.pop()):
                if neighbour.router not in reached:
                    reached.add(neighbour.router)
                    todo.append(neighbour.router)
        missing = [r for r in routers if r not in reached]
        if missing:
            raise TopologyError("disconnected", missing[0])
    for host in topology.hosts:
        gateway = topology.gateways.get(host)
        lans = [n for n, _ in topology.attachments(host)]
        owner = topology.owner_of(gateway) if gateway else None
        if owner not in topology.routers or not any(
            n.member(owner) and n.member(owner).ip == gateway for n in lans
        ):
            raise TopologyError("bad_gateway", host, gateway=gateway or "")
    return topology


# -- the built-in topologies -----------------------------------------------------------------------


def _mac(router: int, iface: int) -> str:
    return f"02:00:00:00:{router:02x}:{iface:02x}"


def _link(a: int, b: int, cost: int = 1) -> Network:
    """A point-to-point link between routers Ra and Rb: 10.0.AB.0/30, .1 on Ra, .2 on Rb."""
    prefix = f"10.0.{a}{b}.0/30"
    members = (
        Attachment(f"R{a}", f"eth{b}", f"10.0.{a}{b}.1", _mac(a, b)),
        Attachment(f"R{b}", f"eth{a}", f"10.0.{a}{b}.2", _mac(b, a)),
    )
    return Network(f"R{a}-R{b}", prefix, cost, members)


def _lan(router: int, host: str, third: int) -> Network:
    """A LAN 192.168.N.0/24 with the router at .1 (eth0) and one host at .10."""
    members = (
        Attachment(f"R{router}", "eth0", f"192.168.{third}.1", _mac(router, 0)),
        Attachment(host, "eth0", f"192.168.{third}.10", f"02:00:00:01:{third:02x}:0a"),
    )
    return Network(f"LAN-{host}", f"192.168.{third}.0/24", 1, members)


def _topology(name: str, routers: int, links: list[Network], lans: list[Network]) -> Topology:
    hosts = tuple(lan.members[1].node for lan in lans)
    gateways = {lan.members[1].node: lan.members[0].ip for lan in lans}
    names = tuple(f"R{i}" for i in range(1, routers + 1))
    return check(Topology(name, names, hosts, tuple(lans + links), gateways))


def line() -> Topology:
    """R1 - R2 - R3, a LAN with host A behind R1 and one with host B behind R3."""
    return _topology("line", 3, [_link(1, 2), _link(2, 3)], [_lan(1, "A", 1), _lan(3, "B", 3)])


def ring() -> Topology:
    """R1 - R2 - R3 - R4 - R1, host A behind R1 and host B behind R3 (two equal paths)."""
    links = [_link(1, 2), _link(2, 3), _link(3, 4), _link(1, 4)]
    return _topology("ring", 4, links, [_lan(1, "A", 1), _lan(3, "B", 3)])


def mesh() -> Topology:
    """Five routers, unequal costs. From R1 to R5: the direct link is 1 hop but costs 10;
    R1-R2-R3-R5 is 3 hops and costs 3; R1-R4-R5 is 2 hops and costs 7. RIP (hops) takes the
    direct link, OSPF (cost) the three-hop path."""
    links = [
        _link(1, 2, 1),
        _link(2, 3, 1),
        _link(3, 5, 1),
        _link(1, 5, 10),
        _link(1, 4, 2),
        _link(4, 5, 5),
    ]
    return _topology("mesh", 5, links, [_lan(1, "A", 1), _lan(5, "B", 5)])


def campus() -> Topology:
    """Two LANs (host A on 192.168.1.0/24 behind R1, host B on 192.168.2.0/24 behind R2) and
    the uplink R1-R2 between them. No default route: an address elsewhere is unreachable."""
    return _topology("campus", 2, [_link(1, 2)], [_lan(1, "A", 1), _lan(2, "B", 2)])


BUILT_IN = {"campus": campus, "line": line, "ring": ring, "mesh": mesh}
DEFAULT = "campus"
