"""Scenario ``layers``: one message wrapped layer by layer, carried across a switch and a router,
and unwrapped layer by layer at the receiver.

Owns the layer models (OSI's seven layers, the five-layer TCP/IP model and RFC 1122's four
layers, with the mapping between them), what each layer adds to the message (header name and
size, PDU name), the devices that work at each layer and example protocols, the addresses of the
four nodes (client, switch, router, server), and the script of the scenario: encapsulation at
the client, the frame on each link (the switch forwards it unchanged, the router builds a new
one), decapsulation at the server.

Pure: every byte count, offset and checksum is computed here from the header layouts of RFC 791
(IPv4), RFC 9293 (TCP), RFC 768 (UDP) and IEEE 802.3 (Ethernet II), with the Internet checksum of
RFC 1071, so ``build(options, frames=False)`` gives the same Trace as ``frames=True`` minus the
scapy packets. The packets themselves come from ``netlab.sim.packets.encapsulation`` (imported
only when ``frames`` is true); nothing here imports scapy, prints or draws.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from netlab.sim.checksum import internet_checksum, ipv4_bytes, pseudo_header
from netlab.sim.info_column import Capture
from netlab.sim.segment import Segment
from netlab.sim.trace import Node, Note, Step, Trace

MODELS = ("osi", "tcpip")
MAX_MESSAGE = 1400  # fits one TCP segment (MSS 1460) and one Ethernet frame (MTU 1500)
DEFAULT_MESSAGE = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"

ETHERNET_HEADER = 14
IPV4_HEADER = 20  # without options
TCP_HEADER = 20  # without options
UDP_HEADER = 8
ETHERTYPE_IPV4 = 0x0800
IP_PROTOCOL = {"TCP": 6, "UDP": 17}
MIN_FRAME = 60  # Ethernet's minimum frame, without the 4-byte FCS
PREAMBLE = 8  # 7 bytes of preamble and the 1-byte start frame delimiter
FCS = 4  # the CRC-32 trailer the NIC appends
TTL = 64  # Linux's default
WINDOW = 64240
ISN_CLIENT = 1000  # the connection's first data byte is ISN + 1 (the SYN used one number)
ISN_SERVER = 5000
IP_ID = 0
TCP_FLAGS = "PA"  # PSH, ACK: data in an established connection
TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}

#: Wireshark spells the flags of a segment in brackets in this order.

# Time (s) at which each part of the scenario happens: the layers' work is local and quick,
# each link takes a millisecond.
T_ENCAP = 0.0
T_CLIENT_SWITCH = 0.001
T_SWITCH_ROUTER = 0.002
T_ROUTER_SERVER = 0.003
T_DECAP = 0.004


@dataclass(frozen=True)
class Interface:
    """An address pair (and port, for the two hosts) on one link."""

    ip: str
    mac: str
    port: int | None = None


CLIENT = Interface("192.168.1.10", "02:00:00:00:00:01", 51000)
SERVER = Interface("203.0.113.10", "02:00:00:00:00:02", 80)
ROUTER_LAN = Interface("192.168.1.1", "02:00:00:00:00:fe")
ROUTER_WAN = Interface("203.0.113.1", "02:00:00:00:01:fe")
LAN = "192.168.1.0/24"
WAN = "203.0.113.0/24"


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a model: its key (``layers.layer.<key>`` names it), its number counted from
    the bottom, the OSI layers it covers, the devices that work at it (``layers.device.<key>``)
    and example protocols (their own names, not translated)."""

    key: str
    number: int
    osi: tuple[int, ...]
    devices: tuple[str, ...]
    protocols: tuple[str, ...]


_APP = ("HTTP", "DNS", "DHCP", "SSH", "SMTP", "FTP")
_TRANSPORT = ("TCP", "UDP", "SCTP")
_NETWORK = ("IPv4", "IPv6", "ICMP", "OSPF")
_LINK = ("Ethernet", "Wi-Fi (802.11)", "PPP", "STP")
_PHYSICAL = ("1000BASE-T", "1000BASE-SX", "802.11 radio", "DSL")

