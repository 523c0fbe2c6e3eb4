"""The Internet checksum of RFC 1071, and the pseudo-header TCP and UDP add to it.

Owns the arithmetic the simulations use to state the checksums a packet carries without
building it in scapy (quiz questions and ``frames=False`` runs stay scapy-free): the ones'
complement of the ones' complement sum of 16-bit words, and the IPv4 pseudo-header of RFC 9293
section 3.1 / RFC 768. Pure; the tests compare it with scapy's own checksums.
"""

from __future__ import annotations

import struct


def internet_checksum(data: bytes) -> int:
    """RFC 1071: the ones' complement of the ones' complement sum of 16-bit words (an odd
    length is padded with one zero byte)."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_bytes(address: str) -> bytes:
    """``"192.168.1.10"`` -> its four bytes."""
    return bytes(int(part) for part in address.split("."))


def pseudo_header(src: str, dst: str, protocol: int, length: int) -> bytes:
    """The IPv4 pseudo-header TCP and UDP checksums cover: both addresses, a zero byte, the
    protocol number and the segment's (or datagram's) length."""
    return ipv4_bytes(src) + ipv4_bytes(dst) + struct.pack("!BBH", 0, protocol, length)
