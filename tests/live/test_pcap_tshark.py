"""``netlab simulate ... --pcap``: Wireshark's own dissectors read our pcaps.

Each scenario runs the real CLI in a subprocess (``--json`` and ``--pcap`` in one run, so both
come from the same trace) and tshark reads the file with IP and TCP checksum validation on.
A clean scenario must give no malformed frame, no expert warning or error (chats and notes such
as "Connection establish request (SYN)" or "Duplicate ACK" are fine), good checksums, and frames
that are the JSON's packet steps one for one. With a segment lost, tshark must mark exactly the
frames that the JSON shows as resends as ``tcp.analysis.retransmission``.

A control test corrupts a pcap on purpose and checks that the same reading catches it, so a
change in tshark's output can't make these tests pass by seeing nothing.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Expert-info severities (epan/proto.h): PI_CHAT < PI_NOTE < PI_WARN < PI_ERROR.
PI_SEVERITY_MASK = 0x00F00000
PI_WARN = 0x00600000

#: Checksum status as tshark prints it (epan/proto.h PROTO_CHECKSUM_E_*): 1 is "Good".
CHECKSUM_GOOD = "1"

PREFS = (
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "tcp.analyze_sequence_numbers:TRUE",
)
PROBLEMS = "_ws.malformed || _ws.expert.severity >= warning"
AGGREGATOR = "\x1f"  # between occurrences of one field; no expert message contains it

FIELDS = (
    "frame.number",
    "frame.time_relative",
    "ip.src",
    "ip.dst",
    "ip.checksum.status",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.checksum.status",
    "tcp.flags",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.len",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
    "tcp.analysis.retransmission",
)

TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}

BIG = "x" * 3000  # more than two full segments at MSS 1460

CLEAN = [
    pytest.param(["handshake"], id="handshake"),
    pytest.param(["handshake", "--seed", "3"], id="handshake --seed 3"),
    pytest.param(["close"], id="close"),
    pytest.param(["close", "--merge"], id="close --merge"),
    pytest.param(["close", "--simultaneous"], id="close --simultaneous"),
    pytest.param(["close", "--half-close", "--data", "hi"], id="close --half-close --data hi"),
    pytest.param(["close", "--initiator", "server"], id="close --initiator server"),
    pytest.param(["close", "--isn-client", "4294967290"], id="close seq wraps"),
    pytest.param(["tcp"], id="tcp"),
    pytest.param(["tcp", "--data", BIG], id="tcp --data 3000 bytes"),
    pytest.param(
        ["tcp", "--data", "a", "--data", "b", "--reply", "c", "--reply", "d", "--seed", "7"],
        id="tcp two messages each way",
    ),
    pytest.param(
        ["tcp", "--data", "a", "--data", "b", "--data", "c"], id="tcp Nagle merges two writes"
    ),
    pytest.param(["tcp", "--data", "a", "--data", "b", "--nodelay"], id="tcp --nodelay"),
    pytest.param(["handshake", "--stack", "minimal"], id="handshake --stack minimal"),
    pytest.param(["tcp", "--stack", "minimal", "--data", BIG], id="tcp --stack minimal"),
]

#: Scenarios that end in a reset: tshark's one warning must be "Connection reset (RST)".
RESETS = [
    pytest.param(["close", "--unread"], id="close --unread"),
    pytest.param(["close", "--data", "late"], id="close --data late"),
    pytest.param(["close", "--unread", "--initiator", "server"], id="close --unread server"),
]

LOSSES = [
    pytest.param(["handshake", "--lose", "syn"], id="handshake --lose syn"),
    pytest.param(["handshake", "--lose", "syn-ack"], id="handshake --lose syn-ack"),
    pytest.param(["close", "--lose", "fin"], id="close --lose fin"),
    pytest.param(["close", "--lose", "ack"], id="close --lose ack"),
    pytest.param(["handshake", "--lose", "syn", "--lose-times", "3"], id="handshake --lose syn x3"),
    pytest.param(["close", "--merge", "--lose", "ack"], id="close --merge --lose ack"),
    pytest.param(["close", "--half-close", "--lose", "fin"], id="close --half-close --lose fin"),
    pytest.param(["handshake", "--lose", "syn-ack", "--lose-times", "2"], id="syn-ack lost x2"),
]


# -- running netlab and tshark ---------------------------------------------------------------------


def simulate(workdir: Path, args: list[str]) -> tuple[dict[str, Any], Path]:
    """Run ``netlab simulate ARGS --json --pcap FILE``; return the JSON and the pcap's path."""
    pcap = workdir / "trace.pcap"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "en"
    command = [sys.executable, "-m", "netlab", "simulate", *args, "--json", "--pcap", str(pcap)]
    done = subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{command} exited with {done.returncode}:\n{done.stderr}"
    assert pcap.is_file(), f"{command} wrote no pcap:\n{done.stderr}"
    return json.loads(done.stdout), pcap


