"""``netlab.predict`` askers of the LAN scenarios (arp, nat, dhcp, journey).

Every question's answer is checked against the trace's own data (the step's ``fields``,
``tables``, ``states``, receivers), the choices against each other in both languages, and the
generic mechanism (``exercise.build``) over many seeds: the right answer never among the
distractors, no two choices alike, a question at every step that has one. Each trace is built
once (module-level cache) so the file stays fast.
"""

from __future__ import annotations

import functools
import re

import pytest

from netlab.i18n import LANGS, Note, render
from netlab.predict import exercise
from netlab.predict.arp import node
from netlab.predict.exercise import both
from netlab.sim import arp, dhcp, journey, nat
from netlab.sim.info_column import flag_names
from netlab.sim.trace import Step, Trace

VARIANTS = {
    "arp": [
        arp.ArpOptions(),
        arp.ArpOptions(target="203.0.113.10", again=True),
        arp.ArpOptions(hub=True, gratuitous=True),
        arp.ArpOptions(loop=True),
    ],
    "nat": [
        nat.NatOptions(),
        nat.NatOptions(mode="dynamic", pool=2),
        nat.NatOptions(mode="static", flows=3),
        nat.NatOptions(seed=7, hosts=2, flows=5),
    ],
    "dhcp": [
        dhcp.DhcpOptions(),
        dhcp.DhcpOptions(clients=3, pool_size=2, broadcast_flag=True),
    ],
    "journey": [journey.JourneyOptions(), journey.JourneyOptions(seed=3)],
}
MODULES = {"arp": arp, "nat": nat, "dhcp": dhcp, "journey": journey}
CASES = [(name, i) for name, opts in VARIANTS.items() for i in range(len(opts))]
KEYLIKE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


@functools.cache
def trace_of(name: str, i: int) -> Trace:
    return MODULES[name].build(VARIANTS[name][i])


@functools.cache
def asked_of(name: str, i: int) -> list:
    trace = trace_of(name, i)
    return [(step, a) for step in trace.steps for a in exercise.found(trace, step)]


@pytest.fixture
def memo_found(monkeypatch):
    """``exercise.found`` once per step: the seeds then only vary what build draws."""
    real = exercise.found
    memo: dict = {}

    def found(trace, step):
        key = (id(trace), step.index)
        if key not in memo:
            memo[key] = real(trace, step)
        return memo[key]

    monkeypatch.setattr(exercise, "found", found)


def trace_nodes(trace: Trace) -> list[str]:
    """The nodes a switch can send to, in the trace's order (receivers are compared as a set)."""
    return [n.name for n in trace.nodes if n.role not in ("switch", "hub")]


def _step(trace: Trace, index: int) -> Step:
    return next(s for s in trace.steps if s.index == index)


def _before(trace: Trace, step: Step) -> Step | None:
    at = trace.steps.index(step)
    return trace.steps[at - 1] if at else None


def trace_value(trace: Trace, step: Step, asked) -> object:
    """What the trace itself says the answer to ``asked`` is (JSON-level data only)."""
    f, kind = step.fields, asked.kind
    if kind in ("eth_dst", "dhcp_message", "ip_dst", "ip_src", "yiaddr", "nat_src", "nat_dst"):
        key = {"dhcp_message": "message", "nat_src": "src", "nat_dst": "dst"}.get(kind, kind)
        return f[key]
    if kind == "flood":
        return ", ".join(both(node(n))["en"] for n in trace_nodes(trace) if n in step.receivers)
    if kind == "arp_entry":
        who, ip = asked.prompt.params["who"], asked.field.params["ip"]
        who = who.key.split(".", 1)[1] if isinstance(who, Note) else who
        row = next(r for r in step.tables[f"arp:{who}"] if r["ip"] == ip)
        return f"{ip} → {row['mac'] or '?'} ({row['state']})"
    if kind == "mac_port":
        rows = [r for k, v in step.tables.items() if k.startswith("mac:") for r in v]
        return next(r["port"] for r in rows if r["mac"] == asked.field.params["mac"])
    if kind == "nat_row":
        prev = _before(trace, step)
        old = prev.tables["nat:nat"] if prev else []
        new = [r for r in step.tables["nat:nat"] if r not in old and r["inside_local"]]
        return {f"{r['inside_local']} → {r['inside_global']}" for r in new}
    if kind == "public_port":
        return int(f["src"].rsplit(":", 1)[1])
    if kind == "nat_fate":
        if "R" in f.get("tcp_flags", ""):
            return Note("predict.nat.fate.reset")
        return Note("predict.nat.fate.forward", {"to": node(step.dst)})
    if kind in ("dhcp_state", "state"):
        return {step.states.get(n) for n in step.states} | set(
            (trace.params.get("arrived") or {}).values()
        )
    if kind == "wan_src":
        return f"{f['ip_src']}:{f['sport']}"
    if kind == "lan_dst":
        return f"{f['ip_dst']}:{f['dport']}"
    if kind == "flags":
        return flag_names(step.segment.flags, sep=",")
    if kind == "event":
        return Note(f"predict.tcp.event.{step.event}")
    raise AssertionError(f"no check for kind {kind}")


@pytest.mark.parametrize(("name", "i"), CASES)
def test_every_answer_is_the_traces_value(name, i):
    trace = trace_of(name, i)
    assert asked_of(name, i) or VARIANTS[name][i] == arp.ArpOptions(loop=True)
    for step, a in asked_of(name, i):
        want = trace_value(trace, step, a)
        if isinstance(want, set):
            assert a.answer in want, (step.index, a)
        elif a.kind == "flood":
            assert both(a.answer)["en"] == want, (step.index, a)
        else:
            assert a.answer == want, (step.index, a.kind, a.answer, want)


