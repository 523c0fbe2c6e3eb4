"""``--html``: a Trace as the data document of the page (``netlab-trace-page``, version 1).

Owns what the page knows, as plain JSON-ready data: the ``--json`` document unchanged, every
sentence in both languages (title, header, notes, step labels, table titles and columns, node
labels, the page's own words ``html.ui.*``), each step's layers with every field's byte range,
its bytes, the tables as they are after it, its frame number in the ``--pcap`` file with the
same options and Wireshark's display filter for it, and how to see it in the terminal. The
contract is docs/architecture.md's "--html" section. Packets are read through
``netlab.sim.packets`` (the only scapy user); nothing here writes or draws.
"""

from __future__ import annotations

from typing import Any

from netlab.i18n import LANGS, catalogue, render, text
from netlab.sim.trace import Step, Trace
from netlab.views import tables
from netlab.views.labels import event_label, explanation, node_label, summary

FORMAT = "netlab-trace-page"
VERSION = 1
UI_PREFIX = "html.ui."


def document(
    trace: Trace,
    lang: str,
    command: str,
    step_command: str | None = None,
    json_doc: dict[str, Any] | None = None,
    frames: bool = True,
) -> dict[str, Any]:
    """The page's document. ``command``: the command line that wrote the page, as shown;
    ``step_command``: the command whose ``--step`` replays it in a terminal (None: no terminal
    hint, as for ``--live``); ``json_doc``: the ``--json`` document (default: the trace's,
    ``views.json_export.trace_dict``; ``--live`` hands its own); ``frames``: whether the
    ``--pcap`` of the same command numbers frames as ``views.pcap`` does (not with ``--live``,
    whose file is the capture)."""
    from netlab.views.json_export import trace_dict
    from netlab.views.pcap import frame_numbers
    from netlab.views.report import uses_lanes

    numbers = frame_numbers(trace) if frames else {}
    terminal = f"{step_command} --step" if step_command else None
    after = _tables_after(trace)
    own = trace_dict(trace, lang)  # the model's --json: the steps' common fields come from it
    return {
        "format": FORMAT,
        "version": VERSION,
        "lang": lang,
        "command": command,
        "json": json_doc if json_doc is not None else own,
        "text": {each: _texts(trace, each, after, terminal is not None) for each in LANGS},
        "nodes": own["nodes"],
        "lanes": "many" if uses_lanes(trace) else "two",
        "steps": [
            _step(s, shared, numbers, terminal, after[s.index])
            for s, shared in zip(trace.steps, own["steps"], strict=True)
        ],
    }


#: what a page step takes from the --json step as it is
SHARED = ("index", "time", "src", "dst", "to", "lost", "protocol", "info", "states")


def _step(
    step: Step,
    json_step: dict[str, Any],
    numbers: dict[int, int],
    terminal: str | None,
    tables_now: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    frame = numbers.get(step.index)
    shown = numbers.get(step.copy_of) if frame is None and step.copy_of is not None else frame
    return {
        **{key: json_step[key] for key in SHARED},
        "event": step.event,
        # a switch's unchanged copy is no frame of its own: the filter finds the original
        "filter": f"frame.number == {shown}" if shown is not None else None,
        "frame": frame,
        "terminal": terminal,
        **packet(step),
        "tables": {key: _table(key, rows) for key, rows in tables_now.items()},
    }


def packet(step: Step) -> dict[str, Any]:
    """``bytes`` (hex) and ``layers`` (each with ``name``, ``start``, ``end`` and its
    ``fields``, each with ``name``, ``value``, ``start``, ``end``; byte ranges ``[start, end)``
    in the frame) of the step's packet; null and empty for a step without one."""
    if step.packet is None:
        return {"bytes": None, "layers": []}
    from netlab.sim.packets import frame_bytes, layers

    return {
        "bytes": frame_bytes(step.packet).hex(),
        "layers": [
            {
                "name": layer.name,
                "start": layer.start,
                "end": layer.start + layer.header_len,
                "fields": [
                    {"name": f.name, "value": f.value, "start": f.start, "end": f.end}
                    for f in layer.fields
                    if f.present
                ],
            }
            for layer in layers(step.packet)
        ],
    }


def _tables_after(trace: Trace) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Every table as it is after each step (a step that records none keeps the last ones)."""
    now: dict[str, list[dict[str, Any]]] = {}
    out = {}
    for step in trace.steps:
        if step.tables:
            now = {**now, **step.tables}
        out[step.index] = now
    return out


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for column in row:
            if column not in columns:
                columns.append(column)
    return columns


def _table(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = _columns(rows)
    return {
        "columns": columns,
        "rows": [[tables.cell(row.get(c)) for c in columns] for row in rows],
    }


def _step_label(step: Step, lang: str) -> str:
    """The step table's label: a local event's name, else the segment's flags or the Info
    line, marked when retransmitted."""
    if step.dst is None:
        return event_label(step, lang)
    label = summary(step)
    if step.retransmission and step.segment is not None:
        label += f" ({text('html.ui.retransmission', lang)})"
    return label


def _texts(
    trace: Trace, lang: str, after: dict[int, dict[str, Any]], terminal: bool
) -> dict[str, Any]:
    words = catalogue(lang)
    keys = {key for now in after.values() for key in now}
    kinds = sorted({tables.split_key(key)[0] for key in keys})
    out: dict[str, Any] = {
        "title": render(trace.title, lang),
        "header": [render(n, lang) for n in trace.header],
        "remember": [render(n, lang) for n in trace.remember],
        "notes": {str(s.index): explanation(s, lang) for s in trace.steps},
        "summary": {str(s.index): _step_label(s, lang) for s in trace.steps},
        "states_title": text("html.states_title", lang),
        "ui": {
            key.removeprefix(UI_PREFIX): value
            for key, value in words.items()
            if key.startswith(UI_PREFIX)
        },
        "nodes": {n.name: node_label(trace, n.name, lang) for n in trace.nodes},
        "tables": {key: tables.table_title(trace, key, lang) for key in sorted(keys)},
        "columns": {
            kind: {
                key.removeprefix(f"table.{kind}."): value
                for key, value in words.items()
                if key.startswith(f"table.{kind}.") and key.count(".") == 2
            }
            for kind in kinds
        },
    }
    if terminal:
        out["terminal"] = {
            str(s.index): text("html.terminal", lang, n=s.index) for s in trace.steps
        }
    return out
