"""Real frames for ``netlab simulate rip``: RIPv2 Responses (RFC 2453 §4) to 224.0.0.9.

Owns turning a router's advertised entries into a scapy packet (serialised and parsed back,
so lengths and checksums are the wire's): Ethernet to the group's MAC 01:00:5e:00:00:09, IPv4
with TTL 1 (as Linux's RIP daemons send to the group), UDP 520 → 520, RIP command 2 (Response)
version 2, one entry per route: address family 2, route tag 0, address, mask, next hop 0.0.0.0
(route through the sender), metric. Imports only scapy's l2, inet and rip layers. Nothing here
sends anything.
"""

from __future__ import annotations

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.rip import RIP, RIPEntry
from scapy.packet import Packet

GROUP_MAC = "01:00:5e:00:00:09"  # RFC 1112: 01:00:5e + the low 23 bits of 224.0.0.9


def response(mac: str, src: str, ip_id: int, entries: list[tuple[str, str, int]]) -> Packet:
    """A Response from interface ``mac``/``src`` with ``entries`` (address, mask, metric)."""
    rip = RIP(cmd=2, version=2)
    for address, mask, metric in entries:  # at most 25 (the model splits longer tables)
        rip = rip / RIPEntry(
            AF=2, RouteTag=0, addr=address, mask=mask, nextHop="0.0.0.0", metric=metric
        )
    ip = IP(src=src, dst="224.0.0.9", ttl=1, id=ip_id)
    return Ether(bytes(Ether(src=mac, dst=GROUP_MAC) / ip / UDP(sport=520, dport=520) / rip))
