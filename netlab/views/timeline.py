"""The sequence diagram: two lifelines, one arrow per segment, states beside the lifelines.

Owns the layout of the diagram (time column, state columns, lifelines, arrows, lost segments
and local timer events) for any two-endpoint Trace. Produces rich ``Text`` lines, so the same
lines serve the full report, ``--step`` playback and the SVG export. Plain ASCII is used when
the console cannot encode the box-drawing characters.

Nothing is ever cut: a label longer than the room between the lifelines is wrapped at its
spaces over several rows, and when the state columns would leave less than ``MIN_GAP`` cells
between the lifelines (below 56 columns) the states leave their columns for a line of their own
under the arrow that changed them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, chop_cells
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.fitting import pack, wrap_words
from netlab.views.labels import arrow_label, node_label, seconds, side_name

TIME_W = 8
STATE_W = 12  # SYN-RECEIVED, the longest of RFC 9293's state names
MAX_GAP = 60
MIN_GAP = 20  # below this the states go on lines of their own


@dataclass(frozen=True)
class Glyphs:
    line: str
    right: str
    left: str
    lost: str
    life: str
    event: str
    cross: str  # a line crossing another lifeline (the many-lane diagram)


UNICODE = Glyphs("─", "▶", "◀", "✕", "│", "◆", "┼")
ASCII = Glyphs("-", ">", "<", "x", "|", "*", "+")

STYLE = {
    "left": "cyan",
    "right": "green",
    "lost": "red",
    "event": "yellow",
    "state": "bold magenta",
}


def chunks(word: str, width: int) -> list[str]:
    """A word wider than ``width`` cells in pieces of at most ``width`` cells (the last resort
    for a word longer than the whole diagram: it is split, never dropped)."""
    return chop_cells(word, max(width, 2))


def wrapped(label: str, width: int) -> list[str]:
    """``label`` in lines of at most ``width`` cells, broken at spaces."""
    lines = []
    for line in wrap_words(label, width):
        lines += chunks(line, width) if cell_len(line) > width else [line]
    return lines


def rjust(value: str, width: int) -> str:
    """``value`` right-aligned in ``width`` cells (a CJK character takes two)."""
    return " " * max(0, width - cell_len(value)) + value


class Timeline:
    """Draws one Trace whose steps travel between its first two endpoints."""

    def __init__(self, trace: Trace, lang: str, width: int = 100, ascii_only: bool = False):
        self.trace = trace
        self.lang = lang
        self.g = ASCII if ascii_only else UNICODE
        self.left, self.right = trace.endpoints[:2]
        self.width = width
        longest = max((len(seconds(s.time)) for s in trace.steps), default=0)
        self.time_w = max(TIME_W, longest + 1)
        room = width - self.time_w - 2 * STATE_W - 4
        #: the states beside the lifelines, or (narrow terminal) on lines of their own
        self.columns = room >= MIN_GAP
        self.state_w = STATE_W if self.columns else 0
        if self.columns:
            self.gap = min(MAX_GAP, room)
        else:
            self.gap = max(MIN_GAP, width - self.time_w - 3)
        self._shown = dict(trace.initial_states)

    # -- pieces --------------------------------------------------------------------------------

    def _row(self, time: str, left_state: str, middle: Text, right_state: str) -> Text:
        row = Text(f"{time:>{self.time_w - 1}} ")
        if self.columns:
            row.append(f"{left_state:>{self.state_w}} ", style=STYLE["state"])
        row.append(self.g.life)
        row.append_text(middle)
        row.append(self.g.life)
        if self.columns:
            row.append(f" {right_state}", style=STYLE["state"])
        return row

    def _states_lines(self, left_state: str, right_state: str) -> list[Text]:
        """Narrow layout: the states that changed, on lines of their own ("client: SYN-SENT")."""
        units = [
            Text(
                text(
                    "ui.lanes.states_now",
                    self.lang,
                    node=node_label(self.trace, name, self.lang),
                    state=state,
                ),
                style=STYLE["state"],
            )
            for name, state in ((self.left, left_state), (self.right, right_state))
            if state
        ]
        room = self.width - self.time_w
        sep = text("ui.list_sep", self.lang)
        return [Text(" " * self.time_w) + line for line in pack(units, room, sep)]

    def _with_states(self, rows: list[Text], left_state: str, right_state: str) -> list[Text]:
        """``rows`` with the states that changed: in the last row's columns, or below it."""
        if self.columns:
            return rows
        return rows + self._states_lines(left_state, right_state)

    def _changed(self, step: Step) -> tuple[str, str]:
        out = []
        for name in (self.left, self.right):
            now = step.states.get(name, self._shown.get(name, ""))
            out.append(now if now != self._shown.get(name) else "")
            self._shown[name] = now
        return out[0], out[1]

    # -- public --------------------------------------------------------------------------------

    def head(self) -> list[Text]:
        """Names and addresses above the lifelines, and the initial states beside them."""
        lines = []
        left_at = self.time_w + (self.state_w + 1 if self.columns else 0)  # the left lifeline
        right_at = left_at + 1 + self.gap  # the right lifeline
        left_end = left_at if self.columns else left_at + 1
        for field in ("name", "address"):
            parts = []
            for name in (self.left, self.right):
                node = self.trace.node(name)
                if field == "name":
                    parts.append(side_name(self.trace, name, self.lang))
                else:
                    parts.append(f"{node.ip}:{node.port}" if node.port else (node.ip or ""))
            row = Text(rjust(parts[0], left_end), style="bold")
            start = max(cell_len(row.plain) + 1, min(right_at, self.width - cell_len(parts[1])))
            row.append(" " * (start - cell_len(row.plain)))
            row.append(parts[1], style="bold")
            lines.append(row)
        init = self.trace.initial_states
        left, right = init.get(self.left, ""), init.get(self.right, "")
        first = self._row("", left, Text(" " * self.gap), right)
        return lines + self._with_states([first], left, right)

    def _event_lines(self, step: Step, left_state: str, right_state: str) -> list[Text]:
        g = self.g
        label = f"{g.event} " + text(
            f"ui.event.{step.event}", self.lang, **dict(step.notes[0].params)
        )
        rows = []
        parts = wrapped(label, self.gap - 1)
        for i, part in enumerate(parts):
            if step.src == self.left:
                middle = Text(part + " " * (self.gap - cell_len(part)))
            else:
                middle = Text(" " * (self.gap - cell_len(part)) + part)
            middle.stylize(STYLE["event"])
            time = seconds(step.time) if i == 0 else ""
            left, right = (left_state, right_state) if i == 0 else ("", "")
            rows.append(self._row(time, left, middle, right))
        return self._with_states(rows, left_state, right_state)

    def step_lines(self, step: Step) -> list[Text]:
        """The lines of one step: its label (over as many rows as it needs), then its arrow; or
        its timer mark. Narrow layout: then the states that changed."""
        g = self.g
        left_state, right_state = self._changed(step)
        if step.packet is None:
            return self._event_lines(step, left_state, right_state)
        to_right = step.src == self.left
        style = STYLE["left"] if to_right else STYLE["right"]
        if step.lost:
            style = STYLE["lost"]
        label_rows = []
        for i, part in enumerate(wrapped(arrow_label(step, self.lang), self.gap - 2)):
            pad = self.gap - cell_len(part)
            middle = Text(" " * (pad // 2) + part + " " * (pad - pad // 2))
            row = self._row(seconds(step.time) if i == 0 else "", "", middle, "")
            row.stylize(style, self.time_w + self.state_w + (1 if self.columns else 0))
            label_rows.append(row)
        if step.lost:
            word = text("ui.arrow_lost", self.lang)
            reach = min(self.gap * 3 // 5, self.gap - cell_len(word) - 2)
            body = g.line * (reach - 1) + g.lost
            rest = self.gap - reach - cell_len(word) - 1
            if to_right:
                arrow = body + " " + word + " " * rest
            else:
                arrow = " " * rest + word + " " + body[::-1]
        elif to_right:
            arrow = g.line * (self.gap - 1) + g.right
        else:
            arrow = g.left + g.line * (self.gap - 1)
        arrow_row = self._row("", left_state, Text(arrow, style=style), right_state)
        return self._with_states([*label_rows, arrow_row], left_state, right_state)

    def lines(self) -> list[Text]:
        out = self.head()
        for step in self.trace.steps:
            out.extend(self.step_lines(step))
        return out
