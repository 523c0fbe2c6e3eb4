"""``netlab simulate rip``: Wireshark reads our RIPv2 Responses as the steps say they are.

Each variant's frames go through ``--pcap``'s writer and tshark reads them back with IP and UDP
checksum validation on. Every frame must be clean (no malformed frame, no expert information
above Note), a RIPv2 Response from the step's router to 224.0.0.9 UDP 520 with TTL 1, and its
entries (address family, route tag, address, mask, next hop, metric) those of the step's JSON.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import rip
from netlab.sim.topology import BUILT_IN
from netlab.views import pcap as pcap_view

PREFS = ("-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
FIELDS = (
    "eth.dst",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.checksum.status",
    "udp.srcport",
    "udp.dstport",
    "udp.checksum.status",
    "rip.command",
    "rip.version",
    "rip.family",
    "rip.route_tag",
    "rip.ip",
    "rip.netmask",
    "rip.next_hop",
    "rip.metric",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
)

VARIANTS = [
    pytest.param(rip.RipOptions(), id="rip"),
    pytest.param(rip.RipOptions(fail="R2-R3"), id="--fail R2-R3"),
    pytest.param(rip.RipOptions(fail="R2-R3", split_horizon=False), id="--no-split-horizon"),
    pytest.param(rip.RipOptions(BUILT_IN["mesh"](), fail="R1-R5"), id="mesh --fail R1-R5"),
    pytest.param(rip.RipOptions(BUILT_IN["ring"](), fail="R1-R2"), id="ring --fail R1-R2"),
    pytest.param(rip.RipOptions(BUILT_IN["campus"]()), id="campus"),
]


@pytest.mark.parametrize("options", VARIANTS)
def test_wireshark_reads_the_rip_entries_of_the_json(tshark, tmp_path: Path, options):
    trace = rip.build(options)
    path = tmp_path / "rip.pcap"
    pcap_view.write(trace, path)
    steps = [s for s in trace.steps if s.dst is not None]
    rows = tshark.fields(path, FIELDS, *PREFS)
    assert len(rows) == len(steps)
    for row, step in zip(rows, steps, strict=True):
        where = f"step {step.index}: {step.summary}"
        f = step.fields
        assert not row["_ws.malformed"], where
        assert tshark.worst(row) <= tshark.PI_NOTE, f"{where}: {row['_ws.expert.message']}"
        assert row["eth.dst"] == "01:00:5e:00:00:09", where
        assert (row["ip.src"], row["ip.dst"], row["ip.ttl"]) == (f["ip_src"], "224.0.0.9", "1")
        assert row["ip.checksum.status"] == "1" and row["udp.checksum.status"] == "1", where
        assert (row["udp.srcport"], row["udp.dstport"]) == ("520", "520"), where
        assert (row["rip.command"], row["rip.version"]) == ("2", "2"), where
        entries = f["entries"]
        n = len(entries)
        assert tshark.column(row, "rip.family") == ["2"] * n, where
        assert tshark.column(row, "rip.route_tag") == ["0"] * n, where
        assert tshark.column(row, "rip.next_hop") == ["0.0.0.0"] * n, where
        prefixes = [e["prefix"].partition("/")[0] for e in entries]
        assert tshark.column(row, "rip.ip") == prefixes, where
        assert tshark.column(row, "rip.netmask") == [e["mask"] for e in entries], where
        assert tshark.column(row, "rip.metric") == [str(e["metric"]) for e in entries], where
