"""Wireshark's words for a TCP segment: the flag names, the Info line, a capture's columns.

Owns how netlab writes a segment the way Wireshark 4.0 shows it, so every scenario's summaries
are tshark's and every view that names flags says it the same way: flag names in Wireshark's
order (FIN, SYN, RST, PSH, ACK, URG), and ``51000 → 80 [SYN, ACK] Seq=0 Ack=1 Win=64240 Len=0
MSS=1460`` with numbers relative to the ISNs. ``Capture`` gives the Protocol and Info columns
of every TCP frame of a capture file as tshark 4.0.17 prints them: its sequence analysis (the
``[TCP Retransmission]``, ``[TCP Dup ACK 3#1]`` ... labels), the window scale once the SYNs
are seen, and the application above (``netlab.sim.http_info``). The handshake, close and tcp
scenarios (``conversation.wireshark_columns``), layers and journey use it. Not modelled:
reassembly across a segment missing from the capture (every scenario captures every frame,
lost ones included). Pure text; no scapy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlab.sim import http_info
from netlab.sim.http_info import HTTP_PORTS, HttpConversation
from netlab.sim.segment import Segment

MOD = 2**32

#: scapy's flag letters and Wireshark's names, in the order Wireshark lists them
TCP_FLAG_NAMES = (
    ("F", "FIN"),
    ("S", "SYN"),
    ("R", "RST"),
    ("P", "PSH"),
    ("A", "ACK"),
    ("U", "URG"),
)


def flag_names(flags: str, sep: str = ", ") -> str:
    """scapy's flag string to Wireshark's names: "SA" -> "SYN, ACK", "FA" -> "FIN, ACK"."""
    return sep.join(name for letter, name in TCP_FLAG_NAMES if letter in flags)


def tcp_info(
    sport: int,
    dport: int,
    flags: str,
    seq: int,
    ack: int,
    length: int,
    *,
    window: int = 64240,
    mss: int | None = None,
    options: tuple = (),
) -> str:
    """The Info column of a TCP segment; ``seq`` and ``ack`` already relative to the ISNs (taken
    modulo 2**32), ``window`` as Wireshark calculates it (the field times the sender's window
    scale, once the handshake has shown both scales). Ack is shown only when the ACK flag is
    set; then the options, as scapy names them in ``options`` (or a lone ``mss``), in
    Wireshark's words: ``MSS=1460 SACK_PERM TSval=… TSecr=… WS=128``."""
    text = f"{sport} → {dport} [{flag_names(flags)}] Seq={seq % MOD}"
    if "A" in flags:
        text += f" Ack={ack % MOD}"
    text += f" Win={window} Len={length}"
    for name, value in options or ((("MSS", mss),) if mss else ()):
        if name == "MSS":
            text += f" MSS={value}"
        elif name == "SAckOK":
            text += " SACK_PERM"
        elif name == "Timestamp":
            text += f" TSval={value[0]} TSecr={value[1]}"
        elif name == "WScale":
            text += f" WS={2**value}"
    return text


# -- a whole capture: tshark's TCP analysis and the dissector on top ----------------------------

