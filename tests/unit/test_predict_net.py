"""``--predict`` askers of dns, layers, route, rip and ospf (netlab/predict/dns.py, layers.py,
route.py).

Every answer is checked against the trace's JSON-level data (``step.fields``, ``step.tables``),
and where the prompt says what the answer follows from (the table of a round's start, the TTL
a datagram was sent with, the tentative set of the step before), against that too: a question
whose prompt does not determine its answer fails here. Then the generic mechanism over 200
seeds: the right answer is never among the wrong ones, no two choices read the same in either
language, and every step an asker has something about gets its question.
"""

from __future__ import annotations

from functools import cache

import pytest

from netlab.i18n import LANGS, Note, catalogue, render
from netlab.predict import exercise
from netlab.predict.askers import askers_for
from netlab.sim import dns, layers, ospf, rip, route
from netlab.sim.topology import BUILT_IN

INFINITY = 16


@cache
def traces() -> dict[str, object]:
    mesh = BUILT_IN["mesh"]
    out = {
        "dns": dns.build(dns.DnsOptions(again=True), frames=False),
        "dns-cname": dns.build(
            dns.DnsOptions(qtype="CNAME", again=True, again_after=400), frames=False
        ),
        "dns-expired": dns.build(dns.DnsOptions(again=True, again_after=3600), frames=False),
        "dns-mx": dns.build(dns.DnsOptions(name="news.bbc.co.uk", qtype="MX"), frames=False),
        "route": route.build(route.RouteOptions(), frames=False),
        "route-trace": route.build(route.RouteOptions(traceroute=True), frames=False),
        "route-ttl": route.build(route.RouteOptions(ttl=2), frames=False),
        "route-none": route.build(route.RouteOptions(to="198.51.100.7"), frames=False),
        "route-ospf": route.build(route.RouteOptions(mesh(), protocol="ospf"), frames=False),
        "rip": rip.build(rip.RipOptions(BUILT_IN["line"](), fail="R2-R3"), frames=False),
        "rip-plain": rip.build(
            rip.RipOptions(BUILT_IN["line"](), fail="R2-R3", split_horizon=False), frames=False
        ),
        "rip-mesh": rip.build(rip.RipOptions(mesh(), fail="R1-R5"), frames=False),
        "ospf": ospf.build(ospf.OspfOptions(mesh()), frames=False),
        "ospf-fail": ospf.build(ospf.OspfOptions(mesh(), fail="R2-R3"), frames=False),
    }
    for model in ("tcpip", "osi"):
        for udp in (False, True):
            options = layers.LayersOptions(model=model, udp=udp)
            out[f"layers-{model}-{'udp' if udp else 'tcp'}"] = layers.build(options, frames=False)
    return out


@cache
def asked(name: str) -> list:
    """(step, Asked) for every question the askers find in trace ``name``."""
    trace = traces()[name]
    return [(s, a) for s in trace.steps for a in exercise.found(trace, s)]


def _of(name: str, kind: str) -> list:
    found = [(s, a) for s, a in asked(name) if a.kind == kind]
    assert found, f"no {kind} question in {name}"
    return found


def _next_packet(trace, step):
    at = trace.steps.index(step)
    return next(s for s in trace.steps[at + 1 :] if s.dst is not None)


def _before(trace, step):
    return trace.steps[trace.steps.index(step) - 1]