OSI_LAYERS = (
    LayerInfo("application", 7, (7,), ("host", "proxy"), _APP),
    LayerInfo("presentation", 6, (6,), ("host",), ("TLS", "MIME", "ASN.1")),
    LayerInfo("session", 5, (5,), ("host",), ("NetBIOS", "RPC", "PPTP")),
    LayerInfo("transport", 4, (4,), ("host", "firewall"), _TRANSPORT),
    LayerInfo("network", 3, (3,), ("router", "l3_switch"), _NETWORK),
    LayerInfo("data_link", 2, (2,), ("switch", "bridge", "nic"), _LINK),
    LayerInfo("physical", 1, (1,), ("hub", "repeater", "nic"), _PHYSICAL),
)

TCPIP_LAYERS = (
    LayerInfo("application", 5, (7, 6, 5), ("host", "proxy"), (*_APP, "TLS")),
    LayerInfo("transport", 4, (4,), ("host", "firewall"), _TRANSPORT),
    LayerInfo("network", 3, (3,), ("router", "l3_switch"), _NETWORK),
    LayerInfo("data_link", 2, (2,), ("switch", "bridge", "nic"), _LINK),
    LayerInfo("physical", 1, (1,), ("hub", "repeater", "nic"), _PHYSICAL),
)

#: RFC 1122's four layers, for each layer of the five-layer model.
RFC1122 = {
    "application": "application",
    "transport": "transport",
    "network": "internet",
    "data_link": "link",
    "physical": "link",
}

#: The aspects of the TCP/UDP comparison, in the order shown (``layers.compare.<aspect>.*``).
COMPARISON = (
    "connection",
    "reliability",
    "ordering",
    "boundaries",
    "header",
    "overhead",
    "examples",
)


@dataclass(frozen=True)
class LayersOptions:
    """Already-validated options: the message (1 to ``MAX_MESSAGE`` bytes), the model, UDP."""

    message: bytes = DEFAULT_MESSAGE
    model: str = "tcpip"
    udp: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.message, bytes) or not 1 <= len(self.message) <= MAX_MESSAGE:
            raise ValueError(f"the message must be 1 to {MAX_MESSAGE} bytes")
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, not {self.model!r}")

    @property
    def transport(self) -> str:
        return "UDP" if self.udp else "TCP"


# -- the models ------------------------------------------------------------------------------


def model_layers(model: str) -> tuple[LayerInfo, ...]:
    """The layers of ``model`` ("osi" or "tcpip"), top down."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, not {model!r}")
    return OSI_LAYERS if model == "osi" else TCPIP_LAYERS


def mapping() -> list[dict[str, Any]]:
    """One row per OSI layer, top down: its number and name, the five-layer TCP/IP layer and
    RFC 1122's layer that cover it."""
    rows = []
    for osi in OSI_LAYERS:
        five = next(layer for layer in TCPIP_LAYERS if osi.number in layer.osi)
        rows.append(
            {
                "osi": osi.number,
                "osi_layer": osi.key,
                "tcpip": five.key,
                "rfc1122": RFC1122[five.key],
            }
        )
    return rows


def pdu_name(layer: str, transport: str) -> str:
    """The name of the unit a layer hands down (``layers.pdu.<name>``)."""
    if layer == "transport":
        return "segment" if transport == "TCP" else "datagram"
    return {"network": "packet", "data_link": "frame", "physical": "bits"}.get(layer, "data")


def header_of(layer: str, transport: str) -> tuple[str | None, int]:
    """The header a layer adds in this scenario: its name as Wireshark calls it, and its size.
    The upper OSI layers and the physical layer add none (see the notes of their steps)."""
    return {
        "transport": (transport, TCP_HEADER if transport == "TCP" else UDP_HEADER),
        "network": ("IPv4", IPV4_HEADER),
        "data_link": ("Ethernet II", ETHERNET_HEADER),
    }.get(layer, (None, 0))


