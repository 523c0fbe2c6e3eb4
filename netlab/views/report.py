"""The full report of a simulation: title, header, diagram, step table, reasons, summary.

Owns how the pieces are put together on the console (and therefore in the SVG export, which
records the same output). Each piece is built from the Trace alone.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from netlab.i18n import render, text
from netlab.sim.trace import Step, Trace
from netlab.views import tables
from netlab.views.fitting import Fit, fit_table, records
from netlab.views.labels import (
    arrow,
    event_label,
    explanation,
    flag_names,
    node_label,
    receivers_label,
    seconds,
    side_name,
    summary,
    tcp_fields,
)
from netlab.views.lanes import Lanes
from netlab.views.timeline import STYLE, Timeline

#: Scenarios that add a section of their own to the report: module with ``section(...)``.
SECTIONS = {
    "layers": "netlab.views.layers",
    "journey": "netlab.views.journey",
    "route": "netlab.views.route",
}
#: Scenarios that draw something before the diagram (route, rip: the topology): ``prelude(...)``.
PRELUDES = {
    "route": "netlab.views.route",
    "rip": "netlab.views.route",
    "ospf": "netlab.views.route",
}


def uses_lanes(trace: Trace) -> bool:
    """True for a trace drawn with one lane per node (every scenario but the two-endpoint TCP
    ones, whose every frame carries a TCP segment)."""
    frames = [step for step in trace.steps if step.dst is not None]
    return len(trace.nodes) != 2 or not all(step.segment is not None for step in frames)


def diagram_for(trace: Trace, lang: str, width: int, ascii_only: bool) -> Timeline | Lanes:
    """The diagram that suits the trace: two TCP lifelines, or one lane per node."""
    if uses_lanes(trace):
        return Lanes(trace, lang, width, ascii_only)
    return Timeline(trace, lang, width, ascii_only)


def can_draw_unicode(console: Console) -> bool:
    return "utf" in (console.encoding or "").lower()


def title(trace: Trace, lang: str) -> Text:
    return Text(render(trace.title, lang), style="bold underline")


def header(trace: Trace, lang: str) -> Text:
    return Text("\n".join(render(n, lang) for n in trace.header))


def diagram(trace: Trace, lang: str, width: int, ascii_only: bool) -> Text:
    return Text("\n").join(diagram_for(trace, lang, width, ascii_only).lines())


def path(trace: Trace, step: Step, lang: str, ascii_only: bool) -> str:
    """ "A → switch", "switch → B, C, gateway", or the node of a local event."""
    src = node_label(trace, step.src, lang)
    if step.dst is None:
        return src
    return f"{src} {'->' if ascii_only else '→'} {receivers_label(trace, step, lang)}"


def lanes_table(trace: Trace, lang: str, ascii_only: bool = False, width: int = 100) -> Table:
    """One row per step for a many-node trace: number, time, path, protocol, info (the states
    are on the diagram, where they change: a LAN may have six hosts)."""
    table = Table(header_style="bold underline", box=None, pad_edge=False, padding=(0, 1))
    table.add_column(text("ui.no", lang), justify="right", no_wrap=True)
    table.add_column(text("ui.time", lang), justify="right", no_wrap=True)
    longest = max((cell_len(summary(s)) for s in trace.steps if s.dst is not None), default=10)
    info_width = min(longest, 44, max(16, width - 40))  # the rest: number, time, path, protocol
    table.add_column(
        text("ui.lanes.path_ascii" if ascii_only else "ui.lanes.path", lang),
        overflow="fold",
        max_width=max(12, width - info_width - 22),
    )
    table.add_column(text("ui.lanes.protocol", lang), no_wrap=True)
    table.add_column(text("ui.lanes.info", lang), overflow="fold", min_width=info_width)
    for step in trace.steps:
        if step.dst is None:
            info = Text(event_label(step, lang), style=STYLE["event"])
        else:
            info = Text(summary(step))
            if step.lost:
                info.append(f" ({text('ui.lanes.dropped', lang)})", style=STYLE["lost"])
        table.add_row(
            str(step.index),
            seconds(step.time),
            path(trace, step, lang, ascii_only),
            step.protocol,
            info,
        )
    return table


def lanes_steps(trace: Trace, lang: str, ascii_only: bool = False, width: int = 100) -> Fit:
    """``lanes_table``, or one step per line where the table would not fit whole."""
    return fit_table(lanes_table(trace, lang, ascii_only, width), lang, prose=(4,), lead=0)


def step_row(trace: Trace, step: Step, lang: str, ascii_only: bool) -> list[RenderableType]:
    f = tcp_fields(step)
    what = Text(arrow(trace, step, ascii_only) + " ")
    if f is None:
        event = text(f"ui.event.{step.event}", lang, **dict(step.notes[0].params))
        what.append(event, style=STYLE["event"])
        seq = ack = length = ""
    else:
        what.append(flag_names(str(f["flags"])))
        if step.retransmission:
            what.append(f" ({text('ui.retx_short', lang)})")
        if step.lost:
            what.append(f" {text('ui.lost', lang)}", style=STYLE["lost"])
        seq, ack, length = str(f["seq"]), str(f["ack"]), str(f["len"])
    states = [step.states.get(name, "") for name in trace.endpoints]
    return [str(step.index), seconds(step.time), what, seq, ack, length, *states]


def step_table(trace: Trace, lang: str, ascii_only: bool = False) -> Fit:
    """One row per step: number, time, direction and flags, seq, ack, len, each side's state.
    Narrower: both states in one column, one above the other; narrower still, one record per
    step."""
    return Fit(
        lambda: _step_table(trace, lang, ascii_only, stacked=False),
        lambda: _step_table(trace, lang, ascii_only, stacked=True),
        lambda: records(_step_table(trace, lang, ascii_only, stacked=False), lang, lead=0),
    )


def _step_table(trace: Trace, lang: str, ascii_only: bool, stacked: bool) -> Table:
    table = Table(header_style="bold underline", box=None, pad_edge=False, padding=(0, 1))
    table.add_column(text("ui.no", lang), justify="right", no_wrap=True)
    table.add_column(text("ui.time", lang), justify="right", no_wrap=True)
    table.add_column(text("ui.segment", lang), min_width=10)
    for key in ("ui.seq", "ui.ack", "ui.len"):
        table.add_column(text(key, lang), justify="right", no_wrap=True)
    labels = [text("ui.state_of", lang, side=side_name(trace, n, lang)) for n in trace.endpoints]
    if stacked:
        table.add_column("\n".join(labels), no_wrap=True)
    else:
        for label in labels:
            table.add_column(label, no_wrap=True)
    for step in trace.steps:
        row = step_row(trace, step, lang, ascii_only)
        if stacked:
            row = [*row[:6], "\n".join(row[6:])]
        table.add_row(*row)
    return table


def reasons(trace: Trace, lang: str, ascii_only: bool = False) -> Table:
    """Each step's explanation; below it, the tables that the step changed."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold")
    grid.add_column()
    for step in trace.steps:
        grid.add_row(f"{step.index}.", explanation(step, lang))
        changed = tables.after_step(trace, step, lang, ascii_only)
        if changed is not None:
            grid.add_row("", changed)
    return grid


