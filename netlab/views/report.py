"""The full report of a simulation: title, header, diagram, step table, reasons, summary.

Owns how the pieces are put together on the console (and therefore in the SVG export, which
records the same output). Each piece is built from the Trace alone.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from netlab.i18n import render, text
from netlab.sim.trace import Step, Trace
from netlab.views.labels import arrow, explanation, flag_names, seconds, side_name, tcp_fields
from netlab.views.timeline import STYLE, Timeline


def can_draw_unicode(console: Console) -> bool:
    return "utf" in (console.encoding or "").lower()


def title(trace: Trace, lang: str) -> Text:
    return Text(render(trace.title, lang), style="bold underline")


def header(trace: Trace, lang: str) -> Text:
    return Text("\n".join(render(n, lang) for n in trace.header))


def diagram(trace: Trace, lang: str, width: int, ascii_only: bool) -> Text:
    return Text("\n").join(Timeline(trace, lang, width, ascii_only).lines())


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


def step_table(trace: Trace, lang: str, ascii_only: bool = False) -> Table:
    """One row per step: number, time, direction and flags, seq, ack, len, each side's state."""
    table = Table(header_style="bold underline", box=None, pad_edge=False, padding=(0, 1))
    table.add_column(text("ui.no", lang), justify="right", no_wrap=True)
    table.add_column(text("ui.time", lang), justify="right", no_wrap=True)
    table.add_column(text("ui.segment", lang), min_width=10)
    for key in ("ui.seq", "ui.ack", "ui.len"):
        table.add_column(text(key, lang), justify="right", no_wrap=True)
    for name in trace.endpoints:
        label = text("ui.state_of", lang, side=side_name(trace, name, lang))
        table.add_column(label, no_wrap=True)
    for step in trace.steps:
        table.add_row(*step_row(trace, step, lang, ascii_only))
    return table


def reasons(trace: Trace, lang: str) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold")
    grid.add_column()
    for step in trace.steps:
        grid.add_row(f"{step.index}.", explanation(step, lang))
    return grid


def remember(trace: Trace, lang: str) -> Panel:
    body = Text("\n").join(Text(f"• {render(n, lang)}") for n in trace.remember)
    return Panel(body, title=text("ui.remember", lang), title_align="left", expand=True)


def report(trace: Trace, lang: str, width: int = 100, ascii_only: bool = False) -> Group:
    """Everything ``netlab simulate`` prints for a trace, in order."""
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
