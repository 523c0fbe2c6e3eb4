"""The /proc/net/tcp and tcp6 parser, on sample lines as Linux writes them.

The IPv4 lines are copied from a real /proc/net/tcp (x86_64, little-endian); the IPv6 ones
from a real /proc/net/tcp6 (``::1`` and ``::`` sockets) and, for the global and the
IPv4-mapped addresses, written out by hand in the kernel's format (each 32-bit word of the
address printed as %08X of the word in host byte order). The state names are RFC 9293's, from
tests/rfc.py, so the test does not check netlab's table against itself.
"""

from __future__ import annotations

import ipaddress
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rfc import TCP_STATES

from netlab.live import proc_tcp
from netlab.live.proc_tcp import Socket, parse_address, parse_line, parse_state, parse_table

HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode                                                     "
)
HEADER6 = (
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
)
# A LISTEN and a TIME-WAIT line exactly as read on Linux 6.18 (a TIME-WAIT row is shorter).
LISTEN_ANY = (
    "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
    "0 1090 1 000000002ecdae75 100 0 0 10 0                      "
)
TIME_WAIT = (
    "   1: 0100007F:CF58 0100007F:847D 06 00000000:00000000 03:0000059D 00000000     0        "
    "0 0 3 00000000740f0c13                                      "
)
LISTEN6_LOOPBACK = (
    "   1: 00000000000000000000000001000000:E30F 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 474886 1 00000000d906a866 100 0 0 "
    "10 0"
)
ESTABLISHED6 = (
    "   2: 00000000000000000000000001000000:E30F 00000000000000000000000001000000:E4DE 01 "
    "00000000:00000000 00:00000000 00000000     0        0 474889 1 000000002d62c07f 20 0 0 "
    "10 -1"
)
MAPPED6 = (
    "   3: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 08 "
    "00000000:00000005 00:00000000 00000000  1000        0 5555 1 0000000000000000 20 4 30 "
    "10 -1"
)
GLOBAL6 = (
    "   4: B80D0120000000000000000001000000:01BB B80D0120000000000000000002000000:D431 04 "
    "00000001:00000000 01:00000014 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1"
)

