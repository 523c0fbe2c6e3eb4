"""DNS on the wire as plain data: resource records, messages and the UDP datagrams carrying them.

Owns ``Record`` (a resource record in presentation form, as Wireshark's Info column shows it),
``Message`` (RFC 1035 §4.1: the header bits, one question, the three record sections, tshark's
Info line and the fields a step carries), ``Datagram`` (one UDP datagram with the link and IP
addresses, ports, IP ID and TTL a capture reads), the record types and their codes, port 53 and
how long a CNAME chain is followed. ``netlab.sim.packets.dns`` turns a ``Datagram`` into a
real frame.

Must not decide what a server answers or what a resolver caches (``netlab.sim.dns_zone``,
``netlab.sim.dns_cache``), nor import scapy. Pure: no print, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netlab.sim.addressing import DEFAULT_TTL

#: The types a learner may ask for (``--type``).
QTYPES = ("A", "AAAA", "CNAME", "MX")
#: RR type codes (RFC 1035 §3.2.2, RFC 3596 for AAAA).
TYPE_CODES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "AAAA": 28}

DNS_PORT = 53
#: CNAMEs followed at most, by an authoritative server or by a resolver reading its cache.
MAX_CNAME_CHAIN = 8


@dataclass(frozen=True)
class Record:
    """A resource record in presentation form: MX values are ``"10 mail.example.com"``, SOA
    values ``"mname rname serial refresh retry expire minimum"``. Names have no trailing dot;
    the root is ``"."``."""

    name: str
    type: str
    ttl: int
    value: str

    def with_ttl(self, ttl: int) -> Record:
        return Record(self.name, self.type, ttl, self.value)

    @property
    def info(self) -> str:
        """The record as Wireshark's Info column shows it: type and data (SOA: its mname)."""
        if self.type == "SOA":
            return f"SOA {self.value.split()[0]}"
        return f"{self.type} {self.value}"

    @property
    def text(self) -> str:
        return f"{self.name} {self.type} {self.value}, TTL {self.ttl}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "ttl": self.ttl, "value": self.value}


@dataclass(frozen=True)
class Message:
    """One DNS message (RFC 1035 §4.1): header bits, the question, and three record sections."""

    id: int
    qr: int  # 0 query, 1 response
    rd: int  # recursion desired
    qname: str
    qtype: str
    ra: int = 0  # recursion available
    aa: int = 0  # authoritative answer
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()

    @property
    def summary(self) -> str:
        """tshark 4.0's Info column for this message."""
        if not self.qr:
            return f"Standard query 0x{self.id:04x} {self.qtype} {self.qname}"
        records = "".join(f" {r.info}" for r in self.answers + self.authority + self.additional)
        return f"Standard query response 0x{self.id:04x} {self.qtype} {self.qname}{records}"

    def fields(self, sport: int, dport: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "qr": self.qr,
            "opcode": "QUERY",
            "aa": self.aa,
            "tc": 0,
            "rd": self.rd,
            "ra": self.ra,
            "rcode": "NOERROR",
            "qname": self.qname,
            "qtype": self.qtype,
            "sport": sport,
            "dport": dport,
            "answers": [r.as_dict() for r in self.answers],
            "authority": [r.as_dict() for r in self.authority],
            "additional": [r.as_dict() for r in self.additional],
        }


@dataclass(frozen=True)
class Datagram:
    """One UDP datagram carrying a DNS message, with the link addresses it is captured with."""

    src_mac: str
    dst_mac: str
    src_ip: str
    dst_ip: str
    sport: int
    dport: int
    ip_id: int
    message: Message
    ttl: int = DEFAULT_TTL  # as a capture on the receiver's link reads it
