"""The routing scenario's own parts of the report: the topology before the steps, and what
traceroute prints after them.

Owns the table of the topology's networks (name, prefix, cost, each interface as "node
interface address"), read from ``Trace.params["networks"]``, and the hop list of
``--traceroute`` as Linux's ``traceroute -n -q 1`` prints it, read from
``Trace.params["hops"]`` (``traceroute`` is a program's output, so its lines are not
translated). Reads the Trace only; one record per network where the table would not fit.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Trace
from netlab.views.fitting import fit_table

PROBE_BYTES = 60  # traceroute's default packet: IP 20 + UDP 8 + 32 bytes of data


def prelude(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType:
    """The topology's networks, one row each."""
    title = text("route.section.networks", lang, name=trace.params["topology"])
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.ASCII if ascii_only else box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
    )
    for column in ("name", "prefix", "cost", "members"):
        table.add_column(text(f"route.network.{column}", lang), overflow="fold")
    for network in trace.params["networks"]:
        table.add_row(
            network["name"],
            network["prefix"],
            str(network["cost"]),
            "\n".join(network["members"]),
        )
    return fit_table(table, lang)


def traceroute_lines(trace: Trace) -> list[str]:
    """``traceroute -n -q 1 DST``'s output for the trace's probes."""
    dst = trace.params["to"]
    lines = [f"traceroute to {dst} ({dst}), 30 hops max, {PROBE_BYTES} byte packets"]
    for hop in trace.params["hops"]:
        mark = f" {hop['mark']}" if hop["mark"] else ""
        lines.append(f"{hop['ttl']:2d}  {hop['ip']}  {hop['ms']:.3f} ms{mark}")
    return lines


def section(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType | None:
    """What traceroute prints, for ``--traceroute``; nothing otherwise."""
    if not trace.params.get("traceroute"):
        return None
    title = Text(text("route.section.traceroute", lang), style="bold")
    return Group(title, Text("\n".join(traceroute_lines(trace))))
