"""``netlab simulate nat``: Wireshark reads our translated packets as we say they are.

Each variant's frames go through ``write_pcap`` and tshark reads them back with IP, TCP and UDP
checksum validation on. Every frame must be clean (no malformed frame, no expert warning or
error), its checksums good and equal to the ones the step's ``fields`` show, its addresses and
ports the ones the step says (so the translated ones are what Wireshark reads), its Protocol
and Info columns the step's ``protocol`` and ``summary``. A packet before and after translation
is two different conversations for Wireshark, so neither may be flagged as a retransmission.
The one warning allowed is on nat's own RSTs ("Connection reset (RST)"), which Linux writes with
TTL 64, DF, IP ID 0, window 0 and no options.

The control builds a translated frame the way a broken NAT would (addresses rewritten, old
checksums kept) and checks that the same reading reports both checksums as bad.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import nat
from netlab.sim.nat import NatOptions

CHECKSUM_GOOD = "1"
CHECKSUM_BAD = "0"
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
FIELDS = (
    "frame.number",
    "frame.time_relative",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.checksum",
    "ip.checksum.status",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.checksum",
    "tcp.checksum.status",
    "udp.srcport",
    "udp.dstport",
    "udp.checksum",
    "udp.checksum.status",
    "ip.id",
    "ip.flags.df",
    "tcp.flags.reset",
    "tcp.window_size_value",
    "tcp.options",
    "_ws.col.Protocol",
    "_ws.col.Info",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
    "tcp.analysis.retransmission",
    "dns.retransmission",
)

VARIANTS = [
    pytest.param(NatOptions(), id="pat"),
    pytest.param(NatOptions(seed=5), id="pat --seed 5"),
    pytest.param(NatOptions(mode="dynamic"), id="dynamic"),
    pytest.param(NatOptions(mode="static"), id="static"),
    pytest.param(NatOptions(hosts=6, flows=12, seed=9), id="pat 6 hosts 12 flows"),
    pytest.param(NatOptions(mode="dynamic", pool=1, hosts=4, flows=8), id="dynamic pool 1"),
    pytest.param(NatOptions(mode="static", hosts=6, flows=12), id="static 6 hosts"),
]


def read(tshark, pcap: Path) -> list[dict[str, str]]:
    return tshark.fields(pcap, FIELDS, *PREFS)


def write(trace, path: Path) -> list:
    from netlab.sim.packets import write_pcap

    steps = [s for s in trace.steps if s.packet is not None and s.copy_of is None]
    write_pcap(path, [(s.time, s.packet) for s in steps])
    return steps


@pytest.mark.parametrize("options", VARIANTS)
def test_wireshark_reads_what_the_steps_say(tshark, tmp_path, options):
    trace = nat.build(options)
    pcap = tmp_path / "nat.pcap"
    steps = write(trace, pcap)
    rows = read(tshark, pcap)
    assert len(rows) == len(steps)
    start = steps[0].time
    for row, step in zip(rows, steps, strict=True):
        where = f"frame {row['frame.number']} (step {step.index}: {step.summary})"
        f = step.fields
        l4 = "tcp" if f["proto"] == "TCP" else "udp"
        assert not row["_ws.malformed"], where
        if row["tcp.flags.reset"] in ("1", "True"):  # nat's own answer, as Linux writes it
            assert step.src == "nat" and row["_ws.expert.message"] == "Connection reset (RST)"
            assert row["ip.ttl"] == "64" and row["ip.id"] == "0x0000", where
            assert row["ip.flags.df"] in ("1", "True") and row["tcp.window_size_value"] == "0"
            assert not row["tcp.options"], where
        else:
            assert tshark.worst(row) < tshark.PI_WARN, f"{where}: {row['_ws.expert.message']}"
        # the addresses and ports, translated or not, are what Wireshark reads
        assert f"{row['ip.src']}:{row[f'{l4}.srcport']}" == f["src"], where
        assert f"{row['ip.dst']}:{row[f'{l4}.dstport']}" == f["dst"], where
        assert int(row["ip.ttl"]) == f["ttl"], where
        # the checksums shown are the ones on the wire, and they are right
        assert row["ip.checksum"] == f["ip_checksum"], where
        assert row[f"{l4}.checksum"] == f["l4_checksum"], where
        assert row["ip.checksum.status"] == CHECKSUM_GOOD, where
        assert row[f"{l4}.checksum.status"] == CHECKSUM_GOOD, where
        # Wireshark's own columns
        assert row["_ws.col.Protocol"] == step.protocol, where
        assert row["_ws.col.Info"] == step.summary, where
        assert float(row["frame.time_relative"]) == pytest.approx(step.time - start, abs=1e-6)
        # before and after translation are different 4-tuples: no retransmission
        assert not row["tcp.analysis.retransmission"], where
        assert not row["dns.retransmission"], where
    problems = tshark.run(
        "-r",
        pcap,
        *PREFS,
        "-Y",
        "_ws.malformed || (_ws.expert.severity >= warning && !tcp.flags.reset)",
    ).stdout
    assert problems.strip() == ""
    # the unsolicited SYN is answered (nat's own address, or a pool address in dynamic mode)
    stranger = next(s for s in steps if s.src == "internet")
    assert stranger.fields["dst"].split(":")[0] in {nat.PUBLIC_IP, *trace.params["public"]}
    answer = next(s for s in steps if s.index > stranger.index and s.dst == "internet")
    assert answer.src == "nat" and answer.fields["tcp_flags"] == "RA"


def test_each_translation_pair_is_two_conversations(tshark, tmp_path):
    """The frame nat received and the one it sent on: same payload, other addresses, and
    Wireshark puts them in different TCP streams / UDP conversations."""
    trace = nat.build(NatOptions(hosts=3, flows=6))
    pcap = tmp_path / "nat.pcap"
    steps = write(trace, pcap)
    out = tshark.run(
        "-r", pcap, *PREFS, "-T", "fields", "-e", "tcp.stream", "-e", "udp.stream"
    ).stdout.split("\n")
    stream = {s.index: cells for s, cells in zip(steps, out, strict=False)}
    pairs = [
        (s.index - 1, s.index) for s in steps if "translated" in s.fields and s.index - 1 in stream
    ]
    assert len(pairs) >= 10
    for before, after in pairs:
        assert stream[before] != stream[after], (before, after)


def test_control_stale_checksums_are_caught(tshark, tmp_path):
    """A NAT that rewrote the addresses but kept the old checksums: Wireshark flags both."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    from netlab.sim.packets import write_pcap

    trace = nat.build(NatOptions())
    translated = next(s for s in trace.steps if s.fields.get("translated") == "src")
    received = trace.steps[translated.index - 2]
    stale = received.packet.copy()
    stale[IP].src = translated.packet[IP].src
    stale[TCP].sport = translated.packet[TCP].sport
    stale = Ether(bytes(stale))  # chksum fields still set: scapy keeps the old values
    assert (stale[IP].chksum, stale[TCP].chksum) == (
        received.packet[IP].chksum,
        received.packet[TCP].chksum,
    )
    pcap = tmp_path / "stale.pcap"
    write_pcap(pcap, [(0.0, translated.packet), (1.0, stale)])
    good, bad = read(tshark, pcap)
    assert (good["ip.checksum.status"], good["tcp.checksum.status"]) == ("1", "1")
    assert (bad["ip.checksum.status"], bad["tcp.checksum.status"]) == (CHECKSUM_BAD, CHECKSUM_BAD)
    assert tshark.worst(bad) >= tshark.PI_WARN


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(NatOptions(hosts=2, flows=2, timeout=0.5), id="pat, port reused after expiry"),
        pytest.param(NatOptions(timeout=0.001), id="pat, replies after expiry"),
        pytest.param(
            NatOptions(mode="dynamic", pool=1, hosts=6, flows=12, timeout=0.5),
            id="dynamic, address reused after expiry",
        ),
    ],
)
def test_short_timeouts_stay_clean(tshark, tmp_path, options):
    """With a timeout shorter than the gap between flows, a public port or address can be given
    to the next host, so the outside link sees the same 4-tuple twice: Wireshark says so in a
    note ("same ports as an earlier session"), but nothing is malformed or worth a warning, and
    the checksums are still good. nat's own RSTs carry their one warning, "Connection reset"."""
    trace = nat.build(options)
    pcap = tmp_path / "nat.pcap"
    steps = write(trace, pcap)
    rows = read(tshark, pcap)
    assert len(rows) == len(steps)
    for row, step in zip(rows, steps, strict=True):
        l4 = "tcp" if step.fields["proto"] == "TCP" else "udp"
        reset = row["tcp.flags.reset"] in ("1", "True")
        assert not row["_ws.malformed"], row["_ws.expert.message"]
        if reset:
            assert step.src == "nat" and row["_ws.expert.message"] == "Connection reset (RST)"
        else:
            assert tshark.worst(row) < tshark.PI_WARN, row["_ws.expert.message"]
        assert row["ip.checksum.status"] == row[f"{l4}.checksum.status"] == CHECKSUM_GOOD
        assert row["ip.checksum"] == step.fields["ip_checksum"]
