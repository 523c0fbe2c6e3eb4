"""``--hexdump``: the bytes of each packet, with the header of each layer marked.

Owns the hex dump layout: offset, sixteen bytes, their ASCII, and the layers those bytes belong
to; each layer's bytes in its own colour, plus a legend with byte ranges so the marking survives
plain-text output.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.detail import LAYER_STYLE, layer_title
from netlab.views.labels import summary

PER_LINE = 16


def _owner(spans: list[tuple[str, int, int]], offset: int) -> str:
    for name, start, end in spans:
        if start <= offset < end:
            return name
    return "Payload"


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
    lines = []
    for base in range(0, len(data), PER_LINE):
        chunk = data[base : base + PER_LINE]
        line = Text(f"{base:04x}  ")
        owners = []
        for i, byte in enumerate(chunk):
            owner = _owner(spans, base + i)
            if owner not in owners:
                owners.append(owner)
            line.append(f"{byte:02x}", style=LAYER_STYLE.get(owner, ""))
            line.append("  " if i == 7 else " ")
        line.append("   " * (PER_LINE - len(chunk)) + (" " if len(chunk) <= 8 else ""))
        line.append(" " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk))
        line.append(" " * (PER_LINE - len(chunk)) + "  " + "|".join(owners), style="dim")
        lines.append(line)
    options = option_legend(step, spans, lang)
    head = [title, legend] if options is None else [title, legend, options]
    return Group(*head, *lines, Text(""))


def hexdump(trace: Trace, lang: str) -> Group:
    return Group(
        *(step_hexdump(s, lang) for s in trace.steps if s.packet is not None and s.copy_of is None)
    )
