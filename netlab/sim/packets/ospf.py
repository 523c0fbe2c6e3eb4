"""Real frames for ``netlab simulate ospf``: OSPFv2 Link State Update packets (RFC 2328 A.3.5)
carrying one Router-LSA (A.4.2), sent to AllSPFRouters (224.0.0.5) with TTL 1.

Owns turning the pure ``netlab.sim.ospf.Lsa`` records into scapy packets with scapy's OSPF
contrib layer (serialised and parsed back, so lengths and checksums, the LSA's Fletcher one
included, are the wire's). The IP header is what Linux's FRR/Quagga ospfd sends: DSCP CS6
(ToS 0xc0), TTL 1; the Ethernet destination is 224.0.0.5's multicast MAC. The LSA's options
carry the E bit (an area that accepts external routes, as area 0 does). Area 0.0.0.0, no
authentication. Nothing here sends anything.
"""

from __future__ import annotations

from typing import Any

from scapy.contrib.ospf import OSPF_Hdr, OSPF_Link, OSPF_LSUpd, OSPF_Router_LSA
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

ALL_SPF_ROUTERS_MAC = "01:00:5e:00:00:05"
OPTION_E = 0x02
TOS_CS6 = 0xC0


def router_lsa(lsa: Any, age: int) -> Packet:
    links = [
        OSPF_Link(id=link.link_id, data=link.data, type=link.kind, metric=link.cost)
        for link in lsa.links
    ]
    return OSPF_Router_LSA(
        age=age,
        options=OPTION_E,
        id=lsa.router_id,
        adrouter=lsa.router_id,
        seq=lsa.seq,
        linklist=links,
    )


def frame(lsa: Any, out: Any, sender_id: str, age: int) -> Packet:
    """The Ethernet frame ``out`` (an interface) sends with ``lsa`` as LS age ``age``;
    ``sender_id``: the sending router's ID (the OSPF header's)."""
    pkt = (
        Ether(src=out.mac, dst=ALL_SPF_ROUTERS_MAC)
        / IP(src=out.ip, dst="224.0.0.5", ttl=1, tos=TOS_CS6)
        / OSPF_Hdr(src=sender_id, area="0.0.0.0")
        / OSPF_LSUpd(lsalist=[router_lsa(lsa, age)])
    )
    return Ether(bytes(pkt))
