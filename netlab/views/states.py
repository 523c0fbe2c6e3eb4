"""``netlab simulate states``: the TCP transition table, whole or around one state.

Owns drawing ``netlab.sim.tcp.TRANSITIONS``: one row per arc (state, event, next state, segment
sent, what happens), arcs of RFC 9293's Figure 5 marked, and for ``--state`` the ways into and
out of one state with the state's meaning.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.tcp import TRANSITIONS, Arc, State, arcs_into, arcs_out_of


def _table(arcs: list[Arc], lang: str, title: str, ascii_only: bool) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.ASCII if ascii_only else box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(text("ui.states.state", lang), no_wrap=True)
    table.add_column(text("ui.states.event", lang), no_wrap=True)
    table.add_column(text("ui.states.next", lang), no_wrap=True)
    table.add_column(text("ui.states.send", lang), no_wrap=True)
    table.add_column(text("ui.states.meaning", lang))
    for arc in arcs:
        mark = "*" if arc.in_figure else " "
        table.add_row(
            f"{mark} {arc.state.value}",
            arc.event.value,
            arc.next.value if arc.key != "synrcvd_rst" else "LISTEN / CLOSED",
            arc.send.value,
            text(f"tcp.arc.{arc.key}", lang),
        )
    if not arcs:
        table.add_row(text("ui.states.none", lang), "", "", "", "")
    return table


def full_table(lang: str, ascii_only: bool = False) -> Group:
    order = list(State)
    arcs = sorted(TRANSITIONS.values(), key=lambda a: (order.index(a.state), not a.in_figure))
    return Group(
        _table(arcs, lang, text("ui.states.title", lang), ascii_only),
        Text(text("ui.states.figure_note", lang), style="italic"),
    )


def one_state(state: State, lang: str, ascii_only: bool = False) -> Group:
    return Group(
        Text(f"{state.value}: {text(f'tcp.state.{state.value}', lang)}", style="bold"),
        Text(""),
        _table(
            arcs_into(state), lang, text("ui.states.ways_in", lang, state=state.value), ascii_only
        ),
        _table(
            arcs_out_of(state),
            lang,
            text("ui.states.ways_out", lang, state=state.value),
            ascii_only,
        ),
        Text(text("ui.states.figure_note", lang), style="italic"),
    )
