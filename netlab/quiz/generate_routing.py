"""Generated questions about routing: the next hop a router picks by longest-prefix match, and
the cost of a shortest path found by Dijkstra's algorithm.

Owns the recipes ``route-next-hop`` and ``route-dijkstra`` (``RECIPES``, registered by
``netlab.quiz.generate``). ``route-next-hop`` draws a routing table of 4 to 7 overlapping
prefixes (sometimes with a default route) and a destination, and asks
``netlab.sim.routing_table.RoutingTable.lookup`` which entry wins; every entry has its own next
hop, so exactly one choice is right. ``route-dijkstra`` draws a small connected graph of
routers with link costs (as OSPF sees them, RFC 2328) and runs Dijkstra's algorithm here, over
plain data: the cost of the shortest path from one router to another, with the order in which
the routers are confirmed.

No printing, no files, no scapy; the same seed always gives the same question.
"""

from __future__ import annotations

import heapq
import random

from netlab.quiz.lan_terms import pick_others, tidy
from netlab.quiz.recipe import Draft, Params, Recipe, t
from netlab.sim.addressing import format_ipv4, mask_bits
from netlab.sim.routing_table import STATIC, Route, RoutingTable, name_key

#: Prefix lengths a table entry may have; the byte boundaries come up more often.
LENGTHS = (8, 8, 16, 16, 24, 24, 12, 14, 18, 20, 22, 26, 28)


# -- next hop by longest-prefix match --------------------------------------------------------------


def _network(address: int, prefixlen: int) -> int:
    return address & mask_bits(prefixlen)


def _draw_next_hop(rng: random.Random) -> Params:
    dst = (10 << 24) | rng.getrandbits(24)
    if dst & 0xFF in (0, 0xFF):
        dst ^= 0x01
    count = rng.randint(4, 7)
    default = rng.random() < 0.4
    matching = rng.randint(2, min(3, count - 1 - default))
    if default and rng.random() < 0.2:
        matching = 0  # only the default route matches
    prefixes: list[str] = ["0.0.0.0/0"] if default else []
    lengths = sorted(rng.sample(sorted(set(LENGTHS)), matching))
    for length in lengths:
        prefixes.append(f"{format_ipv4(_network(dst, length))}/{length}")
    while len(prefixes) < count:
        # a neighbour of the destination's network: one bit of the prefix flipped (often the
        # last), so it looks close but does not contain the destination
        length = rng.choice(LENGTHS[2:])
        bit = 32 - length if rng.random() < 0.6 else rng.randint(32 - length, 23)
        prefix = f"{format_ipv4(_network(dst, length) ^ (1 << bit))}/{length}"
        if prefix not in prefixes:
            prefixes.append(prefix)
    rng.shuffle(prefixes)
    # each entry its own next hop, on its own interface
    ports = rng.sample(range(1, 8), len(prefixes))
    return {
        "dst": format_ipv4(dst),
        "entries": [
            (prefix, f"172.16.{port}.1", f"eth{port}")
            for prefix, port in zip(prefixes, ports, strict=True)
        ],
        "mix": rng.getrandbits(32),
    }


def _entry_text(route: Route) -> str:
    return f"{route.prefix} via {route.next_hop} dev {route.iface}"


def _ask_next_hop(p: Params) -> Draft:
    dst = p["dst"]
    table = RoutingTable(tuple(Route(pr, hop, iface, 0, STATIC) for pr, hop, iface in p["entries"]))
    best, candidates = table.lookup(dst)
    assert best is not None and best.next_hop is not None
    entries = [_entry_text(r) for r in table.routes]
    lines = []
    for c in candidates:
        mark = "=" if c.matches else "≠"
        lines.append(f"{dst} AND {c.route.mask} = {c.anded} {mark} {c.route.prefix.split('/')[0]}")
    matched = [c.route for c in candidates if c.matches]
    lens = [f"/{r.prefixlen}" for r in sorted(matched, key=lambda r: r.prefixlen)]
    mix = random.Random(p["mix"])
    hops = [r.next_hop for r in table.routes]
    order = pick_others(mix, best.next_hop, hops, 3)
    by_hop = {r.next_hop: r for r in table.routes}
    choices = tuple(
        t(f"{hop} (out of {by_hop[hop].iface})", f"{hop}（从 {by_hop[hop].iface} 发出）")
        for hop in order
    )
    default = any(r.prefixlen == 0 for r in matched)
    note = (
        t(
            " The default route 0.0.0.0/0 matches every address, which is why it only wins "
            "when nothing else does.",
            "默认路由 0.0.0.0/0 与任何地址都匹配，所以只有在别的表项都不匹配时它才会胜出。",
        )
        if default
        else t("", "")
    )
    return Draft(
        kind="single",
        prompt=t(
            f"A router's table holds these routes (as ip route prints them): "
            f"{'; '.join(entries)}. A packet arrives for {dst}. "
            "To which next hop does the router forward it?",
            f"一台路由器的路由表中有这些路由（按 ip route 的格式列出）：{'；'.join(entries)}。"
            f"一个发往 {dst} 的分组到达。路由器把它转发给哪个下一跳？",
        ),
        explanation=t(
            f"For each entry, AND the destination with the entry's mask and compare with the "
            f"entry's network: {'; '.join(lines)}. The entries that match have the prefixes "
            f"{', '.join(lens)}; the longest match is the most specific route and wins (RFC 1812 "
            f"5.2.4.3): {best.prefix}, so the packet goes to {best.next_hop} out of "
            f"{best.iface}.{note['en']}",
            f"对每个表项，把目的地址与该表项的掩码做 AND，再与表项的网络地址比较："
            f"{'；'.join(lines)}。匹配的表项前缀长度为 {'、'.join(lens)}；最长的匹配最具体，胜出"
            f"（RFC 1812 5.2.4.3）：{best.prefix}，所以分组从 {best.iface} 发给 "
            f"{best.next_hop}。{note['zh']}",
        ),
        see="netlab notes routing",
        answer=order.index(best.next_hop),
        choices=choices,
    )


