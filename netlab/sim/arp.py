"""Scenario ``arp``: how a host finds the MAC address behind an IPv4 address on its LAN.

Owns the LAN's layout (gateway at the subnet's first host address, hosts A, B, ... from the
tenth), the ARP cache (RFC 826's receive rule, with Linux's neighbour states and its refusal to
create entries from unsolicited ARP), ``ArpOptions`` (and the checks that make them valid) and
``build``: the story of who asks, who answers and who learns what. The switch, the hub and the
storm's arithmetic are in ``netlab.sim.switching``.

Pure: frames are plain records here (``Frame``); the scapy packets are made from them by
``netlab.sim.packets.arp``, and only when ``build(..., frames=True)``. No printing, no sockets,
no clock: every time is computed. The subnet arithmetic comes from ``netlab.sim.addressing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netlab.sim import addressing
from netlab.sim.switching import (
    STORM_MAX_COPIES,
    STORM_MAX_TICKS,
    Hub,
    Switch,
    Tick,
    Topology,
    is_group,
    mesh,
    storm,
)
from netlab.sim.trace import Node, Note, Step, Trace

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"
GATEWAY_MAC = "02:00:00:00:00:fe"
OLD_MAC_A = "02:00:00:00:00:a1"  # A's MAC before its network card was replaced (--gratuitous)

GATEWAY_OFFSET = 1  # the gateway is the subnet's first host address (.1 in a /24)
HOST_OFFSET = 10  # A is the subnet's tenth address after the network (.10), B the next, ...
MIN_HOSTS, MAX_HOSTS, DEFAULT_HOSTS = 2, 6, 3
HOST_NAMES = "ABCDEF"
DEFAULT_SUBNET = "192.168.1.0/24"

HOP = 0.001  # seconds for a frame to cross one link (a round figure, easy to read)
OUTSIDE_RTT = 0.020  # from the gateway to an off-subnet destination and back
RETRANS_TIME = 1.0  # Linux: net.ipv4.neigh.*.retrans_time_ms = 1000
MCAST_SOLICIT = 3  # Linux: net.ipv4.neigh.*.mcast_solicit = 3 broadcast requests
PING_ID = 0x0001
LOCAL_TTL = 64  # Linux's default TTL
REMOTE_TTL = 56  # a reply from beyond the gateway, a few routers away

# Linux neighbour (ARP cache) states, as `ip neigh` prints them.
INCOMPLETE, REACHABLE, STALE, FAILED = "INCOMPLETE", "REACHABLE", "STALE", "FAILED"
USABLE = (REACHABLE, STALE)


#: Options that make no sense together: (first, second) as the CLI spells them.
COMBOS = (("--loop", "--hub"), ("--loop", "--again"), ("--loop", "--gratuitous"))

_SPECIAL = (  # (network, mask, code): ranges no host on a LAN can use
    (0x0000_0000, 0xFF00_0000, "this_network"),  # 0.0.0.0/8
    (0x7F00_0000, 0xFF00_0000, "loopback"),  # 127.0.0.0/8
    (0xE000_0000, 0xF000_0000, "multicast"),  # 224.0.0.0/4
    (0xF000_0000, 0xF000_0000, "reserved"),  # 240.0.0.0/4 (with 255.255.255.255)
)
_LINK_LOCAL = (0xA9FE_0000, 0xFFFF_0000)  # 169.254.0.0/16: routers never forward it


class LanProblem(ValueError):
    """An option value the LAN can't be built from: ``code`` names the problem (the CLI's
    catalogue key is ``errors.allowed.arp_<code>``), ``params`` fill in the message."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        super().__init__(f"{code}: {detail}" if detail else code)


# -- the LAN --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Host:
    name: str
    ip: str
    mac: str


@dataclass(frozen=True)
class Lan:
    """Who is on the LAN: the hosts A, B, ... and the gateway, on ``subnet``."""

    subnet: addressing.Subnet
    hosts: tuple[Host, ...]
    gateway: Host

    @property
    def a(self) -> Host:
        return self.hosts[0]

    @property
    def members(self) -> tuple[Host, ...]:
        """Every host and the gateway, in lane order."""
        return (*self.hosts, self.gateway)

    def by_ip(self, ip: str) -> Host | None:
        return next((h for h in self.members if h.ip == ip), None)

    def by_name(self, name: str) -> Host:
        return next(h for h in self.members if h.name == name)


def host_mac(index: int) -> str:
    """A's MAC is 02:00:00:00:00:01, B's :02, ... (locally administered)."""
    return f"02:00:00:00:00:{index + 1:02x}"


