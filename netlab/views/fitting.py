"""Layouts chosen by the width they are given, so that no value is ever cut or split.

Owns ``Fit``, a renderable that shows the first of its layouts in which every word comes out
whole at the width rich gives it (a table nested in another gets less than the console), and
``Records``, the compact layout a table falls back to: one record per line, each cell as a
"key: value" unit that is never broken across lines, longer prose below it. ``records`` turns a
rich Table into Records. ``wrap_words`` breaks a label into lines at spaces only. Views build
their layouts; this module only picks one and lays records out. It draws nothing itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from netlab.i18n import text

#: Wide enough for any layout netlab draws to come out on its natural width.
UNBOUNDED = 10_000

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
#: A word as a line break may not split it: one CJK character, or a run of anything else.
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
#: Table rules and lines whose length follows the width (box drawing, ASCII rules).
_RULE = re.compile(r"^[\u2500-\u257f\-=+|_.:]+$")

Layout = RenderableType | Callable[[], RenderableType]


def words(lines: Iterable[str]) -> Counter[str]:
    """Every word of ``lines`` (box drawing and rules left out), counted."""
    out: Counter[str] = Counter()
    for line in lines:
        for word in _WORD.findall(re.sub(r"[\u2500-\u257f]", " ", line)):
            if not _RULE.match(word):
                out[word] += 1
    return out


def _plain(lines: list[list[Segment]]) -> list[str]:
    return ["".join(segment.text for segment in line) for line in lines]


def drawn_whole(
    console: Console,
    options: ConsoleOptions,
    renderable: RenderableType,
    natural: Measurement | None = None,
) -> list[list[Segment]] | None:
    """``renderable`` drawn at ``options.max_width``, line by line, if it shows every word it
    shows on an unbounded width (nothing folded, cropped or cut with an ellipsis); else None.
    ``natural`` is its measurement on an unbounded width, if already known."""
    width = options.max_width
    if natural is None:
        natural = Measurement.get(console, options.update_width(UNBOUNDED), renderable)
    lines = console.render_lines(renderable, options, pad=False)
    if natural.maximum <= width:
        return lines
    # (rich's minimum is no shortcut: it takes a run of Chinese without spaces for one word)
    narrow = _plain(lines)
    if any(cell_len(line.rstrip()) > width for line in narrow):
        return None
    wide = _own_words(console, renderable)
    if wide is None:
        unbounded = options.update_width(UNBOUNDED)
        wide = words(_plain(console.render_lines(renderable, unbounded, pad=False)))
    return lines if words(narrow) == wide else None


def _own_words(console: Console, renderable: object) -> Counter[str] | None:
    """The words ``renderable`` shows on an unbounded width, read from its parts (texts,
    tables, groups, padding) without drawing it; None for anything else."""
    from rich.console import Group
    from rich.padding import Padding

    if isinstance(renderable, Text):
        return words(renderable.plain.splitlines())
    if isinstance(renderable, str):
        return words(console.render_str(renderable).plain.splitlines())
    parts: list[object]
    if isinstance(renderable, Padding):
        parts = [renderable.renderable]
    elif isinstance(renderable, Group):
        parts = list(renderable.renderables)
    elif isinstance(renderable, Table):
        parts = [renderable.title or "", renderable.caption or ""]
        for column in renderable.columns:
            parts += [column.header] if renderable.show_header else []
            parts += [column.footer] if renderable.show_footer else []
            parts += list(column.cells)
    else:
        return None
    out: Counter[str] = Counter()
    for part in parts:
        found = _own_words(console, part)
        if found is None:
            return None
        out += found
    return out


def whole_at(console: Console, options: ConsoleOptions, renderable: RenderableType) -> bool:
    """True when ``renderable`` comes out whole at ``options.max_width`` (``drawn_whole``)."""
    return drawn_whole(console, options, renderable) is not None


class Fit:
    """The first layout that fits whole at the width given; the last one otherwise.

    A layout may be given as a function, built only when it is needed. The lines drawn to
    check a layout are the lines shown, and what was measured and decided is kept: rich
    measures a table's cells before it draws them."""

    def __init__(self, *layouts: Layout) -> None:
        if not layouts:
            raise ValueError("Fit needs at least one layout")
        self._layouts = list(layouts)
        self._natural: dict[int, Measurement] = {}
        self._drawn: dict[int, tuple[int, list[list[Segment]] | None]] = {}  # width -> choice

    def _layout(self, i: int) -> RenderableType:
        layout = self._layouts[i]
        if callable(layout) and not hasattr(layout, "__rich_console__"):
            layout = self._layouts[i] = layout()
        return layout  # type: ignore[return-value]

    def _measure(self, console: Console, options: ConsoleOptions, i: int) -> Measurement:
        if i not in self._natural:
            unbounded = options.update_width(UNBOUNDED)
            self._natural[i] = Measurement.get(console, unbounded, self._layout(i))
        return self._natural[i]

    def _choose(
        self, console: Console, options: ConsoleOptions
    ) -> tuple[int, list[list[Segment]] | None]:
        width = options.max_width
        if width not in self._drawn:
            last = len(self._layouts) - 1
            self._drawn[width] = (last, None)
            for i in range(last):
                natural = self._measure(console, options, i)
                lines = drawn_whole(console, options, self._layout(i), natural)
                if lines is not None:
                    self._drawn[width] = (i, lines)
                    break
        return self._drawn[width]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        chosen, lines = self._choose(console, options)
        if lines is None:
            yield self._layout(chosen)
            return
        for line in lines:
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # the widest the first layout wants; at least the width of one word (a compact layout
        # is chosen when less than the first layout's minimum is given)
        first = self._measure(console, options, 0)
        return Measurement(min(first.minimum, 16), first.maximum).with_maximum(options.max_width)


