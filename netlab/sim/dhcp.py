"""Scenario ``dhcp``: hosts on a LAN get their addresses from a DHCP server (RFC 2131).

Owns the story: each client's DORA (Discover, Offer, Request, ACK) on one event queue, the
clients that find the pool empty (no Offer, Discover retransmitted) and the first client's
renewal at T1; the LAN (the server's addresses, the pool's start), the limits of the options
(``DhcpOptions``), the transaction IDs (a seeded ``random.Random``), the notes of every step and
``build``. The client's timers count from the moment it sent its Request (RFC 2131 section
4.4.1), and its frames carry the IP header ISC dhclient gives them: written by dhclient itself
on its packet socket (TTL 128, TOS 0x10 low delay) until it has an address, the kernel's (TTL
64, DF) for the unicast renewal. What it is made of: the client's state machine and timers in
``netlab.sim.dhcp_client``, the pool and lease table in ``netlab.sim.dhcp_leases``, the message
as plain data in ``netlab.sim.dhcp_message``; the names others use are importable from here.

Pure and deterministic: no printing, no sockets, no sleeping. The frames are built by
``netlab.sim.packets.dhcp``, imported inside ``build`` and only when frames are asked for, so
``build(options, frames=False)`` never loads scapy and gives the same Trace without packets.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netlab.sim.addressing import DEFAULT_TTL, subnet
from netlab.sim.dhcp_client import (
    PARAM_REQUEST,
    RAW_TOS,
    RAW_TTL,
    STATES,
    TRANSITIONS,
    Client,
    DhcpViolation,
    backoff,
    client_mac,
    next_state,
    t1,
    t2,
)
from netlab.sim.dhcp_leases import OFFER_HOLD, PREFIXLEN, Lease, LeaseTable, pool_addresses, stamp
from netlab.sim.dhcp_message import (
    ACK,
    BROADCAST_IP,
    BROADCAST_MAC,
    CLIENT_PORT,
    DISCOVER,
    MESSAGE_TYPES,
    OFFER,
    REQUEST,
    SERVER_PORT,
    UNSPECIFIED,
    Message,
    summary,
)
from netlab.sim.trace import Node, Note, Step, Trace

__all__ = [
    "STATES",
    "TRANSITIONS",
    "DhcpOptions",
    "DhcpViolation",
    "Lease",
    "LeaseTable",
    "Message",
    "backoff",
    "build",
    "next_state",
    "pool_addresses",
    "summary",
    "t1",
    "t2",
]

# -- the LAN -----------------------------------------------------------------------------------

SERVER = "dhcp"
SERVER_IP = "192.168.1.1"  # also the default gateway and the DNS server handed out
SERVER_MAC = "02:00:00:00:00:fe"
POOL_START = "192.168.1.100"

MAX_CLIENTS = 6
MAX_POOL = 50
MIN_LEASE = 60
MAX_LEASE = 604_800  # 7 days
DEFAULT_LEASE = 3600
DEFAULT_SEED = 2131

RESPONSE_DELAY = 0.01  # seconds between a message and the answer to it
CLIENT_GAP = 1.0  # seconds between the start of one client and the next
RETRANSMISSIONS_SHOWN = 2  # Discovers sent again by a client that gets no Offer


@dataclass(frozen=True)
class DhcpOptions:
    """The scenario's parameters, already checked by the CLI (checked again here).

    ``clients`` hosts (A, B, ... unless ``names`` are given) ask for an address from a pool of
    ``pool_size`` addresses starting at 192.168.1.100, for ``lease`` seconds. ``broadcast_flag``
    makes the clients set the BROADCAST flag (as Windows Vista did; Linux's dhclient and Windows 7
    and later start without it).
    ``renew`` shows the first client's renewal at T1. ``seed`` draws the transaction IDs.
    """

    clients: int = 2
    pool_size: int = 10
    lease: int = DEFAULT_LEASE
    broadcast_flag: bool = False
    renew: bool = True
    seed: int | None = None
    names: tuple[str, ...] = ()
    dns_server: str = SERVER_IP  # the DNS server handed out (option 6); journey uses its ISP's

    def __post_init__(self) -> None:
        if not 1 <= self.clients <= MAX_CLIENTS:
            raise ValueError(f"clients must be from 1 to {MAX_CLIENTS}, not {self.clients}")
        if not 1 <= self.pool_size <= MAX_POOL:
            raise ValueError(f"pool_size must be from 1 to {MAX_POOL}, not {self.pool_size}")
        if not MIN_LEASE <= self.lease <= MAX_LEASE:
            raise ValueError(f"lease must be from {MIN_LEASE} to {MAX_LEASE}, not {self.lease}")
        if self.names and len(self.names) != self.clients:
            raise ValueError("give one name per client, or none")
        if len(set(self.client_names)) != self.clients or SERVER in self.client_names:
            raise ValueError("client names must be distinct and not the server's")

    @property
    def client_names(self) -> tuple[str, ...]:
        return self.names or tuple(chr(ord("A") + i) for i in range(self.clients))


def _xids(rng: random.Random, count: int) -> list[int]:
    out: list[int] = []
    while len(out) < count:
        xid = rng.getrandbits(32)
        if xid and xid not in out:
            out.append(xid)
    return out


@dataclass(order=True)
class _Event:
    time: float
    order: int
    action: Callable[[], None] = field(compare=False)


class _Run:
    """One run of the scenario: the clock, the event queue, the clients, the server's table, and
    the steps recorded so far."""

    def __init__(self, options: DhcpOptions, frames: bool) -> None:
        self.o = options
        self.frames = frames
        if frames:
            from netlab.sim.packets import dhcp as wire

            self.wire: Any = wire
        rng = random.Random(DEFAULT_SEED if options.seed is None else options.seed)
        names = options.client_names
        xids = _xids(rng, MAX_CLIENTS + 1)  # always as many: --clients does not change them
        self.renew_xid = xids[-1]
        self.clients = [
            Client(name, client_mac(i + 1), xids[i], round(i * CLIENT_GAP, 6))
            for i, name in enumerate(names)
        ]
        self.pool = pool_addresses(POOL_START, options.pool_size)
        self.table = LeaseTable(self.pool)
        self.net = subnet(SERVER_IP, PREFIXLEN)
        self.t1, self.t2 = t1(options.lease), t2(options.lease)
        self.steps: list[Step] = []
        self.now = 0.0
        self._queue: list[_Event] = []
        self._order = 0

    # -- the event loop --

    def at(self, time: float, action: Callable[[], None]) -> None:
        self._order += 1
        heapq.heappush(self._queue, _Event(round(time, 6), self._order, action))

    def run(self) -> list[Step]:
        for client in self.clients:
            self.at(client.start, lambda c=client: self.discover(c, 0))
        while self._queue:
            event = heapq.heappop(self._queue)
            self.now = event.time
            event.action()
        return self.steps

    # -- recording --

    def states(self) -> dict[str, str]:
        return {c.name: c.state for c in self.clients}

    def tables(self) -> dict[str, Any]:
        self.table.expire(self.now)
        return {f"leases:{SERVER}": self.table.rows()}

    def send(
        self,
        src: str,
        dst: str,
        msg: Message,
        notes: list[Note],
        *,
        to: tuple[str, ...] = (),
        retransmission: bool = False,
    ) -> None:
        packet = self.wire.dhcp_frame(**msg.wire()) if self.frames else None
        self.steps.append(
            Step(
                index=len(self.steps) + 1,
                time=self.now,
                src=src,
                dst=dst,
                packet=packet,
                summary=summary(msg.message_type, msg.xid),
                notes=notes,
                retransmission=retransmission,
                states=self.states(),
                tables=self.tables(),
                to=to,
                protocol="DHCP",
                fields=msg.fields(),
            )
        )

    def local(self, node: str, event: str, text: str, notes: list[Note]) -> None:
        self.steps.append(
            Step(
                index=len(self.steps) + 1,
                time=self.now,
                src=node,
                dst=None,
                packet=None,
                summary=text,
                notes=notes,
                states=self.states(),
                tables=self.tables(),
                event=event,
            )
        )

    def everyone_but(self, name: str) -> tuple[str, ...]:
        return tuple(n for n in (SERVER, *(c.name for c in self.clients)) if n != name)

    def first(self, client: Client) -> bool:
        return client is self.clients[0]

    def client_to_server(self, client: Client, message_type: int, options, **kw) -> Message:
        return Message(
            message_type=message_type,
            eth_src=client.mac,
            eth_dst=kw.pop("eth_dst", BROADCAST_MAC),
            ip_src=kw.pop("ip_src", UNSPECIFIED),
            ip_dst=kw.pop("ip_dst", BROADCAST_IP),
            sport=CLIENT_PORT,
            dport=SERVER_PORT,
            xid=kw.pop("xid", client.xid),
            chaddr=client.mac,
            options=options,
            broadcast=kw.pop("broadcast", self.o.broadcast_flag),
            ttl=kw.pop("ttl", RAW_TTL),
            tos=kw.pop("tos", RAW_TOS),
            **kw,
        )

    def server_options(self, message_type: int) -> tuple[tuple[str, Any], ...]:
        return (
            ("message-type", message_type),
            ("server_id", SERVER_IP),
            ("lease_time", self.o.lease),
            ("renewal_time", self.t1),
            ("rebinding_time", self.t2),
            ("subnet_mask", self.net.mask),
            ("router", SERVER_IP),
            ("name_server", self.o.dns_server),
        )

    def reply(self, client: Client, message_type: int, ip: str, ciaddr: str, xid: int) -> Message:
        """An Offer or ACK, broadcast when the client set the flag and has no address yet, else
        unicast to its MAC and the address (RFC 2131 4.1)."""
        flag = self.o.broadcast_flag and ciaddr == UNSPECIFIED
        return Message(
            message_type=message_type,
            eth_src=SERVER_MAC,
            eth_dst=BROADCAST_MAC if flag else client.mac,
            ip_src=SERVER_IP,
            ip_dst=BROADCAST_IP if flag else ip,
            sport=SERVER_PORT,
            dport=CLIENT_PORT,
            xid=xid,
            chaddr=client.mac,
            options=self.server_options(message_type),
            broadcast=flag,
            ciaddr=ciaddr,
            yiaddr=ip,
        )

    def how(self, client: Client, ip: str) -> Note:
        if self.o.broadcast_flag:
            return Note("dhcp.how.broadcast")
        return Note("dhcp.how.unicast", {"mac": client.mac, "ip": ip})

    def reply_receivers(self, client: Client) -> tuple[str, ...]:
        if self.o.broadcast_flag:
            return (client.name, *(n for n in self.everyone_but(client.name) if n != SERVER))
        return ()

    # -- the client --

    def discover(self, client: Client, attempt: int) -> None:
        client.state = next_state(client.state, "retransmit" if attempt else "discover")
        secs = int(self.now - client.start)
        msg = self.client_to_server(
            client,
            DISCOVER,
            (("message-type", DISCOVER), ("param_req_list", PARAM_REQUEST)),
            secs=secs,
        )
        xid = f"0x{client.xid:08x}"
        who = {**client.who(), "xid": xid}
        if attempt:
            notes = [
                Note(
                    "dhcp.discover.retransmit",
                    {**who, "delay": backoff(attempt - 1), "secs": secs},
                )
            ]
            if attempt == 1:
                notes.append(Note("dhcp.discover.backoff"))
            if attempt == RETRANSMISSIONS_SHOWN:
                notes.append(Note("dhcp.discover.keeps_trying", {**who, "next": backoff(attempt)}))
        elif self.first(client):
            flag = "dhcp.flag.set" if self.o.broadcast_flag else "dhcp.flag.clear"
            header = {"ttl": RAW_TTL, "tos": f"0x{RAW_TOS:02x}"}
            notes = [
                Note("dhcp.discover.first", who),
                Note(flag, who),
                Note("dhcp.discover.ip_header", header),
            ]
        else:
            notes = [Note("dhcp.discover.other", who)]
        self.send(
            client.name,
            SERVER,
            msg,
            notes,
            to=self.everyone_but(client.name),
            retransmission=attempt > 0,
        )
        self.at(self.now + RESPONSE_DELAY, lambda: self.server_discover(client, attempt))
        self.at(self.now + backoff(attempt), lambda: self.timeout(client, attempt))

    def timeout(self, client: Client, attempt: int) -> None:
        no_offer = client.state == "SELECTING" and client.offered is None
        if no_offer and attempt < RETRANSMISSIONS_SHOWN:
            self.discover(client, attempt + 1)

    def request(self, client: Client) -> None:
        client.state = next_state(client.state, "select")
        client.requested_at = self.now
        ip = client.offered
        assert ip is not None
        msg = self.client_to_server(
            client,
            REQUEST,
            (
                ("message-type", REQUEST),
                ("requested_addr", ip),
                ("server_id", SERVER_IP),
                ("param_req_list", PARAM_REQUEST),
            ),
            secs=int(self.now - client.start),
        )
        params = {**client.who(), "ip": ip, "server": SERVER_IP}
        if self.first(client):
            notes = [Note("dhcp.request.select", params), Note("dhcp.request.why_broadcast")]
        else:
            notes = [Note("dhcp.request.other", params)]
        self.send(client.name, SERVER, msg, notes, to=self.everyone_but(client.name))
        self.at(self.now + RESPONSE_DELAY, lambda: self.server_request(client))

    def renew(self, client: Client) -> None:
        client.state = next_state(client.state, "t1")
        ip = client.ip
        assert ip is not None and client.bound_at is not None
        client.requested_at = self.now
        timers = {
            **client.who(),
            "sent_at": stamp(client.bound_at),
            "ip": ip,
            "t1": self.t1,
            "t2_at": stamp(client.bound_at + self.t2),
            "end_at": stamp(client.bound_at + self.o.lease),
        }
        self.local(
            client.name,
            "dhcp_t1",
            "T1",
            [Note("dhcp.t1.expired", timers), Note("dhcp.t1.later", timers)],
        )
        msg = self.client_to_server(
            client,
            REQUEST,
            (("message-type", REQUEST), ("param_req_list", PARAM_REQUEST)),
            eth_dst=SERVER_MAC,
            ip_src=ip,
            ip_dst=SERVER_IP,
            xid=self.renew_xid,
            broadcast=False,
            ciaddr=ip,
            ttl=DEFAULT_TTL,  # through the kernel's UDP socket now: Linux's header
            tos=0,
            df=True,
        )
        note = Note(
            "dhcp.renew.request",
            {
                **client.who(),
                "ip": ip,
                "server": SERVER_IP,
                "xid": f"0x{self.renew_xid:08x}",
            },
        )
        kernel = Note("dhcp.renew.ip_header", {"ttl": RAW_TTL, "tos": f"0x{RAW_TOS:02x}"})
        self.send(client.name, SERVER, msg, [note, kernel])
        self.at(self.now + RESPONSE_DELAY, lambda: self.server_renew(client))

    # -- the server --

    def server_discover(self, client: Client, attempt: int) -> None:
        ip = self.table.offer(client.mac, self.now)
        if ip is None:
            if attempt == 0:
                params = {
                    **client.who(),
                    "first": self.pool[0],
                    "last": self.pool[-1],
                    "size": len(self.pool),
                }
                self.local(
                    SERVER,
                    "dhcp_pool_empty",
                    "no free address",
                    [Note("dhcp.pool_empty", params), Note("dhcp.nak_when")],
                )
            return
        client.offered = ip
        client.state = next_state(client.state, "offer")
        msg = self.reply(client, OFFER, ip, UNSPECIFIED, client.xid)
        params = {
            **client.who(),
            "ip": ip,
            "mac": client.mac,
            "hold": OFFER_HOLD,
            "xid": f"0x{client.xid:08x}",
        }
        if self.first(client):
            main = "dhcp.offer.broadcast" if self.o.broadcast_flag else "dhcp.offer.unicast"
            contents = {
                "mask": self.net.mask,
                "router": SERVER_IP,
                "dns": self.o.dns_server,
                "lease": self.o.lease,
                "server": SERVER_IP,
                "t1": self.t1,
                "t2": self.t2,
            }
            notes = [
                Note(main, params),
                Note("dhcp.offer.contents", contents),
                Note("dhcp.offer.select", params),
            ]
        else:
            first = self.clients[0].name
            how = self.how(client, ip)
            notes = [Note("dhcp.offer.other", {**params, "how": how, "first": first})]
        self.send(SERVER, client.name, msg, notes, to=self.reply_receivers(client))
        self.at(self.now + RESPONSE_DELAY, lambda: self.request(client))

    def server_request(self, client: Client) -> None:
        ip = client.offered
        assert ip is not None
        if not self.table.request(client.mac, ip, self.now, self.o.lease):
            raise AssertionError(f"the server refused its own offer of {ip}")  # pragma: no cover
        client.state = next_state(client.state, "ack")
        assert client.requested_at is not None
        client.ip, client.bound_at = ip, client.requested_at  # RFC 2131 4.4.1
        msg = self.reply(client, ACK, ip, UNSPECIFIED, client.xid)
        expires = stamp(self.now + self.o.lease)
        params = {
            **client.who(),
            "ip": ip,
            "mac": client.mac,
            "expires": expires,
            "how": self.how(client, ip),
        }
        if self.first(client):
            start = client.bound_at
            config = {
                **client.who(),
                "ip": ip,
                "prefix": PREFIXLEN,
                "router": SERVER_IP,
                "dns": self.o.dns_server,
                "sent_at": stamp(start),
                "t1_at": stamp(start + self.t1),
                "t2_at": stamp(start + self.t2),
                "end_at": stamp(start + self.o.lease),
                "server_end": expires,
            }
            notes = [
                Note("dhcp.ack.record", params),
                Note("dhcp.ack.configure", config),
                Note("dhcp.ack.arp_check", {"ip": ip}),
            ]
        else:
            notes = [Note("dhcp.ack.other", params)]
        self.send(SERVER, client.name, msg, notes, to=self.reply_receivers(client))
        if self.first(client) and self.o.renew:
            self.at(client.bound_at + self.t1, lambda: self.renew(client))

    def server_renew(self, client: Client) -> None:
        ip = client.ip
        assert ip is not None
        if not self.table.request(client.mac, ip, self.now, self.o.lease):
            raise AssertionError(f"the server refused to renew {ip}")  # pragma: no cover
        client.state = next_state(client.state, "ack")
        assert client.requested_at is not None
        client.bound_at = client.requested_at  # the renewal's Request starts the new lease
        msg = self.reply(client, ACK, ip, ip, self.renew_xid)
        params = {**client.who(), "ip": ip, "expires": stamp(self.now + self.o.lease)}
        self.send(SERVER, client.name, msg, [Note("dhcp.renew.ack", params)])


def build(options: DhcpOptions, frames: bool = True) -> Trace:
    """The scenario as a Trace. With ``frames=False`` no scapy is imported and every
    ``Step.packet`` is None; everything else is the same."""
    run = _Run(options, frames)
    steps = run.run()
    pool = run.pool
    names = options.client_names
    unserved = [c.name for c in run.clients if c.ip is None]
    nodes = [Node(SERVER, "dhcp-server", SERVER_IP, SERVER_MAC, SERVER_PORT)]
    nodes += [Node(c.name, "host", c.ip, c.mac, CLIENT_PORT) for c in run.clients]
    header = [
        Note(
            "dhcp.header.lan",
            {
                "network": run.net.network,
                "prefix": PREFIXLEN,
                "server": SERVER_IP,
                "mac": SERVER_MAC,
            },
        ),
        Note(
            "dhcp.header.pool",
            {
                "first": pool[0],
                "last": pool[-1],
                "size": len(pool),
                "lease": options.lease,
                "t1": run.t1,
                "t2": run.t2,
                "clients": ", ".join(names),
            },
        ),
    ]
    if unserved:
        header.append(
            Note("dhcp.header.short", {"count": len(unserved), "names": ", ".join(unserved)})
        )
    header.append(Note("dhcp.header.ports"))
    if options.renew:
        header.append(Note("dhcp.header.renew", {"client": names[0], "t1": run.t1}))
    remember = [
        Note("dhcp.remember.dora"),
        Note("dhcp.remember.addresses"),
        Note("dhcp.remember.request_broadcast"),
        Note("dhcp.remember.lease"),
        Note("dhcp.remember.empty"),
    ]
    return Trace(
        scenario="dhcp",
        nodes=nodes,
        steps=steps,
        title=Note("dhcp.title"),
        header=header,
        remember=remember,
        initial_states={c.name: "INIT" for c in run.clients},
        params={
            "clients": list(names),
            "pool": pool,
            "pool_size": len(pool),
            "lease": options.lease,
            "t1": run.t1,
            "t2": run.t2,
            "broadcast_flag": options.broadcast_flag,
            "renew": options.renew,
            "server": {"name": SERVER, "ip": SERVER_IP, "mac": SERVER_MAC},
            "router": SERVER_IP,
            "dns": options.dns_server,
            "mask": run.net.mask,
            "prefixlen": PREFIXLEN,
            "xids": {c.name: c.xid for c in run.clients},
            "renew_xid": run.renew_xid if options.renew else None,
            "leases": {c.name: c.ip for c in run.clients},
            "unserved": unserved,
            "offer_hold": OFFER_HOLD,
            "retransmit_delays": [backoff(i) for i in range(RETRANSMISSIONS_SHOWN)],
            "message_order": [MESSAGE_TYPES[t] for t in (DISCOVER, OFFER, REQUEST, ACK)],
        },
    )
