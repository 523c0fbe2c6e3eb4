"""``netlab.demos.sticky`` on real TCP over 127.0.0.1 (port 0): merging, splitting, two fixes.

Every exchange is bounded by the demo's own socket timeouts (5 s per call, 2 s of waiting for
the receive queue). A fixture checks that each test leaves no thread and no socket behind.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest

from netlab.demos import sticky
from netlab.errors import NetlabError, UsageError
from netlab.framing import encode

FD_DIR = Path("/proc/self/fd")


def _sockets() -> int:
    """Open sockets of this process (-1 where /proc can't tell)."""
    if not FD_DIR.is_dir():
        return -1
    count = 0
    for fd in os.listdir(FD_DIR):
        with suppress(OSError):  # the fd of os.listdir itself is gone by now
            count += os.readlink(FD_DIR / fd).startswith("socket:")
    return count


def _demo_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "netlab-sticky-client"]


@pytest.fixture(autouse=True)
def _nothing_left_behind():
    before = _sockets()
    yield
    deadline = time.monotonic() + 5
    while _demo_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _demo_threads() == []
    assert _sockets() == before


def _run(**options) -> sticky.Result:
    return sticky.run(sticky.Options(**options))


def _part(result: sticky.Result, name: str) -> sticky.Part:
    (part,) = [p for p in result.parts if p.name == name]
    return part


@pytest.mark.parametrize("count", [2, 3, 10, 100])
def test_small_messages_come_out_of_one_recv(count):
    part = _part(_run(messages=count), "merged")
    sends = part.calls("client", "send")
    reads = part.calls("server", "recv")
    assert [c.data for c in sends] == list(part.sent) == sticky.small_messages(count)
    assert len(reads) == 1
    assert reads[0].data == b"".join(part.sent)  # all N messages, glued, in one recv()
    assert part.whole_in_first_recv() == count
    assert part.queued == len(reads[0].data)
    assert not part.boundaries_kept
    assert part.chunks[-1].data == b""  # the end of stream is recorded too


def test_a_large_message_comes_out_in_pieces():
    part = _part(_run(size=5000, buffer=1024), "split")
    reads = part.calls("server", "recv")
    assert len(reads) > 1
    assert [len(c.data) for c in reads] == [1024, 1024, 1024, 1024, 904]
    assert b"".join(c.data for c in reads) == part.sent[0] == sticky.large_message(5000)
    assert b"".join(c.data for c in part.calls("client", "send")) == part.sent[0]


def test_other_sizes_split_by_the_buffer():
    part = _part(_run(size=20000, buffer=4096), "split")
    assert [len(c.data) for c in part.calls("server", "recv")] == [4096] * 4 + [3616]


def test_the_fix_list_chooses_the_parts():
    assert [p.name for p in _run().parts] == ["merged", "split"]
    assert [p.name for p in _run(fix="header").parts] == ["header"]
    assert [p.name for p in _run(fix="ack").parts] == ["ack"]
    assert [p.name for p in _run(fix="all").parts] == ["merged", "split", "header", "ack"]


def test_header_fix_recovers_exactly_the_messages():
    part = _part(_run(fix="header", messages=5), "header")
    expected = (*sticky.small_messages(5), sticky.large_message(5000))
    assert part.sent == expected
    assert part.received == expected
    assert part.boundaries_kept
    reads = part.calls("server", "recv")
    assert reads[0].data.startswith(encode(b"hello-1") + encode(b"hello-2"))  # still merged
    assert b"".join(c.data for c in reads) == b"".join(encode(m) for m in expected)
    assert part.round_trips == ()


def test_ack_fix_recovers_the_messages_one_round_trip_each():
    part = _part(_run(fix="ack", messages=4), "ack")
    assert part.received == part.sent
    assert len(part.round_trips) == len(part.sent) == 5
    assert all(t > 0 for t in part.round_trips)
    # the length is a fixed-size header, as the note says: 4 bytes, struct.pack('!I', n)
    sent_lengths = [c.data for c in part.calls("client", "send") if c.role == "length"]
    assert sent_lengths == [struct.pack("!I", len(m)) for m in part.sent]
    lengths = b"".join(c.data for c in part.calls("server", "recv") if c.role == "length")
    assert lengths == b"".join(struct.pack("!I", len(m)) for m in part.sent)
    acks = [c.data for c in part.calls("client", "recv") if c.role == "ack"]
    assert acks == [sticky.ACK] * 5
    bodies = b"".join(c.data for c in part.calls("server", "recv") if c.role == "body")
    assert bodies == b"".join(part.sent)


