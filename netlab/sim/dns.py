"""Scenario ``dns``: a name resolved from the laptop's stub resolver down the DNS tree and back.

Owns domain-name validation (RFC 1035's preferred syntax, RFC 1123's leading digits), the
zone data of the simulated internet (derived from the name alone, so any valid name resolves
and the same name always gives the same answer), the name servers' replies (referrals from the
root and the TLD, the authoritative answer, NODATA), the recursive resolver's cache with TTLs
that count down and expire (RFC 1034 §5.3.3, negative caching after RFC 2308), ``DnsOptions``
and ``build``. Frames come from ``netlab.sim.packets.dns``, imported only when ``frames`` is
true; nothing here prints, sleeps or opens a socket, and all chance comes from one seeded
``random.Random``.

Simplifications, each said in the trace where it matters: a referral lists one name server
(real ones list several); the resolver sends the whole name to every server (no QNAME
minimisation); no EDNS(0) OPT record, no DNSSEC; the stub asks one question (getaddrinfo asks
A and AAAA together); the zone of a name is its last two labels (three under a few well-known
second-level suffixes such as co.uk or com.cn), delegated straight from its TLD. Every packet
carries the IP TTL a capture would read: 64 as sent, one less per router on its way
(``ROUTERS``, through ``netlab.sim.addressing.ttl_after``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
from dataclasses import dataclass, field, replace
from typing import Any

from netlab.i18n import Note
from netlab.sim.addressing import DEFAULT_TTL, same_subnet, ttl_after
from netlab.sim.trace import Node, Step, Trace

QTYPES = ("A", "AAAA", "CNAME", "MX")
#: RR type codes (RFC 1035 §3.2.2, RFC 3596 for AAAA).
TYPE_CODES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "AAAA": 28}

MAX_NAME_CHARS = 253  # in text form without the trailing dot: 255 octets on the wire
MAX_LABEL = 63
DNS_PORT = 53
MAX_CNAME_CHAIN = 8

#: Second-level suffixes under which registrations sit one level deeper (bbc.co.uk).
SECOND_LEVEL = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "com.cn", "net.cn", "org.cn", "edu.cn", "gov.cn",
        "ac.cn", "com.hk", "com.tw", "edu.tw", "co.jp", "ne.jp", "ac.jp", "co.kr", "com.au",
        "edu.au", "co.nz", "com.br", "co.in",
    }
)  # fmt: skip

# -- TTLs (seconds) ---------------------------------------------------------------------------
HINTS_TTL = 3_600_000  # the root hints file (named.root)
DELEGATION_TTL = 172_800  # two days: the root's NS for com and the com servers' NS for domains
ZONE_NS_TTL = 86_400
ANSWER_TTL = 3_600
SOA_SERIAL = 2026010101
SOA_TIMERS = (7_200, 3_600, 1_209_600, 300)  # refresh, retry, expire, minimum (negative TTL)

# -- the places -------------------------------------------------------------------------------
LAPTOP_IP = "192.168.1.10"
LAPTOP_MAC = "02:00:00:00:00:0a"
GATEWAY_MAC = "02:00:00:00:00:fe"  # the laptop's default gateway, as in the ARP scenario
RESOLVER_IP = "192.0.2.53"  # the ISP's recursive resolver, handed out by DHCP
RESOLVER_MAC = "02:00:00:00:00:35"
UPLINK_MAC = "02:00:00:00:01:fe"  # the router on the resolver's link to the internet
LAN_PREFIX = 24
ROOT_HOST, ROOT_IP = "a.root-servers.net", "198.41.0.4"
GTLD_HOST, GTLD_IP = "a.gtld-servers.net", "192.5.6.30"  # serves com and net
REAL_TLDS = {"com": (GTLD_HOST, GTLD_IP), "net": (GTLD_HOST, GTLD_IP)}
#: example.com's hosts get memorable numbers: web 80, mail 25, name server 53.
EXAMPLE = "example.com"

# -- time -------------------------------------------------------------------------------------
US = 1_000_000
#: One-way delay (microseconds) from the resolver to each server, and from the laptop to it.
DELAY_US = {"laptop": 5_000, "root": 10_000, "tld": 15_000, "auth": 25_000}
#: Routers between the resolver and each server, and between the resolver and the laptop (the
#: provider's, then the home router): each takes one off a packet's TTL on its way.
ROUTERS = {"laptop": 9, "root": 6, "tld": 9, "auth": 12}
DEFAULT_SEED = 53
STUB_PORTS = (32768, 60999)  # Linux's ephemeral range
RESOLVER_PORTS = (1024, 65535)  # resolvers draw from (almost) the whole range: RFC 5452


# == names ====================================================================================


class InvalidName(ValueError):
    """Not a domain name a resolver would ask for; ``note`` says which rule it breaks."""

    def __init__(self, note: Note) -> None:
        super().__init__(note.key)
        self.note = note


def _why(key: str, **params: Any) -> Note:
    return Note(f"errors.allowed.dns_name_{key}", params)


def _label_char_ok(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "-")


def name_problem(text: str) -> Note | None:
    """None for a valid host name, else the Note of the first rule it breaks.

    Rules: letters, digits and hyphens (RFC 1035 §2.3.1; a leading digit is fine since RFC
    1123), no hyphen first or last in a label, labels of 1 to 63 characters, at most 253
    characters without the optional trailing dot (255 octets on the wire), at least two labels,
    and a top-level label that is not all digits (that would be an IP address)."""
    if not isinstance(text, str) or not text or text == ".":
        return _why("empty")
    body = text[:-1] if text.endswith(".") else text
    if len(body) > MAX_NAME_CHARS:
        return _why("long", length=len(body), max=MAX_NAME_CHARS)
    labels = body.split(".")
    for label in labels:
        if not label:
            return _why("empty_label")
        if len(label) > MAX_LABEL:
            return _why("label_long", label=label[:20] + "…", length=len(label), max=MAX_LABEL)
        bad = next((ch for ch in label if not _label_char_ok(ch)), None)
        if bad is not None:
            return _why("char", char=repr(bad))
        if label[0] == "-" or label[-1] == "-":
            return _why("hyphen", label=label)
    if len(labels) < 2:
        return _why("one_label", name=body)
    if labels[-1].isdigit():
        return _why("numeric_tld", label=labels[-1])
    return None


def parse_name(text: str) -> str:
    """The name as the simulation uses it: lower case, without the trailing dot.

    Raises ``InvalidName`` (a ``ValueError``) naming the broken rule."""
    problem = name_problem(text)
    if problem is not None:
        raise InvalidName(problem)
    return text.rstrip(".").lower()


def wire_length(name: str) -> int:
    """Octets of ``name`` on the wire: a length byte per label, its text, and the root's zero."""
    return sum(1 + len(label) for label in name.rstrip(".").split(".")) + 1


