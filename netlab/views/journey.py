"""The journey's own section: which address each phase of the path used.

Owns the summary table of ``netlab simulate journey``: one row per address the scenario
names in ``Trace.params["addresses"]`` (MACs, the private and public IP, the ports), one column
per phase (DHCP, ARP, DNS, TCP...), and a mark where a frame of that phase carried the address,
read from each step's ``fields`` (eth_src, eth_dst, ip_src, ip_dst, sport, dport). It reads the
Trace only; it shows at a glance that MACs change at every link, that the private address never
leaves the LAN and that NAT's public address and port stand in for it outside.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Trace

ADDRESS_FIELDS = ("eth_src", "eth_dst", "ip_src", "ip_dst", "sport", "dport")


def phases(trace: Trace) -> list[tuple[str, int, int]]:
    """The phases in order with their first and last step numbers."""
    out: list[tuple[str, int, int]] = []
    for step in trace.steps:
        phase = step.fields.get("phase")
        if not phase:
            continue
        if out and out[-1][0] == phase:
            out[-1] = (phase, out[-1][1], step.index)
        else:
            out.append((phase, step.index, step.index))
    return out


def usage(trace: Trace) -> dict[str, set[str]]:
    """For every address value, the phases whose frames carried it (in any address field)."""
    used: dict[str, set[str]] = {}
    for step in trace.steps:
        phase = step.fields.get("phase")
        if not phase or step.dst is None:
            continue
        for name in ADDRESS_FIELDS:
            value = step.fields.get(name)
            if value is not None:
                used.setdefault(str(value), set()).add(phase)
    return used


def section(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType:
    spans = phases(trace)
    used = usage(trace)
    table = Table(
        title=text("journey.summary.title", lang),
        title_justify="left",
        title_style="bold",
        box=box.ASCII if ascii_only else box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(text("journey.summary.address", lang))
    table.add_column(text("journey.summary.value", lang), no_wrap=True)
    for phase, first, last in spans:
        heading = text(f"journey.phase.{phase}", lang)
        steps = f"{first}" if first == last else f"{first}-{last}"
        table.add_column(f"{heading}\n{steps}", justify="center", no_wrap=True)
    mark = "x" if ascii_only else "✓"
    for key, value in trace.params.get("addresses", []):
        phases_used = used.get(str(value), set())
        row = [text(f"journey.address.{key}", lang), str(value)]
        row += [mark if phase in phases_used else "" for phase, _first, _last in spans]
        table.add_row(*row)
    return Group(table, Text(text("journey.summary.read", lang), style="italic"))
