"""``--json``: a Trace as the version-1 JSON document of DESIGN.md.

Owns the mapping from Trace to the contract: ``version``, ``scenario``, ``nodes`` and
``steps`` (index, time, src, dst, lost, summary, layers, tcp, states, tables, note). Other
tools and the tests read this, so it changes only with a new version number.
"""

from __future__ import annotations

import json
from typing import Any

from netlab.sim.trace import Step, Trace
from netlab.views.labels import explanation, summary, tcp_fields

VERSION = 1


def step_dict(step: Step, lang: str) -> dict[str, Any]:
    layers: list[str] = []
    if step.packet is not None:
        from netlab.sim.packets import layer_names

        layers = layer_names(step.packet)
    return {
        "index": step.index,
        "time": step.time,
        "src": step.src,
        "dst": step.dst,
        "lost": step.lost,
        "summary": summary(step),
        "layers": layers,
        "tcp": tcp_fields(step),
        "states": dict(step.states),
        "tables": dict(step.tables),
        "note": explanation(step, lang),
    }


def trace_dict(trace: Trace, lang: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "scenario": trace.scenario,
        "nodes": [
            {"name": n.name, "role": n.role, "ip": n.ip, "mac": n.mac, "port": n.port}
            for n in trace.nodes
        ],
        "steps": [step_dict(s, lang) for s in trace.steps],
    }


def dumps(trace: Trace, lang: str) -> str:
    return json.dumps(trace_dict(trace, lang), ensure_ascii=False, indent=2)
