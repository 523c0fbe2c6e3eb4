"""``netlab simulate states``: the TCP transition table, whole or around one state.

Owns drawing ``netlab.sim.tcp.TRANSITIONS``: one row per arc (a mark, event, next state, segment
sent, what happens), with the state's meaning; for ``--state`` the ways into and out of one
state. The mark column shows ``*`` for an arc drawn in RFC 9293's Figure 5 and ``¹``/``²`` for
an arc that the figure's note 1 or note 2 describes; the footnote under the tables explains
them. The marks are chosen when the view is printed: a console that only takes ASCII gets
``(1)``/``(2)`` instead of the superscripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.tcp import LISTEN_OR_CLOSED, TRANSITIONS, Arc, State, arcs_into, arcs_out_of
from netlab.views.fitting import Fit, records

#: The signs of Figure 5's notes, and their stand-ins on a console that only takes ASCII.
NOTE_SIGNS = {1: "¹", 2: "²"}
NOTE_SIGNS_ASCII = {1: "(1)", 2: "(2)"}


class _Drawn:
    """A view built when it is printed, so that its marks suit the console's encoding."""

    def __init__(self, build: Callable[[bool], RenderableType]) -> None:
        self._build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._build(options.ascii_only)


def mark(arc: Arc, ascii_only: bool = False) -> str:
    """``*`` for an arc Figure 5 draws, followed by the sign of the note describing it."""
    signs = NOTE_SIGNS_ASCII if ascii_only else NOTE_SIGNS
    drawn = "*" if arc.in_figure else ""
    return drawn + (signs[arc.figure_note] if arc.figure_note else "")


def event_name(arc: Arc, lang: str) -> str:
    """The arc's event as the state table prints it (RFC 9293's words, in ``lang``)."""
    return text(f"tcp.arc_event.{arc.event.name.lower()}", lang)


def send_name(arc: Arc, lang: str) -> str:
    """What the arc sends: a segment's flags as they are, the words data/retransmit in ``lang``."""
    if arc.send.name.lower() in {"data", "retransmit"}:
        return text(f"tcp.arc_send.{arc.send.name.lower()}", lang)
    return arc.send.value


def next_state(arc: Arc) -> str:
    return "LISTEN/CLOSED" if arc.key in LISTEN_OR_CLOSED else arc.next.value


def _in_figure_first(arcs: Iterable[Arc]) -> list[Arc]:
    """Drawn arcs first, then the arc a note adds, then the rest, each group in table order."""
    return sorted(arcs, key=lambda a: 0 if a.in_figure else 1 if a.figure_note else 2)


def _table(
    arcs: list[Arc], lang: str, title: str, ascii_only: bool, with_state: bool = True
) -> Table:
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
    table.add_column("", no_wrap=True)  # the mark: * and the note signs
    table.add_column(text("ui.states.event", lang), max_width=22)
    table.add_column(text("ui.states.next", lang), no_wrap=True)
    table.add_column(text("ui.states.send", lang), no_wrap=True)
    table.add_column(text("ui.states.meaning", lang), ratio=1, min_width=20)
    for arc in arcs:
        cells = [
            mark(arc, ascii_only),
            event_name(arc, lang),
            next_state(arc),
            send_name(arc, lang),
        ]
        if with_state:
            cells.insert(0, arc.state.value)
        table.add_row(*cells, text(f"tcp.arc.{arc.key}", lang))
    if not arcs:
        table.add_row(*([text("ui.states.none", lang)] + [""] * (5 if with_state else 4)))
    return table


def footnote(lang: str, ascii_only: bool = False) -> Text:
    """What ``*`` and the two note signs mean."""
    signs = NOTE_SIGNS_ASCII if ascii_only else NOTE_SIGNS
    return Text(text("ui.states.figure_note", lang, one=signs[1], two=signs[2]), style="italic")