# -- shortest path by Dijkstra ---------------------------------------------------------------------


def _draw_dijkstra(rng: random.Random) -> Params:
    n = rng.randint(4, 6)
    names = [f"R{i}" for i in range(1, n + 1)]
    order = names[:]
    rng.shuffle(order)
    links: dict[tuple[str, str], int] = {}

    def key(a: str, b: str) -> tuple[str, str]:
        return (a, b) if name_key(a) < name_key(b) else (b, a)

    # a random spanning tree (connected), then a few extra links
    for i in range(1, n):
        links[key(order[i], rng.choice(order[:i]))] = rng.randint(1, 10)
    for _ in range(rng.randint(1, n)):
        a, b = rng.sample(names, 2)
        links.setdefault(key(a, b), rng.randint(1, 10))
    src, dst = rng.sample(names, 2)
    return {
        "links": sorted(
            ([a, b, c] for (a, b), c in links.items()),
            key=lambda x: (name_key(x[0]), name_key(x[1])),
        ),
        "src": src,
        "dst": dst,
    }


def dijkstra(links: list[list], src: str) -> tuple[dict[str, int], list[str]]:
    """Shortest-path cost from ``src`` to every router, and the order in which Dijkstra's
    algorithm confirms them (ties broken by router name)."""
    graph: dict[str, list[tuple[str, int]]] = {}
    for a, b, cost in links:
        graph.setdefault(a, []).append((b, cost))
        graph.setdefault(b, []).append((a, cost))
    dist: dict[str, int] = {}
    confirmed: list[str] = []
    tentative = [(0, name_key(src), src)]
    while tentative:
        cost, _, node = heapq.heappop(tentative)
        if node in dist:
            continue
        dist[node] = cost
        confirmed.append(node)
        for other, weight in graph.get(node, []):
            if other not in dist:
                heapq.heappush(tentative, (cost + weight, name_key(other), other))
    return dist, confirmed


def _ask_dijkstra(p: Params) -> Draft:
    src, dst, links = p["src"], p["dst"], p["links"]
    dist, confirmed = dijkstra(links, src)
    listing = [f"{a}–{b} {c}" for a, b, c in links]
    steps = [f"{r} ({dist[r]})" for r in confirmed[: confirmed.index(dst) + 1]]
    return Draft(
        kind="fill",
        prompt=t(
            f"Routers are joined by links with these OSPF costs: {', '.join(listing)}. "
            f"What is the cost of the shortest path from {src} to {dst}?",
            f"若干路由器之间的链路及其 OSPF 开销如下：{'、'.join(listing)}。"
            f"从 {src} 到 {dst} 的最短路径开销是多少？",
        ),
        explanation=t(
            f"Dijkstra's algorithm from {src} confirms, each time, the tentative router with the "
            f"lowest cost, then updates its neighbours' costs through it. The routers are "
            f"confirmed in this order (with their costs): {', '.join(steps)}. "
            f"So the shortest path to {dst} costs {dist[dst]}; "
            "a path with fewer links may cost more.",
            f"从 {src} 出发的 Dijkstra 算法每次从候选集合中确认开销最小的路由器，再经由它更新"
            f"其邻居的开销。各路由器依次被确认（括号内为开销）：{'、'.join(steps)}。"
            f"所以到 {dst} 的最短路径开销是 {dist[dst]}；经过链路更少的路径，开销未必更小。",
        ),
        see="netlab notes routing",
        answer=dist[dst],
    )


RECIPES: tuple[Recipe, ...] = (
    Recipe("route-next-hop", "routing", _draw_next_hop, tidy(_ask_next_hop)),
    Recipe("route-dijkstra", "routing", _draw_dijkstra, tidy(_ask_dijkstra)),
)