def parent(name: str) -> str:
    """``www.example.com`` -> ``example.com``; a TLD's parent is the root, ``"."``."""
    return name.partition(".")[2] or "."


def enclosing(name: str) -> list[str]:
    """``name`` and every zone above it up to the root: the places a resolver may start."""
    out = [name]
    while out[-1] != ".":
        out.append(parent(out[-1]))
    return out


def zone_of(name: str) -> str:
    """The zone a name is in, in this simulation: its last two labels, or three under a
    well-known second-level suffix (``news.bbc.co.uk`` -> ``bbc.co.uk``)."""
    labels = name.split(".")
    count = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in SECOND_LEVEL else 2
    return ".".join(labels[-count:])


# == records and messages =====================================================================


@dataclass(frozen=True)
class Record:
    """A resource record in presentation form: MX values are ``"10 mail.example.com"``, SOA
    values ``"mname rname serial refresh retry expire minimum"``. Names have no trailing dot;
    the root is ``"."``."""

    name: str
    type: str
    ttl: int
    value: str

    def with_ttl(self, ttl: int) -> Record:
        return Record(self.name, self.type, ttl, self.value)

    @property
    def info(self) -> str:
        """The record as Wireshark's Info column shows it: type and data (SOA: its mname)."""
        if self.type == "SOA":
            return f"SOA {self.value.split()[0]}"
        return f"{self.type} {self.value}"

    @property
    def text(self) -> str:
        return f"{self.name} {self.type} {self.value}, TTL {self.ttl}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "ttl": self.ttl, "value": self.value}