#: Linux's include/net/tcp_states.h, written out: code -> RFC 9293 name.
LINUX_CODES = {
    "01": "ESTABLISHED",
    "02": "SYN-SENT",
    "03": "SYN-RECEIVED",
    "04": "FIN-WAIT-1",
    "05": "FIN-WAIT-2",
    "06": "TIME-WAIT",
    "07": "CLOSED",
    "08": "CLOSE-WAIT",
    "09": "LAST-ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


def line_with_state(code: str) -> str:
    """A line between 127.0.0.1:40000 and 127.0.0.1:8080 in the given state."""
    return (
        f"   7: 0100007F:9C40 0100007F:1F90 {code} 00000000:00000000 00:00000000 00000000  "
        "1000        0 123456 1 0000000000000000 20 4 30 10 -1"
    )


def test_every_code_01_to_0b_is_an_rfc_state():
    assert set(LINUX_CODES.values()) == set(TCP_STATES)
    for code, name in LINUX_CODES.items():
        sock = parse_line(line_with_state(code))
        assert sock is not None
        assert sock.state == name, code
        assert sock.local == ("127.0.0.1", 40000)
        assert sock.remote == ("127.0.0.1", 8080)
    assert set(proc_tcp.STATES) == {int(code, 16) for code in LINUX_CODES}


@pytest.mark.parametrize("code", ["00", "0C", "0D", "FF", "x1", ""])
def test_codes_outside_01_to_0b_are_rejected(code):
    with pytest.raises(ValueError):
        parse_state(code)


def test_lowercase_hex_is_read_too():
    assert parse_state("0a") == "LISTEN"
    assert parse_address("0100007f:1f90") == ("127.0.0.1", 8080)


def test_real_ipv4_lines():
    listen = parse_line(LISTEN_ANY)
    assert listen == Socket(("0.0.0.0", 2024), ("0.0.0.0", 0), "LISTEN", 0, 0, 1090)
    time_wait = parse_line(TIME_WAIT)
    assert time_wait == Socket(("127.0.0.1", 53080), ("127.0.0.1", 33917), "TIME-WAIT", 0, 0, 0)


def test_real_ipv6_lines():
    assert parse_line(LISTEN6_LOOPBACK) == Socket(("::1", 58127), ("::", 0), "LISTEN", 0, 0, 474886)
    established = parse_line(ESTABLISHED6)
    assert established.local == ("::1", 58127)
    assert established.remote == ("::1", 58590)
    assert established.state == "ESTABLISHED"


def test_ipv4_mapped_ipv6_reads_as_ipv4_with_its_queues():
    sock = parse_line(MAPPED6)
    assert sock.local == ("127.0.0.1", 8080)
    assert sock.remote == ("127.0.0.1", 50000)
    assert sock.state == "CLOSE-WAIT"
    assert (sock.tx_queue, sock.rx_queue) == (0, 5)


def test_global_ipv6_address():
    sock = parse_line(GLOBAL6)
    assert sock.local == ("2001:db8::1", 443)
    assert sock.remote == ("2001:db8::2", 54321)
    assert sock.state == "FIN-WAIT-1"
    assert sock.tx_queue == 1


def test_big_endian_machines_print_the_words_the_other_way_round():
    assert parse_address("7F000001:1F90", byteorder="big") == ("127.0.0.1", 8080)
    big6 = "20010DB8000000000000000000000001:0050"
    assert parse_address(big6, byteorder="big") == ("2001:db8::1", 80)
    with pytest.raises(ValueError):
        parse_address("7F000001:1F90", byteorder="middle")


def test_header_and_blank_lines_are_skipped():
    assert parse_line(HEADER) is None
    assert parse_line(HEADER6) is None
    assert parse_line("") is None
    assert parse_line("   ") is None


@pytest.mark.parametrize(
    "bad",
    [
        "garbage",
        "   0: 0100007F 0100007F:1F90 01",
        "   0: 0100007F:1F90 0100007F:1F90",
        "   0: 0100007:1F90 0100007F:1F90 01",
        "   0: ZZ00007F:1F90 0100007F:1F90 01",
        "   0: 0100007F:1F90 0100007F:1F90 0C",
        "   0: 0100007F:10000 0100007F:1F90 01",
    ],
)
def test_malformed_lines_raise(bad):
    with pytest.raises(ValueError):
        parse_line(bad)


def test_a_whole_file():
    table = parse_table("\n".join([HEADER, LISTEN_ANY, TIME_WAIT, line_with_state("0B")]) + "\n")
    assert [s.state for s in table] == ["LISTEN", "TIME-WAIT", "CLOSING"]
    assert proc_tcp.find(table, ("127.0.0.1", 40000), ("127.0.0.1", 8080)).state == "CLOSING"
    assert proc_tcp.find(table, ("127.0.0.1", 1), ("127.0.0.1", 2)) is None


def test_read_table_from_a_folder_standing_in_for_proc(tmp_path):
    net = tmp_path / "net"
    net.mkdir()
    assert not proc_tcp.available(tmp_path)
    (net / "tcp").write_text("\n".join([HEADER, LISTEN_ANY, line_with_state("01")]) + "\n")
    assert proc_tcp.available(tmp_path)
    # no tcp6: a kernel without IPv6 has none, and that is fine
    assert len(proc_tcp.read_table(tmp_path)) == 2
    (net / "tcp6").write_text("\n".join([HEADER6, MAPPED6]) + "\n")
    everything = proc_tcp.read_table(tmp_path)
    assert [s.state for s in everything] == ["LISTEN", "ESTABLISHED", "CLOSE-WAIT"]
    # only the lines that mention a port are parsed when ports are given
    only = proc_tcp.read_table(tmp_path, ports=(0x9C40,))
    assert [s.local for s in only] == [("127.0.0.1", 40000)]
    with pytest.raises(FileNotFoundError):
        proc_tcp.read_table(tmp_path / "nowhere")


# -- property tests: the kernel's formatting, read back ---------------------------------------


def kernel_ipv4(address: ipaddress.IPv4Address, port: int) -> str:
    """How a little-endian Linux prints an IPv4 address and port (seq_printf "%08X:%04X")."""
    word = struct.unpack("<I", address.packed)[0]
    return f"{word:08X}:{port:04X}"


def kernel_ipv6(address: ipaddress.IPv6Address, port: int) -> str:
    words = struct.unpack("<4I", address.packed)
    return "".join(f"{w:08X}" for w in words) + f":{port:04X}"


@given(st.ip_addresses(v=4), st.integers(0, 65535))
def test_ipv4_round_trip(address, port):
    assert parse_address(kernel_ipv4(address, port)) == (str(address), port)


@given(st.ip_addresses(v=6), st.integers(0, 65535))
def test_ipv6_round_trip(address, port):
    mapped = address.ipv4_mapped
    expected = str(mapped) if mapped is not None else address.compressed
    assert parse_address(kernel_ipv6(address, port)) == (expected, port)
