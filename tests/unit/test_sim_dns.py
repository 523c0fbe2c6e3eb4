"""``netlab.sim.dns``: name validation, the zone data, the resolver's cache and the referral chain.

Names are checked against an independent reading of RFC 1035 (a regular expression per label
and the wire length counted by scapy's own encoder); the cache against hand-computed TTLs; the
trace against what the issue asks: stub query RD=1, iterative queries RD=0, referrals AA=0 with
glue, the authoritative answer AA=1, the resolver's answer RA=1 AA=0, and ``--again`` answered
from the cache with the TTL counted down and no query upstream.
"""

from __future__ import annotations

import ipaddress
import re
import string
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlab import i18n
from netlab.i18n import Note
from netlab.sim import dns
from netlab.sim.dns import Cache, DnsOptions, Record

REPO = Path(__file__).resolve().parents[2]
US = 1_000_000

LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")

VARIANTS = [
    DnsOptions(),
    DnsOptions(again=True),
    DnsOptions(qtype="AAAA", again=True),
    DnsOptions(qtype="CNAME"),
    DnsOptions(qtype="MX"),
    DnsOptions(name="example.com", qtype="MX", again=True),
    DnsOptions(name="shop.example.com", qtype="A", again=True),
    DnsOptions(name="shop.example.com", qtype="CNAME"),
    DnsOptions(name="shop.example.com", qtype="MX", again=True),
    DnsOptions(name="news.bbc.co.uk", qtype="AAAA"),
    DnsOptions(again=True, again_after=3600),
    DnsOptions(again=True, again_after=200_000),
    DnsOptions(qtype="CNAME", again=True, again_after=400),
    DnsOptions(seed=7),
]


def independent_valid(text: str) -> bool:
    """RFC 1035 §2.3.1 / §3.1 read independently of the code under test."""
    body = text[:-1] if text.endswith(".") else text
    if not body:
        return False
    labels = body.split(".")
    if len(labels) < 2 or not all(LABEL.fullmatch(label) for label in labels):
        return False
    if sum(len(label) + 1 for label in labels) + 1 > 255:  # octets on the wire
        return False
    return not labels[-1].isdigit()


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["www.example.com", "example.com", "WWW.Example.COM.", "a-b.c0m", "3com.com", "xn--fsq.com",
     "a.b.c.d.e.f.example.org", "x" * 63 + ".com"],
)  # fmt: skip
def test_valid_names(name):
    assert dns.name_problem(name) is None
    assert dns.parse_name(name) == name.rstrip(".").lower()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "empty"),
        (".", "empty"),
        ("localhost", "one_label"),
        ("com.", "one_label"),
        ("a..com", "empty_label"),
        (".example.com", "empty_label"),
        ("example.com..", "empty_label"),
        ("-a.com", "hyphen"),
        ("a-.com", "hyphen"),
        ("a_b.com", "char"),
        ("a b.com", "char"),
        ("bücher.de", "char"),
        ("例子.com", "char"),
        ("1.2.3.4", "numeric_tld"),
        ("x" * 64 + ".com", "label_long"),
        (".".join(["a" * 63] * 4), "long"),  # 255 characters
    ],
)
def test_invalid_names(name, key):
    problem = dns.name_problem(name)
    assert problem is not None and problem.key == f"errors.allowed.dns_name_{key}"
    with pytest.raises(dns.InvalidName) as caught:
        dns.parse_name(name)
    assert isinstance(caught.value, ValueError)
    for lang in ("en", "zh"):
        assert "{" not in i18n.render(problem, lang)


def test_length_limit_is_255_octets_on_the_wire():
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(longest) == 253 and dns.wire_length(longest) == 255
    assert dns.name_problem(longest) is None
    assert dns.name_problem(longest + ".") is None  # the trailing dot is not counted
    assert dns.name_problem("e" + longest) is not None


labels = st.from_regex(r"\A[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?\Z")
valid_names = st.builds(
    lambda ls, tld, dot: ".".join([*ls, tld]) + ("." if dot else ""),
    st.lists(labels, min_size=1, max_size=5),
    st.from_regex(r"\A[a-z]{2,6}\Z"),
    st.booleans(),
)