@dataclass(frozen=True)
class Message:
    """One DNS message (RFC 1035 §4.1): header bits, the question, and three record sections."""

    id: int
    qr: int  # 0 query, 1 response
    rd: int  # recursion desired
    qname: str
    qtype: str
    ra: int = 0  # recursion available
    aa: int = 0  # authoritative answer
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()

    @property
    def summary(self) -> str:
        """tshark 4.0's Info column for this message."""
        if not self.qr:
            return f"Standard query 0x{self.id:04x} {self.qtype} {self.qname}"
        records = "".join(f" {r.info}" for r in self.answers + self.authority + self.additional)
        return f"Standard query response 0x{self.id:04x} {self.qtype} {self.qname}{records}"

    def fields(self, sport: int, dport: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "qr": self.qr,
            "opcode": "QUERY",
            "aa": self.aa,
            "tc": 0,
            "rd": self.rd,
            "ra": self.ra,
            "rcode": "NOERROR",
            "qname": self.qname,
            "qtype": self.qtype,
            "sport": sport,
            "dport": dport,
            "answers": [r.as_dict() for r in self.answers],
            "authority": [r.as_dict() for r in self.authority],
            "additional": [r.as_dict() for r in self.additional],
        }


# == the simulated internet ===================================================================


def _number(*parts: str) -> int:
    """A stable number from text (sha256, unlike ``hash()`` the same in every process)."""
    digest = hashlib.sha256(" ".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Server:
    """A name server: the lane it is drawn on, the zone it serves, its host name and address."""

    node: str
    zone: str
    host: str
    ip: str


def tld_server(tld: str) -> Server:
    host, ip = REAL_TLDS.get(tld, (f"a.nic.{tld}", f"192.0.2.{100 + _number('tld', tld) % 100}"))
    return Server("tld", tld, host, ip)


def _host_numbers(zone: str) -> dict[str, int]:
    """The last number of the web, mail and name-server addresses of a zone."""
    if zone == EXAMPLE:
        return {"web": 80, "mail": 25, "ns": 53}
    return {kind: 10 + _number(kind, zone) % 230 for kind in ("web", "mail", "ns")}


def _v6(zone: str, number: int) -> str:
    block = 0 if zone == EXAMPLE else _number("v6", zone) & 0xFFFF
    return ipaddress.IPv6Address(f"2001:db8:{block:x}::{number}").compressed


def auth_server(zone: str) -> Server:
    return Server("auth", zone, f"ns1.{zone}", f"203.0.113.{_host_numbers(zone)['ns']}")


ROOT = Server("root", ".", ROOT_HOST, ROOT_IP)


def zone_records(zone: str, qname: str) -> tuple[Record, ...]:
    """Everything the authoritative server of ``zone`` holds that a question about ``qname``
    can touch. The apex has SOA, NS, A, AAAA and MX (``10 mail.ZONE``); ``www``, ``mail`` and
    ``ns1`` have addresses (www shares the apex's web server); every other name in the zone is
    an alias, a CNAME to ``www.ZONE``. A name with addresses has no CNAME: the two cannot
    coexist (RFC 1034 §3.6.2)."""
    n = _host_numbers(zone)
    mname, rname = f"ns1.{zone}", f"hostmaster.{zone}"
    timers = " ".join(str(t) for t in SOA_TIMERS)
    records = [
        Record(zone, "SOA", ANSWER_TTL, f"{mname} {rname} {SOA_SERIAL} {timers}"),
        Record(zone, "NS", ZONE_NS_TTL, mname),
        Record(zone, "MX", ANSWER_TTL, f"10 mail.{zone}"),
    ]
    for host, kind in ((zone, "web"), (f"www.{zone}", "web"), (f"mail.{zone}", "mail")):
        records.append(Record(host, "A", ANSWER_TTL, f"198.51.100.{n[kind]}"))
        records.append(Record(host, "AAAA", ANSWER_TTL, _v6(zone, n[kind])))
    records.append(Record(mname, "A", ANSWER_TTL, f"203.0.113.{n['ns']}"))
    records.append(Record(mname, "AAAA", ANSWER_TTL, _v6(zone, n["ns"] + 1000)))
    if qname not in {r.name for r in records}:
        records.append(Record(qname, "CNAME", ANSWER_TTL, f"www.{zone}"))
    return tuple(records)


@dataclass(frozen=True)
class Reply:
    """What a server puts in a response: the AA bit and the three sections."""

    aa: int
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()

    @property
    def referral(self) -> bool:
        return not self.aa and any(r.type == "NS" for r in self.authority)

    @property
    def nodata(self) -> bool:
        return bool(self.aa) and any(r.type == "SOA" for r in self.authority)


@dataclass(frozen=True)
class World:
    """The three servers on the path to one name, and the data each holds."""

    qname: str
    zone: str
    root: Server
    tld: Server
    auth: Server

    @property
    def servers(self) -> tuple[Server, ...]:
        return (self.root, self.tld, self.auth)

    def server_at(self, ip: str) -> Server:
        return next(s for s in self.servers if s.ip == ip)

    def child_of(self, server: Server) -> Server:
        """The server one level down from ``server`` on the way to the name."""
        return self.tld if server is self.root else self.auth

    def respond(self, server: Server, qname: str, qtype: str) -> Reply:
        """``server``'s reply to an iterative question (RFC 1034 §4.3.2, simplified)."""
        if server is not self.auth:
            child = self.child_of(server)
            return Reply(
                aa=0,
                authority=(Record(child.zone, "NS", DELEGATION_TTL, child.host),),
                additional=(Record(child.host, "A", DELEGATION_TTL, child.ip),),
            )
        return authoritative_reply(zone_records(self.zone, qname), self.zone, qname, qtype)


def world(qname: str) -> World:
    zone = zone_of(qname)
    return World(qname, zone, ROOT, tld_server(zone.rsplit(".", 1)[-1]), auth_server(zone))


def authoritative_reply(records: tuple[Record, ...], zone: str, qname: str, qtype: str) -> Reply:
    """The answer of a zone's own server: the records asked for, following CNAMEs inside the
    zone; the mail server's addresses as additional data for MX; the SOA (its TTL capped at its
    MINIMUM, RFC 2308 §3) when the name has no record of the type asked for."""

    def find(name: str, rtype: str) -> list[Record]:
        return [r for r in records if r.name == name and r.type == rtype]

    answers: list[Record] = []
    name = qname
    for _ in range(MAX_CNAME_CHAIN):
        found = find(name, qtype)
        if found:
            answers += found
            break
        alias = find(name, "CNAME")
        if not alias:
            break
        answers += alias
        name = alias[0].value
        if not (name == zone or name.endswith("." + zone)):
            return Reply(aa=1, answers=tuple(answers))  # the rest is another zone's business
    additional: list[Record] = []
    for mx in (r for r in answers if r.type == "MX"):
        exchange = mx.value.split()[1]
        additional += find(exchange, "A") + find(exchange, "AAAA")
    authority: list[Record] = []
    if not answers or (answers[-1].type == "CNAME" and qtype != "CNAME"):
        soa = find(zone, "SOA")[0]
        authority.append(soa.with_ttl(min(soa.ttl, int(soa.value.split()[-1]))))
    return Reply(
        aa=1, answers=tuple(answers), authority=tuple(authority), additional=tuple(additional)
    )


# == the resolver's cache =====================================================================

NODATA = "NODATA"


@dataclass(frozen=True)
class Entry:
    """A cached record and the time it was stored (µs). A negative entry (NODATA) also names
    the question it answers, ``qname`` and ``qtype``; its ``record`` is the zone's SOA."""

    record: Record
    stored_us: int
    qname: str | None = None
    qtype: str | None = None

    @property
    def negative(self) -> bool:
        return self.qtype is not None

    @property
    def name(self) -> str:
        return self.qname if self.qname is not None else self.record.name

    @property
    def type(self) -> str:
        return self.qtype if self.qtype is not None else self.record.type

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.type, NODATA if self.negative else self.record.value)