#: tshark's sequence-analysis labels, in the order it writes them into the Info column: each is
#: put in front of what is there, so when one segment gets several the last one comes first
#: ("[TCP ZeroWindow] [TCP Keep-Alive] ...")
RETRANSMISSION = "[TCP Retransmission]"
LOST_SEGMENT = "[TCP Previous segment not captured]"
ACKED_UNSEEN = "[TCP ACKed unseen segment]"
KEEP_ALIVE = "[TCP Keep-Alive]"
WINDOW_UPDATE = "[TCP Window Update]"
WINDOW_FULL = "[TCP Window Full]"
KEEP_ALIVE_ACK = "[TCP Keep-Alive ACK]"
DUP_ACK = "[TCP Dup ACK {frame}#{count}]"
ZERO_WINDOW_PROBE = "[TCP ZeroWindowProbe]"
ZERO_WINDOW = "[TCP ZeroWindow]"
ZERO_WINDOW_PROBE_ACK = "[TCP ZeroWindowProbeAck]"
SPURIOUS = "[TCP Spurious Retransmission]"
FAST_RETRANSMISSION = "[TCP Fast Retransmission]"
OUT_OF_ORDER = "[TCP Out-Of-Order]"
PORTS_REUSED = "[TCP Port numbers reused]"
LABEL_ORDER = (
    RETRANSMISSION,
    FAST_RETRANSMISSION,
    SPURIOUS,
    OUT_OF_ORDER,
    PORTS_REUSED,
    LOST_SEGMENT,
    ACKED_UNSEEN,
    WINDOW_UPDATE,
    WINDOW_FULL,
    KEEP_ALIVE,
    KEEP_ALIVE_ACK,
    DUP_ACK,
    ZERO_WINDOW_PROBE,
    ZERO_WINDOW,
    ZERO_WINDOW_PROBE_ACK,
)
OUT_OF_ORDER_S = 0.003  # before the first RTT is known
FAST_RETRANSMISSION_S = 0.020  # after the duplicate ACKs
NO_WINDOW = 2**32 - 1  # a flow's window before its first segment


def _printed_last_first(label: str) -> int:
    """Where a label ends up: tshark writes them in ``LABEL_ORDER``, each in front of the
    others."""
    kind = DUP_ACK if label.startswith("[TCP Dup ACK") else label
    return -LABEL_ORDER.index(kind)


def _gt(a: int, b: int) -> bool:
    return a != b and (a - b) % MOD < 2**31


def _lt(a: int, b: int) -> bool:
    return _gt(b, a)


@dataclass
class _Flow:
    """One direction of a conversation, as tshark tracks it. ``nextseq`` 0 means "nothing
    seen yet", as in tshark (a stream whose next number really is 0 fools both)."""

    base_seq: int | None = None
    win_scale: int = -1  # -1: unknown (no SYN seen), -2: not used, else the shift
    nextseq: int = 0
    nextseq_time: float = 0.0
    max_to_ack: int = 0
    lastack: int = 0
    lastack_time: float = 0.0
    window: int = NO_WINDOW
    dupacks: int = 0
    last_nondup: int = 0
    labels: frozenset[str] = frozenset()
    stream_next: int | None = None  # the next payload byte handed to the dissector above


@dataclass
class _Conversation:
    flows: dict[tuple[str, int], _Flow] = field(default_factory=dict)
    syn_time: float | None = None
    first_rtt: float | None = None
    http: HttpConversation | None = None


