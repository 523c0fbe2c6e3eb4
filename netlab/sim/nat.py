"""Scenario ``nat``: private hosts reach the Internet through a NAT router (RFC 3022).

Owns the translation table (``NatTable``) of the three kinds of traditional NAT: static (a
configured one-to-one address mapping), dynamic (Basic NAT: an address from a pool, bound while
the host sends) and PAT (RFC 3022's NAPT: every host shares one public address and the router
tells the connections apart by port), with idle expiry; the wire form of the packets it
rewrites, as far as the checksums need it (RFC 1071's Internet checksum over the IPv4 header
and over the TCP/UDP pseudo-header, segment and payload), so every step's ``fields`` carry the
checksums before and after translation without scapy; ``NatOptions`` and ``build``.

Pure: no print, no socket, no clock, no scapy (the frames come from
``netlab.sim.packets.nat``, imported only when ``build`` is asked for frames); deterministic
(ports, ISNs and DNS IDs are fixed teaching values, or drawn from ``seed``).

The columns of the table use Cisco's names (inside local, inside global, outside), which are
the usual teaching terms; RFC 3022 says private address and global address.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from netlab.sim.addressing import format_ipv4, parse_ipv4
from netlab.sim.checksum import internet_checksum, pseudo_header
from netlab.sim.info_column import tcp_info
from netlab.sim.stack import LINUX, Options, first_window, option_bytes, scaled_field
from netlab.sim.trace import Node, Note, Step, Trace

Mode = Literal["static", "dynamic", "pat"]
MODES: tuple[str, ...] = ("static", "dynamic", "pat")

MAX_HOSTS = 6
MAX_FLOWS = 12
MAX_POOL = 4
MIN_TIMEOUT = 0.001  # longer than nat's own processing time, so events stay in time order
MAX_TIMEOUT = 7440.0  # 2 h 4 min: RFC 5382's floor for an established TCP connection
DEFAULT_TIMEOUT = 30.0

LAN = "192.168.1.0/24"
NAT_INSIDE_IP = "192.168.1.1"
NAT_INSIDE_MAC = "02:00:00:00:00:fe"
NAT_OUTSIDE_MAC = "02:00:00:00:01:fe"
ISP_MAC = "02:00:00:00:01:01"  # the provider's router: next hop of every outside frame
PUBLIC_IP = "203.0.113.5"  # nat's outside address; the first of the block routed to it
PUBLIC_BLOCK = 8  # 203.0.113.5 - 203.0.113.12 are routed to nat
FIRST_HOST = 10  # A is 192.168.1.10, B .11, ...
WEB = ("web", "198.51.100.80", 80)
RESOLVER = ("resolver", "192.0.2.53", 53)
STRANGER = ("internet", "192.0.2.66")
QNAME = "www.example.com"
DNS_TTL = 300

HOST_TTL = 64
REMOTE_TTL = 54  # what the servers' packets carry when they reach nat: ten routers away
WINDOW = 64240
MSS = 1460
SYNACK_WINDOW = first_window(MSS - 12)  # a Linux server with timestamps on: 45 x 1448


def clock(t: float, who: int) -> int:
    """A host's Timestamps value at time ``t``: its millisecond clock, each started elsewhere."""
    return (100_000 * (who + 1) + round(t * 1000)) % 2**32


def syn_options(t: float, who: int) -> Options:
    """A Linux SYN's options (MSS, SACK-permitted, Timestamps, NOP, Window scale)."""
    return LINUX.syn_options(clock(t, who), 0)


def synack_options(t: float, who: int, syn: Options) -> Options:
    """A Linux SYN,ACK's options, answering the SYN's (its TSval echoed)."""
    tsval = dict(syn)["Timestamp"][0]  # type: ignore[index]
    return LINUX.syn_options(clock(t, who), tsval, peer=syn)


FLOW_GAP = 1.0  # seconds between the starts of two flows
NAT_DELAY = 0.00005  # nat's own processing time
RTT = 0.02  # nat <-> server and back
BASE_PORT = 51000
EPHEMERAL = (32768, 60999)  # Linux's net.ipv4.ip_local_port_range

PROTO_NUMBER = {"TCP": 6, "UDP": 17}
TCP_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}
# Wireshark's order and spelling of the flags in its Info column


def host_name(i: int) -> str:
    return chr(ord("A") + i)


def host_ip(i: int) -> str:
    return f"192.168.1.{FIRST_HOST + i}"


def _host_index(ip: str) -> int:
    """192.168.1.11 -> 1 (B)."""
    return parse_ipv4(ip) - parse_ipv4(host_ip(0))


