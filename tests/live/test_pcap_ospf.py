"""``netlab simulate ospf``: Wireshark reads our Link State Updates as the steps say they are.

Each variant's frames go through ``--pcap``'s writer and tshark reads them back with IP checksum
validation on. Every frame must be clean (no malformed frame, no expert information above Note),
an OSPFv2 LS Update (type 4) from the step's router to 224.0.0.5 (IP protocol 89, TTL 1)
carrying one Router-LSA whose advertising router, sequence number, LS age, E option and links
(type, ID, data, metric) are those of the step's JSON. tshark 4.0 has no field for the OSPF
checksum's status and does not check an LSA's own (the Fletcher checksum of RFC 2328 12.1.7),
so both are checked here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import ospf
from netlab.sim.topology import BUILT_IN
from netlab.views import pcap as pcap_view

PREFS = ("-o", "ip.check_checksum:TRUE")
FIELDS = (
    "eth.dst",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.proto",
    "ip.checksum.status",
    "ospf.msg",
    "ospf.srcrouter",
    "ospf.advrouter",
    "ospf.lsa.seqnum",
    "ospf.lsa.age",
    "ospf.v2.options.e",
    "ospf.lsa.router.linktype",
    "ospf.lsa.router.linkid",
    "ospf.lsa.router.linkdata",
    "ospf.lsa.router.metric0",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
)

VARIANTS = [
    pytest.param(ospf.OspfOptions(BUILT_IN["mesh"]()), id="ospf"),
    pytest.param(ospf.OspfOptions(BUILT_IN["mesh"](), fail="R2-R3"), id="--fail R2-R3"),
    pytest.param(ospf.OspfOptions(BUILT_IN["ring"](), fail="R1-R2"), id="ring --fail R1-R2"),
    pytest.param(ospf.OspfOptions(BUILT_IN["campus"]()), id="campus"),
]


def ones_sum(data: bytes) -> int:
    """The ones'-complement sum of an OSPF packet (RFC 2328 D.4.1; its authentication field,
    excluded from the checksum, is zero with Null authentication): 0xFFFF when it is right."""
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def fletcher_ok(lsa: bytes) -> bool:
    """ISO 8473's Fletcher checksum over the LSA without its age field sums to zero."""
    c0 = c1 = 0
    for byte in lsa[2:]:
        c0 = (c0 + byte) % 255
        c1 = (c1 + c0) % 255
    return c0 == 0 and c1 == 0


@pytest.mark.parametrize("options", VARIANTS)
def test_wireshark_reads_the_lsas_of_the_json(tshark, tmp_path: Path, options):
    trace = ospf.build(options)
    path = tmp_path / "ospf.pcap"
    pcap_view.write(trace, path)
    steps = [s for s in trace.steps if s.dst is not None]
    rows = tshark.fields(path, FIELDS, *PREFS)
    assert len(rows) == len(steps) > 0
    ids = ospf.router_ids(options.topology)
    for row, step in zip(rows, steps, strict=True):
        where = f"step {step.index}: {step.summary}"
        f = step.fields
        assert not row["_ws.malformed"], where
        assert tshark.worst(row) <= tshark.PI_NOTE, f"{where}: {row['_ws.expert.message']}"
        assert row["eth.dst"] == "01:00:5e:00:00:05", where
        assert (row["ip.src"], row["ip.dst"], row["ip.ttl"], row["ip.proto"]) == (
            f["ip_src"],
            "224.0.0.5",
            "1",
            "89",
        ), where
        assert row["ip.checksum.status"] == "1", where
        assert ones_sum(bytes(step.packet["OSPF_Hdr"])) == 0xFFFF, where
        assert (row["ospf.msg"], row["ospf.srcrouter"]) == ("4", ids[step.src]), where
        assert row["ospf.advrouter"] == f["lsa_router"], where
        assert (row["ospf.lsa.seqnum"], row["ospf.lsa.age"]) == (
            f["lsa_seq"],
            str(f["lsa_age"]),
        ), where
        assert row["ospf.v2.options.e"] == "1", where
        links = f["links"]
        assert tshark.column(row, "ospf.lsa.router.linktype") == [str(x["type"]) for x in links]
        assert tshark.column(row, "ospf.lsa.router.linkid") == [x["link_id"] for x in links]
        assert tshark.column(row, "ospf.lsa.router.linkdata") == [x["data"] for x in links]
        assert tshark.column(row, "ospf.lsa.router.metric0") == [str(x["cost"]) for x in links]
        lsa = bytes(step.packet["OSPF_Router_LSA"])
        assert fletcher_ok(lsa), where
