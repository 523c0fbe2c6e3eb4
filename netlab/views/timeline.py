"""The sequence diagram: two lifelines, one arrow per segment, states beside the lifelines.

Owns the layout of the diagram (time column, state columns, lifelines, arrows, lost segments
and local timer events) for any two-endpoint Trace. Produces rich ``Text`` lines, so the same
lines serve the full report, ``--step`` playback and the SVG export. Plain ASCII is used when
the console cannot encode the box-drawing characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.labels import arrow_label, seconds, side_name

TIME_W = 8
STATE_W = 12


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


def fit(label: str, width: int) -> str:
    """``label`` cut to ``width`` cells, with an ellipsis when it had to be cut."""
    if width <= 0:
        return ""
    if cell_len(label) <= width:
        return label
    return set_cell_size(label, width - 1) + "…"


class Timeline:
    """Draws one Trace whose steps travel between its first two endpoints."""

    def __init__(self, trace: Trace, lang: str, width: int = 100, ascii_only: bool = False):
        self.trace = trace
        self.lang = lang
        self.g = ASCII if ascii_only else UNICODE
        self.left, self.right = trace.endpoints[:2]
        self.width = width
        self.gap = max(30, min(60, width - TIME_W - 2 * STATE_W - 4))
        self._shown = dict(trace.initial_states)

    # -- pieces --------------------------------------------------------------------------------

    def _row(self, time: str, left_state: str, middle: Text, right_state: str) -> Text:
        row = Text(f"{time:>{TIME_W - 1}} ")
        row.append(f"{left_state:>{STATE_W}} ", style=STYLE["state"])
        row.append(self.g.life)
        row.append_text(middle)
        row.append(self.g.life)
        row.append(f" {right_state}", style=STYLE["state"])
        return row

    def _fit(self, label: str, width: int) -> str:
        return fit(label, width)

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
        right_at = TIME_W + STATE_W + 1 + self.gap + 1  # column of the right lifeline
        for field in ("name", "address"):
            parts = []
            for name in (self.left, self.right):
                node = self.trace.node(name)
                if field == "name":
                    parts.append(side_name(self.trace, name, self.lang))
                else:
                    parts.append(f"{node.ip}:{node.port}" if node.port else (node.ip or ""))
            row = Text(f"{parts[0]:>{TIME_W + STATE_W + 1}}", style="bold")
            start = max(cell_len(row.plain) + 1, min(right_at, self.width - cell_len(parts[1])))
            row.append(" " * (start - cell_len(row.plain)))
            row.append(parts[1], style="bold")
            lines.append(row)
        init = self.trace.initial_states
        lines.append(
            self._row("", init.get(self.left, ""), Text(" " * self.gap), init.get(self.right, ""))
        )
        return lines

    def step_lines(self, step: Step) -> list[Text]:
        """The two lines of one step: its label, then its arrow (or its timer mark)."""
        g = self.g
        left_state, right_state = self._changed(step)
        if step.packet is None:
            label = self._fit(
                f"{g.event} "
                + text(f"ui.event.{step.event}", self.lang, **dict(step.notes[0].params)),
                self.gap - 1,
            )
            if step.src == self.left:
                middle = Text(label.ljust(self.gap - (cell_len(label) - len(label))))
            else:
                pad = self.gap - cell_len(label)
                middle = Text(" " * pad + label)
            middle.stylize(STYLE["event"])
            return [self._row(seconds(step.time), left_state, middle, right_state)]
        label = self._fit(arrow_label(step, self.lang), self.gap - 2)
        pad = self.gap - cell_len(label)
        label_row = self._row(
            seconds(step.time), "", Text(" " * (pad // 2) + label + " " * (pad - pad // 2)), ""
        )
        to_right = step.src == self.left
        style = STYLE["left"] if to_right else STYLE["right"]
        if step.lost:
            reach = self.gap * 3 // 5
            body = g.line * (reach - 1) + g.lost
            word = self._fit(text("ui.arrow_lost", self.lang), self.gap - reach - 2)
            rest = self.gap - reach - cell_len(word) - 1
            if to_right:
                arrow = body + " " + word + " " * rest
            else:
                arrow = " " * rest + word + " " + body[::-1]
            style = STYLE["lost"]
        elif to_right:
            arrow = g.line * (self.gap - 1) + g.right
        else:
            arrow = g.left + g.line * (self.gap - 1)
        arrow_row = self._row("", left_state, Text(arrow, style=style), right_state)
        label_row.stylize(style, TIME_W + STATE_W + 1)
        return [label_row, arrow_row]

    def lines(self) -> list[Text]:
        out = self.head()
        for step in self.trace.steps:
            out.extend(self.step_lines(step))
        return out
