"""The ARP scenario's LAN: who is on it, what crosses it, and what a frame does on its way.

Owns the layout (the gateway at the subnet's first host address, hosts A, B, ... from the
tenth, their MACs: ``Lan``, ``Host``) and the checks of ``netlab simulate arp``'s options that
the layout decides (a subnet with room for the gateway and the hosts and none of the addresses
no LAN host can have, a target a ping can go to: ``LanProblem`` names the rule a value breaks;
the CLI turns it into ``errors.allowed.arp_<code>``); the frames as plain records (``Frame``:
ARP requests, replies, announcements and probes, ICMP echoes); and ``LanRun``, the LAN while a
story runs: the hosts' ARP caches (``netlab.sim.neighbour``), the switch or hub
(``netlab.sim.switching``), each frame's crossing and every receiver's reaction, recorded as
steps. ``netlab.sim.arp`` tells the stories. Pure: no print, no scapy, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from netlab.sim import addressing
from netlab.sim.neighbour import ArpCache, Heard
from netlab.sim.switching import Hub, Switch, is_group
from netlab.sim.trace import Note, Step

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"
HOP = 0.001  # seconds for a frame to cross one link (a round figure, easy to read)
PING_ID = 0x0001

GATEWAY_MAC = "02:00:00:00:00:fe"
GATEWAY_OFFSET = 1  # the gateway is the subnet's first host address (.1 in a /24)
HOST_OFFSET = 10  # A is the subnet's tenth address after the network (.10), B the next, ...
MIN_HOSTS, MAX_HOSTS, DEFAULT_HOSTS = 2, 6, 3
HOST_NAMES = "ABCDEF"
DEFAULT_SUBNET = "192.168.1.0/24"

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
            count=net.host_count,
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
        """The frame as Wireshark's Info column says it (tshark 4.0); an echo reply gets its
        "(request in N)" from ``Run.link_echo_replies``, which knows the frame numbers."""
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


def arp_probe(sender: Host, ip: str, mac: str) -> Frame:
    """A unicast ARP request, as Linux sends one to check a cached entry (PROBE): to the MAC it
    has for ``ip``, the target MAC left zero (``arp_solicit``)."""
    fields = {"op": 1, "hwsrc": sender.mac, "psrc": sender.ip, "hwdst": ZERO_MAC, "pdst": ip}
    return Frame("arp", sender.mac, mac, fields)


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


def who(name: str) -> str | Note:
    """A node's name inside a sentence: hosts are letters, devices are translated."""
    return name if len(name) == 1 else Note(f"node.{name}")


def subject(name: str) -> str | Note:
    """A node's name at the start of a sentence ("The gateway", "Switch 2")."""
    return name if len(name) == 1 else Note(f"arp.subject.{name}")


def on_clock(t: float) -> float:
    """A time as the steps keep it: microseconds (no float dust)."""
    return round(t, 6)


@dataclass
class LanRun:
    """The LAN while a story runs on it: every host's ARP cache, the switch or hub, and the
    steps recorded so far. ``transmit`` puts a frame on a cable and records what each
    receiver does with it; the stories (``netlab.sim.arp``) decide who sends what, and when."""

    the_lan: Lan
    device_name: str
    steps: list[Step] = field(default_factory=list)
    frames: dict[int, Frame] = field(default_factory=dict)
    ports: dict[str, int] = field(init=False)
    device: Switch | Hub = field(init=False)
    caches: dict[str, ArpCache] = field(init=False)
    delayed: list[tuple[str, str, float]] = field(default_factory=list)  # (host, ip, since)
    switches: dict[str, Switch] = field(init=False)  # the loop's switches (--loop only)

    def __post_init__(self) -> None:
        ports = {h.name: i for i, h in enumerate(self.the_lan.members, start=1)}
        self.ports = ports
        self.device = Hub("hub", ports) if self.device_name == "hub" else Switch("switch", ports)
        self.caches = {h.name: ArpCache(h.ip) for h in self.the_lan.members}
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
                time=on_clock(t),
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
                time=on_clock(t),
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

    def link_echo_replies(self) -> None:
        """Add Wireshark's "(request in N)" to each echo reply's Info: N is the number, in the
        capture, of the request it answers (same addresses reversed, same identifier and
        sequence number), as the ICMP dissector tracks them. The capture holds each frame once
        (``views.pcap``: a copy forwarded by the switch is not captured again)."""
        number = 0
        requests: dict[tuple[Any, ...], int] = {}
        for step in self.steps:
            frame = self.frames.get(step.index) if step.copy_of is None else None
            if frame is None:
                continue
            number += 1
            if frame.kind != "icmp":
                continue
            f = frame.fields
            if f["type"] == 8:
                requests.setdefault((f["ip_src"], f["ip_dst"], f["id"], f["seq"]), number)
            elif f["type"] == 0:
                asked = requests.get((f["ip_dst"], f["ip_src"], f["id"], f["seq"]))
                if asked is not None and "(request in" not in step.summary:
                    step.summary = f"{step.summary} (request in {asked})"
        by_index = {step.index: step for step in self.steps}
        for step in self.steps:  # a forwarded copy reads as the frame it copies
            if step.copy_of is not None:
                step.summary = by_index[step.copy_of].summary

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
        who = subject(name)
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
        if result.action == "confirmed":
            return [Note("arp.rx.confirmed", {**sender, "mac": f["hwsrc"]})]
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
