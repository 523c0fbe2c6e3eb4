"""Generated questions about routing: the next hop a router picks by longest-prefix match, the
cost of a shortest path found by Dijkstra's algorithm, and a metric after one RIP Response.

Owns the recipes ``route-next-hop``, ``route-dijkstra`` and ``route-rip-exchange``
(``RECIPES``, registered by ``netlab.quiz.generate``). ``route-next-hop`` draws a routing
table of 4 to 7 overlapping prefixes (sometimes with a default route) and a destination, and
asks ``netlab.sim.routing_table.RoutingTable.lookup`` which entry wins; every entry has its own next
hop, so exactly one choice is right. ``route-dijkstra`` draws a small connected graph of
routers with link costs (as OSPF sees them, RFC 2328) and runs Dijkstra's algorithm here, over
plain data: the cost of the shortest path from one router to another, with the order in which
the routers are confirmed. ``route-rip-exchange`` gives router X a table (its connected networks
at metric 1, a route or two learned earlier) and one Response from neighbour Y, and asks the
metric X records for one destination after processing it (``rip_receive``, RFC 2453 3.9.2:
metric + 1 capped at 16; adopted when new, lower, or from the current next hop). The cases are
drawn evenly: no route yet, connected, learned elsewhere (better, worse, equal: kept), learned
from Y (worse, better, 16).

No printing, no files, no scapy; the same seed always gives the same question.
"""

from __future__ import annotations

import heapq
import random

from netlab.quiz.lan_terms import pick_others, tidy
from netlab.quiz.recipe import Draft, Params, Recipe, t
from netlab.sim.addressing import format_ipv4, mask_bits
from netlab.sim.rip import INFINITY
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


# -- one RIP Response processed (RFC 2453 3.9.2) ---------------------------------------------------

#: What X's table holds for the destination before the Response arrives.
RIP_CASES = (
    "new",  # no route yet
    "connected",  # directly connected (metric 1)
    "other-better",  # learned from another router, lower than Y offers
    "other-worse",  # learned from another router, higher than Y offers
    "other-equal",  # learned from another router, same as Y offers: kept
    "same-worse",  # learned from Y itself, Y now offers more: adopted all the same
    "same-better",  # learned from Y itself, Y now offers less
    "same-infinity",  # learned from Y itself, Y now says 16 (unreachable)
)


def _draw_rip(rng: random.Random) -> Params:
    x, y, z = rng.sample([f"R{i}" for i in range(1, 6)], 3)
    nets = [f"10.0.{n}.0/24" for n in rng.sample(range(1, 60), 6)]
    dst, link, lan, far, other, extra = nets
    case = rng.choice(RIP_CASES)
    table: list[list] = [[link, 1, None], [lan, 1, None], [far, rng.randint(2, 6), z]]
    offered = rng.randint(1, 13)
    if case == "connected":
        offered = rng.randint(1, 5)
        table.append([dst, 1, None])
    elif case.startswith("other"):
        old = {
            "better": offered + 1 - rng.randint(1, 3),
            "worse": min(15, offered + 1 + rng.randint(1, 3)),
        }
        table.append([dst, max(2, old.get(case[6:], offered + 1)), z])
        if case == "other-better":
            offered = max(offered, table[-1][1])  # X's route stays strictly better
    elif case.startswith("same"):
        old = rng.randint(2, 8)
        if case == "same-worse":
            offered = rng.randint(old, 13)
        elif case == "same-better":
            offered = rng.randint(1, old - 2) if old > 2 else 1
            old = max(old, offered + 2)
        else:
            offered = INFINITY
        table.append([dst, old, y])
    response = [[link, 1], [dst, offered], [other, rng.randint(1, 14)]]
    if rng.random() < 0.5:
        response.append([extra, rng.randint(1, 14)])
    rng.shuffle(table)
    rng.shuffle(response)
    return {"x": x, "y": y, "case": case, "dst": dst, "table": table, "response": response}


def rip_receive(table: list[list], sender: str, response: list[list]) -> dict[str, list]:
    """X's table after processing one Response from neighbour ``sender`` (RFC 2453 3.9.2):
    metric + 1 (the link's cost), at most 16; a new route is added unless unreachable; an
    existing one is replaced when the new metric is lower, or whatever it is when the Response
    comes from the route's current next hop. ``table`` rows are [network, metric, next hop or
    None for directly connected]."""
    routes = {net: [metric, hop] for net, metric, hop in table}
    for net, metric in response:
        metric = min(metric + 1, INFINITY)
        current = routes.get(net)
        if current is None:
            if metric < INFINITY:
                routes[net] = [metric, sender]
        elif current[1] == sender or metric < current[0]:
            routes[net] = [metric, sender]
    return routes


def _rip_row(net: str, metric: int, hop: str | None) -> dict[str, str]:
    if hop is None:
        return t(f"{net} metric {metric} directly connected", f"{net} 度量 {metric} 直连")
    return t(f"{net} metric {metric} via {hop}", f"{net} 度量 {metric} 经 {hop}")


