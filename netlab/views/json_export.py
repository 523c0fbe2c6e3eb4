"""``--json``: a Trace as the version-4 JSON document of docs/architecture.md.

Owns the mapping from Trace to the contract: ``version``, ``scenario``, ``nodes`` and
``steps`` (index, time, src, dst, to, lost, summary, protocol, info, layers, tcp, fields,
states, tables, note). Other tools and the tests read this, so it changes only with a new version
number. Version 2 is version 1 plus three keys per step: ``to`` (every receiver of the frame,
several for a flood), ``protocol`` (the top protocol, as Wireshark's Protocol column) and
``fields`` (that protocol's key fields). Version 3 adds ``stack`` at the top level (the TCP
model that produced the trace: "linux" or "minimal"; null for scenarios without one) and
``window`` and ``options`` (``{kind, name, value}`` in wire order) to every step's ``tcp``.
Version 4 adds ``info`` to every step: Wireshark's Info column for the frame, as tshark prints
it for the trace's pcap (``[TCP Dup ACK 3#1] …``, ``GET / HTTP/1.1``); null for a local event.
``summary`` stays the short label the step table prints (a TCP segment's flags).
"""

from __future__ import annotations

import json
from typing import Any

from netlab.sim.trace import Step, Trace
from netlab.views.labels import explanation, summary, tcp_fields

VERSION = 4


def protocol(step: Step, layers: list[str]) -> str | None:
    """The step's top protocol; TCP for the segments of the TCP scenarios; None for a local
    event."""
    if step.dst is None:
        return None
    if step.protocol:
        return step.protocol
    return (
        "TCP" if step.segment is not None or "TCP" in layers else (layers[-1] if layers else None)
    )


def layer_list(step: Step) -> list[str]:
    """The layer names of the step's frame (empty for a local event)."""
    if step.packet is not None and step.dst is not None:
        from netlab.sim.packets import layer_names

        return layer_names(step.packet)
    return []


def step_dict(step: Step, lang: str) -> dict[str, Any]:
    layers = layer_list(step)
    return {
        "index": step.index,
        "time": step.time,
        "src": step.src,
        "dst": step.dst,
        "to": list(step.receivers),
        "lost": step.lost,
        "summary": summary(step),
        "protocol": protocol(step, layers),
        "info": step.summary if step.dst is not None else None,
        "layers": layers,
        "tcp": tcp_fields(step),
        "fields": dict(step.fields),
        "states": dict(step.states),
        "tables": dict(step.tables),
        "note": explanation(step, lang),
    }


def trace_dict(trace: Trace, lang: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "scenario": trace.scenario,
        "stack": trace.params.get("stack"),
        "nodes": [
            {"name": n.name, "role": n.role, "ip": n.ip, "mac": n.mac, "port": n.port}
            for n in trace.nodes
        ],
        "steps": [step_dict(s, lang) for s in trace.steps],
    }


def dumps(trace: Trace, lang: str) -> str:
    return json.dumps(trace_dict(trace, lang), ensure_ascii=False, indent=2)
