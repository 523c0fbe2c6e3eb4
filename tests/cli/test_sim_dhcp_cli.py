"""``netlab simulate dhcp`` from the command line: bad values, ``--help``, ``--json``, ``--pcap``.

Runs in-process through ``netlab.cli.main.main`` (the ``run`` fixture).
"""

from __future__ import annotations

import re

import pytest

PREFIX = "netlab: error: "
CJK = re.compile(r"[\u3400-\u9fff]")
DHCP = ("simulate", "dhcp")


BAD = [
    pytest.param(("--pool-size", "0"), id="pool-size-0"),
    pytest.param(("--pool-size", "51"), id="pool-size-51"),
    pytest.param(("--pool-size", "ten"), id="pool-size-ten"),
    pytest.param(("--pool-size", "-3"), id="pool-size-negative"),
    pytest.param(("--clients", "0"), id="clients-0"),
    pytest.param(("--clients", "7"), id="clients-7"),
    pytest.param(("--clients", "2.5"), id="clients-2.5"),
    pytest.param(("--lease", "59"), id="lease-59"),
    pytest.param(("--lease", "604801"), id="lease-604801"),
    pytest.param(("--lease", "1h"), id="lease-1h"),
    pytest.param(("--lease", ""), id="lease-empty"),
    pytest.param(("--seed", "-1"), id="seed-negative"),
    pytest.param(("--seed", "4294967296"), id="seed-2-32"),
]


def one_error_line(status: int, out: str, err: str) -> str:
    assert status == 2, err
    assert "Traceback" not in out + err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX)
    return lines[0]


@pytest.mark.parametrize("argv", BAD)
def test_bad_value_is_one_error_line(run, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    pcap = tmp_path / "out.pcap"
    line = one_error_line(*run(*DHCP, *argv, "--pcap", str(pcap)))
    option, value = argv
    assert option in line and f"'{value}'" in line
    assert not pcap.exists()


def test_pool_size_zero_says_what_is_allowed(run):
    line = one_error_line(*run(*DHCP, "--pool-size", "0"))
    assert "1 to 50" in line


def test_bad_value_in_chinese(run):
    line = one_error_line(*run(*DHCP, "--clients", "9", "--lang", "zh"))
    assert "--clients" in line and CJK.search(line)


def test_help_lists_the_options(run):
    status, out, err = run(*DHCP, "--help")
    assert status == 0, err
    for option in ("--clients", "--pool-size", "--lease", "--broadcast-flag", "--seed", "--json"):
        assert option in out


def test_help_imports_no_scapy():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from netlab.cli import sim_dhcp\n"
        "print(any(m.startswith('scapy') for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_json_has_dora_and_the_lease_table(run_json):
    doc = run_json(*DHCP, "--clients", "3", "--pool-size", "2", "--lease", "600")
    assert doc["scenario"] == "dhcp"
    steps = [s for s in doc["steps"] if s.get("protocol") == "DHCP"]
    a = [s for s in steps if "A" in (s["src"], s["dst"])]
    assert [s["fields"]["message"] for s in a] == [
        "Discover",
        "Offer",
        "Request",
        "ACK",
        "Request",
        "ACK",
    ]
    c = [s for s in steps if s["src"] == "C"]
    assert [s["time"] - c[0]["time"] for s in c] == pytest.approx([0, 4, 12])
    # A's Request at 0.02 s, so T1 at 300.02 s (RFC 2131 4.4.1: the client's timers count from
    # its Request, not from the ACK at 0.03 s); the server ACKs the renewal at 300.03 s and
    # counts its 600 s from there
    assert doc["steps"][-1]["tables"]["leases:dhcp"][0]["expires"] == "900.030"


def test_pcap_is_written(run, tmp_path):
    pcap = tmp_path / "dhcp.pcap"
    status, _out, err = run(*DHCP, "--clients", "1", "--json", "--pcap", str(pcap))
    assert status == 0, err
    assert pcap.is_file() and pcap.stat().st_size > 24
    assert "6 frames" in err  # Discover, Offer, Request, ACK, renewal Request and ACK
