"""``netlab simulate route``: Wireshark reads our routed packets as the steps say they are.

Each variant's frames go through ``--pcap``'s writer and tshark reads them back with IP and UDP
checksum validation on. Every frame must be clean (no malformed frame, no expert information
above Note: tshark's Note "Time To Live only N" is what a low TTL earns), its IP checksum good
and equal to the step's ``fields``, its addresses, TTL and MACs the step's, and an ICMP error's
quote must read back as the datagram it is about: its addresses, TTL and (for a probe) ports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import route
from netlab.sim.topology import BUILT_IN
from netlab.views import pcap as pcap_view

AGGREGATOR = "\x1f"
PREFS = ("-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
FIELDS = (
    "eth.src",
    "eth.dst",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.checksum",
    "ip.checksum.status",
    "icmp.type",
    "icmp.code",
    "icmp.checksum.status",
    "udp.dstport",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
)

VARIANTS = [
    pytest.param(route.RouteOptions(), id="route"),
    pytest.param(route.RouteOptions(ttl=2), id="--ttl 2"),
    pytest.param(route.RouteOptions(to="198.51.100.7"), id="--to 198.51.100.7"),
    pytest.param(route.RouteOptions(to="192.168.2.99"), id="--to 192.168.2.99"),
    pytest.param(route.RouteOptions(traceroute=True), id="--traceroute"),
    pytest.param(route.RouteOptions(BUILT_IN["mesh"](), traceroute=True), id="mesh --traceroute"),
    pytest.param(route.RouteOptions(BUILT_IN["ring"](), ttl=3), id="ring --ttl 3"),
]


@pytest.mark.parametrize("options", VARIANTS)
def test_wireshark_reads_what_the_steps_say(tshark, tmp_path: Path, options):
    trace = route.build(options)
    path = tmp_path / "route.pcap"
    pcap_view.write(trace, path)
    steps = [s for s in trace.steps if s.dst is not None]
    rows = tshark.fields(path, FIELDS, *PREFS)
    assert len(rows) == len(steps)
    for row, step in zip(rows, steps, strict=True):
        where = f"step {step.index}: {step.summary}"
        f = step.fields
        assert not row["_ws.malformed"], where
        assert tshark.worst(row) <= tshark.PI_NOTE, f"{where}: {row['_ws.expert.message']}"
        ip_src, *quoted_src = row["ip.src"].split(AGGREGATOR)
        ip_dst, *quoted_dst = row["ip.dst"].split(AGGREGATOR)
        ttl, *quoted_ttl = row["ip.ttl"].split(AGGREGATOR)
        assert (row["eth.src"], row["eth.dst"]) == (f["eth_src"], f["eth_dst"]), where
        assert (ip_src, ip_dst, int(ttl)) == (f["ip_src"], f["ip_dst"], f["ttl"]), where
        assert row["ip.checksum"].split(AGGREGATOR)[0] == f["ip_checksum"], where
        assert row["ip.checksum.status"].split(AGGREGATOR)[0] == "1", where
        if f["kind"] in route.ERRORS:
            about = step.packet["ICMP"].payload  # what the router received
            assert quoted_src == [about.src] and quoted_dst == [about.dst], where
            assert quoted_ttl == [str(about.ttl)], where
            if f["kind"] == "time_exceeded":
                assert quoted_ttl == ["1"], where
        if f["kind"] == "probe":
            assert row["udp.dstport"] == str(step.packet["UDP"].dport), where
