"""The real segments of a live run, captured on the loopback interface with scapy.

Owns ``probe`` (may this process capture? root or CAP_NET_RAW is needed;
``NETLAB_LIVE_NO_CAPTURE=1`` plays a process that may not), ``Capture`` (scapy's
``AsyncSniffer`` on "lo"), ``wanted`` (which frames to keep), ``to_trace`` (the kept frames as
a ``Trace`` that every view of netlab draws, with the real ISNs) and ``save`` (the frames as a
pcap file with their real timestamps).

Capturing uses no BPF filter, so it needs no tcpdump to compile one: every frame on "lo" reaches
the socket, and ``wanted`` keeps the IPv4/TCP frames between the run's two ports, looking at the
raw bytes before scapy decodes anything. The loopback device shows each frame twice, once as it
leaves (packet type PACKET_OUTGOING) and once as it arrives (PACKET_HOST); ``wanted`` keeps the
outgoing copy, stamped when the sender's kernel sent it. This module imports scapy (it is the
one place outside ``netlab.sim.packets`` that does: capturing touches the kernel, building does
not); the capture socket and sniffer are imported only when a capture starts (Linux only).
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from netlab.i18n import Note
from netlab.sim.segment import Segment
from netlab.sim.trace import Node, Step, Trace

NO_CAPTURE_ENV = "NETLAB_LIVE_NO_CAPTURE"
INTERFACE = "lo"
LOOPBACK_MAC = "00:00:00:00:00:00"
PACKET_HOST = 0
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33
BUFFER = 8 * 1024 * 1024  # receive buffer of the capture socket: a busy "lo" must not drop
START_TIMEOUT = 2.0
MOD = 2**32


def probe(environ: dict[str, str] | None = None) -> Note | None:
    """None when this process may capture on "lo"; otherwise why not, as a Note."""
    env = os.environ if environ is None else environ
    if env.get(NO_CAPTURE_ENV, "") not in ("", "0"):
        return Note("live.capture.disabled", {"var": NO_CAPTURE_ENV})
    family = getattr(socket, "AF_PACKET", None)
    if family is None:
        return Note("live.capture.unsupported")
    try:
        probe_socket = socket.socket(family, socket.SOCK_RAW, socket.htons(0x0003))
    except PermissionError as exc:
        return Note("live.capture.no_permission", {"reason": exc.strerror or str(exc)})
    except OSError as exc:
        return Note("live.capture.failed", {"reason": exc.strerror or str(exc)})
    try:
        probe_socket.bind((INTERFACE, 0))
    except OSError as exc:
        return Note("live.capture.no_loopback", {"reason": exc.strerror or str(exc)})
    finally:
        probe_socket.close()
    return None


def wanted(frame: bytes, packet_type: int, ports: tuple[int, int]) -> bool:
    """Keep an Ethernet/IPv4/TCP frame between the two ports (either way), once: the outgoing
    copy of the two that loopback shows."""
    if packet_type != PACKET_OUTGOING or len(frame) < 34:
        return False
    if frame[12:14] != b"\x08\x00" or frame[14] >> 4 != 4 or frame[23] != 6:
        return False
    start = 14 + (frame[14] & 0x0F) * 4
    if len(frame) < start + 4:
        return False
    sport, dport = struct.unpack_from("!HH", frame, start)
    return {sport, dport} == set(ports) and sport != dport


@dataclass
class Captured:
    """What a capture produced: the frames (scapy packets with ``.time``, in order), and how
    many frames the kernel dropped because the capture could not keep up."""

    frames: list[Any] = field(default_factory=list)
    dropped: int = 0


class Capture:
    """An AsyncSniffer on "lo" for one conversation. ``start`` returns once it is listening."""

    def __init__(self) -> None:
        self._sniffer: Any = None
        self._socket: Any = None

    def start(self, client_port: int, server_port: int) -> None:
        import netlab.sim.packets  # noqa: F401  (first: scapy's layers without its IPv6 stack)

        # isort: split
        from scapy.arch.linux import L2ListenSocket, get_last_packet_timestamp
        from scapy.sendrecv import AsyncSniffer

        ports = (client_port, server_port)

        class ConversationSocket(L2ListenSocket):
            """Hands scapy only the frames ``wanted`` keeps; the others are never decoded."""

            def recv_raw(self, x: int = 65535 + 14):  # type: ignore[override]
                data, sa_ll, ts = self._recv_raw(self.ins, x)
                if not data or not wanted(data, sa_ll[2], ports):
                    return None, None, None
                if ts is None:
                    ts = get_last_packet_timestamp(self.ins)
                return self.LL, data, ts

        self._socket = ConversationSocket(iface=INTERFACE, nofilter=1)
        for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
            try:
                self._socket.ins.setsockopt(socket.SOL_SOCKET, option, BUFFER)
                break
            except OSError:
                continue
        self._statistics()  # reset the kernel's counters
        ready = threading.Event()
        self._sniffer = AsyncSniffer(
            opened_socket=self._socket, store=True, started_callback=ready.set
        )
        self._sniffer.start()
        ready.wait(START_TIMEOUT)

    def _statistics(self) -> int:
        """Frames dropped since the last call (reading PACKET_STATISTICS resets it)."""
        try:
            raw = self._socket.ins.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        except (OSError, AttributeError):
            return 0
        _received, dropped = struct.unpack("II", raw)
        return dropped

    def stop(self) -> Captured:
        """Stop sniffing; return the frames. Safe to call more than once."""
        result = Captured()
        if self._sniffer is not None:
            sniffer, self._sniffer = self._sniffer, None
            with contextlib.suppress(Exception):  # not running any more: results are there
                sniffer.stop(join=True)
            result.frames = list(getattr(sniffer, "results", None) or [])
        if self._socket is not None:
            result.dropped = self._statistics()
            self._socket.close()
            self._socket = None
        return result


# -- from frames to a Trace -------------------------------------------------------------------


@dataclass(frozen=True)
class Wire:
    """One captured TCP segment as plain data (what ``to_trace`` needs from a frame)."""

    time: float
    sport: int
    dport: int
    flags: str
    seq: int
    ack: int
    payload: bytes
    mss: int | None
    options: tuple[tuple[str, Any], ...] = ()
    window: int = 0


def wire(frame: Any) -> Wire:
    from scapy.layers.inet import TCP

    tcp = frame[TCP]
    options = tuple((k, v) for k, v in tcp.options)
    mss = next((v for k, v in options if k == "MSS"), None)
    return Wire(
        time=float(frame.time),
        sport=int(tcp.sport),
        dport=int(tcp.dport),
        flags=str(tcp.flags),
        seq=int(tcp.seq),
        ack=int(tcp.ack),
        payload=bytes(tcp.payload),
        mss=mss,
        options=options,
        window=int(tcp.window),
    )


def isns(wires: Iterable[Wire], client_port: int) -> dict[str, int]:
    """The real initial sequence numbers: the seq of the client's SYN and of the server's
    SYN-ACK (only those that were captured)."""
    found: dict[str, int] = {}
    for w in wires:
        if "S" in w.flags:
            found.setdefault("client" if w.sport == client_port else "server", w.seq)
    return found


def relative(w: Wire, src: str, isn: dict[str, int]) -> dict[str, Any]:
    """seq and ack as Wireshark shows them by default: counted from each side's ISN."""
    dst = "server" if src == "client" else "client"
    seq = (w.seq - isn[src]) % MOD if src in isn else None
    ack = (w.ack - isn[dst]) % MOD if dst in isn and "A" in w.flags else None
    return {"seq": seq, "ack": ack}