def check_hosts(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise LanProblem("hosts", low=MIN_HOSTS, high=MAX_HOSTS)
    if not MIN_HOSTS <= count <= MAX_HOSTS:
        raise LanProblem("hosts", low=MIN_HOSTS, high=MAX_HOSTS)
    return count


def longest_prefix(hosts: int) -> int:
    """The longest prefix whose subnet holds the gateway and ``hosts`` hosts from the tenth
    address: it needs HOST_OFFSET + hosts - 1 host addresses."""
    need = HOST_OFFSET + hosts - 1
    return max(p for p in range(31) if (1 << (32 - p)) - 2 >= need)


def parse_subnet(text: str, hosts: int = DEFAULT_HOSTS) -> addressing.Subnet:
    """``"192.168.1.0/24"`` -> its Subnet, if a LAN of ``hosts`` hosts and a gateway fits.

    Refused: anything but ADDRESS/PREFIX with a prefix from 0 to 32 (``subnet``), host bits
    set (``subnet_host_bits``, with the network meant when that one would be accepted, else
    ``subnet_host_bits_only``), a subnet too small (``subnet_room``),
    addresses no LAN host can have (``subnet_special``).
    """
    address, slash, prefix_text = text.strip().partition("/")
    if not slash or not prefix_text.isascii() or not prefix_text.isdigit():
        raise LanProblem("subnet")
    if len(prefix_text) > 1 and prefix_text[0] == "0":
        raise LanProblem("subnet")
    prefixlen = int(prefix_text)
    try:
        value = addressing.parse_ipv4(address)
        addressing.check_prefixlen(prefixlen)
    except ValueError:
        raise LanProblem("subnet") from None
    net = addressing.subnet(address, prefixlen)
    if addressing.format_ipv4(value) != net.network:
        try:  # suggest the network meant only if it would be accepted itself
            parse_subnet(net.cidr, hosts)
        except LanProblem:
            raise LanProblem("subnet_host_bits_only") from None
        raise LanProblem("subnet_host_bits", network=net.cidr)
    if prefixlen > longest_prefix(hosts):
        raise LanProblem(
            "subnet_room",
            prefix=prefixlen,
            size=net.host_count,
            hosts=hosts,
            need=HOST_OFFSET + hosts - 1,
            longest=longest_prefix(hosts),
        )
    network = addressing.parse_ipv4(net.network)
    for offset in (GATEWAY_OFFSET, HOST_OFFSET + hosts - 1):
        code = _special(network + offset)
        if code is not None:
            raise LanProblem("subnet_special", kind=code)
    return net


def _special(value: int) -> str | None:
    return next((code for net, mask, code in _SPECIAL if value & mask == net), None)


def lan(subnet: addressing.Subnet, hosts: int) -> Lan:
    network = addressing.parse_ipv4(subnet.network)
    members = tuple(
        Host(HOST_NAMES[i], addressing.format_ipv4(network + HOST_OFFSET + i), host_mac(i))
        for i in range(hosts)
    )
    gateway = Host("gateway", addressing.format_ipv4(network + GATEWAY_OFFSET), GATEWAY_MAC)
    return Lan(subnet, members, gateway)


def check_target(the_lan: Lan, text: str) -> str:
    """The address A is to send to, if it is one a ping can go to; else a LanProblem whose
    code says why (target, target_own, target_network, target_broadcast, target_multicast,
    target_loopback, target_this_network, target_reserved, target_link_local)."""
    try:
        value = addressing.parse_ipv4(text)
    except ValueError:
        raise LanProblem("target") from None
    ip = addressing.format_ipv4(value)
    net = the_lan.subnet
    if ip == the_lan.a.ip:
        raise LanProblem("target_own", ip=ip)
    if value == addressing.LIMITED_BROADCAST or ip == net.broadcast:
        raise LanProblem("target_broadcast", ip=ip)
    if ip == net.network:
        raise LanProblem("target_network", ip=ip, cidr=net.cidr)
    code = _special(value)
    if code is not None:
        raise LanProblem(f"target_{code}", ip=ip)
    on_link = addressing.same_subnet(ip, net.network, net.prefixlen)
    if not on_link and value & _LINK_LOCAL[1] == _LINK_LOCAL[0]:
        raise LanProblem("target_link_local", ip=ip)
    return ip


@dataclass(frozen=True)
class ArpOptions:
    """The validated inputs of the scenario; invalid values raise ``LanProblem``."""

    subnet: str = DEFAULT_SUBNET
    hosts: int = DEFAULT_HOSTS
    target: str | None = None  # None: B's address
    again: bool = False
    hub: bool = False
    gratuitous: bool = False
    loop: bool = False

    def __post_init__(self) -> None:
        check_hosts(self.hosts)
        net = parse_subnet(self.subnet, self.hosts)
        object.__setattr__(self, "subnet", net.cidr)  # canonical: " 10.0.0.0/8" -> "10.0.0.0/8"
        if self.target is not None:
            target = check_target(lan(net, self.hosts), self.target)
            object.__setattr__(self, "target", target)
        for first, second in COMBOS:
            if self.flag(first) and self.flag(second):
                raise LanProblem("combo", first=first, second=second)

    def flag(self, option: str) -> bool:
        return bool(getattr(self, option.removeprefix("--")))

    def lan(self) -> Lan:
        return lan(parse_subnet(self.subnet, self.hosts), self.hosts)

    def target_ip(self) -> str:
        return self.target if self.target is not None else self.lan().hosts[1].ip


# -- the ARP cache --------------------------------------------------------------------------------


@dataclass
class Entry:
    ip: str
    mac: str | None
    state: str


@dataclass(frozen=True)
class Heard:
    """What one ARP packet did to a receiver's cache: ``action`` is "resolved" (an INCOMPLETE
    entry got its MAC), "created", "updated" (another MAC), "refreshed" (same MAC), "own" (the
    host's own packet) or "ignored"; ``answer`` is True when the receiver must reply."""

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
    (REACHABLE); anything else leaves it STALE (usable, not confirmed).
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
                entry.state = REACHABLE
            return Heard("refreshed", answer, old, target)  # same MAC: a STALE update keeps state
        if answer:
            self._entries[psrc] = Entry(psrc, hwsrc, STALE)
            return Heard("created", answer, None, target)
        return Heard("ignored", False, None, target)

    def rows(self) -> list[dict[str, Any]]:
        return [{"ip": e.ip, "mac": e.mac, "state": e.state} for e in self._entries.values()]


# -- frames ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One Ethernet frame as plain data: ``kind`` "arp" or "icmp" and that protocol's fields."""

    kind: str
    eth_src: str
    eth_dst: str
    fields: dict[str, Any]

    @property
    def protocol(self) -> str:
        return "ARP" if self.kind == "arp" else "ICMP"

    @property
    def summary(self) -> str:
        """The frame as Wireshark's Info column says it (tshark 4.0, without frame links)."""
        f = self.fields
        if self.kind == "arp":
            if f["op"] == 2:
                return f"{f['psrc']} is at {f['hwsrc']}"
            if f["psrc"] == f["pdst"]:
                if f["hwdst"] == ZERO_MAC:
                    return f"ARP Announcement for {f['psrc']}"
                return f"Gratuitous ARP for {f['psrc']} (Request)"
            return f"Who has {f['pdst']}? Tell {f['psrc']}"
        kind = "request" if f["type"] == 8 else "reply"
        swapped = ((f["seq"] & 0xFF) << 8) | (f["seq"] >> 8)
        return f"Echo (ping) {kind} id=0x{f['id']:04x}, seq={f['seq']}/{swapped}, ttl={f['ttl']}"

    def step_fields(self) -> dict[str, Any]:
        return {**self.fields, "eth_src": self.eth_src, "eth_dst": self.eth_dst}


def arp_request(sender: Host, ip: str) -> Frame:
    fields = {"op": 1, "hwsrc": sender.mac, "psrc": sender.ip, "hwdst": ZERO_MAC, "pdst": ip}
    return Frame("arp", sender.mac, BROADCAST_MAC, fields)


def arp_announcement(sender: Host) -> Frame:
    """A gratuitous ARP request as Linux sends it (RFC 5227's ARP Announcement): sender and
    target IP both the sender's, target MAC zero, to the broadcast address."""
    return arp_request(sender, sender.ip)


def arp_reply(sender: Host, to_ip: str, to_mac: str) -> Frame:
    fields = {"op": 2, "hwsrc": sender.mac, "psrc": sender.ip, "hwdst": to_mac, "pdst": to_ip}
    return Frame("arp", sender.mac, to_mac, fields)


def echo(
    eth_src: str, eth_dst: str, ip_src: str, ip_dst: str, *, reply: bool, seq: int, ttl: int
) -> Frame:
    fields = {
        "type": 0 if reply else 8,
        "code": 0,
        "id": PING_ID,
        "seq": seq,
        "ip_src": ip_src,
        "ip_dst": ip_dst,
        "ttl": ttl,
        "ip_id": (0x2000 if reply else 0x1000) + seq,
    }
    return Frame("icmp", eth_src, eth_dst, fields)


# -- the scenario ---------------------------------------------------------------------------------


def _who(name: str) -> str | Note:
    """A node's name inside a sentence: hosts are letters, devices are translated."""
    return name if len(name) == 1 else Note(f"node.{name}")


def _subject(name: str) -> str | Note:
    """A node's name at the start of a sentence ("The gateway", "Switch 2")."""
    return name if len(name) == 1 else Note(f"arp.subject.{name}")


def _round(t: float) -> float:
    return round(t, 6)


@dataclass
class _Run:
    """Builds the steps of one run: the LAN's caches and device, and the clock."""

    options: ArpOptions
    the_lan: Lan
    device_name: str
    steps: list[Step] = field(default_factory=list)
    frames: dict[int, Frame] = field(default_factory=dict)
    ports: dict[str, int] = field(init=False)
    device: Switch | Hub = field(init=False)
    caches: dict[str, ArpCache] = field(init=False)
    switches: dict[str, Switch] = field(init=False)  # the loop's switches (--loop only)

    def __post_init__(self) -> None:
        ports = {h.name: i for i, h in enumerate(self.the_lan.members, start=1)}
        self.ports = ports
        self.device = Hub("hub", ports) if self.device_name == "hub" else Switch("switch", ports)
        self.caches = {h.name: ArpCache(h.ip) for h in self.the_lan.members}
        if self.options.gratuitous:  # the gateway remembers A's old card
            a = self.the_lan.a
            self.caches["gateway"] = ArpCache(
                self.the_lan.gateway.ip, [Entry(a.ip, OLD_MAC_A, STALE)]
            )
        self.switches = {}

    # -- recording ----------------------------------------------------------------------------

    def tables(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"arp:{name}": c.rows() for name, c in self.caches.items()}
        if isinstance(self.device, Switch) and not self.switches:
            out["mac:switch"] = self.device.rows()
        for name, sw in self.switches.items():
            out[f"mac:{name}"] = sw.rows()
        return out

    def event(self, t: float, src: str, event: str, summary: str, notes: list[Note]) -> None:
        self.steps.append(
            Step(
                index=len(self.steps) + 1,
                time=_round(t),
                src=src,
                dst=None,
                packet=None,
                summary=summary,
                notes=notes,
                tables=self.tables(),
                event=event,
            )
        )

    def frame_step(
        self,
        t: float,
        src: str,
        to: Sequence[str],
        frame: Frame,
        notes: list[Note],
        copy_of: int | None = None,
    ) -> int:
        index = len(self.steps) + 1
        self.steps.append(
            Step(
                index=index,
                time=_round(t),
                src=src,
                dst=to[0],
                packet=None,
                summary=frame.summary,
                notes=notes,
                tables=self.tables(),
                to=tuple(to) if len(to) > 1 else (),
                protocol=frame.protocol,
                fields=frame.step_fields(),
                copy_of=copy_of,
            )
        )
        if copy_of is None:
            self.frames[index] = frame
        return index

    # -- one frame across the LAN ----------------------------------------------------------------

    def transmit(self, t: float, sender: str, frame: Frame, notes: list[Note]) -> dict[str, Heard]:
        """``sender`` puts ``frame`` on its cable at ``t``; the device passes it on one hop
        later; each receiver reacts. Returns what each receiver heard (ARP only)."""
        in_port = self.ports[sender]
        device = self.device
        learn_notes: list[Note] = []
        if isinstance(device, Switch):
            old = device.learn(frame.eth_src, in_port)
            if old is None:
                learn_notes.append(
                    Note("arp.switch.learned", {"mac": frame.eth_src, "port": in_port})
                )
            elif old == in_port:
                if is_group(frame.eth_dst):  # knowing the sender changes nothing for a broadcast
                    learn_notes.append(
                        Note("arp.switch.known", {"mac": frame.eth_src, "port": in_port})
                    )
            else:
                learn_notes.append(
                    Note("arp.switch.moved", {"mac": frame.eth_src, "old": old, "port": in_port})
                )
        first = self.frame_step(t, sender, [device.name], frame, [*notes, *learn_notes])
        out = device.out_ports(frame.eth_dst, in_port)
        receivers = [device.peer(p) for p in out]
        if isinstance(device, Hub):
            forward = [Note("arp.hub.repeat", {"port": in_port})]
            if not is_group(frame.eth_dst):
                forward.append(Note("arp.hub.unicast_everyone"))
        elif is_group(frame.eth_dst):
            forward = [Note("arp.switch.flood_broadcast", {"port": in_port})]
        elif device.floods(frame.eth_dst):
            forward = [Note("arp.switch.flood_unknown", {"mac": frame.eth_dst, "port": in_port})]
        else:
            forward = [Note("arp.switch.forward", {"mac": frame.eth_dst, "port": out[0]})]
        heard: dict[str, Heard] = {}
        reactions: list[Note] = []
        for name in receivers:
            reactions.extend(self.deliver(name, frame, heard))
        self.frame_step(t + HOP, device.name, receivers, frame, forward + reactions, first)
        return heard

    def deliver(self, name: str, frame: Frame, heard: dict[str, Heard]) -> list[Note]:
        """``name`` receives ``frame``: its reaction, as notes (and in ``heard`` for ARP)."""
        me = self.the_lan.by_name(name)
        who = _subject(name)
        if not is_group(frame.eth_dst) and frame.eth_dst != me.mac:
            return [Note("arp.rx.not_my_mac", {"host": who, "mac": frame.eth_dst})]
        f = frame.fields
        if frame.kind == "icmp":
            if f["ip_dst"] == me.ip:
                return [Note("arp.ip.received", {"host": who})]
            return [Note("arp.ip.routed", {"target": f["ip_dst"]})]
        cache = self.caches[name]
        result = cache.receive(f["op"], f["hwsrc"], f["psrc"], f["pdst"], frame.eth_dst == me.mac)
        heard[name] = result
        sender = {"host": who, "ip": f["psrc"]}
        if result.action == "created":
            return [
                Note(
                    "arp.rx.owner",
                    {
                        "host": who,
                        "ip": f["pdst"],
                        "sender_ip": f["psrc"],
                        "sender_mac": f["hwsrc"],
                    },
                )
            ]
        if result.action == "resolved":
            return [Note("arp.rx.resolved", {**sender, "mac": f["hwsrc"]})]
        notes: list[Note] = []
        if result.action == "updated":
            notes.append(
                Note("arp.rx.updated", {**sender, "old": result.old_mac, "new": f["hwsrc"]})
            )
        elif result.action == "refreshed":
            notes.append(Note("arp.rx.refreshed", sender))
        elif f["psrc"] == f["pdst"]:
            notes.append(Note("arp.rx.garp_ignored", sender))
        elif f["op"] == 1:
            notes.append(
                Note("arp.rx.not_mine", {"host": who, "ip": f["pdst"], "sender_ip": f["psrc"]})
            )
        if result.answer and result.action in ("updated", "refreshed"):
            notes.insert(0, Note("arp.rx.owner_known", {"host": who, "ip": f["pdst"]}))
        return notes


# -- the stories ----------------------------------------------------------------------------------


def _decision_note(the_lan: Lan, target: str) -> tuple[addressing.NextHop, Note]:
    net = the_lan.subnet
    a = the_lan.a
    hop = addressing.next_hop(a.ip, net.prefixlen, target, the_lan.gateway.ip)
    mask = addressing.mask_bits(net.prefixlen)
    params = {
        "target": target,
        "own": a.ip,
        "mask": net.mask,
        "target_net": addressing.format_ipv4(addressing.parse_ipv4(target) & mask),
        "own_net": addressing.format_ipv4(addressing.parse_ipv4(a.ip) & mask),
        "gateway": the_lan.gateway.ip,
    }
    key = "arp.decide.direct" if hop.kind == "direct" else "arp.decide.gateway"
    return hop, Note(key, params)


def _ping(run: _Run, t: float, target: str, seq: int) -> float:
    """A pings ``target`` once, starting at ``t``; returns when it is over."""
    the_lan = run.the_lan
    a = the_lan.a
    hop, decision = _decision_note(the_lan, target)
    owner = the_lan.by_ip(hop.ip)
    cache = run.caches[a.name]
    mac = cache.resolve(hop.ip)
    if mac is not None:
        state = cache.get(hop.ip).state  # type: ignore[union-attr]
        notes = [Note("arp.cache.hit", {"host": a.name, "ip": hop.ip, "mac": mac, "state": state})]
        run.event(t, a.name, "arp_cache_hit", f"ARP cache hit: {hop.ip} is at {mac}", notes)
    else:
        cache.start(hop.ip)
        notes = [Note("arp.cache.miss", {"host": a.name, "ip": hop.ip}), decision]
        run.event(t, a.name, "arp_cache_miss", f"ARP cache miss: {hop.ip}", notes)
        mac, resolved_at = _resolve(run, t, hop.ip, owner)
        if mac is None:
            t_fail = resolved_at
            cache.fail(hop.ip)
            notes = [Note("arp.cache.failed", {"host": a.name, "ip": hop.ip})]
            run.event(t_fail, a.name, "arp_failed", f"ARP failed: {hop.ip}", notes)
            return t_fail
        t = resolved_at
    request = echo(a.mac, mac, a.ip, target, reply=False, seq=seq, ttl=LOCAL_TTL)
    if hop.kind == "direct":
        note = Note("arp.ip.send_direct", {"host": a.name, "target": target, "mac": mac})
    else:
        note = Note(
            "arp.ip.send_gateway",
            {"host": a.name, "target": target, "gateway": the_lan.gateway.ip, "mac": mac},
        )
    run.transmit(t, a.name, request, [note])
    t += 2 * HOP
    assert owner is not None
    replier = run.caches[owner.name]
    if hop.kind == "direct":
        back = replier.resolve(a.ip)
        assert back is not None, "the owner learned A from its request"
        reply = echo(owner.mac, back, target, a.ip, reply=True, seq=seq, ttl=LOCAL_TTL)
        note = Note("arp.ip.reply_no_arp", {"host": _subject(owner.name), "ip": a.ip, "mac": back})
    else:
        t += OUTSIDE_RTT
        back = replier.resolve(a.ip)
        assert back is not None, "the gateway learned A from its request"
        reply = echo(owner.mac, back, target, a.ip, reply=True, seq=seq, ttl=REMOTE_TTL)
        note = Note("arp.ip.reply_outside", {"target": target, "host": a.name})
    notes = [note]
    if seq == 1 and replier.get(a.ip).state == STALE:  # type: ignore[union-attr]
        notes.append(Note("arp.ip.stale", {"host": _subject(owner.name), "ip": a.ip}))
    run.transmit(t, owner.name, reply, notes)
    t += 2 * HOP
    run.steps[-1].notes.append(Note("arp.ip.done", {"host": a.name, "target": target}))
    return t


def _resolve(run: _Run, t: float, ip: str, owner: Host | None) -> tuple[str | None, float]:
    """A's requests for ``ip`` from ``t`` (up to MCAST_SOLICIT, one per RETRANS_TIME) and the
    owner's reply: the MAC found (None if nobody answered) and when the answer reached A."""
    a = run.the_lan.a
    for attempt in range(1, MCAST_SOLICIT + 1):
        start = t + (attempt - 1) * RETRANS_TIME
        if attempt == 1:
            notes = [Note("arp.request.send", {"host": a.name, "ip": ip})]
        else:
            params = {"host": a.name, "ip": ip, "attempt": attempt, "total": MCAST_SOLICIT}
            retry = [Note("arp.cache.retry", params)]
            run.event(start, a.name, "arp_retry", f"ARP retry {attempt}: {ip}", retry)
            notes = [Note("arp.request.resend", {"host": a.name, "ip": ip})]
        heard = run.transmit(start, a.name, arp_request(a, ip), notes)
        if owner is None or not heard.get(owner.name, Heard("ignored")).answer:
            if owner is None:
                run.steps[-1].notes.append(Note("arp.rx.nobody", {"ip": ip}))
            continue
        reply = arp_reply(owner, a.ip, a.mac)
        note = Note(
            "arp.reply.send",
            {"host": _subject(owner.name), "ip": owner.ip, "mac": owner.mac, "to_mac": a.mac},
        )
        run.transmit(start + 2 * HOP, owner.name, reply, [note])
        return owner.mac, _round(start + 4 * HOP)
    return None, t + MCAST_SOLICIT * RETRANS_TIME


def _announce(run: _Run, t: float) -> None:
    a = run.the_lan.a
    notes = [Note("arp.garp.send", {"host": a.name, "ip": a.ip})]
    run.transmit(t, a.name, arp_announcement(a), notes)
    run.steps[-1].notes.append(Note("arp.garp.no_reply", {"ip": a.ip}))


def _storm(run: _Run, target: str) -> dict[str, Any]:
    """A's request for ``target``'s next hop, in a loop of switches: one step per tick."""
    the_lan = run.the_lan
    a = the_lan.a
    topo = mesh([h.name for h in the_lan.hosts], the_lan.gateway.name)
    hop, decision = _decision_note(the_lan, target)
    run.switches = {name: Switch(name, topo.ports(name)) for name in topo.switches}
    run.caches[a.name].start(hop.ip)
    notes = [Note("arp.cache.miss", {"host": a.name, "ip": hop.ip}), decision]
    run.event(0.0, a.name, "arp_cache_miss", f"ARP cache miss: {hop.ip}", notes)
    frame = arp_request(a, hop.ip)
    ticks = storm(topo, a.name, a.mac)
    owner = the_lan.by_ip(hop.ip)
    heard_before: set[str] = set()
    flapped = False
    first_index = 0
    for tick in ticks:
        t = (tick.tick - 1) * HOP
        for name, rows in tick.tables.items():
            run.switches[name].table = {r["mac"]: r["port"] for r in rows}
        host_notes: list[Note] = []
        for name in sorted(tick.hosts, key=lambda n: [m.name for m in the_lan.members].index(n)):
            f = frame.fields
            result = run.caches[name].receive(f["op"], f["hwsrc"], f["psrc"], f["pdst"], False)
            if name in heard_before:
                continue
            heard_before.add(name)
            if result.action == "own":
                host_notes.append(Note("arp.storm.own_back", {"host": name}))
            elif owner is not None and name == owner.name:
                host_notes.append(Note("arp.storm.owner_hears", {"host": _subject(name)}))
        learn_notes = _learn_notes(tick)
        if not flapped and any(n.key == "arp.storm.flap" for n in learn_notes):
            flapped = True
            learn_notes.insert(0, Note("arp.storm.flapping"))
        count = {"tick": tick.tick, "copies": tick.copies, "trunk": tick.trunk, "edge": tick.edge}
        if tick.tick == 1:
            notes = [
                Note("arp.request.send", {"host": a.name, "ip": hop.ip}),
                Note("arp.storm.tick", count),
                *learn_notes,
            ]
            first_index = run.frame_step(t, a.name, [topo.attach[a.name]], frame, notes)
        elif tick.tick == 2:
            sender = tick.senders[0]
            notes = [Note("arp.storm.first_flood", {**count, "switch": _who(sender)})]
            notes += [*learn_notes, *host_notes]
            lanes = [n.name for n in run_nodes(the_lan, topo)]
            receivers = sorted(tick.receivers, key=lanes.index)
            run.frame_step(t, sender, receivers, frame, notes, first_index)
        else:
            notes = [Note("arp.storm.tick", count), *learn_notes, *host_notes]
            if tick.tick == 3:
                notes.append(Note("arp.storm.grow"))
            src = next(s for s in topo.switches if s in tick.senders)
            summary = f"Tick {tick.tick}: {tick.copies} copies"
            run.event(t, src, "arp_storm_tick", summary, notes)
    last = ticks[-1]
    blocked = len(topo.links) - (len(topo.switches) - 1)
    cap = {
        "tick": last.tick,
        "copies": last.copies,
        "max_ticks": STORM_MAX_TICKS,
        "max_copies": STORM_MAX_COPIES,
    }
    notes = [
        Note("arp.storm.cap", cap),
        Note("arp.storm.no_ttl"),
        Note("arp.storm.ring"),
        Note("arp.storm.stp", {"blocked": blocked, "links": len(topo.links)}),
    ]
    run.event((last.tick - 1) * HOP, topo.switches[0], "arp_storm_cap", "Storm capped", notes)
    return {
        "storm_counts": [t.copies for t in ticks],
        "storm_trunk_counts": [t.trunk for t in ticks],
        "storm_edge_counts": [t.edge for t in ticks],
        "storm_switches": list(topo.switches),
        "storm_links": [list(link) for link in topo.links],
        "storm_attach": dict(topo.attach),
        "storm_ports": {name: topo.ports(name) for name in topo.switches},
        "storm_cap": {"ticks": STORM_MAX_TICKS, "copies": STORM_MAX_COPIES},
    }


def _learn_notes(tick: Tick) -> list[Note]:
    notes = []
    for name in sorted(tick.learned):
        ports = tick.learned[name]
        who = _subject(name)
        before, now = tick.before[name], ports[-1]
        if len(set(ports)) > 1:
            shown = ", ".join(str(p) for p in dict.fromkeys(ports))
            notes.append(Note("arp.storm.flap", {"switch": who, "ports": shown, "port": now}))
        elif before is None:
            notes.append(Note("arp.storm.learn", {"switch": who, "port": now}))
        elif before != now:
            notes.append(Note("arp.storm.move", {"switch": who, "old": before, "port": now}))
    return notes


def run_nodes(the_lan: Lan, topo: Topology | None = None, device: str = "switch") -> list[Node]:
    """The lanes: A, the switch (or hub, or the loop's switches), B, C, ..., the gateway."""
    a, *others = the_lan.hosts
    nodes = [Node(a.name, "host", a.ip, a.mac)]
    if topo is not None:
        nodes += [Node(name, "switch") for name in topo.switches]
    else:
        nodes.append(Node(device, device))
    nodes += [Node(h.name, "host", h.ip, h.mac) for h in others]
    gw = the_lan.gateway
    nodes.append(Node(gw.name, "gateway", gw.ip, gw.mac))
    return nodes


def build(options: ArpOptions, frames: bool = True) -> Trace:
    """The scenario's Trace. With ``frames=False`` no scapy is imported and every
    ``Step.packet`` is None; everything else is the same."""
    the_lan = options.lan()
    target = options.target_ip()
    device = "hub" if options.hub else "switch"
    run = _Run(options, the_lan, device)
    hop, decision = _decision_note(the_lan, target)
    owner = the_lan.by_ip(hop.ip)
    net = the_lan.subnet
    header = [
        Note(
            "arp.header.lan",
            {"cidr": net.cidr, "mask": net.mask, "gateway": the_lan.gateway.ip, "mac": GATEWAY_MAC},
        ),
    ]
    params: dict[str, Any] = {
        "subnet": net.cidr,
        "network": net.network,
        "prefixlen": net.prefixlen,
        "mask": net.mask,
        "broadcast": net.broadcast,
        "gateway": the_lan.gateway.ip,
        "host_count": len(the_lan.hosts),
        "addresses": {h.name: h.ip for h in the_lan.members},
        "macs": {h.name: h.mac for h in the_lan.members},
        "target": target,
        "next_hop": hop.ip,
        "next_hop_kind": hop.kind,
        "owner": owner.name if owner is not None else None,
        "device": "loop" if options.loop else device,
        "again": options.again,
        "gratuitous": options.gratuitous,
    }
    topo = None
    if options.loop:
        topo = mesh([h.name for h in the_lan.hosts], the_lan.gateway.name)
        header.append(Note("arp.header.loop", {"count": len(topo.switches)}))
        for name in topo.switches:
            on = [h for h, s in topo.attach.items() if s == name and h != "gateway"]
            if on:
                hosts = ", ".join(on)
                header.append(
                    Note("arp.header.loop_switch", {"switch": _who(name), "hosts": hosts})
                )
        gw_switch = topo.attach[the_lan.gateway.name]
        header.append(Note("arp.header.loop_gateway", {"switch": _who(gw_switch)}))
        header.append(Note("arp.header.task_loop", {"target": target}))
        header.append(decision)
        params.update(_storm(run, target))
        title = Note("arp.title_loop")
        remember = [
            Note("arp.remember.flood"),
            Note("arp.remember.no_ttl"),
            Note("arp.remember.flapping"),
            Note("arp.remember.stp"),
        ]
    else:
        params["ports"] = dict(run.ports)
        key = "arp.header.hosts_hub" if options.hub else "arp.header.hosts_switch"
        header.append(Note(key, {"count": len(the_lan.hosts)}))
        header.append(Note("arp.header.task", {"target": target}))
        header.append(decision)
        header.append(Note("arp.header.states"))
        if options.hub:
            header.append(Note("arp.header.hub"))
        if options.gratuitous:
            header.append(Note("arp.header.gratuitous", {"old": OLD_MAC_A, "new": the_lan.a.mac}))
        t = 0.0
        if options.gratuitous:
            _announce(run, t)
            t = 1.0
        end = _ping(run, t, target, 1)
        if options.again:
            again_at = float(int(end) + 1)
            header.append(Note("arp.header.again", {"after": int(again_at - t)}))
            _ping(run, again_at, target, 2)
        title = Note("arp.title_hub" if options.hub else "arp.title", {"target": target})
        remember = [Note("arp.remember.broadcast_unicast"), Note("arp.remember.mask")]
        if owner is None:
            remember.append(Note("arp.remember.unanswered"))
        else:
            remember.append(Note("arp.remember.cache"))
        remember.append(Note("arp.remember.hub" if options.hub else "arp.remember.switch"))
        if options.gratuitous:
            remember.append(Note("arp.remember.gratuitous"))
        if options.again and owner is not None:
            remember.append(Note("arp.remember.again"))
    steps = run.steps
    if frames:
        from netlab.sim.packets import arp as packets

        built: dict[int, Any] = {}
        for step in steps:
            if step.index in run.frames:
                f = run.frames[step.index]
                built[step.index] = packets.frame(f.kind, f.eth_src, f.eth_dst, f.fields)
                step.packet = built[step.index]
            elif step.copy_of is not None:
                step.packet = built[step.copy_of]
    return Trace(
        scenario="arp",
        nodes=run_nodes(the_lan, topo, device),
        steps=steps,
        title=title,
        header=header,
        remember=remember,
        params=params,
    )
