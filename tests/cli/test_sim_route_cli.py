"""``netlab simulate route`` through the real CLI: options, outputs, and every bad value.

Runs ``netlab.cli.main.main`` in-process (the ``run`` fixture of conftest.py).
"""

from __future__ import annotations

import re

import pytest

PREFIX = "netlab: error: "
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_default_run_draws_the_topology_then_the_lookups(run):
    status, out, err = run("simulate", "route")
    assert status == 0, err
    flat = " ".join(out.split())
    assert flat.index("Networks of topology campus") < flat.index("Why, step by step")
    assert "Routing table of R1" in flat
    assert "Longest-prefix match at R2" in flat
    assert "TTL 64 → 63" in flat
    assert "crossed 2 routers" in flat


def test_traceroute_prints_the_hop_list(run):
    status, out, err = run("simulate", "route", "--topology", "line", "--traceroute")
    assert status == 0, err
    assert "traceroute to 192.168.3.10 (192.168.3.10), 30 hops max, 60 byte packets" in out
    hops = re.findall(r"^ ?(\d+)  (\S+)  [\d.]+ ms", out, re.M)
    assert hops == [
        ("1", "192.168.1.1"),
        ("2", "10.0.12.2"),
        ("3", "10.0.23.2"),
        ("4", "192.168.3.10"),
    ]


def test_chinese_report(run):
    status, out, err = run("simulate", "route", "--ttl", "1", "--lang", "zh")
    assert status == 0, err
    assert "超时报文" in "".join(out.split())


def test_json_has_every_router_table_after_each_step(run_json):
    doc = run_json("simulate", "route", "--topology", "mesh")
    assert doc["scenario"] == "route"
    for step in doc["steps"]:
        assert {k for k in step["tables"] if k.startswith("route:")} == {
            f"route:R{i}" for i in range(1, 6)
        }
    frames = [s for s in doc["steps"] if s["dst"] is not None]
    assert {s["protocol"] for s in frames} == {"ICMP"}
    # fewest hops: straight over the costly R1-R5 link
    assert [s["dst"] for s in frames if s["fields"]["kind"] == "echo_request"] == [
        "R1",
        "R5",
        "B",
    ]


def test_no_route_answers_network_unreachable(run_json):
    doc = run_json("simulate", "route", "--to", "198.51.100.7")
    infos = [s["info"] for s in doc["steps"] if s["dst"] is not None]
    assert infos[-1] == "Destination unreachable (Network unreachable)"


def test_pcap(run, tmp_path):
    path = tmp_path / "r.pcap"
    status, _out, err = run("simulate", "route", "--traceroute", "--pcap", str(path))
    assert status == 0, err
    assert path.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--topology", "star"), ("star", "campus", "mesh")),
        (("--to", "192.168.2"), ("--to", "192.168.2")),
        (("--to", "224.0.0.9"), ("--to", "224.0.0.9")),
        (("--ttl", "0"), ("--ttl", "0")),
        (("--ttl", "256"), ("--ttl", "256")),
        (("--ttl", "x"), ("--ttl", "x")),
        (("--ttl", "3", "--traceroute"), ("--ttl", "--traceroute")),
        (("--protocol", "bgp"), ("--protocol", "bgp", "static", "rip", "ospf")),
        (("--to", "192.168.1.77"), ("192.168.1.77",)),
        (("--to", "10.0.12.3"), ("10.0.12.3",)),
        (("--topology", "missing.toml"), ("missing.toml",)),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_input_is_one_line_and_exit_2(run, args, named, lang):
    status, out, err = run("simulate", "route", *args, "--lang", lang)
    assert status == 2
    assert out == ""
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    for word in named:
        assert word in lines[0]
    if lang == "zh":
        assert CJK.search(lines[0]), lines[0]


FILE = """\
name = "lab"

[[router]]
name = "R1"

[[router]]
name = "R2"

[[host]]
name = "A"
gateway = "192.168.1.1"

[[host]]
name = "B"
gateway = "192.168.2.1"

[[network]]
prefix = "192.168.1.0/24"
members = ["R1 192.168.1.1", "A 192.168.1.10"]

[[network]]
prefix = "192.168.2.0/24"
members = ["R2 192.168.2.1", "B 192.168.2.10"]

[[network]]
prefix = "10.0.12.0/30"
members = ["R1 10.0.12.1 eth2", "R2 10.0.12.2 eth1"]
"""


def test_a_topology_file(run, tmp_path):
    path = tmp_path / "lab.toml"
    path.write_text(FILE, encoding="utf-8")
    status, out, err = run("simulate", "route", "--topology", str(path), "--traceroute")
    assert status == 0, err
    assert "Networks of topology lab" in out
    hops = re.findall(r"^ ?\d+  (\S+)  [\d.]+ ms", out, re.M)
    assert hops == ["192.168.1.1", "10.0.12.2", "192.168.2.10"]


def test_a_bad_topology_file_names_its_line(run, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(FILE.replace('prefix = "10.0.12.0/30"', 'prefix = "10.0.12.0/30"\ncost = 0'))
    status, out, err = run("simulate", "route", "--topology", str(path))
    assert status == 2 and out == ""
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith(f"{PREFIX}{path}:"), err


def test_step_shows_the_topology_before_the_first_step(run, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda _prompt="": (_ for _ in ()).throw(EOFError))
    status, out, err = run("simulate", "route", "--step")
    assert status == 0, err
    assert out.index("Networks of topology campus") < out.index("Step 1 of")
