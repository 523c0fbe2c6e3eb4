"""Drawing ``netlab demo sticky``: each part's send()/recv() table, what it shows, the lesson.

Owns the report (rich, plain ASCII when the terminal can't do more), the JSON document of
``--json`` and the warning for a non-loopback host, for TCP and for the same sends over UDP
(``--udp``: each datagram, the flags ``recvmsg()`` returned, what was left). Reads the plain
records of ``netlab.demos.sticky`` (``Result``, ``Part``, ``Chunk``) and never touches a
socket.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from netlab.i18n import text

if TYPE_CHECKING:
    from netlab.demos.sticky import Chunk, Part, Result

NUMBER = {"merged": 1, "split": 2, "header": 3, "ack": 4, "datagrams": 1, "truncated": 2}
NARROW = 28  # the fewest columns of data shown before a long chunk is cut
OTHER_COLUMNS = 54  # what the other columns and the "... (+N bytes)" note take
MAX_ROWS = 40  # a longer table shows its first HEAD and last TAIL rows (--json has them all)
HEAD, TAIL = 30, 8
REMEMBER = {
    "merged": ("stream", "nagle"),
    "split": ("split", "try"),
    "header": ("stream", "header"),
    "ack": ("stream", "ack"),
    "datagrams": ("udp_boundaries",),
    "truncated": ("udp_trunc", "udp_vs_tcp"),
}
ASSUMED_RTT_MS = 20  # the network round-trip time the ack fix's cost is projected onto


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def shown(data: bytes, lang: str, room: int = NARROW) -> str:
    """Bytes as Python writes them, cut when long: ``b'hello-1hello-2'``."""
    if not data:
        return f"b''  {text('demo.sticky.eof', lang)}"
    if len(repr(data)) <= room + 6:
        return repr(data)
    cut = room
    while len(repr(data[:cut])) > room:  # escapes such as \x00 take 4 columns each
        cut -= 1
    return f"{data[:cut]!r} {text('demo.sticky.more_bytes', lang, count=len(data) - cut)}"


# -- the table of calls ----------------------------------------------------------------------


def _row(number: int, chunk: Chunk, lang: str, room: int) -> list[str]:
    if chunk.role == "empty":  # UDP: nothing was queued
        data = text("demo.sticky.udp.empty", lang)
    else:
        data = shown(chunk.data, lang, room)
    if chunk.role and chunk.role != "empty":
        data += f"  {text(f'demo.sticky.role.{chunk.role}', lang)}"
    if chunk.flags:
        flags = " ".join(chunk.flags)
        if chunk.size is not None:
            data += f"  {text('demo.sticky.udp.flags_size', lang, flags=flags, size=chunk.size)}"
        else:
            data += f"  {flags}"
    return [
        str(number),
        ms(chunk.time),
        text(f"role.{chunk.side}", lang),
        f"{chunk.call}()",
        str(len(chunk.data)),
        data,
    ]


def chunk_table(part: Part, lang: str, width: int = 80) -> Table:
    """One row per send() and recv() call, in the order they happened; long data is cut to
    what fits a console ``width`` columns wide."""
    table = Table(header_style="bold underline", box=None, pad_edge=False, padding=(0, 1))
    for key, justify in (
        ("no", "right"),
        ("time", "right"),
        ("side", "left"),
        ("call", "left"),
        ("bytes", "right"),
        ("data", "left"),
    ):
        last = key == "data"  # only the data may wrap: the narrow columns stay whole
        table.add_column(
            text(f"demo.sticky.col.{key}", lang),
            justify=justify,
            no_wrap=not last,
            overflow="fold" if last else "ellipsis",
        )
    room = max(NARROW, width - OTHER_COLUMNS)
    rows = [_row(i, c, lang, room) for i, c in enumerate(part.chunks, 1)]
    if len(rows) > MAX_ROWS:
        hidden = len(rows) - HEAD - TAIL
        gap = ["", "", "", "", "", text("demo.sticky.more_calls", lang, count=hidden)]
        rows = [*rows[:HEAD], gap, *rows[-TAIL:]]
    for row in rows:
        table.add_row(*row)
    return table


# -- what each part shows --------------------------------------------------------------------


def _queued(part: Part) -> int:
    return part.queued if part.queued is not None else sum(map(len, part.sent))


def _what(part: Part, result: Result, lang: str) -> str:
    buffer, sent = result.options.buffer, part.sent
    if part.name == "merged":
        return text(
            "demo.sticky.merged.what", lang, count=len(sent), queued=_queued(part), buffer=buffer
        )
    if part.name == "split":
        sends = len(part.calls("client", "send"))
        return text("demo.sticky.split.what", lang, size=len(sent[0]), sends=sends, buffer=buffer)
    if part.name == "truncated":
        return text("demo.sticky.truncated.what", lang, size=len(sent[0]), buffer=buffer)
    key = f"demo.sticky.{part.name}.what"
    return text(key, lang, count=len(sent), queued=_queued(part), buffer=buffer)


def _outcome(part: Part, result: Result, lang: str) -> list[str]:
    buffer = result.options.buffer
    reads = part.calls("server", "recv")
    sends = part.calls("client", "send")
    if part.name == "merged":
        if len(part.sent) == 1:
            return [text("demo.sticky.merged.single", lang)]
        first = len(reads[0].data) if reads else 0
        whole = part.whole_in_first_recv()
        return [
            text(
                "demo.sticky.merged.result",
                lang,
                sends=len(sends),
                buffer=buffer,
                bytes=first,
                whole=whole,
            )
        ]
    if part.name == "split":
        if len(reads) <= 1:
            return [text("demo.sticky.split.whole", lang, buffer=buffer)]
        sizes = " + ".join(str(len(c.data)) for c in reads)
        return [text("demo.sticky.split.result", lang, recvs=len(reads), sizes=sizes)]
    if part.name == "header":
        return _header_outcome(part, result, lang, len(reads))
    if part.name == "datagrams":
        return _datagrams_outcome(part, lang)
    if part.name == "truncated":
        return _truncated_outcome(part, buffer, lang)
    return _ack_outcome(part, result, lang)


def _datagrams_outcome(part: Part, lang: str) -> list[str]:
    sends = len(part.calls("client", "sendto"))
    got = len(part.received)
    if got < sends:
        return [text("demo.sticky.datagrams.lost", lang, sends=sends, got=got)]
    if sends == 1:
        return [text("demo.sticky.datagrams.single", lang)]
    key = "demo.sticky.datagrams.result" if part.boundaries_kept else "demo.sticky.not_recovered"
    return [text(key, lang, sends=sends, recvs=got, got=got, count=sends)]


def _truncated_outcome(part: Part, buffer: int, lang: str) -> list[str]:
    reads = part.calls("server", "recvmsg")
    if not reads:
        return [text("demo.sticky.datagrams.lost", lang, sends=1, got=0)]
    first = reads[0]
    if "MSG_TRUNC" not in first.flags:
        return [text("demo.sticky.truncated.whole", lang, buffer=buffer)]
    size = first.size if first.size is not None else len(part.sent[0])
    return [
        text(
            "demo.sticky.truncated.result",
            lang,
            buffer=buffer,
            got=len(first.data),
            size=size,
            lost=size - len(first.data),
        )
    ]


def _header_outcome(part: Part, result: Result, lang: str, recvs: int) -> list[str]:
    lines = [_recovered(part, lang)]
    if part.boundaries_kept:
        lines[0] = text(
            "demo.sticky.header.result",
            lang,
            count=len(part.sent),
            recvs=recvs,
            ms=ms(part.client_s),
        )
    order = result.byte_order
    lines.append(
        text(
            "demo.sticky.header.order",
            lang,
            n=order.length,
            network=repr(order.network),
            native=repr(order.native),
            machine=text(f"demo.sticky.endian.{order.machine}", lang),
            misread=f"{order.misread:,}",
        )
    )
    return lines


def _ack_outcome(part: Part, result: Result, lang: str) -> list[str]:
    trips = len(part.round_trips)
    waited = sum(part.round_trips)
    lines = [_recovered(part, lang)]
    if part.boundaries_kept:
        lines[0] = text(
            "demo.sticky.ack.result",
            lang,
            count=len(part.sent),
            trips=trips,
            total=ms(waited),
            mean=ms(waited / trips if trips else 0.0),
            ms=ms(part.client_s),
        )
    lines.append(
        text(
            "demo.sticky.ack.network",
            lang,
            trips=trips,
            rtt=ASSUMED_RTT_MS,
            projected=trips * ASSUMED_RTT_MS,
        )
    )
    header = next((p for p in result.parts if p.name == "header"), None)
    if header is not None:
        lines.append(
            text(
                "demo.sticky.ack.compare",
                lang,
                count=len(part.sent),
                header_ms=ms(header.client_s),
                ack_ms=ms(part.client_s),
            )
        )
    return lines


def _recovered(part: Part, lang: str) -> str:
    """The fixes' fallback line, should a run ever fail to recover the messages."""
    return text("demo.sticky.not_recovered", lang, got=len(part.received), count=len(part.sent))


