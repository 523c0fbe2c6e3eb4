"""Generated questions on layers, DHCP, DNS and NAT (``netlab.quiz.generate_layers``,
``generate_dhcp``, ``generate_dns``, ``generate_nat``).

Valid, deterministic per seed, and right: every answer is checked against something worked
out here without the simulation's logic: the PDU of each layer and the header sizes written
out by hand (14 + 20 + 20 or 8 + the message), DORA's order and RFC 2131's broadcasts, the
lowest free address of the pool, the DNS tree of a name (its TLD and zone), the header flags
of a referral, of an authoritative answer and of a recursive answer, and the rules of PAT (keep
a free port, never reuse a taken one). Each question has exactly one defensible answer: no
choice that a textbook would also accept, every assumption said, nothing claimed that is not
true of the case at hand. The ``see`` command of each question is run too, and shows the same
numbers. A fresh interpreter checks that making these questions imports no scapy.
"""

from __future__ import annotations

import json
import os
import random
import re
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
    lan_terms,
)
from netlab.quiz.model import LETTERS, Question, Shown, grade
from netlab.quiz.session import choice_order
from netlab.sim import nat

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(60)
KNOWN_TOPICS = {t["id"] for t in tomllib.loads((ROOT / "data/topics.toml").read_text())["topic"]}
MODULES = (generate_layers, generate_dhcp, generate_dns, generate_nat)
IDS = [r.id for m in MODULES for r in m.RECIPES]
EXPECTED = {
    "layers-pdu": "osi",
    "layers-header-bytes": "tcpip",
    "dhcp-order": "dhcp",
    "dns-referral": "dns",
    "nat-translation": "nat",
}
CJK = re.compile(r"[\u4e00-\u9fff]")

# -- written out by hand ---------------------------------------------------------------------------

#: OSI layer number -> (layer, PDU); the transport PDU depends on TCP or UDP. The application
#: hands down a message (the notes' word); the presentation and session layers add nothing to it.
OSI = {
    7: ("application", "message"),
    6: ("presentation", "message"),
    5: ("session", "message"),
    4: ("transport", None),
    3: ("network", "packet"),
    2: ("data link", "frame"),
    1: ("physical", "bits"),
}
#: The five-layer model: the same names, numbered 5 (application) to 1.
TCPIP = {5: OSI[7], 4: OSI[4], 3: OSI[3], 2: OSI[2], 1: OSI[1]}
HEADERS = {"eth": 14, "ip": 20, "TCP": 20, "UDP": 8}
DORA = ["Discover", "Offer", "Request", "ACK"]
PUBLIC = "203.0.113.5"


def pdu_of(layer: str, udp: bool) -> str:
    if layer == "transport":
        return "datagram" if udp else "segment"
    return next(pdu for name, pdu in OSI.values() if name == layer.replace("_", " "))


def number_of(layer: str, model: str) -> int:
    table = OSI if model == "osi" else TCPIP
    return next(n for n, (name, _) in table.items() if name == layer.replace("_", " "))


#: Every name a textbook accepts for the unit at a layer: IP's packet is an "internet
#: datagram" in RFC 791, and Kurose and Ross call UDP's unit a segment too.
ACCEPTED = {
    "application": {"message"},
    "network": {"packet", "datagram"},
    "data_link": {"frame"},
    "physical": {"bits"},
}
#: Names reserved for examples (RFC 2606, RFC 6761): the only names a question may resolve.
RESERVED = re.compile(r"^(?:[a-z0-9-]+\.)*(?:example\.(?:com|net|org)|[a-z0-9-]+\.example)$")
LAYER_CHOICE = re.compile(r"^The (.+) layer \(layer (\d)\)$")


def accepted(layer: str, udp: bool) -> set[str]:
    if layer == "transport":
        return {"datagram", "segment"} if udp else {"segment"}
    return ACCEPTED.get(layer, set())  # presentation, session: no unit name of their own