def _fitted(parts: list[RenderableType], lang: str) -> Fit:
    """``parts`` as they are when every table fits whole; else every table as records, one arc
    per line with its meaning below (the same layout for all the tables of a view)."""

    def compact(part: RenderableType) -> RenderableType:
        if not isinstance(part, Table):
            return part
        mark_at = next(i for i, column in enumerate(part.columns) if not column.header)
        return records(part, lang, prose=(len(part.columns) - 1,), lead=mark_at)

    return Fit(Group(*parts), lambda: Group(*(compact(part) for part in parts)))


def _full(lang: str, ascii_only: bool) -> Fit:
    parts: list[RenderableType] = [
        Text(text("ui.states.title", lang), style="bold underline"),
        Text(""),
    ]
    for state in State:
        arcs = _in_figure_first(arcs_out_of(state))
        title = f"{state.value}: {text(f'tcp.state.{state.value}', lang)}"
        parts.append(_table(arcs, lang, title, ascii_only, with_state=False))
        parts.append(Text(""))
    parts.append(footnote(lang, ascii_only))
    return _fitted(parts, lang)


def ways_in(state: State) -> list[Arc]:
    """The arcs from other states into ``state``, with those that end in LISTEN or CLOSED
    depending on how the connection was opened listed under CLOSED too."""
    extra = [a for a in TRANSITIONS.values() if a.key in LISTEN_OR_CLOSED]
    chosen = arcs_into(state) + (extra if state is State.CLOSED else [])
    return _in_figure_first(a for a in TRANSITIONS.values() if a in chosen)


def _one(state: State, lang: str, ascii_only: bool) -> Fit:
    into = text("ui.states.ways_in", lang, state=state.value)
    out = text("ui.states.ways_out", lang, state=state.value)
    parts: list[RenderableType] = [
        Text(f"{state.value}: {text(f'tcp.state.{state.value}', lang)}", style="bold"),
        Text(""),
        _table(ways_in(state), lang, into, ascii_only),
        Text(""),
        _table(_in_figure_first(arcs_out_of(state)), lang, out, ascii_only, with_state=False),
        Text(""),
        footnote(lang, ascii_only),
    ]
    return _fitted(parts, lang)


def full_table(lang: str) -> RenderableType:
    """Every arc, grouped by the state it starts from, each state with its meaning."""
    return _Drawn(lambda ascii_only: _full(lang, ascii_only))


def one_state(state: State, lang: str) -> RenderableType:
    """The ways into and out of one state (the state it leaves is the title's)."""
    return _Drawn(lambda ascii_only: _one(state, lang, ascii_only))


# -- --json ------------------------------------------------------------------------------------


def arc_dict(arc: Arc, lang: str) -> dict[str, object]:
    """One arc as data: the same columns as the table, the marks as fields."""
    return {
        "state": arc.state.value,
        "event": arc.event.value,
        "event_text": event_name(arc, lang),
        "next": next_state(arc),
        "send": arc.send.value,
        "send_text": send_name(arc, lang),
        "in_figure": arc.in_figure,
        "figure_note": arc.figure_note,
        "meaning": text(f"tcp.arc.{arc.key}", lang),
    }


def table_document(lang: str) -> dict[str, object]:
    """``simulate states --json``: every state with its meaning and the arcs out of it."""
    return {
        "table": "tcp-states",
        "source": "RFC 9293",
        "states": [
            {
                "state": state.value,
                "meaning": text(f"tcp.state.{state.value}", lang),
                "arcs": [arc_dict(a, lang) for a in _in_figure_first(arcs_out_of(state))],
            }
            for state in State
        ],
    }


def state_document(state: State, lang: str) -> dict[str, object]:
    """``simulate states --state NAME --json``: one state's ways in and out."""
    return {
        "table": "tcp-states",
        "source": "RFC 9293",
        "state": state.value,
        "meaning": text(f"tcp.state.{state.value}", lang),
        "into": [arc_dict(a, lang) for a in ways_in(state)],
        "out_of": [arc_dict(a, lang) for a in _in_figure_first(arcs_out_of(state))],
    }
