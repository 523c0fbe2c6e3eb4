"""How a step is named in every view: flag names, arrow labels, directions, times.

Owns the small pieces of text the timeline, the step table, playback and JSON all share, so
they agree. Reads Traces only; the TCP fields of a packet come from ``netlab.sim.packets``
(imported lazily: only traces that carry packets need scapy).
"""

from __future__ import annotations

from netlab.i18n import render, text
from netlab.sim.trace import Step, Trace


def flag_names(flags: str) -> str:
    """scapy's flag string to names: "SA" -> "SYN,ACK", "FA" -> "FIN,ACK", "PA" -> "PSH,ACK"."""
    from netlab.sim import info_column  # only TCP traces need it (and its HTTP model)

    return info_column.flag_names(flags, sep=",")


def is_tcp(step: Step) -> bool:
    """True for a frame that crosses a link (not a local step); ``tcp_fields`` then tells
    whether it carries TCP."""
    return step.packet is not None and step.dst is not None


def tcp_fields(step: Step) -> dict[str, object] | None:
    """flags, seq, ack, len of a step's TCP segment, or None for anything else."""
    if not is_tcp(step):
        return None
    from netlab.sim.packets import has_tcp, tcp_summary

    if not has_tcp(step.packet):
        return None
    return tcp_summary(step.packet)


def summary(step: Step) -> str:
    """A short name for the step: the segment's flags ("SYN,ACK") for the TCP scenarios (whose
    segments carry no ``fields``), else the scenario's own summary (Wireshark's Info column, or
    the local event)."""
    if step.segment is not None and not step.fields:
        fields = tcp_fields(step)
        if fields is not None:
            return flag_names(str(fields["flags"]))
    return step.summary


def node_label(trace: Trace, name: str, lang: str) -> str:
    """A node's name as the diagrams show it: translated when the catalogue knows it."""
    role = trace.node(name).role
    if role in ("client", "server") and name in ("client", "server"):
        return text(f"role.{name}", lang)
    key = f"node.{name}"
    label = text(key, lang)
    return name if label == key else label


def event_label(step: Step, lang: str) -> str:
    """The short label of a local event (``ui.event.EVENT`` with the first note's values)."""
    params = dict(step.notes[0].params) if step.notes else {}
    if step.event:
        return text(f"ui.event.{step.event}", lang, **params)
    return step.summary


def arrow_label(step: Step, lang: str) -> str:
    """What is written on a segment's arrow: flags, seq, ack and length."""
    f = tcp_fields(step)
    if f is None:
        return step.summary
    label = f"{flag_names(str(f['flags']))} seq={f['seq']} ack={f['ack']} len={f['len']}"
    if step.retransmission:
        label += f" ({text('ui.retransmission', lang)})"
    return label


def side_name(trace: Trace, name: str, lang: str) -> str:
    return text(f"role.{name}", lang) if trace.node(name).role in ("client", "server") else name


def receivers_label(trace: Trace, step: Step, lang: str) -> str:
    """The receivers of a step's frame, by name ("B, C, gateway")."""
    return text("ui.lanes.receiver_sep", lang).join(
        node_label(trace, name, lang) for name in step.receivers
    )


def direction(trace: Trace, step: Step, lang: str, ascii_only: bool = False) -> str:
    """ "client → server", "switch → B、C" (or the local event's node)."""
    src = node_label(trace, step.src, lang)
    if step.dst is None:
        return src
    arrow = "->" if ascii_only else "→"
    return f"{src} {arrow} {receivers_label(trace, step, lang)}"


def arrow(trace: Trace, step: Step, ascii_only: bool = False) -> str:
    """The direction as one arrow between the first two endpoints, as in the diagram; a local
    event is a mark on its side."""
    left = trace.endpoints[0]
    if step.dst is None:
        mark = "*" if ascii_only else "◆"
        return f"{mark}  " if step.src == left else f"  {mark}"
    if step.src == left:
        return "->" if ascii_only else "─▶"
    return "<-" if ascii_only else "◀─"


def seconds(t: float) -> str:
    return f"{t:.3f}"


def explanation(step: Step, lang: str) -> str:
    """All the step's notes as one paragraph."""
    return text("ui.sentence_sep", lang).join(render(n, lang) for n in step.notes)