class Capture:
    """tshark's Protocol and Info columns for the frames of one capture file, fed in file order
    (``tcp`` for each TCP segment, ``skip`` for every other frame, which only counts).

    Per conversation it keeps what tshark's TCP sequence analysis keeps (relative numbers from
    the first segment, the window scale once the SYNs are seen, the next expected number, the
    last ACK and window) and writes the same labels in front of the Info text: a segment that
    does not advance the sequence numbers is a retransmission (fast, spurious or out of order in
    their cases), a pure ACK that repeats the last one is a duplicate ACK of the last other one,
    and so on. Payload on an HTTP port goes through ``netlab.sim.http_info``. Pure."""

    def __init__(self) -> None:
        self.frame = 0
        self._conversations: dict[frozenset[tuple[str, int]], _Conversation] = {}

    def skip(self, frames: int = 1) -> None:
        """Frames of other protocols: they only move the frame numbers on."""
        self.frame += frames

    def tcp(
        self, time: float, src: tuple[str, int], dst: tuple[str, int], seg: Segment
    ) -> tuple[str, str]:
        """(Protocol, Info) of the next frame, a TCP segment from ``src`` to ``dst`` (address,
        port) captured at ``time`` seconds."""
        self.frame += 1
        key = frozenset((src, dst))
        conv = self._conversations.get(key)
        labels: list[str] = []
        if conv is not None and seg.syn and not seg.has_ack:
            known = conv.flows.get(src)
            if known is not None and known.base_seq is not None and known.base_seq != seg.seq:
                conv = None  # a new connection on the same ports
                labels.append(PORTS_REUSED)
        if conv is None:
            conv = _Conversation(http=HttpConversation() if {src[1], dst[1]} & HTTP_PORTS else None)
            self._conversations[key] = conv
        fwd = conv.flows.setdefault(src, _Flow())
        rev = conv.flows.setdefault(dst, _Flow())
        labels += self._analyse(conv, fwd, rev, time, seg)
        self._window_scale(fwd, rev, seg)
        window = seg.window
        if not seg.syn and fwd.win_scale >= 0:
            window <<= fwd.win_scale
        text = tcp_info(
            src[1],
            dst[1],
            seg.flags,
            seg.seq - (fwd.base_seq or 0),
            seg.ack - (rev.base_seq or 0),
            len(seg.payload),
            window=window,
            options=seg.options,
        )
        prefix = "".join(f"{label} " for label in sorted(labels, key=_printed_last_first))
        column = self._dissect(conv, fwd, src, seg)
        if column.protocol is not None:
            return column.protocol, prefix + str(column.info)
        if column.pending:
            return "TCP", f"{prefix}{column.info or text} {http_info.REASSEMBLED}"
        return "TCP", prefix + text

    @staticmethod
    def _window_scale(fwd: _Flow, rev: _Flow, seg: Segment) -> None:
        """A SYN says whether its sender scales its window; without the option neither side
        does (nor when only the SYN,ACK has it)."""
        if not seg.syn:
            return
        shift = dict(seg.options).get("WScale")
        if shift is not None:
            fwd.win_scale = min(int(shift), 14)  # type: ignore[call-overload]
        if fwd.win_scale == -1:
            fwd.win_scale = rev.win_scale = -2
        elif seg.has_ack and rev.win_scale == -2:
            fwd.win_scale = -2

    def _dissect(
        self, conv: _Conversation, fwd: _Flow, src: object, seg: Segment
    ) -> http_info.Column:
        """The payload handed to the dissector above TCP, in order and once (retransmitted
        bytes are not dissected again): HTTP on its ports, or on any other port from the first
        segment whose first line names HTTP/1.x (tshark's HTTP heuristic)."""
        if not (seg.payload or seg.fin):
            return http_info.PLAIN
        if fwd.stream_next is None:
            fwd.stream_next = seg.seq % MOD
        if seg.seq % MOD != fwd.stream_next:
            return http_info.PLAIN
        fwd.stream_next = (seg.seq + len(seg.payload)) % MOD
        if conv.http is None and http_info.heuristic(seg.payload):
            conv.http = HttpConversation()
        if conv.http is None:
            return http_info.PLAIN
        return conv.http.feed(src, seg.payload, end_of_stream=seg.fin)

    def _analyse(
        self, conv: _Conversation, fwd: _Flow, rev: _Flow, time: float, seg: Segment
    ) -> list[str]:
        """tshark's tcp_analyze_sequence_number for one segment: its labels, in the order found;
        updates both flows."""
        found: list[str] = []
        seq, ack, window = seg.seq % MOD, seg.ack % MOD, seg.window
        seglen = len(seg.payload)
        control = seg.syn or seg.fin or seg.rst
        if fwd.base_seq is None:
            fwd.base_seq = seq if seg.syn else (seq - 1) % MOD
        if rev.base_seq is None and seg.has_ack:
            rev.base_seq = (ack - 1) % MOD
        if seg.syn and not seg.has_ack:
            conv.syn_time = time
        elif seg.has_ack and not seg.syn and conv.syn_time is not None and conv.first_rtt is None:
            conv.first_rtt = time - conv.syn_time
        repeats = (
            seglen == 0
            and seq == fwd.nextseq
            and ack == fwd.lastack
            and not control
            and window == fwd.window
        )
        if seglen == 1 and seq == fwd.nextseq and rev.window == 0:
            found.append(ZERO_WINDOW_PROBE)
        else:
            if window == 0 and not control:
                found.append(ZERO_WINDOW)
            if fwd.nextseq and _gt(seq, fwd.nextseq) and not seg.rst:
                found.append(LOST_SEGMENT)
            if seglen <= 1 and seq == (fwd.nextseq - 1) % MOD and not control:
                found.append(KEEP_ALIVE)
            if (
                seglen == 0
                and window
                and window != fwd.window
                and seq == fwd.nextseq
                and ack == fwd.lastack
                and not control
            ):
                found.append(WINDOW_UPDATE)
            scale = max(rev.win_scale, 0)
            if (
                seglen > 0
                and rev.win_scale != -1
                and (seq + seglen) % MOD == (rev.lastack + (rev.window << scale)) % MOD
                and not control
            ):
                found.append(WINDOW_FULL)
            if repeats and window and KEEP_ALIVE in rev.labels:
                found.append(KEEP_ALIVE_ACK)
            elif repeats and window == 0 and ZERO_WINDOW_PROBE in rev.labels:
                found.append(ZERO_WINDOW_PROBE_ACK)
            elif repeats and window:
                # -1: an ACKed unseen segment was reported; the count starts again
                fwd.dupacks = 1 if fwd.dupacks == -1 else fwd.dupacks + 1
                found.append(DUP_ACK.format(frame=fwd.last_nondup, count=fwd.dupacks))
        if ack != fwd.lastack:  # a new ACK number: later duplicates count from this frame
            fwd.last_nondup = self.frame
            fwd.dupacks = 0
        if rev.max_to_ack and _gt(ack, rev.max_to_ack) and seg.has_ack:
            # reported once: again only after the other side has moved on
            if rev.max_to_ack > rev.nextseq:
                rev.max_to_ack = rev.nextseq
                found.append(ACKED_UNSEEN)
            else:
                if rev.dupacks == 0:
                    found.append(ACKED_UNSEEN)
                rev.dupacks = -1
        if (seglen or seg.syn or seg.fin) and KEEP_ALIVE not in found:
            found += self._resent(conv, fwd, rev, time, seg)
        nextseq = (seq + seglen + int(seg.syn or seg.fin)) % MOD
        probe = ZERO_WINDOW_PROBE in found
        if (_gt(nextseq, fwd.nextseq) or not fwd.nextseq) and not probe:
            fwd.nextseq, fwd.nextseq_time = nextseq, time
        if (seq == fwd.max_to_ack or not fwd.max_to_ack) and not probe:
            fwd.max_to_ack = fwd.nextseq
        fwd.window, fwd.lastack, fwd.lastack_time = window, ack, time
        fwd.labels = frozenset(found)
        return found

    @staticmethod
    def _resent(
        conv: _Conversation, fwd: _Flow, rev: _Flow, time: float, seg: Segment
    ) -> list[str]:
        """The retransmission family, for a segment that carries data, SYN or FIN."""
        seq, seglen = seg.seq % MOD, len(seg.payload)
        behind = bool(fwd.nextseq) and _lt(seq, fwd.nextseq)
        if seglen > 1 and (fwd.nextseq - 1) % MOD == seq:
            behind = False
        if seglen > 0 and rev.lastack and not _gt((seq + seglen) % MOD, rev.lastack):
            return [SPURIOUS]
        if not behind:
            return []
        if (
            rev.dupacks >= 2
            and rev.lastack == seq
            and time - rev.lastack_time < FAST_RETRANSMISSION_S
        ):
            return [FAST_RETRANSMISSION]
        threshold = conv.first_rtt if conv.first_rtt else OUT_OF_ORDER_S
        ends = (seq + seglen + int(seg.syn or seg.fin)) % MOD
        if time - fwd.nextseq_time < threshold and fwd.nextseq != ends:
            return [OUT_OF_ORDER]
        return [RETRANSMISSION]