def wrap_words(label: str, width: int) -> list[str]:
    """``label`` in lines of at most ``width`` cells, broken at spaces only (a word longer than
    the width stays whole on a line of its own). A label that fits is kept as it is."""
    if cell_len(label) <= width:
        return [label]
    lines: list[str] = []
    current = ""
    for word in label.split():
        candidate = f"{current} {word}" if current else word
        if current and cell_len(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current or not lines:
        lines.append(current)
    return lines


def pack(units: Sequence[Text], width: int, sep: str = "  ") -> list[Text]:
    """Units laid out left to right, as many per line as fit in ``width`` cells. A unit is
    never broken; one wider than a line gets a line of its own (where rich wraps it at its
    spaces)."""
    lines: list[Text] = []
    line: Text | None = None
    for unit in units:
        if line is None:
            line = unit.copy()
            continue
        if cell_len(line.plain) + len(sep) + cell_len(unit.plain) <= width:
            line.append(sep)
            line.append_text(unit)
        else:
            lines.append(line)
            line = unit.copy()
    if line is not None:
        lines.append(line)
    return lines


@dataclass
class Record:
    """One row of a table in the compact layout: ``units`` side by side (each "key: value"),
    ``prose`` below them; ``lead`` (a number, a mark) in a column of its own before them, or
    ``heading`` on a line of its own above them (the units then indented under it)."""

    units: list[Text]
    prose: list[Text] = field(default_factory=list)
    lead: Text | None = None
    heading: Text | None = None
    stacked: bool = False  # one unit per line, even when several would fit


class Records:
    """A table as one record per line: a title, then each record's lead, its units packed into
    lines of the width given (continuation lines aligned under the first unit), its prose below
    them, indented a little more."""

    def __init__(self, title: Text | None, records: list[Record], indent: int = 2) -> None:
        self.title = title
        self.records = records
        self.indent = indent
        leads = [cell_len(r.lead.plain) for r in records if r.lead is not None]
        self.lead_width = max(leads) + 1 if leads else 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.console import Group
        from rich.padding import Padding

        if self.title is not None:
            yield self.title
        for record in self.records:
            at = self.indent + self.lead_width
            if record.heading is not None:
                yield Padding(record.heading, (0, 0, 0, self.indent))
                at += 2
            room = max(options.max_width - at, 1)
            # a unit wider than the room wraps at its spaces inside the column, under itself
            grid = Table.grid()
            grid.add_column(width=at, no_wrap=True)
            grid.add_column(width=room)
            lines: list[RenderableType] = list(
                record.units if record.stacked else pack(record.units, room)
            )
            lines += [Padding(paragraph, (0, 0, 0, 2)) for paragraph in record.prose]
            lead = Text(" " * self.indent)
            if record.lead is not None:
                lead.append_text(record.lead)
            grid.add_row(lead, Group(*lines))
            yield grid

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        at = self.indent + self.lead_width
        units = [u for r in self.records for u in [*r.units, *r.prose]]
        widest = max((cell_len(u.plain) for u in units), default=0)
        longest_word = max((cell_len(w) for u in units for w in u.plain.split()), default=1)
        return Measurement(min(at + longest_word, options.max_width), at + widest)


def pair(key: str, value: str | Text, lang: str) -> Text:
    """One "key: value" unit, its value in the value's own style."""
    value_text = value if isinstance(value, Text) else Text(value)
    before, _, after = text("ui.fit.pair", lang, name="\0k", value="\0v").partition("\0v")
    key_part, _, between = before.partition("\0k")
    out = Text(key_part + key + between, style="dim")
    out.append_text(value_text)
    out.append(after)
    return out


def _cell_text(cell: object) -> Text | None:
    if isinstance(cell, Text):
        return cell if cell.plain.strip() else None
    if isinstance(cell, str):
        return Text(cell) if cell.strip() else None
    return None


def records(table: Table, lang: str, prose: Iterable[int] = (), lead: int | None = None) -> Records:
    """``table`` as Records: each row's cells as "heading: value" units, the ``prose`` columns
    (by index) as paragraphs below, and the ``lead`` column (a number, a mark) before them
    without its heading; with no lead column each record starts with a bullet."""
    prose = set(prose)
    bullet = lead is None  # no column to lead with: each record starts with a bullet
    headings = [
        " ".join(str(c.header.plain if isinstance(c.header, Text) else c.header).split())
        for c in table.columns
    ]
    cells = [list(column.cells) for column in table.columns]
    out: list[Record] = []
    for row in range(table.row_count):
        record = Record(units=[], lead=Text("•", style="dim") if bullet else None)
        for i, column in enumerate(cells):
            cell = _cell_text(column[row]) if row < len(column) else None
            if cell is None:
                if i == lead:
                    record.lead = Text("")
                continue
            if i == lead:
                record.lead = Text(cell.plain, style="bold")
            elif i in prose:
                record.prose.append(cell)
            else:
                record.units.append(pair(headings[i], cell, lang) if headings[i] else cell)
        out.append(record)
    title = None
    if table.title is not None:
        title = table.title.copy() if isinstance(table.title, Text) else Text(str(table.title))
        title.stylize(table.title_style or "")
    return Records(title, out)


def fit_table(table: Table, lang: str, prose: Iterable[int] = (), lead: int | None = None) -> Fit:
    """``table`` when it fits whole, else the same rows as Records."""
    return Fit(table, lambda: records(table, lang, prose, lead))
