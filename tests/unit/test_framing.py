"""The framing codec: any messages, encoded and cut anywhere, decode back exactly."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netlab.framing import HEADER_SIZE, Decoder, FramingError, encode


@given(
    st.lists(st.binary(max_size=300), max_size=20),
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=50),
)
def test_any_messages_cut_anywhere_decode_back(messages, cuts):
    stream = b"".join(encode(m) for m in messages)
    decoder = Decoder()
    out, position, i = [], 0, 0
    while position < len(stream):
        step = cuts[i % len(cuts)]
        out += decoder.feed(stream[position : position + step])
        position += step
        i += 1
    decoder.close()
    assert out == messages
    assert decoder.buffered == 0


def test_header_is_network_order_unsigned():
    assert encode(b"hello")[:HEADER_SIZE] == b"\x00\x00\x00\x05" == struct.pack("!I", 5)
    assert struct.pack("<i", 5) != encode(b"hello")[:4]  # the seed's 'i' on x86 is little-endian


def test_oversized_length_is_refused_before_buffering():
    decoder = Decoder(max_size=1024)
    with pytest.raises(FramingError, match="above the maximum of 1024"):
        decoder.feed(struct.pack("!I", 1025))
    with pytest.raises(FramingError):
        encode(b"x" * 2000, max_size=1024)


def test_huge_declared_length_does_not_allocate():
    decoder = Decoder()
    with pytest.raises(FramingError):
        decoder.feed(b"\xff\xff\xff\xff")
    assert decoder.buffered <= HEADER_SIZE


@pytest.mark.parametrize(
    ("data", "message"),
    [(encode(b"hello")[:7], "truncated: 3 of 5 bytes"), (b"\x00\x00", "2 of 4 header bytes")],
)
def test_stream_ending_inside_a_frame(data, message):
    decoder = Decoder()
    assert decoder.feed(data) == []
    with pytest.raises(FramingError, match=message):
        decoder.close()


def test_empty_message_and_many_in_one_feed():
    data = encode(b"") + encode(b"a") + encode(b"bc")
    assert Decoder().feed(data) == [b"", b"a", b"bc"]