# -- dns --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dns", "dns-cname", "dns-expired", "dns-mx"])
def test_dns_answers_are_the_trace_values(name: str) -> None:
    trace = traces()[name]
    servers = trace.params["servers"]

    def text(node: str) -> str:
        return f"{servers[node]['host']} ({servers[node]['ip']})"

    for step, a in _of(name, "dns_server"):
        assert step.fields["qr"] == 0 and a.answer == text(step.dst)
    for step, a in _of(name, "dns_cache"):
        if step.event == "dns_cache_hit":
            assert a.answer == Note("predict.dns.cache.hit")
        else:
            server = text(_next_packet(trace, step).dst)
            assert a.answer == Note("predict.dns.cache.asks", {"server": server})
        if not trace.params["nodata"]:  # what the prompt says it follows from: the cache of
            rows = _before(trace, step).tables["dns_cache:resolver"]  # the step before
            cached = (trace.params["name"], trace.params["qtype"]) in {
                (r["name"], r["type"]) for r in rows
            }
            assert cached == (step.event == "dns_cache_hit")
    for step, a in _of(name, "dns_aa"):
        assert a.answer.key.endswith("yes" if step.fields["aa"] else "no")
    for step, a in _of(name, "dns_referral"):
        ns = step.fields["authority"][0]
        assert a.answer.params == {"zone": ns["name"], "ns": ns["value"]}
        assert not step.fields["answers"] and step.fields["aa"] == 0
    if name != "dns-mx":  # a second lookup
        for step, a in asked(name):
            if a.kind == "dns_ttl":
                assert a.answer == step.fields["answers"][0]["ttl"]
                assert a.answer == a.prompt.params["total"] - a.prompt.params["elapsed"]


def test_dns_ttl_is_asked_after_a_cache_hit() -> None:
    assert _of("dns", "dns_ttl")[0][1].answer == 3540


# -- layers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["layers-tcpip-tcp", "layers-tcpip-udp", "layers-osi-tcp"])
def test_layers_answers_are_the_trace_values(name: str) -> None:
    trace = traces()[name]
    for step, a in _of(name, "layer_header"):
        assert a.answer == step.fields["header"]
    for step, a in _of(name, "layer_bytes"):
        f, size = step.fields, a.prompt.params["size"]
        if f["direction"] == "down":
            assert a.answer == f["total_bytes"] == size + f["header_bytes"]
        else:
            assert a.answer == f["total_bytes"] - f["header_bytes"] and size == f["total_bytes"]
    for step, a in _of(name, "layer_pdu"):
        assert a.answer == Note(f"layers.pdu.{step.fields['pdu']}")
    for step, a in _of(name, "layer_forward"):
        assert a.answer.params["n"] == step.fields["forwarder_layer"]
    headers = {str(a.answer) for _, a in _of(name, "layer_header")}
    assert headers == {"UDP" if "udp" in name else "TCP", "IPv4", "Ethernet II"}
    assert trace.scenario == "layers"


def test_layers_never_offer_a_name_that_is_also_right() -> None:
    """RFC 791's "internet datagram" for an IP packet; "UDP segment" in some books."""
    for name in ("layers-tcpip-tcp", "layers-tcpip-udp"):
        for step, a in _of(name, "layer_pdu"):
            keys = {d.key for d in a.distractors}
            if step.fields["pdu"] == "packet":
                assert "layers.pdu.datagram" not in keys
            if step.fields["pdu"] == "datagram":
                assert "layers.pdu.segment" not in keys
            if step.fields["pdu"] == "bits":  # the physical layer sends the frame's bits
                assert "layers.pdu.frame" not in keys


# -- route ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["route", "route-trace", "route-ttl", "route-none", "route-ospf"])
def test_route_answers_are_the_trace_values(name: str) -> None:
    trace = traces()[name]
    for step, a in _of(name, "route_chosen"):
        chosen = step.fields["chosen"]
        assert a.answer == (Note("predict.route.no_route") if chosen is None else chosen)
        rows = step.tables[f"lookup:{step.src}"]
        shorter = [r["destination"] for r in rows if r["match"] and r["destination"] != chosen]
        assert all(d in a.distractors for d in shorter[:3])  # the other matches come first
    if name == "route-none":
        return
    for step, a in _of(name, "route_next"):
        assert a.answer == _next_packet(trace, step).dst
    for step, a in _of(name, "route_ttl"):
        incoming, out = _before(trace, step), _next_packet(trace, step)
        assert a.answer == out.fields["ttl"] == incoming.fields["ttl"] - 1
        assert a.prompt.params["ttl"] == incoming.fields["ttl"]


