"""Generated questions (``netlab.quiz.generate``): valid, deterministic per seed, and right.

Every answer is checked by a computation that does not run the simulations: sequence-number
arithmetic modulo 2**32, sums of message lengths, ``ipaddress`` for subnets, header sizes
added up by hand, 2·MSL, 2**k - 1 for SYN retransmissions, and the RFC 9293 state sequence of
each close variant. The ``see`` command of each question is also run, to check that it shows
the same numbers. A fresh interpreter checks that no question but the frame-size one imports
scapy.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import shlex
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netlab.quiz import generate, generate_lan
from netlab.quiz.model import LETTERS, Question, Shown, grade
from netlab.quiz.session import Session, Slot, choice_order

ROOT = Path(__file__).resolve().parents[2]
MOD = 2**32
SEEDS = range(50)
TOPICS = {"handshake", "close", "tcp-udp", "ip-subnet", "arp", "osi"}
#: The generators of this module; those of ``generate_lan`` are tested in test_generate_lan.py.
LAN = {r.id for r in generate_lan.RECIPES}
IDS = [gid for gid, _topic in generate.available() if gid not in LAN]
ALL_IDS = [gid for gid, _topic in generate.available()]
KNOWN_TOPICS = {t["id"] for t in tomllib.loads((ROOT / "data/topics.toml").read_text())["topic"]}


def messages_len(messages: list[str]) -> list[int]:
    return [len(m.encode("utf-8")) for m in messages]


# -- the expected close sequences (RFC 9293 Figure 5), written out by hand -------------------------
# For each variant: the segment steps as (step index, sender, flags, initiator's state,
# passive side's state), the states being those once the segment has arrived.
A, P = "initiator", "passive"
CLOSE_STEPS: dict[str, list[tuple[int, str, str, str, str]]] = {
    "normal": [
        (1, A, "FA", "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "A", "FIN-WAIT-2", "CLOSE-WAIT"),
        (3, P, "FA", "TIME-WAIT", "LAST-ACK"),
        (5, A, "A", "TIME-WAIT", "CLOSED"),
    ],
    "merge": [
        (1, A, "FA", "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "FA", "TIME-WAIT", "LAST-ACK"),
        (4, A, "A", "TIME-WAIT", "CLOSED"),
    ],
    "half_close": [
        (1, A, "FA", "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "A", "FIN-WAIT-2", "CLOSE-WAIT"),
        (3, P, "PA", "FIN-WAIT-2", "CLOSE-WAIT"),
        (4, A, "A", "FIN-WAIT-2", "CLOSE-WAIT"),
        (5, P, "FA", "TIME-WAIT", "LAST-ACK"),
        (7, A, "A", "TIME-WAIT", "CLOSED"),
    ],
}
#: Segments on the wire: FIN, ACK, FIN, ACK; the ACK merged into the FIN; both FINs and both
#: ACKs crossing; and the half-close's extra data segment and its ACK.
CLOSE_SEGMENTS = {"normal": 4, "merge": 3, "simultaneous": 4, "half_close": 6}


def expected_close_state(p: dict[str, Any]) -> tuple[int, str]:
    steps = CLOSE_STEPS[p["variant"]]
    index, _sender, _flags, initiator_state, passive_state = steps[p["pick"] % len(steps)]
    return index, initiator_state if p["side"] == p["initiator"] else passive_state


# -- one independent check per generator: (params, question) -> None -------------------------------


def check_synack(p: dict[str, Any], q: Question) -> None:
    isn = p["isn_client"]
    assert q.answer == (isn + 1) % MOD
    assert str(isn) in q.prompt["en"] and str(isn) in q.prompt["zh"]
    assert f"--isn-client {isn}" in q.see


def check_final_ack(p: dict[str, Any], q: Question) -> None:
    assert q.answer == (p["isn_server"] + 1) % MOD
    assert str(p["isn_server"]) in q.prompt["en"] and str(p["isn_client"]) in q.prompt["zh"]


def check_syn_retry(p: dict[str, Any], q: Question) -> None:
    lost, nth = p["lost"], p["nth"]
    assert 2 <= nth <= lost + 1
    assert q.answer == 2 ** (nth - 1) - 1  # waits of 1, 2, 4, ... s add up to 2^k - 1
    assert f"--lose syn --lose-times {lost}" in q.see


def check_data_ack(p: dict[str, Any], q: Question) -> None:
    assert q.answer == (p["isn_client"] + 1 + sum(messages_len(p["messages"]))) % MOD
    for m in p["messages"]:
        assert f'"{m}"' in q.prompt["en"] and f'"{m}"' in q.prompt["zh"]


def check_data_seq(p: dict[str, Any], q: Question) -> None:
    before = sum(messages_len(p["messages"][:-1]))
    assert len(p["messages"]) >= 2
    assert q.answer == (p["isn_client"] + 1 + before) % MOD


def check_close_state(p: dict[str, Any], q: Question) -> None:
    index, state = expected_close_state(p)
    assert q.choices[q.answer] == {"en": state, "zh": state}
    assert f"Step {index} " in q.prompt["en"]
    assert f"第 {index} 步" in q.prompt["zh"]


def check_close_segments(p: dict[str, Any], q: Question) -> None:
    assert q.answer == CLOSE_SEGMENTS[p["variant"]]


def check_time_wait(p: dict[str, Any], q: Question) -> None:
    assert q.answer == 2 * p["msl"]
    assert f"--msl {p['msl']}" in q.see


def check_arp(p: dict[str, Any], q: Question) -> None:
    src, prefixlen, dst, gateway = p["src"], p["prefixlen"], p["dst"], p["gateway"]
    net = ipaddress.ip_network(f"{src}/{prefixlen}", strict=False)
    assert ipaddress.ip_address(gateway) in net  # a sensible question: the gateway is local
    assert len({src, dst, gateway}) == 3
    if ipaddress.ip_address(dst) in net:
        assert q.choices[q.answer]["en"] == f"The destination itself, {dst}"
    else:
        assert q.choices[q.answer]["en"] == f"The default gateway, {gateway}"


def check_network(p: dict[str, Any], q: Question) -> None:
    net = ipaddress.ip_network(f"{p['ip']}/{p['prefixlen']}", strict=False)
    assert q.answer[0] == str(net.network_address)
    assert str(net) in q.answer  # "10.64.0.0/10" is accepted too


def check_broadcast(p: dict[str, Any], q: Question) -> None:
    net = ipaddress.ip_network(f"{p['ip']}/{p['prefixlen']}", strict=False)
    assert q.answer == (str(net.broadcast_address),)


def check_hosts(p: dict[str, Any], q: Question) -> None:
    net = ipaddress.ip_network(f"{p['ip']}/{p['prefixlen']}", strict=False)
    assert q.answer == net.num_addresses - 2


def check_frame(p: dict[str, Any], q: Question) -> None:
    header = {"tcp": 20, "udp": 8}[p["transport"]]
    assert q.answer == 14 + 20 + header + p["payload"]
    assert 14 + 20 + header + p["payload"] >= 60  # no Ethernet padding in play


CHECKS: dict[str, Callable[[dict[str, Any], Question], None]] = {
    "handshake-synack-ack": check_synack,
    "handshake-final-ack": check_final_ack,
    "handshake-syn-retry": check_syn_retry,
    "tcp-data-ack": check_data_ack,
    "tcp-data-seq": check_data_seq,
    "close-state": check_close_state,
    "close-segments": check_close_segments,
    "close-time-wait": check_time_wait,
    "arp-next-hop": check_arp,
    "subnet-network": check_network,
    "subnet-broadcast": check_broadcast,
    "subnet-hosts": check_hosts,
    "frame-size": check_frame,
}


# -- the catalogue ---------------------------------------------------------------------------------


def test_catalogue() -> None:
    assert len(generate.GENERATORS) >= 10
    assert generate.available() == [(g.id, g.topic) for g in generate.GENERATORS.values()]
    assert generate.available() == generate.available()  # a fixed order
    assert set(CHECKS) == set(IDS), "every generator needs an independent check here"
    for gid in IDS:
        generator = generate.GENERATORS[gid]
        assert generator.id == gid
        assert generator.topic in TOPICS and generator.topic in KNOWN_TOPICS
    assert [g.id for g in generate.GENERATORS.values() if g.needs_scapy] == ["frame-size"]


def test_unknown_generator_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        generate.make("no-such-generator", 1)
    with pytest.raises(KeyError):
        generate.parameters("no-such-generator", 1)


# -- every generator, many seeds -------------------------------------------------------------------


def assert_valid(q: Question, gid: str) -> None:
    generator = generate.GENERATORS[gid]
    assert q.id == f"gen-{gid}"
    assert q.generator == gid
    assert q.topic == generator.topic
    for field in (q.prompt, q.explanation):
        assert set(field) == {"en", "zh"}
        assert all(isinstance(v, str) and v.strip() for v in field.values())
        assert field["en"] != field["zh"]
    see = shlex.split(q.see)
    assert see[:2] in (["netlab", "simulate"], ["netlab", "notes"])
    if see[1] == "simulate":
        assert see[2] in ("handshake", "close", "tcp")
    else:
        assert len(see) == 3 and see[2] in KNOWN_TOPICS
    if q.kind == "fill":
        assert q.choices == ()
        if isinstance(q.answer, tuple):
            assert q.answer and all(isinstance(a, str) and a.strip() for a in q.answer)
        else:
            assert type(q.answer) is int
    elif q.kind == "single":
        assert len(q.choices) == 4
        assert type(q.answer) is int and 0 <= q.answer < len(q.choices)
        for lang in ("en", "zh"):
            texts = [c[lang] for c in q.choices]
            assert all(isinstance(t, str) and t.strip() for t in texts)
            assert len(set(texts)) == len(texts), texts
    else:
        raise AssertionError(f"unexpected kind {q.kind}")


def wrong_answer(shown: Shown) -> str:
    q = shown.question
    if q.kind == "single":
        right = shown.expected()
        return next(ch for ch in LETTERS[: len(shown.order)] if ch != right)
    if isinstance(q.answer, int):
        return str(q.answer + 1)
    return "0.0.0.1" if q.answer[0] != "0.0.0.1" else "0.0.0.2"


@pytest.mark.parametrize("gid", IDS)
def test_questions_are_valid_deterministic_and_right(gid: str) -> None:
    for seed in SEEDS:
        q = generate.make(gid, seed)
        assert_valid(q, gid)
        assert generate.make(gid, seed) == q, f"seed {seed} is not deterministic"
        assert generate.GENERATORS[gid].build(random.Random(seed)) == q
        params = generate.parameters(gid, seed)
        assert params == generate.parameters(gid, seed)
        CHECKS[gid](params, q)
        order = choice_order(q, random.Random(seed))
        shown = Shown(q, order)
        verdict = grade(shown, shown.expected())
        assert verdict.valid and verdict.correct, (seed, shown.expected(), verdict)
        wrong = grade(shown, wrong_answer(shown))
        assert wrong.valid and not wrong.correct


@pytest.mark.parametrize("gid", IDS)
def test_seeds_give_different_questions(gid: str) -> None:
    prompts = {generate.make(gid, seed).prompt["en"] for seed in SEEDS}
    assert len(prompts) >= 5


def test_the_draws_cover_the_interesting_cases() -> None:
    synack = [generate.make("handshake-synack-ack", s).answer for s in SEEDS]
    assert 0 in synack  # an ISN of 2**32 - 1 wraps the ack to 0
    variants = {generate.parameters("close-segments", s)["variant"] for s in SEEDS}
    assert variants == set(CLOSE_SEGMENTS)
    kinds = {
        ipaddress.ip_address(p["dst"])
        in ipaddress.ip_network(f"{p['src']}/{p['prefixlen']}", False)
        for p in (generate.parameters("arp-next-hop", s) for s in SEEDS)
    }
    assert kinds == {True, False}
    transports = {generate.parameters("frame-size", s)["transport"] for s in SEEDS}
    assert transports == {"tcp", "udp"}
    states = {expected_close_state(generate.parameters("close-state", s))[1] for s in SEEDS}
    assert len(states) >= 5


def test_fill_answers_accept_the_cidr_form_of_a_network() -> None:
    q = generate.make("subnet-network", 3)
    prefixlen = generate.parameters("subnet-network", 3)["prefixlen"]
    net = ipaddress.ip_network(f"{q.answer[0]}/{prefixlen}")
    assert grade(Shown(q), str(net)).correct
    assert grade(Shown(q), f" {q.answer[0]} ").correct


def test_generated_questions_run_in_a_session() -> None:
    """Every generator, this file's and generate_lan's, three questions each."""
    slots = [Slot(generator=gid, seed=1000 + i) for i, gid in enumerate(ALL_IDS * 3)]
    session = Session(slots=slots, make=generate.make, clock=lambda: 0.0)
    while (shown := session.next()) is not None:
        session.accept(session.check(shown.expected()))
    assert session.score() == (len(slots), len(slots))


# -- the see command shows the same numbers --------------------------------------------------------


@pytest.mark.parametrize("gid", ALL_IDS)
def test_the_see_command_exists(gid: str) -> None:
    from netlab.cli.commands import command_exists

    for seed in range(20):
        see = generate.make(gid, seed).see
        assert command_exists(see), see


def tcp_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in doc["steps"] if s.get("tcp")]


SIMULATED = [gid for gid in IDS if generate.make(gid, 0).see.startswith("netlab simulate")]


@pytest.mark.parametrize("gid", SIMULATED)
def test_the_see_command_shows_the_answer(gid: str, cli: Callable[[list[str]], str]) -> None:
    for seed in range(4):
        q = generate.make(gid, seed)
        argv = shlex.split(q.see)[1:]
        if "--detail" in argv:  # a view that cannot be JSON: just check the command runs
            assert cli(argv).strip()
            continue
        doc = json.loads(cli([*argv, "--json"]))
        segs = tcp_steps(doc)
        if gid == "handshake-synack-ack":
            assert next(s for s in segs if s["tcp"]["flags"] == "SA")["tcp"]["ack"] == q.answer
        elif gid == "handshake-final-ack":
            assert segs[2]["tcp"]["ack"] == q.answer
        elif gid == "handshake-syn-retry":
            syns = [s["time"] for s in segs if s["tcp"]["flags"] == "S"]
            assert q.answer in syns
        elif gid == "tcp-data-ack":
            assert q.answer in [s["tcp"]["ack"] for s in segs if s["src"] == "server"]
        elif gid == "tcp-data-seq":
            assert q.answer in [s["tcp"]["seq"] for s in segs if s["tcp"]["len"]]
        elif gid == "close-state":
            p = generate.parameters(gid, seed)
            index, state = expected_close_state(p)
            assert doc["steps"][index - 1]["states"][p["side"]] == state
        elif gid == "close-segments":
            assert len(segs) == q.answer
        elif gid == "close-time-wait":
            timers = [s["time"] for s in doc["steps"] if s["summary"].startswith("2MSL")]
            assert round(max(timers) - min(timers)) == q.answer
        else:
            raise AssertionError(f"no check of the see command for {gid}")


# -- no scapy for the questions that do not need it ------------------------------------------------


def test_questions_without_frames_import_no_scapy() -> None:
    code = textwrap.dedent(
        """
        import sys
        from netlab.quiz import generate
        loaded = [m for m in sys.modules if m.startswith("scapy")]
        assert not loaded, loaded
        for gid, generator in generate.GENERATORS.items():
            if not generator.needs_scapy:
                for seed in range(20):
                    generate.make(gid, seed)
        print(",".join(sorted(m for m in sys.modules if m.startswith("scapy"))) or "none")
        generate.make("frame-size", 0)
        print("scapy" in sys.modules)
        """
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["none", "True"]
