"""DHCP frames: Ethernet / IPv4 / UDP / BOOTP with the DHCP options, built by scapy.

Owns turning one DHCP message of ``netlab.sim.dhcp_message`` (plain values: addresses, ports,
BOOTP fields and the options in order) into a real frame, serialised and parsed back so every
length and checksum is the wire's, and reading the key fields back from a frame (for the tests).
The BOOTP part is padded to 300 bytes with pad options, as ISC dhclient and dhcpd do (RFC 951's
minimum BOOTP message). Imports only ``scapy.layers.dhcp`` on top of the package's layers (the
package, imported first, has already set ``conf.ipv6_enabled = False``); it sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

BOOTP_MIN_LEN = 300  # RFC 951; what dhclient and dhcpd pad their messages to
BROADCAST_BIT = 0x8000  # the leftmost bit of the BOOTP flags field (RFC 2131 figure 2)


def dhcp_frame(
    *,
    eth_src: str,
    eth_dst: str,
    ip_src: str,
    ip_dst: str,
    sport: int,
    dport: int,
    op: int,
    xid: int,
    secs: int,
    broadcast: bool,
    ciaddr: str,
    yiaddr: str,
    siaddr: str,
    giaddr: str,
    chaddr: str,
    options: Sequence[tuple[str, Any]],
    ttl: int = 64,
    tos: int = 0,
    df: bool = False,
) -> Packet:
    """One DHCP message as an Ethernet frame. ``options`` are scapy's DHCP option names with
    their values, in the order they go on the wire; the end option and the padding are added
    here. ``ttl``, ``tos`` and ``df`` are the IP header's (IP ID is 0, as dhclient writes it
    and as Linux sends an unconnected UDP socket's DF datagrams)."""
    bootp = BOOTP(
        op=op,
        htype=1,
        hlen=6,
        xid=xid,
        secs=secs,
        flags=BROADCAST_BIT if broadcast else 0,
        ciaddr=ciaddr,
        yiaddr=yiaddr,
        siaddr=siaddr,
        giaddr=giaddr,
        chaddr=bytes.fromhex(chaddr.replace(":", "")),
    )
    opts: list[Any] = [(name, value) for name, value in options]
    opts.append("end")
    length = len(bytes(bootp / DHCP(options=opts)))
    opts.extend(["pad"] * max(0, BOOTP_MIN_LEN - length))
    pkt = (
        Ether(src=eth_src, dst=eth_dst)
        / IP(src=ip_src, dst=ip_dst, ttl=ttl, tos=tos, id=0, flags="DF" if df else 0)
        / UDP(sport=sport, dport=dport)
        / bootp
        / DHCP(options=opts)
    )
    return Ether(bytes(pkt))


def dhcp_fields(pkt: Packet) -> dict[str, Any]:
    """The key fields of a DHCP frame as read back from its bytes: message type, xid, flags,
    the BOOTP addresses, the IP header's TTL, TOS and DF bit, and the options (scapy names, pad
    and end left out)."""
    bootp = pkt[BOOTP]
    options: dict[str, Any] = {}
    for item in pkt[DHCP].options:
        if isinstance(item, tuple):
            name, *values = item
            options[name] = values[0] if len(values) == 1 else list(values)
    chaddr = bytes(bootp.chaddr)[:6].hex(":")
    return {
        "message_type": int(options.get("message-type", 0)),
        "op": int(bootp.op),
        "xid": int(bootp.xid),
        "secs": int(bootp.secs),
        "broadcast": bool(int(bootp.flags) & BROADCAST_BIT),
        "ciaddr": bootp.ciaddr,
        "yiaddr": bootp.yiaddr,
        "siaddr": bootp.siaddr,
        "giaddr": bootp.giaddr,
        "chaddr": chaddr,
        "eth_src": pkt[Ether].src,
        "eth_dst": pkt[Ether].dst,
        "ip_src": pkt[IP].src,
        "ip_dst": pkt[IP].dst,
        "sport": int(pkt[UDP].sport),
        "dport": int(pkt[UDP].dport),
        "ttl": int(pkt[IP].ttl),
        "tos": int(pkt[IP].tos),
        "df": "DF" in str(pkt[IP].flags),
        "options": options,
    }