def test_route_ttl_counts_the_routers_from_the_sender() -> None:
    """The prompt gives the TTL the sender used: the answer is that less one per router."""
    trace = traces()["route-ospf"]
    for step, a in _of("route-ospf", "route_ttl"):
        routers = sum(
            1
            for s in trace.steps[: trace.steps.index(step) + 1]
            if s.event == "route_lookup" and s.notes[0].params["dst"] == step.notes[0].params["dst"]
        )
        assert a.answer == a.prompt.params["sent"] - routers


def test_route_offers_the_shorter_matching_prefixes_first() -> None:
    """The built-in topologies never overlap: a lookup like a topology file's with a /16 and
    a /24 of it, and three routes that do not match."""
    from netlab.predict.route import ask_lookup
    from netlab.sim.trace import Step, Trace

    rows = [
        {"destination": p, "match": m}
        for p, m in [
            ("192.168.1.0/24", False),
            ("10.1.0.0/16", True),
            ("10.2.0.0/16", False),
            ("10.1.2.0/24", True),
            ("10.0.0.0/8", True),
            ("172.16.0.0/12", False),
        ]
    ]
    step = Step(1, 0.0, "R1", None, None, "", [Note("route.lookup.via", {"dst": "10.1.2.3"})])
    step.event, step.fields = "route_lookup", {"chosen": "10.1.2.0/24"}
    step.tables = {"lookup:R1": rows}
    trace = Trace("route", [], [step], Note("route.title.ping"))
    (a,) = ask_lookup(trace, step)
    assert a.answer == "10.1.2.0/24"
    assert a.distractors == ("10.1.0.0/16", "10.0.0.0/8", Note("predict.route.no_route"))


def test_route_no_route_is_the_answer_when_nothing_matches() -> None:
    (_, a), *_ = _of("route-none", "route_chosen")
    assert a.answer == Note("predict.route.no_route")


# -- rip --------------------------------------------------------------------------------------


def _iface_on(trace, router: str, link: str) -> str:
    for net in trace.params["networks"]:
        if net["name"] == link:
            for member in net["members"]:
                node, iface, _ = member.split()
                if node == router:
                    return iface
    raise KeyError(link)


@pytest.mark.parametrize("name", ["rip", "rip-plain", "rip-mesh"])
def test_rip_advertised_follows_from_the_table_at_the_round_start(name: str) -> None:
    trace = traces()[name]
    split = trace.params["split_horizon"]
    for step, a in _of(name, "rip_advertised"):
        prefix = a.prompt.params["prefix"]
        entry = next(e for e in step.fields["entries"] if e["prefix"] == prefix)
        assert a.answer == entry["metric"]
        start = trace.steps[a.prompt.params["start"] - 1]
        assert start.event == "rip_round"
        row = next(r for r in start.tables[f"route:{step.src}"] if r["destination"] == prefix)
        learned_here = row["next_hop"] and row["iface"] == _iface_on(
            trace, step.src, step.fields["link"]
        )
        assert a.answer == (INFINITY if split and learned_here else row["metric"])


@pytest.mark.parametrize("name", ["rip", "rip-plain", "rip-mesh"])
def test_rip_metric_follows_from_the_table_before(name: str) -> None:
    """RFC 2453 §3.9.2 read independently: min(metric + 1, 16); a route from its own next hop
    is taken whatever it says, another only when it is better."""
    trace = traces()[name]
    for step, a in _of(name, "rip_metric"):
        p = a.prompt.params
        after = {r["destination"]: r for r in step.tables[f"route:{p['receiver']}"]}
        assert a.answer == after[p["prefix"]]["metric"]
        was = {r["destination"]: r for r in _before(trace, step).tables[f"route:{p['receiver']}"]}
        assert was.get(p["prefix"]) != after[p["prefix"]]  # a route the Response changes
        new = min(p["metric"] + 1, INFINITY)
        old = was.get(p["prefix"])
        from_next_hop = old is None or old["next_hop"] == p["ip"]
        expected = new if from_next_hop else min(new, old["metric"])
        assert a.answer == expected


