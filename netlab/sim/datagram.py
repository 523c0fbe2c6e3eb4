"""One IPv4 packet as plain data: the TCP or UDP fields a NAT rewrites, and the wire they make.

Owns ``Datagram`` (addresses, ports, TTL, IP ID, the TCP header fields and options, or a small
DNS message as the UDP payload), its bytes as far as the checksums need them (RFC 1071's
Internet checksum over the IPv4 header, and over the TCP/UDP pseudo-header, segment and
payload), the key fields a capture shows (``wire_fields``) and Wireshark's Info column
(``summary``). ``netlab.sim.nat`` and ``netlab.sim.journey`` build their packets from it; the
scapy frames come from ``netlab.sim.packets.nat``.

Pure: no scapy, no print; every checksum is computed here so that the tests can compare it
with what scapy writes into the real frames.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import Any

from netlab.sim.addressing import parse_ipv4
from netlab.sim.checksum import internet_checksum, pseudo_header
from netlab.sim.info_column import tcp_info
from netlab.sim.stack import Options, option_bytes

QNAME = "www.example.com"
DNS_TTL = 300
WINDOW = 64240
PROTO_NUMBER = {"TCP": 6, "UDP": 17}
TCP_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}
# Wireshark's order and spelling of the flags in its Info column


def endpoint(ip: str, port: int | None) -> str:
    return ip if port is None else f"{ip}:{port}"


@dataclass(frozen=True)
class Dns:
    """A DNS message with one question (type A, class IN) and, in a response, one A answer."""

    id: int
    response: bool
    qname: str = QNAME
    answer: str | None = None
    ttl: int = DNS_TTL


@dataclass(frozen=True)
class Datagram:
    """One IPv4 packet: what NAT reads and rewrites, and what the checksums cover."""

    proto: str  # "TCP" or "UDP"
    src: str
    sport: int
    dst: str
    dport: int
    ttl: int
    ip_id: int
    flags: str = ""  # TCP, scapy's flag string
    seq: int = 0
    ack: int = 0
    window: int = WINDOW
    mss: int | None = None
    dns: Dns | None = None  # UDP payload
    options: Options = ()  # TCP options in wire order (scapy's names); empty: ``mss`` alone
    scale: int = 0  # the sender's window scale in effect (after a handshake that agreed one)

    def rewritten(self, src: tuple[str, int], dst: tuple[str, int], ttl: int) -> Datagram:
        return replace(self, src=src[0], sport=src[1], dst=dst[0], dport=dst[1], ttl=ttl)


def _name(qname: str) -> bytes:
    out = b""
    for label in qname.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def dns_bytes(m: Dns) -> bytes:
    """The message as scapy builds it (no name compression)."""
    flags = 0x8180 if m.response else 0x0100  # QR, RD, RA / RD
    answers = 1 if m.answer else 0
    out = struct.pack("!6H", m.id, flags, 1, answers, 0, 0)
    out += _name(m.qname) + struct.pack("!HH", 1, 1)
    if m.answer:
        out += _name(m.qname) + struct.pack("!HHIH", 1, 1, m.ttl, 4)
        out += parse_ipv4(m.answer).to_bytes(4, "big")
    return out


def _payload(d: Datagram) -> bytes:
    return dns_bytes(d.dns) if d.dns is not None else b""


def _transport(d: Datagram, checksum: int) -> bytes:
    payload = _payload(d)
    if d.proto == "UDP":
        return struct.pack("!4H", d.sport, d.dport, 8 + len(payload), checksum) + payload
    if d.options:
        options = option_bytes(d.options)
    else:
        options = struct.pack("!BBH", 2, 4, d.mss) if d.mss else b""
    offset = (20 + len(options)) // 4
    bits = sum(TCP_BITS[c] for c in d.flags)
    header = struct.pack(
        "!HHIIHHHH", d.sport, d.dport, d.seq, d.ack, offset << 12 | bits, d.window, checksum, 0
    )
    return header + options + payload


def l4_checksum(d: Datagram) -> int:
    """The TCP or UDP checksum: over the pseudo-header (source and destination address, protocol,
    length), the header and the payload."""
    segment = _transport(d, 0)
    pseudo = pseudo_header(d.src, d.dst, PROTO_NUMBER[d.proto], len(segment))
    value = internet_checksum(pseudo + segment)
    if d.proto == "UDP" and value == 0:
        return 0xFFFF  # RFC 768: a computed zero is sent as all ones (zero means "none")
    return value


def ip_checksum(d: Datagram) -> int:
    """The IPv4 header checksum: over the header only (with the addresses and the TTL)."""
    total = 20 + len(_transport(d, 0))
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        total,
        d.ip_id,
        0x4000,  # DF
        d.ttl,
        PROTO_NUMBER[d.proto],
        0,
        parse_ipv4(d.src).to_bytes(4, "big"),
        parse_ipv4(d.dst).to_bytes(4, "big"),
    )
    return internet_checksum(header)


def wire_fields(d: Datagram) -> dict[str, Any]:
    """The key fields of a packet as a capture shows them (checksums as 0x-hex)."""
    out: dict[str, Any] = {
        "proto": d.proto,
        "src": endpoint(d.src, d.sport),
        "dst": endpoint(d.dst, d.dport),
        "ttl": d.ttl,
        "ip_checksum": f"0x{ip_checksum(d):04x}",
        "l4_checksum": f"0x{l4_checksum(d):04x}",
    }
    if d.proto == "TCP":
        out["tcp_flags"] = d.flags
    elif d.dns is not None:
        out["dns_id"] = f"0x{d.dns.id:04x}"
    return out


def summary(d: Datagram, relative: tuple[int, int] = (0, 0)) -> str:
    """The Info column of Wireshark 4.0 for this packet (TCP numbers relative to the ISNs of
    ``relative`` = (own ISN, peer's ISN))."""
    if d.dns is not None:
        m = d.dns
        if m.response:
            return f"Standard query response 0x{m.id:04x} A {m.qname} A {m.answer}"
        return f"Standard query 0x{m.id:04x} A {m.qname}"
    length = len(_payload(d)) if d.proto == "TCP" else 0
    return tcp_info(
        d.sport,
        d.dport,
        d.flags,
        d.seq - relative[0],
        d.ack - relative[1],
        length,
        window=d.window << d.scale,  # Wireshark shows the calculated window
        mss=d.mss,
        options=d.options,
    )


def reset_for(d: Datagram, ttl: int) -> Datagram:
    """The RST a TCP with no connection for segment ``d`` answers with (RFC 9293 section
    3.10.7.1, as Linux's ``tcp_v4_send_reset`` writes it): to a segment with ACK,
    <SEQ=SEG.ACK><CTL=RST>; to one without, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, where a
    SYN and a FIN each count one. Window 0, no options, IP ID 0 (Linux sends its RSTs with DF
    and ID 0, from a socket of its own)."""
    if d.proto != "TCP":
        raise ValueError("only a TCP segment is answered with a RST")
    if "R" in d.flags:
        raise ValueError("a RST is never answered (RFC 9293 section 3.10.7.1)")
    back = Datagram("TCP", d.dst, d.dport, d.src, d.sport, ttl, 0, window=0)
    if "A" in d.flags:
        return replace(back, flags="R", seq=d.ack)
    length = len(_payload(d)) + ("S" in d.flags) + ("F" in d.flags)
    return replace(back, flags="RA", ack=(d.seq + length) % 2**32)
