"""The PDU at each stage of encapsulation, as real scapy packets, for ``netlab simulate layers``.

Owns building the message (raw bytes), the segment or datagram (TCP or UDP + message), the
packet (IPv4 + ...) and the frame (Ethernet II + ...) that the client's layers hand down, the
new frame a router builds to forward the packet (new Ethernet header, TTL - 1, IP checksum
recomputed, the transport layer untouched), and the PDUs the server's layers handle going up.

The frame is built first, serialised and parsed back, and each inner PDU is cut from it, so
every length and checksum is the one on the wire (a TCP or UDP checksum covers a pseudo-header
of IP addresses, which the bare segment does not carry). Only the scapy layers needed are
imported; nothing is sent. (The module is not named ``layers``: importing a submodule of that
name would replace the package's ``layers()`` function that the views use.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

#: The keys of the PDUs, top down: the message, the transport PDU, the packet, the frame.
KEYS = ("data", "transport", "packet", "frame")


@dataclass(frozen=True)
class Spec:
    """What the frame carries: the message, TCP or UDP, and the addresses of each end as
    (MAC, IP, port)."""

    message: bytes
    transport: str  # "TCP" or "UDP"
    client: tuple[str, str, int]
    server: tuple[str, str, int]
    gateway_mac: str  # the router's interface on the client's LAN
    router_out_mac: str  # the router's interface on the server's network
    seq: int = 0
    ack: int = 0
    flags: str = "PA"
    window: int = 64240
    ttl: int = 64
    ip_id: int = 0


@dataclass(frozen=True)
class Built:
    pdus: dict[str, Packet]  # the client's PDUs going down, by KEYS
    forwarded: Packet  # the frame the router sends to the server
    received: dict[str, Packet]  # the server's PDUs going up, by KEYS


def _transport(spec: Spec) -> Packet:
    sport, dport = spec.client[2], spec.server[2]
    if spec.transport == "UDP":
        return UDP(sport=sport, dport=dport)
    if spec.transport != "TCP":
        raise ValueError(f"transport must be 'TCP' or 'UDP', not {spec.transport!r}")
    return TCP(
        sport=sport,
        dport=dport,
        flags=spec.flags,
        seq=spec.seq,
        ack=spec.ack,
        window=spec.window,
    )


def split(frame: Packet, transport: str) -> dict[str, Packet]:
    """The PDUs inside ``frame``, each parsed back from its own bytes: message, segment or
    datagram, packet, frame."""
    layer = TCP if transport == "TCP" else UDP
    return {
        "data": Raw(bytes(frame[layer].payload)),
        "transport": layer(bytes(frame[layer])),
        "packet": IP(bytes(frame[IP])),
        "frame": frame,
    }


def forward(frame: Packet, src_mac: str, dst_mac: str) -> Packet:
    """What a router sends on: the same IP packet with TTL - 1 and its header checksum
    recomputed, in a new Ethernet header; the transport header and data are not touched."""
    packet = IP(bytes(frame[IP]))
    packet.ttl -= 1
    del packet.chksum
    return Ether(bytes(Ether(src=src_mac, dst=dst_mac) / packet))


def build(spec: Spec) -> Built:
    client_mac, client_ip, _ = spec.client
    server_mac, server_ip, _ = spec.server
    pkt = (
        Ether(src=client_mac, dst=spec.gateway_mac)
        / IP(src=client_ip, dst=server_ip, ttl=spec.ttl, id=spec.ip_id, flags="DF")
        / _transport(spec)
        / Raw(load=spec.message)
    )
    frame = Ether(bytes(pkt))
    forwarded = forward(frame, spec.router_out_mac, server_mac)
    return Built(
        pdus=split(frame, spec.transport),
        forwarded=forwarded,
        received=split(forwarded, spec.transport),
    )


def header_span(pdu: Any, name: str) -> tuple[int, int] | None:
    """(start, length) of the header called ``name`` ("Ether", "IP", "TCP", "UDP", "Payload")
    in ``pdu``, as ``netlab.sim.packets.layers`` measures it, or None."""
    from netlab.sim.packets import layers

    for layer in layers(pdu):
        if layer.name == name:
            return layer.start, layer.header_len
    return None