# -- the bytes: header layouts and the Internet checksum ----------------------------------------


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def ethernet_header(dst_mac: str, src_mac: str) -> bytes:
    return _mac(dst_mac) + _mac(src_mac) + struct.pack("!H", ETHERTYPE_IPV4)


def ipv4_header(src: str, dst: str, protocol: int, payload_len: int, ttl: int) -> bytes:
    """RFC 791 header without options: DF set, not fragmented, checksum filled in."""
    head = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        IPV4_HEADER + payload_len,
        IP_ID,
        0x4000,  # DF
        ttl,
        protocol,
        0,
        ipv4_bytes(src),
        ipv4_bytes(dst),
    )
    checksum = internet_checksum(head)
    return head[:10] + struct.pack("!H", checksum) + head[12:]


def tcp_header(src: Interface, dst: Interface, seq: int, ack: int, payload: bytes) -> bytes:
    """RFC 9293 header without options, flags PSH+ACK, checksum over the pseudo-header."""
    flags = sum(TCP_FLAG_BITS[c] for c in TCP_FLAGS)
    head = struct.pack(
        "!HHIIBBHHH", src.port, dst.port, seq, ack, (TCP_HEADER // 4) << 4, flags, WINDOW, 0, 0
    )
    pseudo = pseudo_header(src.ip, dst.ip, IP_PROTOCOL["TCP"], TCP_HEADER + len(payload))
    checksum = internet_checksum(pseudo + head + payload)
    return head[:16] + struct.pack("!H", checksum) + head[18:]


def udp_header(src: Interface, dst: Interface, payload: bytes) -> bytes:
    """RFC 768 header, checksum over the pseudo-header (a computed 0 is sent as 0xffff)."""
    length = UDP_HEADER + len(payload)
    head = struct.pack("!HHHH", src.port, dst.port, length, 0)
    pseudo = pseudo_header(src.ip, dst.ip, IP_PROTOCOL["UDP"], length)
    checksum = internet_checksum(pseudo + head + payload) or 0xFFFF
    return head[:6] + struct.pack("!H", checksum)


@dataclass(frozen=True)
class Wire:
    """The headers of the frame on one link, as bytes, and the message."""

    ethernet: bytes
    ip: bytes
    transport: bytes
    message: bytes

    @property
    def frame(self) -> bytes:
        return self.ethernet + self.ip + self.transport + self.message

    @property
    def ttl(self) -> int:
        return self.ip[8]

    @property
    def ip_checksum(self) -> int:
        return struct.unpack("!H", self.ip[10:12])[0]

    @property
    def transport_checksum(self) -> int:
        offset = 16 if len(self.transport) == TCP_HEADER else 6
        return struct.unpack("!H", self.transport[offset : offset + 2])[0]


def wires(options: LayersOptions) -> tuple[Wire, Wire]:
    """The frame on the LAN (client -> router) and the one the router builds (-> server)."""
    message = options.message
    if options.udp:
        l4 = udp_header(CLIENT, SERVER, message)
    else:
        l4 = tcp_header(CLIENT, SERVER, ISN_CLIENT + 1, ISN_SERVER + 1, message)
    proto = IP_PROTOCOL[options.transport]
    size = len(l4) + len(message)
    lan = Wire(
        ethernet_header(ROUTER_LAN.mac, CLIENT.mac),
        ipv4_header(CLIENT.ip, SERVER.ip, proto, size, TTL),
        l4,
        message,
    )
    wan = Wire(
        ethernet_header(SERVER.mac, ROUTER_WAN.mac),
        ipv4_header(CLIENT.ip, SERVER.ip, proto, size, TTL - 1),
        l4,
        message,
    )
    return lan, wan


def hex16(value: int) -> str:
    return f"0x{value:04x}"


# -- the fields each layer's header carries (scapy's field names, so --detail agrees) ---------


def transport_fields(options: LayersOptions, wire: Wire) -> dict[str, Any]:
    if options.udp:
        return {
            "sport": CLIENT.port,
            "dport": SERVER.port,
            "len": UDP_HEADER + len(options.message),
            "chksum": hex16(wire.transport_checksum),
        }
    return {
        "sport": CLIENT.port,
        "dport": SERVER.port,
        "seq": ISN_CLIENT + 1,
        "ack": ISN_SERVER + 1,
        "dataofs": TCP_HEADER // 4,
        "flags": TCP_FLAGS,
        "window": WINDOW,
        "chksum": hex16(wire.transport_checksum),
        "urgptr": 0,
    }


def ip_fields(options: LayersOptions, wire: Wire) -> dict[str, Any]:
    return {
        "version": 4,
        "ihl": IPV4_HEADER // 4,
        "tos": 0,
        "len": len(wire.frame) - ETHERNET_HEADER,
        "id": IP_ID,
        "flags": "DF",
        "frag": 0,
        "ttl": wire.ttl,
        "proto": IP_PROTOCOL[options.transport],
        "chksum": hex16(wire.ip_checksum),
        "src": CLIENT.ip,
        "dst": SERVER.ip,
    }


def ethernet_fields(wire: Wire) -> dict[str, Any]:
    dst, src = wire.ethernet[:6], wire.ethernet[6:12]
    return {
        "dst": ":".join(f"{b:02x}" for b in dst),
        "src": ":".join(f"{b:02x}" for b in src),
        "type": hex16(ETHERTYPE_IPV4),
    }


def header_fields(layer: str, options: LayersOptions, wire: Wire) -> dict[str, Any]:
    if layer == "transport":
        return transport_fields(options, wire)
    if layer == "network":
        return ip_fields(options, wire)
    if layer == "data_link":
        return ethernet_fields(wire)
    return {}


def frame_offsets(options: LayersOptions) -> dict[str, int]:
    """Where each layer's header starts in the frame (the message for the upper layers)."""
    l4 = UDP_HEADER if options.udp else TCP_HEADER
    message = ETHERNET_HEADER + IPV4_HEADER + l4
    return {
        "data_link": 0,
        "network": ETHERNET_HEADER,
        "transport": ETHERNET_HEADER + IPV4_HEADER,
        "application": message,
        "presentation": message,
        "session": message,
        "physical": 0,
    }


def layer_rows(options: LayersOptions) -> list[dict[str, Any]]:
    """The chosen model's layers, top down, with what each adds in this scenario: header name
    and size, its offset in the frame, PDU name, the size of the PDU after the layer, devices
    and protocols. Plain data (it goes into ``Trace.params``)."""
    transport = options.transport
    offsets = frame_offsets(options)
    total = len(options.message)
    rows = []
    for info in model_layers(options.model):
        header, size = header_of(info.key, transport)
        total += size
        rows.append(
            {
                "key": info.key,
                "number": info.number,
                "osi": list(info.osi),
                "header": header,
                "header_bytes": size,
                "frame_offset": offsets[info.key],
                "pdu": pdu_name(info.key, transport),
                "total_bytes": total,
                "devices": list(info.devices),
                "protocols": list(info.protocols),
            }
        )
    return rows


# -- what is said at each step ---------------------------------------------------------------


def _names(layer: str, pdu: str) -> dict[str, Note]:
    return {"layer": Note(f"layers.layer.{layer}"), "pdu": Note(f"layers.pdu.{pdu}")}


def _encap_notes(row: dict[str, Any], options: LayersOptions, wire: Wire) -> list[Note]:
    layer, total = row["key"], row["total_bytes"]
    base = {**_names(layer, row["pdu"]), "total": total, "bytes": row["header_bytes"]}
    if layer == "application":
        return [Note("layers.encap.application", base)]
    if layer in ("presentation", "session"):
        return [Note(f"layers.encap.{layer}", base)]
    if layer == "transport":
        f = transport_fields(options, wire)
        if options.udp:
            main = Note(
                "layers.encap.transport_udp",
                {**base, "sport": f["sport"], "dport": f["dport"], "length": f["len"]},
            )
            return [main, Note("layers.note.udp_checksum", {"checksum": f["chksum"]})]
        main = Note(
            "layers.encap.transport_tcp",
            {
                **base,
                "sport": f["sport"],
                "dport": f["dport"],
                "seq": f["seq"],
                "ack": f["ack"],
                "window": f["window"],
                "checksum": f["chksum"],
            },
        )
        return [main, Note("layers.note.after_handshake", {"isn": ISN_CLIENT, "seq": f["seq"]})]
    if layer == "network":
        f = ip_fields(options, wire)
        main = Note(
            "layers.encap.network",
            {
                **base,
                "src": f["src"],
                "dst": f["dst"],
                "ttl": f["ttl"],
                "proto": f["proto"],
                "transport": options.transport,
                "checksum": f["chksum"],
            },
        )
        return [main, Note("layers.note.ip_datagram")]
    if layer == "data_link":
        f = ethernet_fields(wire)
        main = Note("layers.encap.data_link", {**base, "dst_mac": f["dst"], "src_mac": f["src"]})
        gateway = Note(
            "layers.note.gateway_mac",
            {"dst": SERVER.ip, "lan": LAN, "gateway": ROUTER_LAN.ip},
        )
        return [main, gateway, Note("layers.note.fcs", {"fcs": FCS})]
    # physical
    notes = [Note("layers.encap.physical", {**base, "bits": total * 8})]
    padding = max(0, MIN_FRAME - total)
    wire_bytes = PREAMBLE + total + padding + FCS
    notes.append(
        Note("layers.note.wire_extras", {"preamble": PREAMBLE, "fcs": FCS, "wire": wire_bytes})
    )
    if padding:
        notes.append(
            Note("layers.note.padding", {"total": total, "pad": padding, "minimum": MIN_FRAME})
        )
    return notes


def _decap_notes(row: dict[str, Any], options: LayersOptions, wire: Wire) -> list[Note]:
    layer, total = row["key"], row["total_bytes"]
    rest = total - row["header_bytes"]
    base = {**_names(layer, row["pdu"]), "total": total, "bytes": row["header_bytes"], "rest": rest}
    if layer == "physical":
        return [Note("layers.decap.physical", base)]
    if layer == "data_link":
        return [
            Note(
                "layers.decap.data_link",
                {**base, "dst_mac": SERVER.mac, "ethertype": hex16(ETHERTYPE_IPV4)},
            )
        ]
    if layer == "network":
        return [
            Note(
                "layers.decap.network",
                {
                    **base,
                    "dst": SERVER.ip,
                    "ttl": wire.ttl,
                    "proto": IP_PROTOCOL[options.transport],
                    "transport": options.transport,
                },
            )
        ]
    if layer == "transport":
        if options.udp:
            return [
                Note("layers.decap.transport_udp", {**base, "dport": SERVER.port}),
                Note("layers.note.udp_no_reply"),
            ]
        return [
            Note(
                "layers.decap.transport_tcp",
                {**base, "dport": SERVER.port, "seq": ISN_CLIENT + 1},
            ),
            Note("layers.note.tcp_ack_not_shown", {"ack": ISN_CLIENT + 1 + len(options.message)}),
        ]
    return [Note(f"layers.decap.{layer}", base)]


def _summary_local(row: dict[str, Any], going_down: bool) -> str:
    """The technical one-liner of a local step, e.g. "transport: +TCP 20 B -> segment 57 B"."""
    layer = row["key"].replace("_", " ")
    header, size, total = row["header"], row["header_bytes"], row["total_bytes"]
    if row["pdu"] == "bits":
        return f"{layer}: frame {total} B = {total * 8} bits"
    if header is None:
        return f"{layer}: data {total} B"
    if going_down:
        return f"{layer}: +{header} {size} B -> {row['pdu']} {total} B"
    return f"{layer}: {row['pdu']} {total} B, -{header} {size} B -> {total - size} B"


def wire_columns(options: LayersOptions) -> tuple[tuple[str, str], tuple[str, str]]:
    """(Protocol, Info) of the two frames a capture of the client's and the server's links
    holds, as tshark 4.0 shows them (``netlab.sim.info_column.Capture``): the application's
    name where Wireshark recognises it (``HTTP``, ``GET / HTTP/1.1``), else TCP's or UDP's line.
    With no SYN in the capture, Wireshark numbers the first segment's bytes from 1. The router's
    frame carries the same segment again, so Wireshark calls it a retransmission (the router
    step's notes say why)."""
    if options.udp:
        udp = ("UDP", f"{CLIENT.port} → {SERVER.port} Len={len(options.message)}")
        return udp, udp
    segment = Segment(
        "client",
        "server",
        TCP_FLAGS,
        ISN_CLIENT + 1,
        ISN_SERVER + 1,
        options.message,
        window=WINDOW,
    )
    ends = ((CLIENT.ip, CLIENT.port), (SERVER.ip, SERVER.port))
    capture = Capture()
    first = capture.tcp(T_CLIENT_SWITCH, *ends, segment)
    return first, capture.tcp(T_ROUTER_SERVER, *ends, segment)


def link_fields(options: LayersOptions, wire: Wire) -> dict[str, Any]:
    """The key fields of a frame on a link: addresses, TTL, checksums, the transport's fields."""
    eth = ethernet_fields(wire)
    fields: dict[str, Any] = {
        "src_mac": eth["src"],
        "dst_mac": eth["dst"],
        "src_ip": CLIENT.ip,
        "dst_ip": SERVER.ip,
        "ttl": wire.ttl,
        "ip_checksum": hex16(wire.ip_checksum),
        "sport": CLIENT.port,
        "dport": SERVER.port,
    }
    t = transport_fields(options, wire)
    if options.udp:
        fields.update({"length": t["len"]})
    else:
        fields.update({"flags": t["flags"], "seq": t["seq"], "ack": t["ack"], "window": WINDOW})
    fields.update(
        {
            "checksum": t["chksum"],
            "len": len(options.message),
            "frame_bytes": len(wire.frame),
        }
    )
    return fields


# -- the scenario ----------------------------------------------------------------------------


def build(options: LayersOptions, frames: bool = True) -> Trace:
    """The Trace of one message going down the client's layers, across three links and up the
    server's layers. With ``frames=False`` no scapy is imported and every packet is None."""
    transport = options.transport
    lan, wan = wires(options)
    rows = layer_rows(options)
    pdus: dict[str, Any] = {}
    received: dict[str, Any] = {}
    forwarded: Any = None
    if frames:
        from netlab.sim.packets import encapsulation

        built = encapsulation.build(
            encapsulation.Spec(
                message=options.message,
                transport=transport,
                client=(CLIENT.mac, CLIENT.ip, CLIENT.port),
                server=(SERVER.mac, SERVER.ip, SERVER.port),
                gateway_mac=ROUTER_LAN.mac,
                router_out_mac=ROUTER_WAN.mac,
                seq=ISN_CLIENT + 1,
                ack=ISN_SERVER + 1,
                flags=TCP_FLAGS,
                window=WINDOW,
                ttl=TTL,
                ip_id=IP_ID,
            )
        )
        pdus, received, forwarded = built.pdus, built.received, built.forwarded

    def packet_for(row: dict[str, Any], side: str) -> Any:
        """The PDU a layer handles: the client's going down, the server's going up."""
        if not frames:
            return None
        pdu = row["pdu"]
        if pdu == "bits":
            pdu = "frame"
        if pdu in ("segment", "datagram"):
            pdu = "transport"
        return (pdus if side == "client" else received)[pdu]

    steps: list[Step] = []

    def add(**kwargs: Any) -> Step:
        step = Step(index=len(steps) + 1, **kwargs)
        steps.append(step)
        return step

    for row in rows:
        wire_fields = header_fields(row["key"], options, lan)
        add(
            time=T_ENCAP,
            src="client",
            dst=None,
            packet=packet_for(row, "client"),
            summary=_summary_local(row, going_down=True),
            notes=_encap_notes(row, options, lan),
            event="layers_encap",
            fields=_local_fields(row, "down", wire_fields),
        )

    lan_fields = link_fields(options, lan)
    (lan_protocol, lan_info), (wan_protocol, wan_info) = wire_columns(options)
    client_notes = [
        Note(
            "layers.link.client_switch",
            {"dst_mac": ROUTER_LAN.mac, "dst_ip": SERVER.ip, "size": len(lan.frame)},
        ),
        Note("layers.note.mac_vs_ip"),
    ]
    if lan_protocol != transport:  # Wireshark names the frame after the application
        client_notes.append(
            Note("layers.note.wireshark_top", {"protocol": lan_protocol, "transport": transport})
        )
    first = add(
        time=T_CLIENT_SWITCH,
        src="client",
        dst="switch",
        packet=pdus.get("frame"),
        summary=lan_info,
        notes=client_notes,
        protocol=lan_protocol,
        fields=lan_fields,
    )
    add(
        time=T_SWITCH_ROUTER,
        src="switch",
        dst="router",
        packet=pdus.get("frame"),
        summary=lan_info,
        notes=[
            Note("layers.link.switch_router", {"dst_mac": ROUTER_LAN.mac}),
            Note("layers.note.hub"),
        ],
        protocol=lan_protocol,
        fields={**lan_fields, "forwarder_layer": 2},
        copy_of=first.index,
    )
    router_notes = [
        Note("layers.link.router_server", {"dst": SERVER.ip, "wan": WAN}),
        Note(
            "layers.note.ttl_checksum",
            {
                "ttl_before": lan.ttl,
                "ttl_after": wan.ttl,
                "old": hex16(lan.ip_checksum),
                "new": hex16(wan.ip_checksum),
            },
        ),
        Note(
            "layers.note.new_frame",
            {"src_mac": ROUTER_WAN.mac, "dst_mac": SERVER.mac, "old_src": CLIENT.mac},
        ),
        Note("layers.note.l4_untouched", {"transport": transport}),
        Note("layers.note.no_nat", {"client": CLIENT.ip}),
    ]
    if not options.udp:
        router_notes.append(Note("layers.note.wireshark_retransmission"))
    add(
        time=T_ROUTER_SERVER,
        src="router",
        dst="server",
        packet=forwarded,
        summary=wan_info,
        notes=router_notes,
        protocol=wan_protocol,
        fields={
            **link_fields(options, wan),
            "forwarder_layer": 3,
            "ttl_before": lan.ttl,
            "ip_checksum_before": hex16(lan.ip_checksum),
            "src_mac_before": CLIENT.mac,
            "dst_mac_before": ROUTER_LAN.mac,
        },
    )

    for row in reversed(rows):
        wire_fields = header_fields(row["key"], options, wan)
        add(
            time=T_DECAP,
            src="server",
            dst=None,
            packet=packet_for(row, "server"),
            summary=_summary_local(row, going_down=False),
            notes=_decap_notes(row, options, wan),
            event="layers_decap",
            fields=_local_fields(row, "up", wire_fields),
        )

    return Trace(
        scenario="layers",
        nodes=[
            Node("client", "client", CLIENT.ip, CLIENT.mac, CLIENT.port),
            Node("switch", "switch"),
            Node("router", "router", ROUTER_LAN.ip, ROUTER_LAN.mac),
            Node("server", "server", SERVER.ip, SERVER.mac, SERVER.port),
        ],
        steps=steps,
        title=Note(
            "layers.title",
            {"model": Note(f"layers.model.{options.model}"), "transport": transport},
        ),
        header=_header(options, lan),
        remember=_remember(options, rows),
        params=_params(options, rows, lan, wan),
    )


def _local_fields(row: dict[str, Any], direction: str, wire_fields: dict[str, Any]) -> dict:
    fields: dict[str, Any] = {
        "layer": row["key"],
        "number": row["number"],
        "pdu": row["pdu"],
        "header": row["header"],
        "header_bytes": row["header_bytes"],
        "total_bytes": row["total_bytes"],
        "frame_offset": row["frame_offset"],
        "direction": direction,
    }
    if row["pdu"] == "bits":
        fields["bits"] = row["total_bytes"] * 8
    if wire_fields:
        fields["header_fields"] = wire_fields
    return fields


def _header(options: LayersOptions, lan: Wire) -> list[Note]:
    return [
        Note(
            "layers.header.path",
            {
                "size": len(options.message),
                "transport": options.transport,
                "client": f"{CLIENT.ip}:{CLIENT.port}",
                "server": f"{SERVER.ip}:{SERVER.port}",
                "model": Note(f"layers.model.{options.model}"),
            },
        ),
        Note("layers.header.idea", {"frame": len(lan.frame)}),
    ]


def _remember(options: LayersOptions, rows: list[dict[str, Any]]) -> list[Note]:
    by_key = {row["key"]: row for row in rows}
    notes = [
        Note(
            "layers.remember.sizes",
            {
                "message": len(options.message),
                "pdu4": Note(f"layers.pdu.{by_key['transport']['pdu']}"),
                "transport": options.transport,
                "segment": by_key["transport"]["total_bytes"],
                "packet": by_key["network"]["total_bytes"],
                "frame": by_key["data_link"]["total_bytes"],
            },
        ),
        Note("layers.remember.pdus"),
        Note("layers.remember.devices"),
        Note("layers.remember.addresses"),
        Note("layers.remember.mnemonic"),
    ]
    notes.append(Note("layers.remember.udp" if options.udp else "layers.remember.tcp"))
    return notes


def _params(
    options: LayersOptions, rows: list[dict[str, Any]], lan: Wire, wan: Wire
) -> dict[str, Any]:
    return {
        "model": options.model,
        "udp": options.udp,
        "transport": options.transport,
        "message": options.message.decode("utf-8", "backslashreplace"),
        "message_bytes": len(options.message),
        "max_message": MAX_MESSAGE,
        "layers": rows,
        "mapping": mapping(),
        "header_bytes": {
            "ethernet": ETHERNET_HEADER,
            "ip": IPV4_HEADER,
            "tcp": TCP_HEADER,
            "udp": UDP_HEADER,
        },
        "frame_bytes": len(lan.frame),
        "hops": [
            {
                "link": "client-switch",
                "src_mac": CLIENT.mac,
                "dst_mac": ROUTER_LAN.mac,
                "ttl": lan.ttl,
            },
            {
                "link": "switch-router",
                "src_mac": CLIENT.mac,
                "dst_mac": ROUTER_LAN.mac,
                "ttl": lan.ttl,
            },
            {
                "link": "router-server",
                "src_mac": ROUTER_WAN.mac,
                "dst_mac": SERVER.mac,
                "ttl": wan.ttl,
            },
        ],
        "router": {"lan": [ROUTER_LAN.ip, ROUTER_LAN.mac], "wan": [ROUTER_WAN.ip, ROUTER_WAN.mac]},
        "comparison": list(COMPARISON) if options.udp else [],
    }
