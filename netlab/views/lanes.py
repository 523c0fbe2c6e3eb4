"""The sequence diagram with one lifeline per node: hosts, switches, routers and servers.

Owns the layout of a Trace with any number of nodes (the ARP, NAT, DHCP, DNS, layers and
journey scenarios): one lane per node in node order, one label row and one arrow row per frame,
arrowheads at every receiver of a flood, a mark for a local event, a cross for a lost or dropped
frame, and the protocol states that changed. Produces rich ``Text`` lines, like
``netlab.views.timeline`` does for the two-endpoint TCP diagram, so the report, ``--step`` and
the SVG export share them. Plain ASCII when the console cannot encode box drawing.

Nothing is ever cut: on a narrow terminal the lanes get narrower, names that no longer fit
their lane are staggered over two or more rows, the addresses move to a legend above the lanes,
and a label longer than the diagram is wrapped at its spaces over several rows.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.fitting import pack
from netlab.views.labels import event_label, node_label, seconds, summary
from netlab.views.timeline import ASCII, STYLE, UNICODE, wrapped

TIME_W = 8  # at least: the time column, right-aligned, and a space
MIN_LANE = 4  # a lifeline, an arrow of two cells and a head
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
        self.width = max(width, self.total)
        self.x = {name: tw + self.lane * i + self.lane // 2 for i, name in enumerate(self.names)}
        self._shown = dict(trace.initial_states)

    # -- pieces ----------------------------------------------------------------------------

    def _blank(self, time: str = "") -> list[str]:
        row = list(f"{time:>{self.time_w - 1}} ".ljust(self.total))
        for x in self.x.values():
            row[x] = self.g.life
        return row

    def _centered(self, row: list[str], label: str, centre: int, lo: int, hi: int) -> Text:
        """Put ``label`` into ``row`` centred on ``centre`` and kept within columns lo..hi (a
        label wider than that runs on to the right: it is never cut)."""
        width = cell_len(label)
        start = max(lo, min(centre - width // 2, hi - width))
        out = Text("".join(row[:start]))
        out.append(label)
        # a wide (CJK) label takes two cells per character: skip as many row cells
        out.append("".join(row[start + width :]))
        return out

    def _names_row(self, labels: list[str], rows: int, r: int) -> Text | None:
        """Row ``r`` of the names staggered over ``rows`` rows (lane i on row i % rows): each
        centred on its lifeline, pushed right past the name before it; None when a name would
        then no longer stand over its lifeline or run past the width."""
        line = Text()
        for i, label in enumerate(labels):
            if i % rows != r:
                continue
            x, width = self.x[self.names[i]], cell_len(label)
            room = max(rows * self.lane, width)
            start = min(x - room // 2 + (room - width) // 2, self.width - width)
            start = max(start, self.time_w, cell_len(line.plain) + (1 if line else 0))
            if not start - 1 <= x <= start + width or start + width > self.width:
                return None
            line.append(" " * (start - cell_len(line.plain)))
            line.append(label, style="bold")
        line.append(" " * (self.total - cell_len(line.plain)))
        return line

    def _names_rows(self, labels: list[str]) -> list[Text]:
        """The lane names on as few rows as keep each whole and over its lifeline: one row when
        they fit side by side, else staggered over two or more."""
        for rows in range(1, len(labels) + 1):
            lines = [self._names_row(labels, rows, r) for r in range(rows)]
            if all(line is not None for line in lines):
                return lines  # type: ignore[return-value]
        return [Text(" " * self.time_w + " ".join(labels))]  # narrower than any name: a list

    def head(self) -> list[Text]:
        """Lane names (translated when the catalogue has ``node.NAME``) and addresses: under
        the names when each fits its lane, else in a legend above them."""
        labels = [node_label(self.trace, name, self.lang) for name in self.names]
        addresses = [self.trace.node(name).ip or "" for name in self.names]
        lines: list[Text] = []
        if all(cell_len(a) <= self.lane - 1 for a in addresses):
            names = self._names_rows(labels)
            out_addr = Text(" " * self.time_w)
            for value in addresses:
                pad = self.lane - cell_len(value)
                out_addr.append(" " * (pad // 2))
                out_addr.append(value, style="dim")
                out_addr.append(" " * (pad - pad // 2))
            lines += [*names, out_addr]
        else:
            units = []
            for label, address in zip(labels, addresses, strict=True):
                if address:
                    unit = Text(label, style="bold")
                    unit.append(f" {address}", style="dim")
                    units.append(unit)
            indent = self.time_w if self.width - self.time_w >= 30 else 0
            for line in pack(units, self.width - indent, "   "):
                lines.append(Text(" " * indent) + line)
            lines += self._names_rows(labels)
        lines.append(Text("".join(self._blank())))
        return lines

    def _states_lines(self, step: Step) -> list[Text] | None:
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
        units = [Text(item, style=STYLE["state"]) for item in changed]
        sep = text("ui.list_sep", self.lang)
        room = self.width - self.time_w
        return [Text(" " * self.time_w) + line for line in pack(units, room, sep)]

    def _event_lines(self, step: Step) -> list[Text]:
        x = self.x.get(step.src, self.time_w)
        label = event_label(step, self.lang)
        room_right = self.width - x - 3  # the mark, a space either side
        room_left = x - self.time_w - 2
        right = cell_len(label) <= room_right or room_right >= room_left
        lines = wrapped(label, max(room_right if right else room_left, 1))
        out = []
        for i, part in enumerate(lines):
            row = self._blank(seconds(step.time) if i == 0 else "")
            if i == 0:
                row[x] = self.g.event
            part = f" {part} "
            width = cell_len(part)
            start = x + 1 if right else x - width
            line = Text("".join(row[:start]))
            line.append(part, style=STYLE["event"])
            line.append("".join(row[start + width :]))
            if i == 0:
                line.stylize(STYLE["event"], x, x + 1)
            out.append(line)
        return out

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
        label_rows = []
        for i, part in enumerate(wrapped(label, self.width - self.time_w)):
            row = self._blank(seconds(step.time) if i == 0 else "")
            label_rows.append(self._centered(row, part, centre, self.time_w, self.width))
            label_rows[-1].stylize(style, self.time_w)
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
        return [*label_rows, arrow]

    # -- public ----------------------------------------------------------------------------

    def step_lines(self, step: Step) -> list[Text]:
        if step.dst is None or step.src not in self.x:
            lines = self._event_lines(step)
        else:
            lines = self._packet_lines(step)
        states = self._states_lines(step)
        if states is not None:
            lines += states
        return lines

    def lines(self) -> list[Text]:
        out = self.head()
        for step in self.trace.steps:
            out.extend(self.step_lines(step))
        return out
