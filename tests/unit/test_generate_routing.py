"""Generated routing questions (``netlab.quiz.generate_routing``): the next hop by
longest-prefix match, the cost of a shortest path and the metric after one RIP Response.

Each answer is checked against an independent computation written here: ``ipaddress`` (the
longest prefix among the networks that contain the destination), a plain Bellman-Ford over
the links, and one Bellman-Ford relaxation for the RIP Response. Deterministic per seed,
stable ids, exactly one right choice, both languages.
"""

from __future__ import annotations

import ipaddress
import random
import re

import pytest

from netlab.quiz import generate, generate_routing

SEEDS = range(200)
CJK = re.compile(r"[\u4e00-\u9fff]")


def expected_next_hop(dst: str, entries: list) -> str:
    address = ipaddress.ip_address(dst)
    containing = [
        (ipaddress.ip_network(prefix).prefixlen, hop)
        for prefix, hop, _ in entries
        if address in ipaddress.ip_network(prefix)
    ]
    return max(containing)[1]


def bellman_ford(links: list, src: str) -> dict[str, float]:
    nodes = {a for a, _, _ in links} | {b for _, b, _ in links}
    dist = {n: float("inf") for n in nodes}
    dist[src] = 0
    for _ in range(len(nodes) - 1):
        for a, b, cost in links:
            dist[b] = min(dist[b], dist[a] + cost)
            dist[a] = min(dist[a], dist[b] + cost)
    return dist


def relax(table: list, sender: str, response: list, dst: str) -> int | None:
    """One Bellman-Ford relaxation of ``dst`` by the neighbour's advertised distance, with the
    distance-vector rule that the current next hop's word is taken even when it is worse."""
    offered = {net: metric for net, metric in response}[dst]
    candidate = min(16, offered + 1)
    mine = {net: (metric, hop) for net, metric, hop in table}.get(dst)
    if mine is None:
        return candidate if candidate < 16 else None
    if mine[1] == sender:
        return candidate
    return min(mine[0], candidate)


def test_ids_and_topic_are_stable() -> None:
    ids = dict(generate.available())
    assert ids["route-next-hop"] == "routing"
    assert ids["route-dijkstra"] == "routing"
    assert ids["route-rip-exchange"] == "routing"
    assert generate.make("route-next-hop", 1).id == "gen-route-next-hop"
    assert generate.make("route-dijkstra", 1).id == "gen-route-dijkstra"
    assert generate.make("route-rip-exchange", 1).id == "gen-route-rip-exchange"


@pytest.mark.parametrize("gid", ["route-next-hop", "route-dijkstra", "route-rip-exchange"])
def test_same_seed_same_question(gid: str) -> None:
    assert generate.make(gid, 7) == generate.make(gid, 7)
    assert generate.make(gid, 7) != generate.make(gid, 8)


def test_next_hop_is_the_longest_matching_prefix() -> None:
    defaults_win = 0
    for seed in SEEDS:
        p = generate.parameters("route-next-hop", seed)
        entries = p["entries"]
        assert 4 <= len(entries) <= 7
        prefixes = [e[0] for e in entries]
        assert len(set(prefixes)) == len(prefixes)
        hops = [e[1] for e in entries]
        assert len(set(hops)) == len(hops)  # the winning next hop names one entry only
        want = expected_next_hop(p["dst"], entries)
        if "0.0.0.0/0" in prefixes:
            defaults_win += want == hops[prefixes.index("0.0.0.0/0")]
        q = generate.make("route-next-hop", seed)
        assert q.kind == "single" and len(q.choices) == 4
        right = [i for i, c in enumerate(q.choices) if c["en"].split()[0] == want]
        assert right == [q.answer], seed
        assert len({c["en"] for c in q.choices}) == 4
        assert p["dst"] in q.prompt["en"] and p["dst"] in q.prompt["zh"]
        assert CJK.search(q.prompt["zh"]) and CJK.search(q.explanation["zh"])
        assert not CJK.search(q.prompt["en"] + q.explanation["en"])
        assert want in q.explanation["en"] and want in q.explanation["zh"]
    assert defaults_win  # sometimes only the default route matches


def test_dijkstra_cost_equals_bellman_ford() -> None:
    for seed in SEEDS:
        p = generate.parameters("route-dijkstra", seed)
        dist = bellman_ford(p["links"], p["src"])
        assert all(d < float("inf") for d in dist.values())  # connected
        assert all(1 <= c <= 10 for _, _, c in p["links"])
        q = generate.make("route-dijkstra", seed)
        assert q.kind == "fill"
        assert q.answer == dist[p["dst"]], seed
        assert CJK.search(q.prompt["zh"]) and CJK.search(q.explanation["zh"])


def test_dijkstra_confirms_in_order_of_cost() -> None:
    rng = random.Random(3)
    for _ in range(50):
        links = generate.parameters("route-dijkstra", rng.randrange(10**6))["links"]
        dist, order = generate_routing.dijkstra(links, "R1")
        assert [dist[r] for r in order] == sorted(dist.values())
        assert dist == bellman_ford(links, "R1")


def test_rip_metric_equals_one_relaxation() -> None:
    cases = set()
    for seed in SEEDS:
        p = generate.parameters("route-rip-exchange", seed)
        table, response, dst, y = p["table"], p["response"], p["dst"], p["y"]
        cases.add(p["case"])
        nets = [row[0] for row in table]
        assert len(set(nets)) == len(nets)
        assert all(1 <= m <= 15 for _, m, _ in table)  # 16 is never kept in a table here
        assert all(1 <= m <= 16 for _, m in response)
        assert dst in [net for net, _ in response]
        assert all(m == 1 for _, m, hop in table if hop is None)  # connected: metric 1
        want = relax(table, y, response, dst)
        assert want is not None  # a question about a route X records
        q = generate.make("route-rip-exchange", seed)
        assert q.kind == "fill"
        assert q.answer == want, seed
        assert dst in q.prompt["en"] and dst in q.prompt["zh"]
        assert "split horizon" in q.prompt["en"] and "水平分割" in q.prompt["zh"]
        assert CJK.search(q.prompt["zh"]) and CJK.search(q.explanation["zh"])
        assert not CJK.search(q.prompt["en"] + q.explanation["en"])
        assert f"records {want} for {dst}" in q.explanation["en"]
        assert f"记录的度量是 {want}" in q.explanation["zh"]
    assert cases == set(generate_routing.RIP_CASES)  # every case comes up


def test_rip_receive_processes_the_whole_response() -> None:
    table = [["10.0.1.0/24", 1, None], ["10.0.2.0/24", 3, "R2"], ["10.0.3.0/24", 4, "R3"]]
    response = [["10.0.1.0/24", 1], ["10.0.2.0/24", 5], ["10.0.3.0/24", 1], ["10.0.4.0/24", 15]]
    after = generate_routing.rip_receive(table, "R2", response)
    assert after == {
        "10.0.1.0/24": [1, None],  # connected stays
        "10.0.2.0/24": [6, "R2"],  # from the current next hop: taken though worse
        "10.0.3.0/24": [2, "R2"],  # better: switched
    }  # 15 + 1 = 16: an unreachable new route is not added
