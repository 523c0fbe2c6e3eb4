"""Scenario ``journey``: the whole path of one web request, from joining the LAN to the close.

Owns the composition of the other scenarios into one story with four lanes (the laptop, its home
router, the provider's DNS resolver and the web server): the laptop gets its address by DHCP
(``netlab.sim.dhcp``), ARPs for its gateway, asks the resolver for the server's address
(``netlab.sim.dns``: the resolver's own walk from the root down is one local step here), then
opens a TCP connection, sends a request, reads the reply and closes (``netlab.sim.connection``).
Every packet that leaves the LAN crosses the router twice: once on the LAN with the laptop's
private address and once outside with the public one that the router's PAT table
(``netlab.sim.nat.NatTable``) gives it. Each step's ``fields`` say its phase, its link and the
addresses it carried, which the journey's summary table reads.

The values chosen by one part feed the next: the address from DHCP is the source of every later
packet, the gateway's MAC comes from the ARP reply, the server's address from the DNS answer and
the public port from the NAT table. Pure: frames come from ``netlab.sim.packets`` only when
asked; no scapy otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from netlab.sim import arp, connection, dhcp, dns, nat
from netlab.sim.addressing import DEFAULT_TTL, ttl_after
from netlab.sim.hosts import TcpParams
from netlab.sim.info_column import Capture
from netlab.sim.trace import Node, Note, Step, Trace

LAPTOP = "laptop"
GATEWAY = "gateway"
RESOLVER = "resolver"
WEB = "web"

GATEWAY_IP = "192.168.1.1"
GATEWAY_MAC = "02:00:00:00:00:fe"
BROADCAST_MAC = arp.BROADCAST_MAC
RESOLVER_IP = nat.RESOLVER[1]
PUBLIC_IP = nat.PUBLIC_IP
WAN_MAC = nat.NAT_OUTSIDE_MAC
ISP_MAC = nat.ISP_MAC
NAT_DELAY = 0.0005  # the router's own time to rewrite and forward a packet
INTERNET_ROUTERS = 8  # routers between the home router and the resolver or the web server
LEAVING_TTL = ttl_after(1)  # 63: the laptop's packets as the home router sends them on
ARRIVING_TTL = ttl_after(INTERNET_ROUTERS)  # 56: the servers' packets reaching the home router
INSIDE_TTL = ttl_after(INTERNET_ROUTERS + 1)  # 55: the same, forwarded onto the LAN
#: What the header says about the routers crossed and the TTLs, counted as ``simulate route``
#: counts them: every router takes one off (RFC 1812 5.3.1). The home router is one of them.
ROUTER_COUNTS = {
    "count": INTERNET_ROUTERS + 1,
    "internet": INTERNET_ROUTERS,
    "sent": DEFAULT_TTL,
    "leaving": LEAVING_TTL,
    "at_server": ttl_after(INTERNET_ROUTERS + 1),
    "arriving": ARRIVING_TTL,
    "inside": INSIDE_TTL,
}
ARP_START = 0.5  # seconds after the DHCP ACK
DNS_START = 0.6
TCP_START = 1.0
REQUEST = b"GET / HTTP/1.1\r\nHost: {name}\r\n\r\n"
REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


@dataclass(frozen=True)
class JourneyOptions:
    name: str = "www.example.com"
    seed: int | None = None

    def __post_init__(self) -> None:
        problem = dns.name_problem(self.name)
        if problem is not None:
            raise ValueError(f"not a valid domain name: {self.name!r}")


class _Story:
    """Collects the steps of every phase with their time, renames nodes, numbers them."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self.states: dict[str, str] = {}

    def add(self, step: Step, phase: str, link: str | None, **addresses: Any) -> Step:
        fields = {**step.fields, "phase": phase, "link": link, **addresses}
        step = replace(step, index=len(self.steps) + 1, fields=fields)
        step.states = {**self.states, **step.states}
        self.states = dict(step.states)
        step.tables = {**self.tables, **step.tables}
        self.tables = {k: list(v) for k, v in step.tables.items()}
        self.steps.append(step)
        return step

    def set_table(self, key: str, rows: list[dict[str, Any]]) -> None:
        self.tables[key] = rows


def _rename(names: dict[str, str], value: str | None) -> str | None:
    return names.get(value, value) if value is not None else None