# -- ospf -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ospf", "ospf-fail"])
def test_ospf_answers_are_the_trace_values(name: str) -> None:
    trace = traces()[name]
    for step, a in _of(name, "ospf_flood"):
        assert a.answer.key.endswith("install" if step.fields["installed"] else "holds")
    for step, a in _of(name, "ospf_cost"):
        tentative = [
            r for r in _before(trace, step).tables[f"spf:{step.src}"] if not r["confirmed"]
        ]
        assert a.answer == step.fields["cost"] == min(r["cost"] for r in tentative)
    for step, a in _of(name, "ospf_confirm"):
        assert a.answer == step.fields["confirmed"]
        tied = [
            r["router"]
            for r in _before(trace, step).tables[f"spf:{step.src}"]
            if not r["confirmed"] and r["cost"] == step.fields["cost"]
        ]
        assert not [t for t in tied if t in a.distractors]  # ties are not offered
    for step, a in _of(name, "ospf_first_hop"):
        row = next(
            r for r in step.tables[f"spf:{step.src}"] if r["router"] == step.fields["confirmed"]
        )
        assert a.answer == row["first_hop"]


# -- the generic mechanism over 200 seeds ----------------------------------------------------


@pytest.mark.parametrize("name", sorted(traces()))
def test_no_two_choices_read_the_same(name: str) -> None:
    """Over every question found (what any seed draws from): the right answer is not among
    the wrong ones, and no two choices read the same, in either language."""
    for _, a in asked(name):
        if a.typed:
            assert isinstance(a.answer, int)
            continue
        assert a.distractors
        for lang in LANGS:
            texts = [exercise.both(v)[lang] for v in (a.answer, *a.distractors)]
            assert len(set(texts)) == len(texts), (a.kind, lang, texts)


@pytest.fixture
def found_once(monkeypatch):
    """``exercise.found`` is pure: computed once per step, so 200 seeds stay fast."""
    seen: dict = {}
    real = exercise.found

    def cached(trace, step):
        key = (id(trace), step.index)
        if key not in seen:
            seen[key] = real(trace, step)
        return seen[key]

    monkeypatch.setattr(exercise, "found", cached)


#: the traces built 200 times over (the long RIP and OSPF runs are covered above)
SEEDED = ["dns", "layers-osi-udp", "route-trace", "rip"]


@pytest.mark.parametrize("name", SEEDED)
def test_exercises_over_200_seeds(name: str, found_once) -> None:
    trace = traces()[name]
    with_questions = {s.index for s in trace.steps if exercise.found(trace, s)}
    with_blanks = {
        s.index for s in trace.steps if any(a.field is not None for a in exercise.found(trace, s))
    }
    assert with_questions and with_blanks
    for seed in range(200):
        for mode in ("next", "fields"):
            ex = exercise.build(trace, mode, seed=seed)
            asked_at = {p.step for p in ex.questions}
            assert asked_at == (with_questions if mode == "next" else with_blanks)
            for p in ex.questions:
                q = p.shown.question
                if q.kind == "fill":
                    assert isinstance(q.answer, int)
                    continue
                assert q.answer == 0 and len(q.choices) >= 2
                for lang in LANGS:
                    texts = [c[lang] for c in q.choices]
                    assert len(set(texts)) == len(texts), (p.kind, texts)


def test_every_kind_and_field_is_in_both_catalogues() -> None:
    kinds, keys = set(), set()
    for name in traces():
        for _, a in asked(name):
            kinds.add(a.kind)
            notes = [a.prompt, a.field, a.answer, *a.distractors]
            keys |= {n.key for n in notes if isinstance(n, Note)}
    for lang in LANGS:
        missing = [k for k in kinds if f"predict.kind.{k}" not in catalogue(lang)]
        missing += [k for k in keys if k not in catalogue(lang)]
        assert not missing, (lang, missing)
        for name in ("dns", "rip", "ospf"):
            for _, a in asked(name):
                assert "{" not in render(a.prompt, lang)


def test_the_registry_reaches_these_askers() -> None:
    for scenario in ("dns", "layers", "route", "rip", "ospf"):
        assert askers_for(scenario), scenario
