"""``netlab.sim.addressing`` checked against Python's ``ipaddress`` for random addresses and
every prefix length from 0 to 32, plus the input it must refuse."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from netlab.sim.addressing import (
    NextHop,
    format_ipv4,
    next_hop,
    parse_ipv4,
    same_subnet,
    subnet,
)

U32 = st.integers(min_value=0, max_value=2**32 - 1)
PREFIX = st.integers(min_value=0, max_value=32)


def dotted(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def network_of(ip: str, prefixlen: int) -> ipaddress.IPv4Network:
    return ipaddress.ip_network(f"{ip}/{prefixlen}", strict=False)


@given(U32)
def test_parse_and_format_agree_with_ipaddress(value: int) -> None:
    text = dotted(value)
    assert parse_ipv4(text) == int(ipaddress.IPv4Address(text)) == value
    assert format_ipv4(value) == text


@given(U32, PREFIX)
def test_subnet_matches_ipaddress(value: int, prefixlen: int) -> None:
    ip = dotted(value)
    net = network_of(ip, prefixlen)
    got = subnet(ip, prefixlen)
    assert got.network == str(net.network_address)
    assert got.mask == str(net.netmask)
    assert got.prefixlen == prefixlen
    assert got.cidr == str(net)
    assert got.first_host == str(next(iter(net.hosts())))
    if prefixlen <= 30:
        assert got.broadcast == str(net.broadcast_address)
        assert got.last_host == str(net.broadcast_address - 1)
        assert got.host_count == net.num_addresses - 2
    else:  # RFC 3021 /31 and the single-host /32: every address is a host, no broadcast
        assert got.broadcast is None
        assert got.last_host == str(net.broadcast_address)
        assert got.host_count == net.num_addresses == len(list(net.hosts()))


@given(U32, PREFIX)
def test_subnet_is_the_same_for_every_address_in_it(value: int, prefixlen: int) -> None:
    ip = dotted(value)
    first = subnet(ip, prefixlen)
    assert subnet(first.first_host, prefixlen) == first
    assert subnet(first.last_host, prefixlen) == first


@given(U32, U32, PREFIX)
def test_same_subnet_matches_ipaddress(a: int, b: int, prefixlen: int) -> None:
    expected = ipaddress.IPv4Address(b) in network_of(dotted(a), prefixlen)
    assert same_subnet(dotted(a), dotted(b), prefixlen) is expected
    assert same_subnet(dotted(b), dotted(a), prefixlen) is expected


@given(U32, st.integers(min_value=0, max_value=32), st.integers(min_value=0, max_value=2**32 - 1))
def test_same_subnet_with_a_near_neighbour(a: int, prefixlen: int, noise: int) -> None:
    """Addresses that differ only in the host bits (or also in one network bit)."""
    host_bits = (1 << (32 - prefixlen)) - 1
    b = (a & ~host_bits) | (noise & host_bits)
    assert same_subnet(dotted(a), dotted(b), prefixlen)
    if prefixlen > 0:
        c = b ^ (1 << (32 - prefixlen))  # the lowest network bit flipped
        assert not same_subnet(dotted(a), dotted(c), prefixlen)
        assert ipaddress.IPv4Address(c) not in network_of(dotted(a), prefixlen)


@st.composite
def hosts_with_gateway(draw: st.DrawFn) -> tuple[str, int, str, str]:
    """(source, prefix, destination, gateway): a unicast source and gateway on one /0-/30
    subnet, and a destination that needs ARP."""
    prefixlen = draw(st.integers(min_value=0, max_value=30))
    src = draw(U32)
    net = network_of(dotted(src), prefixlen)
    assume(src not in (int(net.network_address), int(net.broadcast_address)))
    host = draw(st.integers(min_value=1, max_value=net.num_addresses - 2))
    gateway = int(net.network_address) + host
    assume(gateway != src)
    dst = draw(U32)
    assume(dst not in (src, int(net.broadcast_address), 2**32 - 1))
    assume(not ipaddress.IPv4Address(dst).is_multicast)
    return dotted(src), prefixlen, dotted(dst), dotted(gateway)


@given(hosts_with_gateway())
def test_next_hop_matches_ipaddress(case: tuple[str, int, str, str]) -> None:
    src, prefixlen, dst, gateway = case
    local = ipaddress.ip_address(dst) in network_of(src, prefixlen)
    expected = NextHop("direct", dst) if local else NextHop("gateway", gateway)
    assert next_hop(src, prefixlen, dst, gateway) == expected


@given(hosts_with_gateway())
def test_next_hop_without_gateway_only_works_on_the_subnet(case: tuple[str, int, str, str]):
    src, prefixlen, dst, _gateway = case
    if ipaddress.ip_address(dst) in network_of(src, prefixlen):
        assert next_hop(src, prefixlen, dst, None) == NextHop("direct", dst)
    else:
        with pytest.raises(ValueError, match="no default gateway"):
            next_hop(src, prefixlen, dst, None)


@given(U32, st.integers(min_value=1, max_value=30), U32)
def test_a_gateway_off_the_subnet_is_refused(src: int, prefixlen: int, gateway: int) -> None:
    net = network_of(dotted(src), prefixlen)
    assume(ipaddress.IPv4Address(gateway) not in net)
    far = int(net.network_address) ^ (1 << 31)  # a destination on another network
    assume(not ipaddress.IPv4Address(far).is_multicast and far != 2**32 - 1)
    with pytest.raises(ValueError, match="not on the host's subnet"):
        next_hop(dotted(src), prefixlen, dotted(far), dotted(gateway))


def test_next_hop_examples() -> None:
    assert next_hop("192.168.1.10", 24, "192.168.1.77", "192.168.1.1") == NextHop(
        "direct", "192.168.1.77"
    )
    assert next_hop("192.168.1.10", 24, "8.8.8.8", "192.168.1.1") == NextHop(
        "gateway", "192.168.1.1"
    )
    # /20: 172.16.31.5 is still on 172.16.16.0/20
    assert next_hop("172.16.20.1", 20, "172.16.31.5", "172.16.16.1").kind == "direct"
    assert next_hop("172.16.20.1", 20, "172.16.32.5", "172.16.16.1").kind == "gateway"
    # /31: the other end of a point-to-point link is direct; /32 uses an on-link gateway
    assert next_hop("10.0.0.0", 31, "10.0.0.1", None) == NextHop("direct", "10.0.0.1")
    assert next_hop("10.0.0.5", 32, "10.0.0.6", "10.0.0.1") == NextHop("gateway", "10.0.0.1")


@pytest.mark.parametrize(
    ("dst", "gateway", "message"),
    [
        ("192.168.1.10", "192.168.1.1", "own address"),
        ("192.168.1.255", "192.168.1.1", "broadcast"),
        ("255.255.255.255", "192.168.1.1", "broadcast"),
        ("224.0.0.251", "192.168.1.1", "multicast"),
        ("8.8.8.8", "192.168.1.10", "gateway 192.168.1.10 is the host's own address"),
        ("8.8.8.8", "192.168.1.0", "network or broadcast"),
        ("8.8.8.8", "192.168.1.255", "network or broadcast"),
        ("8.8.8.8", "10.0.0.1", "not on the host's subnet"),
        ("8.8.8.8", None, "no default gateway"),
    ],
)
def test_next_hop_refuses_what_needs_no_arp_or_cannot_work(
    dst: str, gateway: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        next_hop("192.168.1.10", 24, dst, gateway)


def test_slash_31_and_32_and_0() -> None:
    p2p = subnet("10.0.0.1", 31)
    assert (p2p.network, p2p.broadcast, p2p.first_host, p2p.last_host, p2p.host_count) == (
        "10.0.0.0",
        None,
        "10.0.0.0",
        "10.0.0.1",
        2,
    )
    one = subnet("10.0.0.1", 32)
    assert (one.network, one.broadcast, one.first_host, one.last_host, one.host_count) == (
        "10.0.0.1",
        None,
        "10.0.0.1",
        "10.0.0.1",
        1,
    )
    everything = subnet("1.2.3.4", 0)
    assert everything.mask == "0.0.0.0"
    assert everything.broadcast == "255.255.255.255"
    assert everything.host_count == 2**32 - 2


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.-4",
        "01.2.3.4",
        "a.b.c.d",
        "1..2.3",
        "１.2.3.4",
    ],
)
def test_bad_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"IPv4 address|leading zero"):
        subnet(bad, 24)
    with pytest.raises(ValueError):
        ipaddress.IPv4Address(bad)  # ipaddress agrees they are not addresses


@pytest.mark.parametrize("bad", [-1, 33, 24.0, "24", True, None])
def test_bad_prefix_lengths_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="prefix length"):
        subnet("192.168.1.10", bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="prefix length"):
        same_subnet("192.168.1.10", "192.168.1.11", bad)  # type: ignore[arg-type]


def test_non_string_address_is_refused() -> None:
    with pytest.raises(ValueError, match="dotted IPv4"):
        subnet(3232235786, 24)  # type: ignore[arg-type]


def test_ttl_after_takes_one_off_per_router() -> None:
    """RFC 791 / RFC 1812 section 5.3.1: each router decrements the TTL by one and drops the
    packet rather than forward it with 0. Linux sends with 64."""
    from netlab.sim.addressing import DEFAULT_TTL, ttl_after

    assert DEFAULT_TTL == 64
    assert [ttl_after(n) for n in (0, 1, 10, 63)] == [64, 63, 54, 1]
    assert ttl_after(2, initial=128) == 126
    for bad in (64, -1, 1.5, True):
        with pytest.raises(ValueError):
            ttl_after(bad)  # type: ignore[arg-type]