def host_mac(i: int) -> str:
    return f"02:00:00:00:00:{FIRST_HOST + i:02x}"


def public_ip(i: int) -> str:
    """The i-th address of the block the provider routes to nat (0 is nat's own, .5)."""
    return format_ipv4(parse_ipv4(PUBLIC_IP) + i)


def endpoint(ip: str, port: int | None) -> str:
    return ip if port is None else f"{ip}:{port}"


# -- the wire, as far as the checksums need it ----------------------------------------------------


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


# -- the translation table ------------------------------------------------------------------------


@dataclass(eq=False)
class Mapping:
    """One entry of the table. ``proto`` and the ports are None for an address-only binding
    (static and dynamic NAT translate whole addresses: every protocol and port)."""

    proto: str | None
    local_ip: str
    local_port: int | None
    global_ip: str
    global_port: int | None
    last_used: float
    static: bool = False
    peers: list[str] = field(default_factory=list)  # outside endpoints it talked to

    @property
    def inside_local(self) -> str:
        return endpoint(self.local_ip, self.local_port)

    @property
    def inside_global(self) -> str:
        return endpoint(self.global_ip, self.global_port)

    def expires(self, timeout: float) -> float | None:
        return None if self.static else round(self.last_used + timeout, 6)


@dataclass(frozen=True)
class Outcome:
    """What the table did with one packet: translated it (``src``/``dst`` are the new
    addresses) or dropped it (``reason``: no_mapping, filtered, pool_exhausted,
    ports_exhausted)."""

    mapping: Mapping | None
    src: tuple[str, int] | None = None
    dst: tuple[str, int] | None = None
    created: bool = False
    reason: str | None = None
    holder: Mapping | None = None  # PAT: the mapping that already held the wanted port

    @property
    def ok(self) -> bool:
        return self.reason is None


