"""``info_column.Capture`` writes tshark's Protocol and Info columns without tshark.

The expected lines are written out by hand as tshark 4.0.17 printed them for the same frames
(``tests/live/test_tshark_columns.py`` checks the model against tshark itself, and fails in CI
when they part).
"""

from __future__ import annotations

from netlab.sim.info_column import Capture
from netlab.sim.segment import Segment

CLIENT = ("192.168.1.10", 51000)
SERVER = ("203.0.113.10", 80)
SYN_OPTIONS = (("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7))


def columns(frames) -> list[tuple[str, str]]:
    capture = Capture()
    out = []
    for time, sender, flags, seq, ack, payload, *rest in frames:
        window = rest[0] if rest else 502
        options = rest[1] if len(rest) > 1 else ()
        src, dst = (CLIENT, SERVER) if sender == "c" else (SERVER, CLIENT)
        seg = Segment(sender, "peer", flags, seq, ack, payload, options=options, window=window)
        out.append(capture.tcp(time, src, dst, seg))
    return out


def test_numbers_are_relative_and_windows_scaled_once_both_syns_are_seen():
    assert columns(
        [
            (0.0, "c", "S", 1000, 0, b"", 64240, SYN_OPTIONS),
            (0.01, "s", "SA", 5000, 1001, b"", 65160, SYN_OPTIONS),
            (0.02, "c", "A", 1001, 5001, b"", 502),
        ]
    ) == [
        ("TCP", "51000 → 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128"),
        (
            "TCP",
            "80 → 51000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM TSval=1 "
            "TSecr=0 WS=128",
        ),
        ("TCP", "51000 → 80 [ACK] Seq=1 Ack=1 Win=64256 Len=0"),
    ]


def test_without_the_syns_numbers_count_from_the_first_segment_and_windows_are_raw():
    assert columns([(0.0, "c", "FA", 1001, 5001, b"", 502)]) == [
        ("TCP", "51000 → 80 [FIN, ACK] Seq=1 Ack=1 Win=502 Len=0")
    ]


def test_the_same_segment_twice_is_a_retransmission_and_is_not_decoded_again():
    get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    first, second = columns(
        [(0.001, "c", "PA", 1001, 5001, get), (0.003, "c", "PA", 1001, 5001, get)]
    )
    assert first == ("HTTP", "GET / HTTP/1.1")
    assert second == (
        "TCP",
        "[TCP Retransmission] 51000 → 80 [PSH, ACK] Seq=1 Ack=1 Win=502 Len=27",
    )


def test_a_repeated_ack_is_a_duplicate_of_the_frame_that_first_sent_that_number():
    # the lost last ACK of a handshake, the SYN,ACK sent again, the ACK repeated
    assert columns(
        [
            (0.0, "c", "S", 1000, 0, b"", 64240, SYN_OPTIONS),
            (0.01, "s", "SA", 5000, 1001, b"", 65160, SYN_OPTIONS),
            (0.02, "c", "A", 1001, 5001, b"", 502),
            (1.01, "s", "SA", 5000, 1001, b"", 65160, SYN_OPTIONS),
            (1.02, "c", "A", 1001, 5001, b"", 502),
        ]
    )[3:] == [
        (
            "TCP",
            "[TCP Retransmission] 80 → 51000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 "
            "SACK_PERM TSval=1 TSecr=0 WS=128",
        ),
        ("TCP", "[TCP Dup ACK 3#1] 51000 → 80 [ACK] Seq=1 Ack=1 Win=64256 Len=0"),
    ]


def test_an_incomplete_message_is_held_for_reassembly():
    assert columns(
        [
            (0.0, "c", "PA", 1001, 5001, b"GET / HTTP/1.1\r\n"),
            (0.1, "c", "PA", 1017, 5001, b"\r\n"),
            (0.2, "c", "PA", 1019, 5001, b"bye"),
        ]
    ) == [
        ("TCP", "GET / HTTP/1.1 [TCP segment of a reassembled PDU]"),
        ("HTTP", "GET / HTTP/1.1"),
        (
            "TCP",
            "51000 → 80 [PSH, ACK] Seq=19 Ack=1 Win=502 Len=3 [TCP segment of a reassembled PDU]",
        ),
    ]
