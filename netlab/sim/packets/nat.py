"""Real frames for ``netlab simulate nat``: TCP segments and DNS-over-UDP datagrams, before and
after address translation.

Owns turning the pure ``Datagram`` records of ``netlab.sim.datagram`` into scapy packets (serialised
and parsed back, so lengths and checksums are the wire's) and ``translate``: a new packet with
the addresses, ports, TTL and MACs rewritten and the IP and TCP/UDP checksums left for scapy to
compute again, as a NAT router must (the IP header checksum covers the addresses and the TTL;
the TCP/UDP checksum covers a pseudo-header with both addresses, and the ports). Imports only
scapy's l2, inet and dns layers, after ``netlab.sim.packets`` (this module's package) has told
scapy to leave IPv6 alone. Nothing here sends anything.
"""

from __future__ import annotations

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from netlab.sim.datagram import Datagram


def _dns(d: Datagram) -> DNS:
    m = d.dns
    assert m is not None
    question = DNSQR(qname=m.qname, qtype="A", qclass="IN")
    if not m.response:
        return DNS(id=m.id, rd=1, qd=question)
    answer = DNSRR(rrname=m.qname, type="A", rclass="IN", ttl=m.ttl, rdata=m.answer)
    return DNS(id=m.id, qr=1, rd=1, ra=1, qd=question, an=answer)


def frame(d: Datagram, eth_src: str, eth_dst: str) -> Packet:
    """An Ethernet/IPv4/TCP or Ethernet/IPv4/UDP/DNS frame (DF set, as Linux sends)."""
    ip = IP(src=d.src, dst=d.dst, ttl=d.ttl, id=d.ip_id, flags="DF")
    if d.proto == "TCP":
        options = list(d.options) if d.options else ([("MSS", d.mss)] if d.mss else [])
        l4 = TCP(
            sport=d.sport,
            dport=d.dport,
            flags=d.flags,
            seq=d.seq,
            ack=d.ack,
            window=d.window,
            options=options,
        )
        pkt = Ether(src=eth_src, dst=eth_dst) / ip / l4
    else:
        pkt = Ether(src=eth_src, dst=eth_dst) / ip / UDP(sport=d.sport, dport=d.dport) / _dns(d)
    return Ether(bytes(pkt))


def translate(before: Packet, after: Datagram, eth_src: str, eth_dst: str) -> Packet:
    """``before`` as the router sends it on: new MACs (the next link), the addresses and ports
    of ``after``, TTL one less, and both checksums recomputed by scapy."""
    pkt = before.copy()
    pkt[Ether].src = eth_src
    pkt[Ether].dst = eth_dst
    ip = pkt[IP]
    ip.src, ip.dst, ip.ttl = after.src, after.dst, after.ttl
    l4 = pkt[TCP] if TCP in pkt else pkt[UDP]
    l4.sport, l4.dport = after.sport, after.dport
    del ip.chksum
    del l4.chksum
    return Ether(bytes(pkt))


def checksums(pkt: Packet) -> tuple[int, int]:
    """(IP header checksum, TCP or UDP checksum) as carried by the frame."""
    l4 = pkt[TCP] if TCP in pkt else pkt[UDP]
    return int(pkt[IP].chksum), int(l4.chksum)