class NatTable:
    """The translation table of one NAT router.

    ``mode`` "static": ``static`` maps each inside address to its global address, for good,
    both ways. "dynamic": the first free address of ``public`` is bound to an inside address
    when that host first sends; no free address -> the packet is dropped (pool_exhausted).
    "pat": every mapping uses ``public[0]``; an inside address:port keeps its port when that
    port is free for the protocol (port preservation), else gets another one (Linux's search
    range: 1-511, 600-1023 or 1024-65535 by the original port, scanned from a random point when
    ``rng`` is given, from its start otherwise; ``port_range`` overrides the range).

    Mappings are endpoint-independent (RFC 4787 REQ-1): one inside address:port has one
    global port whatever the server. PAT lets in only packets from the outside endpoints the
    mapping has talked to (address- and port-dependent filtering, as Linux's conntrack does);
    static and dynamic bindings let in anyone. A dynamic mapping expires ``timeout`` seconds
    after the last packet in either direction; static ones never. Time never goes back.
    """

    def __init__(
        self,
        mode: str,
        public: tuple[str, ...],
        timeout: float,
        *,
        static: dict[str, str] | None = None,
        rng: random.Random | None = None,
        port_range: tuple[int, int] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if not timeout > 0:
            raise ValueError("the timeout must be greater than 0")
        self.mode = mode
        self.public = public
        self.timeout = timeout
        self.rng = rng
        self.port_range = port_range
        self.now = 0.0
        self.mappings: list[Mapping] = []
        if mode == "static":
            pairs = static or {}
            if len(set(pairs.values())) != len(pairs):
                raise ValueError("static mappings must use a different global address each")
            for local, glob in pairs.items():
                self.mappings.append(Mapping(None, local, None, glob, None, 0.0, static=True))

    # -- time ------------------------------------------------------------------------------

    def _clock(self, now: float) -> None:
        if now < self.now:
            raise ValueError(f"time went back from {self.now} to {now}")
        self.now = now

    def expire(self, now: float) -> list[Mapping]:
        """Remove and return the mappings idle for ``timeout`` seconds or more at ``now``,
        in the order they expired."""
        self._clock(now)
        gone = [m for m in self.mappings if (e := m.expires(self.timeout)) is not None and e <= now]
        self.mappings = [m for m in self.mappings if m not in gone]
        return sorted(gone, key=lambda m: m.expires(self.timeout) or 0.0)

    def next_expiry(self) -> float | None:
        times = [e for m in self.mappings if (e := m.expires(self.timeout)) is not None]
        return min(times, default=None)

    # -- lookups ---------------------------------------------------------------------------

    def _by_inside(self, proto: str, ip: str, port: int) -> Mapping | None:
        for m in self.mappings:
            if m.local_ip == ip and (m.proto is None or (m.proto, m.local_port) == (proto, port)):
                return m
        return None

    def _by_global(self, proto: str, ip: str, port: int) -> Mapping | None:
        for m in self.mappings:
            if m.global_ip == ip and (m.proto is None or (m.proto, m.global_port) == (proto, port)):
                return m
        return None

    def _search_range(self, port: int) -> tuple[int, int]:
        if self.port_range is not None:
            return self.port_range
        if port < 512:
            return 1, 511
        if port < 1024:
            return 600, 1023
        return 1024, 65535

    def _pat_port(self, proto: str, port: int) -> tuple[int | None, Mapping | None]:
        """(the global port for a new mapping or None when every port is taken, the mapping
        that holds ``port`` when it is taken)."""
        glob = self.public[0]
        holder = self._by_global(proto, glob, port)
        if holder is None:
            return port, None
        low, high = self._search_range(port)
        size = high - low + 1
        start = self.rng.randrange(size) if self.rng is not None else 0
        used = {m.global_port for m in self.mappings if m.proto == proto and m.global_ip == glob}
        for i in range(size):
            candidate = low + (start + i) % size
            if candidate not in used:
                return candidate, holder
        return None, holder

    # -- packets ---------------------------------------------------------------------------

    def outbound(
        self, now: float, proto: str, src: tuple[str, int], dst: tuple[str, int]
    ) -> Outcome:
        """An inside host sends ``src`` -> ``dst``: find or make its mapping and rewrite the
        source."""
        self.expire(now)
        peer = endpoint(*dst)
        mapping = self._by_inside(proto, *src)
        created = False
        holder = None
        if mapping is None:
            if self.mode == "static":
                return Outcome(None, reason="no_mapping")
            if self.mode == "dynamic":
                bound = {m.global_ip for m in self.mappings}
                free = [ip for ip in self.public if ip not in bound]
                if not free:
                    return Outcome(None, reason="pool_exhausted")
                mapping = Mapping(None, src[0], None, free[0], None, now)
            else:
                port, holder = self._pat_port(proto, src[1])
                if port is None:
                    return Outcome(None, reason="ports_exhausted", holder=holder)
                mapping = Mapping(proto, src[0], src[1], self.public[0], port, now)
            self.mappings.append(mapping)
            created = True
        mapping.last_used = now
        if peer not in mapping.peers:
            mapping.peers.append(peer)
        new_src = (mapping.global_ip, mapping.global_port or src[1])
        return Outcome(mapping, new_src, dst, created=created, holder=holder)

    def inbound(
        self, now: float, proto: str, src: tuple[str, int], dst: tuple[str, int]
    ) -> Outcome:
        """A packet from outside reaches ``dst`` (an inside global address): rewrite the
        destination back to the inside host, or drop it."""
        self.expire(now)
        mapping = self._by_global(proto, *dst)
        if mapping is None:
            return Outcome(None, reason="no_mapping")
        peer = endpoint(*src)
        if mapping.proto is not None and peer not in mapping.peers:
            return Outcome(mapping, reason="filtered")
        mapping.last_used = now
        if peer not in mapping.peers:
            mapping.peers.append(peer)
        new_dst = (mapping.local_ip, mapping.local_port or dst[1])
        return Outcome(mapping, src, new_dst)

    def rows(self) -> list[dict[str, Any]]:
        """The table as the views show it, one row per mapping, oldest first."""
        out = []
        for m in self.mappings:
            expires = m.expires(self.timeout)
            out.append(
                {
                    "proto": m.proto,
                    "inside_local": m.inside_local,
                    "inside_global": m.inside_global,
                    "outside": ", ".join(m.peers) or None,
                    "expires": f"{expires:.3f}" if expires is not None else None,
                }
            )
        return out


# -- the scenario -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NatOptions:
    """Validated inputs of ``netlab simulate nat``."""

    mode: str = "pat"
    hosts: int = 3
    flows: int = 4
    timeout: float = DEFAULT_TIMEOUT
    pool: int = 2  # dynamic: how many addresses, from 203.0.113.5 up
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if not 1 <= self.hosts <= MAX_HOSTS:
            raise ValueError(f"hosts must be from 1 to {MAX_HOSTS}")
        if not 1 <= self.flows <= MAX_FLOWS:
            raise ValueError(f"flows must be from 1 to {MAX_FLOWS}")
        if not MIN_TIMEOUT <= self.timeout <= MAX_TIMEOUT:
            raise ValueError(f"timeout must be from {MIN_TIMEOUT} to {MAX_TIMEOUT} seconds")
        if not 1 <= self.pool <= MAX_POOL:
            raise ValueError(f"pool must be from 1 to {MAX_POOL}")


@dataclass(frozen=True)
class Flow:
    """One conversation a host starts: a TCP SYN answered by a SYN-ACK, or a DNS query answered
    by a response."""

    number: int
    host: int
    proto: str
    server: tuple[str, str, int]
    sport: int
    isn: int  # TCP: the host's ISN
    peer_isn: int  # TCP: the server's ISN
    dns_id: int


def plan(options: NatOptions) -> list[Flow]:
    """The flows, in order: flow k comes from host k mod hosts; every third one (k = 2, 5, ...)
    is a DNS query over UDP, the others open TCP connections to web. B's first flow uses the same
    source port as A's first, to show what PAT does about it. Without a seed the ports are
    51000 + 100·host + n and the ISNs round numbers; with one they are drawn (ports from
    Linux's ephemeral range)."""
    rng = random.Random(options.seed) if options.seed is not None else None
    per_host = [len(range(h, options.flows, options.hosts)) for h in range(options.hosts)]
    if rng is not None:
        ports = [rng.sample(range(EPHEMERAL[0], EPHEMERAL[1] + 1), n + 1) for n in per_host]
    else:
        ports = [[BASE_PORT + 100 * h + j for j in range(n + 1)] for h, n in enumerate(per_host)]
    if options.hosts > 1:
        ports[1][0] = ports[0][0]
        if ports[0][0] in ports[1][1:]:  # a draw may have picked it twice
            ports[1][ports[1].index(ports[0][0], 1)] = ports[1][-1]
    flows = []
    for k in range(options.flows):
        h, j = k % options.hosts, k // options.hosts
        udp = k % 3 == 2
        if rng is not None:
            isn, peer_isn, dns_id = rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(16)
        else:
            isn, peer_isn, dns_id = 1000 * (k + 1), 5000 + 1000 * k, 0x1A2B + k
        flows.append(
            Flow(
                k,
                h,
                "UDP" if udp else "TCP",
                RESOLVER if udp else WEB,
                ports[h][j],
                isn,
                peer_isn,
                dns_id,
            )
        )
    return flows


def _spare_port(flows: list[Flow], host: int, rng: random.Random | None) -> int:
    """A source port ``host`` has not used yet (for a second attempt)."""
    used = {f.sport for f in flows if f.host == host}
    if rng is not None:
        while (port := rng.randint(*EPHEMERAL)) in used:
            pass
        return port
    port = BASE_PORT + 100 * host + 50
    while port in used:
        port += 1
    return port


class _Builder:
    def __init__(self, options: NatOptions, frames: bool) -> None:
        self.o = options
        self.frames = frames
        self.steps: list[Step] = []
        self.rng = random.Random(options.seed) if options.seed is not None else None
        if options.mode == "static":
            static = {host_ip(i): public_ip(i) for i in range(options.hosts)}
            self.table = NatTable("static", (), options.timeout, static=static)
        elif options.mode == "dynamic":
            pool = tuple(public_ip(i) for i in range(options.pool))
            self.table = NatTable("dynamic", pool, options.timeout)
        else:
            port_rng = random.Random(f"pat-{options.seed}") if options.seed is not None else None
            self.table = NatTable("pat", (PUBLIC_IP,), options.timeout, rng=port_rng)
        self.ip_ids: dict[str, int] = {}
        self.expired: list[Mapping] = []
        self.last_packet: dict[int, float] = {}  # flow number -> time of its last packet
        self.servers_used: set[str] = set()
        if frames:
            from netlab.sim.packets import nat as wire

            self.wire: Any = wire
        else:
            self.wire = None

    # -- plumbing ----------------------------------------------------------------------------

    def ip_id(self, sender: str) -> int:
        base = {"web": 0x7000, "resolver": 0x5000, "internet": 0x6000}
        if sender not in self.ip_ids:
            self.ip_ids[sender] = base.get(sender, 0x1000 * (ord(sender[0]) - ord("A") + 1))
        self.ip_ids[sender] += 1
        return self.ip_ids[sender]

    def expire_until(self, now: float) -> None:
        for m in self.table.expire(now):
            self.expired.append(m)
            when = m.expires(self.o.timeout) or now
            key = "nat.expire.pool" if self.o.mode == "dynamic" else "nat.expire.pat"
            params = {
                "inside_local": m.inside_local,
                "inside_global": m.inside_global,
                "timeout": _number(self.o.timeout),
            }
            self.add(
                when,
                "nat",
                None,
                None,
                f"expired {m.inside_local} <-> {m.inside_global}",
                [Note(key, params)],
                event="nat_expire",
            )

    def add(
        self,
        time: float,
        src: str,
        dst: str | None,
        packet: Any,
        text: str,
        notes: list[Note],
        *,
        protocol: str = "",
        fields: dict[str, Any] | None = None,
        event: str | None = None,
    ) -> Step:
        step = Step(
            index=len(self.steps) + 1,
            time=round(time, 6),
            src=src,
            dst=dst,
            packet=packet,
            summary=text,
            notes=notes,
            tables={"nat:nat": self.table.rows()},
            event=event,
            protocol=protocol,
            fields=fields or {},
        )
        self.steps.append(step)
        return step

    def send(
        self,
        time: float,
        src: str,
        dst: str,
        d: Datagram,
        macs: tuple[str, str],
        notes: list[Note],
        rel: tuple[int, int],
    ) -> tuple[Step, Any]:
        """A packet as it first appears, on the link where it is sent."""
        packet = self.wire.frame(d, *macs) if self.wire else None
        protocol = "DNS" if d.dns is not None else d.proto
        step = self.add(
            time, src, dst, packet, summary(d, rel), notes, protocol=protocol, fields=wire_fields(d)
        )
        return step, packet

    def forward(
        self,
        time: float,
        dst: str,
        before: Datagram,
        after: Datagram,
        old_packet: Any,
        macs: tuple[str, str],
        notes: list[Note],
        rel: tuple[int, int],
        mapping: str,
    ) -> tuple[Step, Any]:
        """nat sends the translated packet on the other link: a new packet, checksums redone."""
        packet = self.wire.translate(old_packet, after, *macs) if self.wire else None
        fields = wire_fields(after)
        old = wire_fields(before)
        fields["translated"] = "src" if before.src != after.src else "dst"
        fields["mapping"] = mapping
        for key in ("src", "dst", "ttl", "ip_checksum", "l4_checksum"):
            fields[f"{key}_before"] = old[key]
        checks = Note(
            "nat.checksums",
            {
                "ip_before": old["ip_checksum"],
                "ip_after": fields["ip_checksum"],
                "proto": after.proto,
                "l4_before": old["l4_checksum"],
                "l4_after": fields["l4_checksum"],
            },
        )
        rewrite_key = "nat.rewrite.src" if fields["translated"] == "src" else "nat.rewrite.dst"
        side = fields["translated"]
        rewrite = Note(
            rewrite_key,
            {
                "before": old[side],
                "after": fields[side],
                "ttl_before": before.ttl,
                "ttl": after.ttl,
            },
        )
        protocol = "DNS" if after.dns is not None else after.proto
        step = self.add(
            time,
            "nat",
            dst,
            packet,
            summary(after, rel),
            [*notes, rewrite, checks],
            protocol=protocol,
            fields=fields,
        )
        return step, packet

    # -- the story -----------------------------------------------------------------------------

    def flow(self, f: Flow, t0: float, retry: bool = False) -> Outcome:
        """Host -> nat -> server, and the answer back, each packet before and after NAT."""
        out = self._flow(f, t0, retry)
        self.last_packet[f.number] = self.steps[-1].time
        return out

    def _flow(self, f: Flow, t0: float, retry: bool) -> Outcome:
        name, server_ip, server_port = f.server
        self.servers_used.add(name)
        host = host_name(f.host)
        tcp = f.proto == "TCP"
        request = Datagram(
            f.proto,
            host_ip(f.host),
            f.sport,
            server_ip,
            server_port,
            HOST_TTL,
            self.ip_id(host),
            flags="S" if tcp else "",
            seq=f.isn if tcp else 0,
            mss=MSS if tcp else None,
            dns=None if tcp else Dns(f.dns_id, False),
            options=syn_options(t0, f.host) if tcp else (),
        )
        self.expire_until(t0)
        what = Note(f"nat.what.{'syn' if tcp else 'dns_query'}", {"server": Note(f"node.{name}")})
        first = "nat.out.retry" if retry else "nat.out.inside"
        lead = Note(
            first,
            {"host": host, "src": endpoint(request.src, request.sport), "what": what},
        )
        step, packet = self.send(
            t0, host, "nat", request, (host_mac(f.host), NAT_INSIDE_MAC), [lead], (f.isn, 0)
        )
        out = self.table.outbound(
            t0, f.proto, (request.src, request.sport), (server_ip, server_port)
        )
        if not out.ok:
            step.lost = True
            step.notes.append(self._refused(out, host, f))
            return out
        mapping = out.mapping
        assert mapping is not None and out.src is not None
        translated = request.rewritten(out.src, (server_ip, server_port), HOST_TTL - 1)
        t1 = _t(t0 + NAT_DELAY)
        self.forward(
            t1,
            name,
            request,
            translated,
            packet,
            (NAT_OUTSIDE_MAC, ISP_MAC),
            [self._mapping_note(out, f)],
            (f.isn, 0),
            "new" if out.created else ("static" if mapping.static else "existing"),
        )
        # the answer
        t2 = _t(t1 + RTT)
        reply = Datagram(
            f.proto,
            server_ip,
            server_port,
            out.src[0],
            out.src[1],
            REMOTE_TTL,
            self.ip_id(name),
            flags="SA" if tcp else "",
            seq=f.peer_isn if tcp else 0,
            ack=(f.isn + 1) % 2**32 if tcp else 0,
            mss=MSS if tcp else None,
            dns=None if tcp else Dns(f.dns_id, True, answer=WEB[1]),
            window=SYNACK_WINDOW if tcp else WINDOW,
            options=synack_options(t2, 100, request.options) if tcp else (),
        )
        self.expire_until(t2)
        answer = Note(f"nat.what.{'syn_ack' if tcp else 'dns_response'}", {})
        step, packet = self.send(
            t2,
            name,
            "nat",
            reply,
            (ISP_MAC, NAT_OUTSIDE_MAC),
            [
                Note(
                    "nat.in.reply",
                    {
                        "server": Note(f"node.{name}"),
                        "what": answer,
                        "dst": endpoint(*out.src),
                        "local": endpoint(request.src, request.sport),
                    },
                )
            ],
            (f.peer_isn, f.isn),
        )
        back = self.table.inbound(t2, f.proto, (server_ip, server_port), out.src)
        if not back.ok:
            step.lost = True
            step.notes.append(self._inbound_drop(back, endpoint(*out.src)))
            return out
        assert back.dst is not None
        delivered = reply.rewritten((server_ip, server_port), back.dst, REMOTE_TTL - 1)
        self.forward(
            _t(t2 + NAT_DELAY),
            host,
            reply,
            delivered,
            packet,
            (NAT_INSIDE_MAC, host_mac(f.host)),
            [Note("nat.in.back", {"host": host, "inside_global": endpoint(*out.src)})],
            (f.peer_isn, f.isn),
            "static" if mapping.static else "existing",
        )
        return out

    def _mapping_note(self, out: Outcome, f: Flow) -> Note:
        m = out.mapping
        assert m is not None
        params: dict[str, Any] = {
            "proto": f.proto,
            "local": m.inside_local,
            "global_": m.inside_global,
            "host": host_name(f.host),
        }
        if m.static:
            return Note("nat.map.static", params)
        if not out.created:
            return Note("nat.map.existing", params)
        if self.o.mode == "dynamic":
            return Note("nat.map.dynamic", params)
        if out.holder is None:
            return Note("nat.map.kept", params)
        params["port"] = f.sport
        params["holder"] = out.holder.inside_local
        key = "nat.map.changed_random" if self.o.seed is not None else "nat.map.changed_first"
        return Note(key, params)

    def _refused(self, out: Outcome, host: str, f: Flow) -> Note:
        if out.reason == "pool_exhausted":
            first, last = self.table.public[0], self.table.public[-1]
            return Note("nat.drop.pool", {"host": host, "first": first, "last": last})
        if out.reason == "ports_exhausted":
            return Note("nat.drop.ports", {"host": host, "proto": f.proto})
        return Note("nat.drop.no_static", {"host": host})

    def _inbound_drop(self, out: Outcome, target: str) -> Note:
        gone = any(
            m.global_ip == target.split(":")[0]
            and (m.global_port is None or endpoint(m.global_ip, m.global_port) == target)
            for m in self.expired
        )
        if out.reason == "filtered":
            return Note("nat.drop.filtered", {"dst": target})
        if gone:
            return Note("nat.drop.expired", {"dst": target, "timeout": _number(self.o.timeout)})
        return Note("nat.drop.unsolicited", {"dst": target})

    def stranger(self, t: float, dst_ip: str, sport: int, isn: int) -> None:
        """A host on the Internet opens a connection nobody inside asked for."""
        name, ip = STRANGER
        self.servers_used.add(name)
        syn = Datagram("TCP", ip, sport, dst_ip, 22, REMOTE_TTL, self.ip_id(name), "S", isn, 0)
        syn = replace(syn, mss=MSS, options=syn_options(t, 200))
        self.expire_until(t)
        lead = Note("nat.in.stranger", {"src": endpoint(ip, sport), "dst": endpoint(dst_ip, 22)})
        step, packet = self.send(t, name, "nat", syn, (ISP_MAC, NAT_OUTSIDE_MAC), [lead], (isn, 0))
        back = self.table.inbound(t, "TCP", (ip, sport), (dst_ip, 22))
        if not back.ok:
            step.lost = True
            step.notes.append(self._inbound_drop(back, endpoint(dst_ip, 22)))
            return
        assert back.dst is not None
        index = _host_index(back.dst[0])
        host = host_name(index)
        delivered = syn.rewritten((ip, sport), back.dst, REMOTE_TTL - 1)
        note = Note("nat.in.static_open", {"dst": endpoint(dst_ip, 22), "host": host})
        self.forward(
            _t(t + NAT_DELAY),
            host,
            syn,
            delivered,
            packet,
            (NAT_INSIDE_MAC, host_mac(index)),
            [note],
            (isn, 0),
            "static",
        )

    def late(self, t: float, f: Flow, out: Outcome) -> None:
        """web closes flow 0's connection after a long silence: its FIN reaches nat after the
        mapping expired (static: it still goes through)."""
        assert out.src is not None and out.mapping is not None
        name, ip, port = WEB
        fin = Datagram(
            "TCP",
            ip,
            port,
            out.src[0],
            out.src[1],
            REMOTE_TTL,
            self.ip_id(name),
            "FA",
            (f.peer_isn + 1) % 2**32,
            (f.isn + 1) % 2**32,
            # after the handshake: Timestamps on, the window field scaled (Linux's shift 7)
            window=scaled_field(SYNACK_WINDOW, LINUX.wscale or 0),
            scale=LINUX.wscale or 0,
            options=(
                ("NOP", None),
                ("NOP", None),
                ("Timestamp", (clock(t, 100), clock(self.last_packet[f.number], f.host))),
            ),
        )
        self.expire_until(t)
        idle = _number(round(t - self.last_packet[f.number], 3))
        lead = Note(
            "nat.in.late", {"server": Note("node.web"), "dst": endpoint(*out.src), "idle": idle}
        )
        step, packet = self.send(
            t, name, "nat", fin, (ISP_MAC, NAT_OUTSIDE_MAC), [lead], (f.peer_isn, f.isn)
        )
        back = self.table.inbound(t, "TCP", (ip, port), out.src)
        if not back.ok:
            step.lost = True
            step.notes.append(self._inbound_drop(back, endpoint(*out.src)))
            return
        assert back.dst is not None
        index = _host_index(back.dst[0])
        host = host_name(index)
        if back.mapping is not None and back.mapping.static:
            note = Note("nat.in.static_late", {"host": host, "timeout": _number(self.o.timeout)})
        else:  # the address or port was given to another host after the mapping expired
            note = Note("nat.in.reused", {"dst": endpoint(*out.src), "host": host})
        delivered = fin.rewritten((ip, port), back.dst, REMOTE_TTL - 1)
        self.forward(
            _t(t + NAT_DELAY),
            host,
            fin,
            delivered,
            packet,
            (NAT_INSIDE_MAC, host_mac(index)),
            [note],
            (f.peer_isn, f.isn),
            "static" if back.mapping is not None and back.mapping.static else "existing",
        )

    def run(self) -> Trace:
        o = self.o
        flows = plan(o)
        outcomes = []
        for f in flows:
            outcomes.append(self.flow(f, _t(f.number * FLOW_GAP)))
        t = _t(len(flows) * FLOW_GAP)
        # someone outside knocks on a door nobody opened
        bound = {m.global_ip for m in self.table.mappings}
        if o.mode == "pat":
            target = PUBLIC_IP
        else:
            target = next(public_ip(i) for i in range(PUBLIC_BLOCK) if public_ip(i) not in bound)
        isn = self.rng.getrandbits(32) if self.rng is not None else 7000
        self.stranger(t, target, 51515, isn)
        if o.mode == "static":
            t = _t(t + FLOW_GAP / 2)
            self.stranger(t, public_ip(0), 51516, (isn + 1000) % 2**32)
        # flow 0's mapping runs out (or, static, would have), then web's late FIN
        first = outcomes[0]
        assert first.mapping is not None
        deadline = round(first.mapping.last_used + o.timeout, 6)
        t = _t(max(t + FLOW_GAP / 2, deadline + FLOW_GAP / 2))
        self.late(t, flows[0], first)
        # dynamic: a host refused for want of an address tries again, now that one is free
        refused = next((f for f, out in zip(flows, outcomes, strict=True) if not out.ok), None)
        retried = refused is not None
        if refused is not None:
            again = replace(
                refused,
                number=len(flows),
                sport=_spare_port(flows, refused.host, self.rng),
                isn=(refused.isn + 10_000) % 2**32,
                dns_id=(refused.dns_id + 1) % 2**16,
            )
            self.flow(again, _t(t + FLOW_GAP / 2), retry=True)
        return self.trace(flows, outcomes, retried)

    def trace(self, flows: list[Flow], outcomes: list[Outcome], retried: bool) -> Trace:
        o = self.o
        nodes = [Node(host_name(i), "host", host_ip(i), host_mac(i), None) for i in range(o.hosts)]
        nodes.append(Node("nat", "nat", NAT_INSIDE_IP, NAT_INSIDE_MAC, None))
        for name, ip, port in (WEB, RESOLVER):
            if name in self.servers_used:
                nodes.append(Node(name, "server", ip, None, port))
        nodes.append(Node(STRANGER[0], "host", STRANGER[1], None, None))
        header = [
            Note(
                "nat.header.topology",
                {
                    "addresses": host_ip(0)
                    if o.hosts == 1
                    else f"{host_ip(0)}–{host_ip(o.hosts - 1)}",
                    "public": PUBLIC_IP,
                },
            )
        ]
        if o.mode == "static":
            pairs = ", ".join(f"{host_ip(i)} ↔ {public_ip(i)}" for i in range(o.hosts))
            header.append(Note("nat.header.static", {"pairs": pairs}))
        elif o.mode == "dynamic":
            header.append(
                Note(
                    "nat.header.dynamic",
                    {
                        "first": public_ip(0),
                        "last": public_ip(o.pool - 1),
                        "size": o.pool,
                        "timeout": _number(o.timeout),
                    },
                )
            )
        else:
            header.append(
                Note("nat.header.pat", {"public": PUBLIC_IP, "timeout": _number(o.timeout)})
            )
            if o.hosts < 2 or o.flows < 2:
                header.append(Note("nat.header.pat_alone"))
        header += [Note("nat.header.terms"), Note("nat.header.links")]
        if any(f.proto == "TCP" for f in flows):
            header.append(Note("nat.header.tcp_short"))
        remember = [
            Note("nat.remember.rewrite"),
            Note("nat.remember.table"),
            Note(f"nat.remember.{o.mode}"),
            Note("nat.remember.checksums"),
            Note("nat.remember.timeouts"),
        ]
        if o.mode == "pat":
            remember.append(Note("nat.remember.linux_ports"))
        public = {
            "static": [public_ip(i) for i in range(o.hosts)],
            "dynamic": [public_ip(i) for i in range(o.pool)],
            "pat": [PUBLIC_IP],
        }[o.mode]
        return Trace(
            scenario="nat",
            nodes=nodes,
            steps=self.steps,
            title=Note(f"nat.title.{o.mode}"),
            header=header,
            remember=remember,
            initial_states={},
            params={
                "mode": o.mode,
                "hosts": o.hosts,
                "flows": o.flows,
                "timeout": o.timeout,
                "pool": o.pool,
                "seed": o.seed,
                "public": public,
                "nat_inside": NAT_INSIDE_IP,
                "nat_outside": PUBLIC_IP,
                "flow_plan": [
                    {
                        "host": host_name(f.host),
                        "proto": f.proto,
                        "inside_local": endpoint(host_ip(f.host), f.sport),
                        "outside": endpoint(f.server[1], f.server[2]),
                        "inside_global": endpoint(*out.src) if out.ok and out.src else None,
                        "dropped": out.reason,
                    }
                    for f, out in zip(flows, outcomes, strict=True)
                ],
                "retried": retried,
            },
        )


def _t(seconds: float) -> float:
    """A time on the scenario's clock: microseconds, like a pcap timestamp (and no float dust,
    so an expiry and a packet at the same instant compare equal)."""
    return round(seconds, 6)


def _number(value: float) -> str:
    """30.0 -> "30", 0.5 -> "0.5"."""
    return f"{value:g}" if value < 1e6 else str(int(value))


def build(options: NatOptions, frames: bool = True) -> Trace:
    """The scenario: ``options.flows`` flows from the hosts through nat, an unsolicited packet
    from outside, the first mapping expiring and a late packet for it; each packet shown on the
    inside link and on the outside link. With ``frames=False`` no scapy is imported and every
    ``Step.packet`` is None; the rest is identical."""
    return _Builder(options, frames).run()
