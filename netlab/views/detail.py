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


def step_detail(trace: Trace, step: Step, lang: str, ascii_only: bool = False) -> Group:
    from netlab.sim.packets import frame_bytes, layers

    parts: list = [
        Text(
            text(
                "ui.detail_title",
                lang,
                n=step.index,
                summary=summary(step),
                direction=direction(trace, step, lang, ascii_only),
                size=len(frame_bytes(step.packet)),
            ),
            style="bold",
        )
    ]
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
    return Group(*parts)


def detail(trace: Trace, lang: str, ascii_only: bool = False) -> Group:
    parts: list = [Text(text("ui.detail_hint", lang), style="italic")]
    for step in trace.steps:
        if step.packet is not None and step.copy_of is None:
            parts.append(step_detail(trace, step, lang, ascii_only))
    return Group(*parts)
