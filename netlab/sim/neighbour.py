"""The ARP cache of one host: RFC 826's receive rule with Linux's neighbour states.

Owns the states as ``ip neigh`` prints them (INCOMPLETE, REACHABLE, STALE, DELAY, PROBE,
FAILED), the timers of Linux's neighbour table that the ARP scenario shows (``retrans_time``,
``mcast_solicit``, ``ucast_solicit``, ``delay_first_probe_time``), and ``ArpCache``: what one
received ARP packet does to a host's entries (``receive``), and what sending does to an entry
that was never confirmed (``use``: STALE becomes DELAY; ``probe``: DELAY becomes PROBE, whose
unicast request, answered, makes it REACHABLE again). ``netlab.sim.arp`` tells the story around
it; the journey uses the state names.

Pure: no clock (the scenario keeps the times), no print, no scapy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Linux neighbour (ARP cache) states, as `ip neigh` prints them.
INCOMPLETE, REACHABLE, STALE, FAILED = "INCOMPLETE", "REACHABLE", "STALE", "FAILED"
DELAY, PROBE = "DELAY", "PROBE"
USABLE = (REACHABLE, STALE, DELAY, PROBE)  # NUD_VALID: a packet goes out at once

RETRANS_TIME = 1.0  # Linux: net.ipv4.neigh.*.retrans_time_ms = 1000
MCAST_SOLICIT = 3  # Linux: net.ipv4.neigh.*.mcast_solicit = 3 broadcast requests
UCAST_SOLICIT = 3  # Linux: net.ipv4.neigh.*.ucast_solicit = 3 unicast probes
DELAY_FIRST_PROBE = 5.0  # Linux: net.ipv4.neigh.*.delay_first_probe_time = 5 s


@dataclass
class Entry:
    ip: str
    mac: str | None
    state: str


@dataclass(frozen=True)
class Heard:
    """What one ARP packet did to a receiver's cache: ``action`` is "resolved" (an INCOMPLETE
    entry got its MAC), "created", "updated" (another MAC), "confirmed" (a DELAY or PROBE entry
    got its answer: REACHABLE), "refreshed" (same MAC), "own" (the host's own packet) or
    "ignored"; ``answer`` is True when the receiver must reply."""

    action: str
    answer: bool = False
    old_mac: str | None = None
    target: bool = False


class ArpCache:
    """One host's ARP cache (its neighbour table), in the order entries were made.

    Receiving follows RFC 826: an entry for the sender's IP is updated with the sender's MAC
    whoever the packet is for; the target of a request adds the sender if it had no entry,
    and answers. As in Linux (``arp_accept = 0``), nothing else creates an entry: not a
    gratuitous ARP, not an unsolicited reply. A reply sent to us confirms the entry
    (REACHABLE); anything else leaves it STALE (usable, not confirmed), or as it was when the
    MAC did not change.

    Sending through a STALE entry moves it to DELAY (Linux's ``neigh_event_send``): if nothing
    confirms it within ``DELAY_FIRST_PROBE`` seconds it goes to PROBE and the host asks the
    cached MAC by unicast, up to ``UCAST_SOLICIT`` times; the reply makes it REACHABLE, silence
    FAILED.
    """

    def __init__(self, own_ip: str, entries: Iterable[Entry] = ()) -> None:
        self.own_ip = own_ip
        self._entries: dict[str, Entry] = {e.ip: Entry(e.ip, e.mac, e.state) for e in entries}

    def get(self, ip: str) -> Entry | None:
        return self._entries.get(ip)

    def resolve(self, ip: str) -> str | None:
        """The MAC for ``ip`` if the cache has a usable one (a hit), else None (a miss)."""
        entry = self._entries.get(ip)
        return entry.mac if entry is not None and entry.state in USABLE else None

    def use(self, ip: str) -> bool:
        """A packet goes out through the entry for ``ip``: a STALE one becomes DELAY (True);
        any other state is left as it is (False)."""
        entry = self._entries.get(ip)
        if entry is None or entry.state != STALE:
            return False
        entry.state = DELAY
        return True

    def probe(self, ip: str) -> None:
        """DELAY ran out without a confirmation: the entry is PROBE, and the host asks."""
        entry = self._entries.get(ip)
        if entry is None or entry.state != DELAY:
            raise ValueError(f"only a DELAY entry is probed, not {entry}")
        entry.state = PROBE

    def start(self, ip: str) -> None:
        """A miss: an INCOMPLETE entry while the request is out."""
        entry = self._entries.get(ip)
        if entry is None:
            self._entries[ip] = Entry(ip, None, INCOMPLETE)
        else:
            entry.mac, entry.state = None, INCOMPLETE

    def fail(self, ip: str) -> None:
        """No answer to the last request: the entry is FAILED."""
        self._entries[ip] = Entry(ip, None, FAILED)

    def receive(self, op: int, hwsrc: str, psrc: str, pdst: str, to_me: bool) -> Heard:
        """Apply one received ARP packet (``to_me``: its Ethernet destination was our MAC)."""
        if psrc == self.own_ip:
            return Heard("own")
        target = pdst == self.own_ip
        answer = target and op == 1
        entry = self._entries.get(psrc)
        state = REACHABLE if op == 2 and to_me else STALE
        if entry is not None:
            old = entry.mac
            if entry.state in (INCOMPLETE, FAILED) or old is None:
                entry.mac, entry.state = hwsrc, state
                return Heard("resolved", answer, None, target)
            if old != hwsrc:
                entry.mac, entry.state = hwsrc, state
                return Heard("updated", answer, old, target)
            if state == REACHABLE:
                waiting = entry.state in (DELAY, PROBE)
                entry.state = REACHABLE
                if waiting:
                    return Heard("confirmed", answer, old, target)
            return Heard("refreshed", answer, old, target)  # same MAC: a STALE update keeps state
        if answer:
            self._entries[psrc] = Entry(psrc, hwsrc, STALE)
            return Heard("created", answer, None, target)
        return Heard("ignored", False, None, target)

    def rows(self) -> list[dict[str, Any]]:
        return [{"ip": e.ip, "mac": e.mac, "state": e.state} for e in self._entries.values()]
