"""Every view works for every scenario with more than two nodes (layers, arp, nat, dhcp, dns,
journey): the JSON contract (version 2), ``--step``, ``--detail``, ``--hexdump``, ``--svg``,
both languages, and the journey's own bad input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from contract import STEP_KEYS

SCENARIOS = [
    pytest.param(("layers",), id="layers"),
    pytest.param(("layers", "--udp", "--model", "osi"), id="layers-udp-osi"),
    pytest.param(("arp",), id="arp"),
    pytest.param(("arp", "--hub", "--target", "8.8.8.8"), id="arp-hub-offlink"),
    pytest.param(("arp", "--loop"), id="arp-loop"),
    pytest.param(("nat",), id="nat"),
    pytest.param(("nat", "--mode", "dynamic"), id="nat-dynamic"),
    pytest.param(("dhcp", "--clients", "3", "--pool-size", "2"), id="dhcp-exhausted"),
    pytest.param(("dns", "--again"), id="dns-again"),
    pytest.param(("journey",), id="journey"),
    pytest.param(("route",), id="route"),
    pytest.param(("route", "--topology", "mesh", "--traceroute"), id="route-mesh-traceroute"),
]

#: a catalogue key printed instead of its text: "table.arp.ip", "ui.lanes.info", "node.tld"
MISSING_KEY = re.compile(
    r"\b(?:ui|table|node|help|errors|journey|arp|nat|dhcp|dns|layers|route)\.[a-z_]+"
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_json_contract_version_2(scenario, run_json):
    doc = run_json("simulate", *scenario, "--json")
    assert doc["version"] == 4 and doc["scenario"] == scenario[0]
    names = {n["name"] for n in doc["nodes"]}
    previous = 0.0
    for number, step in enumerate(doc["steps"], start=1):
        assert set(step) == STEP_KEYS
        assert step["index"] == number
        assert step["time"] >= previous
        previous = step["time"]
        assert step["src"] in names
        assert isinstance(step["note"], str) and step["note"]
        assert isinstance(step["fields"], dict) and isinstance(step["tables"], dict)
        if step["dst"] is None:
            assert step["to"] == [] and step["protocol"] is None
        else:
            assert step["to"] and step["to"][0] == step["dst"]
            assert set(step["to"]) <= names and step["src"] not in step["to"]
            assert step["protocol"] and step["summary"]
            assert step["layers"] and step["layers"][0] == "Ether"
            assert (step["tcp"] is not None) == ("TCP" in step["layers"])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_has_no_missing_text(scenario, lang, run):
    status, out, err = run("--lang", lang, "simulate", *scenario)
    assert status == 0, err
    assert not MISSING_KEY.findall(out), MISSING_KEY.findall(out)[:5]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_step_plays_to_the_end_without_input(scenario, run, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda _prompt="": (_ for _ in ()).throw(EOFError))
    status, out, err = run("simulate", *scenario, "--step")
    assert status == 0, err
    steps = re.findall(r"Step (\d+) of (\d+)", out)
    assert steps and steps[-1][0] == steps[-1][1]


@pytest.mark.parametrize("scenario", SCENARIOS[::3])
def test_detail_hexdump_and_svg(scenario, run, tmp_path: Path):
    svg = tmp_path / "out.svg"
    status, out, err = run("simulate", *scenario, "--detail", "--hexdump", "--svg", str(svg))
    assert status == 0, err
    assert "Ethernet II" in out and "0000  " in out
    assert svg.read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--name", "no spaces.example"), "--name"),
        (("--name", "-bad-.com"), "--name"),
        (("--seed", "-1"), "--seed"),
        (("--seed", "x"), "--seed"),
    ],
)
def test_journey_bad_input(args, fragment, run):
    status, out, err = run("simulate", "journey", *args)
    assert status == 2 and out == ""
    assert err.startswith("netlab: error: ") and fragment in err
    assert len(err.strip().splitlines()) == 1
