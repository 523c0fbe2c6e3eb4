"""DNS frames: Ethernet / IPv4 / UDP / DNS built with scapy from the scenario's pure messages.

Owns turning a ``netlab.sim.dns_message.Datagram`` into a real frame (names compressed as
servers do, RFC 1035 §4.1.4; every length and checksum the wire's) and reading a frame's DNS
fields back for the tests. Nothing is sent.

``scapy.layers.dns`` imports ``scapy.layers.inet6`` whatever ``conf.ipv6_enabled`` says (AAAA
data itself only needs ``inet_pton``), and loading inet6 builds scapy's IPv6 routing table by
reading the host's routes: about 18 ms of the 30 ms this import costs. No netlab frame is ever
routed, so the table is left empty (``route6_autoload`` off for this one import, then set back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scapy.config import conf

import netlab.sim.packets  # noqa: F401  (sets conf.ipv6_enabled = False first)

_autoload = conf.route6_autoload
conf.route6_autoload = False
try:
    from scapy.layers.dns import DNS, DNSQR, DNSRR, DNSRRMX, DNSRRSOA
finally:
    conf.route6_autoload = _autoload

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Packet  # noqa: E402

from netlab.sim.dns_message import TYPE_CODES  # noqa: E402

if TYPE_CHECKING:
    from netlab.sim.dns_message import Datagram, Message, Record

TYPE_NAMES = {code: name for name, code in TYPE_CODES.items()}


def _fqdn(name: str) -> str:
    return "." if name == "." else name + "."


def _rr(record: Record) -> Packet:
    if record.type == "MX":
        pref, exchange = record.value.split()
        return DNSRRMX(
            rrname=_fqdn(record.name),
            ttl=record.ttl,
            preference=int(pref),
            exchange=_fqdn(exchange),
        )
    if record.type == "SOA":
        mname, rname, serial, refresh, retry, expire, minimum = record.value.split()
        return DNSRRSOA(
            rrname=_fqdn(record.name),
            ttl=record.ttl,
            mname=_fqdn(mname),
            rname=_fqdn(rname),
            serial=int(serial),
            refresh=int(refresh),
            retry=int(retry),
            expire=int(expire),
            minimum=int(minimum),
        )
    rdata = _fqdn(record.value) if record.type in ("NS", "CNAME") else record.value
    return DNSRR(rrname=_fqdn(record.name), type=record.type, ttl=record.ttl, rdata=rdata)


def dns_message(message: Message) -> Packet:
    """The DNS layer of ``message``, names compressed."""
    dns = DNS(
        id=message.id,
        qr=message.qr,
        opcode=0,
        aa=message.aa,
        tc=0,
        rd=message.rd,
        ra=message.ra,
        z=0,
        ad=0,
        cd=0,
        rcode=0,
        qd=[DNSQR(qname=_fqdn(message.qname), qtype=TYPE_CODES[message.qtype], qclass=1)],
        an=[_rr(r) for r in message.answers],
        ns=[_rr(r) for r in message.authority],
        ar=[_rr(r) for r in message.additional],
    )
    return dns.compress()


def dns_frame(gram: Datagram) -> Packet:
    """An Ethernet/IPv4/UDP/DNS frame, serialised and parsed back; the IP TTL is the datagram's
    (what a capture on the receiving link reads)."""
    pkt = (
        Ether(src=gram.src_mac, dst=gram.dst_mac)
        / IP(src=gram.src_ip, dst=gram.dst_ip, ttl=gram.ttl, id=gram.ip_id)
        / UDP(sport=gram.sport, dport=gram.dport)
        / dns_message(gram.message)
    )
    return Ether(bytes(pkt))


def _name(raw: Any) -> str:
    text = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
    return text[:-1] if text.endswith(".") and text != "." else text


def _record(rr: Packet) -> dict[str, Any]:
    rtype = TYPE_NAMES.get(int(rr.type), str(rr.type))
    if rtype == "MX":
        value = f"{rr.preference} {_name(rr.exchange)}"
    elif rtype == "SOA":
        value = " ".join(
            [_name(rr.mname), _name(rr.rname)]
            + [str(getattr(rr, f)) for f in ("serial", "refresh", "retry", "expire", "minimum")]
        )
    elif rtype in ("NS", "CNAME"):
        value = _name(rr.rdata)
    else:
        value = str(rr.rdata)
    return {"name": _name(rr.rrname), "type": rtype, "ttl": int(rr.ttl), "value": value}


def read_dns(frame: Packet) -> dict[str, Any]:
    """The DNS fields of a frame as ``Step.fields`` spells them, read from the bytes."""
    parsed = Ether(bytes(frame))
    dns, udp = parsed[DNS], parsed[UDP]
    question = dns.qd[0]
    return {
        "id": int(dns.id),
        "qr": int(dns.qr),
        "opcode": "QUERY" if int(dns.opcode) == 0 else str(dns.opcode),
        "aa": int(dns.aa),
        "tc": int(dns.tc),
        "rd": int(dns.rd),
        "ra": int(dns.ra),
        "rcode": "NOERROR" if int(dns.rcode) == 0 else str(dns.rcode),
        "qname": _name(question.qname),
        "qtype": TYPE_NAMES[int(question.qtype)],
        "sport": int(udp.sport),
        "dport": int(udp.dport),
        "answers": [_record(rr) for rr in (dns.an or [])],
        "authority": [_record(rr) for rr in (dns.ns or [])],
        "additional": [_record(rr) for rr in (dns.ar or [])],
    }