def _renamed(step: Step, names: dict[str, str], time: float) -> Step:
    return replace(
        step,
        time=round(time, 6),
        src=_rename(names, step.src) or step.src,
        dst=_rename(names, step.dst),
        to=tuple(_rename(names, n) or n for n in step.to),
        states={_rename(names, k) or k: v for k, v in step.states.items()},
        tables={
            k.replace(":dhcp", f":{GATEWAY}"): v
            for k, v in step.tables.items()
            if not k.startswith("dns_cache")
        },
    )


# -- the frames that only the journey makes --------------------------------------------------------


def _frame_of(frames: bool, record: arp.Frame):
    """The scapy frame of one of ``netlab.sim.arp``'s records, when frames are wanted."""
    if not frames:
        return None
    from netlab.sim.packets.arp import frame

    return frame(record.kind, record.eth_src, record.eth_dst, record.fields)


def _outside(frames: bool, inside, datagram: nat.Datagram, eth_src: str, eth_dst: str):
    """The frame on the other side of the router: new MACs, translated address and port, TTL
    one less, checksums recomputed."""
    if not frames or inside is None:
        return None
    from netlab.sim.packets.nat import translate

    return translate(inside, datagram, eth_src, eth_dst)


# -- the phases ---------------------------------------------------------------------------------


def _dhcp(story: _Story, frames: bool, seed: int | None) -> Node:
    """The laptop joins the LAN; returns the laptop as DHCP configured it (address, MAC)."""
    options = dhcp.DhcpOptions(
        clients=1, names=(LAPTOP,), renew=False, seed=seed, dns_server=RESOLVER_IP
    )
    trace = dhcp.build(options, frames=frames)
    names = {"dhcp": GATEWAY}
    for step in trace.steps:
        moved = _renamed(step, names, step.time)
        story.add(moved, "dhcp", "lan")
    return trace.node(LAPTOP)


def _arp(story: _Story, frames: bool, laptop_ip: str, laptop_mac: str) -> None:
    """The laptop ARPs for its gateway: the request and reply of ``netlab.sim.arp``."""
    laptop = arp.Host(LAPTOP, laptop_ip, laptop_mac)
    gateway = arp.Host(GATEWAY, GATEWAY_IP, GATEWAY_MAC)

    def send(record: arp.Frame, time: float, src: str, dst: str, note: Note) -> None:
        step = Step(
            0,
            time,
            src,
            dst,
            _frame_of(frames, record),
            record.summary,
            [note],
            protocol=record.protocol,
            fields=dict(record.fields),
        )
        story.add(step, "arp", "lan", eth_src=record.eth_src, eth_dst=record.eth_dst)

    story.set_table(f"arp:{LAPTOP}", [{"ip": GATEWAY_IP, "mac": None, "state": arp.INCOMPLETE}])
    request = Note("journey.arp.request", {"gateway": GATEWAY_IP, "ip": laptop_ip})
    send(arp.arp_request(laptop, GATEWAY_IP), ARP_START, LAPTOP, GATEWAY, request)
    story.set_table(f"arp:{GATEWAY}", [{"ip": laptop_ip, "mac": laptop_mac, "state": arp.STALE}])
    story.set_table(
        f"arp:{LAPTOP}", [{"ip": GATEWAY_IP, "mac": GATEWAY_MAC, "state": arp.REACHABLE}]
    )
    reply = Note("journey.arp.reply", {"gateway": GATEWAY_IP, "mac": GATEWAY_MAC})
    send(arp.arp_reply(gateway, laptop_ip, laptop_mac), ARP_START + 0.001, GATEWAY, LAPTOP, reply)


def _translate_out(table: nat.NatTable, now: float, proto: str, src, dst, ttl: int, ip_id: int):
    outcome = table.outbound(now, proto, src, dst)
    assert outcome.ok and outcome.src is not None
    datagram = nat.Datagram(proto, outcome.src[0], outcome.src[1], dst[0], dst[1], ttl, ip_id)
    return outcome, datagram


def _translate_in(table: nat.NatTable, now: float, proto: str, src, dst, ttl: int, ip_id: int):
    outcome = table.inbound(now, proto, src, dst)
    assert outcome.ok and outcome.dst is not None
    datagram = nat.Datagram(proto, src[0], src[1], outcome.dst[0], outcome.dst[1], ttl, ip_id)
    return outcome, datagram


