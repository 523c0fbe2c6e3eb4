"""The tables a simulation keeps: ARP caches, the switch's MAC table, NAT, DHCP leases, DNS cache.

Owns drawing ``Step.tables`` (``{"KIND:OWNER": [row, ...]}``, each row a dict column -> value)
as rich tables titled with the catalogue's ``table.KIND`` (``{owner}`` is the owner node's
name) and headed with ``table.KIND.COLUMN``, or one row per line ("column: value") where a
table would not fit whole. Also owns which tables changed at a step, so the report and
``--step`` show a table where it changes rather than at every step.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views.fitting import fit_table
from netlab.views.labels import node_label

EMPTY = "-"


def split_key(key: str) -> tuple[str, str | None]:
    kind, _, owner = key.partition(":")
    return kind, owner or None


def cell(value: Any) -> str:
    """A table cell as every view writes it: "-" for nothing, "✓" for true, 30 for 30.0."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "✓" if value else EMPTY
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def draw(
    trace: Trace, key: str, rows: list[dict[str, Any]], lang: str, ascii_only: bool
) -> RenderableType:
    """One table: its title, its column headings and its rows (an empty table says so)."""
    kind, _ = split_key(key)
    title = table_title(trace, key, lang)
    if not rows:
        line = Text(title, style="bold")
        empty = text("ui.tables.empty", lang)
        line.append(empty if empty.startswith("（") else f" {empty}", style="dim")
        return line
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.ASCII if ascii_only else box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
    )
    columns: list[str] = []
    for row in rows:
        for column in row:
            if column not in columns:
                columns.append(column)
    for column in columns:
        table.add_column(text(f"table.{kind}.{column}", lang), overflow="fold")
    for row in rows:
        table.add_row(*(cell(row.get(column)) for column in columns))
    # too narrow for the table (a nested table gets less than the console): one row per line
    return fit_table(table, lang)


def table_title(trace: Trace, key: str, lang: str) -> str:
    """A table's title (``table.KIND``), its owner named as the diagrams name it."""
    kind, owner = split_key(key)
    owner_name = node_label(trace, owner, lang) if owner and _known(trace, owner) else owner or ""
    return text(f"table.{kind}", lang, owner=owner_name)


def _known(trace: Trace, name: str) -> bool:
    return any(node.name == name for node in trace.nodes)


def changed(trace: Trace, step: Step) -> list[str]:
    """The keys of the tables whose content differs from the step before (all of them at the
    first step that has tables)."""
    before: dict[str, Any] = {}
    for other in trace.steps:
        if other.index == step.index:
            break
        before = other.tables or before
    return [key for key, rows in step.tables.items() if before.get(key) != rows]


def group(trace: Trace, step: Step, keys: list[str], lang: str, ascii_only: bool) -> RenderableType:
    parts: list[RenderableType] = []
    for key in keys:
        parts.append(draw(trace, key, step.tables[key], lang, ascii_only))
    return Group(*parts)


def after_step(trace: Trace, step: Step, lang: str, ascii_only: bool) -> RenderableType | None:
    """The tables that changed at ``step``, or None when none did."""
    keys = changed(trace, step)
    if not keys:
        return None
    return group(trace, step, keys, lang, ascii_only)


def final(trace: Trace, lang: str, ascii_only: bool) -> RenderableType | None:
    """Every table as it is after the last step, or None when the trace keeps no tables."""
    last = next((s for s in reversed(trace.steps) if s.tables), None)
    if last is None:
        return None
    title = Text(text("ui.lanes.tables_final", lang), style="bold underline")
    return Group(title, group(trace, last, list(last.tables), lang, ascii_only))


def has_tables(trace: Trace) -> bool:
    return any(step.tables for step in trace.steps)
