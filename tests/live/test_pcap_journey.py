"""tshark reads the journey's pcap: every frame clean, and the protocol of each frame is the
one the trace names.

The journey's frames come from four scenarios and NAT's rewriting; this checks them together
with checksum validation on: no malformed frame, no expert warning or error, the Protocol
column equal to ``Step.protocol`` and the Info column equal to ``Step.summary`` (HTTP lines
aside, where tshark appends a space), and the address of each frame the trace says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim.journey import JourneyOptions, build
from netlab.views import pcap

CHECKS = (
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "udp.check_checksum:TRUE",
)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, object]:
    trace = build(JourneyOptions(seed=3))
    path = tmp_path_factory.mktemp("journey") / "journey.pcap"
    pcap.write(trace, path)
    return path, trace


def test_every_frame_decodes_cleanly(tshark, written):
    path, _trace = written
    expert = tshark.run("-r", path, *CHECKS, "-q", "-z", "expert,warn").stdout
    assert "Warnings" not in expert and "Errors" not in expert, expert
    malformed = tshark.run(
        "-r", path, *CHECKS, "-Y", "_ws.malformed || _ws.expert.severity >= warning"
    )
    assert malformed.stdout.strip() == ""


def test_protocol_info_and_addresses_match_the_trace(tshark, written):
    path, trace = written
    fields = ("_ws.col.Protocol", "_ws.col.Info", "eth.src", "ip.src", "ip.dst")
    args = [arg for f in fields for arg in ("-e", f)]
    out = tshark.run("-r", path, *CHECKS, "-T", "fields", "-E", "separator=|", *args).stdout
    rows = [line.split("|") for line in out.splitlines()]
    steps = [s for s in trace.steps if s.dst is not None and s.copy_of is None]
    assert len(rows) == len(steps)
    for (proto, info, eth_src, ip_src, ip_dst), step in zip(rows, steps, strict=True):
        assert proto == step.protocol, (step.index, proto)
        assert info.rstrip() == step.summary, (step.index, info)
        assert eth_src == step.fields["eth_src"]
        if step.protocol != "ARP":
            assert (ip_src, ip_dst) == (step.fields["ip_src"], step.fields["ip_dst"])