@dataclass(frozen=True)
class Frame:
    number: int
    time: float
    ip_src: str
    ip_dst: str
    ip_checksum: str
    sport: int | None
    dport: int | None
    tcp_checksum: str
    flags: int | None
    seq: int | None
    ack: int | None
    length: int | None
    severities: tuple[int, ...]
    messages: tuple[str, ...]
    malformed: bool
    retransmission: bool

    @property
    def worst(self) -> int:
        return max((s & PI_SEVERITY_MASK for s in self.severities), default=0)


def _int(text: str, base: int = 10) -> int | None:
    return int(text, base) if text else None


def frames(tshark, pcap: Path) -> list[Frame]:
    """Every frame of ``pcap`` as tshark dissects it, checksum validation on."""
    args = [*PREFS, "-T", "fields", "-E", "header=n", "-E", "separator=/t"]
    args += ["-E", "occurrence=a", "-E", f"aggregator={AGGREGATOR}"]
    for name in FIELDS:
        args += ["-e", name]
    out = tshark.run("-r", pcap, *args).stdout
    result = []
    for line in out.split("\n"):  # not splitlines(): it would also split at \x1c-\x1e
        if not line:
            continue
        cells = line.split("\t")
        assert len(cells) == len(FIELDS), f"unexpected tshark line: {line!r}"
        row = dict(zip(FIELDS, cells, strict=True))
        result.append(
            Frame(
                number=int(row["frame.number"]),
                time=float(row["frame.time_relative"]),
                ip_src=row["ip.src"],
                ip_dst=row["ip.dst"],
                ip_checksum=row["ip.checksum.status"],
                sport=_int(row["tcp.srcport"]),
                dport=_int(row["tcp.dstport"]),
                tcp_checksum=row["tcp.checksum.status"],
                flags=_int(row["tcp.flags"], 16),
                seq=_int(row["tcp.seq_raw"]),
                ack=_int(row["tcp.ack_raw"]),
                length=_int(row["tcp.len"]),
                severities=tuple(int(s) for s in row["_ws.expert.severity"].split(AGGREGATOR) if s),
                messages=tuple(m for m in row["_ws.expert.message"].split(AGGREGATOR) if m),
                malformed=bool(row["_ws.malformed"]),
                retransmission=bool(row["tcp.analysis.retransmission"]),
            )
        )
    return result


def problem_lines(tshark, pcap: Path) -> list[str]:
    """The frames Wireshark's display filter calls malformed or worse than a note."""
    out = tshark.run("-r", pcap, *PREFS, "-Y", PROBLEMS).stdout
    return [line for line in out.splitlines() if line.strip()]


# -- reading the JSON ------------------------------------------------------------------------------