def _ask_rip(p: Params) -> Draft:
    x, y, dst = p["x"], p["y"], p["dst"]
    table, response = p["table"], p["response"]
    after = rip_receive(table, y, response)
    metric, hop = after[dst]
    before = {net: (m, h) for net, m, h in table}
    offered = dict((net, m) for net, m in response)[dst]
    new = min(offered + 1, INFINITY)
    rows = [_rip_row(*row) for row in table]
    listing = t(
        ", ".join(f"{net} metric {m}" for net, m in response),
        "，".join(f"{net} 度量 {m}" for net, m in response),
    )
    if dst not in before:
        why = t(
            f"{x} had no route to {dst}, so it adds one via {y} with metric {new}.",
            f"{x} 原来没有到 {dst} 的路由，所以添加一条经 {y}、度量为 {new} 的路由。",
        )
    elif before[dst][1] == y:
        why = t(
            f"{x}'s route to {dst} already goes via {y}, so {x} takes the new metric {new} "
            "whether it is better or worse: the router it relies on knows best"
            + (
                " (16 means unreachable: the route starts to be deleted)."
                if new == INFINITY
                else "."
            ),
            f"{x} 到 {dst} 的路由本来就经过 {y}，所以无论新度量 {new} 更好还是更差，{x} 都采用它："
            "它所依赖的那台路由器的消息为准"
            + ("（16 表示不可达，该路由开始进入删除过程）。" if new == INFINITY else "。"),
        )
    elif before[dst][1] is None:
        why = t(
            f"{x} is directly connected to {dst} (metric 1), and {new} is higher, so {x} "
            "keeps its route.",
            f"{x} 与 {dst} 直连（度量 1），而 {new} 更大，所以 {x} 保留原路由。",
        )
    elif new < before[dst][0]:
        why = t(
            f"{new} is lower than the {before[dst][0]} {x} had, so {x} switches to {y}.",
            f"{new} 小于 {x} 原有的 {before[dst][0]}，所以 {x} 改为经 {y}。",
        )
    else:
        than = t("the same as", "等于") if new == before[dst][0] else t("higher than", "大于")
        why = t(
            f"{new} is {than['en']} the {before[dst][0]} {x} already has through another "
            f"path, so {x} keeps its route.",
            f"{new} {than['zh']} {x} 经另一条路径已有的 {before[dst][0]}，所以 {x} 保留原路由。",
        )
    return Draft(
        kind="fill",
        prompt=t(
            f"Router {x} runs RIP version 2 (RFC 2453). Its table: "
            f"{'; '.join(r['en'] for r in rows)}. {x} receives one Response from its neighbour "
            f"{y} (every link costs 1) advertising: {listing['en']}. "
            f"What metric does {x} record for {dst} after processing this Response? "
            "Assume nothing times out meanwhile and that, on equal metrics, a router keeps "
            "the route it has (split horizon does not matter here: it only shapes what "
            f"{y} sends, and the Response is given).",
            f"路由器 {x} 运行 RIP 第 2 版（RFC 2453）。它的路由表："
            f"{'；'.join(r['zh'] for r in rows)}。{x} 从邻居 {y} 收到一个 Response"
            f"（每条链路开销为 1），其中通告：{listing['zh']}。"
            f"处理完这个 Response 后，{x} 为 {dst} 记录的度量是多少？"
            "假设期间没有路由超时，且度量相等时路由器保留已有的路由（水平分割在这里无关：它只"
            f"影响 {y} 发送的内容，而 Response 的内容已经给出）。",
        ),
        explanation=t(
            f"By RFC 2453 3.9.2, {x} adds to each entry the cost of the link it came on: "
            f"{offered} + 1 = {offered + 1}"
            + (", capped at 16 (infinity)" if offered + 1 > INFINITY else "")
            + f". {why['en']} So {x} records {metric} for {dst}"
            + (" (it stays directly connected)." if hop is None else f" via {hop}."),
            f"按 RFC 2453 3.9.2，{x} 给每个表项加上收到它的那条链路的开销：{offered} + 1 = "
            f"{offered + 1}"
            + ("，最大取 16（无穷）" if offered + 1 > INFINITY else "")
            + f"。{why['zh']}所以 {x} 为 {dst} 记录的度量是 {metric}"
            + ("（仍为直连）。" if hop is None else f"，下一跳 {hop}。"),
        ),
        see="netlab notes routing",
        answer=metric,
    )


RECIPES: tuple[Recipe, ...] = (
    Recipe("route-next-hop", "routing", _draw_next_hop, tidy(_ask_next_hop)),
    Recipe("route-dijkstra", "routing", _draw_dijkstra, tidy(_ask_dijkstra)),
    Recipe("route-rip-exchange", "routing", _draw_rip, tidy(_ask_rip)),
)
