"""Which TCP a simulated host runs: Linux's (the default) or the textbook's minimal one.

Owns ``Stack``, the handful of numbers and switches that make a capture of the model look like
a capture of a real host: the options of a SYN, the receive window and its scale, Nagle's
algorithm, the delayed-ACK rules and the retry limits. ``LINUX`` is what a Linux 6.x host sends
on Ethernet with its default sysctls; ``MINIMAL`` is the first-lesson view (the MSS option only,
no Nagle, every segment acknowledged at once). ``loopback`` derives the stack a live run on
127.0.0.1 sees. Also the TCP option arithmetic both the model and the views need (sizes of
options and headers, the window a scaled field stands for). Pure data: no time, no packets.

Sources: RFC 9293 (MSS, Nagle in section 3.7.4, delayed ACK in 3.8.6.3), RFC 7323 (Timestamps,
Window scale), RFC 2018 (SACK-permitted), RFC 6298 (RTO), and Linux's tcp_output.c /
tcp_input.c for the order of the options, the initial window, quick-ACK and ping-pong modes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: Half of Linux's default receive buffer (net.ipv4.tcp_rmem's middle value, 131072 bytes): the
#: space a new socket offers, rounded down to whole segments for the first window.
RECEIVE_SPACE = 65536
ETHERNET_MSS = 1460  # MTU 1500 - 20 (IPv4) - 20 (TCP)
LOOPBACK_MSS = 65495  # lo's MTU is 65536, but an IPv4 packet is at most 65535 bytes: - 20 - 20
TIMESTAMP_SPACE = 12  # NOP, NOP, Timestamps: what every segment after the SYNs carries

#: A TCP option's size in bytes (kind and length included), by scapy's name.
OPTION_SIZE = {"MSS": 4, "SAckOK": 2, "Timestamp": 10, "NOP": 1, "WScale": 3, "EOL": 1}
#: scapy's option names -> (kind number, the name Wireshark and the RFCs use).
OPTION_KIND = {
    "MSS": (2, "MSS"),
    "SAckOK": (4, "SACK_PERM"),
    "Timestamp": (8, "Timestamps"),
    "NOP": (1, "NOP"),
    "WScale": (3, "WScale"),
    "EOL": (0, "EOL"),
}

Options = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Stack:
    """One host's TCP: what it puts in its segments and when it sends them.

    ``wscale``: the shift this host announces (None: no Window scale option). ``delack_us``: the
    delayed-ACK timer once data has arrived (Linux's 40 ms minimum); ``delack_first_us``: the
    timer before any data has arrived, when Linux's ``ato`` is still 0 and the timer fires at
    the next tick (4 ms with the usual HZ=250). ``quickacks``: how many ACKs are sent at once at
    the start of a connection (TCP_MAX_QUICKACKS). ``syn_retries``/``synack_retries``: the
    retransmissions of a SYN / SYN,ACK before giving up (net.ipv4.tcp_syn_retries = 6,
    tcp_synack_retries = 5). ``rst_ack``: a reset sent from an open connection (close() with
    unread data) also carries ACK and the connection's options, as Linux's does. ``rto_min_us``:
    the floor of the retransmission timeout once the RTT is measured (``rto_us``).
    """

    name: str
    mss: int = ETHERNET_MSS
    sack: bool = True
    timestamps: bool = True
    wscale: int | None = 7  # Linux's shift with the default tcp_rmem maximum (6 MiB)
    nagle: bool = True
    delayed_ack: bool = True
    quickacks: int = 16
    delack_us: int = 40_000
    delack_first_us: int = 4_000
    syn_retries: int = 6
    synack_retries: int = 5
    rst_ack: bool = True  # a reset from an open socket is RST,ACK (Linux); RFC 9293: RST alone
    rto_min_us: int = 200_000  # Linux's TCP_RTO_MIN; RFC 6298 (2.4) says 1 s
    rto_rule: str = "linux"  # "linux": the floor applies to the variation; "rfc6298": to the RTO

    def rto_us(self, srtt_us: float, rttvar_us: float) -> int:
        """The retransmission timeout from the smoothed RTT and its variation (RFC 6298 2.2-2.4).
        Linux keeps the variation term at least ``rto_min`` (so about RTT + 200 ms); RFC 6298
        rounds the whole RTO up to its minimum of 1 s. Both cap it at 120 s (TCP_RTO_MAX)."""
        if self.rto_rule == "rfc6298":
            rto = max(self.rto_min_us, srtt_us + 4 * rttvar_us)
        else:
            rto = srtt_us + max(4 * rttvar_us, self.rto_min_us)
        return int(min(rto, 120_000_000))

    def syn_options(self, tsval: int, tsecr: int, *, peer: Options | None = None) -> Options:
        """The options of a SYN (``peer`` None) or of a SYN,ACK answering ``peer``'s SYN, in
        Linux's order: MSS, SACK-permitted, Timestamps, NOP, Window scale. A SYN,ACK offers
        only what the SYN offered."""
        offered = dict(peer) if peer is not None else None
        out: list[tuple[str, object]] = [("MSS", self.mss)]
        sack = self.sack and (offered is None or "SAckOK" in offered)
        stamps = self.timestamps and (offered is None or "Timestamp" in offered)
        scale = self.wscale is not None and (offered is None or "WScale" in offered)
        if sack and stamps:
            out += [("SAckOK", b""), ("Timestamp", (tsval, tsecr))]
        elif stamps:
            out += [("NOP", None), ("NOP", None), ("Timestamp", (tsval, tsecr))]
        elif sack:
            out += [("NOP", None), ("NOP", None), ("SAckOK", b"")]
        if scale:
            out += [("NOP", None), ("WScale", self.wscale)]
        return tuple(out)


LINUX = Stack("linux")
MINIMAL = Stack(
    "minimal",
    sack=False,
    timestamps=False,
    wscale=None,
    nagle=False,
    delayed_ack=False,
    rst_ack=False,
    rto_min_us=1_000_000,
    rto_rule="rfc6298",
)
STACKS = {"linux": LINUX, "minimal": MINIMAL}


def loopback(base: Stack = LINUX, *, wscale: int | None = None) -> Stack:
    """``base`` as a live run on 127.0.0.1 sees it: MSS 65495 and the window scale the kernel
    chose there (read from the captured SYN; None keeps ``base``'s)."""
    return replace(base, mss=LOOPBACK_MSS, wscale=base.wscale if wscale is None else wscale)


def options_size(options: Options) -> int:
    """Bytes the options take, padded to a multiple of 4 as the header needs."""
    raw = sum(OPTION_SIZE[name] for name, _value in options)
    return (raw + 3) // 4 * 4


def header_length(options: Options) -> int:
    """The TCP header's length with these options: 20 bytes plus the options."""
    return 20 + options_size(options)


def first_window(mss: int) -> int:
    """The window of a SYN or SYN,ACK: the receive space rounded down to whole segments of
    ``mss`` (the data a segment may carry), as Linux's tcp_select_initial_window does."""
    return RECEIVE_SPACE - RECEIVE_SPACE % mss if mss < RECEIVE_SPACE else min(mss, 65535)


def scaled_field(window: int, shift: int) -> int:
    """The 16-bit window field that announces ``window`` bytes with a scale of ``shift``:
    rounded up to a whole unit of 2**shift, as Linux does, so nothing is scaled away."""
    unit = 1 << shift
    return min(-(-window // unit), 65535)


def option_bytes(options: Options) -> bytes:
    """The options as they sit in the TCP header (RFC 9293 section 3.2 and RFC 7323), padded
    with EOL to a multiple of 4 bytes."""
    out = b""
    for name, value in options:
        if name == "MSS":
            out += bytes([2, 4]) + int(value).to_bytes(2, "big")  # type: ignore[call-overload]
        elif name == "SAckOK":
            out += bytes([4, 2])
        elif name == "Timestamp":
            tsval, tsecr = value  # type: ignore[misc]
            out += bytes([8, 10]) + int(tsval).to_bytes(4, "big") + int(tsecr).to_bytes(4, "big")
        elif name == "NOP":
            out += bytes([1])
        elif name == "WScale":
            out += bytes([3, 3, int(value)])  # type: ignore[call-overload]
        elif name == "EOL":
            out += bytes([0])
    return out + bytes(-len(out) % 4)


def option_list(options: Options) -> list[dict[str, object]]:
    """The options as the JSON contract lists them: ``{kind, name, value}`` in wire order."""
    out: list[dict[str, object]] = []
    for name, value in options:
        kind, label = OPTION_KIND[name]
        shown: object = None
        if name == "Timestamp":
            tsval, tsecr = value  # type: ignore[misc]
            shown = {"tsval": int(tsval), "tsecr": int(tsecr)}
        elif name in ("MSS", "WScale"):
            shown = int(value)  # type: ignore[arg-type]
        out.append({"kind": kind, "name": label, "value": shown})
    return out
