"""Real packets: the only module of netlab that imports scapy.

Owns building frames (Ethernet / IPv4 / TCP with correct lengths and checksums, MSS option on
SYN and SYN-ACK), reading them back for the views (TCP fields, a layer-by-layer field list in
the spirit of scapy's ``show2``, the byte span of each layer's header) and writing pcap files.
It imports only the scapy layers it needs, never ``scapy.all``, and nothing here puts a packet
on a wire: there is no send function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from scapy.config import conf
from scapy.fields import ConditionalField

# The simulations here are IPv4 only. Telling scapy so before its IP layer loads spares the
# import of its IPv6 stack and the reading of the host's IPv6 routes (about 35 ms per start).
# A module that needs IPv6 imports scapy.layers.inet6 itself.
conf.ipv6_enabled = False
# Nothing here is ever sent, and every frame names its addresses and MACs, so scapy never needs
# the host's routing table: not reading it at import saves about 15 ms per start. (The live
# capture names its interface, lo, itself.)
conf.route_autoload = False

from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Packet, Raw  # noqa: E402
from scapy.utils import PcapWriter  # noqa: E402

from netlab.files import atomic_write  # noqa: E402

#: pcap timestamps start here (2026-01-01 00:00:00 UTC), so exports are byte-for-byte stable.
PCAP_EPOCH = 1_767_225_600
DEFAULT_WINDOW = 64240  # what Linux advertises on a SYN


@dataclass(frozen=True)
class Hop:
    """Addresses of one endpoint as seen on the captured link."""

    mac: str  # source MAC of frames this endpoint sends, as captured
    ip: str
    port: int


def tcp_frame(
    src: Hop,
    dst_mac: str,
    dst: Hop,
    *,
    flags: str,
    seq: int,
    ack: int,
    payload: bytes = b"",
    mss: int | None = None,
    options: tuple = (),
    ip_id: int = 0,
    ttl: int = 64,
    window: int = DEFAULT_WINDOW,
) -> Packet:
    """An Ethernet/IPv4/TCP frame, serialised and parsed back so every length and checksum is
    the one on the wire. ``options`` are scapy's ``(name, value)`` pairs in wire order (a lone
    ``mss`` stands for ``(("MSS", mss),)``)."""
    options = list(options) if options else ([("MSS", mss)] if mss else [])
    pkt = (
        Ether(src=src.mac, dst=dst_mac)
        / IP(src=src.ip, dst=dst.ip, ttl=ttl, id=ip_id, flags="DF")
        / TCP(
            sport=src.port,
            dport=dst.port,
            flags=flags,
            seq=seq,
            ack=ack,
            window=window,
            options=options,
        )
    )
    if payload:
        pkt = pkt / Raw(load=payload)
    return Ether(bytes(pkt))


def tcp_summary(pkt: Packet) -> dict[str, object]:
    """The TCP fields the views and the JSON contract use: flags, seq, ack, len, the window
    field as sent, and the options in wire order (``{kind, name, value}``)."""
    from netlab.sim.stack import option_list

    tcp = pkt[TCP]
    return {
        "flags": str(tcp.flags),
        "seq": int(tcp.seq),
        "ack": int(tcp.ack),
        "len": len(bytes(tcp.payload)),
        "window": int(tcp.window),
        "options": option_list(tuple((k, v) for k, v in tcp.options)),
    }


def has_tcp(pkt: Packet) -> bool:
    return bool(pkt.haslayer(TCP))


def is_ethernet(pkt: Packet) -> bool:
    """True for a whole Ethernet frame (what a pcap of link type 1 holds)."""
    return isinstance(pkt, Ether)


def layer_names(pkt: Packet) -> list[str]:
    """Names of the protocol layers, outermost first (payload bytes are not a layer)."""
    names = []
    layer = pkt
    while layer and not isinstance(layer, Raw):
        names.append(_short(layer.name))
        layer = layer.payload
    return names


#: scapy's names of the layers an ICMP error quotes ("IP in ICMP") as its classes name them:
#: one word each, so a hexdump row's layer list never needs to wrap
_QUOTED = {f"{p} in ICMP": f"{p}error" for p in ("IP", "ICMP", "UDP", "TCP")}
#: scapy's two-word layer names spelt as their classes ("RIP header" -> "RIP"), for the same reason
_CLASS_NAMES = {
    "RIP header": "RIP",
    "RIP entry": "RIPEntry",
    "OSPF Header": "OSPF_Hdr",
    "OSPF Link State Update": "OSPF_LSUpd",
    "OSPF Router LSA": "OSPF_Router_LSA",
    "OSPF Link": "OSPF_Link",
}


def _short(name: str) -> str:
    """scapy's layer name as netlab and the JSON contract spell it ("Ethernet" -> "Ether",
    the quoted headers of an ICMP error "IPerror", "UDPerror"...)."""
    return {"Ethernet": "Ether", **_QUOTED, **_CLASS_NAMES}.get(name, name)


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    raw: object
    #: the bytes ``[start, end)`` of the frame that hold the field (a bit field: the byte or
    #: bytes its bits fall in, shared with its neighbours; an absent or empty field: start == end)
    start: int = 0
    end: int = 0
    #: False for a conditional field its packet does not carry (ICMP's ``gw`` in an echo
    #: request: scapy's ``show`` leaves it out)
    present: bool = True


@dataclass(frozen=True)
class Layer:
    name: str
    start: int  # byte offset of the layer's header in the frame
    header_len: int
    fields: list[Field]


def layers(pkt: Packet) -> list[Layer]:
    """Each layer with its fields and values (as ``show2`` would list them), its byte span and
    each field's byte span.

    The payload, if any, is the last entry, named "Payload".
    """
    data = bytes(pkt)
    total = len(data)
    out: list[Layer] = []
    layer = pkt
    while layer:
        own = len(bytes(layer))
        inner = len(bytes(layer.payload)) if layer.payload else 0
        start = total - own
        if isinstance(layer, Raw):
            load = Field("load", repr(layer.load), layer.load, start, total)
            out.append(Layer("Payload", start, own, [load]))
            break
        spans = _field_spans(layer, data, start, start + own - inner)
        fields = []
        for fdesc, (first, end) in zip(layer.fields_desc, spans, strict=True):
            value = layer.getfieldval(fdesc.name)
            present = not isinstance(fdesc, ConditionalField) or bool(fdesc._evalcond(layer))
            shown = str(fdesc.i2repr(layer, value))
            fields.append(Field(fdesc.name, shown, value, first, end, present))
        out.append(Layer(_short(layer.name), start, own - inner, fields))
        layer = layer.payload
    return out


def _field_spans(layer: Packet, data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """Where each field of ``layer`` lies in ``data`` (the whole frame; the layer's header is
    ``data[start:end]``), found the way scapy dissected it: each field's ``getfield`` on what the
    fields before it left. A bit field hands back ``(bytes, bits used)`` while bits of a byte
    are pending, so it covers the byte(s) its bits fall in. A field that reads on past the header
    (BOOTP's ``options`` takes the rest, which scapy then hands to the DHCP layer) is cut at
    the header's end."""
    rest: bytes | tuple[bytes, int] = data[start:]
    whole = len(data) - start
    used = 0  # bits read so far
    spans = []
    for fdesc in layer.fields_desc:
        before = used
        rest, _ = fdesc.getfield(layer, rest)
        if isinstance(rest, tuple):
            left, pending = rest
            used = 8 * (whole - len(left)) + pending
        else:
            used = 8 * (whole - len(rest))
        first = min(start + before // 8, end)
        spans.append((first, max(first, min(start + -(-used // 8), end))))
    return spans


def frame_bytes(pkt: Packet) -> bytes:
    return bytes(pkt)


def checksums_ok(pkt: Packet) -> bool:
    """Recompute the IP and TCP checksums and compare them with the ones carried."""
    rebuilt = pkt.copy()
    del rebuilt[IP].chksum
    del rebuilt[TCP].chksum
    rebuilt = Ether(bytes(rebuilt))
    return (rebuilt[IP].chksum, rebuilt[TCP].chksum) == (pkt[IP].chksum, pkt[TCP].chksum)


def write_pcap(
    path: Path,
    frames: Iterable[tuple[float, Packet]],
    comment: str | None = None,
    waiting: Callable[[float], None] | None = None,
) -> None:
    """Write ``(time, frame)`` pairs to a pcap file through ``netlab.files.atomic_write`` (no
    partial file on error; a FIFO or device written through; ``waiting`` as there).
    With a ``comment`` the file is pcapng and the first frame carries it (Wireshark shows it as
    the packet comment; tshark as ``frame.comment``)."""
    with atomic_write(path, waiting) as tmp:
        if comment is None:
            writer = PcapWriter(str(tmp), linktype=1, sync=False)
        else:
            from scapy.utils import PcapNgWriter

            writer = PcapNgWriter(str(tmp))
        try:
            for n, (when, frame) in enumerate(frames):
                stamped = frame.copy()
                stamped.time = PCAP_EPOCH + Decimal(str(when))
                if comment is not None and n == 0:
                    stamped.comments = [comment.encode()]
                writer.write(stamped)
        finally:
            writer.close()


def frame_length(transport: str, payload_len: int) -> dict[str, int]:
    """The byte size of each header of an Ethernet/IPv4/TCP-or-UDP frame carrying
    ``payload_len`` bytes, and of the whole frame (as captured: no preamble, no FCS, no padding),
    measured on a real frame built here. TCP without options. Keys: "ethernet", "ip", "tcp" or
    "udp", "payload", "total"."""
    if transport not in ("tcp", "udp"):
        raise ValueError(f"transport must be 'tcp' or 'udp', not {transport!r}")
    if isinstance(payload_len, bool) or not isinstance(payload_len, int) or payload_len < 0:
        raise ValueError(f"payload length must be a whole number >= 0, not {payload_len!r}")
    # Every address given, so scapy neither looks up a route nor resolves a MAC.
    # Ports no scapy layer is bound to, so the payload reads back as plain bytes.
    transport_layer = {"tcp": TCP, "udp": UDP}[transport]
    pkt = (
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="192.0.2.1", dst="198.51.100.1")
        / transport_layer(sport=51000, dport=50000)
    )
    if payload_len:
        pkt = pkt / Raw(load=b"x" * payload_len)
    frame = Ether(bytes(pkt))
    sizes: dict[str, int] = {}
    for key, layer in (("ethernet", frame), ("ip", frame[IP]), (transport, frame[transport_layer])):
        sizes[key] = len(bytes(layer)) - len(bytes(layer.payload))
    sizes["payload"] = len(bytes(frame[transport_layer].payload))
    sizes["total"] = len(bytes(frame))
    return sizes
