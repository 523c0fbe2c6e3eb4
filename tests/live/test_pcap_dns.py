"""``netlab simulate dns``'s frames, read by Wireshark's own DNS dissector.

Each variant's frames are written with ``write_pcap`` and read by tshark with IP and UDP
checksum validation on. No frame may be malformed or carry an expert warning or error; every
checksum is good; the DNS flags (QR, RD, RA, AA, TC), ID, question, the types and TTLs of every
record and the section counts are what the trace's ``fields`` say; and the trace's summary is
tshark's Info column word for word. A control test corrupts one UDP checksum and checks that
the same reading catches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.sim import dns
from netlab.sim.dns import TYPE_CODES, DnsOptions
from netlab.sim.packets import write_pcap

AGGREGATOR = "\x1f"
CHECKSUM_GOOD = "1"
PREFS = ("-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
FIELDS = (
    "frame.number",
    "_ws.col.Info",
    "_ws.col.Protocol",
    "ip.src",
    "ip.dst",
    "ip.checksum.status",
    "ip.ttl",
    "udp.srcport",
    "udp.dstport",
    "udp.checksum.status",
    "dns.id",
    "dns.flags.response",
    "dns.flags.recdesired",
    "dns.flags.recavail",
    "dns.flags.authoritative",
    "dns.flags.truncated",
    "dns.flags.rcode",
    "dns.qry.name",
    "dns.qry.type",
    "dns.resp.name",
    "dns.resp.type",
    "dns.resp.ttl",
    "dns.count.answers",
    "dns.count.auth_rr",
    "dns.count.add_rr",
    "_ws.expert.severity",
    "_ws.expert.message",
    "_ws.malformed",
)

VARIANTS = [
    pytest.param(DnsOptions(), id="default"),
    pytest.param(DnsOptions(again=True), id="again"),
    pytest.param(DnsOptions(qtype="AAAA", again=True), id="AAAA again"),
    pytest.param(DnsOptions(qtype="CNAME", again=True), id="CNAME nodata again"),
    pytest.param(DnsOptions(qtype="MX"), id="MX nodata"),
    pytest.param(DnsOptions(name="example.com", qtype="MX", again=True), id="MX apex again"),
    pytest.param(DnsOptions(name="shop.example.com", again=True), id="alias A again"),
    pytest.param(DnsOptions(name="shop.example.com", qtype="CNAME"), id="alias CNAME"),
    pytest.param(DnsOptions(name="Shop.Example.COM.", qtype="mx"), id="alias MX nodata"),
    pytest.param(DnsOptions(name="news.bbc.co.uk", qtype="AAAA"), id="co.uk"),
    pytest.param(DnsOptions(name="a-b.c.d.example.org", seed=9), id="org seed 9"),
    pytest.param(DnsOptions(again=True, again_after=3600), id="again after expiry"),
    pytest.param(DnsOptions(resolver_ip="192.168.1.1"), id="resolver on the LAN"),
]


def _read(tshark, pcap: Path) -> list[dict[str, str]]:
    return tshark.fields(pcap, FIELDS, *PREFS)


def _bit(value: int) -> str:
    return str(int(value))


def _many(text: str) -> list[str]:
    return text.split(AGGREGATOR) if text else []


@pytest.mark.parametrize("options", VARIANTS)
def test_tshark_decodes_every_frame_as_the_trace_says(tshark, tmp_path, options):
    trace = dns.build(options)
    steps = [s for s in trace.steps if s.packet is not None]
    pcap = tmp_path / "dns.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in steps])
    rows = _read(tshark, pcap)
    assert len(rows) == len(steps)
    for step, row in zip(steps, rows, strict=True):
        f = step.fields
        where = f"step {step.index}: {row}"
        assert row["_ws.malformed"] == "", where
        assert row["_ws.expert.severity"] == "", where  # not even a note
        assert row["ip.checksum.status"] == CHECKSUM_GOOD, where
        assert row["udp.checksum.status"] == CHECKSUM_GOOD, where
        assert row["_ws.col.Protocol"] == step.protocol == "DNS"
        assert row["_ws.col.Info"] == step.summary, where
        assert (row["ip.src"], row["ip.dst"]) == (trace.node(step.src).ip, trace.node(step.dst).ip)
        assert (int(row["udp.srcport"]), int(row["udp.dstport"])) == (f["sport"], f["dport"])
        assert 53 in (f["sport"], f["dport"])
        assert int(row["dns.id"], 16) == f["id"]
        assert row["dns.flags.response"] == _bit(f["qr"]), where
        assert row["dns.flags.recdesired"] == _bit(f["rd"]), where
        assert row["dns.flags.truncated"] == "0"
        if f["qr"]:  # tshark shows RA and AA only in responses
            assert row["dns.flags.recavail"] == _bit(f["ra"]), where
            assert row["dns.flags.authoritative"] == _bit(f["aa"]), where
            assert row["dns.flags.rcode"] == "0"
        else:
            assert row["dns.flags.recavail"] == row["dns.flags.authoritative"] == ""
        assert row["dns.qry.name"] == f["qname"]
        assert int(row["dns.qry.type"]) == TYPE_CODES[f["qtype"]]
        records = f["answers"] + f["authority"] + f["additional"]
        assert [int(t) for t in _many(row["dns.resp.type"])] == [
            TYPE_CODES[r["type"]] for r in records
        ], where
        assert [int(t) for t in _many(row["dns.resp.ttl"])] == [r["ttl"] for r in records]
        assert _many(row["dns.resp.name"]) == [r["name"] for r in records]
        counts = (row["dns.count.answers"], row["dns.count.auth_rr"], row["dns.count.add_rr"])
        assert counts == tuple(str(len(f[k])) for k in ("answers", "authority", "additional"))


def test_the_flags_the_issue_names(tshark, tmp_path):
    """Stub query RD=1; iterative queries RD=0; referrals AA=0; the authoritative answer AA=1;
    the resolver's answer RA=1, AA=0; the cached answer's TTL counted down."""
    trace = dns.build(DnsOptions(again=True))
    steps = [s for s in trace.steps if s.packet is not None]
    pcap = tmp_path / "dns.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in steps])
    rows = _read(tshark, pcap)
    flags = [
        (
            r["dns.flags.response"],
            r["dns.flags.recdesired"],
            r["dns.flags.recavail"],
            r["dns.flags.authoritative"],
        )
        for r in rows
    ]
    assert flags == [
        ("0", "1", "", ""),  # laptop -> resolver
        ("0", "0", "", ""),  # resolver -> root
        ("1", "0", "0", "0"),  # root's referral
        ("0", "0", "", ""),  # resolver -> com
        ("1", "0", "0", "0"),  # com's referral
        ("0", "0", "", ""),  # resolver -> example.com's server
        ("1", "0", "0", "1"),  # the authoritative answer
        ("1", "1", "1", "0"),  # resolver -> laptop
        ("0", "1", "", ""),  # --again: laptop -> resolver
        ("1", "1", "1", "0"),  # from the cache
    ]
    assert rows[7]["dns.resp.ttl"] == "3600" and rows[9]["dns.resp.ttl"] == "3540"
    assert rows[2]["_ws.col.Info"].endswith("NS a.gtld-servers.net A 192.5.6.30")
    assert rows[9]["_ws.col.Info"].endswith("A www.example.com A 198.51.100.80")


def test_control_a_bad_udp_checksum_is_caught(tshark, tmp_path):
    trace = dns.build(DnsOptions())
    frame = trace.steps[0].packet.copy()
    frame["UDP"].chksum ^= 0x5555
    pcap = tmp_path / "bad.pcap"
    write_pcap(pcap, [(0.0, frame)])
    (row,) = _read(tshark, pcap)
    assert row["udp.checksum.status"] != CHECKSUM_GOOD
    assert row["_ws.expert.severity"] != ""


#: The TTLs a capture reads, written out by hand: 64 as sent; the resolver's answer reaches the
#: laptop 9 routers later (the provider's 8, then the home router), the root's answer reaches
#: the resolver 6 routers later, com's 9, example.com's 12.
TTLS = [64, 64, 58, 64, 55, 64, 52, 55]


@pytest.mark.parametrize("resolver", [None, "192.168.1.1"])
def test_every_packet_carries_the_ttl_of_its_hops(tshark, tmp_path, resolver):
    """A packet from across the Internet arrives with fewer than 64 hops left: the first lookup's
    eight frames in order, as tshark reads ``ip.ttl``. A resolver on the laptop's own subnet
    answers it through no router: TTL 64."""
    options = DnsOptions() if resolver is None else DnsOptions(resolver_ip=resolver)
    trace = dns.build(options)
    steps = [s for s in trace.steps if s.packet is not None]
    pcap = tmp_path / "dns.pcap"
    write_pcap(pcap, [(s.time, s.packet) for s in steps])
    ttls = [int(r["ip.ttl"]) for r in _read(tshark, pcap)]
    expected = TTLS if resolver is None else [*TTLS[:-1], 64]
    assert ttls == expected
    assert [(s.src, s.dst) for s in steps][::7] == [("laptop", "resolver"), ("resolver", "laptop")]
