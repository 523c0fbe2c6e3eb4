"""The journey composes the other scenarios, and the values of one phase feed the next.

Checked on the Trace (no frames, except where the packets themselves are the point): the address
from DHCP is the source of every later packet on the LAN, the private address never appears on
the Internet side, the server's address is the DNS answer, each TCP side goes through the same
states as in ``netlab simulate tcp``, and time never goes back.
"""

from __future__ import annotations

import ipaddress

import pytest

from netlab.sim import connection, dhcp, dns, journey
from netlab.sim.hosts import TcpParams
from netlab.sim.journey import JourneyOptions, build
from netlab.sim.tcp import State
from netlab.views.journey import columns, usage

TCP_STATES = {s.value for s in State}

PRIVATE = ipaddress.ip_network("192.168.0.0/16")


@pytest.fixture(scope="module")
def trace():
    return build(JourneyOptions(), frames=False)


def test_phases_come_in_order(trace):
    order = []
    for step in trace.steps:
        phase = step.fields["phase"]
        if not order or order[-1] != phase:
            order.append(phase)
    assert order == ["dhcp", "arp", "dns", "tcp"]
    times = [s.time for s in trace.steps]
    assert times == sorted(times)
    assert [s.index for s in trace.steps] == list(range(1, len(trace.steps) + 1))


def test_the_address_from_dhcp_is_used_afterwards(trace):
    ack = next(s for s in trace.steps if s.summary.startswith("DHCP ACK"))
    leased = ack.fields["yiaddr"]
    assert leased == trace.params["laptop_ip"] == trace.node("laptop").ip
    later = [s for s in trace.steps if s.index > ack.index and s.dst is not None]
    from_laptop = [s for s in later if s.src == "laptop"]
    assert from_laptop
    for step in from_laptop:
        source = step.fields.get("ip_src", step.fields.get("psrc"))
        assert source == leased, step.summary


def test_private_addresses_stay_on_the_lan(trace):
    for step in trace.steps:
        if step.fields.get("link") != "wan":
            continue
        for key in ("ip_src", "ip_dst"):
            address = ipaddress.ip_address(step.fields[key])
            assert address not in PRIVATE, (step.index, key, address)
        assert trace.params["public_ip"] in (step.fields["ip_src"], step.fields["ip_dst"])


def test_the_server_is_the_dns_answer():
    expected = dns.build(dns.DnsOptions(), frames=False).params["answer"][-1]["value"]
    t = build(JourneyOptions(), frames=False)
    assert t.params["web_ip"] == expected == t.node("web").ip


def test_tcp_states_match_the_tcp_scenario(trace):
    tcp = connection.build(
        TcpParams(client_ip=trace.params["laptop_ip"], server_ip=trace.params["web_ip"]),
        [journey.REQUEST.replace(b"{name}", b"www.example.com")],
        [journey.REPLY],
    )
    tcp_steps = [s for s in trace.steps if s.fields["phase"] == "tcp"]
    for ours, theirs in (("laptop", "client"), ("web", "server")):
        seen = []
        for step in tcp_steps:
            state = step.states.get(ours)
            if state in TCP_STATES and (not seen or seen[-1] != state):
                seen.append(state)
        assert seen == tcp.state_sequence(theirs)[1:], (ours, seen)


def test_each_packet_to_the_internet_crosses_the_router_twice(trace):
    lan = [s for s in trace.steps if s.fields.get("link") == "lan" and s.fields["phase"] == "tcp"]
    wan = [s for s in trace.steps if s.fields.get("link") == "wan" and s.fields["phase"] == "tcp"]
    assert len(lan) == len(wan)
    assert {s.fields["sport"] for s in wan if s.src == "gateway"} == {trace.params["public_port"]}


def test_dhcp_hands_out_the_resolver_the_laptop_then_asks():
    t = build(JourneyOptions(), frames=False)
    offer = next(s for s in t.steps if s.summary.startswith("DHCP Offer"))
    assert offer.fields["options"]["name_server"] == journey.RESOLVER_IP
    query = next(s for s in t.steps if s.protocol == "DNS")
    assert query.fields["ip_dst"] == journey.RESOLVER_IP


def test_summary_marks_follow_the_links(trace):
    keys = columns(trace)
    assert ("dhcp", "lan") in keys and ("tcp", "wan") in keys
    used = usage(trace)
    assert ("tcp", "wan") not in used[trace.params["laptop_ip"]]
    assert ("tcp", "lan") not in used[trace.params["public_ip"]]
    assert used[trace.params["laptop_mac"]] <= {(p, "lan") for p in ("dhcp", "arp", "dns", "tcp")}


def test_frames_do_not_change_the_story():
    with_frames = build(JourneyOptions(seed=5))
    without = build(JourneyOptions(seed=5), frames=False)
    assert [(s.time, s.src, s.dst, s.summary, s.states, s.tables) for s in with_frames.steps] == [
        (s.time, s.src, s.dst, s.summary, s.states, s.tables) for s in without.steps
    ]
    packets = [s for s in with_frames.steps if s.dst is not None]
    assert all(s.packet is not None for s in packets)


def test_seed_changes_the_numbers_not_the_shape():
    a, b = build(JourneyOptions(seed=1), frames=False), build(JourneyOptions(seed=2), frames=False)
    assert len(a.steps) == len(b.steps)
    assert a.params["laptop_ip"] == b.params["laptop_ip"]
    assert [s.summary for s in a.steps] != [s.summary for s in b.steps]
    again = build(JourneyOptions(seed=1), frames=False)
    assert [s.summary for s in again.steps] == [s.summary for s in a.steps]


def test_bad_name_is_refused():
    with pytest.raises(ValueError):
        JourneyOptions(name="not a name")


def test_dhcp_options_default_dns_is_the_router():
    t = dhcp.build(dhcp.DhcpOptions(clients=1), frames=False)
    assert t.params["dns"] == dhcp.SERVER_IP


def test_header_names_the_routers_and_ttls_the_frames_carry():
    """The header's router count and TTLs are those of the frames, each router taking one
    off as in ``simulate route``: 64 from the laptop, one less after the home router; the
    servers' answers one less per Internet router, and one less again on the LAN."""
    trace = build(JourneyOptions(seed=3))
    said = next(n.params for n in trace.header if n.key == "journey.header.routers")
    seen: dict[tuple[str, str], set[int]] = {}
    for step in trace.steps:
        if step.packet is None or step.fields["phase"] not in ("dns", "tcp"):
            continue
        seen.setdefault((step.src, step.fields["link"]), set()).add(step.packet["IP"].ttl)
    sent = said["sent"]
    assert said["count"] == said["internet"] + 1  # the home router, then the Internet's
    assert seen[("laptop", "lan")] == {sent}
    assert seen[("gateway", "wan")] == {said["leaving"]} == {sent - 1}
    assert seen[("resolver", "wan")] == seen[("web", "wan")] == {said["arriving"]}
    assert said["arriving"] == sent - said["internet"]
    assert seen[("gateway", "lan")] == {said["inside"]} == {said["arriving"] - 1}
    assert said["at_server"] == sent - said["count"]
    for step in trace.steps:
        for note in step.notes:
            if note.key in ("journey.nat.out", "journey.nat.in"):
                assert note.params["after"] == note.params["before"] - 1
