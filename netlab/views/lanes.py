"""The sequence diagram with one lifeline per node: hosts, switches, routers and servers.

Owns the layout of a Trace with any number of nodes (the ARP, NAT, DHCP, DNS, layers and
journey scenarios): one lane per node in node order, one label row and one arrow row per frame,
arrowheads at every receiver of a flood, a mark for a local event, a cross for a lost or dropped
frame, and the protocol states that changed. Produces rich ``Text`` lines, like
``netlab.views.timeline`` does for the two-endpoint TCP diagram, so the report, ``--step`` and
the SVG export share them. Plain ASCII when the console cannot encode box drawing.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.labels import event_label, node_label, seconds, summary
from netlab.views.timeline import ASCII, STYLE, UNICODE, fit

TIME_W = 8  # at least: the time column, right-aligned, and a space
MIN_LANE = 8
MAX_LANE = 26


class Lanes:
    """Draws a Trace with one lifeline per node."""

    def __init__(self, trace: Trace, lang: str, width: int = 100, ascii_only: bool = False):
        self.trace = trace
        self.lang = lang
        self.g = ASCII if ascii_only else UNICODE
        self.names = [n.name for n in trace.nodes]
        count = max(1, len(self.names))
        longest = max((len(seconds(s.time)) for s in trace.steps), default=0)
        self.time_w = tw = max(TIME_W, longest + 1)
        self.lane = max(MIN_LANE, min(MAX_LANE, (width - tw) // count))
        self.total = tw + self.lane * count
        self.x = {name: tw + self.lane * i + self.lane // 2 for i, name in enumerate(self.names)}
        self._shown = dict(trace.initial_states)

    # -- pieces ----------------------------------------------------------------------------

    def _blank(self, time: str = "") -> list[str]:
        row = list(f"{time:>{self.time_w - 1}} ".ljust(self.total))
        for x in self.x.values():
            row[x] = self.g.life
        return row

    def _centered(self, row: list[str], label: str, centre: int, lo: int, hi: int) -> Text:
        """Put ``label`` into ``row`` centred on ``centre`` and kept within columns lo..hi."""
        label = fit(label, hi - lo)
        width = cell_len(label)
        start = min(max(lo, centre - width // 2), hi - width)
        out = Text("".join(row[:start]))
        out.append(label)
        # a wide (CJK) label takes two cells per character: skip as many row cells
        out.append("".join(row[start + width :]))
        return out

    def head(self) -> list[Text]:
        """Lane names (translated when the catalogue has ``node.NAME``) and addresses."""
        out_names = Text(" " * self.time_w)
        out_addr = Text(" " * self.time_w)
        for name in self.names:
            node = self.trace.node(name)
            label = fit(node_label(self.trace, name, self.lang), self.lane - 1)
            addr = fit(node.ip or "", self.lane - 1)
            for out, value, style in ((out_names, label, "bold"), (out_addr, addr, "dim")):
                pad = self.lane - cell_len(value)
                out.append(" " * (pad // 2))
                out.append(value, style=style)
                out.append(" " * (pad - pad // 2))
        lines = [out_names, out_addr]
        lines.append(Text("".join(self._blank())))
        return lines

    def _states_line(self, step: Step) -> Text | None:
        changed = []
        for name, state in step.states.items():
            if self._shown.get(name) != state:
                changed.append(
                    text(
                        "ui.lanes.states_now",
                        self.lang,
                        node=node_label(self.trace, name, self.lang),
                        state=state,
                    )
                )
                self._shown[name] = state
        if not changed:
            return None
        line = Text(" " * self.time_w)
        line.append(text("ui.list_sep", self.lang).join(changed), style=STYLE["state"])
        return line

    def _event_lines(self, step: Step) -> list[Text]:
        row = self._blank(seconds(step.time))
        x = self.x.get(step.src, self.time_w)
        row[x] = self.g.event
        label = " " + event_label(step, self.lang) + " "
        room_right = self.total - x - 1
        if cell_len(label) <= room_right or room_right >= x - self.time_w:
            label = fit(label, room_right)
            start = x + 1
        else:
            label = fit(label, x - self.time_w)
            start = x - cell_len(label)
        width = cell_len(label)
        line = Text("".join(row[:start]))
        line.append(label, style=STYLE["event"])
        line.append("".join(row[start + width :]))
        line.stylize(STYLE["event"], x, x + 1)
        return [line]

    def _packet_lines(self, step: Step) -> list[Text]:
        g = self.g
        src = self.x[step.src]
        receivers = [self.x[r] for r in step.receivers if r in self.x]
        lo, hi = min([src, *receivers]), max([src, *receivers])
        to_right = max(receivers) > src if receivers else True
        style = STYLE["right"] if to_right else STYLE["left"]
        if step.lost:
            style = STYLE["lost"]
        label = summary(step)
        if step.lost:
            label += f" ({text('ui.lanes.dropped', self.lang)})"
        centre = (lo + hi) // 2
        label_row = self._centered(
            self._blank(seconds(step.time)), label, centre, self.time_w, self.total
        )
        label_row.stylize(style, self.time_w)
        row = self._blank()
        if step.lost:
            end = receivers[0] if receivers else hi
            mid = (src + end) // 2
            a, b = sorted((src, mid))
            for c in range(a + 1, b):
                row[c] = g.line
            row[mid] = g.lost
        else:
            for c in range(lo + 1, hi):
                row[c] = g.cross if c in self.x.values() else g.line
            for r in receivers:
                row[r] = g.right if r > src else g.left
        arrow = Text("".join(row))
        arrow.stylize(style, lo, hi + 1)
        return [label_row, arrow]

    # -- public ----------------------------------------------------------------------------

    def step_lines(self, step: Step) -> list[Text]:
        if step.dst is None or step.src not in self.x:
            lines = self._event_lines(step)
        else:
            lines = self._packet_lines(step)
        states = self._states_line(step)
        if states is not None:
            lines.append(states)
        return lines

    def lines(self) -> list[Text]:
        out = self.head()
        for step in self.trace.steps:
            out.extend(self.step_lines(step))
        return out
