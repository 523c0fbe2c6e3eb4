"""``--pcap``: the packets of a Trace as a pcap file Wireshark opens.

Owns which steps become frames (every step with a packet, lost ones included, as captured by
their sender before the loss) and their timestamps (the scenario's clock). The bytes and the
atomic write come from ``netlab.sim.packets``.
"""

from __future__ import annotations

from pathlib import Path

from netlab.errors import OutputError
from netlab.files import to_path
from netlab.i18n import Note
from netlab.sim.trace import Trace


def frames(trace: Trace) -> list[tuple[float, object]]:
    """Every frame that crosses a link once: not the local steps (an encapsulation in
    progress), not the copies a switch forwards unchanged."""
    from netlab.sim.packets import is_ethernet

    return [
        (s.time, s.packet)
        for s in trace.steps
        if s.packet is not None
        and s.dst is not None
        and s.copy_of is None
        and is_ethernet(s.packet)
    ]


def comment(trace: Trace) -> str | None:
    """What the file says about its origin: the TCP scenarios name the stack that produced
    them (a pcapng packet comment on the first frame); the others write plain pcap."""
    stack = trace.params.get("stack")
    if stack is None:
        return None
    return f"netlab simulate {trace.scenario}: stack={stack}"


def write(trace: Trace, path: Path) -> int:
    """Write the trace's frames to ``path`` (``STDOUT``: standard output); return how many
    were written."""
    from netlab.sim.packets import write_pcap

    items = frames(trace)
    try:
        with to_path(path) as target:
            write_pcap(target, items, comment(trace))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(Note("errors.output", {"path": str(path), "reason": reason})) from exc
    return len(items)