class Cache:
    """A resolver's cache: records kept for their TTL, counted down in whole seconds from the
    moment they were stored, and gone once it reaches zero."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], Entry] = {}

    @staticmethod
    def ttl_left(entry: Entry, now_us: int) -> int:
        return entry.record.ttl - (now_us - entry.stored_us) // US

    def _add(self, entry: Entry) -> None:
        self._entries.pop(entry.key, None)  # a fresh copy goes to the end, with its new TTL
        self._entries[entry.key] = entry

    def put(self, record: Record, now_us: int) -> None:
        self._add(Entry(record, now_us))

    def put_negative(self, qname: str, qtype: str, soa: Record, now_us: int) -> None:
        """Remember that ``qname`` has no ``qtype`` record, for the SOA's TTL (RFC 2308 §5)."""
        self._add(Entry(soa, now_us, qname, qtype))

    def _alive(self, now_us: int) -> list[Entry]:
        return [e for e in self._entries.values() if self.ttl_left(e, now_us) > 0]

    def expire(self, now_us: int) -> list[Entry]:
        """Drop what has run out; return it."""
        dead = [e for e in self._entries.values() if self.ttl_left(e, now_us) <= 0]
        for entry in dead:
            del self._entries[entry.key]
        return dead

    def get(self, name: str, rtype: str, now_us: int) -> list[Record]:
        """The live records of ``name`` and ``rtype``, each with the TTL it has left."""
        return [
            e.record.with_ttl(self.ttl_left(e, now_us))
            for e in self._alive(now_us)
            if not e.negative and e.name == name and e.type == rtype
        ]

    def negative(self, qname: str, qtype: str, now_us: int) -> Record | None:
        """The SOA of a live NODATA entry for ``qname``/``qtype`` (TTL left), else None."""
        for e in self._alive(now_us):
            if e.negative and (e.name, e.type) == (qname, qtype):
                return e.record.with_ttl(self.ttl_left(e, now_us))
        return None

    def stored(self, name: str, rtype: str) -> Entry | None:
        """The entry (positive first, else negative) for ``name``/``rtype``, alive or not."""
        for entry in self._entries.values():
            if not entry.negative and (entry.name, entry.type) == (name, rtype):
                return entry
        return self._entries.get((name, rtype, NODATA))

    def rows(self, now_us: int) -> list[dict[str, Any]]:
        """The table the views draw: name, type, value, TTL left (live entries only)."""
        return [
            {
                "name": e.name,
                "type": e.type,
                "value": NODATA if e.negative else e.record.value,
                "ttl": self.ttl_left(e, now_us),
            }
            for e in self._alive(now_us)
        ]

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class CachedAnswer:
    answers: tuple[Record, ...]
    additional: tuple[Record, ...] = ()
    soa: Record | None = None  # a NODATA answer: the SOA with its TTL left


