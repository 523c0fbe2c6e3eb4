"""``--filter PROTO``: which steps a Wireshark display filter of one protocol name keeps.

Owns the protocol names a step answers to, as Wireshark's display filter names them: every
layer of its frame (``eth``, ``ip``, ``arp``, ``icmp``, ``udp``, ``tcp``, ``dns``, ``dhcp``,
``rip``, ``ospf``) and its top protocol (``http``). As in Wireshark, ``tcp`` keeps the HTTP
frames too, ``udp`` the DNS, DHCP and RIP ones and the UDP header an ICMP error quotes, ``ip``
everything but ARP. A local event (a timer, a lookup) carries no protocol: a filter hides it.
Pure: the layer names are given (``netlab.sim.packets.layer_names``).
"""

from __future__ import annotations

from collections.abc import Iterable

#: scapy's layer names (as ``packets.layer_names`` gives them) -> Wireshark's filter names
LAYERS = {
    "Ether": "eth",
    "IP": "ip",
    "IPerror": "ip",
    "ARP": "arp",
    "ICMP": "icmp",
    "UDP": "udp",
    "UDPerror": "udp",
    "TCP": "tcp",
    "TCPerror": "tcp",
    "DNS": "dns",
    "BOOTP": "dhcp",
    "DHCP options": "dhcp",
    "RIP": "rip",
    "RIPEntry": "rip",
}
#: tshark's Protocol column -> filter name, where it is not the layer's
TOP = {"HTTP": "http", "RIPv2": "rip", "OSPF": "ospf"}
NAMES = ("eth", "arp", "ip", "icmp", "udp", "tcp", "http", "dns", "dhcp", "rip", "ospf")


def protocols(layer_names: Iterable[str], top: str | None) -> frozenset[str]:
    """The filter names a frame with these layers (and this Protocol column) answers to."""
    out = set()
    for name in layer_names:
        if name in LAYERS:
            out.add(LAYERS[name])
        elif name.startswith("OSPF"):
            out.add("ospf")
    if top:
        out.add(TOP.get(top, top.lower()))
    return frozenset(out & set(NAMES))
