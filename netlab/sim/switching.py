"""Switches and hubs: how a LAN's devices forward a frame, and the storm a loop makes.

Owns the learning switch (IEEE 802.1D: learn the source MAC's port, forward a known unicast to
that port alone, flood a broadcast, a multicast or an unknown destination out of every other
port), the hub (every frame repeated out of every other port), and the broadcast storm of a
switched topology with loops and no spanning tree: the copies of one broadcast, tick by tick,
and how each switch's MAC table flaps. Pure data and arithmetic; the ``arp`` scenario tells the
story around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
STORM_SWITCHES = 4  # fully meshed: each switch has 3 switch links, so copies double
STORM_MAX_TICKS = 12
STORM_MAX_COPIES = 1000


# -- switch and hub -------------------------------------------------------------------------------


def is_group(mac: str) -> bool:
    """Broadcast or multicast: the I/G bit (lowest bit of the first octet) is set."""
    return bool(int(mac.split(":")[0], 16) & 1)


class Switch:
    """A learning switch (IEEE 802.1D transparent bridging), without aging and without STP.

    ``ports`` maps each neighbour's name to the port it is cabled to. A frame coming in on a
    port teaches the switch that its source MAC is behind that port. A frame to a group
    address (broadcast) or to an unknown MAC is flooded out of every port but the one it came
    in on; one to a known MAC goes out of that MAC's port only (or nowhere, if that is the
    port it came in on).
    """

    def __init__(self, name: str, ports: dict[str, int]) -> None:
        self.name = name
        self.ports = dict(ports)
        self._peers = {port: peer for peer, port in ports.items()}
        self.table: dict[str, int] = {}

    def peer(self, port: int) -> str:
        return self._peers[port]

    def learn(self, mac: str, port: int) -> int | None:
        """Note that ``mac`` is behind ``port``; return the port it was on before (or None)."""
        old = self.table.get(mac)
        self.table[mac] = port
        return old

    def out_ports(self, dst: str, in_port: int) -> list[int]:
        if is_group(dst) or dst not in self.table:
            return sorted(p for p in self._peers if p != in_port)
        port = self.table[dst]
        return [] if port == in_port else [port]

    def floods(self, dst: str) -> bool:
        return is_group(dst) or dst not in self.table

    def rows(self) -> list[dict[str, Any]]:
        return [{"mac": mac, "port": port} for mac, port in self.table.items()]


class Hub:
    """A hub (multiport repeater): every frame goes out of every other port. It reads no
    address and keeps no table."""

    def __init__(self, name: str, ports: dict[str, int]) -> None:
        self.name = name
        self.ports = dict(ports)
        self._peers = {port: peer for peer, port in ports.items()}

    def peer(self, port: int) -> str:
        return self._peers[port]

    def learn(self, mac: str, port: int) -> int | None:
        return None

    def out_ports(self, dst: str, in_port: int) -> list[int]:
        return sorted(p for p in self._peers if p != in_port)


# -- the broadcast storm --------------------------------------------------------------------------


@dataclass(frozen=True)
class Topology:
    """Switches, the links between them, and which switch each host is cabled to."""

    switches: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    attach: dict[str, str]  # host -> switch

    def ports(self, switch: str) -> dict[str, int]:
        """Port numbers of ``switch``: its hosts first (in host order), then its switch links
        (in switch order)."""
        peers = [h for h, s in self.attach.items() if s == switch]
        for other in self.switches:
            if (switch, other) in self.links or (other, switch) in self.links:
                peers.append(other)
        return {peer: i for i, peer in enumerate(peers, start=1)}


def mesh(hosts: Sequence[str], gateway: str = "gateway", count: int = STORM_SWITCHES) -> Topology:
    """``count`` switches, each cabled to every other one, no spanning tree. Host i is on
    switch i mod count (A on sw1, B on sw2, ...), the gateway on the last switch."""
    switches = tuple(f"sw{i + 1}" for i in range(count))
    links = tuple((switches[i], switches[j]) for i in range(count) for j in range(i + 1, count))
    attach = {h: switches[i % count] for i, h in enumerate(hosts)}
    attach[gateway] = switches[-1]
    return Topology(switches, links, attach)


@dataclass(frozen=True)
class Tick:
    """One tick of a storm: every copy crosses one link.

    ``trunk`` copies crossed links between switches, ``edge`` copies links to or from hosts.
    ``senders``: who sent in this tick; ``hosts``: the hosts a copy reached, with how many
    copies each; ``learned``: per switch, the ports on which the source MAC arrived at the
    end of the tick, in the order the copies were handled (two or more: the entry flapped);
    ``tables``: each switch's MAC table after the tick; ``receivers``: who got a copy.
    """

    tick: int
    trunk: int
    edge: int
    senders: tuple[str, ...]
    receivers: tuple[str, ...]
    hosts: dict[str, int]
    learned: dict[str, tuple[int, ...]]
    before: dict[str, int | None]
    tables: dict[str, list[dict[str, Any]]]

    @property
    def copies(self) -> int:
        return self.trunk + self.edge


def storm(
    topology: Topology,
    origin: str,
    mac: str,
    max_ticks: int = STORM_MAX_TICKS,
    max_copies: int = STORM_MAX_COPIES,
) -> list[Tick]:
    """Follow one broadcast from ``origin`` (source MAC ``mac``) through the switches, one
    hop per tick, until no copy is left, or the tick in which ``max_copies`` copies or more
    were sent, or tick ``max_ticks``. Hosts take their copy and send nothing on."""
    switches = {name: Switch(name, topology.ports(name)) for name in topology.switches}
    flight: list[tuple[str, str]] = [(origin, topology.attach[origin])]
    ticks: list[Tick] = []
    for number in range(1, max_ticks + 1):
        trunk = sum(1 for u, v in flight if u in switches and v in switches)
        senders = tuple(dict.fromkeys(u for u, _ in flight))
        reached: dict[str, int] = {}
        learned: dict[str, list[int]] = {}
        before = {name: sw.table.get(mac) for name, sw in switches.items()}
        following: list[tuple[str, str]] = []
        for u, v in flight:
            if v not in switches:
                reached[v] = reached.get(v, 0) + 1
                continue
            sw = switches[v]
            in_port = sw.ports[u]
            sw.learn(mac, in_port)
            learned.setdefault(v, []).append(in_port)
            following.extend((v, sw.peer(p)) for p in sw.out_ports(BROADCAST_MAC, in_port))
        ticks.append(
            Tick(
                tick=number,
                trunk=trunk,
                edge=len(flight) - trunk,
                senders=senders,
                receivers=tuple(dict.fromkeys(v for _, v in flight)),
                hosts=reached,
                learned={k: tuple(v) for k, v in learned.items()},
                before=before,
                tables={name: sw.rows() for name, sw in switches.items()},
            )
        )
        if not following or len(flight) >= max_copies:
            break
        flight = following
    return ticks
