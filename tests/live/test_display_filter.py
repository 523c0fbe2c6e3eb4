"""``--filter PROTO`` keeps the frames Wireshark's display filter of that name keeps.

Each scenario's pcap is read by tshark with ``-Y PROTO`` for every name ``--filter`` takes, and
the frame numbers it shows are compared with the frames of the steps ``--filter`` keeps (a
switch's unchanged copy is the original's frame).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.cli.sim_show import filtered
from netlab.errors import UsageError
from netlab.sim import arp, journey, layers, ospf, rip, route
from netlab.sim.display_filter import NAMES
from netlab.sim.topology import BUILT_IN
from netlab.views import pcap as pcap_view

#: between them every protocol --filter names, HTTP next to plain TCP segments and the
#: router's copy Wireshark calls a retransmission (layers), a switch's copies (arp), and ICMP
#: errors quoting a UDP header (traceroute)
SCENARIOS = {
    "layers": lambda: layers.build(layers.LayersOptions()),
    "arp": lambda: arp.build(arp.ArpOptions()),
    "journey": lambda: journey.build(journey.JourneyOptions()),
    "route --traceroute": lambda: route.build(route.RouteOptions(traceroute=True)),
    "rip": lambda: rip.build(rip.RipOptions()),
    "ospf": lambda: ospf.build(ospf.OspfOptions(BUILT_IN["mesh"]())),
}


def ours(trace, proto: str) -> set[int]:
    numbers = pcap_view.frame_numbers(trace)
    try:
        kept = filtered(trace, proto)
    except UsageError:
        return set()
    by_index = {s.index: s for s in trace.steps}
    frames = set()
    for index in kept:
        step = by_index[index]
        frames.add(numbers.get(index) or numbers[step.copy_of])
    return frames


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_filter_keeps_what_wireshark_keeps(tshark, tmp_path: Path, name):
    trace = SCENARIOS[name]()
    path = tmp_path / "trace.pcap"
    pcap_view.write(trace, path)
    for proto in NAMES:
        rows = tshark.fields(path, ("frame.number",), "-Y", proto)
        theirs = {int(row["frame.number"]) for row in rows}
        assert ours(trace, proto) == theirs, f"{name}: --filter {proto}"
