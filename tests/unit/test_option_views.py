"""``--detail`` and ``--hexdump`` on the Linux stack's segments: each TCP option explained once,
each option's bytes located, a frame's size said as captured and as on the wire."""

from __future__ import annotations

import io
import re

from rich.console import Console

from netlab.sim import connection, handshake
from netlab.sim.hosts import TcpParams
from netlab.sim.packets import frame_bytes
from netlab.sim.stack import MINIMAL
from netlab.views import detail, hexdump

#: Option kind byte and length byte of each option, as RFC 793 / 2018 / 7323 define them.
KIND_AND_LENGTH = {"MSS": (2, 4), "SACK_PERM": (4, 2), "Timestamps": (8, 10), "WScale": (3, 3)}


def plain(renderable) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


def test_hexdump_locates_each_option_in_the_frame_bytes():
    trace = handshake.build(TcpParams())
    syn = trace.steps[0]
    data = frame_bytes(syn.packet)
    out = plain(hexdump.step_hexdump(syn, "en"))
    located = re.findall(r"(\w+) bytes? (\d+)(?:-(\d+))?", out.split("TCP options:")[1])
    assert [name for name, *_ in located[:5]] == ["MSS", "SACK_PERM", "Timestamps", "NOP", "WScale"]
    for name, start, end in located[:5]:
        start = int(start)
        if name == "NOP":
            assert data[start] == 1 and not end
            continue
        kind, length = KIND_AND_LENGTH[name]
        assert (data[start], data[start + 1]) == (kind, length)
        assert int(end) - start + 1 == length


def test_detail_explains_each_option_once_and_the_scaled_window():
    trace = connection.build(TcpParams(), [b"hi"], [b"ok"])
    out = plain(detail.detail(trace, "en"))
    for start in ("MSS 1460:", "SACK permitted:", "Timestamps TSval=", "NOP:", "Window scale 7:"):
        assert out.count(f"• {start}") == 1, start
    assert out.count("Window field 502 × 128 = 64256 bytes") == 1


def test_frame_sizes_below_60_bytes_are_said_padded():
    assert detail.frame_size(54, "en") == (
        "captured size 54 bytes, padded to 60 + 4-byte FCS on the wire"
    )
    assert (
        detail.frame_size(66, "en") == "66 bytes as captured (70 on the wire with the 4-byte FCS)"
    )
    assert "60" in detail.frame_size(54, "zh") and "FCS" in detail.frame_size(54, "zh")
    minimal = connection.build(TcpParams(stack=MINIMAL), [], [])
    ack = minimal.steps[2]
    assert len(frame_bytes(ack.packet)) == 54
    assert "padded to 60" in plain(detail.step_detail(minimal, ack, "en"))


def test_option_bytes_are_scapys():
    """netlab writes the options itself where it computes checksums without scapy (nat)."""
    from scapy.layers.inet import IP, TCP

    from netlab.sim.stack import LINUX, option_bytes

    for options in (
        LINUX.syn_options(123456, 0),
        LINUX.syn_options(5, 6, peer=LINUX.syn_options(1, 0)),
        (("NOP", None), ("NOP", None), ("Timestamp", (2**32 - 1, 7))),
        (("MSS", 536),),
    ):
        raw = bytes(IP(src="192.0.2.1", dst="192.0.2.2") / TCP(options=list(options)))[40:]
        assert option_bytes(options) == raw, options
