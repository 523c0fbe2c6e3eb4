"""The simulated internet's DNS: the root, TLD and authoritative servers and the data they hold.

Owns the zone data (derived from the name alone, so any valid name resolves and the same name
always gives the same answer: example.com's hosts get memorable numbers), the servers on the
path to a name (``Server``, ``World``: a.root-servers.net, a.gtld-servers.net for com and net,
a.nic.TLD for the others, ns1.ZONE), the TTLs they hand out, and their replies to an iterative
question (RFC 1034 §4.3.2, simplified): referrals from the root and the TLD, the authoritative
answer following CNAMEs inside the zone, NODATA with the SOA capped at its MINIMUM (RFC 2308
§3). Simplifications: a referral lists one name server (real ones list several); a zone is
delegated straight from its TLD.

Must not keep state or time: the servers answer the same question the same way whatever was
asked before (what is remembered is ``netlab.sim.dns_cache``'s business, when and by whom
``netlab.sim.dns``'s). Pure: no print, no scapy; stable numbers from sha256, not chance.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from netlab.sim.dns_message import MAX_CNAME_CHAIN, Record
from netlab.sim.dns_name import zone_of

# -- TTLs (seconds) ---------------------------------------------------------------------------
DELEGATION_TTL = 172_800  # two days: the root's NS for com and the com servers' NS for domains
ZONE_NS_TTL = 86_400
ANSWER_TTL = 3_600
SOA_SERIAL = 2026010101
SOA_TIMERS = (7_200, 3_600, 1_209_600, 300)  # refresh, retry, expire, minimum (negative TTL)

# -- the servers ------------------------------------------------------------------------------
ROOT_HOST, ROOT_IP = "a.root-servers.net", "198.41.0.4"
GTLD_HOST, GTLD_IP = "a.gtld-servers.net", "192.5.6.30"  # serves com and net
REAL_TLDS = {"com": (GTLD_HOST, GTLD_IP), "net": (GTLD_HOST, GTLD_IP)}
#: example.com's hosts get memorable numbers: web 80, mail 25, name server 53.
EXAMPLE = "example.com"


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