def zone_and_tld(name: str) -> tuple[str, str]:
    """An example name's zone is right under its TLD: the last two labels."""
    labels = name.split(".")
    return ".".join(labels[-2:]), labels[-1]


# -- one independent check per generator -----------------------------------------------------------


def check_pdu(p: dict[str, Any], q: Question) -> None:
    layer, udp, model = p["layer"], p["udp"], p["model"]
    right = q.choices[q.answer]["en"]
    number = number_of(layer, model)
    if p["reverse"]:
        assert right == f"The {layer.replace('_', ' ')} layer (layer {number})"
        name = pdu_of(layer, udp)
        assert f"called a {name}?" in q.prompt["en"]
        # no other layer offered where the name is right too (datagram: IP's packet)
        offered = [LAYER_CHOICE.match(c["en"]).group(1).replace(" ", "_") for c in q.choices]
        assert [k for k in offered if name in accepted(k, udp)] == [layer], offered
    else:
        assert right == pdu_of(layer, udp)
        assert f"{layer.replace('_', ' ')} layer (layer {number})" in q.prompt["en"]
        # the presentation and session layers have no unit name in common use
        assert layer in ACCEPTED or layer == "transport"
        # exactly one choice a textbook accepts: not "datagram" for IP, not "segment" for UDP
        assert [c["en"] for c in q.choices if c["en"] in accepted(layer, udp)] == [right]
    assert ("UDP" if udp else "TCP") in q.prompt["en"]
    assert q.see == f"netlab simulate layers --model {model}" + (" --udp" if udp else "")


def check_bytes(p: dict[str, Any], q: Question) -> None:
    n = len(p["message"].encode("utf-8"))
    l4 = HEADERS["UDP" if p["udp"] else "TCP"]
    expected = {
        "frame": 14 + 20 + l4 + n,
        "packet": 20 + l4 + n,
        "transport": l4 + n,
        "headers": 14 + 20 + l4,
    }[p["size"]]
    assert q.answer == expected
    assert f"({n} bytes in UTF-8)" in q.prompt["en"]
    assert p["message"] in q.prompt["zh"]  # the message is shown as is, in both languages
    assert shlex.split(q.see)[3:5] == ["--message", p["message"]]
    # the UTF-8 sum says what is true of this message: its characters, a full-width comma
    # only when it has one
    message, en, zh = p["message"], q.explanation["en"], q.explanation["zh"]
    if message.isascii():
        assert "UTF-8" not in en and "UTF-8" not in zh
    else:
        commas = message.count("，")
        wide = len(re.findall(r"[\u4e00-\u9fff]", message)) + commas
        narrow = sum(ch.isascii() for ch in message)
        assert wide + narrow == len(message)
        said = f"{wide} × 3 = {n}"
        if narrow:
            said = f"{narrow} + {said}"
        assert f"{said} bytes." in en and f"{said} 字节。" in zh
        assert ("full-width comma" in en) == bool(commas)
        assert ("全角逗号" in zh) == bool(commas)
    frame = 14 + 20 + l4 + n
    if p["size"] == "frame" and frame < 60:
        pad = 60 - frame
        assert f"with {pad} zero {'byte' if pad == 1 else 'bytes'} on the wire" in en