def packet_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps that carry a packet, in order: frame N of the pcap is element N-1."""
    return [s for s in doc["steps"] if s["layers"]]


def flag_bits(flags: str) -> int:
    return sum(TCP_FLAG_BITS[c] for c in flags)


def resend_frames(doc: dict[str, Any]) -> set[int]:
    """Frame numbers of the segments the JSON shows as sent before by the same side.

    Only segments that use sequence space (data, SYN or FIN) count: a repeated bare ACK is a
    duplicate ACK, not a retransmission, in TCP and in Wireshark alike.
    """
    seen: set[tuple[str, str, int, int]] = set()
    out = set()
    for number, step in enumerate(packet_steps(doc), start=1):
        tcp = step["tcp"]
        key = (step["src"], tcp["flags"], tcp["seq"], tcp["len"])
        uses_sequence_space = tcp["len"] > 0 or "S" in tcp["flags"] or "F" in tcp["flags"]
        if key in seen and uses_sequence_space:
            out.add(number)
        seen.add(key)
    return out


def first_resend_after_loss(doc: dict[str, Any]) -> int:
    """Frame number of the first resend after the first lost segment.

    A lost SYN, SYN-ACK or FIN is sent again by its sender; a lost bare ACK is not (nothing
    acknowledges an ACK), so what comes again is the peer's segment that the ACK acknowledged.
    """
    steps = packet_steps(doc)
    lost = next(number for number, s in enumerate(steps, start=1) if s["lost"])
    later = sorted(n for n in resend_frames(doc) if n > lost)
    assert later, f"the JSON shows no resend after the lost frame {lost}"
    return later[0]


def describe(frame: Frame) -> str:
    return f"frame {frame.number}: " + "; ".join(frame.messages or ("malformed",))


# -- checks ----------------------------------------------------------------------------------------


def assert_clean(tshark, pcap: Path, got: list[Frame]) -> None:
    malformed = [describe(f) for f in got if f.malformed]
    assert not malformed, f"malformed frames: {malformed}"
    warnings = [describe(f) for f in got if f.worst >= PI_WARN]
    assert not warnings, f"expert warnings or errors: {warnings}"
    bad_ip = [f.number for f in got if f.ip_checksum != CHECKSUM_GOOD]
    assert not bad_ip, f"frames whose IP checksum is not good: {bad_ip}"
    bad_tcp = [f.number for f in got if f.tcp_checksum != CHECKSUM_GOOD]
    assert not bad_tcp, f"frames whose TCP checksum is not good: {bad_tcp}"
    assert problem_lines(tshark, pcap) == []


def assert_frames_match_steps(doc: dict[str, Any], got: list[Frame]) -> None:
    steps = packet_steps(doc)
    assert len(got) == len(steps), f"{len(got)} frames in the pcap, {len(steps)} packet steps"
    nodes = {n["name"]: n for n in doc["nodes"]}
    start = steps[0]["time"]
    for frame, step in zip(got, steps, strict=True):
        where = f"frame {frame.number} (step {step['index']})"
        src, dst = nodes[step["src"]], nodes[step["dst"]]
        assert (frame.ip_src, frame.sport) == (src["ip"], src["port"]), where
        assert (frame.ip_dst, frame.dport) == (dst["ip"], dst["port"]), where
        tcp = step["tcp"]
        assert frame.flags == flag_bits(tcp["flags"]), where
        assert (frame.seq, frame.ack, frame.length) == (tcp["seq"], tcp["ack"], tcp["len"]), where
        assert frame.time == pytest.approx(step["time"] - start, abs=1e-6), where


@pytest.mark.parametrize("args", CLEAN)
def test_clean_scenario_has_no_wireshark_complaint(tshark, tmp_path, args):
    doc, pcap = simulate(tmp_path, args)
    assert doc["version"] == 4
    assert not any(s["lost"] for s in doc["steps"])
    got = frames(tshark, pcap)
    assert_clean(tshark, pcap, got)
    assert_frames_match_steps(doc, got)
    assert not [f.number for f in got if f.retransmission], "retransmission in a clean scenario"


@pytest.mark.parametrize("args", LOSSES)
def test_resend_is_marked_as_retransmission(tshark, tmp_path, args):
    doc, pcap = simulate(tmp_path, args)
    got = frames(tshark, pcap)
    assert_clean(tshark, pcap, got)
    assert_frames_match_steps(doc, got)
    marked = {f.number for f in got if f.retransmission}
    assert first_resend_after_loss(doc) in marked
    assert marked == resend_frames(doc)


@pytest.mark.parametrize("args", RESETS)
def test_a_reset_is_the_only_warning(tshark, tmp_path, args):
    doc, pcap = simulate(tmp_path, args)
    got = frames(tshark, pcap)
    assert_frames_match_steps(doc, got)
    resets = {f.number for f in got if f.flags & TCP_FLAG_BITS["R"]}
    assert len(resets) == 1
    flagged = {int(line.split()[0]) for line in problem_lines(tshark, pcap)}
    assert flagged == resets
    assert all(f.tcp_checksum == CHECKSUM_GOOD and not f.malformed for f in got)


def test_server_gives_up_and_the_clients_data_is_reset(tshark, tmp_path):
    """--lose ack x6: five SYN,ACK retransmissions (1, 3, 7, 15, 31 s), the server gives up at
    63 s, and the client's first data, at 64 s, meets the listening socket's RST."""
    doc, pcap = simulate(tmp_path, ["handshake", "--lose", "ack", "--lose-times", "6"])
    got = frames(tshark, pcap)
    assert_frames_match_steps(doc, got)
    synacks = [f for f in got if f.flags == flag_bits("SA")]
    assert [round(f.time, 2) for f in synacks] == [0.01, 1.01, 3.01, 7.01, 15.01, 31.01]
    assert [f.number for f in got if f.retransmission] == [f.number for f in synacks[1:]]
    data, reset = got[-2], got[-1]
    assert data.length > 0 and round(data.time, 2) == 64.01
    assert reset.flags == flag_bits("R") and reset.sport == 80
    assert not any(f.flags == flag_bits("SA") and f.time > 63.01 for f in got)  # no 6th resend


LINUX_SYN = "2,4,8,1,3"  # MSS, SACK_PERM, Timestamps, NOP, WScale: what a Linux SYN carries
LINUX_LATER = "1,1,8"  # NOP, NOP, Timestamps


@pytest.mark.parametrize(
    ("args", "syn", "later"),
    [
        pytest.param(["tcp"], (40, LINUX_SYN), (32, LINUX_LATER), id="linux"),
        pytest.param(["tcp", "--stack", "minimal"], (24, "2"), (20, ""), id="minimal"),
    ],
)
def test_header_lengths_and_options_as_tshark_reads_them(tshark, tmp_path, args, syn, later):
    _, pcap = simulate(tmp_path, args)
    rows = tshark.fields(pcap, ("tcp.flags.syn", "tcp.hdr_len", "tcp.option_kind"))
    for row in rows:
        want = syn if row["tcp.flags.syn"] in ("1", "True") else later
        kinds = row["tcp.option_kind"].replace(tshark.AGGREGATOR, ",")
        assert (int(row["tcp.hdr_len"]), kinds) == want, row


def test_scaled_window_and_the_stack_comment(tshark, tmp_path):
    """After the handshake Wireshark multiplies the window field by 2**7: the client announces
    64240 rounded up to 128 (502 x 128), the server 65160 (510 x 128); the first frame's pcapng
    comment names the stack."""
    _, pcap = simulate(tmp_path, ["tcp"])
    rows = tshark.fields(
        pcap, ("frame.comment", "tcp.srcport", "tcp.window_size_value", "tcp.window_size")
    )
    assert rows[0]["frame.comment"] == "netlab simulate tcp: stack=linux"
    assert (rows[0]["tcp.window_size_value"], rows[1]["tcp.window_size_value"]) == (
        "64240",
        "65160",
    )
    for row in rows[2:]:
        field = int(row["tcp.window_size_value"])
        assert field == (502 if row["tcp.srcport"] == "51000" else 510)
        assert int(row["tcp.window_size"]) == field * 128


# -- the control: the same reading must catch a broken file ----------------------------------------


def _classic(path: Path) -> bytes:
    """The frames of a pcap or pcapng file as a classic little-endian pcap."""
    from scapy.utils import PcapWriter, rdpcap

    classic = path.with_suffix(".classic.pcap")
    writer = PcapWriter(str(classic), linktype=1, sync=True)
    for frame in rdpcap(str(path)):
        writer.write(frame)
    writer.close()
    return classic.read_bytes()


def _records(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(offset, record header, frame bytes) of each record of a little-endian pcap file."""
    assert data[:4] == b"\xd4\xc3\xb2\xa1", "expected a little-endian microsecond pcap"
    out = []
    offset = 24
    while offset < len(data):
        header = data[offset : offset + 16]
        incl_len = struct.unpack("<I", header[8:12])[0]
        out.append((offset, header, data[offset + 16 : offset + 16 + incl_len]))
        offset += 16 + incl_len
    return out