@given(valid_names)
def test_generated_names_are_accepted_and_normalised(name):
    assert dns.name_problem(name) is None
    parsed = dns.parse_name(name)
    assert parsed == parsed.lower() and not parsed.endswith(".")
    assert dns.parse_name(parsed) == parsed


@given(st.text(alphabet=string.ascii_letters[:6] + "09-._ é", max_size=40))
def test_validation_agrees_with_an_independent_reading(text):
    assert (dns.name_problem(text) is None) == independent_valid(text)


@given(st.lists(st.integers(1, 63), min_size=2, max_size=6))
def test_length_rule_agrees_at_the_edge(sizes):
    name = ".".join("a" * n for n in sizes[:-1]) + "." + "b" * sizes[-1]
    assert (dns.name_problem(name) is None) == (dns.wire_length(name) <= 255)
    assert (dns.name_problem(name) is None) == independent_valid(name)


@given(valid_names)
@settings(max_examples=50, deadline=None)  # the first example imports scapy's DNS layer
def test_wire_length_matches_scapys_encoding(name):
    from netlab.sim.packets.dns import DNSQR

    parsed = dns.parse_name(name)
    encoded = bytes(DNSQR(qname=parsed + ".", qtype=1))
    assert len(encoded) - 4 == dns.wire_length(parsed)  # qtype and qclass are 4 bytes


def test_zone_of():
    assert dns.zone_of("www.example.com") == "example.com"
    assert dns.zone_of("example.com") == "example.com"
    assert dns.zone_of("a.b.c.example.org") == "example.org"
    assert dns.zone_of("news.bbc.co.uk") == "bbc.co.uk"
    assert dns.zone_of("www.tsinghua.edu.cn") == "tsinghua.edu.cn"
    assert dns.zone_of("co.uk") == "co.uk"
    assert dns.enclosing("www.example.com") == ["www.example.com", "example.com", "com", "."]


# -- the zone data -------------------------------------------------------------------------------

DOC_V4 = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
DOC_V6 = ipaddress.ip_network("2001:db8::/32")
REAL = {"198.41.0.4", "192.5.6.30"}


