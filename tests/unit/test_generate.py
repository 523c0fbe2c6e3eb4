"""Generated questions (``netlab.quiz.generate``): valid, deterministic per seed, and right.

Every answer is checked by a computation that does not run the simulations: sequence-number
arithmetic modulo 2**32, sums of message lengths, ``ipaddress`` for subnets, header sizes
added up by hand (the Linux stack's options: 40-byte SYNs, 32 bytes after; the minimal stack's
24 and 20), 2·MSL, 2**k - 1 for SYN retransmissions, Nagle's rule for the number of segments,
the segments of each close variant on the Linux stack and its RFC 9293 state sequence. Every
TCP question must say which stack it assumes, in both languages, and its ``see`` command must
run that stack. The ``see`` command of each question is also run, to check that it shows the
same numbers. A fresh interpreter checks that no question but the frame-size one imports scapy.
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

from netlab.quiz import (
    generate,
    generate_dhcp,
    generate_dns,
    generate_layers,
    generate_nat,
    generate_routing,
)
from netlab.quiz.model import LETTERS, Question, Shown, grade
from netlab.quiz.session import Session, Slot, choice_order

ROOT = Path(__file__).resolve().parents[2]
MOD = 2**32
SEEDS = range(50)
TOPICS = {"handshake", "close", "tcp-udp", "sticky", "ip-subnet", "arp", "osi"}
#: The generators of this file; the LAN ones are tested in test_generate_lan.py, the routing
#: ones in test_generate_routing.py.
LAN = {
    r.id
    for m in (generate_layers, generate_dhcp, generate_dns, generate_nat, generate_routing)
    for r in m.RECIPES
}
IDS = [gid for gid, _topic in generate.available() if gid not in LAN]
ALL_IDS = [gid for gid, _topic in generate.available()]
KNOWN_TOPICS = {t["id"] for t in tomllib.loads((ROOT / "data/topics.toml").read_text())["topic"]}


def messages_len(messages: list[str]) -> list[int]:
    return [len(m.encode("utf-8")) for m in messages]


# -- the expected close sequences (RFC 9293 Figure 5), written out by hand -------------------------
# For each variant, on the Linux stack: the segments as (step index in the step table, sender,
# flags, seq and ack as offsets from the sender's and the receiver's ISN (None: ack not set),
# initiator's state, passive side's state), the states being those once the segment has
# arrived. The step table also numbers the 2·MSL timer's start, so a segment's number among
# the segments and its step number part after it.
A, P = "initiator", "passive"
CLOSE_STEPS: dict[str, list[tuple[int, str, str, int, int | None, str, str]]] = {
    "normal": [
        (1, A, "FA", 1, 1, "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "A", 1, 2, "FIN-WAIT-2", "CLOSE-WAIT"),
        (3, P, "FA", 1, 2, "TIME-WAIT", "LAST-ACK"),
        (5, A, "A", 2, 2, "TIME-WAIT", "CLOSED"),
    ],
    "merge": [
        (1, A, "FA", 1, 1, "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "FA", 1, 2, "TIME-WAIT", "LAST-ACK"),
        (4, A, "A", 2, 2, "TIME-WAIT", "CLOSED"),
    ],
    # "bye" (3 bytes) from the passive side after the half-close
    "half_close": [
        (1, A, "FA", 1, 1, "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "A", 1, 2, "FIN-WAIT-2", "CLOSE-WAIT"),
        (3, P, "PA", 1, 2, "FIN-WAIT-2", "CLOSE-WAIT"),
        (4, A, "A", 2, 4, "FIN-WAIT-2", "CLOSE-WAIT"),
        (5, P, "FA", 4, 2, "TIME-WAIT", "LAST-ACK"),
        (7, A, "A", 2, 5, "TIME-WAIT", "CLOSED"),
    ],
    # close() (not shutdown()), then data from the passive side: nobody will read it, so the
    # initiator answers RST and both ends are closed (RFC 9293 section 3.6.1, Linux).
    "late_data": [
        (1, A, "FA", 1, 1, "FIN-WAIT-1", "CLOSE-WAIT"),
        (2, P, "A", 1, 2, "FIN-WAIT-2", "CLOSE-WAIT"),
        (3, P, "PA", 1, 2, "CLOSED", "CLOSE-WAIT"),
        (4, A, "R", 2, None, "CLOSED", "CLOSED"),
    ],
}
ISN = {"client": 1000, "server": 5000}
#: Segments on the wire from the first close() or shutdown(), on the Linux stack: FIN, ACK, FIN,
#: ACK (the passive application closes after the delayed ACK has gone); the ACK merged into the
#: FIN (it closes before); both FINs and both ACKs crossing; the half-close's extra data segment
#: and its ACK; one RST,ACK for close() with unread data; FIN, ACK, the late data and the RST
#: that answers it.
CLOSE_SEGMENTS = {
    "normal": 4,
    "merge": 3,
    "simultaneous": 4,
    "half_close": 6,
    "unread": 1,
    "late_data": 4,
}
#: TCP header length by stack and segment: Linux's SYNs carry MSS 4 + SACK_PERM 2 + Timestamps
#: 10 + NOP 1 + WScale 3 = 20 bytes of options, every later segment NOP 1 + NOP 1 + Timestamps
#: 10 = 12; the minimal stack's SYNs carry MSS only (4), later segments nothing.
HEADER = {
    ("linux", True): 20 + 20,
    ("linux", False): 20 + 12,
    ("minimal", True): 20 + 4,
    ("minimal", False): 20,
}
#: Option sizes (kind and length included), RFC 9293, 2018 and 7323, to read a JSON trace.
OPTION_BYTES = {"MSS": 4, "SACK_PERM": 2, "Timestamps": 10, "NOP": 1, "WScale": 3, "EOL": 1}
ETHERNET, IPV4, UDP, MIN_FRAME = 14, 20, 8, 60


def expected_close_state(p: dict[str, Any]) -> tuple[int, int, str, str, str]:
    """(its number among the segments, its step number, sender, "flags F, seq=S, ack=A", the
    state asked about) of the segment a close-state question picks."""
    steps = CLOSE_STEPS[p["variant"]]
    number = p["pick"] % len(steps) + 1
    index, who, flags, seq, ack, initiator_state, passive_state = steps[number - 1]
    other = "server" if p["initiator"] == "client" else "client"
    sender, receiver = (p["initiator"], other) if who == A else (other, p["initiator"])
    named = f"flags {flags}, seq={ISN[sender] + seq}"
    if ack is not None:
        named += f", ack={ISN[receiver] + ack}"
    state = initiator_state if p["side"] == p["initiator"] else passive_state
    return number, index, sender, named, state


# -- one independent check per generator: (params, question) -> None -------------------------------


def stack_of(q: Question) -> str | None:
    """Which stack a question says both hosts run (None: it names none), checking that both
    languages say the same and that its see command runs that stack."""
    en, zh = q.prompt["en"], q.prompt["zh"]
    if "minimal textbook stack" in en:
        assert "最简教科书协议栈" in zh
        said = "minimal"
    elif "TCP_NODELAY" in en:
        assert "TCP_NODELAY" in zh and "default Linux stack" in en and "Linux 协议栈" in zh
        said = "nodelay"
    elif "default Linux stack" in en:
        assert "默认的 Linux 协议栈" in zh
        said = "linux"
    else:
        assert "Linux" not in zh and "TCP_NODELAY" not in zh
        return None
    argv = shlex.split(q.see)
    assert ("--stack" in argv) == (said == "minimal"), q.see
    if said == "minimal":
        assert argv[argv.index("--stack") + 1] == "minimal"
    assert ("--nodelay" in argv) == (said == "nodelay"), q.see
    return said


def check_synack(p: dict[str, Any], q: Question) -> None:
    isn = p["isn_client"]
    assert stack_of(q) == "linux"
    assert q.answer == (isn + 1) % MOD
    assert str(isn) in q.prompt["en"] and str(isn) in q.prompt["zh"]
    assert f"--isn-client {isn}" in q.see


def check_final_ack(p: dict[str, Any], q: Question) -> None:
    assert stack_of(q) == "linux"
    assert q.answer == (p["isn_server"] + 1) % MOD
    assert str(p["isn_server"]) in q.prompt["en"] and str(p["isn_client"]) in q.prompt["zh"]


def check_syn_retry(p: dict[str, Any], q: Question) -> None:
    lost, nth = p["lost"], p["nth"]
    assert stack_of(q) == "linux"
    assert 1 <= lost <= 6  # within Linux's net.ipv4.tcp_syn_retries = 6: the SYN gets through
    assert 2 <= nth <= lost + 1
    assert q.answer == 2 ** (nth - 1) - 1  # waits of 1, 2, 4, ... s add up to 2^k - 1
    assert f"--lose syn --lose-times {lost}" in q.see


def check_data_ack(p: dict[str, Any], q: Question) -> None:
    assert stack_of(q) == "linux"
    assert q.answer == (p["isn_client"] + 1 + sum(messages_len(p["messages"]))) % MOD
    for m in p["messages"]:
        assert f'"{m}"' in q.prompt["en"] and f'"{m}"' in q.prompt["zh"]


def check_data_seq(p: dict[str, Any], q: Question) -> None:
    messages, which = p["messages"], p["which"]
    assert len(messages) >= 2 and 2 <= which <= len(messages)
    before = sum(messages_len(messages[: which - 1]))
    assert q.answer == (p["isn_client"] + 1 + before) % MOD
    assert stack_of(q) == p["mode"]
    asked = f'"{messages[which - 1]}"'
    if p["mode"] == "linux":  # Nagle decides where segments begin: the question is on a byte
        assert f"first byte of the {which}" in q.prompt["en"] and asked in q.prompt["en"]
        assert "第一个字节" in q.prompt["zh"]
    else:  # each write is its own segment
        assert "segment carrying" in q.prompt["en"] and asked in q.prompt["en"]
        assert "报文段" in q.prompt["zh"]


def check_nagle(p: dict[str, Any], q: Question) -> None:
    messages, mode = p["messages"], p["mode"]
    n = len(messages)
    assert n >= 2 and sum(messages_len(messages)) < 1448  # far less than one segment
    # Nagle (Minshall, Linux): the first small write leaves, the rest wait for its ACK and then
    # leave together. Without Nagle (TCP_NODELAY, or the minimal stack): one segment per write.
    assert q.answer == (2 if mode == "linux" else n)
    assert stack_of(q) == mode
    for m in messages:
        assert f'"{m}"' in q.prompt["en"] and f'"{m}"' in q.prompt["zh"]


def check_header(p: dict[str, Any], q: Question) -> None:
    mode, segment, unit = p["mode"], p["segment"], p["unit"]
    length = HEADER[(mode, segment in ("syn", "synack"))]
    assert q.answer == (length if unit == "bytes" else length // 4)
    assert stack_of(q) == mode
    assert ("Timestamps" in q.prompt["en"]) == (mode == "linux")
    assert ("--detail" not in q.see) and q.see.split()[2] == (
        "handshake" if segment in ("syn", "synack", "ack") else "tcp"
    )


def check_close_state(p: dict[str, Any], q: Question) -> None:
    assert stack_of(q) == "linux"
    number, index, sender, named, state = expected_close_state(p)
    assert q.choices[q.answer] == {"en": state, "zh": state}
    # numbered as the learner counts the segments (the hidden timer steps do not count), and
    # named by sender, flags, seq and ack, which no other segment of the close shares
    assert f"segment {number} is the {sender}'s " in q.prompt["en"]
    assert f"{named})." in q.prompt["en"]
    assert f"第 {number} 个报文段" in q.prompt["zh"]
    assert "Step " not in q.prompt["en"] and "步" not in q.prompt["zh"]
    # the step table's own number is said when it differs
    assert (f"step {index}:" in q.explanation["en"]) == (index != number)


def check_close_segments(p: dict[str, Any], q: Question) -> None:
    assert q.answer == CLOSE_SEGMENTS[p["variant"]]
    assert stack_of(q) == "linux"
    said = {"half_close": "shutdown(SHUT_WR)", "unread": "never reads", "late_data": "still sends"}
    if p["variant"] in said:
        assert said[p["variant"]] in q.prompt["en"]


def check_time_wait(p: dict[str, Any], q: Question) -> None:
    assert stack_of(q) == "linux"
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


def check_unread(p: dict[str, Any], q: Question) -> None:
    # close() with data unread: RST instead of FIN (RFC 9293 section 3.6.1); Linux sends RST,ACK
    assert q.choices[q.answer]["en"].startswith("RST,ACK")
    assert q.choices[q.answer]["zh"].startswith("RST,ACK")
    assert stack_of(q) == "linux"
    assert f'"{p["message"]}"' in q.prompt["en"] and f'"{p["message"]}"' in q.prompt["zh"]
    assert shlex.split(q.see)[-3:] == ["--unread", "--data", p["message"]]


def check_frame(p: dict[str, Any], q: Question) -> None:
    data = len(p["message"].encode())
    if p["transport"] == "udp":
        expected = ETHERNET + IPV4 + UDP + data
        assert stack_of(q) is None
        assert shlex.split(q.see)[:5] == ["netlab", "simulate", "layers", "--udp", "--message"]
    else:
        syn = p["segment"] == "syn"
        payload = data if p["segment"] == "data" else 0
        expected = ETHERNET + IPV4 + HEADER[(p["mode"], syn)] + payload
        assert stack_of(q) == p["mode"]
        # the question says whether the header carries the Timestamps option
        assert ("Timestamps" in q.prompt["en"]) == (p["mode"] == "linux")
        assert ("Timestamps" in q.prompt["zh"]) == (p["mode"] == "linux")
    assert q.answer == expected
    for text in (q.prompt["en"], q.explanation["en"]):
        assert f"{expected} bytes on the wire" not in text
    if expected < MIN_FRAME:
        assert (
            f"captured size {expected} bytes, padded to 60 + 4-byte FCS on the wire"
            in q.explanation["en"]
        )
    else:
        assert f"{expected + 4} bytes" in q.explanation["en"]  # with the FCS


CHECKS: dict[str, Callable[[dict[str, Any], Question], None]] = {
    "handshake-synack-ack": check_synack,
    "handshake-final-ack": check_final_ack,
    "handshake-syn-retry": check_syn_retry,
    "tcp-data-ack": check_data_ack,
    "tcp-data-seq": check_data_seq,
    "tcp-nagle-segments": check_nagle,
    "tcp-header-length": check_header,
    "close-state": check_close_state,
    "close-segments": check_close_segments,
    "close-time-wait": check_time_wait,
    "close-unread": check_unread,
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
        assert see[2] in ("handshake", "close", "tcp", "layers")
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
    frames = [generate.parameters("frame-size", s) for s in SEEDS]
    assert {f["transport"] for f in frames} == {"tcp", "udp"}
    tcp_frames = [f for f in frames if f["transport"] == "tcp"]
    assert {(f["mode"], f["segment"]) for f in tcp_frames} == {
        (mode, segment) for mode in ("linux", "minimal") for segment in ("syn", "ack", "data")
    }
    sizes = [generate.make("frame-size", s).answer for s in SEEDS]
    assert min(sizes) < MIN_FRAME <= max(sizes)  # padded frames and full ones
    states = {expected_close_state(generate.parameters("close-state", s))[1] for s in SEEDS}
    assert len(states) >= 5
    assert {generate.parameters("close-state", s)["variant"] for s in SEEDS} == set(CLOSE_STEPS)
    for gid in ("tcp-data-seq", "tcp-nagle-segments"):
        assert {generate.parameters(gid, s)["mode"] for s in SEEDS} == {
            "linux",
            "nodelay",
            "minimal",
        }
    headers = {tuple(generate.parameters("tcp-header-length", s).values()) for s in SEEDS}
    assert len(headers) >= 12
    assert {generate.make("tcp-header-length", s).answer for s in SEEDS} >= {40, 32, 24, 20}


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
        if "--detail" in argv:  # a view that cannot be JSON: the frame's captured size is shown
            shown = " ".join(cli(argv).split())
            assert gid == "frame-size"
            size = q.answer
            assert f"{size} bytes as captured" in shown or f"captured size {size} bytes" in shown
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
            data = [s["tcp"] for s in segs if s["src"] == "client" and s["tcp"]["len"]]
            assert any(0 <= (q.answer - d["seq"]) % MOD < d["len"] for d in data)
            if generate.parameters(gid, seed)["mode"] != "linux":
                assert q.answer in [d["seq"] for d in data]
        elif gid == "tcp-nagle-segments":
            data = [s for s in segs if s["src"] == "client" and s["tcp"]["len"]]
            assert len(data) == q.answer
        elif gid == "tcp-header-length":
            p = generate.parameters(gid, seed)
            tcp = [s["tcp"] for s in segs]
            pick = {
                "syn": lambda s: s["flags"] == "S",
                "synack": lambda s: s["flags"] == "SA",
                "ack": lambda s: s["flags"] == "A" and not s["len"],
                "data": lambda s: s["len"] > 0,
                "fin": lambda s: "F" in s["flags"],
            }[p["segment"]]
            seg = next(s for s in tcp if pick(s))
            raw = sum(OPTION_BYTES[o["name"]] for o in seg["options"])
            length = 20 + (raw + 3) // 4 * 4
            assert q.answer == (length if p["unit"] == "bytes" else length // 4)
        elif gid == "close-unread":
            initiator = generate.parameters(gid, seed)["initiator"]
            mine = [s["tcp"]["flags"] for s in segs if s["src"] == initiator]
            assert "RA" in mine and not any("F" in f for f in mine)
        elif gid == "close-state":
            p = generate.parameters(gid, seed)
            number, index, _sender, _named, state = expected_close_state(p)
            assert doc["steps"][index - 1]["states"][p["side"]] == state
            assert doc["steps"][index - 1]["tcp"] == segs[number - 1]["tcp"]
        elif gid == "close-segments":
            first = next(i for i, s in enumerate(segs) if set(s["tcp"]["flags"]) & set("FR"))
            assert len(segs) - first == q.answer
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
