"""The pure parts of ``--live``: what each socket call should leave (from the model's Trace),
how differences are named, which captured frames are kept, and segment matching.

No socket here: the model's traces come from the simulations, and the "captured" traces are
other simulations standing in for what a kernel sent (so the reasons can be checked exactly).
"""

from __future__ import annotations

import pytest

from netlab.live import capture, compare, script
from netlab.sim import close, connection, handshake
from netlab.sim.hosts import TcpParams

PARAMS = TcpParams(
    client_ip="127.0.0.1", client_port=40000, server_ip="127.0.0.1", server_port=8080
)


def test_handshake_expectations():
    calls = script.handshake()
    got = compare.expectations(handshake.build(PARAMS), calls)
    assert [e.states for e in got] == [
        {"client": "CLOSED", "server": "LISTEN"},
        {"client": "ESTABLISHED", "server": "ESTABLISHED"},
        {"client": "ESTABLISHED", "server": "ESTABLISHED"},
    ]
    assert got[1].passed == {"client": ("SYN-SENT",), "server": ("SYN-RECEIVED",)}
    assert got[1].steps == (1, 2, 3) and got[1].anchor == 3
    assert got[0].anchor is None and got[2].anchor is None


def test_a_segment_still_in_flight_counts_as_arrived():
    """In the model's ``tcp`` scenario the client sends its request the moment it is
    ESTABLISHED, while its ACK is still on the way: the step's states say SYN-RECEIVED for the
    server, but once connect() is over the server is ESTABLISHED."""
    model = connection.build(PARAMS, [b"hi"], [b"ok"])
    assert model.steps[2].states["server"] == "SYN-RECEIVED"
    got = compare.expectations(model, script.tcp([b"hi"], [b"ok"]))
    assert got[1].states == {"client": "ESTABLISHED", "server": "ESTABLISHED"}
    assert got[1].passed["server"] == ("SYN-RECEIVED",)


@pytest.mark.parametrize(
    ("options", "after_close", "end"),
    [
        (close.CloseOptions(), ("FIN-WAIT-2", "CLOSE-WAIT"), ("CLOSED", "CLOSED")),
        (close.CloseOptions(merge=True), ("FIN-WAIT-1", "CLOSE-WAIT"), ("CLOSED", "CLOSED")),
        (close.CloseOptions(simultaneous=True), ("TIME-WAIT", "TIME-WAIT"), ("CLOSED", "CLOSED")),
    ],
)
def test_close_expectations(options, after_close, end):
    calls = script.close(
        options.initiator,
        simultaneous=options.simultaneous,
        merge=options.merge,
        half_close=options.half_close,
    )
    got = compare.expectations(close.build(PARAMS, options), calls)
    assert calls[0].op == "setup" and got[0].states == {
        "client": "ESTABLISHED",
        "server": "ESTABLISHED",
    }
    assert tuple(got[1].states.values()) == after_close
    assert calls[-1].op == "end" and tuple(got[-1].states.values()) == end


def test_a_script_that_does_not_follow_the_model_is_refused():
    calls = [script.Call("client", "close", plays=("tcp.app.connect",))]
    with pytest.raises(ValueError, match=r"tcp\.app\.connect"):
        compare.expectations(close.build(PARAMS, close.CloseOptions()), calls)
    with pytest.raises(ValueError):
        script.Call("client", "explode")


CLOSE_CALL = script.Call("client", "close")
END = script.Call("", "end")


@pytest.mark.parametrize(
    ("model", "kernel", "call", "variant", "unread", "reset", "reason"),
    [
        ("CLOSED", "TIME-WAIT", END, "normal", False, False, "time_wait_60s"),
        ("TIME-WAIT", "CLOSED", CLOSE_CALL, "simultaneous", False, False, "not_simultaneous"),
        ("FIN-WAIT-2", "FIN-WAIT-1", CLOSE_CALL, "normal", False, False, "ack_delayed"),
        ("FIN-WAIT-2", "CLOSED", CLOSE_CALL, "normal", True, False, "rst_unread"),
        ("CLOSE-WAIT", "CLOSED", CLOSE_CALL, "normal", False, True, "rst_unread"),
        ("FIN-WAIT-2", "CLOSED", CLOSE_CALL, "normal", False, False, "unexplained"),
        ("CLOSED", "TIME-WAIT", CLOSE_CALL, "normal", False, False, "unexplained"),
    ],
)
def test_reasons(model, kernel, call, variant, unread, reset, reason):
    got = compare.classify(
        model, kernel, call=call, variant=variant, unread=unread, reset_seen=reset
    )
    assert got == reason
    assert got in compare.REASONS


# -- segments -----------------------------------------------------------------------------------


def test_merged_fin_ack_is_named():
    """The textbook's four segments against a kernel that merged the ACK into its FIN."""
    textbook = close.build(PARAMS, close.CloseOptions())
    kernel = close.build(PARAMS, close.CloseOptions(merge=True))
    match = compare.match_segments(textbook, kernel, "normal")
    assert match.model_only == {2: "merged_fin_ack"}
    assert match.kernel_only == {}
    assert sorted(match.pairs) == [1, 2, 4]


def test_an_ack_that_left_alone_is_named():
    model = close.build(PARAMS, close.CloseOptions(merge=True))
    kernel = close.build(PARAMS, close.CloseOptions())
    match = compare.match_segments(model, kernel, "merge")
    assert match.kernel_only == {2: "fin_ack_alone"}
    assert match.model_only == {}


