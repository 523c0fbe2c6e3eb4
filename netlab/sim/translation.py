"""The translation table of a NAT router: static, dynamic (Basic NAT) and PAT (NAPT) mappings.

Owns ``NatTable`` (RFC 3022's three kinds of traditional NAT: a configured one-to-one address
mapping, an address from a pool bound while the host sends, and one public address shared by
port), its ``Mapping`` rows with idle expiry, and ``Outcome``, what the table did with one
packet: translated it, or found nothing to translate it with. ``netlab.sim.nat`` tells the
story around it; ``netlab.sim.journey`` uses its PAT.

Pure: no clock (every call takes ``now``), no print, no scapy; chance only from the
``random.Random`` it is given.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

from netlab.sim.datagram import endpoint

Mode = Literal["static", "dynamic", "pat"]
MODES: tuple[str, ...] = ("static", "dynamic", "pat")


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
    addresses) or could not (``reason``: no_mapping, filtered, pool_exhausted,
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
    global port whatever the server. PAT and dynamic NAT let in only packets from the outside
    endpoints the mapping has talked to (address- and port-dependent filtering, as Linux's
    conntrack does, and as RFC 2663's traditional NAT, where sessions start only from inside,
    requires); a static mapping lets in anyone, both ways. A dynamic mapping expires
    ``timeout`` seconds after the last packet in either direction; static ones never. Time
    never goes back.
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
        destination back to the inside host, or say why not (no_mapping, filtered)."""
        self.expire(now)
        mapping = self._by_global(proto, *dst)
        if mapping is None:
            return Outcome(None, reason="no_mapping")
        peer = endpoint(*src)
        if not mapping.static and peer not in mapping.peers:
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
