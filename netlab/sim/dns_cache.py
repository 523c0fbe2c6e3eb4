"""A recursive resolver's cache: records kept for their TTL, and what it can answer from them.

Owns ``Cache`` (positive entries and NODATA entries, RFC 2308 §5, each counted down in whole
seconds from the moment it was stored and gone once it reaches zero; ``rows`` is the table the
views draw as ``dns_cache:resolver``), the root hints a resolver starts with (``primed_cache``),
the answer the cache alone can give, following cached CNAMEs (``cached_answer``, RFC 1034
§5.3.3 step 1), and the closest enclosing zone whose server it knows (``best_servers``, step 2).

Must not send or receive anything, nor decide what servers answer: the scenario
(``netlab.sim.dns``) puts what arrives and asks at the time it gives (µs; no clock here). Pure:
no print, no scapy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netlab.sim.dns_message import MAX_CNAME_CHAIN, Record
from netlab.sim.dns_name import enclosing
from netlab.sim.dns_zone import ROOT_HOST, ROOT_IP

US = 1_000_000  # the cache's times are microseconds; its TTLs whole seconds
HINTS_TTL = 3_600_000  # the root hints file (named.root)
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
