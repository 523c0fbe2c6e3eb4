"""A DHCP server's address pool and its lease table.

Owns the pool (``pool_addresses``: consecutive host addresses inside the LAN's subnet), the
lease table (``LeaseTable``: the lowest free address offered and held for a while, bound on a
Request for the lease time, renewed, released, expired; a refusal is what the server answers
with a DHCPNAK), its rows (``Lease``) as the views show them under ``leases:dhcp``, and how a
time is written in them (``stamp``).

Must not build or send messages: the scenario (``netlab.sim.dhcp``) asks the table at the time
it gives (every method takes ``now``; no clock here). Pure: no print, no scapy.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.sim.addressing import format_ipv4, parse_ipv4, subnet

PREFIXLEN = 24  # the LAN's prefix: the pool stays inside its subnet
OFFER_HOLD = 60  # seconds the server keeps an offered address for the client (its own choice)


def pool_addresses(start: str, size: int) -> list[str]:
    """``size`` consecutive addresses from ``start``; all must stay inside ``start``'s /24-like
    subnet of ``PREFIXLEN`` bits and be hosts (not the network or broadcast address)."""
    if size < 1:
        raise ValueError(f"a pool needs at least one address, not {size}")
    net = subnet(start, PREFIXLEN)
    first, low, high = parse_ipv4(start), parse_ipv4(net.first_host), parse_ipv4(net.last_host)
    if first < low or first + size - 1 > high:
        raise ValueError(f"{size} addresses from {start} do not fit in {net.cidr}")
    return [format_ipv4(first + i) for i in range(size)]


@dataclass
class Lease:
    """One row of the server's table: an address offered to, or leased by, one MAC."""

    ip: str
    mac: str
    state: str  # "offered" (reserved while the client decides) or "bound"
    expires: float  # seconds from the start of the scenario

    def row(self) -> dict[str, str | int | None]:
        return {"ip": self.ip, "mac": self.mac, "state": self.state, "expires": stamp(self.expires)}


class LeaseTable:
    """A DHCP server's pool and its leases.

    An address is free when no lease holds it. ``offer`` reserves the lowest free address (or
    the one the MAC already holds) for ``hold`` seconds; ``request`` binds it for the lease time
    (a selection, a renewal or a rebinding) or refuses (the server would send a DHCPNAK);
    ``expire`` frees what ran out. Every method takes the time ``now`` and expires first.
    """

    def __init__(self, addresses: list[str], hold: float = OFFER_HOLD) -> None:
        if not addresses or len(set(addresses)) != len(addresses):
            raise ValueError("a pool needs one or more distinct addresses")
        self.addresses = list(addresses)
        self.hold = hold
        self._leases: dict[str, Lease] = {}

    def expire(self, now: float) -> list[Lease]:
        """Drop and return the leases whose time is up at ``now``."""
        gone = [lease for lease in self._leases.values() if lease.expires <= now]
        for lease in gone:
            del self._leases[lease.ip]
        return gone

    def holder(self, mac: str) -> Lease | None:
        return next((lease for lease in self._leases.values() if lease.mac == mac), None)

    def free(self, now: float) -> list[str]:
        self.expire(now)
        return [ip for ip in self.addresses if ip not in self._leases]

    def offer(self, mac: str, now: float) -> str | None:
        """The address to offer ``mac``: the one it holds already, else the lowest free one
        (reserved for ``hold`` seconds); None when the pool is exhausted."""
        self.expire(now)
        held = self.holder(mac)
        if held is not None:
            if held.state == "offered":
                held.expires = now + self.hold
            return held.ip
        free = [ip for ip in self.addresses if ip not in self._leases]
        if not free:
            return None
        self._leases[free[0]] = Lease(free[0], mac, "offered", now + self.hold)
        return free[0]

    def request(self, mac: str, ip: str, now: float, lease_time: int) -> bool:
        """``mac`` asks for ``ip`` for ``lease_time`` seconds: bind it and return True when the
        address is in the pool and free or already this MAC's; else False (a DHCPNAK)."""
        self.expire(now)
        if ip not in self.addresses:
            return False
        current = self._leases.get(ip)
        if current is not None and current.mac != mac:
            return False
        held = self.holder(mac)
        if held is not None and held.ip != ip:
            del self._leases[held.ip]  # it wanted another address after all
        self._leases[ip] = Lease(ip, mac, "bound", now + lease_time)
        return True

    def release(self, mac: str) -> str | None:
        """Free the address ``mac`` holds (a DHCPRELEASE); return it, or None."""
        held = self.holder(mac)
        if held is None:
            return None
        del self._leases[held.ip]
        return held.ip

    def leases(self) -> list[Lease]:
        order = {ip: i for i, ip in enumerate(self.addresses)}
        return sorted(self._leases.values(), key=lambda lease: order[lease.ip])

    def rows(self) -> list[dict[str, str | int | None]]:
        """The table as the views show it: ip, mac, state, expires, in pool order."""
        return [lease.row() for lease in self.leases()]


def stamp(seconds: float) -> str:
    """A time as the tables and notes show it: seconds with three decimals."""
    return f"{seconds:.3f}"
