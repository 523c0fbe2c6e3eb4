"""``netlab simulate arp``: Wireshark's own dissectors read the scenario's frames.

Each variant's Trace is written with ``netlab.sim.packets.write_pcap`` (the steps that carry a
frame of their own: a forwarded copy is the same frame, written once) and read back by tshark
with IP checksum validation on. No frame may be malformed or carry an expert warning or error;
the ARP opcodes, addresses and Info column, the Ethernet broadcast destination of every
request (but the unicast probe of an entry in PROBE, sent to the cached MAC), and the ICMP echo
type are what tshark reports; every echo request has its reply. ``--gratuitous`` announces
twice, 2 s apart (RFC 5227).
"""

from __future__ import annotations

import pytest

from netlab.sim import arp
from netlab.sim.arp import ArpOptions
from netlab.sim.packets import write_pcap

PREFS = ("-o", "ip.check_checksum:TRUE")
PROBLEMS = "_ws.malformed || _ws.expert.severity >= warning"
AGGREGATOR = "\x1f"
FIELDS = (
    "frame.number",
    "frame.time_relative",
    "eth.src",
    "eth.dst",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.hw_mac",
    "arp.dst.proto_ipv4",
    "arp.isannouncement",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.checksum.status",
    "icmp.type",
    "icmp.seq",
    "icmp.checksum.status",
    "icmp.resp_to",
    "_ws.col.Protocol",
    "_ws.col.Info",
    "_ws.malformed",
    "_ws.expert.severity",
)
PI_SEVERITY_MASK = 0x00F00000
PI_WARN = 0x00600000
GOOD = "1"

VARIANTS = [
    pytest.param(ArpOptions(), id="default"),
    pytest.param(ArpOptions(target="203.0.113.10"), id="off-subnet"),
    pytest.param(ArpOptions(target="192.168.1.1", again=True), id="gateway-again"),
    pytest.param(ArpOptions(target="192.168.1.200"), id="nobody-answers"),
    pytest.param(ArpOptions(hub=True, hosts=5), id="hub"),
    pytest.param(ArpOptions(gratuitous=True, again=True), id="gratuitous-again"),
    pytest.param(ArpOptions(subnet="10.20.0.0/16", hosts=6, target="10.20.0.15"), id="hosts-6"),
    pytest.param(ArpOptions(loop=True), id="loop"),
]


def _frames(trace):
    return [s for s in trace.steps if s.packet is not None and s.copy_of is None]


def _read(tshark, pcap):
    return tshark.fields(pcap, FIELDS, *PREFS)


@pytest.mark.parametrize("options", VARIANTS)
def test_wireshark_reads_every_frame_as_the_trace_says(tshark, tmp_path, options):
    trace = arp.build(options)
    steps = _frames(trace)
    pcap = tmp_path / "arp.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in steps])
    rows = _read(tshark, pcap)
    assert len(rows) == len(steps)

    malformed = [r["frame.number"] for r in rows if r["_ws.malformed"]]
    assert malformed == []
    worst = {
        r["frame.number"]: max(
            (int(s) & PI_SEVERITY_MASK for s in r["_ws.expert.severity"].split(AGGREGATOR) if s),
            default=0,
        )
        for r in rows
    }
    assert [n for n, w in worst.items() if w >= PI_WARN] == []
    assert tshark.run("-r", pcap, *PREFS, "-Y", PROBLEMS).stdout.strip() == ""

    requests: set[str] = set()
    answered: set[str] = set()
    for row, step in zip(rows, steps, strict=True):
        where = f"frame {row['frame.number']} (step {step.index})"
        f = step.fields
        assert (row["eth.src"], row["eth.dst"]) == (f["eth_src"], f["eth_dst"]), where
        assert row["_ws.col.Protocol"] == step.protocol, where
        info = " ".join(row["_ws.col.Info"].split())
        assert info.startswith(step.summary), (where, info)
        assert float(row["frame.time_relative"]) == pytest.approx(step.time - steps[0].time)
        if step.protocol == "ARP":
            assert int(row["arp.opcode"]) == f["op"], where
            got = (row["arp.src.hw_mac"], row["arp.src.proto_ipv4"])
            assert got == (f["hwsrc"], f["psrc"]), where
            got = (row["arp.dst.hw_mac"], row["arp.dst.proto_ipv4"])
            assert got == (f["hwdst"], f["pdst"]), where
            probe = trace.steps[step.index - 2].event == "arp_probe"
            if f["op"] == 1 and probe:  # Linux checks a used STALE entry by unicast
                assert row["eth.dst"] == trace.params["macs"]["A"] != f["eth_src"], where
                assert row["arp.dst.hw_mac"] == "00:00:00:00:00:00", where
            elif f["op"] == 1:
                assert row["eth.dst"] == "ff:ff:ff:ff:ff:ff", where
            else:
                assert row["eth.dst"] == f["hwdst"] != "ff:ff:ff:ff:ff:ff", where
            announcement = f["psrc"] == f["pdst"]
            assert (row["arp.isannouncement"] == "1") == announcement, where
        else:
            assert row["ip.checksum.status"] == GOOD, where
            assert row["icmp.checksum.status"] == GOOD, where
            assert int(row["icmp.type"]) == f["type"], where
            assert (row["ip.src"], row["ip.dst"]) == (f["ip_src"], f["ip_dst"]), where
            assert int(row["ip.ttl"]) == f["ttl"], where
            if f["type"] == 8:
                requests.add(row["frame.number"])
            else:
                answered.add(row["icmp.resp_to"])
    # every echo request is answered, and Wireshark pairs each reply with its request
    assert requests == answered