def test_control_a_corrupted_pcap_is_caught(tshark, tmp_path):
    _, pcap = simulate(tmp_path, ["handshake"])
    data = _classic(pcap)
    (_, h1, f1), (_, h2, f2), (_, h3, f3) = _records(data)
    eth, tcp_checksum, ip_checksum = 14, 14 + 20 + 16, 14 + 10
    f1 = f1[:tcp_checksum] + bytes([f1[tcp_checksum] ^ 0xFF]) + f1[tcp_checksum + 1 :]
    f2 = f2[:ip_checksum] + bytes([f2[ip_checksum] ^ 0xFF]) + f2[ip_checksum + 1 :]
    cut = eth + 20 + 6  # the IP header claims more than the frame holds
    h3 = h3[:8] + struct.pack("<II", cut, cut)
    f3 = f3[:cut]
    broken = tmp_path / "broken.pcap"
    broken.write_bytes(data[:24] + h1 + f1 + h2 + f2 + h3 + f3)

    got = {f.number: f for f in frames(tshark, broken)}
    assert got[1].tcp_checksum == "0" and got[1].worst >= PI_WARN
    assert got[2].ip_checksum == "0" and got[2].worst >= PI_WARN
    assert got[3].malformed and got[3].worst >= PI_WARN
    flagged = [line.split()[0] for line in problem_lines(tshark, broken)]
    assert flagged == ["1", "2", "3"]


@pytest.mark.parametrize(
    "scenario", ["handshake", "close", "tcp", "layers", "arp", "nat", "dhcp", "dns", "journey"]
)
def test_pcap_to_standard_output_streams_into_tshark(tshark, tmp_path, scenario):
    """``netlab simulate X --pcap - | tshark -r -``: stdout carries the capture alone (the
    report goes to stderr), the same frames as ``--pcap FILE``."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NETLAB_LANG="en")
    netlab = [sys.executable, "-m", "netlab", "simulate", scenario]
    streamed = subprocess.run(
        [*netlab, "--pcap", "-"], capture_output=True, env=env, timeout=120, check=True
    )
    assert b"Wrote" in streamed.stderr  # the report and its notes went to stderr
    saved = tmp_path / "file.pcap"
    subprocess.run([*netlab, "--pcap", str(saved)], capture_output=True, env=env, check=True)
    assert streamed.stdout == saved.read_bytes()
    read = subprocess.run(
        [tshark.path, "-r", "-", "-T", "fields", "-e", "frame.number"],
        input=streamed.stdout,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert read.returncode == 0, read.stderr
    assert len(read.stdout.split()) == len(frames(tshark, saved))
