"""``netlab simulate layers`` through the real CLI: options, outputs, and every bad value.

Runs ``netlab.cli.main.main`` in-process (the ``run`` fixture of conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netlab.cli import sim_layers

REPO = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "


def test_default_run_shows_the_report(run):
    status, out, err = run("simulate", "layers")
    assert status == 0, err
    assert "Encapsulation" in out
    assert "51000 → 80 [PSH, ACK] Seq=1 Ack=1 Win=64240 Len=37" in out
    assert "All People Seem To Need Data Processing" in " ".join(out.split())


def test_chinese_report(run):
    status, out, err = run("simulate", "layers", "--lang", "zh")
    assert status == 0, err
    assert "应表会传网数物" in "".join(out.split())
    assert "封装" in out


@pytest.mark.parametrize(
    ("args", "steps", "protocol"),
    [
        ((), 13, ["HTTP", "HTTP", "TCP"]),
        (("--udp",), 13, ["UDP"] * 3),
        (("--model", "osi"), 17, ["HTTP", "HTTP", "TCP"]),
        (("--model", "OSI", "--udp"), 17, ["UDP"] * 3),
        (("--model", "tcpip"), 13, ["HTTP", "HTTP", "TCP"]),
        (("--message", "hello"), 13, ["TCP"] * 3),
    ],
)
def test_json_steps(run_json, args, steps, protocol):
    """Wireshark's Protocol column: HTTP for the default GET on the first link (and the switch's
    copy); the router's frame repeats the segment, which Wireshark shows as a TCP
    retransmission."""
    doc = run_json("simulate", "layers", *args)
    assert doc["scenario"] == "layers"
    assert len(doc["steps"]) == steps
    wire = [s for s in doc["steps"] if s["dst"] is not None]
    assert [(s["src"], s["dst"]) for s in wire] == [
        ("client", "switch"),
        ("switch", "router"),
        ("router", "server"),
    ]
    assert [s["protocol"] for s in wire] == protocol


def test_message_is_sent_as_utf8(run_json):
    doc = run_json("simulate", "layers", "--message", "é" * 700)  # 1400 bytes
    wire = next(s for s in doc["steps"] if s["dst"] is not None)
    assert wire["fields"]["len"] == 1400
    assert wire["fields"]["frame_bytes"] == 1400 + 54


def test_pcap_gets_the_two_frames(run, tmp_path):
    pcap = tmp_path / "layers.pcap"
    status, _, err = run("simulate", "layers", "--udp", "--pcap", str(pcap))
    assert status == 0, err
    from scapy.utils import rdpcap

    frames = rdpcap(str(pcap))
    assert [len(f) for f in frames] == [14 + 20 + 8 + 37] * 2
    assert [f.src for f in frames] == ["02:00:00:00:00:01", "02:00:00:00:01:fe"]


@pytest.mark.parametrize("flag", ["--hexdump", "--detail"])
def test_packet_views_run(run, flag):
    status, _, err = run("simulate", "layers", "--model", "osi", flag)
    assert status == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--message", ""), ("--message", "1400")),
        (("--message", "x" * 1401), ("--message", "1400")),
        (("--message", "é" * 701), ("--message", "1400")),
        (("--model", "iso"), ("--model", "iso", "osi", "tcpip")),
        (("--model", ""), ("--model",)),
        (("--lang", "fr"), ("--lang", "fr")),
        (("--hexdump", "--json"), ("--hexdump", "--json")),
    ],
    ids=["empty", "1401-bytes", "1402-utf8-bytes", "model-iso", "model-empty", "lang", "combo"],
)
def test_bad_input(run, args, named):
    status, out, err = run("simulate", "layers", *args)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    for word in named:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in err


def test_bad_input_in_chinese(run):
    status, _, err = run("--lang", "zh", "simulate", "layers", "--message", "")
    assert status == 2
    assert err.startswith(PREFIX) and "1400" in err and "字节" in err


def test_limit_is_the_simulations():
    from netlab.sim import layers

    assert sim_layers.MAX_MESSAGE == layers.MAX_MESSAGE
    assert sim_layers.MODELS == layers.MODELS


def test_command_module_does_not_import_scapy():
    code = "import sys, netlab.cli.sim_layers; print([m for m in sys.modules if 'scapy' in m])"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
