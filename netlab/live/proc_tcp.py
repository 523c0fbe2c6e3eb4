"""The kernel's TCP socket table: the lines of /proc/net/tcp and /proc/net/tcp6.

Owns ``parse_line`` (one line of either file -> ``Socket``: local and remote address, the state
under its RFC 9293 name, the send and receive queues), the state codes of Linux's
include/net/tcp_states.h, and ``read_table`` (both files, the only function here that touches
the file system). Reading the table needs no root: every user may read it. No sockets here.

The kernel prints each address as the hexadecimal of its 32-bit words in the machine's byte
order (``0100007F:1F90`` is 127.0.0.1:8080 on a little-endian machine, IPv6 as four such
words) and the port in plain hexadecimal.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

#: Linux's state codes (include/net/tcp_states.h) -> RFC 9293 names. Code 0C
#: (TCP_NEW_SYN_RECV, a connection request not yet a socket) is printed as 03.
STATES = {
    0x01: "ESTABLISHED",
    0x02: "SYN-SENT",
    0x03: "SYN-RECEIVED",
    0x04: "FIN-WAIT-1",
    0x05: "FIN-WAIT-2",
    0x06: "TIME-WAIT",
    0x07: "CLOSED",
    0x08: "CLOSE-WAIT",
    0x09: "LAST-ACK",
    0x0A: "LISTEN",
    0x0B: "CLOSING",
}

#: Where the kernel's tables are; tests point this elsewhere to play a system without them.
PROC_ROOT = Path("/proc")
FILES = ("net/tcp", "net/tcp6")

Address = tuple[str, int]


@dataclass(frozen=True)
class Socket:
    """One row of the table. Addresses are ``(ip, port)``; an IPv4-mapped IPv6 address
    (``::ffff:127.0.0.1``) is given as plain IPv4, so one socket reads the same from either
    file."""

    local: Address
    remote: Address
    state: str
    tx_queue: int = 0  # bytes sent and not yet acknowledged (LISTEN: the accept queue length)
    rx_queue: int = 0  # bytes received and not yet read by the application
    inode: int = 0


def parse_address(text: str, byteorder: str = "little") -> Address:
    """``"0100007F:1F90"`` -> ``("127.0.0.1", 8080)``; 32 hex digits before the colon for IPv6.

    ``byteorder`` is the byte order of the machine that wrote the table (``sys.byteorder``).
    """
    host, sep, port = text.strip().partition(":")
    if not sep or len(host) not in (8, 32) or not port:
        raise ValueError(f"not an address of /proc/net/tcp: {text!r}")
    try:
        raw = bytes.fromhex(host)
        number = int(port, 16)
    except ValueError:
        raise ValueError(f"not an address of /proc/net/tcp: {text!r}") from None
    if byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    elif byteorder != "big":
        raise ValueError(f"byteorder must be 'little' or 'big', not {byteorder!r}")
    if not 0 <= number <= 0xFFFF:
        raise ValueError(f"port out of range in {text!r}")
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw)), number
    ip6 = ipaddress.IPv6Address(raw)
    mapped = ip6.ipv4_mapped
    return (str(mapped) if mapped is not None else ip6.compressed), number


def parse_state(code: str) -> str:
    """``"0A"`` -> ``"LISTEN"``."""
    try:
        return STATES[int(code, 16)]
    except (KeyError, ValueError):
        raise ValueError(f"not a TCP state code of /proc/net/tcp: {code!r}") from None


def parse_line(line: str, byteorder: str = "little") -> Socket | None:
    """One line of /proc/net/tcp or tcp6 -> a Socket; None for the header line and blank lines.

    Columns: ``sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
    timeout inode ...`` (a TIME-WAIT row has fewer after ``inode``).
    """
    fields = line.split()
    if not fields or fields[0] == "sl":
        return None
    if len(fields) < 4 or not fields[0].endswith(":"):
        raise ValueError(f"not a line of /proc/net/tcp: {line!r}")
    tx = rx = inode = 0
    if len(fields) > 4 and ":" in fields[4]:
        tx_text, _, rx_text = fields[4].partition(":")
        tx, rx = int(tx_text, 16), int(rx_text, 16)
    if len(fields) > 9 and fields[9].isdigit():
        inode = int(fields[9])
    return Socket(
        local=parse_address(fields[1], byteorder),
        remote=parse_address(fields[2], byteorder),
        state=parse_state(fields[3]),
        tx_queue=tx,
        rx_queue=rx,
        inode=inode,
    )


def parse_table(text: str, byteorder: str = "little") -> list[Socket]:
    """Every socket of one file's content."""
    return [s for s in (parse_line(line, byteorder) for line in text.splitlines()) if s]


def available(root: Path | None = None) -> bool:
    """True when this system has the table (Linux); macOS and Windows do not."""
    return (root or PROC_ROOT).joinpath(FILES[0]).is_file()


def read_table(
    root: Path | None = None, files: tuple[str, ...] = FILES, ports: tuple[int, ...] = ()
) -> list[Socket]:
    """The sockets of /proc/net/tcp and, if the kernel has IPv6, /proc/net/tcp6.

    ``files`` chooses the tables (an IPv4 socket is only ever in net/tcp). With ``ports``, only
    the lines that mention one of these ports are parsed: a busy machine lists thousands of
    sockets, and parsing them all would take longer than the kernel's delayed ACK.
    Raises FileNotFoundError when the first file does not exist.
    """
    base = root or PROC_ROOT
    marks = tuple(f":{port:04X} " for port in ports)
    sockets: list[Socket] = []
    for number, name in enumerate(files):
        try:
            content = base.joinpath(name).read_text("ascii")
        except FileNotFoundError:
            if number == 0:
                raise
            continue
        lines = content.splitlines()
        if marks:
            lines = [line for line in lines if any(mark in line for mark in marks)]
        sockets += [s for s in (parse_line(line, sys.byteorder) for line in lines) if s]
    return sockets


def find(table: list[Socket], local: Address, remote: Address) -> Socket | None:
    """The socket with this local and remote address, if the table has it."""
    for sock in table:
        if sock.local == local and sock.remote == remote:
            return sock
    return None
