"""``netlab simulate states``: the TCP transition table, whole or around one state.

Owns drawing ``netlab.sim.tcp.TRANSITIONS``: one row per arc (state, event, next state, segment
sent, what happens), arcs of RFC 9293's Figure 5 marked, and for ``--state`` the ways into and
out of one state with the state's meaning.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.tcp import TRANSITIONS, Arc, State, arcs_into, arcs_out_of


def _table(arcs: list[Arc], lang: str, title: str, with_state: bool = True) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold underline",
        box=None,
        pad_edge=False,
        padding=(0, 1),
    )
    if with_state:
        table.add_column(text("ui.states.state", lang), no_wrap=True)
    table.add_column(text("ui.states.event", lang), max_width=16)
    table.add_column(text("ui.states.next", lang), no_wrap=True)
    table.add_column(text("ui.states.send", lang), no_wrap=True)
    table.add_column(text("ui.states.meaning", lang), ratio=1, min_width=20)
    for arc in arcs:
        nxt = arc.next.value if arc.key != "synrcvd_rst" else "LISTEN/CLOSED"
        cells = [f"{'*' if arc.in_figure else ' '} {arc.event.value}", nxt, arc.send.value]
        if with_state:
            cells.insert(0, arc.state.value)
        table.add_row(*cells, text(f"tcp.arc.{arc.key}", lang))
    if not arcs:
        table.add_row(*([text("ui.states.none", lang)] + [""] * (4 if with_state else 3)))
    return table


def full_table(lang: str) -> Group:
    """Every arc, grouped by the state it starts from, each state with its meaning."""
    parts: list = [Text(text("ui.states.title", lang), style="bold underline"), Text("")]
    for state in State:
        arcs = [a for a in TRANSITIONS.values() if a.state is state]
        arcs.sort(key=lambda a: not a.in_figure)
        title = f"{state.value}: {text(f'tcp.state.{state.value}', lang)}"
        parts.append(_table(arcs, lang, title, with_state=False))
        parts.append(Text(""))
    parts.append(Text(text("ui.states.figure_note", lang), style="italic"))
    return Group(*parts)


def one_state(state: State, lang: str) -> Group:
    """The ways into and out of one state."""
    return Group(
        Text(f"{state.value}: {text(f'tcp.state.{state.value}', lang)}", style="bold"),
        Text(""),
        _table(arcs_into(state), lang, text("ui.states.ways_in", lang, state=state.value)),
        Text(""),
        _table(arcs_out_of(state), lang, text("ui.states.ways_out", lang, state=state.value)),
        Text(""),
        Text(text("ui.states.figure_note", lang), style="italic"),
    )
