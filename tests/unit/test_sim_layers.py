"""``netlab simulate layers``: the pure layer model against independent computations.

Header sizes come from the header layouts (Ethernet II 14, IPv4 20, TCP 20 or UDP 8 bytes, the
message itself); the scenario's byte counts, offsets and checksums are compared with them and
with the real scapy packets (lengths, ``layers()`` spans, scapy's own checksum). Also: PDU
names, the OSI <-> TCP/IP mapping, the router's new frame, frames=False, determinism, and every
Note renders in both languages.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab import i18n
from netlab.i18n import Note
from netlab.sim import layers as L
from netlab.sim.layers import LayersOptions

REPO = Path(__file__).resolve().parents[2]

ETHERNET, IPV4, TCP, UDP = 14, 20, 20, 8  # RFC 894 / RFC 791 / RFC 9293 / RFC 768, no options

#: Every variant of the scenario.
VARIANTS = [
    LayersOptions(),
    LayersOptions(udp=True),
    LayersOptions(model="osi"),
    LayersOptions(model="osi", udp=True),
    LayersOptions(message=b"x"),
    LayersOptions(message=b"x", udp=True),
    LayersOptions(message=b"y" * L.MAX_MESSAGE),
    LayersOptions(message="你好".encode()),
]

EXPECTED_PDU = {
    "application": "data",
    "presentation": "data",
    "session": "data",
    "network": "packet",
    "data_link": "frame",
    "physical": "bits",
}

messages = st.binary(min_size=1, max_size=L.MAX_MESSAGE)
options = st.builds(
    LayersOptions, message=messages, model=st.sampled_from(L.MODELS), udp=st.booleans()
)


def encap(trace):
    return [s for s in trace.steps if s.event == "layers_encap"]


def decap(trace):
    return [s for s in trace.steps if s.event == "layers_decap"]


def links(trace):
    return [s for s in trace.steps if s.dst is not None]


def expected_added(layer: str, opts: LayersOptions) -> int:
    """Bytes a layer adds, from the header sizes alone (the message for the application)."""
    return {
        "application": len(opts.message),
        "transport": UDP if opts.udp else TCP,
        "network": IPV4,
        "data_link": ETHERNET,
    }.get(layer, 0)


# -- sizes, PDU names, the mapping -----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(options)
def test_header_and_total_bytes_per_layer(opts):
    trace = L.build(opts, frames=False)
    total = 0
    for step in encap(trace):
        f = step.fields
        added = expected_added(f["layer"], opts)
        total += added
        assert f["header_bytes"] == (0 if f["layer"] == "application" else added), f
        assert f["total_bytes"] == total, f
    frame = ETHERNET + IPV4 + (UDP if opts.udp else TCP) + len(opts.message)
    assert total == frame
    assert trace.params["frame_bytes"] == frame
    assert encap(trace)[-1].fields["bits"] == 8 * frame


@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_sizes_and_spans_match_the_real_packets(opts):
    from netlab.sim.packets import layers as packet_layers
    from netlab.sim.packets.encapsulation import header_span

    trace = L.build(opts)
    frame = links(trace)[0].packet
    spans = {layer.name: (layer.start, layer.header_len) for layer in packet_layers(frame)}
    names = {"Ethernet II": "Ether", "IPv4": "IP", "TCP": "TCP", "UDP": "UDP"}
    for step in encap(trace) + decap(trace):
        f = step.fields
        assert len(bytes(step.packet)) == f["total_bytes"], f
        if f["header"]:
            name = names[f["header"]]
            assert header_span(step.packet, name) == (0, f["header_bytes"])  # outermost
            assert spans[name] == (f["frame_offset"], f["header_bytes"])
        if f["layer"] == "application":
            assert bytes(step.packet) == opts.message
            assert spans["Payload"] == (f["frame_offset"], len(opts.message))


@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_pdu_names(opts):
    trace = L.build(opts, frames=False)
    for step in encap(trace) + decap(trace):
        layer = step.fields["layer"]
        want = ("datagram" if opts.udp else "segment") if layer == "transport" else None
        assert step.fields["pdu"] == (want or EXPECTED_PDU[layer])


@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_encapsulation_goes_down_and_decapsulation_up(opts):
    trace = L.build(opts)
    keys = [layer.key for layer in L.model_layers(opts.model)]
    assert len(keys) == (7 if opts.model == "osi" else 5)
    assert [s.fields["layer"] for s in encap(trace)] == keys
    assert [s.fields["layer"] for s in decap(trace)] == keys[::-1]
    outer = [type(s.packet).__name__ for s in encap(trace)]
    top = ["Raw"] * (3 if opts.model == "osi" else 1)
    assert outer == [*top, "UDP" if opts.udp else "TCP", "IP", "Ether", "Ether"]
    for step in encap(trace) + decap(trace):
        assert step.dst is None and step.protocol == "" and step.copy_of is None
        assert step.src == ("client" if step.event == "layers_encap" else "server")
    assert [s.index for s in trace.steps] == list(range(1, len(trace.steps) + 1))
    times = [s.time for s in trace.steps]
    assert times == sorted(times)


def test_osi_to_tcpip_mapping():
    rows = L.mapping()
    assert [r["osi"] for r in rows] == [7, 6, 5, 4, 3, 2, 1]
    assert [r["osi_layer"] for r in rows] == [
        "application",
        "presentation",
        "session",
        "transport",
        "network",
        "data_link",
        "physical",
    ]
    assert [r["tcpip"] for r in rows] == [
        "application",
        "application",
        "application",
        "transport",
        "network",
        "data_link",
        "physical",
    ]
    assert [r["rfc1122"] for r in rows] == [
        "application",
        "application",
        "application",
        "transport",
        "internet",
        "link",
        "link",
    ]
    # every OSI layer is covered by exactly one TCP/IP layer
    covered = sorted(n for layer in L.TCPIP_LAYERS for n in layer.osi)
    assert covered == [1, 2, 3, 4, 5, 6, 7]
    assert [layer.number for layer in L.OSI_LAYERS] == [7, 6, 5, 4, 3, 2, 1]
    assert [layer.number for layer in L.TCPIP_LAYERS] == [5, 4, 3, 2, 1]


def test_devices_per_layer():
    by_key = {layer.key: layer for layer in L.OSI_LAYERS}
    assert "hub" in by_key["physical"].devices
    assert "switch" in by_key["data_link"].devices
    assert "router" in by_key["network"].devices
    for layer in L.OSI_LAYERS + L.TCPIP_LAYERS:
        others = set(layer.devices) & {"hub", "switch", "router"}
        assert others <= {"physical": {"hub"}, "data_link": {"switch"}, "network": {"router"}}.get(
            layer.key, set()
        ), layer


# -- the bytes: pure computation against scapy -----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(options)
def test_pure_frames_are_scapys_frames(opts):
    lan, wan = L.wires(opts)
    trace = L.build(opts)
    first, _, router = links(trace)
    assert bytes(first.packet) == lan.frame
    assert bytes(router.packet) == wan.frame


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_internet_checksum_is_scapys(data):
    from scapy.utils import checksum

    assert L.internet_checksum(data) == checksum(data)


@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_checksums_in_the_fields_are_the_packets(opts):
    from scapy.layers.inet import IP
    from scapy.layers.inet import TCP as ScapyTCP
    from scapy.layers.inet import UDP as ScapyUDP
    from scapy.layers.l2 import Ether

    trace = L.build(opts)
    for step in (links(trace)[0], links(trace)[2]):
        pkt = step.packet
        layer = ScapyUDP if opts.udp else ScapyTCP
        assert step.fields["ip_checksum"] == f"0x{pkt[IP].chksum:04x}"
        assert step.fields["checksum"] == f"0x{pkt[layer].chksum:04x}"
        rebuilt = pkt.copy()
        del rebuilt[IP].chksum
        del rebuilt[layer].chksum
        rebuilt = Ether(bytes(rebuilt))
        assert (rebuilt[IP].chksum, rebuilt[layer].chksum) == (pkt[IP].chksum, pkt[layer].chksum)


# -- the path: switch forwards, router rebuilds ----------------------------------------------------


@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_switch_forwards_unchanged_and_router_builds_a_new_frame(opts):
    from scapy.layers.inet import IP
    from scapy.layers.l2 import Ether

    trace = L.build(opts)
    first, switch, router = links(trace)
    assert (first.src, first.dst) == ("client", "switch")
    assert (switch.src, switch.dst, switch.copy_of) == ("switch", "router", first.index)
    assert (router.src, router.dst, router.copy_of) == ("router", "server", None)
    assert bytes(switch.packet) == bytes(first.packet)

    a, b = first.packet, router.packet
    assert (a[Ether].src, a[Ether].dst) == (L.CLIENT.mac, L.ROUTER_LAN.mac)
    assert (b[Ether].src, b[Ether].dst) == (L.ROUTER_WAN.mac, L.SERVER.mac)
    assert (a[IP].src, a[IP].dst) == (b[IP].src, b[IP].dst) == (L.CLIENT.ip, L.SERVER.ip)
    assert b[IP].ttl == a[IP].ttl - 1 == 63
    assert b[IP].chksum != a[IP].chksum
    assert bytes(a[IP].payload) == bytes(b[IP].payload)  # layer 4 untouched
    assert router.fields["ttl_before"] == 64 and router.fields["ttl"] == 63
    assert router.fields["ip_checksum_before"] == first.fields["ip_checksum"]
    assert router.fields["ip_checksum"] == f"0x{b[IP].chksum:04x}"
    assert router.fields["checksum"] == first.fields["checksum"]
    # Wireshark names a frame after its application (HTTP for a GET); the router's copy of the
    # same segment is a retransmission to it, shown as plain TCP
    assert router.protocol == ("UDP" if opts.udp else "TCP")
    http = not opts.udp and opts.message.startswith(b"GET / HTTP/1.1\r\n")
    assert first.protocol == ("HTTP" if http else router.protocol)
    # the frames a pcap gets: steps on a link that are not copies
    wire = [s for s in trace.steps if s.dst is not None and s.copy_of is None]
    assert wire == [first, router]


def test_tcp_segment_is_the_first_data_after_a_handshake():
    trace = L.build(LayersOptions())
    f = links(trace)[0].fields
    assert (f["flags"], f["seq"], f["ack"]) == ("PA", L.ISN_CLIENT + 1, L.ISN_SERVER + 1)
    first, _switch, router = links(trace)
    assert (first.protocol, first.summary) == ("HTTP", "GET / HTTP/1.1")
    assert (router.protocol, router.summary) == (
        "TCP",
        "[TCP Retransmission] 51000 → 80 [PSH, ACK] Seq=1 Ack=1 Win=64240 Len=37",
    )
    udp = L.build(LayersOptions(udp=True))
    assert links(udp)[0].summary == "51000 → 80 Len=37"


def test_short_frame_gets_a_padding_note():
    trace = L.build(LayersOptions(message=b"x", udp=True), frames=False)
    physical = encap(trace)[-1]
    keys = [n.key for n in physical.notes]
    assert "layers.note.padding" in keys
    pad = next(n for n in physical.notes if n.key == "layers.note.padding")
    assert pad.params["pad"] == 60 - (14 + 20 + 8 + 1)
    long = L.build(LayersOptions(), frames=False)
    assert "layers.note.padding" not in [n.key for n in encap(long)[-1].notes]


def test_wireshark_retransmission_note_only_for_tcp():
    def keys(trace):
        return [n.key for n in links(trace)[2].notes]

    key = "layers.note.wireshark_retransmission"
    assert key in keys(L.build(LayersOptions(), False))
    assert key not in keys(L.build(LayersOptions(udp=True), False))


def test_comparison_only_with_udp():
    assert L.build(LayersOptions(), False).params["comparison"] == []
    assert L.build(LayersOptions(udp=True), False).params["comparison"] == list(L.COMPARISON)


# -- options, purity, determinism ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"message": b""},
        {"message": b"x" * (L.MAX_MESSAGE + 1)},
        {"message": "text"},
        {"model": "iso"},
    ],
    ids=["empty", "too-long", "str", "bad-model"],
)
def test_options_refuse_bad_values(kwargs):
    with pytest.raises(ValueError):
        LayersOptions(**kwargs)


def _without_packets(trace):
    return dataclasses.replace(
        trace, steps=[dataclasses.replace(s, packet=None) for s in trace.steps]
    )


@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_frames_false_is_frames_true_without_packets(opts):
    with_frames = L.build(opts)
    assert all(s.packet is not None for s in with_frames.steps)
    without = L.build(opts, frames=False)
    assert all(s.packet is None for s in without.steps)
    assert without == _without_packets(with_frames)


def test_same_options_same_trace():
    one, two = L.build(LayersOptions(model="osi")), L.build(LayersOptions(model="osi"))
    assert _without_packets(one) == _without_packets(two)
    assert [bytes(s.packet) for s in one.steps] == [bytes(s.packet) for s in two.steps]


def test_frames_false_imports_no_scapy():
    code = (
        "import sys\n"
        "from netlab.sim import layers\n"
        "layers.build(layers.LayersOptions(udp=True, model='osi'), frames=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scapy'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_encapsulation_module_keeps_the_layers_function():
    """Importing the PDU builder must not shadow ``netlab.sim.packets.layers()``."""
    import netlab.sim.packets as packets
    import netlab.sim.packets.encapsulation  # noqa: F401

    assert callable(packets.layers)
    from netlab.sim.packets import layers

    assert callable(layers)


# -- every sentence in both languages --------------------------------------------------------------


def _notes(note: Note):
    yield note
    for value in note.params.values():
        if isinstance(value, Note):
            yield from _notes(value)


def _all_notes(trace):
    yield trace.title
    yield from trace.header
    yield from trace.remember
    for step in trace.steps:
        yield from step.notes


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("opts", VARIANTS, ids=repr)
def test_every_note_renders(opts, lang):
    catalogue = i18n.catalogue(lang)
    trace = L.build(opts, frames=False)
    for top in _all_notes(trace):
        for note in _notes(top):
            assert note.key in catalogue, note.key
        rendered = i18n.render(top, lang)
        assert not re.search(r"\{\w+\}", rendered), (top.key, rendered)
    for step in trace.steps:
        if step.event:
            label = i18n.text(f"ui.event.{step.event}", lang, **dict(step.notes[0].params))
            assert "{" not in label and f"ui.event.{step.event}" in catalogue


def test_remember_has_three_to_six_sentences():
    for opts in VARIANTS:
        assert 3 <= len(L.build(opts, frames=False).remember) <= 6


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_view_keys_exist(lang):
    catalogue = i18n.catalogue(lang)
    keys = [f"layers.layer.{k}" for k in ("internet", "link")]
    keys += [f"layers.model.{m}" for m in L.MODELS]
    for layer in L.OSI_LAYERS + L.TCPIP_LAYERS:
        keys.append(f"layers.layer.{layer.key}")
        keys += [f"layers.device.{d}" for d in layer.devices]
    for aspect in L.COMPARISON:
        keys += [f"layers.compare.{aspect}.{col}" for col in ("name", "tcp", "udp")]
    assert [k for k in keys if k not in catalogue] == []