def to_trace(
    frames: list[Any],
    *,
    scenario: str,
    client: tuple[str, int],
    server: tuple[str, int],
    since: float,
    until: float,
    origin: float,
) -> Trace:
    """The frames sent between ``since`` and ``until`` (wall-clock seconds) as a Trace: one
    step per segment, times counted from ``origin``, the real ISNs in ``params``. States are
    left for ``netlab.live.compare`` to fill in from the kernel's table."""
    wires = [wire(f) for f in frames]
    isn = isns(wires, client[1])
    steps: list[Step] = []
    for frame, w in zip(frames, wires, strict=True):
        if not since <= w.time <= until:
            continue
        src = "client" if w.sport == client[1] else "server"
        dst = "server" if src == "client" else "client"
        rel = relative(w, src, isn)
        steps.append(
            Step(
                index=len(steps) + 1,
                time=round(w.time - origin, 6),
                src=src,
                dst=dst,
                packet=frame,
                summary=w.flags,
                notes=[
                    Note(
                        "live.segment.numbers",
                        {
                            "seq": w.seq,
                            "ack": w.ack,
                            "rel_seq": "-" if rel["seq"] is None else rel["seq"],
                            "rel_ack": "-" if rel["ack"] is None else rel["ack"],
                            "len": len(w.payload),
                        },
                    )
                ],
                segment=Segment(
                    src, dst, w.flags, w.seq, w.ack, w.payload, options=w.options, window=w.window
                ),
            )
        )
    header = [
        Note(
            "tcp.header.endpoints",
            {"client": f"{client[0]}:{client[1]}", "server": f"{server[0]}:{server[1]}"},
        ),
    ]
    if "client" in isn and "server" in isn:
        header.append(
            Note("tcp.header.isns", {"isn_client": isn["client"], "isn_server": isn["server"]})
        )
    return Trace(
        scenario=scenario,
        nodes=[
            Node("client", "client", client[0], LOOPBACK_MAC, client[1]),
            Node("server", "server", server[0], LOOPBACK_MAC, server[1]),
        ],
        steps=steps,
        title=Note("live.capture.title"),
        header=header,
        params={
            "isn_client": isn.get("client"),
            "isn_server": isn.get("server"),
            "wscale": next(
                (int(v) for w in wires if "S" in w.flags for k, v in w.options if k == "WScale"),
                None,
            ),
        },
    )


def save(frames: list[Any], path: Path, waiting: Callable[[float], None] | None = None) -> int:
    """Write the frames to a pcap file (link type Ethernet, the real timestamps; ``STDOUT``:
    to standard output); return how many. Written as ``netlab.files.atomic_write`` decides: an
    error leaves no partial file; a FIFO or device is written through."""
    from scapy.utils import PcapWriter

    from netlab.files import atomic_write, reported

    with reported(path), atomic_write(path, waiting) as tmp:
        writer = PcapWriter(str(tmp), linktype=1, sync=False)
        try:
            for frame in frames:
                stamped = frame.copy()
                stamped.time = Decimal(str(frame.time))
                writer.write(stamped)
        finally:
            writer.close()
    return len(frames)
