"""Real frames for ``netlab simulate route``: ICMP echo (ping), traceroute's UDP probes and the
ICMP errors routers send back, in Ethernet frames rebuilt on each link.

Owns turning the pure ``netlab.sim.route.Datagram`` records into scapy packets (serialised and
parsed back, so lengths and checksums are the wire's): an echo request carries what Linux's
ping puts there (a 16-byte timeval, then the bytes 0x10, 0x11, ...: 56 bytes), a probe what
Linux's traceroute puts there (the 32 bytes 0x40 "@" to 0x5f "_"), and an ICMP error quotes
the original IP header and the first 8 bytes of its data (RFC 792), as the router received it.
Imports only scapy's l2 and inet layers. Nothing here sends anything.
"""

from __future__ import annotations

import struct
from typing import Any

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from netlab.sim.packets import PCAP_EPOCH

#: (type, code) of each ICMP message the scenario sends (RFC 792)
ICMP_TYPES = {
    "echo_request": (8, 0),
    "echo_reply": (0, 0),
    "time_exceeded": (11, 0),
    "net_unreachable": (3, 0),
    "host_unreachable": (3, 1),
    "port_unreachable": (3, 3),
}
PROBE_DATA = bytes(range(0x40, 0x60))  # Linux traceroute's 32 bytes: "@ABC...^_"


def ping_data(sent_at: float) -> bytes:
    """Linux ping's 56 data bytes: the send time as a timeval (little-endian, 64-bit), then
    0x10 ... 0x37."""
    stamp = PCAP_EPOCH + sent_at
    seconds = int(stamp)
    micros = round((stamp - seconds) * 1_000_000)
    return struct.pack("<qq", seconds, micros) + bytes(range(0x10, 0x38))


def _ip(d: Any) -> Packet:
    ip = IP(src=d.src, dst=d.dst, ttl=d.ttl, id=d.ip_id, flags="DF" if d.df else 0)
    if d.kind == "probe":
        return ip / UDP(sport=d.sport, dport=d.dport) / Raw(load=PROBE_DATA)
    icmp_type, code = ICMP_TYPES[d.kind]
    if d.kind in ("echo_request", "echo_reply"):
        icmp = ICMP(type=icmp_type, code=code, id=d.ident, seq=d.seq)
        return ip / icmp / Raw(load=ping_data(d.sent_at))
    return ip / ICMP(type=icmp_type, code=code) / Raw(load=quote(d.quote))


def ip_bytes(d: Any) -> bytes:
    """The IP datagram of record ``d`` as sent (header checksum computed)."""
    return bytes(_ip(d))


def quote(d: Any) -> bytes:
    """What an ICMP error about ``d`` carries: its IP header and the first 8 bytes after it."""
    data = ip_bytes(d)
    header = (data[0] & 0x0F) * 4
    return data[: header + 8]


def frame(d: Any, eth_src: str, eth_dst: str) -> Packet:
    """An Ethernet frame carrying ``d``, from ``eth_src`` to ``eth_dst``."""
    return Ether(bytes(Ether(src=eth_src, dst=eth_dst) / _ip(d)))


def ip_checksum(pkt: Packet) -> int:
    return int(pkt[IP].chksum)
