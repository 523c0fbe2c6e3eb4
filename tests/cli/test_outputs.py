"""The other views of a trace: pcap and SVG files, ``--detail``, ``--hexdump``, ``--step``,
the state table, ``--version`` and Chinese output.

The pcap is read back with scapy (only the layers needed, as netlab itself does) and every
frame's checksums are recomputed; timestamps must follow the JSON step times.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from rfc import TCP_STATES
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Packet
from scapy.utils import rdpcap

from netlab import __version__

RFC_STATES = list(TCP_STATES)

PCAP_SCENARIOS = [
    pytest.param(("handshake",), id="handshake"),
    pytest.param(("handshake", "--lose", "syn", "--lose-times", "2"), id="handshake-lost"),
    pytest.param(("tcp", "--data", "hello", "--reply", "OK"), id="tcp"),
    pytest.param(("close", "--half-close", "--data", "bye"), id="close-half"),
    pytest.param(("close", "--lose", "ack", "--seed", "7"), id="close-lost-ack"),
]


def checksums_valid(frame: Packet) -> bool:
    rebuilt = frame.copy()
    del rebuilt[IP].chksum
    del rebuilt[TCP].chksum
    rebuilt = Ether(bytes(rebuilt))
    return (rebuilt[IP].chksum, rebuilt[TCP].chksum) == (frame[IP].chksum, frame[TCP].chksum)


@pytest.mark.parametrize("scenario", PCAP_SCENARIOS)
def test_pcap_matches_the_trace(scenario, run_json, tmp_path: Path) -> None:
    path = tmp_path / "trace.pcap"
    doc = run_json("simulate", *scenario, "--pcap", str(path))
    frames = rdpcap(str(path))
    packet_steps = [s for s in doc["steps"] if s["tcp"] is not None]
    assert len(frames) == len(packet_steps)

    stamps = [Decimal(str(f.time)) for f in frames]
    assert stamps == sorted(stamps), "timestamps never decrease"
    offset = stamps[0] - Decimal(str(packet_steps[0]["time"]))
    for stamp, step in zip(stamps, packet_steps, strict=True):
        assert abs(stamp - Decimal(str(step["time"])) - offset) < Decimal("0.000001")

    for frame, step in zip(frames, packet_steps, strict=True):
        assert Ether in frame and IP in frame and TCP in frame
        assert checksums_valid(frame), frame.summary()
        ip = frame[IP]
        assert ip.len == len(bytes(ip))
        tcp = frame[TCP]
        assert str(tcp.flags) == step["tcp"]["flags"]
        assert (tcp.seq, tcp.ack) == (step["tcp"]["seq"], step["tcp"]["ack"])
        assert len(bytes(tcp.payload)) == step["tcp"]["len"]
        if "S" in str(tcp.flags):
            assert any(name == "MSS" for name, _value in tcp.options), tcp.options


def test_pcap_syn_and_syn_ack_carry_mss(run, tmp_path: Path) -> None:
    path = tmp_path / "hs.pcap"
    status, _out, err = run("simulate", "handshake", "--pcap", str(path))
    assert status == 0, err
    syn, syn_ack, ack = rdpcap(str(path))
    assert str(syn[TCP].flags) == "S"
    assert str(syn_ack[TCP].flags) == "SA"
    for frame in (syn, syn_ack):
        mss = dict(frame[TCP].options).get("MSS")
        assert mss is not None and 536 <= mss <= 65495
    assert "MSS" not in dict(ack[TCP].options)


def test_pcap_with_json_keeps_stdout_json_only(run, load_json, tmp_path: Path) -> None:
    path = tmp_path / "hs.pcap"
    status, out, err = run("simulate", "handshake", "--json", "--pcap", str(path))
    assert status == 0, err
    load_json(out)  # the "wrote the file" note went to stderr, not into the JSON
    assert str(path.name) in err


def test_svg_is_written(run, tmp_path: Path) -> None:
    path = tmp_path / "hs.svg"
    status, out, err = run("simulate", "handshake", "--svg", str(path))
    assert status == 0, err
    content = path.read_text("utf-8")
    assert "<svg" in content
    assert "SYN" in content
    assert path.name in out
    assert [p.name for p in tmp_path.iterdir()] == ["hs.svg"]  # no temporary file left


def test_detail_shows_every_header_field(run) -> None:
    status, out, err = run("simulate", "handshake", "--detail")
    assert status == 0, err
    for word in ("ttl", "chksum", "window", "Ethernet"):
        assert word in out


def test_hexdump_shows_bytes_and_legend(run) -> None:
    status, out, err = run("simulate", "handshake", "--hexdump")
    assert status == 0, err
    assert "0000" in out
    assert any(line.startswith("Legend:") for line in out.splitlines()), out


def test_step_plays_every_step(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n\n\n"))
    status, out, err = run("simulate", "handshake", "--step")
    assert status == 0, err
    for n in (1, 2, 3):
        assert f"Step {n} of 3" in out
    assert "Stopped after" not in out
    assert "What to remember" in out


def test_step_quits_on_q(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("q\n"))
    status, out, err = run("simulate", "handshake", "--step")
    assert status == 0, err
    assert "Step 1 of 3" in out
    assert "Step 2 of 3" not in out
    assert "Stopped after step 1 of 3." in out
    assert "What to remember" not in out


def test_step_plays_to_the_end_when_input_ends(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    status, out, err = run("simulate", "handshake", "--step")
    assert status == 0, err
    assert "Step 3 of 3" in out
    assert "What to remember" in out


def test_states_lists_all_eleven(run) -> None:
    status, out, err = run("simulate", "states")
    assert status == 0, err
    for state in RFC_STATES:
        assert state in out, state


def test_states_one_state(run) -> None:
    status, out, err = run("simulate", "states", "--state", "time-wait")
    assert status == 0, err
    assert "TIME-WAIT" in out
    assert "Ways into TIME-WAIT" in out
    assert "Ways out of TIME-WAIT" in out
    assert "FIN-WAIT-2" in out  # a way in
    assert "CLOSED" in out  # the way out, after 2·MSL


def test_version(run) -> None:
    status, out, err = run("--version")
    assert status == 0, err
    assert out.strip() == f"netlab {__version__}"


def test_handshake_in_chinese(run) -> None:
    status, out, err = run("simulate", "handshake", "--lang", "zh")
    assert status == 0, err
    assert "三次握手" in out


def test_global_lang_zh(run) -> None:
    status, out, err = run("--lang", "zh", "simulate", "handshake")
    assert status == 0, err
    assert "三次握手" in out