def cached_answer(cache: Cache, qname: str, qtype: str, now_us: int) -> CachedAnswer | None:
    """The answer the cache alone can give (following cached CNAMEs), or None (RFC 1034
    §5.3.3 step 1)."""
    chain: list[Record] = []
    name = qname
    for _ in range(MAX_CNAME_CHAIN):
        found = cache.get(name, qtype, now_us)
        if found:
            additional: list[Record] = []
            for mx in (r for r in found if r.type == "MX"):
                exchange = mx.value.split()[1]
                additional += cache.get(exchange, "A", now_us)
                additional += cache.get(exchange, "AAAA", now_us)
            return CachedAnswer(tuple(chain + found), tuple(additional))
        soa = cache.negative(name, qtype, now_us)
        if soa is not None:
            return CachedAnswer(tuple(chain), soa=soa)
        alias = cache.get(name, "CNAME", now_us) if qtype != "CNAME" else []
        if not alias:
            return None
        chain += alias
        name = alias[0].value
    return None


def best_servers(cache: Cache, qname: str, now_us: int) -> tuple[str, str, str]:
    """The closest enclosing zone whose name server and its address are both cached:
    ``(zone, server host, server address)`` (RFC 1034 §5.3.3 step 2). The root hints make
    sure the search always ends, at ``"."``."""
    for zone in enclosing(qname):
        for ns in cache.get(zone, "NS", now_us):
            addresses = cache.get(ns.value, "A", now_us)
            if addresses:
                return zone, ns.value, addresses[0].value
    raise LookupError("no root hints in the cache")


def primed_cache() -> Cache:
    """A resolver's cache at start: the root hints (named.root) for a.root-servers.net."""
    cache = Cache()
    cache.put(Record(".", "NS", HINTS_TTL, ROOT_HOST), 0)
    cache.put(Record(ROOT_HOST, "A", HINTS_TTL, ROOT_IP), 0)
    return cache


# == the scenario =============================================================================


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


@dataclass(frozen=True)
class Datagram:
    """One UDP datagram carrying a DNS message, with the link addresses it is captured with."""

    src_mac: str
    dst_mac: str
    src_ip: str
    dst_ip: str
    sport: int
    dport: int
    ip_id: int
    message: Message
    ttl: int = DEFAULT_TTL  # as a capture on the receiver's link reads it


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
