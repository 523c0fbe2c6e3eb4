"""``--pcap``: the packets of a Trace as a pcap file Wireshark opens.

Owns which steps become frames (every step with a packet, lost ones included, as captured by
their sender before the loss) and their timestamps (the scenario's clock). The bytes come from
``netlab.sim.packets``, the writing from ``netlab.files`` (a file replaced atomically, a FIFO,
a device or standard output written through).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from netlab.files import reported
from netlab.sim.trace import Step, Trace


def frame_steps(trace: Trace) -> list[Step]:
    """The steps that become frames, in file order (frame N is the N-th): every frame that
    crosses a link once; not the local steps (an encapsulation in progress), not the copies a
    switch forwards unchanged."""
    from netlab.sim.packets import is_ethernet

    return [
        s
        for s in trace.steps
        if s.packet is not None
        and s.dst is not None
        and s.copy_of is None
        and is_ethernet(s.packet)
    ]


def frame_numbers(trace: Trace) -> dict[int, int]:
    """Step index -> its frame number in the file (1-based, as Wireshark's ``frame.number``)."""
    return {s.index: n for n, s in enumerate(frame_steps(trace), start=1)}


def frames(trace: Trace) -> list[tuple[float, object]]:
    """``(time, packet)`` of each of ``frame_steps``."""
    return [(s.time, s.packet) for s in frame_steps(trace)]


def comment(trace: Trace) -> str | None:
    """What the file says about its origin: the TCP scenarios name the stack that produced
    them (a pcapng packet comment on the first frame); the others write plain pcap."""
    stack = trace.params.get("stack")
    if stack is None:
        return None
    return f"netlab simulate {trace.scenario}: stack={stack}"


def write(trace: Trace, path: Path, waiting: Callable[[float], None] | None = None) -> int:
    """Write the trace's frames to ``path`` (``STDOUT``: standard output); return how many
    were written. ``waiting``: see ``netlab.files.atomic_write``."""
    from netlab.sim.packets import write_pcap

    items = frames(trace)
    with reported(path):
        write_pcap(path, items, comment(trace), waiting)
    return len(items)