def test_the_opcodes_of_the_default_run(tshark, tmp_path):
    trace = arp.build(ArpOptions())
    pcap = tmp_path / "arp.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in _frames(trace)])
    rows = _read(tshark, pcap)
    got = [(r["_ws.col.Protocol"], r["arp.opcode"], r["icmp.type"], r["eth.dst"]) for r in rows]
    assert got == [
        ("ARP", "1", "", "ff:ff:ff:ff:ff:ff"),  # A: who has B?
        ("ARP", "2", "", "02:00:00:00:00:01"),
        ("ICMP", "", "8", "02:00:00:00:00:02"),
        ("ICMP", "", "0", "02:00:00:00:00:01"),
        ("ARP", "1", "", "02:00:00:00:00:01"),  # B's probe, 5 s later, unicast to A
        ("ARP", "2", "", "02:00:00:00:00:02"),
    ]
    times = [float(r["frame.time_relative"]) for r in rows]
    assert times[4] - times[3] == pytest.approx(5.0)  # delay_first_probe_time


def test_two_announcements_two_seconds_apart(tshark, tmp_path):
    """RFC 5227 section 2.3 (ANNOUNCE_NUM 2, ANNOUNCE_INTERVAL 2 s), as Wireshark reads them:
    two ARP Announcements of A's address, broadcast, 2 s apart, before the ping's request."""
    trace = arp.build(ArpOptions(gratuitous=True))
    pcap = tmp_path / "arp.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in _frames(trace)])
    rows = _read(tshark, pcap)
    announced = [r for r in rows if r["arp.isannouncement"] == "1"]
    assert len(announced) == 2
    assert [float(r["frame.time_relative"]) for r in announced] == [0.0, 2.0]
    for row in announced:
        assert row["arp.src.proto_ipv4"] == row["arp.dst.proto_ipv4"] == "192.168.1.10"
        assert row["eth.dst"] == "ff:ff:ff:ff:ff:ff"
        assert " ".join(row["_ws.col.Info"].split()) == "ARP Announcement for 192.168.1.10"
    assert rows[2]["arp.isannouncement"] != "1" and float(rows[2]["frame.time_relative"]) == 3.0


def test_control_a_broken_arp_frame_is_caught(tshark, tmp_path):
    """The same reading must see a problem: an ARP frame cut short is malformed."""
    trace = arp.build(ArpOptions())
    frame = bytes(_frames(trace)[0].packet)[:30]  # the Ethernet header and half the ARP
    from scapy.layers.l2 import Ether

    pcap = tmp_path / "broken.pcap"
    write_pcap(pcap, [(0.0, Ether(frame))])
    rows = _read(tshark, pcap)
    assert rows[0]["_ws.malformed"] or rows[0]["_ws.expert.severity"]
    assert tshark.run("-r", pcap, *PREFS, "-Y", PROBLEMS).stdout.strip() != ""