def check_dhcp(p: dict[str, Any], q: Question) -> None:
    names = [chr(ord("A") + i) for i in range(p["clients"])]
    host = names[p["host"]]
    variant = p["variant"]
    if variant == "order":
        assert q.kind == "order"
        assert [c["en"].split(":")[0] for c in q.choices] == DORA
    elif variant == "step":
        k = p["k"]
        who, message = names[(k - 1) // 4], DORA[(k - 1) % 4]
        label = f"{message} from {who}" if message in ("Discover", "Request") else None
        label = label or f"{message} from the server to {who}"
        assert q.choices[q.answer]["en"] == label
        assert f"message number {k}?" in q.prompt["en"]
        first = 4 * ((k - 1) // 4) + 1  # the explanation names the host message k belongs to
        assert f"messages {first} to {first + 3} belong to {who}." in q.explanation["en"]
    elif variant == "broadcast":
        expected = set(DORA) if p["broadcast_flag"] else {"Discover", "Request"}
        assert {q.choices[i]["en"] for i in q.answer} == expected
        assert f"host {host}'s exchange" in q.prompt["en"]
    else:
        index = p["host"]
        expected = f"192.168.1.{100 + index}" if index < p["pool_size"] else None
        right = q.choices[q.answer]["en"]
        if expected is None:
            assert right.startswith("None")
        else:
            assert right == expected
        # the answer rests on the server's choice of address: the question says it
        assert "offers each client the lowest free address of its pool" in q.prompt["en"]
        assert "最小的空闲地址" in q.prompt["zh"]
    # Windows 7 and later start with the BROADCAST flag clear: never "as Windows does"
    for said in (q.prompt["en"], q.explanation["en"]):
        assert "as Windows does" not in said
    assert "和 Windows 一样" not in q.prompt["zh"] + q.explanation["zh"]
    assert ("--broadcast-flag" in q.see) == p["broadcast_flag"]
    assert f"--clients {p['clients']}" in q.see


def check_dns(p: dict[str, Any], q: Question) -> None:
    name, qtype = p["name"], p["qtype"]
    assert RESERVED.match(name), name
    zone, tld = zone_and_tld(name)
    variant = p["variant"]
    if variant == "next":
        right = q.choices[q.answer]["en"]
        if p["after"] == "root":
            assert right.startswith(f"The {tld} TLD server ")
        else:
            assert right.startswith(f"The {zone} authoritative server ns1.{zone} ")
    elif variant == "flags":
        expected = {"laptop": {"QR", "RD", "RA"}, "auth": {"QR", "AA"}, "root": {"QR"}}
        picked = {q.choices[i]["en"].split()[0] for i in q.answer}
        assert picked == expected[p["whose"]]
    else:
        assert q.answer == (3 if p["lookup"] == 0 else 0)  # root, TLD, zone; then the cache
        assert q.see.endswith("--again")
    assert f"the {qtype} record of {name}" in q.prompt["en"]
    assert f"--name {name}" in q.see


def check_nat(p: dict[str, Any], q: Question) -> None:
    options = nat.NatOptions(hosts=p["hosts"], flows=p["flows"], seed=p["seed"])
    flows = nat.plan(options)  # who sends from which port: the input, not the translation
    flow = flows[p["flow"]]
    local = f"192.168.1.{10 + flow.host}:{flow.sport}"
    # PAT by hand: a free (protocol, port) is kept, a taken one is replaced by a free one
    taken: dict[tuple[str, int], str] = {}
    ports: dict[int, int] = {}
    for f in flows[: p["flow"] + 1]:
        owner = f"192.168.1.{10 + f.host}:{f.sport}"
        if (f.proto, f.sport) not in taken:
            ports[f.number] = f.sport
        else:
            seen = re.findall(rf"{owner} ↔ {PUBLIC}:(\d+)", q.prompt["en"])
            if f.number == flow.number and p["direction"] == "out":
                chosen = q.choices[q.answer]["en"]
                assert chosen.startswith(f"{PUBLIC}:")
                seen = [chosen.split(":")[1]]
            ports[f.number] = int(seen[0])
            assert ports[f.number] != f.sport
            assert 1024 <= ports[f.number] <= 65535
        assert (f.proto, ports[f.number]) not in taken
        taken[(f.proto, ports[f.number])] = owner
    outside = f"{PUBLIC}:{ports[flow.number]}"
    if p["direction"] == "out":
        assert q.choices[q.answer]["en"] == outside
        assert f"from port {flow.sport} to" in q.prompt["en"]
    else:
        assert q.answer == (local,)
        assert f"to {outside}." in q.prompt["en"]
    assert q.see.startswith(f"netlab simulate nat --hosts {p['hosts']} --flows {p['flows']}")


CHECKS: dict[str, Callable[[dict[str, Any], Question], None]] = {
    "layers-pdu": check_pdu,
    "layers-header-bytes": check_bytes,
    "dhcp-order": check_dhcp,
    "dns-referral": check_dns,
    "nat-translation": check_nat,
}


# -- the catalogue ---------------------------------------------------------------------------------


def test_catalogue() -> None:
    assert {r.id: r.topic for m in MODULES for r in m.RECIPES} == EXPECTED
    assert set(CHECKS) == set(IDS)
    registered = dict(generate.available())
    for gid, topic in EXPECTED.items():
        assert registered[gid] == topic, "registered with the other generators"
        assert topic in KNOWN_TOPICS
        assert not generate.GENERATORS[gid].needs_scapy


# -- every generator, many seeds -------------------------------------------------------------------


def assert_valid(q: Question, gid: str) -> None:
    assert q.id == f"gen-{gid}" and q.generator == gid and q.topic == EXPECTED[gid]
    for field in (q.prompt, q.explanation):
        assert set(field) == {"en", "zh"}
        assert all(isinstance(v, str) and v.strip() for v in field.values())
        assert field["en"] != field["zh"]
        assert CJK.search(field["zh"])
        assert "  " not in field["en"] and "  " not in field["zh"]
    see = shlex.split(q.see)
    assert see[:2] == ["netlab", "simulate"]
    assert see[2] in ("layers", "dhcp", "dns", "nat")
    if q.kind == "fill":
        assert q.choices == ()
        if isinstance(q.answer, tuple):
            assert q.answer and all(isinstance(a, str) and a.strip() for a in q.answer)
        else:
            assert type(q.answer) is int
        return
    assert len(q.choices) == 4
    for lang in ("en", "zh"):
        texts = [c[lang] for c in q.choices]
        assert all(isinstance(t, str) and t.strip() for t in texts)
        assert len(set(texts)) == len(texts), texts
    if q.kind == "single":
        assert type(q.answer) is int and 0 <= q.answer < len(q.choices)
    elif q.kind == "multiple":
        assert isinstance(q.answer, frozenset) and q.answer
        assert all(0 <= i < len(q.choices) for i in q.answer)
    else:
        assert q.kind == "order" and q.answer is None


def wrong_answer(shown: Shown) -> str:
    q = shown.question
    count = len(shown.order)
    right = shown.expected()
    if q.kind == "single":
        return next(ch for ch in LETTERS[:count] if ch != right)
    if q.kind == "multiple":
        return next(ch for ch in LETTERS[:count] if ch not in right) if len(right) < count else "A"
    if q.kind == "order":
        return right[1] + right[0] + right[2:]
    if isinstance(q.answer, int):
        return str(q.answer + 1)
    return "192.168.1.254:1"


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
        shown = Shown(q, choice_order(q, random.Random(seed)))
        verdict = grade(shown, shown.expected())
        assert verdict.valid and verdict.correct, (seed, shown.expected(), verdict)
        wrong = grade(shown, wrong_answer(shown))
        assert wrong.valid and not wrong.correct, (seed, wrong)


@pytest.mark.parametrize("gid", IDS)
def test_seeds_give_different_questions(gid: str) -> None:
    prompts = {generate.make(gid, seed).prompt["en"] for seed in SEEDS}
    assert len(prompts) >= 10


def test_the_draws_cover_the_interesting_cases() -> None:
    def drawn(gid: str, *keys: str) -> set[tuple[Any, ...]]:
        return {tuple(generate.parameters(gid, s)[k] for k in keys) for s in range(200)}

    assert {v for (v,) in drawn("layers-pdu", "reverse")} == {True, False}
    assert {m for (m,) in drawn("layers-pdu", "model")} == {"osi", "tcpip"}
    # the cases where a second name would be right: IP's datagram, UDP's segment
    pdu = drawn("layers-pdu", "reverse", "layer", "udp")
    assert {(True, "transport", True), (False, "network", False), (False, "transport", True)} <= pdu
    assert not {layer for _, layer, _ in pdu} & {"presentation", "session"}
    assert {s for (s,) in drawn("layers-header-bytes", "size")} == set(generate_layers.SIZES)
    dhcp = drawn("dhcp-order", "variant", "broadcast_flag")
    assert dhcp == {(v, False) for v in generate_dhcp.DHCP_VARIANTS} | {("broadcast", True)}
    dns = drawn("dns-referral", "variant")
    assert {v for (v,) in dns} == set(generate_dns.DNS_VARIANTS)
    assert {n for (n,) in drawn("dns-referral", "name")} == set(generate_dns.DNS_NAMES)
    assert all(RESERVED.match(name) for name in generate_dns.DNS_NAMES)
    # an address question where the pool runs out before the host asks
    assert any(
        p["variant"] == "address" and p["host"] >= p["pool_size"]
        for p in (generate.parameters("dhcp-order", s) for s in range(200))
    )
    # NAT: the port B shares with A (changed), ports kept, both directions, TCP and UDP
    kinds = set()
    for s in range(200):
        p = generate.parameters("nat-translation", s)
        flow = nat.plan(nat.NatOptions(hosts=p["hosts"], flows=p["flows"], seed=p["seed"]))[
            p["flow"]
        ]
        kinds.add((p["direction"], p["flow"] == 1, flow.proto))
    assert {(d, c) for d, c, _ in kinds} == {(d, c) for d in ("out", "in") for c in (True, False)}
    assert {proto for *_, proto in kinds} == {"TCP", "UDP"}


def test_chinese_spacing_leaves_the_messages_alone() -> None:
    for message in generate_layers.LAYER_MESSAGES:
        assert lan_terms.spaced(message) == message
    assert lan_terms.spaced("在OSI模型中第3层") == "在 OSI 模型中第 3 层"


@pytest.mark.parametrize("message", generate_layers.LAYER_MESSAGES)
def test_every_message_has_its_utf8_sum(message: str) -> None:
    """Each message of the byte questions, asked about: its UTF-8 sum is worded and true."""
    ask = next(r.ask for r in generate_layers.RECIPES if r.id == "layers-header-bytes")
    q = ask({"message": message, "udp": True, "size": "transport"})
    check_bytes({"message": message, "udp": True, "size": "transport"}, q)


# -- the see command shows the same numbers --------------------------------------------------------


def shows_answer(gid: str, p: dict[str, Any], q: Question, doc: dict[str, Any]) -> None:
    steps = doc["steps"]
    if gid == "layers-pdu":
        key = p["layer"]
        fields = next(s["fields"] for s in steps if s["fields"].get("layer") == key)
        if p["reverse"]:
            assert fields["number"] == number_of(key, p["model"])
        else:  # the scenario's key for the application's unit is "data"; it says "message"
            assert {"data": "message"}.get(fields["pdu"], fields["pdu"]) == q.choices[q.answer][
                "en"
            ]
    elif gid == "layers-header-bytes":
        local = {s["fields"]["layer"]: s["fields"] for s in steps if "layer" in s["fields"]}
        n = len(p["message"].encode())
        total = {
            "frame": local["data_link"]["total_bytes"],
            "packet": local["network"]["total_bytes"],
            "transport": local["transport"]["total_bytes"],
            "headers": local["data_link"]["total_bytes"] - n,
        }[p["size"]]
        assert total == q.answer
    elif gid == "dhcp-order":
        dhcp_steps = [s for s in steps if s["protocol"] == "DHCP"]
        host = chr(ord("A") + p["host"])
        mine = [s for s in dhcp_steps if host in (s["src"], s["dst"])]
        if p["variant"] == "order":
            assert [s["fields"]["message"] for s in mine[:4]] == DORA
        elif p["variant"] == "step":
            step = dhcp_steps[p["k"] - 1]
            assert q.choices[q.answer]["en"].startswith(step["fields"]["message"])
        elif p["variant"] == "broadcast":
            broadcast = "ff:ff:ff:ff:ff:ff"
            sent = {s["fields"]["message"] for s in mine[:4] if s["fields"]["eth_dst"] == broadcast}
            assert {q.choices[i]["en"] for i in q.answer} == sent
        else:
            node = next(n for n in doc["nodes"] if n["name"] == host)
            right = q.choices[q.answer]["en"]
            assert node["ip"] == right or (node["ip"] is None and right.startswith("None"))
    elif gid == "dns-referral":
        dns_steps = [s for s in steps if s["protocol"] == "DNS"]
        if p["variant"] == "next":
            referral = next(s for s in dns_steps if s["src"] == p["after"])
            later = [s for s in dns_steps if s["index"] > referral["index"]]
            asked = next(n for n in doc["nodes"] if n["name"] == later[0]["dst"])
            assert asked["ip"] in q.choices[q.answer]["en"]
        elif p["variant"] == "flags":
            src = "resolver" if p["whose"] == "laptop" else p["whose"]
            reply = next(s for s in dns_steps if s["src"] == src and s["fields"]["qr"])
            flags = {f.upper() for f in ("qr", "aa", "rd", "ra") if reply["fields"][f]}
            assert {q.choices[i]["en"].split()[0] for i in q.answer} == flags
        else:
            stub = [s["index"] for s in dns_steps if s["src"] == "laptop"]
            lookup = stub[p["lookup"]], (stub[1] if p["lookup"] == 0 else 10**9)
            upstream = [
                s
                for s in dns_steps
                if s["src"] == "resolver" and s["dst"] != "laptop" and lookup[0] < s["index"]
                if s["index"] < lookup[1]
            ]
            assert len(upstream) == q.answer
    else:
        translated = [s["fields"] for s in steps if s["fields"].get("translated")]
        if p["direction"] == "out":
            assert any(f["src"] == q.choices[q.answer]["en"] for f in translated)
        else:
            assert any(f["dst"] == q.answer[0] for f in translated)


@pytest.mark.parametrize("gid", IDS)
def test_the_see_command_shows_the_answer(gid: str, cli: Callable[[list[str]], str]) -> None:
    for seed in range(8):
        q = generate.make(gid, seed)
        doc = json.loads(cli([*shlex.split(q.see)[1:], "--json"]))
        shows_answer(gid, generate.parameters(gid, seed), q, doc)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "zh"
    return env


@pytest.mark.parametrize("gid", IDS)
def test_the_see_command_runs_as_typed(gid: str) -> None:
    """``python -m netlab`` with the words of the see command, as a learner would type it."""
    argv = shlex.split(generate.make(gid, 1).see)[1:]
    result = subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and not result.stderr.strip()


# -- no scapy --------------------------------------------------------------------------------------


def test_making_these_questions_imports_no_scapy() -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from netlab.quiz import generate
        for gid in {IDS!r}:
            for seed in range(20):
                generate.make(gid, seed)
        print(sorted(m for m in sys.modules if m.startswith("scapy")) or "none")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["none"]


@pytest.mark.parametrize("module", [m.__name__ for m in MODULES])
def test_each_module_imports_first(module: str) -> None:
    """A generator module can be imported before ``generate``: no import cycle."""
    code = (
        f"import {module}\n"
        "from netlab.quiz import generate\n"
        "print(sorted(set(generate.GENERATORS) & {'dhcp-order', 'nat-translation'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['dhcp-order', 'nat-translation']"


def test_ids_stay_what_the_stores_know() -> None:
    """Progress in the learners' stores refers to these ids: moving code must not change them."""
    ids = [gid for gid, _ in generate.available()]
    first = ids.index(next(iter(EXPECTED)))
    assert ids[first : first + len(EXPECTED)] == list(EXPECTED)
    for gid in EXPECTED:
        assert generate.make(gid, 0).id == f"gen-{gid}"
