"""Questions computed by the simulations: new numbers for every seed, answers never typed in.

Owns the question generators of ``netlab quiz``. Each one draws its parameters from a seeded
``random.Random`` (an ISN, some messages, a stack, a close variant, an address and a prefix...),
runs what knows the answer (``netlab.sim.handshake``, ``close`` and ``connection`` without
frames, ``netlab.sim.layers``, ``netlab.sim.addressing``, the frames of a ``connection`` run for
the frame-size question), reads the answer from its output and words the question in English
and Chinese, with a ``see`` command that shows the same case. The same generator and seed
always give the same question.

A TCP question says which stack both hosts run (``netlab.sim.stack``): netlab's default Linux
stack (options, Nagle's algorithm, delayed ACKs), the same with TCP_NODELAY, or the minimal
textbook stack; its ``see`` command adds ``--nodelay`` or ``--stack minimal`` to match, and
states every other assumption the answer depends on (the timing of the applications, the
options a header carries).

This module holds the catalogue and the addressing questions; the others live next to it and
are registered here: ``netlab.quiz.generate_tcp`` (handshake, data, header and frame sizes),
``netlab.quiz.generate_close`` (the close variants) with the words both share in
``netlab.quiz.tcp_terms``, and the LAN questions: ``netlab.quiz.generate_layers`` (PDU names,
header bytes), ``generate_dhcp``, ``generate_dns`` and ``generate_nat``, with the words they
share in ``netlab.quiz.lan_terms``, and ``generate_routing`` (longest-prefix match,
Dijkstra, one RIP Response). ``netlab.quiz.recipe`` holds the pieces every generator
module uses (``Recipe``, ``Draft``, ``t``). A question's id is ``gen-`` and its recipe's id:
progress in the learners' quiz stores refers to it, so a recipe keeps its id wherever it lives.

Only the frame-size generator needs scapy (it measures real frames), and it imports it only
when it runs: importing this module, or making any other question, must not import scapy (a
quiz starts fast). No printing, no files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from netlab.quiz import (
    generate_close,
    generate_dhcp,
    generate_dns,
    generate_layers,
    generate_nat,
    generate_routing,
    generate_tcp,
)
from netlab.quiz.model import Question
from netlab.quiz.recipe import Draft as _Draft
from netlab.quiz.recipe import Params, Text
from netlab.quiz.recipe import Recipe as _Recipe
from netlab.quiz.recipe import t as _t
from netlab.sim import addressing


@dataclass(frozen=True)
class Generator:
    """One kind of generated question: ``build`` makes a question from a seeded rng."""

    id: str
    topic: str
    build: Callable[[random.Random], Question]
    needs_scapy: bool


REMOTE_HOSTS = (
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "203.0.113.10",
    "198.51.100.7",
    "151.101.1.69",
    "140.82.112.3",
)

PRIVATE_BLOCKS = ((0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16))


# -- addressing ------------------------------------------------------------------------------------


def _private_host(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    """A host address (neither network nor broadcast) in a random RFC 1918 subnet whose prefix
    length is from ``low`` to ``high`` (and no shorter than its private block)."""
    base, block = rng.choice(PRIVATE_BLOCKS)
    shortest = max(block, low)
    aligned = [p for p in (8, 16, 24) if shortest <= p <= high]
    if aligned and rng.random() < 0.3:
        prefixlen = rng.choice(aligned)
    else:
        prefixlen = rng.randint(shortest, high)
    host_bits = (1 << (32 - prefixlen)) - 1
    while True:
        address = base | rng.getrandbits(32 - block)
        if address & host_bits not in (0, host_bits):
            return address, prefixlen


def _draw_prefix(rng: random.Random) -> Params:
    address, prefixlen = _private_host(rng, 8, 30)
    return {"ip": addressing.format_ipv4(address), "prefixlen": prefixlen}


def _ask_network(p: Params) -> _Draft:
    ip, prefixlen = p["ip"], p["prefixlen"]
    net = addressing.subnet(ip, prefixlen)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"A host has the address {ip}/{prefixlen}. What is the network address of its subnet?",
            f"一台主机的地址是 {ip}/{prefixlen}。它所在子网的网络地址是什么？",
        ),
        explanation=_t(
            f"/{prefixlen} means the mask {net.mask}: keep the first {prefixlen} bits of {ip} and "
            f"set the other {32 - prefixlen} to 0 ({ip} AND {net.mask}) = {net.network}.",
            f"/{prefixlen} 即子网掩码 {net.mask}：保留 {ip} 的前 {prefixlen} 位，其余 "
            f"{32 - prefixlen} 位清零（{ip} AND {net.mask}）= {net.network}。",
        ),
        see="netlab notes ip-subnet",
        answer=(net.network, net.cidr),
    )


def _ask_broadcast(p: Params) -> _Draft:
    ip, prefixlen = p["ip"], p["prefixlen"]
    net = addressing.subnet(ip, prefixlen)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"A host has the address {ip}/{prefixlen}. What is the broadcast address of its "
            "subnet?",
            f"一台主机的地址是 {ip}/{prefixlen}。它所在子网的广播地址是什么？",
        ),
        explanation=_t(
            f"Keep the first {prefixlen} bits (the network {net.network}) and set the other "
            f"{32 - prefixlen} host bits to 1: {net.broadcast}. The hosts are "
            f"{net.first_host} to {net.last_host}.",
            f"保留前 {prefixlen} 位（网络地址 {net.network}），把其余 {32 - prefixlen} 个主机位"
            f"全部置 1：{net.broadcast}。可用主机地址从 {net.first_host} 到 {net.last_host}。",
        ),
        see="netlab notes ip-subnet",
        answer=(net.broadcast,),
    )


def _ask_hosts(p: Params) -> _Draft:
    ip, prefixlen = p["ip"], p["prefixlen"]
    net = addressing.subnet(ip, prefixlen)
    size = 2 ** (32 - prefixlen)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"How many addresses of the subnet of {ip}/{prefixlen} can be given to hosts?",
            f"{ip}/{prefixlen} 所在的子网中，有多少个地址可以分配给主机？",
        ),
        explanation=_t(
            f"{32 - prefixlen} host bits give 2^{32 - prefixlen} = {size} addresses; the first "
            f"({net.network}) names the network and the last ({net.broadcast}) is the broadcast, "
            f"so {size} - 2 = {net.host_count} are left for hosts.",
            f"{32 - prefixlen} 个主机位共有 2^{32 - prefixlen} = {size} 个地址；第一个"
            f"（{net.network}）是网络地址，最后一个（{net.broadcast}）是广播地址，"
            f"所以剩下 {size} - 2 = {net.host_count} 个可分配给主机。",
        ),
        see="netlab notes ip-subnet",
        answer=net.host_count,
    )


def _draw_arp(rng: random.Random) -> Params:
    src, prefixlen = _private_host(rng, 16, 29)
    mask = addressing.mask_bits(prefixlen)
    network = src & mask
    host_bits = ~mask & addressing.ALL_ONES
    gateway = network + 1 if rng.random() < 0.7 else network + host_bits - 1
    if gateway == src:
        src = network + 2 if gateway == network + 1 else network + host_bits - 2

    def random_host(net: int) -> int:
        while True:
            host = rng.randint(1, host_bits - 1)
            if net | host not in (src, gateway):
                return net | host

    roll = rng.random()
    if roll < 0.5:
        dst = addressing.format_ipv4(random_host(network))
    elif roll < 0.75:
        # the neighbouring subnet: the same first octets, one network bit different
        dst = addressing.format_ipv4(random_host(network ^ (1 << (32 - prefixlen))))
    else:
        dst = rng.choice(REMOTE_HOSTS)
    return {
        "src": addressing.format_ipv4(src),
        "prefixlen": prefixlen,
        "gateway": addressing.format_ipv4(gateway),
        "dst": dst,
    }


def _ask_arp(p: Params) -> _Draft:
    src, prefixlen, gateway, dst = p["src"], p["prefixlen"], p["gateway"], p["dst"]
    hop = addressing.next_hop(src, prefixlen, dst, gateway)
    net = addressing.subnet(src, prefixlen)
    options: list[tuple[str | None, Text]] = [
        (dst, _t(f"The destination itself, {dst}", f"目的主机 {dst} 本身")),
        (gateway, _t(f"The default gateway, {gateway}", f"默认网关 {gateway}")),
        (
            None,
            _t(
                "Nobody: the frame goes to the broadcast MAC ff:ff:ff:ff:ff:ff",
                "谁也不问：帧直接发往广播 MAC 地址 ff:ff:ff:ff:ff:ff",
            ),
        ),
        (
            src,
            _t(
                f"Its own address, {src} (a gratuitous ARP)",
                f"它自己的地址 {src}（免费 ARP）",
            ),
        ),
    ]
    answer = next(i for i, (ip, _) in enumerate(options) if ip == hop.ip)
    if hop.kind == "direct":
        why = _t(
            f"{dst} is inside {net.cidr} (hosts {net.first_host} to {net.last_host}), the "
            f"host's own subnet, so the frame goes straight to it: the host ARPs for {dst}.",
            f"{dst} 位于主机自己的子网 {net.cidr}（主机地址 {net.first_host} 到 "
            f"{net.last_host}）之内，帧直接发给它：主机用 ARP 询问 {dst} 的 MAC 地址。",
        )
    else:
        why = _t(
            f"{dst} is outside {net.cidr} (hosts {net.first_host} to {net.last_host}), so the "
            f"frame goes to the default gateway: the host ARPs for {gateway}. The IP header "
            f"still says {dst}; only the MAC address is the gateway's.",
            f"{dst} 不在 {net.cidr}（主机地址 {net.first_host} 到 {net.last_host}）之内，"
            f"帧要交给默认网关：主机用 ARP 询问 {gateway} 的 MAC 地址。IP 首部里的目的地址"
            f"仍是 {dst}，只有 MAC 地址换成了网关的。",
        )
    return _Draft(
        kind="single",
        prompt=_t(
            f"A host with the address {src}/{prefixlen} (mask {net.mask}) and default gateway "
            f"{gateway} sends an IP packet to {dst}. Its ARP cache is empty. Which IP address "
            "does its ARP request ask about?",
            f"一台主机的地址是 {src}/{prefixlen}（掩码 {net.mask}），默认网关是 {gateway}，"
            f"它要向 {dst} 发送一个 IP 分组，ARP 缓存为空。它发出的 ARP 请求询问的是哪个 IP 地址？",
        ),
        explanation=why,
        see="netlab notes arp",
        answer=answer,
        choices=tuple(text for _, text in options),
    )


# -- the catalogue ---------------------------------------------------------------------------------

_RECIPES: dict[str, _Recipe] = {
    r.id: r
    for r in (
        *generate_tcp.RECIPES,
        *generate_close.RECIPES,
        _Recipe("arp-next-hop", "arp", _draw_arp, _ask_arp),
        _Recipe("subnet-network", "ip-subnet", _draw_prefix, _ask_network),
        _Recipe("subnet-broadcast", "ip-subnet", _draw_prefix, _ask_broadcast),
        _Recipe("subnet-hosts", "ip-subnet", _draw_prefix, _ask_hosts),
        generate_tcp.FRAME,
        *generate_layers.RECIPES,
        *generate_dhcp.RECIPES,
        *generate_dns.RECIPES,
        *generate_nat.RECIPES,
        *generate_routing.RECIPES,
    )
}


def _finish(recipe: _Recipe, draft: _Draft) -> Question:
    return Question(
        id=f"gen-{recipe.id}",
        topic=recipe.topic,
        kind=draft.kind,
        prompt=draft.prompt,
        explanation=draft.explanation,
        see=draft.see,
        answer=draft.answer,
        choices=draft.choices,
        generator=recipe.id,
    )


def _builder(recipe: _Recipe) -> Callable[[random.Random], Question]:
    def build(rng: random.Random) -> Question:
        return _finish(recipe, recipe.ask(recipe.draw(rng)))

    return build


GENERATORS: dict[str, Generator] = {
    r.id: Generator(r.id, r.topic, _builder(r), r.needs_scapy) for r in _RECIPES.values()
}


def _recipe(generator_id: str) -> _Recipe:
    try:
        return _RECIPES[generator_id]
    except KeyError:
        known = ", ".join(_RECIPES)
        raise KeyError(f"no question generator {generator_id!r} (known: {known})") from None


def available() -> list[tuple[str, str]]:
    """Every generator as (id, topic), in a fixed order."""
    return [(g.id, g.topic) for g in GENERATORS.values()]


def make(generator_id: str, seed: int) -> Question:
    """The question ``generator_id`` makes for ``seed``: the same seed, the same question.
    Raises ``KeyError`` for an unknown generator."""
    _recipe(generator_id)
    return GENERATORS[generator_id].build(random.Random(seed))


def parameters(generator_id: str, seed: int) -> Params:
    """The parameters ``make(generator_id, seed)`` draws (the ISN, the addresses...), without
    running any simulation: for tests that check the answer another way."""
    return _recipe(generator_id).draw(random.Random(seed))
