"""IPv4 subnet facts: network and broadcast address, host range, mask, and the next hop.

Owns ``subnet`` (what a prefix such as 192.168.1.10/24 contains), ``same_subnet`` and
``next_hop`` (whether a host delivers a packet straight to the destination or hands it to its
default gateway, which is the address it must ARP for), and ``ttl_after`` (the TTL a packet
carries after a number of routers: what the scenarios' captures show for packets from afar).
The quiz generators and the scenarios use it. Pure integer bit arithmetic on 32-bit addresses:
it does not use the ``ipaddress`` module (so tests can check it against ``ipaddress``
independently), imports no scapy and prints nothing. Bad input raises ``ValueError`` with a
message that says what is wrong.

/31 and /32 follow RFC 3021 and common practice rather than the classic "minus two" rule:

- /31 (a point-to-point link) has two addresses and both are usable hosts: ``first_host`` is
  the network address, ``last_host`` the other one, ``host_count`` is 2, and there is no
  broadcast address: ``broadcast`` is None.
- /32 is a single host: network, first and last host are that address, ``host_count`` is 1,
  ``broadcast`` is None.
- /0 to /30: the first address is the network, the last the broadcast, the ones between are
  hosts (``host_count`` = 2**(32 - prefixlen) - 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ALL_ONES = 0xFFFF_FFFF
LIMITED_BROADCAST = ALL_ONES  # 255.255.255.255
MULTICAST = (0xE000_0000, 0xF000_0000)  # 224.0.0.0/4: (network, mask)
DEFAULT_TTL = 64  # Linux's net.ipv4.ip_default_ttl: what every simulated host sends with


@dataclass(frozen=True)
class Subnet:
    """What one IPv4 prefix contains. Addresses are dotted strings; see the module docstring
    for /31 and /32."""

    network: str
    broadcast: str | None
    first_host: str
    last_host: str
    host_count: int
    mask: str
    prefixlen: int

    @property
    def cidr(self) -> str:
        """The prefix in CIDR notation, e.g. ``192.168.1.0/24``."""
        return f"{self.network}/{self.prefixlen}"


@dataclass(frozen=True)
class NextHop:
    """Where a packet goes first: ``kind`` "direct" (the destination is on the source's own
    subnet) or "gateway" (it is not); ``ip`` is the address the source must ARP for."""

    kind: Literal["direct", "gateway"]
    ip: str


# -- conversions ------------------------------------------------------------------------------


def parse_ipv4(text: str, what: str = "address") -> int:
    """``"192.168.1.10"`` -> 3232235786. Four decimal numbers 0-255 separated by dots; leading
    zeros are refused (some systems read them as octal)."""
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a dotted IPv4 address such as 192.168.1.10, not {text!r}")
    parts = text.strip().split(".")
    if len(parts) != 4:
        raise ValueError(
            f"{what} {text!r} is not an IPv4 address: it needs four numbers separated by dots"
        )
    value = 0
    for part in parts:
        if not part or not part.isascii() or not part.isdigit():
            raise ValueError(f"{what} {text!r} is not an IPv4 address: {part!r} is not a number")
        if len(part) > 1 and part[0] == "0":
            raise ValueError(f"{what} {text!r} has a leading zero in {part!r}")
        octet = int(part)
        if octet > 255:
            raise ValueError(f"{what} {text!r} is not an IPv4 address: {octet} is above 255")
        value = (value << 8) | octet
    return value


def format_ipv4(value: int) -> str:
    """3232235786 -> ``"192.168.1.10"``."""
    if not 0 <= value <= ALL_ONES:
        raise ValueError(f"{value} is not a 32-bit address")
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def check_prefixlen(prefixlen: int) -> int:
    if isinstance(prefixlen, bool) or not isinstance(prefixlen, int):
        raise ValueError(f"prefix length must be a whole number from 0 to 32, not {prefixlen!r}")
    if not 0 <= prefixlen <= 32:
        raise ValueError(f"prefix length must be from 0 to 32, not {prefixlen}")
    return prefixlen


def mask_bits(prefixlen: int) -> int:
    """/24 -> 0xFFFFFF00: ``prefixlen`` one bits followed by zeros."""
    check_prefixlen(prefixlen)
    return (ALL_ONES << (32 - prefixlen)) & ALL_ONES


# -- the facts ----------------------------------------------------------------------------------


def subnet(ip: str, prefixlen: int) -> Subnet:
    """The subnet that ``ip``/``prefixlen`` belongs to (``ip`` may be any address in it)."""
    address = parse_ipv4(ip)
    mask = mask_bits(prefixlen)
    network = address & mask
    last = network | (~mask & ALL_ONES)
    if prefixlen == 32:
        broadcast, first_host, last_host, count = None, network, network, 1
    elif prefixlen == 31:
        broadcast, first_host, last_host, count = None, network, last, 2
    else:
        broadcast, first_host, last_host = last, network + 1, last - 1
        count = (1 << (32 - prefixlen)) - 2
    return Subnet(
        network=format_ipv4(network),
        broadcast=format_ipv4(broadcast) if broadcast is not None else None,
        first_host=format_ipv4(first_host),
        last_host=format_ipv4(last_host),
        host_count=count,
        mask=format_ipv4(mask),
        prefixlen=prefixlen,
    )


def same_subnet(a: str, b: str, prefixlen: int) -> bool:
    """True when ``a`` and ``b`` agree on their first ``prefixlen`` bits."""
    mask = mask_bits(prefixlen)
    return parse_ipv4(a, "first address") & mask == parse_ipv4(b, "second address") & mask


def next_hop(src_ip: str, prefixlen: int, dst_ip: str, gateway_ip: str | None) -> NextHop:
    """Whom a host at ``src_ip``/``prefixlen`` with default gateway ``gateway_ip`` must ARP for
    to send a packet to ``dst_ip``: the destination itself when it is on the same subnet, else
    the gateway.

    Raises ``ValueError`` for a destination that needs no ARP at all (the host's own address,
    the limited broadcast 255.255.255.255, the subnet's broadcast address, a multicast group:
    their MAC is known without asking), and for a gateway that cannot work: missing when it is
    needed, the host's own address, or not on the host's subnet. A /32 host has nobody else on
    its subnet, so its gateway is taken as reachable on the link (Linux's ``onlink`` route).
    """
    src = parse_ipv4(src_ip, "source address")
    dst = parse_ipv4(dst_ip, "destination address")
    mask = mask_bits(prefixlen)
    net = subnet(src_ip, prefixlen)
    if dst == src:
        raise ValueError(
            f"destination {dst_ip} is the host's own address: the packet never leaves the host"
        )
    if dst == LIMITED_BROADCAST or (net.broadcast is not None and dst_ip == net.broadcast):
        raise ValueError(
            f"destination {dst_ip} is a broadcast address: it goes to ff:ff:ff:ff:ff:ff, no ARP"
        )
    if dst & MULTICAST[1] == MULTICAST[0]:
        raise ValueError(
            f"destination {dst_ip} is a multicast group: its MAC is computed from it, no ARP"
        )
    if dst & mask == src & mask:
        return NextHop("direct", format_ipv4(dst))
    if gateway_ip is None:
        raise ValueError(
            f"destination {dst_ip} is outside {net.cidr} and no default gateway is set"
        )
    gateway = parse_ipv4(gateway_ip, "gateway address")
    if gateway == src:
        raise ValueError(f"gateway {gateway_ip} is the host's own address")
    if prefixlen < 32:
        if gateway & mask != src & mask:
            raise ValueError(
                f"gateway {gateway_ip} is not on the host's subnet {net.cidr}: "
                "the host could not reach it"
            )
        if prefixlen <= 30 and gateway in (src & mask, (src & mask) | (~mask & ALL_ONES)):
            raise ValueError(
                f"gateway {gateway_ip} is the network or broadcast address of {net.cidr}, "
                "not a host"
            )
    return NextHop("gateway", format_ipv4(gateway))


# -- forwarding -------------------------------------------------------------------------------


def ttl_after(routers: int, initial: int = DEFAULT_TTL) -> int:
    """The TTL of a packet sent with ``initial`` once ``routers`` routers have forwarded it:
    each one takes one off (RFC 791; RFC 1812 section 5.3.1). A capture next to the sender
    shows ``initial``; one behind ten routers shows ``initial - 10``."""
    if isinstance(routers, bool) or not isinstance(routers, int) or routers < 0:
        raise ValueError(f"routers must be a whole number from 0, not {routers!r}")
    if not 1 <= initial <= 255:
        raise ValueError(f"a TTL is from 1 to 255, not {initial!r}")
    if routers >= initial:
        raise ValueError(f"a packet sent with TTL {initial} dies before {routers} routers")
    return initial - routers


class Prefixed:
    """For a record with a ``prefix`` field ("10.0.12.0/30"): its network number, prefix
    length and dotted mask (a route, a network of a topology)."""

    prefix: str

    @property
    def network(self) -> int:
        return parse_ipv4(self.prefix.partition("/")[0])

    @property
    def prefixlen(self) -> int:
        return int(self.prefix.partition("/")[2])

    @property
    def mask(self) -> str:
        return format_ipv4(mask_bits(self.prefixlen))
