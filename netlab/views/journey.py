"""The journey's own section: which address each phase of the path used.

Owns the summary table of ``netlab simulate journey``: one row per address the scenario
names in ``Trace.params["addresses"]`` (MACs, the private and public IP, the ports), one column
per phase and link (DHCP on the LAN, ..., TCP outside), and a mark where a frame of that phase
on that link carried the address, read from each step's ``fields`` (phase, link, eth_src,
eth_dst, ip_src, ip_dst, sport, dport, and ARP's psrc and pdst). It reads the
Trace only; it shows at a glance that MACs change at every link, that the private address never
leaves the LAN and that NAT's public address and port stand in for it outside. On a terminal
too narrow for the table, one address per line with the phases and links that carried it.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Trace
from netlab.views.fitting import Fit, Record, Records, pair

ADDRESS_FIELDS = ("eth_src", "eth_dst", "ip_src", "ip_dst", "sport", "dport", "psrc", "pdst")


def columns(trace: Trace) -> list[tuple[str, str]]:
    """The (phase, link) pairs in the order they first happen: DHCP on the LAN, ..., TCP
    outside."""
    out: list[tuple[str, str]] = []
    for step in trace.steps:
        key = (step.fields.get("phase"), step.fields.get("link"))
        if key[0] and key[1] and key not in out:
            out.append(key)
    return out


def usage(trace: Trace) -> dict[str, set[tuple[str, str]]]:
    """For every address value, the (phase, link) pairs whose frames carried it."""
    used: dict[str, set[tuple[str, str]]] = {}
    for step in trace.steps:
        key = (step.fields.get("phase"), step.fields.get("link"))
        if not key[0] or not key[1] or step.dst is None:
            continue
        for name in ADDRESS_FIELDS:
            value = step.fields.get(name)
            if value is not None:
                used.setdefault(str(value), set()).add(key)
    return used


def section(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType:
    spans = columns(trace)
    used = usage(trace)
    table = Table(
        title=text("journey.summary.title", lang),
        title_justify="left",
        title_style="bold",
        box=box.ASCII if ascii_only else box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(text("journey.summary.address", lang), min_width=14)
    table.add_column(text("journey.summary.value", lang), no_wrap=True)
    for phase, link in spans:
        heading = text(f"journey.phase.{phase}", lang)
        where = text(f"journey.link.{link}", lang)
        table.add_column(f"{heading}\n{where}", justify="center", no_wrap=True)
    mark = "x" if ascii_only else "✓"
    compact: list[Record] = []
    for key, value in trace.params.get("addresses", []):
        phases_used = used.get(str(value), set())
        row = [text(f"journey.address.{key}", lang), str(value)]
        row += [mark if key in phases_used else "" for key in spans]
        table.add_row(*row)
        units = [pair(row[0], Text(str(value), style="bold"), lang)]
        for phase, link in spans:
            if (phase, link) in phases_used:
                where = (
                    f"{text(f'journey.phase.{phase}', lang)} {text(f'journey.link.{link}', lang)}"
                )
                units.append(Text(f"{mark} {where}"))
        compact.append(Record(units))
    title = Text(text("journey.summary.title", lang), style="bold")
    # narrower than the table: one address per line, with the phases and links that used it
    shown = Fit(table, Records(title, compact))
    return Group(shown, Text(text("journey.summary.read", lang), style="italic"))
