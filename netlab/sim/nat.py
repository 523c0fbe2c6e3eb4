"""Scenario ``nat``: private hosts reach the Internet through a NAT router (RFC 3022).

Owns the story told around the translation table (``netlab.sim.translation``): which flows the
hosts start (``plan``), each packet shown on the inside link and on the outside link, before
and after translation with both checksums (``netlab.sim.datagram``), an unsolicited packet from
outside, the first mapping expiring and a late packet for it; ``NatOptions`` and ``build``.

What NAT does with an inbound packet it cannot translate is what a Linux router does by
default: every address of the public block is configured on its outside interface, so the
packet is for the router itself, and its TCP, with no socket on that port, answers with a RST
(a firewall that drops such packets is the common alternative; the notes say so).

Pure: no print, no socket, no clock, no scapy (the frames come from
``netlab.sim.packets.nat``, imported only when ``build`` is asked for frames); deterministic
(ports, ISNs and DNS IDs are fixed teaching values, or drawn from ``seed``).

The columns of the table use Cisco's names (inside local, inside global, outside), which are
the usual teaching terms; RFC 3022 says private address and global address.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from netlab.sim.addressing import DEFAULT_TTL, format_ipv4, parse_ipv4, ttl_after
from netlab.sim.datagram import (
    WINDOW,
    Datagram,
    Dns,
    endpoint,
    reset_for,
    summary,
    wire_fields,
)
from netlab.sim.stack import LINUX, Options, first_window, scaled_field
from netlab.sim.trace import Node, Note, Step, Trace
from netlab.sim.translation import MODES, Mapping, NatTable, Outcome

__all__ = [  # the scenario's names, and the parts it is made of that journey uses through it
    "MODES",
    "Datagram",
    "Dns",
    "NatOptions",
    "NatTable",
    "build",
    "endpoint",
    "plan",
    "public_ip",
]

MAX_HOSTS = 6
MAX_FLOWS = 12
MAX_POOL = 4
MIN_TIMEOUT = 0.001  # longer than nat's own processing time, so events stay in time order
MAX_TIMEOUT = 7440.0  # 2 h 4 min: RFC 5382's floor for an established TCP connection
TRANSITORY_FLOOR = 240.0  # 4 min: RFC 5382's floor for a connection still opening or closing
DEFAULT_TIMEOUT = 30.0

LAN = "192.168.1.0/24"
NAT_INSIDE_IP = "192.168.1.1"
NAT_INSIDE_MAC = "02:00:00:00:00:fe"
NAT_OUTSIDE_MAC = "02:00:00:00:01:fe"
ISP_MAC = "02:00:00:00:01:01"  # the provider's router: next hop of every outside frame
PUBLIC_IP = "203.0.113.5"  # nat's own outside address; the first of the block routed to it
PUBLIC_BLOCK = 8  # 203.0.113.5 - 203.0.113.12 are routed to nat, all on its outside interface
FIRST_HOST = 10  # A is 192.168.1.10, B .11, ...
WEB = ("web", "198.51.100.80", 80)
RESOLVER = ("resolver", "192.0.2.53", 53)
STRANGER = ("internet", "192.0.2.66")

HOST_TTL = DEFAULT_TTL  # what the hosts, the servers and nat itself send with (Linux's 64)
INTERNET_ROUTERS = 10  # routers between nat and the servers
REMOTE_TTL = ttl_after(INTERNET_ROUTERS)  # 54: the servers' packets as they reach nat
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
    """The i-th address of the block the provider routes to nat: 0 is nat's own (.5), the
    static mappings and the dynamic pool use 1, 2, ... (.6 up)."""
    return format_ipv4(parse_ipv4(PUBLIC_IP) + i)


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
            static = {host_ip(i): public_ip(i + 1) for i in range(options.hosts)}
            self.table = NatTable("static", (), options.timeout, static=static)
        elif options.mode == "dynamic":
            pool = tuple(public_ip(i + 1) for i in range(options.pool))
            self.table = NatTable("dynamic", pool, options.timeout)
        else:
            port_rng = random.Random(f"pat-{options.seed}") if options.seed is not None else None
            self.table = NatTable("pat", (PUBLIC_IP,), options.timeout, rng=port_rng)
        self.ip_ids: dict[str, int] = {}
        self.expired: list[Mapping] = []
        self.last_packet: dict[int, float] = {}  # flow number -> time of its last packet
        self.servers_used: set[str] = set()
        self.told_transitory = False
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
        web = endpoint(WEB[1], WEB[2])
        for m in self.table.expire(now):
            self.expired.append(m)
            when = m.expires(self.o.timeout) or now
            key = "nat.expire.pool" if self.o.mode == "dynamic" else "nat.expire.pat"
            params = {
                "inside_local": m.inside_local,
                "inside_global": m.inside_global,
                "timeout": _number(self.o.timeout),
            }
            notes = [Note(key, params)]
            tcp = m.proto == "TCP" or (m.proto is None and web in m.peers)
            if tcp and self.o.timeout < TRANSITORY_FLOOR and not self.told_transitory:
                self.told_transitory = True
                notes.append(Note("nat.expire.transitory", params))
            self.add(
                when,
                "nat",
                None,
                None,
                f"expired {m.inside_local} <-> {m.inside_global}",
                notes,
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
                        "server": Note(f"nat.subject.{name}"),
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
            self.unmatched(step, reply, back, name)
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

    def unmatched(self, step: Step, d: Datagram, out: Outcome, sender: str) -> None:
        """An inbound packet that no mapping translates. It is addressed to one of nat's own
        addresses, so nat's own stack takes it: TCP, with no socket on that port, answers with
        a RST (what Linux does unless a firewall drops the packet); UDP would get an ICMP port
        unreachable, which is said but not drawn."""
        step.notes.append(self._inbound_drop(out, endpoint(d.dst, d.dport)))
        local = {"ip": d.dst, "port": d.dport}
        if d.proto != "TCP":
            step.lost = True
            step.notes.append(Note("nat.local.udp", local))
            return
        step.notes.append(Note("nat.local.tcp", local))
        rst = reset_for(d, HOST_TTL)
        key = "nat.rst.ack" if "A" in d.flags else "nat.rst.syn"
        params = {"peer": endpoint(d.src, d.sport), "seq": rst.seq, "ack": rst.ack}
        self.send(
            _t(step.time + NAT_DELAY),
            "nat",
            sender,
            rst,
            (NAT_OUTSIDE_MAC, ISP_MAC),
            [Note(key, params)],
            (rst.seq - 1, d.seq),  # Wireshark: Seq=1 (and Ack=1) in the answer to a segment
        )

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
            self.unmatched(step, syn, back, name)
            return
        assert back.dst is not None  # only a static mapping lets a stranger in
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
            "nat.in.late",
            {"server": Note("nat.subject.web"), "dst": endpoint(*out.src), "idle": idle},
        )
        step, packet = self.send(
            t, name, "nat", fin, (ISP_MAC, NAT_OUTSIDE_MAC), [lead], (f.peer_isn, f.isn)
        )
        back = self.table.inbound(t, "TCP", (ip, port), out.src)
        if not back.ok:
            self.unmatched(step, fin, back, name)
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
        # someone outside knocks on a door nobody opened: nat's own address, or with dynamic
        # NAT an address of the pool (a free one if there is one)
        self.expire_until(t)
        target = PUBLIC_IP
        if o.mode == "dynamic":
            bound = {m.global_ip for m in self.table.mappings}
            free = [ip for ip in self.table.public if ip not in bound]
            target = free[0] if free else self.table.public[-1]
        isn = self.rng.getrandbits(32) if self.rng is not None else 7000
        self.stranger(t, target, 51515, isn)
        if o.mode == "static":  # and one to A's static address
            t = _t(t + FLOW_GAP / 2)
            self.stranger(t, public_ip(1), 51516, (isn + 1000) % 2**32)
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
            pairs = ", ".join(f"{host_ip(i)} ↔ {public_ip(i + 1)}" for i in range(o.hosts))
            header.append(Note("nat.header.static", {"pairs": pairs, "public": PUBLIC_IP}))
        elif o.mode == "dynamic":
            header.append(
                Note(
                    "nat.header.dynamic",
                    {
                        "first": public_ip(1),
                        "last": public_ip(o.pool),
                        "size": o.pool,
                        "timeout": _number(o.timeout),
                        "public": PUBLIC_IP,
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
            "static": [public_ip(i + 1) for i in range(o.hosts)],
            "dynamic": [public_ip(i + 1) for i in range(o.pool)],
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
