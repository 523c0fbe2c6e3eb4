"""Scenario ``arp``: how a host finds the MAC address behind an IPv4 address on its LAN.

Owns ``ArpOptions`` and ``build``: the story of who asks, who answers and who learns what, and
when: a ping's ARP request and reply, the unconfirmed (STALE) entry that the owner of the
address uses at once and then checks (DELAY, PROBE: a unicast request 5 s later), a gratuitous
ARP announced twice (RFC 5227), a request that nobody answers, a broadcast storm. The frames as
plain records (``Frame``) are made here too. The LAN's layout and the option checks are in
``netlab.sim.lan``, the ARP cache and its states in ``netlab.sim.neighbour``, the switch, the
hub and the storm's arithmetic in ``netlab.sim.switching``; their names used by others are
importable from here as before.

Pure: the scapy packets are made from the records by ``netlab.sim.packets.arp``, and only when
``build(..., frames=True)``. No printing, no sockets, no clock: every time is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netlab.sim import addressing
from netlab.sim.addressing import DEFAULT_TTL, ttl_after
from netlab.sim.lan import (
    BROADCAST_MAC,
    DEFAULT_HOSTS,
    DEFAULT_SUBNET,
    GATEWAY_MAC,
    HOP,
    HOST_OFFSET,
    MAX_HOSTS,
    MIN_HOSTS,
    ZERO_MAC,
    Frame,
    Host,
    Lan,
    LanProblem,
    LanRun,
    arp_announcement,
    arp_probe,
    arp_reply,
    arp_request,
    check_hosts,
    check_target,
    echo,
    lan,
    longest_prefix,
    on_clock,
    parse_subnet,
    subject,
    who,
)
from netlab.sim.neighbour import (
    DELAY,
    DELAY_FIRST_PROBE,
    FAILED,
    INCOMPLETE,
    MCAST_SOLICIT,
    PROBE,
    REACHABLE,
    RETRANS_TIME,
    STALE,
    UCAST_SOLICIT,
    ArpCache,
    Entry,
    Heard,
)
from netlab.sim.switching import (
    STORM_MAX_COPIES,
    STORM_MAX_TICKS,
    Switch,
    Tick,
    Topology,
    mesh,
    storm,
)
from netlab.sim.trace import Node, Note, Trace

__all__ = [  # the scenario's own names, and those of its parts that others import from here
    "BROADCAST_MAC",
    "DELAY",
    "FAILED",
    "GATEWAY_MAC",
    "HOST_OFFSET",
    "INCOMPLETE",
    "MAX_HOSTS",
    "MIN_HOSTS",
    "PROBE",
    "REACHABLE",
    "STALE",
    "ZERO_MAC",
    "ArpCache",
    "ArpOptions",
    "Entry",
    "Frame",
    "Host",
    "Lan",
    "LanProblem",
    "arp_reply",
    "arp_request",
    "build",
    "check_hosts",
    "check_target",
    "lan",
    "longest_prefix",
    "parse_subnet",
]

OLD_MAC_A = "02:00:00:00:00:a1"  # A's MAC before its network card was replaced (--gratuitous)

OUTSIDE_RTT = 0.020  # from the gateway to an off-subnet destination and back
LOCAL_TTL = DEFAULT_TTL  # Linux's default TTL
OUTSIDE_ROUTERS = 8  # routers between the gateway and an off-subnet target
REMOTE_TTL = ttl_after(OUTSIDE_ROUTERS)  # 56: a reply from beyond the gateway
ANNOUNCE_NUM = 2  # RFC 5227 section 1.1: ARP Announcements a host sends for its address
ANNOUNCE_INTERVAL = 2.0  # RFC 5227 section 1.1: seconds between them


#: Options that make no sense together: (first, second) as the CLI spells them.
COMBOS = (("--loop", "--hub"), ("--loop", "--again"), ("--loop", "--gratuitous"))


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


def _ping(run: LanRun, t: float, target: str, seq: int) -> float:
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
        note = Note("arp.ip.reply_no_arp", {"host": subject(owner.name), "ip": a.ip, "mac": back})
    else:
        t += OUTSIDE_RTT
        back = replier.resolve(a.ip)
        assert back is not None, "the gateway learned A from its request"
        reply = echo(owner.mac, back, target, a.ip, reply=True, seq=seq, ttl=REMOTE_TTL)
        note = Note("arp.ip.reply_outside", {"target": target, "host": a.name})
    notes = [note]
    if replier.use(a.ip):  # the reply goes out through an unconfirmed entry: STALE -> DELAY
        run.delayed.append((owner.name, a.ip, on_clock(t)))
        params = {"host": subject(owner.name), "ip": a.ip, "delay": f"{DELAY_FIRST_PROBE:g}"}
        notes.append(Note("arp.ip.stale", params))
    run.transmit(t, owner.name, reply, notes)
    t += 2 * HOP
    run.steps[-1].notes.append(Note("arp.ip.done", {"host": a.name, "target": target}))
    return t


def _resolve(run: LanRun, t: float, ip: str, owner: Host | None) -> tuple[str | None, float]:
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
            {"host": subject(owner.name), "ip": owner.ip, "mac": owner.mac, "to_mac": a.mac},
        )
        run.transmit(start + 2 * HOP, owner.name, reply, [note])
        return owner.mac, on_clock(start + 4 * HOP)
    return None, t + MCAST_SOLICIT * RETRANS_TIME


def _announce(run: LanRun, t: float) -> float:
    """A announces its address ANNOUNCE_NUM times, ANNOUNCE_INTERVAL seconds apart (RFC 5227
    section 2.3); returns when the last announcement went out."""
    a = run.the_lan.a
    params = {"host": a.name, "ip": a.ip, "count": ANNOUNCE_NUM}
    params["interval"] = f"{ANNOUNCE_INTERVAL:g}"
    for n in range(ANNOUNCE_NUM):
        key = "arp.garp.send" if n == 0 else "arp.garp.again"
        run.transmit(t + n * ANNOUNCE_INTERVAL, a.name, arp_announcement(a), [Note(key, params)])
        if n == 0:
            run.steps[-1].notes.append(Note("arp.garp.no_reply", {"ip": a.ip}))
    return t + (ANNOUNCE_NUM - 1) * ANNOUNCE_INTERVAL


def _probe(run: LanRun, name: str, ip: str, since: float) -> None:
    """``name``'s entry for ``ip`` went to DELAY at ``since`` and nothing confirmed it: after
    DELAY_FIRST_PROBE seconds it is PROBE, and ``name`` asks the cached MAC by unicast; the
    owner answers, and the entry is REACHABLE again."""
    the_lan = run.the_lan
    host, owner = the_lan.by_name(name), the_lan.by_ip(ip)
    cache = run.caches[name]
    entry = cache.get(ip)
    assert owner is not None and entry is not None and entry.mac is not None
    t = on_clock(since + DELAY_FIRST_PROBE)
    cache.probe(ip)
    params = {
        "host": subject(name),
        "ip": ip,
        "mac": entry.mac,
        "delay": f"{DELAY_FIRST_PROBE:g}",
        "probes": UCAST_SOLICIT,
    }
    run.event(t, name, "arp_probe", f"ARP probe: {ip}", [Note("arp.cache.probe", params)])
    run.transmit(t, name, arp_probe(host, ip, entry.mac), [Note("arp.probe.send", params)])
    answer = {"host": subject(owner.name), "ip": ip}
    reply = arp_reply(owner, host.ip, host.mac)
    run.transmit(t + 2 * HOP, owner.name, reply, [Note("arp.probe.reply", answer)])


def _storm(run: LanRun, target: str) -> dict[str, Any]:
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
                host_notes.append(Note("arp.storm.owner_hears", {"host": subject(name)}))
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
            notes = [Note("arp.storm.first_flood", {**count, "switch": who(sender)})]
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
        who = subject(name)
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
    run = LanRun(the_lan, device)
    if options.gratuitous:  # the gateway remembers A's old card
        a = the_lan.a
        run.caches["gateway"] = ArpCache(the_lan.gateway.ip, [Entry(a.ip, OLD_MAC_A, STALE)])
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
        "announcements": ANNOUNCE_NUM if options.gratuitous else 0,
    }
    topo = None
    if options.loop:
        topo = mesh([h.name for h in the_lan.hosts], the_lan.gateway.name)
        header.append(Note("arp.header.loop", {"count": len(topo.switches)}))
        for name in topo.switches:
            on = [h for h, s in topo.attach.items() if s == name and h != "gateway"]
            if on:
                hosts = ", ".join(on)
                header.append(Note("arp.header.loop_switch", {"switch": who(name), "hosts": hosts}))
        gw_switch = topo.attach[the_lan.gateway.name]
        header.append(Note("arp.header.loop_gateway", {"switch": who(gw_switch)}))
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
            t = _announce(run, t) + 1.0
        end = _ping(run, t, target, 1)
        if options.again:
            again_at = float(int(end) + 1)
            header.append(Note("arp.header.again", {"after": int(again_at - t)}))
            _ping(run, again_at, target, 2)
        for name, ip, since in list(run.delayed):  # what was used unconfirmed is checked
            assert since + DELAY_FIRST_PROBE > run.steps[-1].time, "the probe comes last"
            _probe(run, name, ip, since)
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
        if run.delayed:
            remember.append(Note("arp.remember.stale"))
        if len(remember) > 6:  # the box keeps to six: the second ping's lesson goes first
            remember.remove(Note("arp.remember.again"))
    run.link_echo_replies()
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