def part_view(part: Part, result: Result, lang: str, width: int, ascii_only: bool) -> Group:
    arrow = "->" if ascii_only else "→"
    title = f"({NUMBER[part.name]}) {text(f'demo.sticky.{part.name}.title', lang)}"
    return Group(
        Text(title, style="bold"),
        Text(_what(part, result, lang)),
        Text(""),
        chunk_table(part, lang, width),
        Text(""),
        *(Text(f"{arrow} {line}") for line in _outcome(part, result, lang)),
        Text(""),
    )


def remember(result: Result, lang: str, ascii_only: bool) -> Panel:
    keys: list[str] = []
    for part in result.parts:
        keys += [k for k in REMEMBER[part.name] if k not in keys]
    if any(p.name in ("header", "ack") for p in result.parts):
        keys = [k for k in keys if k != "try"]  # the fixes are on the screen already
    bullet = "-" if ascii_only else "•"
    body = Text("\n").join(
        Text(f"{bullet} {text(f'demo.sticky.remember.{k}', lang)}") for k in keys
    )
    return Panel(
        body,
        title=text("demo.sticky.remember.title", lang),
        title_align="left",
        box=box.ASCII if ascii_only else box.ROUNDED,
    )


def report(result: Result, lang: str, width: int = 80, ascii_only: bool = False) -> RenderableType:
    """Everything ``netlab demo sticky`` prints: title, each part, what to remember."""
    host, port = result.address
    udp = result.transport == "udp"
    title_key = "demo.sticky.udp.title" if udp else "demo.sticky.title"
    title = text(title_key, lang, address=f"{host}:{port}")
    return Group(
        Text(title, style="bold underline"),
        Text(text("demo.sticky.udp.intro" if udp else "demo.sticky.nodelay", lang)),
        Text(""),
        *(part_view(p, result, lang, width, ascii_only) for p in result.parts),
        remember(result, lang, ascii_only),
    )


