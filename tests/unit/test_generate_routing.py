"""Generated routing questions (``netlab.quiz.generate_routing``): the next hop by
longest-prefix match and the cost of a shortest path.

Each answer is checked against an independent computation written here: ``ipaddress`` (the
longest prefix among the networks that contain the destination) and a plain Bellman-Ford over
the links. Deterministic per seed, stable ids, exactly one right choice, both languages.
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


def test_ids_and_topic_are_stable() -> None:
    ids = dict(generate.available())
    assert ids["route-next-hop"] == "routing"
    assert ids["route-dijkstra"] == "routing"
    assert generate.make("route-next-hop", 1).id == "gen-route-next-hop"
    assert generate.make("route-dijkstra", 1).id == "gen-route-dijkstra"


@pytest.mark.parametrize("gid", ["route-next-hop", "route-dijkstra"])
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
