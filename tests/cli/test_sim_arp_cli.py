"""``netlab simulate arp`` through the real CLI: options, outputs, and every bad value.

Runs ``netlab.cli.main.main`` in-process (the ``run`` fixture of conftest.py).
"""

from __future__ import annotations

import re

import pytest

PREFIX = "netlab: error: "
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_default_run_shows_the_exchange_and_the_tables(run):
    status, out, err = run("simulate", "arp")
    assert status == 0, err
    flat = " ".join(out.split())
    assert "Who has 192.168.1.11? Tell 192.168.1.10" in flat
    assert "192.168.1.11 is at 02:00:00:00:00:02" in flat
    assert "ARP cache of A" in flat and "MAC table of switch" in flat
    assert "REACHABLE" in flat


def test_chinese_report(run):
    status, out, err = run("simulate", "arp", "--hub", "--lang", "zh")
    assert status == 0, err
    assert "集线器" in out and "ARP 缓存" in out


@pytest.mark.parametrize(
    ("args", "arp_frames", "icmp_frames"),
    [  # ARP: request and reply, then the owner's unicast probe 5 s later and its reply
        ((), 4, 2),
        (("--again",), 4, 4),
        (("--target", "203.0.113.10"), 4, 2),
        (("--target", "192.168.1.200"), 3, 0),
        (("--gratuitous",), 6, 2),  # and two announcements first (RFC 5227)
        (("--hub", "--hosts", "6"), 4, 2),
        (("--loop",), 1, 0),
        (("--subnet", "10.0.0.0/28", "--hosts", "5", "--target", "10.0.0.14"), 4, 2),
    ],
)
def test_json_and_pcap(run, load_json, tmp_path, args, arp_frames, icmp_frames):
    pcap = tmp_path / "arp.pcap"
    status, out, err = run("simulate", "arp", *args, "--json", "--pcap", str(pcap))
    assert status == 0, err
    doc = load_json(out)
    assert doc["scenario"] == "arp"
    originals = [s for s in doc["steps"] if s["protocol"] and s["fields"] and s["layers"]]
    assert {s["protocol"] for s in originals} <= {"ARP", "ICMP"}
    from scapy.utils import rdpcap

    frames = rdpcap(str(pcap))
    kinds = [("ARP" if p.haslayer("ARP") else "ICMP") for p in frames]
    assert (kinds.count("ARP"), kinds.count("ICMP")) == (arp_frames, icmp_frames)


def test_the_loop_reports_the_growing_storm(run_json):
    doc = run_json("simulate", "arp", "--loop")
    ticks = [s for s in doc["steps"] if "copies" in s["note"] or "Tick" in s["note"]]
    assert len(ticks) >= 8
    assert doc["nodes"][1]["name"] == "sw1"


# -- bad input -------------------------------------------------------------------------------------

BAD = [
    (("--subnet", "192.168.1.0/33"), ("--subnet", "192.168.1.0/33", "CIDR")),
    (("--subnet", "192.168.1.0"), ("--subnet", "192.168.1.0")),
    (("--subnet", "300.1.1.0/24"), ("--subnet", "300.1.1.0/24")),
    (("--subnet", "192.168.1.5/24"), ("--subnet", "did you mean 192.168.1.0/24")),
    (("--subnet", "192.168.1.0/29"), ("--subnet", "/28")),
    (("--subnet", "127.0.0.0/8"), ("--subnet", "loopback")),
    (("--subnet", "10.0.0.0/28", "--hosts", "6"), ("--subnet", "/27")),
    (("--target", "banana"), ("--target", "banana")),
    (("--target", "192.168.1.256"), ("--target", "192.168.1.256")),
    (("--target", "fe80::1"), ("--target", "fe80::1")),
    (("--target", "192.168.1.10"), ("--target", "A's own address")),
    (("--target", "192.168.1.0"), ("--target", "network address")),
    (("--target", "192.168.1.255"), ("--target", "broadcast")),
    (("--target", "255.255.255.255"), ("--target", "broadcast")),
    (("--target", "224.0.0.251"), ("--target", "multicast")),
    (("--target", "127.0.0.1"), ("--target", "loopback")),
    (("--hosts", "0"), ("--hosts", "'0'", "2 to 6")),
    (("--hosts", "7"), ("--hosts", "'7'", "2 to 6")),
    (("--hosts", "two"), ("--hosts", "two")),
    (("--loop", "--hub"), ("--loop", "--hub")),
    (("--loop", "--again"), ("--loop", "--again")),
    (("--loop", "--gratuitous"), ("--loop", "--gratuitous")),
    (("--lang", "fr"), ("--lang", "fr")),
    (("--step", "--json"), ("--step", "--json")),
]


@pytest.mark.parametrize(("args", "named"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(run, tmp_path, monkeypatch, args, named):
    monkeypatch.chdir(tmp_path)
    status, out, err = run("simulate", "arp", *args)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    assert "Traceback" not in err
    for word in named:
        assert word in lines[0], (word, lines[0])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [("--subnet", "192.168.1.5/24"), ("--target", "192.168.1.10"), ("--hosts", "9")],
)
def test_bad_input_in_chinese(run, args):
    status, _, err = run("simulate", "arp", *args, "--lang", "zh")
    assert status == 2
    assert err.startswith(PREFIX) and CJK.search(err), err


def test_help_does_not_import_scapy():
    import subprocess
    import sys

    code = (
        "import sys; from netlab.cli import sim_arp; "
        "assert not any(m.startswith('scapy') for m in sys.modules), 'scapy imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