@pytest.mark.parametrize(("name", "i"), CASES)
def test_choices_differ_and_every_sentence_renders(name, i):
    for step, a in asked_of(name, i):
        texts = [a.prompt, a.answer, *a.distractors] + ([a.field] if a.field else [])
        for lang in LANGS:
            shown = [both(v)[lang] for v in [a.answer, *a.distractors]]
            assert len(set(shown)) == len(shown), (step.index, a.kind, shown)
            for value in texts:
                text = both(value)[lang]
                assert "{" not in text and not KEYLIKE.match(text), (step.index, a.kind, text)
        assert a.typed == (a.kind == "public_port" or a.kind == "mac_port"), a.kind
        assert a.typed or len(a.distractors) >= 1


def _check_exercise(trace: Trace, seeds: range) -> None:
    offered = {s.index for s in trace.steps if exercise.found(trace, s)}
    blanks = {s.index for s in trace.steps if any(a.field for a in exercise.found(trace, s))}
    for seed in seeds:
        for mode, want in (("next", offered), ("fields", blanks)):
            ex = exercise.build(trace, mode, seed=seed)
            assert {p.step for p in ex.questions} == want, (mode, seed)
            for p in ex.questions:
                q = p.shown.question
                if q.kind == "fill":
                    continue
                right = q.choices[q.answer]
                for lang in LANGS:
                    shown = [c[lang] for c in q.choices]
                    assert len(set(shown)) == len(shown), (mode, seed, p.step, shown)
                    assert shown.count(right[lang]) == 1


@pytest.mark.usefixtures("memo_found")
@pytest.mark.parametrize("name", list(VARIANTS))
def test_exercise_over_200_seeds(name):
    _check_exercise(trace_of(name, 0), range(200))


@pytest.mark.usefixtures("memo_found")
@pytest.mark.parametrize(("name", "i"), [c for c in CASES if c[1] > 0])
def test_exercise_variants(name, i):
    _check_exercise(trace_of(name, i), range(10))


# -- the points the questions are about -----------------------------------------------------


def _asked(name: str, i: int, index: int, kind: str):
    return next(a for s, a in asked_of(name, i) if s.index == index and a.kind == kind)


def test_arp_unicast_probe_and_flooding():
    trace = trace_of("arp", 0)
    probe = next(s for s in trace.steps if s.fields.get("op") == 1 and s.src == "B")
    a = _asked("arp", 0, probe.index, "eth_dst")
    assert a.answer == trace.node("A").mac  # Linux's PROBE: a unicast request
    assert "ff:ff:ff:ff:ff:ff" in a.distractors
    flood = _asked("arp", 0, 3, "flood")
    assert both(flood.answer)["en"] == "B, C, gateway" and "B" in flood.distractors
    assert both(flood.answer)["zh"] == "B、C、网关"
    hub = _asked("arp", 2, 2, "flood")
    assert "A" not in both(hub.answer)["en"].split(", ")
    assert not asked_of("arp", 3)  # the storm: nothing asked


def test_arp_gratuitous_update_offers_the_old_mac():
    a = _asked("arp", 2, 2, "arp_entry")
    assert a.answer == "192.168.1.10 → 02:00:00:00:00:01 (STALE)"
    assert "192.168.1.10 → 02:00:00:00:00:a1 (STALE)" in a.distractors


def test_nat_port_taken_goes_to_1024_and_random_ports_are_not_asked():
    a = _asked("nat", 0, 6, "public_port")
    assert a.answer == 1024
    row = _asked("nat", 0, 6, "nat_row")
    assert "192.168.1.11:51000 → 203.0.113.5:51000" in row.distractors
    trace = trace_of("nat", 3)
    for step in trace.steps:
        f = step.fields
        if f.get("translated") == "src" and f["src"].split(":")[1] != f["src_before"].split(":")[1]:
            assert not [a for a in exercise.found(trace, step) if a.kind != "nat_fate"]


def test_nat_fate_reset_and_static_forward():
    assert _asked("nat", 0, 18, "nat_fate").answer == Note("predict.nat.fate.reset")
    assert _asked("nat", 0, 21, "nat_fate").answer == Note("predict.nat.fate.reset")
    fwd = _asked("nat", 2, 16, "nat_fate")
    assert fwd.answer == Note("predict.nat.fate.forward", {"to": node("A")})


def test_dhcp_broadcast_flag_changes_the_offers_destination():
    assert _asked("dhcp", 0, 2, "ip_dst").answer == "192.168.1.100"
    assert _asked("dhcp", 1, 2, "ip_dst").answer == "255.255.255.255"
    assert _asked("dhcp", 0, 10, "ip_src").answer == "192.168.1.100"  # renewing: unicast


def test_journey_frames_go_to_the_gateway_and_packets_are_translated():
    trace = trace_of("journey", 0)
    query = next(s for s in trace.steps if s.src == "laptop" and s.fields.get("phase") == "dns")
    assert _asked("journey", 0, query.index, "eth_dst").answer == "02:00:00:00:00:fe"
    assert _asked("journey", 0, query.index, "ip_dst").answer == "192.0.2.53"
    out = next(s for s in trace.steps if s.fields.get("link") == "wan" and s.src == "gateway")
    assert _asked("journey", 0, out.index, "wan_src").answer.startswith("203.0.113.5:")
    kinds = {a.kind for _, a in asked_of("journey", 0)}
    assert {"dhcp_message", "arp_entry", "flags", "state", "lan_dst"} <= kinds
    assert "seq" not in kinds  # the journey shows relative numbers
    for _, a in asked_of("journey", 0):
        for lang in LANGS:
            assert "role." not in render(a.prompt, lang)