def _documentation(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return ip in DOC_V6
    return str(ip) in REAL or any(ip in net for net in DOC_V4)


@given(valid_names, st.sampled_from(dns.QTYPES))
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_any_name_resolves_to_documentation_data(name, qtype):
    parsed = dns.parse_name(name)
    zone = dns.zone_of(parsed)
    trace = dns.build(DnsOptions(name=name, qtype=qtype), frames=False)
    again = dns.build(DnsOptions(name=name, qtype=qtype), frames=False)
    assert [s.fields for s in trace.steps] == [s.fields for s in again.steps]
    for node in trace.nodes[2:]:
        assert _documentation(node.ip)
    answer = trace.steps[-1].fields
    assert answer["qname"] == parsed and answer["qtype"] == qtype
    records = answer["answers"] + answer["authority"] + answer["additional"]
    assert records, "every question gets an answer or a NODATA"
    for r in records:
        if r["type"] in ("A", "AAAA"):
            assert _documentation(r["value"])
        elif r["type"] == "MX":
            assert r["value"] == f"10 mail.{zone}"
        elif r["type"] == "CNAME":
            assert r["value"] == f"www.{zone}"
        elif r["type"] == "SOA":
            assert r["name"] == zone and r["ttl"] == dns.SOA_TIMERS[-1]
    kinds = {r["type"] for r in answer["answers"] if r["name"] == parsed}
    assert not {"CNAME"} < kinds, kinds  # an alias has no other data (RFC 1034 §3.6.2)


def test_example_com_has_memorable_numbers():
    answer = dns.build(DnsOptions(), frames=False).params["answer"]
    assert answer == [
        {"name": "www.example.com", "type": "A", "ttl": 3600, "value": "198.51.100.80"}
    ]
    aaaa = dns.build(DnsOptions(qtype="AAAA"), frames=False).params["answer"]
    assert aaaa[0]["value"] == "2001:db8::80"


def test_authoritative_reply_follows_cname_and_adds_mx_addresses():
    zone = "example.com"
    alias = dns.authoritative_reply(dns.zone_records(zone, "shop.example.com"), zone,
                                    "shop.example.com", "A")  # fmt: skip
    assert [(r.name, r.type) for r in alias.answers] == [
        ("shop.example.com", "CNAME"), ("www.example.com", "A"),
    ]  # fmt: skip
    mx = dns.authoritative_reply(dns.zone_records(zone, zone), zone, zone, "MX")
    assert [r.value for r in mx.answers] == ["10 mail.example.com"]
    assert {(r.name, r.type) for r in mx.additional} == {
        ("mail.example.com", "A"), ("mail.example.com", "AAAA"),
    }  # fmt: skip
    nodata = dns.authoritative_reply(dns.zone_records(zone, "www.example.com"), zone,
                                     "www.example.com", "CNAME")  # fmt: skip
    assert nodata.aa and not nodata.answers and nodata.nodata
    assert nodata.authority[0].type == "SOA" and nodata.authority[0].ttl == 300


# -- the cache -----------------------------------------------------------------------------------


def test_cache_counts_down_and_expires():
    cache = Cache()
    rec = Record("www.example.com", "A", 10, "198.51.100.80")
    cache.put(rec, 0)
    assert cache.get("www.example.com", "A", 0) == [rec]
    assert cache.get("www.example.com", "A", 999_999)[0].ttl == 10  # not a whole second yet
    assert cache.get("www.example.com", "A", 1 * US)[0].ttl == 9
    assert cache.get("www.example.com", "A", 10 * US - 1)[0].ttl == 1
    assert cache.get("www.example.com", "A", 10 * US) == []
    assert cache.rows(10 * US) == []
    assert [e.record for e in cache.expire(10 * US)] == [rec]
    assert len(cache) == 0


def test_cache_rows_and_refresh():
    cache = Cache()
    cache.put(Record("com", "NS", 172800, "a.gtld-servers.net"), 0)
    cache.put(Record("www.example.com", "A", 3600, "198.51.100.80"), 5 * US)
    assert cache.rows(65 * US) == [
        {"name": "com", "type": "NS", "value": "a.gtld-servers.net", "ttl": 172735},
        {"name": "www.example.com", "type": "A", "value": "198.51.100.80", "ttl": 3540},
    ]
    cache.put(Record("com", "NS", 172800, "a.gtld-servers.net"), 100 * US)  # learned again
    assert cache.rows(100 * US)[-1] == {
        "name": "com", "type": "NS", "value": "a.gtld-servers.net", "ttl": 172800,
    }  # fmt: skip
    assert len(cache) == 2


def test_negative_cache_entry_expires_at_its_own_ttl():
    cache = Cache()
    soa = Record("example.com", "SOA", 300, "ns1.example.com hostmaster.example.com 1 2 3 4 300")
    cache.put_negative("www.example.com", "MX", soa, 0)
    assert cache.negative("www.example.com", "MX", 299 * US).ttl == 1
    assert cache.negative("www.example.com", "A", 0) is None
    assert cache.rows(0) == [
        {"name": "www.example.com", "type": "MX", "value": "NODATA", "ttl": 300}
    ]
    assert cache.negative("www.example.com", "MX", 300 * US) is None
    hit = dns.cached_answer(cache, "www.example.com", "MX", 60 * US)
    assert hit is not None and hit.answers == () and hit.soa.ttl == 240


def test_cached_answer_follows_cnames_and_misses_when_part_expired():
    cache = Cache()
    cache.put(Record("shop.example.com", "CNAME", 3600, "www.example.com"), 0)
    cache.put(Record("www.example.com", "A", 600, "198.51.100.80"), 0)
    hit = dns.cached_answer(cache, "shop.example.com", "A", 10 * US)
    assert [r.type for r in hit.answers] == ["CNAME", "A"]
    assert [r.ttl for r in hit.answers] == [3590, 590]
    assert dns.cached_answer(cache, "shop.example.com", "CNAME", 0).answers[0].type == "CNAME"
    assert dns.cached_answer(cache, "shop.example.com", "A", 600 * US) is None
    assert dns.cached_answer(cache, "shop.example.com", "AAAA", 0) is None


def test_best_servers_walks_down_as_delegations_are_learned_and_back_up_as_they_expire():
    cache = dns.primed_cache()
    assert dns.best_servers(cache, "www.example.com", 0) == (".", dns.ROOT_HOST, dns.ROOT_IP)
    cache.put(Record("com", "NS", 172800, dns.GTLD_HOST), 0)
    cache.put(Record(dns.GTLD_HOST, "A", 172800, dns.GTLD_IP), 0)
    assert dns.best_servers(cache, "www.example.com", 0)[0] == "com"
    cache.put(Record("example.com", "NS", 172800, "ns1.example.com"), 0)
    assert dns.best_servers(cache, "www.example.com", 0)[0] == "com"  # no glue, no use
    cache.put(Record("ns1.example.com", "A", 100, "203.0.113.53"), 0)
    assert dns.best_servers(cache, "www.example.com", 0) == (
        "example.com", "ns1.example.com", "203.0.113.53",
    )  # fmt: skip
    assert dns.best_servers(cache, "www.example.com", 100 * US)[0] == "com"
    assert dns.best_servers(cache, "www.example.com", 172_800 * US)[0] == "."


# -- the trace -----------------------------------------------------------------------------------


def _packets(trace):
    return [s for s in trace.steps if s.event is None]


def test_referral_chain():
    trace = dns.build(DnsOptions())
    steps = trace.steps
    assert [(s.src, s.dst) for s in steps] == [
        ("laptop", "resolver"), ("resolver", None),
        ("resolver", "root"), ("root", "resolver"),
        ("resolver", "tld"), ("tld", "resolver"),
        ("resolver", "auth"), ("auth", "resolver"),
        ("resolver", "laptop"),
    ]  # fmt: skip
    assert steps[1].event == "dns_cache_miss"
    stub_q, root_q, root_r, tld_q, tld_r, auth_q, auth_r, stub_r = (
        s.fields for s in _packets(trace)
    )
    assert (stub_q["qr"], stub_q["rd"]) == (0, 1)
    for q in (root_q, tld_q, auth_q):
        assert (q["qr"], q["rd"], q["dport"]) == (0, 0, 53)
        assert (q["qname"], q["qtype"]) == ("www.example.com", "A")
    for referral, child, server in ((root_r, "com", "tld"), (tld_r, "example.com", "auth")):
        assert (referral["qr"], referral["aa"], referral["ra"]) == (1, 0, 0)
        assert referral["answers"] == []
        (ns,) = referral["authority"]
        (glue,) = referral["additional"]
        assert (ns["name"], ns["type"], ns["ttl"]) == (child, "NS", 172800)
        assert (glue["name"], glue["type"]) == (ns["value"], "A")
        assert glue["value"] == trace.node(server).ip  # the next query goes to the glue address
    assert root_r["authority"][0]["value"] == "a.gtld-servers.net"
    assert root_r["additional"][0]["value"] == "192.5.6.30"
    assert (auth_r["aa"], auth_r["ra"]) == (1, 0)
    assert (stub_r["qr"], stub_r["rd"], stub_r["ra"], stub_r["aa"]) == (1, 1, 1, 0)
    assert stub_r["id"] == stub_q["id"] and stub_r["answers"] == auth_r["answers"]
    for q, r in ((root_q, root_r), (tld_q, tld_r), (auth_q, auth_r), (stub_q, stub_r)):
        assert r["id"] == q["id"] and (r["sport"], r["dport"]) == (q["dport"], q["sport"])
    assert len({f["id"] for f in (stub_q, root_q, tld_q, auth_q)}) == 4
    assert dns.STUB_PORTS[0] <= stub_q["sport"] <= dns.STUB_PORTS[1]
    assert trace.params["asked"] == [["root", "tld", "auth"]]
    times = [s.time for s in steps]
    assert times == sorted(times)


def test_cache_after_the_first_lookup_holds_everything_learned():
    trace = dns.build(DnsOptions())
    rows = trace.steps[-1].tables["dns_cache:resolver"]
    assert [(r["name"], r["type"], r["ttl"]) for r in rows] == [
        (".", "NS", 3_600_000), ("a.root-servers.net", "A", 3_600_000),
        ("com", "NS", 172800), ("a.gtld-servers.net", "A", 172800),
        ("example.com", "NS", 172800), ("ns1.example.com", "A", 172800),
        ("www.example.com", "A", 3600),
    ]  # fmt: skip
    for step in trace.steps:
        assert set(step.tables) == {"dns_cache:resolver"}


def test_again_is_answered_from_the_cache():
    trace = dns.build(DnsOptions(again=True))
    second = trace.steps[9:]
    assert [(s.src, s.dst, s.event) for s in second] == [
        ("laptop", "resolver", None), ("resolver", None, "dns_cache_hit"),
        ("resolver", "laptop", None),
    ]  # fmt: skip
    assert not {"root", "tld", "auth"} & ({s.dst for s in second} | {s.src for s in second})
    answer = second[-1].fields
    assert answer["answers"][0]["ttl"] == 3600 - 60
    assert (answer["ra"], answer["aa"]) == (1, 0)
    assert second[1].notes[0].params["ttl"] == 3540
    assert trace.params["asked"] == [["root", "tld", "auth"], []]
    rows = {(r["name"], r["type"]): r["ttl"] for r in second[-1].tables["dns_cache:resolver"]}
    assert rows[("www.example.com", "A")] == 3540
    assert rows[("com", "NS")] == 172800 - 60


def test_again_after_the_answer_expired_skips_root_and_tld():
    trace = dns.build(DnsOptions(again=True, again_after=3600))
    assert trace.params["asked"] == [["root", "tld", "auth"], ["auth"]]
    miss = [s for s in trace.steps if s.event == "dns_cache_miss"][-1]
    assert miss.notes[0].key == "dns.step.cache_miss_zone"
    assert trace.steps[-1].fields["answers"][0]["ttl"] == 3600


def test_again_after_the_delegations_expired_starts_at_the_root():
    trace = dns.build(DnsOptions(again=True, again_after=172_800))
    assert trace.params["asked"] == [["root", "tld", "auth"], ["root", "tld", "auth"]]


def test_nodata_is_cached_for_the_negative_ttl():
    trace = dns.build(DnsOptions(qtype="CNAME", again=True))
    assert trace.params["nodata"] and trace.params["asked"][-1] == []
    final = trace.steps[-1].fields
    assert final["answers"] == [] and final["authority"][0]["type"] == "SOA"
    assert final["authority"][0]["ttl"] == 300 - 60
    expired = dns.build(DnsOptions(qtype="CNAME", again=True, again_after=300))
    assert expired.params["asked"][-1] == ["auth"]


def test_alias_then_nodata():
    trace = dns.build(DnsOptions(name="shop.example.com", qtype="MX"))
    final = trace.steps[-1].fields
    assert [r["type"] for r in final["answers"]] == ["CNAME"]
    assert final["authority"][0]["type"] == "SOA"
    rows = trace.steps[-1].tables["dns_cache:resolver"]
    assert {"name": "www.example.com", "type": "MX", "value": "NODATA", "ttl": 300} in rows
    assert trace.params["cname"] == "www.example.com" and trace.params["nodata"]


def test_summaries_are_wiresharks():
    trace = dns.build(DnsOptions(name="example.com", qtype="MX"))
    steps = _packets(trace)
    qid = steps[0].fields["id"]
    assert steps[0].summary == f"Standard query 0x{qid:04x} MX example.com"
    assert steps[-1].summary == (
        f"Standard query response 0x{qid:04x} MX example.com MX 10 mail.example.com "
        "A 198.51.100.25 AAAA 2001:db8::25"
    )
    assert all(s.protocol == "DNS" for s in steps)


@pytest.mark.parametrize("options", VARIANTS)
def test_deterministic_and_frames_false_is_the_same_minus_packets(options):
    def plain(trace):
        steps = [
            (s.index, s.time, s.src, s.dst, s.summary, s.notes, s.event, s.protocol, s.fields,
             s.tables, s.states, s.to, s.copy_of, s.lost)
            for s in trace.steps
        ]  # fmt: skip
        return (trace.scenario, trace.nodes, steps, trace.title, trace.header, trace.remember,
                trace.params)  # fmt: skip

    with_frames = dns.build(options)
    without = dns.build(options, frames=False)
    assert plain(with_frames) == plain(without) == plain(dns.build(options))
    assert all(s.packet is None for s in without.steps)
    assert all((s.packet is None) == (s.event is not None) for s in with_frames.steps)


def test_seed_changes_ids_and_ports_only():
    a, b = dns.build(DnsOptions()), dns.build(DnsOptions(seed=7))
    assert [s.fields.get("id") for s in a.steps] != [s.fields.get("id") for s in b.steps]
    strip = ("id", "sport", "dport")

    def shape(t):
        return [{k: v for k, v in s.fields.items() if k not in strip} for s in t.steps]

    assert shape(a) == shape(b)


@pytest.mark.parametrize("options", VARIANTS)
def test_frames_carry_the_fields(options):
    from netlab.sim.packets.dns import read_dns

    trace = dns.build(options)
    for step in _packets(trace):
        assert read_dns(step.packet) == step.fields
        ip = step.packet["IP"]
        assert (ip.src, ip.dst) == (trace.node(step.src).ip, trace.node(step.dst).ip)


def test_laptop_frames_go_through_the_gateway_unless_the_resolver_is_on_the_lan():
    far = dns.build(DnsOptions())
    assert far.steps[0].packet.dst == dns.GATEWAY_MAC
    near = dns.build(DnsOptions(resolver_ip="192.168.1.1"))
    assert near.steps[0].packet.dst == dns.RESOLVER_MAC
    assert near.steps[-1].packet.src == dns.RESOLVER_MAC


def test_every_frame_carries_the_ttl_left_after_its_routers():
    """Sent with 64, one less per router (the counts written out here, not read from dns):
    the root is 6 routers from the resolver, com's server 9, example.com's 12, and the laptop
    9 (the provider's 8 and the home router). The resolver's again-answer is the same 55."""
    trace = dns.build(DnsOptions(again=True))
    got = [(s.src, s.dst, s.packet["IP"].ttl) for s in _packets(trace)]
    assert got == [
        ("laptop", "resolver", 64),
        ("resolver", "root", 64),
        ("root", "resolver", 58),
        ("resolver", "tld", 64),
        ("tld", "resolver", 55),
        ("resolver", "auth", 64),
        ("auth", "resolver", 52),
        ("resolver", "laptop", 55),
        ("laptop", "resolver", 64),
        ("resolver", "laptop", 55),
    ]
    near = dns.build(DnsOptions(resolver_ip="192.168.1.1"))
    assert near.steps[-1].packet["IP"].ttl == 64  # no router between them


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_header_says_what_real_lookups_add(lang):
    """EDNS(0)'s OPT record (RFC 6891) and getaddrinfo's A and AAAA pair, in both languages."""
    trace = dns.build(DnsOptions(), frames=False)
    text = " ".join(i18n.render(n, lang) for n in trace.header)
    for word in ("EDNS(0)", "OPT", "RFC 6891", "getaddrinfo()", "AAAA", "1232"):
        assert word in text, word


def test_frames_false_imports_no_scapy():
    code = (
        "import sys\n"
        "from netlab.sim import dns\n"
        "dns.build(dns.DnsOptions(again=True), frames=False)\n"
        "assert not [m for m in sys.modules if m.startswith('scapy')], 'scapy imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _notes(note: Note):
    yield note
    for value in note.params.values():
        if isinstance(value, Note):
            yield from _notes(value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_note_exists_and_renders(lang):
    cat = i18n.catalogue(lang)
    for options in VARIANTS:
        trace = dns.build(options, frames=False)
        notes = [trace.title, *trace.header, *trace.remember]
        notes += [n for s in trace.steps for n in s.notes]
        for note in notes:
            for inner in _notes(note):
                assert inner.key in cat, inner.key
            assert "{" not in i18n.render(note, lang), note.key
        assert 3 <= len(trace.remember) <= 6
        for step in trace.steps:
            if step.event:
                label = i18n.text(f"ui.event.{step.event}", lang, **dict(step.notes[0].params))
                assert "{" not in label and f"ui.event.{step.event}" in cat
            for key, rows in step.tables.items():
                kind = key.partition(":")[0]
                assert f"table.{kind}" in cat
                for row in rows:
                    assert all(f"table.{kind}.{column}" in cat for column in row)


def test_options_are_normalised_by_build():
    trace = dns.build(replace(DnsOptions(), name="WWW.Example.com.", qtype="aaaa"), frames=False)
    assert trace.params["name"] == "www.example.com" and trace.params["qtype"] == "AAAA"
    with pytest.raises(ValueError):
        dns.build(DnsOptions(qtype="TXT"), frames=False)
    with pytest.raises(ValueError):
        dns.build(DnsOptions(name="localhost"), frames=False)
