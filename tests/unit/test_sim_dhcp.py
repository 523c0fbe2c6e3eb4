"""``netlab.sim.dhcp``: the pool and lease table, the timers, the client state machine, and the
scenario's steps (DORA, broadcast or unicast at each step, renewal at T1, an empty pool).

Addresses are checked against ``ipaddress``, the timers against the RFC's fractions written as
``Fraction``, the frames against what scapy reads back from their bytes, and the lease table
against a plain dict model under hypothesis-generated sequences of requests.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab import i18n
from netlab.errors import ProtocolViolation
from netlab.i18n import Note
from netlab.sim import dhcp
from netlab.sim.dhcp import (
    STATES,
    TRANSITIONS,
    DhcpOptions,
    DhcpViolation,
    LeaseTable,
    backoff,
    build,
    next_state,
    pool_addresses,
    t1,
    t2,
)

ROOT = Path(__file__).resolve().parents[2]
BROADCAST = ("255.255.255.255", "ff:ff:ff:ff:ff:ff")


def packets(trace):
    return [s for s in trace.steps if s.protocol == "DHCP"]


def of(trace, client):
    """The DHCP steps sent by or to ``client``, in order."""
    return [s for s in packets(trace) if client in (s.src, s.dst)]


# -- the pool ------------------------------------------------------------------------------------


@given(st.integers(1, 254), st.integers(1, 254))
def test_pool_addresses_agree_with_ipaddress(first, size):
    start = f"192.168.1.{first}"
    if first + size - 1 > 254:
        with pytest.raises(ValueError):
            pool_addresses(start, size)
        return
    expected = [str(ipaddress.IPv4Address(start) + i) for i in range(size)]
    got = pool_addresses(start, size)
    assert got == expected
    net = ipaddress.IPv4Network("192.168.1.0/24")
    assert all(ipaddress.IPv4Address(a) in net for a in got)
    assert net.network_address not in map(ipaddress.IPv4Address, got)
    assert net.broadcast_address not in map(ipaddress.IPv4Address, got)


def test_pool_refuses_no_address():
    with pytest.raises(ValueError):
        pool_addresses("192.168.1.100", 0)


def test_offers_the_lowest_free_address_and_keeps_it_per_mac():
    table = LeaseTable(pool_addresses("192.168.1.100", 3), hold=60)
    assert table.offer("02:00:00:00:00:01", 0) == "192.168.1.100"
    assert table.offer("02:00:00:00:00:02", 1) == "192.168.1.101"
    assert table.offer("02:00:00:00:00:01", 2) == "192.168.1.100"  # the same client again
    assert [r["state"] for r in table.rows()] == ["offered", "offered"]
    assert table.rows()[0]["expires"] == "62.000"  # the reservation was refreshed


def test_pool_exhaustion_gives_no_offer_until_a_lease_ends():
    table = LeaseTable(pool_addresses("192.168.1.100", 2), hold=60)
    for n, mac in enumerate(("02:00:00:00:00:01", "02:00:00:00:00:02")):
        ip = table.offer(mac, 0)
        assert table.request(mac, ip, 0, 100 + n)
    assert table.offer("02:00:00:00:00:03", 5) is None
    assert table.free(99.9) == []
    assert table.offer("02:00:00:00:00:03", 100) == "192.168.1.100"  # A's lease ended at 100
    assert table.free(100) == []  # .101 is bound until 101; .100 is offered now


def test_an_offer_not_taken_returns_to_the_pool():
    table = LeaseTable(pool_addresses("192.168.1.100", 1), hold=60)
    assert table.offer("02:00:00:00:00:01", 0) == "192.168.1.100"
    assert table.offer("02:00:00:00:00:02", 59.9) is None
    assert table.offer("02:00:00:00:00:02", 60) == "192.168.1.100"


def test_request_for_an_address_held_by_another_is_refused():
    table = LeaseTable(pool_addresses("192.168.1.100", 2))
    ip = table.offer("02:00:00:00:00:01", 0)
    assert not table.request("02:00:00:00:00:02", ip, 1, 3600)  # a DHCPNAK
    assert not table.request("02:00:00:00:00:02", "10.0.0.5", 1, 3600)  # not in the pool
    assert table.request("02:00:00:00:00:01", ip, 1, 3600)
    assert table.rows() == [
        {"ip": ip, "mac": "02:00:00:00:00:01", "state": "bound", "expires": "3601.000"}
    ]


def test_renewal_extends_the_same_lease():
    table = LeaseTable(pool_addresses("192.168.1.100", 2))
    mac = "02:00:00:00:00:01"
    ip = table.offer(mac, 0)
    table.request(mac, ip, 0, 3600)
    assert table.request(mac, ip, 1800, 3600)
    assert table.rows() == [{"ip": ip, "mac": mac, "state": "bound", "expires": "5400.000"}]
    assert table.release(mac) == ip
    assert table.rows() == []


MACS = [f"02:00:00:00:00:{n:02x}" for n in range(1, 9)]

operations = st.lists(
    st.tuples(
        st.sampled_from(("offer", "request", "release")),
        st.sampled_from(MACS),
        st.integers(0, 7),  # which pool address a request names
        st.integers(0, 200),  # time step
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6), operations)
def test_lease_table_stays_one_to_one(size, ops):
    """Any sequence of offers, requests and releases: no address goes to two MACs, no MAC holds
    two addresses, nothing outside the pool, and what the table says matches a plain model."""
    pool = pool_addresses("192.168.1.100", size)
    table = LeaseTable(pool, hold=60)
    model: dict[str, tuple[str, float]] = {}  # ip -> (mac, expires)
    now = 0.0
    for op, mac, which, dt in ops:
        now += dt
        model = {ip: v for ip, v in model.items() if v[1] > now}
        if op == "offer":
            got = table.offer(mac, now)
            mine = [ip for ip, v in model.items() if v[0] == mac]
            free = [ip for ip in pool if ip not in model]
            if mine:
                assert got == mine[0]
            elif free:
                assert got == free[0]
            else:
                assert got is None
            if got is not None:
                state = next(r["state"] for r in table.rows() if r["ip"] == got)
                expires = now + 60 if state == "offered" else model[got][1]
                model[got] = (mac, expires)
        elif op == "request":
            ip = f"192.168.1.{100 + which}"
            ok = table.request(mac, ip, now, 100)
            allowed = ip in pool and (ip not in model or model[ip][0] == mac)
            assert ok == allowed
            if ok:
                model = {k: v for k, v in model.items() if v[0] != mac}
                model[ip] = (mac, now + 100)
        else:
            table.expire(now)
            got = table.release(mac)
            mine = [ip for ip, v in model.items() if v[0] == mac]
            assert got == (mine[0] if mine else None)
            model = {k: v for k, v in model.items() if v[0] != mac}
        table.expire(now)
        rows = table.rows()
        assert {r["ip"]: r["mac"] for r in rows} == {ip: v[0] for ip, v in model.items()}
        assert len({r["mac"] for r in rows}) == len(rows)
        assert all(r["ip"] in pool for r in rows)
        assert [r["ip"] for r in rows] == [ip for ip in pool if ip in model]


# -- timers --------------------------------------------------------------------------------------


@given(st.integers(dhcp.MIN_LEASE, dhcp.MAX_LEASE))
def test_t1_is_half_and_t2_seven_eighths_of_the_lease(lease):
    assert t1(lease) == int(Fraction(lease) * Fraction(1, 2))
    assert t2(lease) == int(Fraction(lease) * Fraction(875, 1000))
    assert 0 < t1(lease) < t2(lease) < lease


def test_discover_backoff_doubles_up_to_64_seconds():
    assert [backoff(n) for n in range(8)] == [4, 8, 16, 32, 64, 64, 64, 64]
    with pytest.raises(ValueError):
        backoff(-1)


@pytest.mark.parametrize("lease", [60, 61, 3600, 86399, 604800])
def test_renewal_happens_at_t1_after_the_request(lease):
    """RFC 2131 section 4.4.1: the client records the time it sent its DHCPREQUEST, and its
    lease (so T1, T2 and the end) counts from there, not from the ACK that came later."""
    trace = build(DhcpOptions(clients=1, lease=lease))
    steps = trace.steps
    request = next(s for s in steps if s.fields.get("message") == "Request")
    ack = next(s for s in steps if s.fields.get("message") == "ACK")
    assert ack.time > request.time
    timer = next(s for s in steps if s.event == "dhcp_t1")
    assert timer.time == pytest.approx(request.time + lease // 2)
    configure = next(n for n in ack.notes if n.key == "dhcp.ack.configure").params
    assert configure["sent_at"] == f"{request.time:.3f}"
    assert configure["t1_at"] == f"{request.time + lease // 2:.3f}"
    assert configure["t2_at"] == f"{request.time + lease * 7 // 8:.3f}"
    assert configure["end_at"] == f"{request.time + lease:.3f}"
    assert configure["server_end"] == f"{ack.time + lease:.3f}"  # the server counts from its ACK
    renew = steps[timer.index]  # the step right after the timer
    assert renew.time == timer.time
    assert renew.fields["message"] == "Request" and renew.fields["ciaddr"] == "192.168.1.100"
    expires = [r["expires"] for r in renew.tables["leases:dhcp"]]
    assert expires == [f"{ack.time + lease:.3f}"]  # not yet extended
    final = steps[-1]
    assert final.fields["message"] == "ACK"
    assert [r["expires"] for r in final.tables["leases:dhcp"]] == [f"{final.time + lease:.3f}"]
    assert final.fields["options"]["renewal_time"] == lease // 2
    assert final.fields["options"]["rebinding_time"] == lease * 7 // 8


# -- the client state machine --------------------------------------------------------------------


def test_every_state_of_rfc_2131_is_in_the_table():
    seen = {s for s, _ in TRANSITIONS} | set(TRANSITIONS.values())
    assert seen == set(STATES)


def test_figure_5_arcs():
    path = ["discover", "offer", "select", "ack", "t1", "t2", "ack", "t1", "ack"]
    state, visited = "INIT", ["INIT"]
    for event in path:
        state = next_state(state, event)
        visited.append(state)
    assert visited == [
        "INIT",
        "SELECTING",
        "SELECTING",
        "REQUESTING",
        "BOUND",
        "RENEWING",
        "REBINDING",
        "BOUND",
        "RENEWING",
        "BOUND",
    ]
    for state in ("REQUESTING", "RENEWING", "REBINDING"):
        assert next_state(state, "nak") == "INIT"
    assert next_state("REBINDING", "expire") == "INIT"


def test_a_disallowed_event_raises_and_names_it():
    with pytest.raises(DhcpViolation) as caught:
        next_state("INIT", "ack")
    assert isinstance(caught.value, ProtocolViolation)
    assert (caught.value.state, caught.value.event) == ("INIT", "ack")
    assert "DHCP" in caught.value.render("en") and "INIT" in caught.value.render("zh")


def test_state_sequences_of_the_scenario():
    trace = build(DhcpOptions(clients=3, pool_size=2))
    assert trace.initial_states == {"A": "INIT", "B": "INIT", "C": "INIT"}
    assert trace.state_sequence("A") == [
        "INIT",
        "SELECTING",
        "REQUESTING",
        "BOUND",
        "RENEWING",
        "BOUND",
    ]
    assert trace.state_sequence("B") == ["INIT", "SELECTING", "REQUESTING", "BOUND"]
    assert trace.state_sequence("C") == ["INIT", "SELECTING"]


# -- the scenario ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [False, True])
def test_dora_addresses_at_each_step(flag):
    trace = build(DhcpOptions(clients=2, pool_size=5, broadcast_flag=flag))
    nodes = {n.name: n for n in trace.nodes}
    for name, ip in (("A", "192.168.1.100"), ("B", "192.168.1.101")):
        mac = nodes[name].mac
        dora = of(trace, name)[:4]
        assert [s.fields["message_type"] for s in dora] == [1, 2, 3, 5]
        assert [s.summary.split(" - ")[0].split() for s in dora] == [
            ["DHCP", "Discover"],
            ["DHCP", "Offer"],
            ["DHCP", "Request"],
            ["DHCP", "ACK"],
        ]
        assert len({s.fields["xid"] for s in dora}) == 1
        discover, offer, request, ack = dora
        for step in (discover, request):  # from a host with no address, to everyone
            f = step.fields
            assert (f["ip_src"], f["sport"], f["dport"]) == ("0.0.0.0", 68, 67)
            assert (f["ip_dst"], f["eth_dst"]) == BROADCAST
            assert f["eth_src"] == f["chaddr"] == mac
            assert f["ciaddr"] == "0.0.0.0" and f["broadcast"] is flag and f["op"] == 1
            assert step.dst == "dhcp" and set(step.to) == {"dhcp", "A", "B"} - {name}
        assert "requested_addr" not in discover.fields["options"]
        assert request.fields["options"]["requested_addr"] == ip
        assert request.fields["options"]["server_id"] == "192.168.1.1"
        for step in (offer, ack):
            f = step.fields
            assert (f["ip_src"], f["eth_src"], f["sport"], f["dport"]) == (
                "192.168.1.1",
                "02:00:00:00:00:fe",
                67,
                68,
            )
            assert f["yiaddr"] == ip and f["ciaddr"] == "0.0.0.0" and f["op"] == 2
            assert f["broadcast"] is flag
            if flag:
                assert (f["ip_dst"], f["eth_dst"]) == BROADCAST
                assert step.to[0] == name and "dhcp" not in step.to
            else:
                assert (f["ip_dst"], f["eth_dst"]) == (ip, mac)
                assert step.to == () and step.dst == name
            opts = f["options"]
            assert opts["server_id"] == "192.168.1.1"
            assert opts["subnet_mask"] == str(ipaddress.IPv4Network("192.168.1.0/24").netmask)
            assert opts["router"] == opts["name_server"] == "192.168.1.1"
            assert opts["lease_time"] == 3600
            assert (opts["renewal_time"], opts["rebinding_time"]) == (1800, 3150)
        assert nodes[name].ip == ip


def test_lease_table_after_each_step():
    trace = build(DhcpOptions(clients=1))
    rows = [s.tables["leases:dhcp"] for s in trace.steps]
    assert rows[0] == []
    assert rows[1] == [
        {"ip": "192.168.1.100", "mac": "02:00:00:00:00:01", "state": "offered", "expires": "60.010"}
    ]
    assert rows[2] == rows[1]
    assert rows[3] == [
        {"ip": "192.168.1.100", "mac": "02:00:00:00:00:01", "state": "bound", "expires": "3600.030"}
    ]
    assert list(rows[3][0]) == ["ip", "mac", "state", "expires"]


def test_renewal_is_unicast_from_the_clients_address():
    trace = build(DhcpOptions(clients=2))
    request, ack = packets(trace)[-2:]
    f = request.fields
    assert (f["ip_src"], f["ip_dst"], f["eth_dst"]) == (
        "192.168.1.100",
        "192.168.1.1",
        "02:00:00:00:00:fe",
    )
    assert f["ciaddr"] == "192.168.1.100" and not f["broadcast"]
    assert "requested_addr" not in f["options"] and "server_id" not in f["options"]
    assert f["xid"] != trace.params["xids"]["A"] == packets(trace)[0].fields["xid"]
    g = ack.fields
    assert (g["ip_dst"], g["eth_dst"], g["ciaddr"], g["yiaddr"]) == (
        "192.168.1.100",
        "02:00:00:00:00:01",
        "192.168.1.100",
        "192.168.1.100",
    )
    assert g["xid"] == f["xid"]
    assert request.to == () and ack.to == ()


def test_no_renewal_when_not_asked():
    trace = build(DhcpOptions(clients=1, renew=False))
    assert [s.fields["message"] for s in trace.steps] == ["Discover", "Offer", "Request", "ACK"]


@pytest.mark.parametrize(("clients", "pool"), [(2, 1), (3, 1), (6, 1), (6, 4), (5, 4)])
def test_an_empty_pool_means_no_offer_and_retransmissions(clients, pool):
    trace = build(DhcpOptions(clients=clients, pool_size=pool))
    names = trace.params["clients"]
    unserved = names[pool:]
    assert trace.params["unserved"] == unserved
    assert trace.params["leases"] == {
        n: (f"192.168.1.{100 + i}" if i < pool else None) for i, n in enumerate(names)
    }
    for name in unserved:
        sent = of(trace, name)
        assert all(s.src == name for s in sent), "the server never answers"
        assert [s.fields["message"] for s in sent] == ["Discover"] * 3
        start = sent[0].time
        assert [s.time - start for s in sent] == pytest.approx([0, 4, 12])
        assert [s.retransmission for s in sent] == [False, True, True]
        assert [s.fields["secs"] for s in sent] == [0, 4, 12]
        assert len({s.fields["xid"] for s in sent}) == 1
        events = [s for s in trace.steps if s.event == "dhcp_pool_empty"]
        mine = [e for e in events if e.notes[0].params["client"] == name]
        assert len(mine) == 1 and mine[0].src == "dhcp" and mine[0].dst is None
        assert mine[0].time == pytest.approx(start + dhcp.RESPONSE_DELAY)
    last = trace.steps[-1].tables["leases:dhcp"]
    assert len(last) == pool and {r["state"] for r in last} == {"bound"}


def test_steps_are_in_time_order_and_numbered():
    for clients, pool in ((6, 1), (6, 50), (4, 2)):
        trace = build(DhcpOptions(clients=clients, pool_size=pool, lease=60))
        times = [s.time for s in trace.steps]
        assert times == sorted(times)
        assert [s.index for s in trace.steps] == list(range(1, len(trace.steps) + 1))
        for step in trace.steps:
            assert step.tables.keys() == {"leases:dhcp"}
            assert set(step.states) == set(trace.params["clients"])


def test_same_options_same_trace_and_seed_changes_xids():
    a = build(DhcpOptions(clients=3, pool_size=2), frames=False)
    b = build(DhcpOptions(clients=3, pool_size=2), frames=False)
    assert a == b
    c = build(DhcpOptions(clients=3, pool_size=2, seed=7), frames=False)
    assert c.params["xids"] != a.params["xids"]
    assert build(DhcpOptions(clients=3, pool_size=2, seed=7), frames=False) == c
    xids = [*a.params["xids"].values(), a.params["renew_xid"]]
    assert len(set(xids)) == len(xids) and all(0 < x < 2**32 for x in xids)
    # one more client does not change the others' transaction IDs
    d = build(DhcpOptions(clients=4, pool_size=2), frames=False)
    assert {k: d.params["xids"][k] for k in "ABC"} == a.params["xids"]


@pytest.mark.parametrize(
    "options",
    [DhcpOptions(), DhcpOptions(clients=6, pool_size=3, broadcast_flag=True, seed=1, lease=60)],
)
def test_frames_false_is_frames_true_without_packets(options):
    with_frames = build(options)
    without = build(options, frames=False)
    assert all(s.packet is None for s in without.steps)
    stripped = [replace(s, packet=None) for s in with_frames.steps]
    assert stripped == without.steps
    assert replace(with_frames, steps=stripped) == without


def test_frames_false_imports_no_scapy():
    code = (
        "import sys\n"
        "from netlab.sim import dhcp\n"
        "dhcp.build(dhcp.DhcpOptions(clients=3, pool_size=1), frames=False)\n"
        "print(any(m.startswith('scapy') for m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"


def test_frames_read_back_as_the_fields_say():
    from scapy.layers.dhcp import BOOTP

    from netlab.sim.packets.dhcp import BOOTP_MIN_LEN, dhcp_fields

    trace = build(DhcpOptions(clients=3, pool_size=2, broadcast_flag=True))
    for step in packets(trace):
        got = dhcp_fields(step.packet)
        want = dict(step.fields)
        want.pop("message")
        assert got == want, step.index
        assert len(bytes(step.packet[BOOTP])) >= BOOTP_MIN_LEN
        assert step.summary == dhcp.summary(got["message_type"], got["xid"])


def test_summary_matches_wiresharks_info_column():
    assert dhcp.summary(1, 0x3903F326) == "DHCP Discover - Transaction ID 0x3903f326"
    assert dhcp.summary(2, 0xAB) == "DHCP Offer    - Transaction ID 0x000000ab"
    assert dhcp.summary(5, 1) == "DHCP ACK      - Transaction ID 0x00000001"


def test_params_for_views_and_quiz():
    trace = build(DhcpOptions(clients=2, pool_size=10, lease=7200))
    p = trace.params
    assert p["pool"][0] == "192.168.1.100" and p["pool"][-1] == "192.168.1.109"
    assert (p["t1"], p["t2"], p["lease"]) == (3600, 6300, 7200)
    assert p["message_order"] == ["Discover", "Offer", "Request", "ACK"]
    assert p["retransmit_delays"] == [4, 8]
    assert p["server"] == {"name": "dhcp", "ip": "192.168.1.1", "mac": "02:00:00:00:00:fe"}
    assert trace.scenario == "dhcp"
    assert [n.name for n in trace.nodes] == ["dhcp", "A", "B"]
    assert [n.mac for n in trace.nodes[1:]] == ["02:00:00:00:00:01", "02:00:00:00:00:02"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"clients": 0},
        {"clients": 7},
        {"pool_size": 0},
        {"pool_size": 51},
        {"lease": 59},
        {"lease": 604801},
        {"clients": 2, "names": ("x",)},
        {"clients": 2, "names": ("x", "x")},
        {"clients": 1, "names": ("dhcp",)},
    ],
)
def test_options_are_checked(kwargs):
    with pytest.raises(ValueError):
        DhcpOptions(**kwargs)


def test_names_can_be_chosen():
    trace = build(DhcpOptions(clients=1, names=("laptop",)), frames=False)
    assert [n.name for n in trace.nodes] == ["dhcp", "laptop"]
    assert trace.steps[0].src == "laptop"


# -- every sentence in both languages --------------------------------------------------------------


def _notes(note: Note):
    yield note
    for value in note.params.values():
        if isinstance(value, Note):
            yield from _notes(value)


def _variants():
    yield build(DhcpOptions(), frames=False)
    yield build(DhcpOptions(clients=6, pool_size=2, broadcast_flag=True), frames=False)
    yield build(DhcpOptions(clients=1, pool_size=1, renew=False, lease=60), frames=False)
    yield build(DhcpOptions(clients=3, pool_size=2), frames=False)  # one client too many
    yield build(DhcpOptions(clients=1, names=("laptop",)), frames=False)  # the journey's


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_note_renders_in_both_languages(lang):
    cat = i18n.catalogue(lang)
    used = set()
    for trace in _variants():
        notes = [trace.title, *trace.header, *trace.remember]
        notes += [n for step in trace.steps for n in step.notes]
        for note in notes:
            for inner in _notes(note):
                assert inner.key in cat, inner.key
                used.add(inner.key)
                if any(inner.params.get(p) == 1 for p in i18n.PLURAL_COUNTS):
                    used.add(f"{inner.key}_one")  # the singular form says it
            rendered = i18n.render(note, lang)
            assert "{" not in rendered and "}" not in rendered, rendered
        for step in trace.steps:
            if step.event:
                label = i18n.text(f"ui.event.{step.event}", lang, **dict(step.notes[0].params))
                assert "{" not in label and f"ui.event.{step.event}" in cat
            for kind in step.tables:
                table = kind.split(":")[0]
                assert f"table.{table}" in cat
                for row in step.tables[kind]:
                    for column in row:
                        assert f"table.{table}.{column}" in cat
    mine = {k for k in cat if k.startswith("dhcp.")}
    assert mine <= used, f"keys never used: {sorted(mine - used)}"


def test_error_keys_exist():
    for key in ("dhcp_clients", "dhcp_pool_size", "dhcp_lease"):
        for lang in ("en", "zh"):
            assert f"errors.allowed.{key}" in i18n.catalogue(lang)


def test_cli_limits_agree_with_the_scenario():
    from netlab.cli import sim_dhcp

    assert (sim_dhcp.MAX_CLIENTS, sim_dhcp.MAX_POOL) == (dhcp.MAX_CLIENTS, dhcp.MAX_POOL)
    assert (sim_dhcp.MIN_LEASE, sim_dhcp.MAX_LEASE) == (dhcp.MIN_LEASE, dhcp.MAX_LEASE)


def test_a_sentence_starts_with_a_capital_whatever_the_clients_name():
    """The journey's client is "laptop": where a sentence starts with it, English says "The
    laptop"; inside a sentence it stays "laptop"."""
    import re

    trace = build(DhcpOptions(clients=1, names=("laptop",)), frames=False)
    notes = [*trace.header, *(n for step in trace.steps for n in step.notes)]
    text = " ".join(i18n.render(n, "en") for n in notes)
    starts = re.findall(r"(?:^|[.!?] )(\w+)", text)
    assert "laptop" not in starts and "The" in starts
    assert text.startswith("LAN") and "The laptop has no IP address yet" in text
    assert "lets laptop recognise" in text