def host_warning(host: str, lang: str) -> Text:
    return Text(text("demo.sticky.warn_host", lang, host=host), style="yellow")


# -- --json ----------------------------------------------------------------------------------


def payload(data: bytes) -> dict[str, Any]:
    """Bytes for JSON: ``text`` when they are printable UTF-8, else ``hex``."""
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        decoded = None
    if decoded is not None and decoded.isprintable():
        return {"bytes": len(data), "text": decoded}
    return {"bytes": len(data), "hex": data.hex()}


def _chunk_json(chunk: Chunk, udp: bool) -> dict[str, Any]:
    document = {
        "side": chunk.side,
        "call": chunk.call,
        "role": chunk.role,
        "time_s": round(chunk.time, 6),
        **payload(chunk.data),
    }
    if udp and chunk.call == "recvmsg":  # what the kernel's recvmsg() said
        document["flags"] = list(chunk.flags)
        document["datagram_bytes"] = chunk.size
    return document


def _part_json(part: Part, udp: bool) -> dict[str, Any]:
    send, recv = ("sendto", "recvmsg") if udp else ("send", "recv")
    return {
        "name": part.name,
        "sent": [payload(m) for m in part.sent],
        "received": [payload(m) for m in part.received],
        "boundaries_kept": part.boundaries_kept,
        "send_calls": len(part.calls("client", send)),
        "recv_calls": len(part.calls("server", recv)),
        "queued_bytes": part.queued,
        "client_elapsed_s": round(part.client_s, 6),
        "round_trips": len(part.round_trips),
        "round_trip_s": [round(t, 6) for t in part.round_trips],
        "chunks": [_chunk_json(c, udp) for c in part.chunks],
    }


def to_json(result: Result) -> str:
    """The ``--json`` document: the options, every part, every chunk, the byte-order example.
    Over UDP (``"transport": "udp"``) each ``recvmsg()`` chunk adds the ``flags`` it returned
    and the ``datagram_bytes`` the kernel reported (null where it can't be asked)."""
    options, order = result.options, result.byte_order
    host, port = result.address
    udp = result.transport == "udp"
    document = {
        "version": 1,
        "demo": "sticky",
        "transport": result.transport,
        "server": f"{host}:{port}",
        "fix": options.fix,
        "messages": options.messages,
        "size": options.size,
        "buffer": options.buffer,
        "nodelay": None if udp else result.nodelay,  # a TCP option
        "parts": [_part_json(p, udp) for p in result.parts],
        "byte_order": {
            "length": order.length,
            "network_I": order.network.hex(),
            "native_i": order.native.hex(),
            "machine": order.machine,
            "native_read_by_other_order": order.misread,
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