def test_a_big_send_is_one_segment_on_loopback():
    """The model on Ethernet splits 3000 bytes at 1448 (MSS 1460 less 12 bytes of timestamps);
    loopback's MSS is 65495, so the kernel sends them in one segment."""
    from dataclasses import replace

    model = connection.build(PARAMS, [b"x" * 3000], [b"ok"])
    data = [s for s in model.steps if s.segment is not None and s.segment.payload]
    first = data[0]
    assert [len(s.segment.payload) for s in data[:3]] == [1448, 1448, 104]
    whole = replace(first, segment=replace(first.segment, payload=b"x" * 3000, flags="PA"))
    kernel_steps = [whole if s is first else s for s in model.steps if s not in data[1:3]]
    kernel = replace(model, steps=kernel_steps)
    match = compare.match_segments(model, kernel, "tcp")
    assert match.kernel_only == {first.index: "loopback_mss"}
    assert {match.model_only[s.index] for s in data[:3]} == {"loopback_mss"}
    # and the model's ACKs of the first two pieces acknowledge boundaries the kernel never made
    assert set(match.model_only.values()) == {"loopback_mss"}


# -- which captured frames are kept -------------------------------------------------------------


def frame(sport: int, dport: int) -> bytes:
    from netlab.sim import packets

    src = packets.Hop("00:00:00:00:00:00", "127.0.0.1", sport)
    dst = packets.Hop("00:00:00:00:00:00", "127.0.0.1", dport)
    return bytes(packets.tcp_frame(src, dst.mac, dst, flags="S", seq=1, ack=0))


def test_only_one_copy_of_the_conversations_frames_is_kept():
    ports = (40000, 8080)
    out, back = frame(40000, 8080), frame(8080, 40000)
    assert capture.wanted(out, capture.PACKET_OUTGOING, ports)
    assert capture.wanted(back, capture.PACKET_OUTGOING, ports)
    # loopback's second copy of each frame, as it arrives
    assert not capture.wanted(out, capture.PACKET_HOST, ports)
    # other conversations, even sharing one port
    assert not capture.wanted(frame(40001, 8080), capture.PACKET_OUTGOING, ports)
    assert not capture.wanted(frame(8080, 8080), capture.PACKET_OUTGOING, (8080, 8080))
    # not IPv4/TCP, or cut short
    udp = bytearray(out)
    udp[23] = 17
    assert not capture.wanted(bytes(udp), capture.PACKET_OUTGOING, ports)
    ipv6 = bytearray(out)
    ipv6[12:14] = b"\x86\xdd"
    assert not capture.wanted(bytes(ipv6), capture.PACKET_OUTGOING, ports)
    assert not capture.wanted(out[:30], capture.PACKET_OUTGOING, ports)


def test_probe_respects_the_test_switch():
    note = capture.probe({capture.NO_CAPTURE_ENV: "1"})
    assert note is not None and note.key == "live.capture.disabled"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reason_and_call_is_explained(lang):
    from netlab import i18n

    catalogue = i18n.catalogue(lang)
    keys = [f"live.reason.{r}" for r in compare.REASONS]
    keys += [f"live.segment.reason.{r}" for r in compare.SEGMENT_REASONS]
    keys += [f"live.call.{op}" for op in script.OPS]
    assert [k for k in keys if k not in catalogue] == []


# -- the segment-by-segment check (compare_sequence) ---------------------------------------------


def _kernel_like(model, steps):
    """A 'captured' trace made of the given steps (renumbered), as capture.to_trace makes one."""
    from dataclasses import replace

    return replace(model, steps=[replace(s, index=i) for i, s in enumerate(steps, start=1)])


def test_equal_sequences_have_no_difference():
    model = handshake.build(PARAMS)
    match = compare.compare_sequence(model, _kernel_like(model, model.steps))
    assert match.equal and (match.model_count, match.kernel_count) == (3, 3)


def test_an_extra_ack_of_the_fin_is_named_fin_ack_alone():
    """--merge where the kernel's delayed-ACK timer beat the passive close(): A then FA."""
    from dataclasses import replace

    model = close.build(PARAMS, close.CloseOptions(merge=True))
    fin, fin_ack, last = [s for s in model.steps if s.segment is not None]
    alone = replace(fin_ack, segment=replace(fin_ack.segment, flags="A"))
    match = compare.compare_sequence(
        model, _kernel_like(model, [fin, alone, fin_ack, last]), "merge"
    )
    assert [(d.model, d.kernel, d.reason) for d in match.diffs] == [(None, 2, "fin_ack_alone")]


def test_a_segment_that_differs_names_the_fields():
    """Same sender, other header: the fields that differ are named; no known reason fits."""
    from dataclasses import replace

    model = handshake.build(PARAMS)
    syn = model.steps[0]
    bare = replace(syn, segment=replace(syn.segment, options=(("MSS", 1460),)))
    match = compare.compare_sequence(model, _kernel_like(model, [bare, *model.steps[1:]]))
    (diff,) = match.diffs
    assert (diff.model, diff.kernel, diff.fields) == (1, 1, ("header", "options"))
    assert diff.reason == "unexplained"
    assert all(d.reason in compare.SEQUENCE_REASONS for d in match.diffs)