def _arriving(frames: bool, proto: str, inside, server: tuple[str, int], public: tuple[str, int]):
    """A server's reply as it reaches the router from the provider, addressed to the public
    endpoint (made from the frame the laptop receives, before it is translated back)."""
    datagram = nat.Datagram(proto, server[0], server[1], public[0], public[1], ARRIVING_TTL, 0)
    return _outside(frames, inside, datagram, ISP_MAC, WAN_MAC)


def _dns(
    story: _Story, frames: bool, table: nat.NatTable, name: str, laptop_ip: str, laptop_mac: str
) -> str:
    """The lookup, through the router both ways; returns the server's address."""
    options = dns.DnsOptions(
        name=name,
        qtype="A",
        laptop_ip=laptop_ip,
        laptop_mac=laptop_mac,
        gateway_mac=GATEWAY_MAC,
        resolver_ip=RESOLVER_IP,
    )
    trace = dns.build(options, frames=frames)
    query, answer = trace.steps[0], trace.steps[-1]
    answers = [a for a in trace.params["answer"] if a["type"] == "A"]
    web_ip = answers[-1]["value"]
    sport = int(query.fields["sport"])
    inside = nat.endpoint(laptop_ip, sport)
    names = {"laptop": LAPTOP, "resolver": RESOLVER}
    t = DNS_START
    # the query on the LAN, then outside
    inside_q = replace(_renamed(query, names, t), dst=GATEWAY)
    story.add(
        inside_q,
        "dns",
        "lan",
        eth_src=laptop_mac,
        eth_dst=GATEWAY_MAC,
        ip_src=laptop_ip,
        ip_dst=RESOLVER_IP,
        sport=sport,
        dport=53,
    )
    t = round(t + NAT_DELAY, 6)
    out, datagram = _translate_out(
        table,
        t,
        "UDP",
        (laptop_ip, sport),
        (RESOLVER_IP, 53),
        LEAVING_TTL,
        query.fields.get("id", 0),
    )
    public = out.src
    story.set_table(f"nat:{GATEWAY}", _nat_rows(table))
    story.add(
        Step(
            0,
            t,
            GATEWAY,
            RESOLVER,
            _outside(frames, query.packet, datagram, WAN_MAC, ISP_MAC),
            query.summary,
            [
                Note(
                    "journey.nat.out",
                    {
                        "inside": inside,
                        "public": nat.endpoint(*public),
                        "before": DEFAULT_TTL,
                        "after": LEAVING_TTL,
                    },
                )
            ],
            protocol="DNS",
            fields=dict(query.fields),
        ),
        "dns",
        "wan",
        eth_src=WAN_MAC,
        eth_dst=ISP_MAC,
        ip_src=public[0],
        ip_dst=RESOLVER_IP,
        sport=public[1],
        dport=53,
    )
    asked = trace.params["asked"][0]
    walk = answer.time - trace.steps[1].time
    story.add(
        Step(
            0,
            round(t + 0.001, 6),
            RESOLVER,
            None,
            None,
            "",
            [Note("journey.dns.walk", {"count": len(asked), "name": name})],
            event="journey_dns_walk",
        ),
        "dns",
        None,
    )
    t = round(t + 0.001 + walk, 6)
    reply_out = _arriving(frames, "UDP", answer.packet, (RESOLVER_IP, 53), public)
    story.add(
        Step(
            0,
            t,
            RESOLVER,
            GATEWAY,
            reply_out,
            answer.summary,
            [Note("journey.dns.answer", {"name": name, "ip": web_ip})],
            protocol="DNS",
            fields=dict(answer.fields),
        ),
        "dns",
        "wan",
        eth_src=ISP_MAC,
        eth_dst=WAN_MAC,
        ip_src=RESOLVER_IP,
        ip_dst=public[0],
        sport=53,
        dport=public[1],
    )
    t = round(t + NAT_DELAY, 6)
    _back, datagram = _translate_in(table, t, "UDP", (RESOLVER_IP, 53), public, INSIDE_TTL, 0)
    story.set_table(f"nat:{GATEWAY}", _nat_rows(table))
    inside_a = _renamed(answer, names, t)
    inside_a = replace(
        inside_a,
        packet=_outside(frames, reply_out, datagram, GATEWAY_MAC, laptop_mac),
        src=GATEWAY,
        notes=[
            Note(
                "journey.nat.in",
                {
                    "public": nat.endpoint(*public),
                    "inside": inside,
                    "before": ARRIVING_TTL,
                    "after": INSIDE_TTL,
                },
            )
        ],
    )
    story.add(
        inside_a,
        "dns",
        "lan",
        eth_src=GATEWAY_MAC,
        eth_dst=laptop_mac,
        ip_src=RESOLVER_IP,
        ip_dst=laptop_ip,
        sport=53,
        dport=sport,
    )
    return web_ip