def section(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType | None:
    """The scenario's own section (the layer table of ``layers``...), if it has one."""
    module_name = SECTIONS.get(trace.scenario)
    if module_name is None:
        return None
    import importlib

    return importlib.import_module(module_name).section(trace, lang, width, ascii_only)


def prelude(trace: Trace, lang: str, width: int, ascii_only: bool) -> RenderableType | None:
    """What the scenario shows before its steps (the topology of ``route``), if anything."""
    module_name = PRELUDES.get(trace.scenario)
    if module_name is None:
        return None
    import importlib

    return importlib.import_module(module_name).prelude(trace, lang, width, ascii_only)


def remember(trace: Trace, lang: str) -> Panel:
    body = Text("\n").join(Text(f"• {render(n, lang)}") for n in trace.remember)
    return Panel(body, title=text("ui.remember", lang), title_align="left", expand=True)


def report(trace: Trace, lang: str, width: int = 100, ascii_only: bool = False) -> Group:
    """Everything ``netlab simulate`` prints for a trace, in order."""
    if uses_lanes(trace):
        parts: list[RenderableType] = [
            title(trace, lang),
            header(trace, lang),
            Text(""),
        ]
        before = prelude(trace, lang, width, ascii_only)
        if before is not None:
            parts += [before, Text("")]
        parts += [
            diagram(trace, lang, width, ascii_only),
            Text(""),
            lanes_steps(trace, lang, ascii_only, width),
        ]
        extra = section(trace, lang, width, ascii_only)
        if extra is not None:
            parts += [Text(""), extra]
        parts += [
            Text(""),
            Text(text("ui.why", lang), style="bold"),
            reasons(trace, lang, ascii_only),
            Text(""),
            remember(trace, lang),
        ]
        return Group(*parts)
    return Group(
        title(trace, lang),
        header(trace, lang),
        Text(""),
        diagram(trace, lang, width, ascii_only),
        Text(""),
        step_table(trace, lang, ascii_only),
        Text(""),
        Text(text("ui.why", lang), style="bold"),
        reasons(trace, lang),
        Text(""),
        remember(trace, lang),
    )
