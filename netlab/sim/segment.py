"""A TCP segment as plain data, and sequence-number arithmetic.

Owns ``Segment`` (flags, numbers, payload, options, window: what the endpoints send, the
conversation records, ``netlab.sim.packets`` turns into a frame and the live capture reads back)
and the modulo-2**32 comparisons of RFC 9293 section 3.4. No scapy, no time.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.sim.stack import ETHERNET_MSS, Options, header_length

MOD = 2**32
DEFAULT_MSS = ETHERNET_MSS  # Ethernet MTU 1500 - 20 (IPv4) - 20 (TCP)
RECEIVE_WINDOW = 64240  # what Linux advertises in its SYN on Ethernet (44 segments of 1460)


def seq_add(a: int, n: int) -> int:
    """``a + n`` in sequence space."""
    return (a + n) % MOD


def seq_lt(a: int, b: int) -> bool:
    """``a < b`` in sequence space (RFC 9293 section 3.4 comparisons)."""
    return a != b and ((b - a) % MOD) < 2**31


def seq_le(a: int, b: int) -> bool:
    return a == b or seq_lt(a, b)


@dataclass(frozen=True)
class Segment:
    """A TCP segment as data: flags in scapy's spelling ("S", "SA", "A", "PA", "FA", "R", "RA").

    ``options`` are in wire order with scapy's names (``netlab.sim.stack.OPTION_KIND``);
    ``window`` is the 16-bit window field as sent (scaled after the handshake when both sides
    announced Window scale). ``mss`` given alone stands for a lone MSS option (older callers).
    """

    src: str
    dst: str
    flags: str
    seq: int
    ack: int
    payload: bytes = b""
    mss: int | None = None
    reason: str = ""  # key of the arc (or rule) that made the endpoint send it
    retransmission: bool = False
    options: Options = ()
    window: int = RECEIVE_WINDOW

    def __post_init__(self) -> None:
        if self.options and self.mss is None:
            found = next((v for k, v in self.options if k == "MSS"), None)
            object.__setattr__(self, "mss", found)
        elif self.mss is not None and not self.options:
            object.__setattr__(self, "options", (("MSS", self.mss),))

    @property
    def syn(self) -> bool:
        return "S" in self.flags

    @property
    def fin(self) -> bool:
        return "F" in self.flags

    @property
    def rst(self) -> bool:
        return "R" in self.flags

    @property
    def has_ack(self) -> bool:
        return "A" in self.flags

    @property
    def seg_len(self) -> int:
        """Sequence space the segment occupies: payload bytes, plus one each for SYN and FIN."""
        return len(self.payload) + int(self.syn) + int(self.fin)

    @property
    def header_len(self) -> int:
        """The TCP header's length in bytes, options included."""
        return header_length(self.options)

    @property
    def option_kinds(self) -> tuple[str, ...]:
        return tuple(name for name, _value in self.options)

    @property
    def tsval(self) -> int | None:
        stamp = next((v for k, v in self.options if k == "Timestamp"), None)
        return None if stamp is None else int(stamp[0])  # type: ignore[index]