def _nat_rows(table: nat.NatTable) -> list[dict[str, Any]]:
    """The PAT table without its expiry column (which moves with every packet)."""
    return [{k: v for k, v in row.items() if k != "expires"} for row in table.rows()]


def _tcp(
    story: _Story,
    frames: bool,
    table: nat.NatTable,
    name: str,
    laptop_ip: str,
    laptop_mac: str,
    web_ip: str,
    seed: int | None,
) -> dict[str, Any]:
    """The connection, each segment on both sides of the router, in time order."""
    params = TcpParams(
        client_ip=laptop_ip, server_ip=web_ip, server_port=80, seed=seed, frames=frames
    )
    request = REQUEST.replace(b"{name}", name.rstrip(".").encode())
    trace = connection.build(params, [request], [REPLY])
    port = int(trace.node("client").port or 0)
    # the Protocol and Info columns of the journey's pcap: the frames so far are not TCP
    capture = Capture()
    capture.skip(sum(1 for s in story.steps if s.dst is not None))
    names = {"client": LAPTOP, "server": WEB}
    used: dict[str, Any] = {"laptop_port": port, "public_port": None}
    halves: list[tuple[float, int, str, Step]] = []
    for order, step in enumerate(trace.steps):
        t = round(TCP_START + step.time, 6)
        if step.dst is None:
            halves.append((t, order, "timer", step))
        elif step.src == "client":
            halves.append((t, order, "client_in", step))
            if not step.lost:
                halves.append((round(t + NAT_DELAY, 6), order, "client_out", step))
        else:
            halves.append((t, order, "server_out", step))
            if not step.lost:
                halves.append((round(t + NAT_DELAY, 6), order, "server_in", step))
    outside_frames: dict[int, Any] = {}
    arrived = trace.params["arrived"]
    for t, order, kind, step in sorted(halves, key=lambda h: (h[0], h[1])):
        moved = _renamed(step, names, t)
        # each half changes one side's state: the sender's as it sends, the receiver's as the
        # segment arrives
        if kind in ("timer", "client_in", "server_out"):
            who = step.src
            moved.states = {names[who]: step.states[who]}
        else:
            who = step.dst or ""
            moved.states = {names[who]: arrived.get(step.index, step.states[who])}
        if kind == "timer":
            story.add(moved, "tcp", None)
            continue
        seg = step.segment
        public = (PUBLIC_IP, used["public_port"] or port)
        if kind == "client_in":
            proto, info = capture.tcp(t, (laptop_ip, port), (web_ip, 80), seg)
            story.add(
                replace(moved, dst=GATEWAY, protocol=proto, summary=info),
                "tcp",
                "lan",
                eth_src=laptop_mac,
                eth_dst=GATEWAY_MAC,
                ip_src=laptop_ip,
                ip_dst=web_ip,
                sport=port,
                dport=80,
            )
        elif kind == "client_out":
            out, datagram = _translate_out(
                table, t, "TCP", (laptop_ip, port), (web_ip, 80), LEAVING_TTL, 0
            )
            used["public_port"] = out.src[1]
            story.set_table(f"nat:{GATEWAY}", _nat_rows(table))
            proto, info = capture.tcp(t, out.src, (web_ip, 80), seg)
            story.add(
                replace(
                    moved,
                    src=GATEWAY,
                    dst=WEB,
                    protocol=proto,
                    summary=info,
                    packet=_outside(frames, step.packet, datagram, WAN_MAC, ISP_MAC),
                    notes=[Note("journey.tcp.out", {"public": nat.endpoint(*out.src)})],
                ),
                "tcp",
                "wan",
                eth_src=WAN_MAC,
                eth_dst=ISP_MAC,
                ip_src=out.src[0],
                ip_dst=web_ip,
                sport=out.src[1],
                dport=80,
            )
        elif kind == "server_out":
            outside = _arriving(frames, "TCP", step.packet, (web_ip, 80), public)
            outside_frames[order] = outside
            proto, info = capture.tcp(t, (web_ip, 80), public, seg)
            story.add(
                replace(moved, dst=GATEWAY, packet=outside, protocol=proto, summary=info),
                "tcp",
                "wan",
                eth_src=ISP_MAC,
                eth_dst=WAN_MAC,
                ip_src=web_ip,
                ip_dst=public[0],
                sport=80,
                dport=public[1],
            )
        else:  # server_in
            _back, datagram = _translate_in(table, t, "TCP", (web_ip, 80), public, INSIDE_TTL, 0)
            story.set_table(f"nat:{GATEWAY}", _nat_rows(table))
            proto, info = capture.tcp(t, (web_ip, 80), (laptop_ip, port), seg)
            story.add(
                replace(
                    moved,
                    src=GATEWAY,
                    dst=LAPTOP,
                    protocol=proto,
                    summary=info,
                    packet=_outside(
                        frames, outside_frames.get(order), datagram, GATEWAY_MAC, laptop_mac
                    ),
                    notes=[Note("journey.tcp.in", {"inside": nat.endpoint(laptop_ip, port)})],
                ),
                "tcp",
                "lan",
                eth_src=GATEWAY_MAC,
                eth_dst=laptop_mac,
                ip_src=web_ip,
                ip_dst=laptop_ip,
                sport=80,
                dport=port,
            )
    if used["public_port"] is None:
        used["public_port"] = port
    return used


