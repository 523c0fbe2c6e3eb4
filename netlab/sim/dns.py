"""Scenario ``dns``: a name resolved from the laptop's stub resolver down the DNS tree and back.

Owns the story: the laptop's query to its recursive resolver, the resolver's cache hit or its
iterative walk from the closest cached zone down (each query, each referral or answer, and what
the resolver caches from it), the answer back to the laptop, and with ``again`` a second lookup
later; the places (addresses, MACs), the delays and routers on the way, the draws (ports, IDs
from one seeded ``random.Random``), the notes of every step, ``DnsOptions`` and ``build``. What
it is made of: name rules in ``netlab.sim.dns_name``, records, messages and datagrams in
``netlab.sim.dns_message``, the servers and their zone data in ``netlab.sim.dns_zone``, the
resolver's cache with TTLs in ``netlab.sim.dns_cache``; the names others use are importable from
here as before. Frames come from ``netlab.sim.packets.dns``, imported only when ``frames`` is
true; nothing here prints, sleeps or opens a socket.

Simplifications, each said in the trace where it matters: a referral lists one name server
(real ones list several); the resolver sends the whole name to every server (no QNAME
minimisation); no EDNS(0) OPT record, no DNSSEC; the stub asks one question (getaddrinfo asks
A and AAAA together); the zone of a name is its last two labels (three under a few well-known
second-level suffixes such as co.uk or com.cn), delegated straight from its TLD. Every packet
carries the IP TTL a capture would read: 64 as sent, one less per router on its way
(``ROUTERS``, through ``netlab.sim.addressing.ttl_after``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any

from netlab.i18n import Note
from netlab.sim.addressing import DEFAULT_TTL, same_subnet, ttl_after
from netlab.sim.dns_cache import US, Cache, CachedAnswer, best_servers, cached_answer, primed_cache
from netlab.sim.dns_message import DNS_PORT, QTYPES, TYPE_CODES, Datagram, Message, Record
from netlab.sim.dns_name import (
    InvalidName,
    enclosing,
    name_problem,
    parse_name,
    wire_length,
    zone_of,
)
from netlab.sim.dns_zone import (
    GTLD_HOST,
    GTLD_IP,
    ROOT_HOST,
    ROOT_IP,
    SOA_TIMERS,
    Reply,
    Server,
    World,
    authoritative_reply,
    world,
    zone_records,
)
from netlab.sim.trace import Node, Step, Trace

__all__ = [  # the scenario's names, and the parts it is made of that others use through it
    "GATEWAY_MAC",
    "GTLD_HOST",
    "GTLD_IP",
    "QTYPES",
    "RESOLVER_MAC",
    "ROOT_HOST",
    "ROOT_IP",
    "SOA_TIMERS",
    "STUB_PORTS",
    "TYPE_CODES",
    "Cache",
    "Datagram",
    "DnsOptions",
    "InvalidName",
    "Message",
    "Record",
    "authoritative_reply",
    "best_servers",
    "build",
    "cached_answer",
    "enclosing",
    "laptop_ttl",
    "name_problem",
    "parse_name",
    "primed_cache",
    "wire_length",
    "zone_of",
    "zone_records",
]

# -- the places -------------------------------------------------------------------------------
LAPTOP_IP = "192.168.1.10"
LAPTOP_MAC = "02:00:00:00:00:0a"
GATEWAY_MAC = "02:00:00:00:00:fe"  # the laptop's default gateway, as in the ARP scenario
RESOLVER_IP = "192.0.2.53"  # the ISP's recursive resolver, handed out by DHCP
RESOLVER_MAC = "02:00:00:00:00:35"
UPLINK_MAC = "02:00:00:00:01:fe"  # the router on the resolver's link to the internet
LAN_PREFIX = 24

# -- time -------------------------------------------------------------------------------------
#: One-way delay (microseconds) from the resolver to each server, and from the laptop to it.
DELAY_US = {"laptop": 5_000, "root": 10_000, "tld": 15_000, "auth": 25_000}
#: Routers between the resolver and each server, and between the resolver and the laptop (the
#: provider's, then the home router): each takes one off a packet's TTL on its way.
ROUTERS = {"laptop": 9, "root": 6, "tld": 9, "auth": 12}
DEFAULT_SEED = 53
STUB_PORTS = (32768, 60999)  # Linux's ephemeral range
RESOLVER_PORTS = (1024, 65535)  # resolvers draw from (almost) the whole range: RFC 5452


@dataclass(frozen=True)
class DnsOptions:
    """Validated inputs of ``netlab simulate dns``.

    ``again``: a second lookup ``again_after`` seconds after the first answer reached the
    laptop. With the default minute it comes from the resolver's cache; past the answer's TTL
    (3600 s) the answer has expired but the delegations (two days) have not, so the resolver
    asks the authoritative server straight away."""

    name: str = "www.example.com"
    qtype: str = "A"
    again: bool = False
    again_after: float = 60.0
    seed: int | None = None
    laptop_ip: str = LAPTOP_IP
    laptop_mac: str = LAPTOP_MAC
    gateway_mac: str = GATEWAY_MAC
    resolver_ip: str = RESOLVER_IP
    prefixlen: int = LAN_PREFIX


@dataclass
class _Run:
    """The bookkeeping of one build: the clock, the draws, the steps so far."""

    options: DnsOptions
    world: World
    rng: random.Random
    frames: bool
    cache: Cache = field(default_factory=primed_cache)
    steps: list[Step] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)
    now_us: int = 0
    asked: list[list[str]] = field(default_factory=list)

    # -- draws ----------------------------------------------------------------------------------
    def new_id(self) -> int:
        while True:
            value = self.rng.getrandbits(16)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def ip_id(self) -> int:
        return self.rng.getrandbits(16)

    # -- recording -----------------------------------------------------------------------------
    def tables(self, at_us: int) -> dict[str, Any]:
        return {"dns_cache:resolver": self.cache.rows(at_us)}

    def send(self, src: str, dst: str, gram: Datagram, notes: list[Note], arrive_us: int) -> None:
        packet = None
        if self.frames:
            from netlab.sim.packets.dns import dns_frame

            packet = dns_frame(gram)
        self.steps.append(
            Step(
                index=len(self.steps) + 1,
                time=self.now_us / US,
                src=src,
                dst=dst,
                packet=packet,
                summary=gram.message.summary,
                notes=notes,
                protocol="DNS",
                fields=gram.message.fields(gram.sport, gram.dport),
                tables=self.tables(arrive_us),
            )
        )

    def local(self, node: str, event: str, summary: str, notes: list[Note]) -> None:
        self.steps.append(
            Step(
                index=len(self.steps) + 1,
                time=self.now_us / US,
                src=node,
                dst=None,
                packet=None,
                summary=summary,
                notes=notes,
                event=event,
                tables=self.tables(self.now_us),
            )
        )


def _last_name(qname: str, answers: tuple[Record, ...]) -> str:
    """Where a CNAME chain ends: the name whose records (or lack of them) answer the question."""
    if answers and answers[-1].type == "CNAME":
        return answers[-1].value
    return qname


def _records_text(records: tuple[Record, ...] | list[Record]) -> str:
    return "; ".join(r.text for r in records)


def _laptop_link(o: DnsOptions) -> str:
    """The MAC the laptop sends to: the resolver's own on the same subnet, else the gateway's."""
    if same_subnet(o.laptop_ip, o.resolver_ip, o.prefixlen):
        return RESOLVER_MAC
    return o.gateway_mac


def laptop_ttl(o: DnsOptions) -> int:
    """The TTL of the resolver's answers as they reach the laptop: 64 on the same subnet, else
    one less for each router on the way."""
    if same_subnet(o.laptop_ip, o.resolver_ip, o.prefixlen):
        return DEFAULT_TTL
    return ttl_after(ROUTERS["laptop"])


def _lookup(run: _Run, stub_port: int, first: bool) -> None:
    """One lookup: the laptop asks, the resolver answers from its cache or goes and finds out."""
    o = run.options
    qname, qtype = o.name, o.qtype
    laptop_link = _laptop_link(o)
    lan_us = DELAY_US["laptop"]
    query = Message(id=run.new_id(), qr=0, rd=1, qname=qname, qtype=qtype)
    params = {
        "name": qname,
        "qtype": qtype,
        "resolver": o.resolver_ip,
        "sport": stub_port,
        "id": f"0x{query.id:04x}",
    }
    notes = [Note("dns.step.stub_query", params)]
    if not first:
        notes.append(Note("dns.step.stub_no_cache"))
    gram = Datagram(
        o.laptop_mac,
        laptop_link,
        o.laptop_ip,
        o.resolver_ip,
        stub_port,
        DNS_PORT,
        run.ip_id(),
        query,
    )
    run.send("laptop", "resolver", gram, notes, run.now_us + lan_us)
    run.now_us += lan_us

    asked: list[str] = []
    run.asked.append(asked)
    run.cache.expire(run.now_us)
    hit = cached_answer(run.cache, qname, qtype, run.now_us)
    if hit is not None:
        _cache_hit(run, hit)
    else:
        _resolve(run, asked)
        hit = cached_answer(run.cache, qname, qtype, run.now_us)
        assert hit is not None, "the resolver learned the answer"
    _answer_stub(run, query, stub_port, laptop_link, hit, from_cache=not asked)


def _cache_hit(run: _Run, hit: CachedAnswer) -> None:
    o, w = run.options, run.world
    first = hit.answers[0] if hit.answers else hit.soa
    assert first is not None
    if hit.answers:
        stored = run.cache.stored(first.name, first.type)
    else:
        stored = run.cache.stored(_last_name(o.name, hit.answers), o.qtype)
    assert stored is not None
    original = stored.record.ttl
    params = {
        "name": o.name,
        "qtype": o.qtype,
        "ttl": first.ttl,
        "ttl_total": original,
        "elapsed": original - first.ttl,
        "tld": w.tld.zone,
        "zone": w.zone,
    }
    key = "dns.step.cache_hit" if hit.answers else "dns.step.cache_hit_nodata"
    run.local(
        "resolver",
        "dns_cache_hit",
        f"cache hit {o.name} {o.qtype} (TTL {first.ttl})",
        [Note(key, params), Note("dns.step.cache_hit_skip", params)],
    )


def _resolve(run: _Run, asked: list[str]) -> None:
    """Iterative resolution from the closest cached zone down (RFC 1034 §5.3.3)."""
    o, w = run.options, run.world
    qname, qtype = o.name, o.qtype
    zone, host, ip = best_servers(run.cache, qname, run.now_us)
    params = {
        "name": qname,
        "qtype": qtype,
        "zone": zone,
        "server": host,
        "ip": ip,
        "tld": w.tld.zone,
    }
    if zone == ".":
        notes = [Note("dns.step.cache_miss_root", params), Note("dns.step.root_hints", params)]
    else:
        notes = [Note("dns.step.cache_miss_zone", params)]
    run.local("resolver", "dns_cache_miss", f"cache miss {qname} {qtype}", notes)

    server = w.server_at(ip)
    while True:
        port = run.rng.randint(*RESOLVER_PORTS)
        query = Message(id=run.new_id(), qr=0, rd=0, qname=qname, qtype=qtype)
        qparams = {
            "server": server.host,
            "ip": server.ip,
            "id": f"0x{query.id:04x}",
            "sport": port,
            "name": qname,
            "qtype": qtype,
            "tld": w.tld.zone,
        }
        notes = [Note("dns.step.iterative_query", qparams)]
        if not asked:
            notes.append(Note("dns.step.whole_name", qparams))
        delay = DELAY_US[server.node]
        gram = Datagram(
            RESOLVER_MAC, UPLINK_MAC, o.resolver_ip, server.ip, port, DNS_PORT, run.ip_id(), query
        )
        run.send("resolver", server.node, gram, notes, run.now_us + delay)
        asked.append(server.node)
        run.now_us += delay

        reply = w.respond(server, qname, qtype)
        response = Message(
            id=query.id,
            qr=1,
            rd=0,
            qname=qname,
            qtype=qtype,
            aa=reply.aa,
            answers=reply.answers,
            authority=reply.authority,
            additional=reply.additional,
        )
        arrive = run.now_us + delay
        for record in reply.answers + reply.authority + reply.additional:
            if record.type != "SOA":
                run.cache.put(record, arrive)
        if reply.nodata:
            last = _last_name(qname, reply.answers)
            run.cache.put_negative(last, qtype, reply.authority[0], arrive)
        notes = _reply_notes(run, server, reply)
        gram = Datagram(
            UPLINK_MAC,
            RESOLVER_MAC,
            server.ip,
            o.resolver_ip,
            DNS_PORT,
            port,
            run.ip_id(),
            response,
            ttl_after(ROUTERS[server.node]),
        )
        run.send(server.node, "resolver", gram, notes, arrive)
        run.now_us = arrive
        if reply.aa:
            return
        zone, host, ip = best_servers(run.cache, qname, run.now_us)
        server = w.server_at(ip)


def _reply_notes(run: _Run, server: Server, reply: Reply) -> list[Note]:
    o, w = run.options, run.world
    if reply.referral:
        ns, glue = reply.authority[0], reply.additional[0]
        params = {
            "server": server.host,
            "name": o.name,
            "child": ns.name,
            "ns": ns.value,
            "ns_ip": glue.value,
            "ttl": ns.ttl,
            "days": ns.ttl // 86_400,
        }
        notes = [Note("dns.step.referral", params), Note("dns.step.referral_cache", params)]
        if server is w.root:
            notes.append(Note("dns.step.referral_several", params))
        return notes
    params = {
        "server": server.host,
        "zone": w.zone,
        "name": o.name,
        "qtype": o.qtype,
        "records": _records_text(reply.answers),
    }
    notes = [
        Note(
            "dns.step.answer" if reply.answers and not reply.nodata else "dns.step.answer_none",
            params,
        )
    ]
    aliases = [r for r in reply.answers if r.type == "CNAME"]
    if aliases and o.qtype != "CNAME":
        notes.append(
            Note("dns.step.answer_cname", {"alias": aliases[0].name, "target": aliases[0].value})
        )
    for mx in (r for r in reply.answers if r.type == "MX"):
        pref, exchange = mx.value.split()
        notes.append(Note("dns.step.answer_mx", {"exchange": exchange, "pref": pref}))
    if reply.nodata:
        soa = reply.authority[0]
        last = _last_name(o.name, reply.answers)
        nparams = {"name": last, "qtype": o.qtype, "ttl": soa.ttl, "zone": w.zone}
        notes.append(Note("dns.step.nodata", nparams))
        if o.qtype == "CNAME":
            notes.append(Note("dns.step.nodata_cname", nparams))
        elif o.qtype == "MX":
            notes.append(Note("dns.step.nodata_mx", nparams))
    notes.append(Note("dns.step.answer_cache", params))
    return notes


def _answer_stub(
    run: _Run,
    query: Message,
    stub_port: int,
    laptop_link: str,
    hit: CachedAnswer,
    from_cache: bool,
) -> None:
    o, w = run.options, run.world
    authority = (hit.soa,) if hit.soa is not None else ()
    response = Message(
        id=query.id,
        qr=1,
        rd=1,
        ra=1,
        aa=0,
        qname=o.name,
        qtype=o.qtype,
        answers=hit.answers,
        authority=authority,
        additional=hit.additional,
    )
    params = {
        "id": f"0x{query.id:04x}",
        "zone": w.zone,
        "name": o.name,
        "qtype": o.qtype,
        "records": _records_text(hit.answers),
    }
    notes = [Note("dns.step.stub_answer" if hit.answers else "dns.step.stub_answer_empty", params)]
    if hit.soa is not None:
        last = _last_name(o.name, hit.answers)
        notes.append(Note("dns.step.stub_nodata", {**params, "name": last}))
    if from_cache:
        ttl = (hit.answers[0] if hit.answers else hit.soa).ttl  # type: ignore[union-attr]
        notes.append(Note("dns.step.stub_answer_cached", {**params, "ttl": ttl}))
    gram = Datagram(
        laptop_link,
        o.laptop_mac,
        o.resolver_ip,
        o.laptop_ip,
        DNS_PORT,
        stub_port,
        run.ip_id(),
        response,
        laptop_ttl(o),
    )
    arrive = run.now_us + DELAY_US["laptop"]
    run.send("resolver", "laptop", gram, notes, arrive)
    run.now_us = arrive


def build(options: DnsOptions, frames: bool = True) -> Trace:
    """The whole resolution of ``options.name``, and with ``again`` a second lookup later."""
    name = parse_name(options.name)
    qtype = options.qtype.upper()
    if qtype not in QTYPES:
        raise ValueError(f"qtype must be one of {', '.join(QTYPES)}, not {options.qtype!r}")
    o = replace(options, name=name, qtype=qtype)
    w = world(name)
    rng = random.Random(DEFAULT_SEED if o.seed is None else o.seed)
    run = _Run(options=o, world=w, rng=rng, frames=frames)

    first_port = rng.randint(*STUB_PORTS)
    _lookup(run, first_port, first=True)
    again_port = None
    if o.again:
        run.now_us += round(o.again_after * US)
        again_port = rng.randint(*STUB_PORTS)
        _lookup(run, again_port, first=False)

    final = [s for s in run.steps if s.dst == "laptop"]
    first_answer = final[0].fields
    nodata = any(r["type"] == "SOA" for r in first_answer["authority"])
    cname = next((r["value"] for r in first_answer["answers"] if r["type"] == "CNAME"), None)
    nodes = [
        Node("laptop", "stub-resolver", o.laptop_ip, o.laptop_mac, first_port),
        Node("resolver", "recursive-resolver", o.resolver_ip, RESOLVER_MAC, DNS_PORT),
        Node("root", "root-server", w.root.ip, None, DNS_PORT),
        Node("tld", "tld-server", w.tld.ip, None, DNS_PORT),
        Node("auth", "authoritative-server", w.auth.ip, None, DNS_PORT),
    ]
    servers = {s.node: {"host": s.host, "ip": s.ip, "zone": s.zone} for s in w.servers}
    head = {
        "name": name,
        "qtype": qtype,
        "resolver": o.resolver_ip,
        "root": w.root.host,
        "root_ip": w.root.ip,
        "tld": w.tld.zone,
        "tld_server": w.tld.host,
        "tld_ip": w.tld.ip,
        "zone": w.zone,
        "auth": w.auth.host,
        "auth_ip": w.auth.ip,
        "gateway_mac": _laptop_link(o),
        "after": f"{o.again_after:g}",
    }
    ttls = {
        "root_ttl": ttl_after(ROUTERS["root"]),
        "tld_ttl": ttl_after(ROUTERS["tld"]),
        "auth_ttl": ttl_after(ROUTERS["auth"]),
        "tld": w.tld.zone,
        "zone": w.zone,
        "laptop": Note("dns.header.ttl_lan")
        if laptop_ttl(o) == DEFAULT_TTL
        else Note("dns.header.ttl_laptop", {"ttl": laptop_ttl(o), "routers": ROUTERS["laptop"]}),
    }
    header = [
        Note("dns.header.path", head),
        Note("dns.header.transport", head),
        Note("dns.header.documentation", head),
        Note("dns.header.capture", head),
        Note("dns.header.ttl", ttls),
        Note("dns.header.real"),
    ]
    if o.again:
        header.append(Note("dns.header.again", head))
    remember = [
        Note("dns.remember.tree"),
        Note("dns.remember.recursive"),
        Note("dns.remember.udp"),
        Note("dns.remember.cache"),
    ]
    extra = []  # at most two, so the box keeps to six sentences; the later ones matter more
    if cname is not None and qtype != "CNAME":
        extra.append(Note("dns.remember.cname"))
    if nodata:
        extra.append(Note("dns.remember.nodata"))
    if o.again:
        expired = bool(run.asked[-1])
        extra.append(Note("dns.remember.expired" if expired else "dns.remember.again"))
    remember += extra[-2:]
    return Trace(
        scenario="dns",
        nodes=nodes,
        steps=run.steps,
        title=Note("dns.title", {"name": name, "qtype": qtype}),
        header=header,
        remember=remember,
        params={
            "name": name,
            "qtype": qtype,
            "zone": w.zone,
            "tld": w.tld.zone,
            "again": o.again,
            "again_after": o.again_after,
            "seed": o.seed,
            "resolver_ip": o.resolver_ip,
            "laptop_ip": o.laptop_ip,
            "stub_ports": [p for p in (first_port, again_port) if p is not None],
            "servers": servers,
            "answer": first_answer["answers"],
            "nodata": nodata,
            "cname": cname,
            "asked": run.asked,
        },
    )
