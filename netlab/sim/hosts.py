"""The two hosts of the TCP scenarios and the link on which their frames are captured.

Owns ``TcpParams`` (the validated inputs every TCP scenario shares), the choice of ISNs and
ephemeral port (fixed teaching values, or drawn from ``--seed``), the addressing of client,
server and gateway, and ``Link``: turning an endpoint's ``Segment`` into the Ethernet frame a
capture on the client's LAN would show. When the server is on another network the frames go to
and come from the gateway's MAC, not the server's (the client's subnet is taken as a /24).
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

from netlab.sim.conversation import US, Conversation, side
from netlab.sim.endpoint import Endpoint
from netlab.sim.segment import Segment
from netlab.sim.stack import LINUX, Stack
from netlab.sim.trace import Node, Note

CLIENT_MAC = "02:00:00:00:00:01"
SERVER_MAC = "02:00:00:00:00:02"
GATEWAY_MAC = "02:00:00:00:00:fe"
DEFAULT_ISN_CLIENT = 1000
DEFAULT_ISN_SERVER = 5000
#: Where each side's Timestamps clock starts without --seed (Linux picks a random start per
#: connection; --seed draws one).
DEFAULT_TS_CLIENT = 200_000
DEFAULT_TS_SERVER = 700_000
EPHEMERAL_PORTS = (32768, 60999)  # Linux's default net.ipv4.ip_local_port_range
CLIENT_PREFIX = 24


@dataclass(frozen=True)
class TcpParams:
    client_ip: str = "192.168.1.10"
    client_port: int | None = None  # None: 51000, or drawn from --seed
    server_ip: str = "203.0.113.10"
    server_port: int = 80
    isn_client: int | None = None
    isn_server: int | None = None
    seed: int | None = None
    rtt: float = 0.02
    lose: str | None = None
    lose_times: int = 1
    msl: float = 30.0
    frames: bool = True  # False: no scapy packets, only the segments (quiz generators)
    stack: Stack = LINUX  # which TCP both hosts run (netlab.sim.stack)
    nodelay: bool = False  # TCP_NODELAY on both sockets: Nagle's algorithm off


@dataclass(frozen=True)
class Resolved:
    """TcpParams with every choice made: ports and ISNs are numbers."""

    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    isn_client: int
    isn_server: int
    routed: bool
    ts_client: int = DEFAULT_TS_CLIENT
    ts_server: int = DEFAULT_TS_SERVER

    @property
    def nodes(self) -> list[Node]:
        return [
            Node("client", "client", self.client_ip, CLIENT_MAC, self.client_port),
            Node("server", "server", self.server_ip, SERVER_MAC, self.server_port),
        ]


def resolve(p: TcpParams) -> Resolved:
    """Fill in what the user left open: with a seed, random ISNs and an ephemeral port."""
    rng = random.Random(p.seed) if p.seed is not None else None
    if rng is not None:
        isn_c, isn_s = rng.getrandbits(32), rng.getrandbits(32)
        port = rng.randint(*EPHEMERAL_PORTS)
        ts_c, ts_s = rng.getrandbits(32), rng.getrandbits(32)
    else:
        isn_c, isn_s, port = DEFAULT_ISN_CLIENT, DEFAULT_ISN_SERVER, 51000
        ts_c, ts_s = DEFAULT_TS_CLIENT, DEFAULT_TS_SERVER
    client_net = ipaddress.ip_network(f"{p.client_ip}/{CLIENT_PREFIX}", strict=False)
    return Resolved(
        client_ip=p.client_ip,
        client_port=p.client_port if p.client_port is not None else port,
        server_ip=p.server_ip,
        server_port=p.server_port,
        isn_client=p.isn_client if p.isn_client is not None else isn_c,
        isn_server=p.isn_server if p.isn_server is not None else isn_s,
        routed=ipaddress.ip_address(p.server_ip) not in client_net,
        ts_client=ts_c,
        ts_server=ts_s,
    )


class Link:
    """Builds the frames of one client-server conversation as captured on the client's LAN."""

    def __init__(self, r: Resolved) -> None:
        from netlab.sim import packets  # scapy: only when frames are wanted

        self.packets = packets
        self.r = r
        far_mac = GATEWAY_MAC if r.routed else SERVER_MAC
        self.hops = {
            "client": packets.Hop(CLIENT_MAC, r.client_ip, r.client_port),
            "server": packets.Hop(far_mac, r.server_ip, r.server_port),
        }
        self.ttl = {"client": 64, "server": 63 if r.routed else 64}
        self.ip_ids = {"client": 0x1000, "server": 0x5000}

    def frame(self, seg: Segment):
        src, dst = self.hops[seg.src], self.hops[seg.dst]
        self.ip_ids[seg.src] += 1
        return self.packets.tcp_frame(
            src,
            dst.mac,
            dst,
            flags=seg.flags,
            seq=seg.seq,
            ack=seg.ack,
            payload=seg.payload,
            options=seg.options,
            window=seg.window,
            ip_id=self.ip_ids[seg.src],
            ttl=self.ttl[seg.src],
        )


def header_notes(r: Resolved, p: TcpParams | None = None) -> list[Note]:
    """The header lines every TCP scenario starts with: endpoints, ISNs, the stack both hosts
    run, and the capture point."""
    notes = [
        Note(
            "tcp.header.endpoints",
            {
                "client": f"{r.client_ip}:{r.client_port}",
                "server": f"{r.server_ip}:{r.server_port}",
            },
        ),
        Note("tcp.header.isns", {"isn_client": r.isn_client, "isn_server": r.isn_server}),
    ]
    if p is not None:
        stack = p.stack
        notes.append(
            Note(
                f"tcp.header.stack_{stack.name}",
                {"mss": stack.mss, "wscale": stack.wscale if stack.wscale is not None else "-"},
            )
        )
        if p.nodelay:
            notes.append(Note("tcp.header.nodelay"))
    notes.append(Note("tcp.header.routed" if r.routed else "tcp.header.local"))
    return notes


def conversation(p: TcpParams, r: Resolved, client: Endpoint, server: Endpoint) -> Conversation:
    """Client and server on the captured link, with the run's RTT and MSL (and frames unless
    ``p.frames`` is False)."""
    return Conversation(
        [client, server],
        owd_us=round(p.rtt * US / 2),
        build=Link(r).frame if p.frames else None,
        msl_us=round(p.msl * US),
    )


def endpoints(p: TcpParams, r: Resolved) -> tuple[Endpoint, Endpoint]:
    """Client and server endpoints running the run's stack, with their ISNs and clocks."""
    client = Endpoint(
        "client",
        "server",
        r.isn_client,
        stack=p.stack,
        nodelay=p.nodelay,
        ts_offset=r.ts_client,
    )
    server = Endpoint(
        "server", "client", r.isn_server, stack=p.stack, nodelay=p.nodelay, ts_offset=r.ts_server
    )
    return client, server


def connecting(p: TcpParams, r: Resolved) -> tuple[Endpoint, Endpoint, Conversation]:
    """A listening server and a client whose application calls connect() at time 0."""
    client, server = endpoints(p, r)
    server.open_passive()
    conv = conversation(p, r, client, server)
    conv.at(0, "client", client.open_active, Note("tcp.app.connect", {"side": side("client")}))
    return client, server, conv
