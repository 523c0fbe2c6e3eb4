"""The askers of the ``layers`` scenario: what a learner can predict as a message goes down the
layers, across a switch and a router, and back up.

- ``layer_header``: the header a layer puts in front going down, or reads and removes going up
  (choices: the other headers of the trace, and the other transport protocol's);
- ``layer_bytes``: how many bytes a layer hands on (typed: what it got, plus or minus its
  header);
- ``layer_pdu``: what the unit is called at that layer (data/message, segment, datagram,
  packet, frame, bits), leaving out the names that are also right at that layer (an IP packet
  is an "internet datagram" in RFC 791; some books call UDP's unit a segment);
- ``layer_forward``: up to which layer a switch or a router reads a frame it passes on.

Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

from netlab.i18n import Note
from netlab.predict.asked import Asked, position, unique
from netlab.sim.trace import Step, Trace

PDUS = ("data", "segment", "datagram", "packet", "frame", "bits")
TRANSPORTS = ("TCP", "UDP")


def _node(name: str) -> Note:
    return Note(f"predict.layers.node.{name}")


def _layer(step: Step) -> dict | None:
    f = step.fields
    if step.dst is not None or "layer" not in f or "pdu" not in f:
        return None
    return f


def _where(step: Step, f: dict) -> dict:
    return {"n": step.index, "node": _node(step.src), "layer": Note(f"layers.layer.{f['layer']}")}


def _down(f: dict) -> bool:
    return f.get("direction") == "down"


def ask_header(trace: Trace, step: Step) -> list[Asked]:
    f = _layer(step)
    if f is None or not f.get("header"):
        return []
    answer = str(f["header"])
    headers = [str(s.fields["header"]) for s in trace.steps if s.fields.get("header")]
    headers += list(TRANSPORTS)  # the other transport's header is never right
    size = f["total_bytes"] - f["header_bytes"] if _down(f) else f["total_bytes"]
    key = "predict.layers.header_down" if _down(f) else "predict.layers.header_up"
    return [
        Asked(
            "layer_header",
            Note(key, {**_where(step, f), "size": size}),
            answer,
            unique(headers, answer),
            field=Note("predict.field.layer_header", {"layer": _where(step, f)["layer"]}),
        )
    ]


def _next_layer(trace: Trace, step: Step) -> dict | None:
    at = position(trace, step)
    if at + 1 >= len(trace.steps):
        return None
    nxt = trace.steps[at + 1]
    f = _layer(nxt)
    if f is None or nxt.src != step.src:
        return None
    return f


def ask_bytes(trace: Trace, step: Step) -> list[Asked]:
    """Going down: the size once the header is in front (the step's own total); going up: what
    is left once it is removed (the total the next layer up gets)."""
    f = _layer(step)
    if f is None or not f.get("header"):
        return []
    if _down(f):
        size, answer, key = f["total_bytes"] - f["header_bytes"], f["total_bytes"], "down"
    else:
        above = _next_layer(trace, step)
        if above is None:
            return []
        size, answer, key = f["total_bytes"], above["total_bytes"], "up"
    return [
        Asked(
            "layer_bytes",
            Note(f"predict.layers.bytes_{key}", {**_where(step, f), "size": size}),
            int(answer),
            field=Note(f"predict.field.layer_bytes_{key}", {"layer": _where(step, f)["layer"]}),
        )
    ]


def ask_pdu(trace: Trace, step: Step) -> list[Asked]:
    f = _layer(step)
    if f is None or f["pdu"] not in PDUS:
        return []
    also_right = {"packet": {"datagram"}, "datagram": {"segment"}, "bits": {"frame"}}.get(
        f["pdu"], set()
    )
    answer = Note(f"layers.pdu.{f['pdu']}")
    others = [Note(f"layers.pdu.{p}") for p in PDUS if p not in also_right]
    return [
        Asked(
            "layer_pdu",
            Note("predict.layers.pdu", _where(step, f)),
            answer,
            unique(others, answer),
            field=Note("predict.field.layer_pdu", {"layer": _where(step, f)["layer"]}),
        )
    ]


def ask_forward(trace: Trace, step: Step) -> list[Asked]:
    """A switch or a router passing the frame on: the highest layer it reads."""
    number = step.fields.get("forwarder_layer")
    if step.dst is None or number is None:
        return []
    names: dict[int, str] = {}
    for s in trace.steps:
        f = _layer(s)
        if f is not None:
            names.setdefault(int(f["number"]), str(f["layer"]))
    if number not in names:
        return []

    def shown(n: int) -> Note:
        return Note("predict.layers.numbered", {"n": n, "layer": Note(f"layers.layer.{names[n]}")})

    answer = shown(number)
    others = [shown(n) for n in sorted(names) if n <= 4]
    params = {"n": step.index, "node": _node(step.src), "to": _node(step.dst)}
    return [
        Asked(
            "layer_forward", Note("predict.layers.forward", params), answer, unique(others, answer)
        )
    ]


ASKERS = (ask_header, ask_bytes, ask_pdu, ask_forward)