@pytest.mark.parametrize(("count", "word"), [(1, "One client more"), (2, "2 clients more")])
def test_the_short_pool_sentence_has_a_real_plural(count, word):
    trace = build(DhcpOptions(clients=2 + count, pool_size=2), frames=False)
    short = next(n for n in trace.header if n.key == "dhcp.header.short")
    assert i18n.render(short, "en").startswith(word)
    assert "(s)" not in i18n.render(short, "en")


def test_dhclient_writes_its_own_ip_header_until_it_has_an_address():
    """ISC dhclient's common/packet.c: TTL 128, TOS 0x10 (IPTOS_LOWDELAY), ID 0, no DF for the
    Discover and the first Request, sent on its packet socket; the unicast renewal goes through
    the kernel's UDP socket: Linux's TTL 64, TOS 0, DF."""
    from scapy.layers.inet import IP

    trace = build(DhcpOptions(clients=1))
    sent = [s for s in packets(trace) if s.src == "A"]
    assert [s.fields["message"] for s in sent] == ["Discover", "Request", "Request"]
    headers = [
        (s.packet[IP].ttl, s.packet[IP].tos, str(s.packet[IP].flags), s.packet[IP].id) for s in sent
    ]
    assert headers == [(128, 0x10, "", 0), (128, 0x10, "", 0), (64, 0, "DF", 0)]
    assert [(s.fields["ttl"], s.fields["tos"], s.fields["df"]) for s in sent] == [
        (128, 0x10, False),
        (128, 0x10, False),
        (64, 0, True),
    ]
