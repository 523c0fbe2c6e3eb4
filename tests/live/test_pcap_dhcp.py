"""``netlab simulate dhcp`` frames as Wireshark's own dissector reads them.

Each scenario variant is built in-process, its frames written with ``write_pcap`` and read back
by tshark with IP and UDP checksum validation on. There must be no malformed frame and no expert
warning or error, every checksum good, and every frame what the step says: DHCP message type
(option 53), transaction ID, BROADCAST flag, the BOOTP addresses, the options, the addresses
of the IP and Ethernet headers, the IP header's TTL, DS field and DF bit (ISC dhclient's own
128 and 0x10 before the client has an address, Linux's 64 and DF for the renewal), the time,
and the Info column. A control corrupts a frame on
purpose and checks that the same reading catches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import dhcp
from netlab.sim.dhcp import DhcpOptions
from netlab.sim.packets import write_pcap

PREFS = ("-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
CHECKSUM_GOOD = "1"

FIELDS = (
    "frame.time_relative",
    "eth.src",
    "eth.dst",
    "ip.src",
    "ip.dst",
    "ip.checksum.status",
    "ip.ttl",
    "ip.dsfield",
    "ip.flags.df",
    "ip.id",
    "udp.srcport",
    "udp.dstport",
    "udp.checksum.status",
    "dhcp.type",
    "dhcp.id",
    "dhcp.secs",
    "dhcp.flags.bc",
    "dhcp.ip.client",
    "dhcp.ip.your",
    "dhcp.hw.mac_addr",
    "dhcp.option.dhcp",
    "dhcp.option.requested_ip_address",
    "dhcp.option.dhcp_server_id",
    "dhcp.option.ip_address_lease_time",
    "dhcp.option.renewal_time_value",
    "dhcp.option.rebinding_time_value",
    "dhcp.option.subnet_mask",
    "dhcp.option.router",
    "dhcp.option.domain_name_server",
    "_ws.col.Info",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
)

VARIANTS = [
    pytest.param(DhcpOptions(), id="default"),
    pytest.param(DhcpOptions(clients=3, pool_size=1), id="pool of 1, 3 clients"),
    pytest.param(DhcpOptions(clients=6, pool_size=4, lease=60, seed=5), id="6 clients, lease 60"),
    pytest.param(DhcpOptions(clients=2, broadcast_flag=True), id="broadcast flag"),
    pytest.param(DhcpOptions(clients=1, lease=604800), id="lease 7 days"),
]


def dissect(tshark, pcap: Path) -> list[dict[str, str]]:
    return tshark.fields(pcap, FIELDS, *PREFS)


def write(trace, path: Path) -> Path:
    write_pcap(path, [(s.time, s.packet) for s in trace.steps if s.packet is not None])
    return path


def problems(tshark, pcap: Path) -> list[str]:
    out = tshark.run("-r", pcap, *PREFS, "-Y", "_ws.malformed || _ws.expert.severity >= warning")
    return [line for line in out.stdout.splitlines() if line.strip()]


def ip_or_empty(value: str) -> str:
    return "" if value == "0.0.0.0" else value


@pytest.mark.parametrize("options", VARIANTS)
def test_wireshark_reads_what_the_steps_say(tshark, tmp_path, options):
    trace = dhcp.build(options)
    steps = [s for s in trace.steps if s.packet is not None]
    rows = dissect(tshark, write(trace, tmp_path / "dhcp.pcap"))
    assert len(rows) == len(steps)
    start = steps[0].time
    for row, step in zip(rows, steps, strict=True):
        where = f"step {step.index}"
        f, opts = step.fields, step.fields["options"]
        assert not row["_ws.malformed"], where
        assert tshark.worst(row) < tshark.PI_WARN, (where, row["_ws.expert.message"])
        assert row["ip.checksum.status"] == CHECKSUM_GOOD, where
        assert row["udp.checksum.status"] == CHECKSUM_GOOD, where
        assert float(row["frame.time_relative"]) == pytest.approx(step.time - start, abs=1e-6)
        assert (row["eth.src"], row["eth.dst"]) == (f["eth_src"], f["eth_dst"]), where
        assert (row["ip.src"], row["ip.dst"]) == (f["ip_src"], f["ip_dst"]), where
        assert int(row["ip.ttl"]) == f["ttl"] and int(row["ip.dsfield"], 16) == f["tos"], where
        assert (row["ip.flags.df"] in ("1", "True")) == f["df"] and row["ip.id"] == "0x0000"
        assert (int(row["udp.srcport"]), int(row["udp.dstport"])) == (f["sport"], f["dport"])
        assert int(row["dhcp.type"]) == f["op"], where
        assert int(row["dhcp.option.dhcp"]) == f["message_type"], where
        assert int(row["dhcp.id"], 16) == f["xid"], where
        assert int(row["dhcp.secs"]) == f["secs"], where
        assert row["dhcp.flags.bc"] == ("1" if f["broadcast"] else "0"), where
        assert row["dhcp.ip.client"] == f["ciaddr"] and row["dhcp.ip.your"] == f["yiaddr"]
        assert row["dhcp.hw.mac_addr"] == f["chaddr"], where
        assert row["dhcp.option.requested_ip_address"] == opts.get("requested_addr", "")
        assert row["dhcp.option.dhcp_server_id"] == opts.get("server_id", ""), where
        for field, name in (
            ("dhcp.option.ip_address_lease_time", "lease_time"),
            ("dhcp.option.renewal_time_value", "renewal_time"),
            ("dhcp.option.rebinding_time_value", "rebinding_time"),
        ):
            assert row[field] == str(opts.get(name, "")), (where, field)
        assert row["dhcp.option.subnet_mask"] == opts.get("subnet_mask", "")
        assert row["dhcp.option.router"] == opts.get("router", "")
        assert row["dhcp.option.domain_name_server"] == opts.get("name_server", "")
        assert row["_ws.col.Info"] == step.summary, where


@pytest.mark.parametrize("options", VARIANTS)
def test_no_malformed_frame_and_no_expert_warning(tshark, tmp_path, options):
    pcap = write(dhcp.build(options), tmp_path / "dhcp.pcap")
    assert problems(tshark, pcap) == []
    expert = tshark.run("-r", pcap, *PREFS, "-q", "-z", "expert,warn").stdout
    assert "Warning" not in expert and "Error" not in expert, expert


def test_message_types_in_order(tshark, tmp_path):
    """DORA for A and B, C left without an offer, then A's renewal: option 53 as tshark reads
    it (1 Discover, 2 Offer, 3 Request, 5 ACK), and the BROADCAST flag."""
    trace = dhcp.build(DhcpOptions(clients=3, pool_size=2))
    rows = dissect(tshark, write(trace, tmp_path / "dhcp.pcap"))
    got = [(r["dhcp.option.dhcp"], r["dhcp.flags.bc"], r["ip.dst"]) for r in rows]
    b = "255.255.255.255"
    assert got == [
        ("1", "0", b),
        ("2", "0", "192.168.1.100"),
        ("3", "0", b),
        ("5", "0", "192.168.1.100"),
        ("1", "0", b),
        ("2", "0", "192.168.1.101"),
        ("3", "0", b),
        ("5", "0", "192.168.1.101"),
        ("1", "0", b),  # C: no offer
        ("1", "0", b),  # C again after 4 s
        ("1", "0", b),  # and after 8 s more
        ("3", "0", "192.168.1.1"),  # A renews at T1, unicast
        ("5", "0", "192.168.1.100"),
    ]


def test_control_a_corrupted_frame_is_caught(tshark, tmp_path):
    trace = dhcp.build(DhcpOptions(clients=1))
    first = trace.steps[0].packet
    data = bytearray(bytes(first))
    udp_checksum = 14 + 20 + 6
    data[udp_checksum] ^= 0xFF
    from scapy.layers.l2 import Ether

    broken = tmp_path / "broken.pcap"
    write_pcap(broken, [(0.0, Ether(bytes(data)))])
    rows = dissect(tshark, broken)
    assert rows[0]["udp.checksum.status"] != CHECKSUM_GOOD
    assert tshark.worst(rows[0]) >= tshark.PI_WARN
    assert len(problems(tshark, broken)) == 1
    expert = tshark.run("-r", broken, *PREFS, "-q", "-z", "expert,warn").stdout
    assert "Error" in expert


def test_dhclients_ip_header_as_wireshark_reads_it(tshark, tmp_path):
    """Written out by hand from ISC dhclient's common/packet.c: the Discover and the first
    Request have TTL 128 and DS field 0x10 (IPTOS_LOWDELAY), no DF; the server's replies TTL 64;
    the renewal, sent through the kernel's UDP socket, TTL 64, DS field 0x00, DF set."""
    trace = dhcp.build(DhcpOptions(clients=1))
    rows = dissect(tshark, write(trace, tmp_path / "dhcp.pcap"))
    got = [(int(r["dhcp.option.dhcp"]), int(r["ip.ttl"]), r["ip.dsfield"]) for r in rows]
    assert got == [
        (1, 128, "0x10"),  # Discover
        (2, 64, "0x00"),  # Offer
        (3, 128, "0x10"),  # Request
        (5, 64, "0x00"),  # ACK
        (3, 64, "0x00"),  # the renewal's Request
        (5, 64, "0x00"),  # its ACK
    ]
    assert [r["ip.flags.df"] in ("1", "True") for r in rows] == [False] * 4 + [True, False]
