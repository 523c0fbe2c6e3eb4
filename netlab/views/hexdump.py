"""``--hexdump``: the bytes of each packet, with the header of each layer marked.

Owns the hex dump layout: offset, sixteen bytes (eight on a terminal too narrow for sixteen),
their ASCII, and the layers those bytes belong to; each layer's bytes in its own colour, plus a
legend with byte ranges so the marking survives plain-text output.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.detail import LAYER_STYLE, layer_title
from netlab.views.labels import summary

PER_LINE = 16
NARROW_PER_LINE = 8  # when sixteen bytes, their ASCII and the layer names do not fit the width


def _owner(spans: list[tuple[str, int, int]], offset: int) -> str:
    for name, start, end in spans:
        if start <= offset < end:
            return name
    return "Payload"


def rows(data: bytes, spans: list[tuple[str, int, int]], per_line: int = PER_LINE) -> list[Text]:
    """The dump's lines: offset, ``per_line`` bytes coloured by layer (a wider gap after the
    eighth), their ASCII, and the layers they belong to."""
    lines = []
    for base in range(0, len(data), per_line):
        chunk = data[base : base + per_line]
        line = Text(f"{base:04x}  ")
        owners = []
        for i, byte in enumerate(chunk):
            owner = _owner(spans, base + i)
            if owner not in owners:
                owners.append(owner)
            line.append(f"{byte:02x}", style=LAYER_STYLE.get(owner, ""))
            line.append("  " if i == 7 and per_line > 8 else " ")
        gap = " " if per_line > 8 and len(chunk) <= 8 else ""
        line.append("   " * (per_line - len(chunk)) + gap)
        line.append(" " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk))
        line.append(" " * (per_line - len(chunk)) + "  " + "|".join(owners), style="dim")
        lines.append(line)
    return lines


class _Rows:
    """The dump's lines, sixteen bytes a line, or eight where sixteen do not fit the width."""

    def __init__(self, data: bytes, spans: list[tuple[str, int, int]]) -> None:
        self.data, self.spans = data, spans

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = rows(self.data, self.spans)
        if max(cell_len(line.plain) for line in lines) > options.max_width:
            lines = rows(self.data, self.spans, NARROW_PER_LINE)
        yield from lines


def option_legend(step: Step, spans: list[tuple[str, int, int]], lang: str) -> Text | None:
    """Where each TCP option sits in the frame (None: no TCP options)."""
    from netlab.sim.packets import has_tcp, tcp_summary
    from netlab.sim.stack import OPTION_KIND, OPTION_SIZE

    if not has_tcp(step.packet):
        return None
    options = tcp_summary(step.packet)["options"]
    tcp = next((start for name, start, _end in spans if name == "TCP"), None)
    if not options or tcp is None:
        return None
    by_name = {label: OPTION_SIZE[scapy] for scapy, (_kind, label) in OPTION_KIND.items()}
    offset = tcp + 20
    items = []
    for option in options:
        size = by_name[str(option["name"])]
        key = "ui.option_byte" if size == 1 else "ui.option_bytes"
        items.append(text(key, lang, name=option["name"], start=offset, end=offset + size - 1))
        offset += size
    return Text(
        text("ui.hexdump_options", lang, items=text("ui.list_sep", lang).join(items)),
        style=LAYER_STYLE["TCP"],
    )


def step_hexdump(step: Step, lang: str) -> Group:
    from netlab.sim.packets import frame_bytes, layers

    data = frame_bytes(step.packet)
    spans = [(lay.name, lay.start, lay.start + lay.header_len) for lay in layers(step.packet)]
    title = Text(
        text("ui.hexdump_title", lang, n=step.index, summary=summary(step), size=len(data)),
        style="bold",
    )
    items = Text(text("ui.list_sep", lang)).join(
        Text(
            text(
                "ui.layer_bytes",
                lang,
                name=text("ui.payload", lang) if name == "Payload" else layer_title(name),
                start=start,
                end=end - 1,
                count=end - start,
            ),
            style=LAYER_STYLE.get(name, ""),
        )
        for name, start, end in spans
    )
    before, _, after = text("ui.hexdump_legend", lang, items="\0").partition("\0")
    legend = Text(before) + items + Text(after)
    rows = _Rows(data, spans)
    options = option_legend(step, spans, lang)
    head = [title, legend] if options is None else [title, legend, options]
    return Group(*head, rows, Text(""))


def hexdump(trace: Trace, lang: str) -> Group:
    return Group(
        *(step_hexdump(s, lang) for s in trace.steps if s.packet is not None and s.copy_of is None)
    )