def test_ack_fix_never_reads_into_the_next_message_even_with_a_tiny_buffer():
    part = _part(_run(fix="ack", messages=3, size=300, buffer=1), "ack")
    assert part.received == part.sent
    assert max(len(c.data) for c in part.calls("server", "recv") if c.role == "body") == 1
    # the server reads the 4-byte length with recv() calls of at most 4 bytes
    assert max(len(c.data) for c in part.calls("server", "recv") if c.role == "length") <= 4


def test_every_recv_comes_after_the_send_it_reads():
    for part in _run(fix="all").parts:
        times = [c.time for c in part.chunks]
        assert times == sorted(times)
        first_send = part.calls("client", "send")[0].time
        assert all(c.time >= first_send for c in part.calls("server", "recv"))


def test_byte_order_of_the_seed_header():
    order = sticky.byte_order(7)
    assert order.network == b"\x00\x00\x00\x07" == struct.pack("!I", 7)
    assert order.native == struct.pack("i", 7)
    if order.machine == "little":
        assert order.native == b"\x07\x00\x00\x00"
        assert order.misread == 0x07000000
    else:
        assert order.misread == 0x07


def test_a_port_in_use_is_a_usage_error():
    busy = socket.socket()
    try:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(UsageError, match="already in use"):
            _run(port=busy.getsockname()[1])
    finally:
        busy.close()


def test_interrupted_exchange_closes_everything(monkeypatch):
    def interrupted(sock, want, timeout=2.0):
        raise KeyboardInterrupt

    monkeypatch.setattr(sticky, "wait_queued", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _run()
    # the autouse fixture checks that the client thread ended and every socket is closed


def _listener() -> socket.socket:
    from netlab.demos.listen import listen

    sock = listen("127.0.0.1", 0)
    sock.settimeout(sticky.TIMEOUT)
    return sock


def test_a_silent_peer_times_out_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(sticky, "TIMEOUT", 0.3)
    listener = _listener()
    try:
        with pytest.raises(NetlabError, match="without progress"):
            sticky.exchange(
                listener,
                lambda sock, rec: time.sleep(0.6),  # connects, then says nothing
                lambda sock, rec, client: sticky.recv(sock, rec, "server", 1024),
            )
    finally:
        listener.close()


def test_a_failing_client_is_reported():
    def client(sock, rec):
        raise ValueError("boom")

    listener = _listener()
    try:
        with pytest.raises(NetlabError, match="client failed: ValueError"):
            sticky.exchange(
                listener, client, lambda sock, rec, c: list(sticky.recv_until_eof(sock, rec, 64))
            )
    finally:
        listener.close()


# -- the same sends over UDP ---------------------------------------------------------------------


def test_udp_small_sends_arrive_as_as_many_datagrams():
    result = _run(udp=True, messages=3)
    assert result.transport == "udp"
    assert [p.name for p in result.parts] == ["datagrams", "truncated"]
    part = _part(result, "datagrams")
    assert [c.data for c in part.calls("client", "sendto")] == sticky.small_messages(3)
    reads = part.calls("server", "recvmsg")
    assert [c.data for c in reads] == sticky.small_messages(3)  # one datagram per recvmsg()
    assert all(c.flags == () for c in reads)
    assert part.boundaries_kept
    last = part.chunks[-1]  # one more read, without waiting: nothing left
    assert (last.call, last.data, last.role) == ("recvmsg", b"", "empty")


def test_udp_datagram_larger_than_the_buffer_is_cut_and_the_rest_is_lost():
    part = _part(_run(udp=True, size=5000, buffer=1024), "truncated")
    (read,) = part.calls("server", "recvmsg")
    assert read.data == sticky.large_message(5000)[:1024]
    assert read.flags == ("MSG_TRUNC",)  # as recvmsg() returned it
    if sys.platform.startswith("linux"):
        assert read.size == 5000  # the kernel's own count of the whole datagram
    assert part.received == (read.data,)
    assert not part.boundaries_kept
    last = part.chunks[-1]  # the other 3976 bytes are not kept for the next read, as TCP would
    assert (last.call, last.data, last.role) == ("recvmsg", b"", "empty")


def test_udp_datagram_that_fits_the_buffer_comes_whole():
    part = _part(_run(udp=True, size=1000, buffer=1024), "truncated")
    (read,) = part.calls("server", "recvmsg")
    assert read.data == sticky.large_message(1000) and read.flags == ()
    assert part.boundaries_kept


def test_udp_largest_datagram():
    part = _part(_run(udp=True, size=65507, buffer=65536), "truncated")
    assert part.received == (sticky.large_message(65507),)
