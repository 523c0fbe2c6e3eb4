"""``netlab simulate layers``: Wireshark's dissectors read the frames of the scenario.

The frames a pcap gets (the steps on a link that are not copies: client -> switch, and the
router's new frame -> server) are written with ``write_pcap`` and read by tshark with IP, TCP
and UDP checksum validation on. Each variant must give no malformed frame and no expert warning
or error; the addresses, TTLs, header sizes and lengths must be what the Trace says; the Protocol
and Info columns (every dissector on: HTTP for the default GET) must be the step's protocol and
summary.

One expert note is expected and checked on purpose: with TCP, Wireshark calls the second frame
a (suspected) retransmission, because the same segment appears twice in one file (the two
frames were captured on different links, which it cannot know). The scenario says so in the
router step's notes. No "ACKed unseen segment" may appear: the segment is the first data after
a handshake that is not shown (PSH+ACK, seq = ISN + 1), and Wireshark checks an ACK only
against traffic it has seen in the other direction.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import layers as L
from netlab.sim.layers import LayersOptions
from netlab.sim.packets import write_pcap

PREFS = (
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "udp.check_checksum:TRUE",
    "-o",
    "tcp.analyze_sequence_numbers:TRUE",
)
PI_SEVERITY_MASK = 0x00F00000
PI_NOTE = 0x00400000
PI_WARN = 0x00600000
AGGREGATOR = "\x1f"
GOOD = "1"

FIELDS = (
    "frame.number",
    "frame.len",
    "eth.src",
    "eth.dst",
    "eth.type",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.hdr_len",
    "ip.len",
    "ip.checksum",
    "ip.checksum.status",
    "tcp.hdr_len",
    "tcp.len",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.checksum.status",
    "udp.length",
    "udp.checksum.status",
    "_ws.col.Protocol",
    "_ws.col.Info",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
    "tcp.analysis.retransmission",
    "tcp.analysis.ack_lost_segment",
)

VARIANTS = [
    pytest.param(LayersOptions(), id="default"),
    pytest.param(LayersOptions(udp=True), id="udp"),
    pytest.param(LayersOptions(model="osi"), id="osi"),
    pytest.param(LayersOptions(message=b"hello"), id="hello"),
    pytest.param(LayersOptions(message=b"x", udp=True), id="1 byte udp (padding)"),
    pytest.param(LayersOptions(message=b"z" * L.MAX_MESSAGE), id="1400 bytes"),
    pytest.param(LayersOptions(message=b"z" * L.MAX_MESSAGE, udp=True), id="1400 bytes udp"),
    pytest.param(LayersOptions(message="你好，世界".encode()), id="utf-8"),
]


def wire_steps(trace):
    return [s for s in trace.steps if s.dst is not None and s.copy_of is None]


def write(trace, tmp_path: Path) -> Path:
    pcap = tmp_path / "layers.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in wire_steps(trace)])
    return pcap


def read(tshark, pcap: Path, *extra: str) -> list[dict[str, str]]:
    return tshark.fields(pcap, FIELDS, *PREFS, *extra)


def severities(row: dict[str, str]) -> list[int]:
    return [int(s) & PI_SEVERITY_MASK for s in row["_ws.expert.severity"].split(AGGREGATOR) if s]


@pytest.mark.parametrize("opts", VARIANTS)
def test_frames_decode_cleanly(tshark, tmp_path, opts):
    trace = L.build(opts)
    pcap = write(trace, tmp_path)
    rows = read(tshark, pcap)
    assert len(rows) == 2
    for row in rows:
        where = f"frame {row['frame.number']}: {row['_ws.expert.message']}"
        assert not row["_ws.malformed"], where
        assert all(s < PI_WARN for s in severities(row)), where
        assert row["ip.checksum.status"] == GOOD, where
        status = row["udp.checksum.status"] if opts.udp else row["tcp.checksum.status"]
        assert status == GOOD, where
        assert not row["tcp.analysis.ack_lost_segment"], where
    problems = tshark.run(
        "-r", pcap, *PREFS, "-Y", "_ws.malformed || _ws.expert.severity >= warning"
    ).stdout
    assert problems.strip() == ""


@pytest.mark.parametrize("opts", VARIANTS)
def test_fields_are_the_traces(tshark, tmp_path, opts):
    trace = L.build(opts)
    steps = wire_steps(trace)
    rows = read(tshark, write(trace, tmp_path))
    message = len(opts.message)
    for row, step in zip(rows, steps, strict=True):
        f = step.fields
        where = f"step {step.index}"
        size = 14 + 20 + (8 if opts.udp else 20) + message  # independent of the trace
        assert int(row["frame.len"]) == f["frame_bytes"] == size, where
        assert (row["eth.src"], row["eth.dst"]) == (f["src_mac"], f["dst_mac"]), where
        assert row["eth.type"] == "0x0800", where
        assert (row["ip.src"], row["ip.dst"]) == (f["src_ip"], f["dst_ip"]), where
        assert int(row["ip.ttl"]) == f["ttl"], where
        assert int(row["ip.hdr_len"]) == 20
        assert int(row["ip.len"]) == f["frame_bytes"] - 14
        assert row["ip.checksum"] == f["ip_checksum"], where
        if opts.udp:
            assert int(row["udp.length"]) == 8 + message
        else:
            assert int(row["tcp.hdr_len"]) == 20
            assert int(row["tcp.len"]) == message
            assert (int(row["tcp.seq_raw"]), int(row["tcp.ack_raw"])) == (f["seq"], f["ack"])
    assert [int(r["ip.ttl"]) for r in rows] == [64, 63]


@pytest.mark.parametrize("opts", VARIANTS)
def test_info_column_is_the_summary(tshark, tmp_path, opts):
    trace = L.build(opts)
    steps = wire_steps(trace)
    rows = read(tshark, write(trace, tmp_path))
    for row, step in zip(rows, steps, strict=True):
        info = " ".join(row["_ws.col.Info"].split())
        assert (row["_ws.col.Protocol"], info) == (step.protocol, step.summary), step.index
    first, second = rows
    transport = "UDP" if opts.udp else "TCP"
    assert second["_ws.col.Protocol"] == transport
    if opts.udp:
        assert first["_ws.col.Info"] == second["_ws.col.Info"]
    else:  # the one label Wireshark adds, explained in the router step's notes
        assert second["_ws.col.Info"].startswith("[TCP Retransmission] ")
    if opts.message == L.DEFAULT_MESSAGE and not opts.udp:  # named after the application
        assert (first["_ws.col.Protocol"], first["_ws.col.Info"].strip()) == (
            "HTTP",
            "GET / HTTP/1.1",
        )


def test_tcp_second_frame_is_marked_as_seen_twice(tshark, tmp_path):
    trace = L.build(LayersOptions())
    rows = read(tshark, write(trace, tmp_path))
    assert [bool(r["tcp.analysis.retransmission"]) for r in rows] == [False, True]
    assert PI_NOTE in severities(rows[1])
    router = wire_steps(trace)[1]
    assert "layers.note.wireshark_retransmission" in [n.key for n in router.notes]