def build(options: JourneyOptions, frames: bool = True) -> Trace:
    story = _Story()
    laptop = _dhcp(story, frames, options.seed)
    laptop_ip, laptop_mac = str(laptop.ip), str(laptop.mac)
    _arp(story, frames, laptop_ip, laptop_mac)
    table = nat.NatTable("pat", (PUBLIC_IP,), 300.0)
    web_ip = _dns(story, frames, table, options.name, laptop_ip, laptop_mac)
    used = _tcp(story, frames, table, options.name, laptop_ip, laptop_mac, web_ip, options.seed)
    nodes = [
        Node(LAPTOP, "host", laptop_ip, laptop_mac, used["laptop_port"]),
        Node(GATEWAY, "router", GATEWAY_IP, GATEWAY_MAC),
        Node(RESOLVER, "resolver", RESOLVER_IP),
        Node(WEB, "server", web_ip, None, 80),
    ]
    public_port = used["public_port"]
    addresses = [
        ("laptop_mac", laptop_mac),
        ("gateway_mac", GATEWAY_MAC),
        ("broadcast_mac", BROADCAST_MAC),
        ("wan_mac", WAN_MAC),
        ("isp_mac", ISP_MAC),
        ("unspecified_ip", "0.0.0.0"),
        ("broadcast_ip", "255.255.255.255"),
        ("laptop_ip", laptop_ip),
        ("gateway_ip", GATEWAY_IP),
        ("public_ip", PUBLIC_IP),
        ("resolver_ip", RESOLVER_IP),
        ("web_ip", web_ip),
        ("laptop_port", used["laptop_port"]),
        ("public_port", public_port),
        ("http_port", 80),
        ("dns_port", 53),
    ]
    return Trace(
        scenario="journey",
        nodes=nodes,
        steps=story.steps,
        title=Note("journey.title", {"name": options.name}),
        header=[
            Note("journey.header.lanes", {"laptop": laptop_mac, "public": PUBLIC_IP}),
            Note("journey.header.phases"),
            Note("journey.header.routers", ROUTER_COUNTS),
        ],
        remember=[
            Note("journey.remember.order"),
            Note("journey.remember.mac_per_link"),
            Note("journey.remember.private_stays"),
            Note("journey.remember.ports"),
        ],
        initial_states={LAPTOP: "INIT"},
        params={
            "name": options.name,
            "laptop_ip": laptop_ip,
            "laptop_mac": laptop_mac,
            "web_ip": web_ip,
            "public_ip": PUBLIC_IP,
            "public_port": public_port,
            "addresses": addresses,
            "stack": "linux",  # the connection runs netlab.sim.connection's default stack
        },
    )
