"""``netlab simulate nat`` through the real CLI: options, outputs, and every bad value.

Runs ``netlab.cli.main.main`` in-process (the ``run`` fixture of conftest.py).
"""

from __future__ import annotations

import re

import pytest

PREFIX = "netlab: error: "
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_default_run_shows_translations_and_the_table(run):
    status, out, err = run("simulate", "nat")
    assert status == 0, err
    flat = " ".join(out.split())
    assert "203.0.113.5:1024" in flat  # B's port, changed
    assert "Translation table of NAT" in flat
    assert "Checksums recomputed" in flat
    assert "port preservation" in flat


def test_chinese_report(run):
    status, out, err = run("simulate", "nat", "--mode", "dynamic", "--lang", "zh")
    assert status == 0, err
    assert "地址池" in "".join(out.split())
    assert "地址转换表" in out


@pytest.mark.parametrize(
    ("args", "lost", "events", "resets"),
    [  # lost: refused for want of an address; resets: nat's TCP answering what it can't map
        ((), 0, 1, 2),
        (("--mode", "dynamic"), 1, 2, 2),
        (("--mode", "static"), 0, 0, 1),
        (("--mode", "pat", "--hosts", "1", "--flows", "1"), 0, 1, 2),
        (("--mode", "dynamic", "--pool", "4", "--hosts", "6", "--flows", "12"), 4, 2, 2),
    ],
)
def test_json(run_json, args, lost, events, resets):
    doc = run_json("simulate", "nat", *args)
    assert doc["scenario"] == "nat"
    assert doc["version"] >= 2
    steps = doc["steps"]
    assert sum(s["lost"] for s in steps) == lost
    assert sum(1 for s in steps if s["dst"] is None) == events
    answered = [
        s for s in steps if s["src"] == "nat" and s["fields"].get("tcp_flags", "")[:1] == "R"
    ]
    assert len(answered) == resets
    for step in steps:
        assert "nat:nat" in step["tables"]
        if step["dst"] is not None:
            assert step["protocol"] in ("TCP", "DNS")
            assert step["fields"]["src"] and step["fields"]["ip_checksum"].startswith("0x")


def test_seed_gives_the_same_output_and_another_port(run_json):
    one = run_json("simulate", "nat", "--seed", "42")
    two = run_json("simulate", "nat", "--seed", "42")
    assert one == two
    default = run_json("simulate", "nat")
    assert one != default


def test_pcap_is_written(run, tmp_path):
    pcap = tmp_path / "nat.pcap"
    status, _out, err = run("simulate", "nat", "--pcap", str(pcap))
    assert status == 0, err
    assert pcap.stat().st_size > 24


def test_help_lists_the_options(run):
    status, out, _err = run("simulate", "nat", "--help")
    assert status == 0
    for option in ("--mode", "--hosts", "--flows", "--timeout", "--pool", "--seed", "--json"):
        assert option in out


BAD = [
    (("--mode", "foo"), ("--mode", "foo")),
    (("--hosts", "0"), ("--hosts", "'0'", "1 to 6")),
    (("--hosts", "7"), ("--hosts", "'7'", "1 to 6")),
    (("--hosts", "two"), ("--hosts", "two")),
    (("--flows", "0"), ("--flows", "'0'", "1 to 12")),
    (("--flows", "13"), ("--flows", "13")),
    (("--timeout", "0"), ("--timeout", "'0'", "7440")),
    (("--timeout", "-5"), ("--timeout", "-5")),
    (("--timeout", "0.0001"), ("--timeout", "0.0001", "0.001")),
    (("--timeout", "nan"), ("--timeout", "nan")),
    (("--timeout", "7441"), ("--timeout", "7441")),
    (("--mode", "dynamic", "--pool", "0"), ("--pool", "'0'")),
    (("--mode", "dynamic", "--pool", "5"), ("--pool", "'5'", "203.0.113.9")),
    (("--pool", "2"), ("--pool", "--mode dynamic")),
    (("--seed", "-1"), ("--seed", "-1")),
    (("--json", "--step"), ("--step", "--json")),
]


@pytest.mark.parametrize(("args", "named"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_clean_line(run, tmp_path, monkeypatch, args, named):
    monkeypatch.chdir(tmp_path)
    status, out, err = run("simulate", "nat", *args)
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    assert "Traceback" not in err
    for word in named:
        assert word in lines[0], (word, lines[0])
    assert list(tmp_path.iterdir()) == []


def test_bad_input_in_chinese(run):
    status, _out, err = run("simulate", "nat", "--hosts", "9", "--lang", "zh")
    assert status == 2
    assert err.startswith(PREFIX) and CJK.search(err)


def test_cli_limits_are_the_simulations():
    from netlab.cli import sim_nat
    from netlab.sim import nat

    assert sim_nat.MODES == nat.MODES
    assert (sim_nat.MAX_HOSTS, sim_nat.MAX_FLOWS, sim_nat.MAX_POOL) == (
        nat.MAX_HOSTS,
        nat.MAX_FLOWS,
        nat.MAX_POOL,
    )
    assert (sim_nat.MIN_TIMEOUT, sim_nat.MAX_TIMEOUT) == (nat.MIN_TIMEOUT, nat.MAX_TIMEOUT)
