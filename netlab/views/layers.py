"""The section of ``netlab simulate layers``: the layer table, each header's bytes, the OSI to
TCP/IP mapping, the mnemonic and (with ``--udp``) the TCP/UDP comparison.

Owns drawing these from the Trace alone: the layers and the mapping come from ``Trace.params``,
each header's fields and bytes from the encapsulation steps (``Step.fields`` and, when the
trace carries packets, ``Step.packet`` through ``netlab.sim.packets.layers``). It computes no
protocol fact itself; the report puts the section between the step table and the reasons.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from netlab.i18n import Note, render, text
from netlab.sim.trace import Step, Trace
from netlab.views.detail import LAYER_STYLE
from netlab.views.fitting import Fit, Record, Records, fit_table, pair

#: Wireshark's name of a header -> the name ``netlab.sim.packets.layers`` gives its layer.
_SCAPY_NAME = {"Ethernet II": "Ether", "IPv4": "IP", "TCP": "TCP", "UDP": "UDP"}
_HEX_PER_LINE = 20


def _box(ascii_only: bool) -> box.Box:
    return box.ASCII if ascii_only else box.SIMPLE_HEAD


def _table(ascii_only: bool, title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=_box(ascii_only),
        header_style="bold",
        pad_edge=False,
    )


def _join(items: list[str], lang: str) -> str:
    return text("layers.cell.list_sep", lang).join(items)


def _header_cell(row: dict[str, Any], message_bytes: int, lang: str) -> str:
    start = row["frame_offset"]
    if row["header"]:
        end = start + row["header_bytes"] - 1
        return text(
            "layers.cell.header",
            lang,
            name=row["header"],
            bytes=row["header_bytes"],
            start=start,
            end=end,
        )
    if row["key"] == "application":
        return text("layers.cell.message", lang, start=start, end=start + message_bytes - 1)
    if row["pdu"] == "bits":
        return text("layers.cell.bits", lang, bits=row["total_bytes"] * 8)
    return text("layers.cell.none", lang)


def layer_table(trace: Trace, lang: str, ascii_only: bool = False) -> Table:
    """One row per layer of the chosen model, top down."""
    p = trace.params
    title = text(
        "layers.section.title",
        lang,
        model=render(Note(f"layers.model.{p['model']}"), lang),
        transport=p["transport"],
    )
    table = _table(ascii_only, title)
    table.add_column(text("layers.col.number", lang), justify="right", no_wrap=True)
    table.add_column(text("layers.col.layer", lang), no_wrap=True)
    table.add_column(text("layers.col.header", lang), overflow="fold", ratio=3)
    table.add_column(text("layers.col.pdu", lang), no_wrap=True)
    table.add_column(text("layers.col.size", lang), justify="right", no_wrap=True)
    table.add_column(text("layers.col.devices", lang), overflow="fold", ratio=2)
    table.add_column(text("layers.col.protocols", lang), overflow="fold", ratio=3)
    for row in p["layers"]:
        style = LAYER_STYLE.get(_SCAPY_NAME.get(row["header"] or "", ""), "")
        if row["key"] == "application":
            style = LAYER_STYLE.get("Payload", "")
        table.add_row(
            str(row["number"]),
            text(f"layers.layer.{row['key']}", lang),
            Text(_header_cell(row, p["message_bytes"], lang), style=style),
            text(f"layers.pdu.{row['pdu']}", lang),
            text("layers.cell.size", lang, total=row["total_bytes"]),
            _join([text(f"layers.device.{d}", lang) for d in row["devices"]], lang),
            ", ".join(row["protocols"]),
        )
    return table


def _fields_line(fields: dict[str, Any]) -> str:
    return " ".join(f"{name}={value}" for name, value in fields.items())


def _header_bytes(step: Step) -> bytes | None:
    """The bytes of the header a step's layer added: the outermost header of its PDU."""
    if step.packet is None:
        return None
    from netlab.sim.packets import frame_bytes, layers

    first = layers(step.packet)[0]
    return frame_bytes(step.packet)[first.start : first.start + first.header_len]


def _hex_lines(data: bytes) -> list[str]:
    return [
        " ".join(f"{b:02x}" for b in data[i : i + _HEX_PER_LINE])
        for i in range(0, len(data), _HEX_PER_LINE)
    ]


