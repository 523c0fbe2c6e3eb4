"""``--detail``: each packet layer by layer, every header field with its value.

Owns the rendering of a packet's layers (Ethernet, IPv4, TCP, payload) as tables, in the spirit
of scapy's ``show2()`` but drawn by netlab. The fields come from the real packet through
``netlab.sim.packets.layers``.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.labels import direction, summary

LAYER_STYLE = {
    "Ether": "blue",
    "IP": "green",
    "TCP": "magenta",
    "UDP": "magenta",
    "Payload": "yellow",
}


def layer_title(name: str) -> str:
    return {"Ether": "Ethernet II", "IP": "IPv4"}.get(name, name)


MIN_FRAME = 60  # Ethernet's minimum frame without the FCS: shorter frames are padded on the wire
FCS = 4


def frame_size(size: int, lang: str) -> str:
    """A frame's size as a capture on the sender shows it, and what the wire carries."""
    if size < MIN_FRAME:
        return text("ui.frame_size_padded", lang, size=size)
    return text("ui.frame_size", lang, size=size, wire=size + FCS)


def option_notes(options: list[dict], window: int, seen: set[str], lang: str) -> list[str]:
    """One sentence for each TCP option (and for a scaled window) not yet explained in this
    output; ``seen`` collects what was explained. ``options`` as the JSON contract lists them."""
    out: list[str] = []
    for option in options:
        name, value = str(option["name"]), option["value"]
        if name in seen:
            continue
        seen.add(name)
        params: dict = {"value": value}
        if name == "Timestamps":
            params = dict(value)  # tsval, tsecr
        elif name == "WScale":
            params["unit"] = 1 << int(value)
            seen.add(f"shift={value}")
        out.append(text(f"ui.option.{name}", lang, **params))
    shifts = [name for name in seen if name.startswith("shift=")]
    if "window" not in seen and shifts and not any(o["name"] == "WScale" for o in options):
        # the first segment after the handshake: its window field is scaled
        seen.add("window")
        unit = 1 << int(shifts[0].split("=")[1])
        out.append(text("ui.option.window", lang, field=window, unit=unit, bytes=window * unit))
    return out


def step_detail(
    trace: Trace, step: Step, lang: str, ascii_only: bool = False, seen: set[str] | None = None
) -> Group:
    from netlab.sim.packets import frame_bytes, has_tcp, is_ethernet, layers, tcp_summary

    parts: list = [
        Text(
            text(
                "ui.detail_title",
                lang,
                n=step.index,
                summary=summary(step),
                direction=direction(trace, step, lang, ascii_only),
                size=frame_size(len(frame_bytes(step.packet)), lang)
                if is_ethernet(step.packet)
                else text("ui.pdu_size", lang, size=len(frame_bytes(step.packet))),
            ),
            style="bold",
        )
    ]
    if step.dst is not None and is_ethernet(step.packet):  # the frame's row in Wireshark
        protocol = step.protocol or ("TCP" if step.segment is not None else "")
        parts.append(Text(text("ui.detail_wireshark", lang, protocol=protocol, info=step.summary)))
    for layer in layers(step.packet):
        table = Table(
            title=f"{layer_title(layer.name)}  [{layer.start}:{layer.start + layer.header_len}]",
            title_justify="left",
            title_style=f"bold {LAYER_STYLE.get(layer.name, '')}",
            box=box.ASCII if ascii_only else box.SIMPLE,
            show_header=False,
            pad_edge=False,
        )
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        for field in layer.fields:
            table.add_row(field.name, field.value)
        parts.append(table)
    if seen is not None and has_tcp(step.packet):
        tcp = tcp_summary(step.packet)
        for sentence in option_notes(tcp["options"], int(tcp["window"]), seen, lang):
            parts.append(Text(f"  • {sentence}" if not ascii_only else f"  * {sentence}"))
    return Group(*parts)


def detail(trace: Trace, lang: str, ascii_only: bool = False) -> Group:
    parts: list = [Text(text("ui.detail_hint", lang), style="italic")]
    seen: set[str] = set()
    for step in trace.steps:
        if step.packet is not None and step.copy_of is None:
            parts.append(step_detail(trace, step, lang, ascii_only, seen))
    return Group(*parts)
