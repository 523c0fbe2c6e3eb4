"""Real frames for ``netlab simulate arp``: ARP requests and replies, ICMP echo request and reply.

Owns turning the plain field records of ``netlab.sim.arp`` into scapy packets (serialised and
parsed back, so every length and checksum is the wire's). Imports only scapy's l2 and inet
layers, after ``netlab.sim.packets`` (always imported first, as this module's package) has told
scapy to leave IPv6 alone. Nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw

#: What Linux ping puts after the ICMP header by default: 56 bytes (here a fixed pattern, so the
#: frames are the same on every run).
PING_PAYLOAD = bytes(range(0x10, 0x10 + 56))


def arp_frame(eth_src: str, eth_dst: str, fields: Mapping[str, Any]) -> Packet:
    """An Ethernet/ARP frame (Ethernet and IPv4 addresses: htype 1, ptype 0x0800)."""
    pkt = Ether(src=eth_src, dst=eth_dst) / ARP(
        op=fields["op"],
        hwsrc=fields["hwsrc"],
        psrc=fields["psrc"],
        hwdst=fields["hwdst"],
        pdst=fields["pdst"],
    )
    return Ether(bytes(pkt))


def echo_frame(eth_src: str, eth_dst: str, fields: Mapping[str, Any]) -> Packet:
    """An Ethernet/IPv4/ICMP echo request (type 8) or reply (type 0) with ping's 56 bytes."""
    pkt = (
        Ether(src=eth_src, dst=eth_dst)
        / IP(
            src=fields["ip_src"],
            dst=fields["ip_dst"],
            ttl=fields["ttl"],
            id=fields["ip_id"],
            flags="DF",
        )
        / ICMP(type=fields["type"], code=0, id=fields["id"], seq=fields["seq"])
        / Raw(load=PING_PAYLOAD)
    )
    return Ether(bytes(pkt))


def frame(kind: str, eth_src: str, eth_dst: str, fields: Mapping[str, Any]) -> Packet:
    """The frame of one record of ``netlab.sim.arp``: ``kind`` is "arp" or "icmp"."""
    if kind == "arp":
        return arp_frame(eth_src, eth_dst, fields)
    if kind == "icmp":
        return echo_frame(eth_src, eth_dst, fields)
    raise ValueError(f"unknown frame kind {kind!r}")