def header_bytes(trace: Trace, lang: str) -> Group:
    """Each header in frame order: where it lies in the frame, its fields, its bytes in hex."""
    steps = [
        s
        for s in trace.steps
        if s.event == "layers_encap" and s.fields.get("header") and s.fields.get("header_fields")
    ]
    steps.sort(key=lambda s: s.fields["frame_offset"])
    parts: list[RenderableType] = [Text(text("layers.section.bytes_title", lang), style="bold")]
    for step in steps:
        f = step.fields
        style = LAYER_STYLE.get(_SCAPY_NAME.get(f["header"], ""), "")
        start = f["frame_offset"]
        title = text(
            "layers.cell.span",
            lang,
            name=f["header"],
            start=start,
            end=start + f["header_bytes"] - 1,
            bytes=f["header_bytes"],
        )
        parts.append(Text(title, style=f"bold {style}".strip()))
        parts.append(Padding(Text(_fields_line(f["header_fields"]), overflow="fold"), (0, 0, 0, 2)))
        data = _header_bytes(step)
        if data is not None:
            parts.append(Padding(Text("\n".join(_hex_lines(data)), style=style), (0, 0, 0, 2)))
    if len(parts) == 1:
        parts.append(Text(text("layers.section.no_frames", lang)))
    return Group(*parts)


def mapping_table(trace: Trace, lang: str, ascii_only: bool = False) -> Table:
    """OSI's seven layers beside the five-layer TCP/IP model and RFC 1122's four layers."""
    table = _table(ascii_only, text("layers.section.mapping_title", lang))
    for key in ("layers.col.osi", "layers.col.tcpip", "layers.col.rfc1122"):
        table.add_column(text(key, lang), no_wrap=True)
    five = {"application": 5, "transport": 4, "network": 3, "data_link": 2, "physical": 1}
    four = {"application": 4, "transport": 3, "internet": 2, "link": 1}
    for row in trace.params["mapping"]:
        table.add_row(
            f"{row['osi']} {text('layers.layer.' + row['osi_layer'], lang)}",
            f"{five[row['tcpip']]} {text('layers.layer.' + row['tcpip'], lang)}",
            f"{four[row['rfc1122']]} {text('layers.layer.' + row['rfc1122'], lang)}",
        )
    return table


def comparison_table(trace: Trace, lang: str, ascii_only: bool = False) -> Table:
    """TCP beside UDP, one row per aspect."""
    table = _table(ascii_only, text("layers.section.compare_title", lang))
    table.add_column(text("layers.col.aspect", lang), no_wrap=True, style="bold")
    table.add_column(text("layers.col.tcp", lang), overflow="fold", ratio=1)
    table.add_column(text("layers.col.udp", lang), overflow="fold", ratio=1)
    for aspect in trace.params["comparison"]:
        table.add_row(
            text(f"layers.compare.{aspect}.name", lang),
            text(f"layers.compare.{aspect}.tcp", lang),
            text(f"layers.compare.{aspect}.udp", lang),
        )
    return table


def comparison(trace: Trace, lang: str) -> Records:
    """The TCP/UDP comparison for a narrow terminal: each aspect, then TCP's and UDP's side."""
    out = []
    for aspect in trace.params["comparison"]:
        units = []
        for side in ("tcp", "udp"):
            what = text(f"layers.compare.{aspect}.{side}", lang)
            units.append(pair(text(f"layers.col.{side}", lang), what, lang))
        name = Text(text(f"layers.compare.{aspect}.name", lang), style="bold")
        out.append(Record(units, heading=name, stacked=True))
    return Records(Text(text("layers.section.compare_title", lang), style="bold"), out)


def section(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType:
    """Everything the layers scenario adds to the report; each table as one row per line
    ("column: value") where it would not fit whole."""
    parts: list[RenderableType] = [
        fit_table(layer_table(trace, lang, ascii_only), lang, lead=0),
        Text(""),
        header_bytes(trace, lang),
        Text(""),
        fit_table(mapping_table(trace, lang, ascii_only), lang),
        Text(text("layers.mnemonic.text", lang)),
    ]
    if trace.params.get("comparison"):
        parts += [Text(""), Fit(comparison_table(trace, lang, ascii_only), comparison(trace, lang))]
    return Group(*parts)
