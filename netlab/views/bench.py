"""What ``netlab bench io`` shows: progress bars while it runs, then the figures and what they say.

Owns drawing the records of ``netlab.bench`` (``Workload``, ``stats.ModelRun``): the title and
the list of models, one progress bar per model (the ``Live`` observer), the results table
(messages/s, round-trip p50 and p99, longest wait, server CPU, peak RSS, errors), a bar chart
of messages/s, the two-line conclusion of ``netlab.bench.stats.conclusion``, and the ``--json``
document. Draws only: it starts no process and measures nothing. Every sentence comes from the
``bench`` catalogue tables; plain ASCII when the console can't do more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import netlab.views.cjk  # noqa: F401  (line breaking of Chinese sentences)
from netlab.bench.stats import ModelRun, conclusion, ranking
from netlab.bench.workload import Workload
from netlab.i18n import render, text

BAR_MAX = 50  # cells of the longest bar in the chart
EIGHTHS = " ▏▎▍▌▋▊▉"  # a bar's last, partly filled cell
JSON_VERSION = 1


def short(model: str, lang: str) -> str:
    return text(f"bench.model.short.{model}", lang)


def rate(value: float) -> str:
    return f"{value:,.0f}"


def millis(value: float) -> str:
    return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"


def _bullet(ascii_only: bool) -> str:
    return "*" if ascii_only else "•"


def intro(workload: Workload, lang: str, ascii_only: bool = False) -> Group:
    """The workload, how it is served and measured, and one line per model."""
    title = text(
        "bench.title",
        lang,
        clients=workload.clients,
        messages=workload.messages,
        size=workload.size,
        count=len(workload.models),
    )
    width = max(cell_len(short(m, lang)) for m in workload.models)
    models = Table.grid(padding=(0, 1))
    models.add_column(no_wrap=True)
    models.add_column(style="bold", no_wrap=True)
    models.add_column()
    for model in workload.models:
        about = text(f"bench.model.about.{model}", lang)
        models.add_row(_bullet(ascii_only), short(model, lang).ljust(width), about)
    return Group(
        Text(title, style="bold underline"),
        Text(text("bench.intro", lang)),
        models,
        Text(""),
    )


class Live:
    """The observer of a run: one progress bar per model, from its start to its last reply.

    Use it as a context manager around ``netlab.bench.runner.run_all``: leaving the block stops
    the bars (also on Ctrl-C)."""

    def __init__(self, console: Console, lang: str) -> None:
        self.lang = lang
        self.bars = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            expand=False,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> Live:
        self.bars.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bars.stop()

    def started(self, model: str, total: int) -> None:
        label = text("bench.progress", self.lang, model=short(model, self.lang))
        self._tasks[model] = self.bars.add_task(label, total=total)

    def progress(self, model: str, done: int) -> None:
        self.bars.update(self._tasks[model], completed=done)

    def finished(self, run: ModelRun) -> None:
        label = text(
            "bench.done", self.lang, model=short(run.model, self.lang), rate=rate(run.rate)
        )
        answered = run.replies_ok + run.wrong
        self.bars.update(self._tasks[run.model], completed=answered, description=label)
        self.bars.stop_task(self._tasks[run.model])


# -- the report ----------------------------------------------------------------------------------


def _optional(value: float | None, digits: int, lang: str) -> str:
    return text("bench.table.unknown", lang) if value is None else f"{value:,.{digits}f}"


def table(workload: Workload, runs: Sequence[ModelRun], lang: str) -> Table:
    """One row per model, in the order they ran."""
    title = text(
        "bench.table.title",
        lang,
        clients=workload.clients,
        messages=workload.messages,
        size=workload.size,
    )
    grid = Table(
        title=title,
        title_style="bold",
        title_justify="left",
        header_style="bold",
        box=None,
        pad_edge=False,
        padding=(0, 1),
    )
    grid.add_column(text("bench.table.model", lang), no_wrap=True)
    for key in ("rate", "p50", "p99", "wait", "cpu", "rss", "errors"):
        grid.add_column(text(f"bench.table.{key}", lang), justify="right")
    fastest = ranking(runs)[0].model if runs else ""
    for run in runs:
        style = "red" if run.errors else None
        if style is None and run.model == fastest and len(runs) > 1:
            style = "bold"
        grid.add_row(
            short(run.model, lang),
            rate(run.rate),
            millis(run.rtt.p50_ms),
            millis(run.rtt.p99_ms),
            millis(run.wait.max_ms),
            _optional(run.server_cpu_s, 2, lang),
            _optional(run.peak_rss_mib, 1, lang),
            str(run.errors),
            style=style,
        )
    return grid


def bar(fraction: float, cells: int, ascii_only: bool) -> str:
    """A horizontal bar ``fraction`` (0..1) of ``cells`` long, to an eighth of a cell."""
    fraction = min(1.0, max(0.0, fraction))
    if ascii_only:
        return "#" * round(fraction * cells)
    eighths = round(fraction * cells * 8)
    whole, part = divmod(eighths, 8)
    return "█" * whole + (EIGHTHS[part] if part else "")


def chart(runs: Sequence[ModelRun], lang: str, width: int, ascii_only: bool = False) -> Group:
    """Messages per second, one bar per model on one scale (the fastest gets the longest)."""
    top = max((run.rate for run in runs), default=0.0) or 1.0
    labels = [short(run.model, lang) for run in runs]
    values = [text("bench.chart.value", lang, rate=rate(run.rate)) for run in runs]
    label_width = max(map(cell_len, labels), default=0)
    value_width = max(map(cell_len, values), default=0)
    cells = max(10, min(BAR_MAX, width - label_width - value_width - 4))
    rows: list[RenderableType] = [Text(text("bench.chart.title", lang), style="bold")]
    for run, label, value in zip(runs, labels, values, strict=True):
        row = Text(label + " " * (label_width - cell_len(label)) + " ")
        drawn = bar(run.rate / top, cells, ascii_only)
        row.append(drawn, style="red" if run.errors else "green")
        row.append(" " * (cells - cell_len(drawn) + 1))
        row.append(" " * (value_width - cell_len(value)) + value)
        rows.append(row)
    return Group(*rows)


def conclusion_lines(runs: Sequence[ModelRun], lang: str) -> list[str]:
    return [render(note, lang) for note in conclusion(runs)]


def report(
    workload: Workload,
    runs: Sequence[ModelRun],
    lang: str,
    width: int,
    ascii_only: bool = False,
) -> Group:
    """The table, its legend, the chart and the conclusion."""
    lines = Table.grid(padding=(0, 1))
    lines.add_column(no_wrap=True)
    lines.add_column()
    for line in conclusion_lines(runs, lang):
        lines.add_row(_bullet(ascii_only), line)
    return Group(
        Text(""),
        table(workload, runs, lang),
        Text(text("bench.table.legend", lang), style="dim"),
        Text(""),
        chart(runs, lang, width, ascii_only),
        Text(""),
        Text(text("bench.conclusion.heading", lang), style="bold"),
        lines,
    )


# -- JSON ------------------------------------------------------------------------------------------


def run_document(run: ModelRun) -> dict[str, Any]:
    """Every figure of one model's run."""
    cpu_us = run.cpu_us_per_message
    return {
        "model": run.model,
        "clients": run.clients,
        "messages_per_client": run.messages_per_client,
        "size": run.size,
        "messages": run.messages,
        "replies_ok": run.replies_ok,
        "wrong": run.wrong,
        "lost": run.lost,
        "server_errors": run.server_errors,
        "errors": run.errors,
        "failures": dict(run.failures),
        "elapsed_s": run.elapsed_s,
        "messages_per_s": round(run.rate, 1),
        "rtt_ms": run.rtt.to_dict(),
        "wait_ms": run.wait.to_dict(),
        "server_cpu_s": run.server_cpu_s,
        "server_cpu_us_per_message": None if cpu_us is None else round(cpu_us, 2),
        "server_peak_rss_bytes": run.server_peak_rss,
        "server_ready_rss_bytes": run.server_ready_rss,
    }


def document(
    workload: Workload, runs: Sequence[ModelRun], machine: dict[str, Any], lang: str
) -> dict[str, Any]:
    """The ``--json`` document: the workload, the machine, every model's figures, the ranking
    by messages/s and the conclusion in ``lang``."""
    return {
        "version": JSON_VERSION,
        "benchmark": "io",
        "workload": {
            "clients": workload.clients,
            "messages_per_client": workload.messages,
            "size": workload.size,
            "messages": workload.total,
            "models": list(workload.models),
        },
        "machine": dict(machine),
        "results": [run_document(run) for run in runs],
        "ranking": [run.model for run in ranking(runs)],
        "conclusion": conclusion_lines(runs, lang) if runs else [],
    }


def to_json(
    workload: Workload, runs: Sequence[ModelRun], machine: dict[str, Any], lang: str
) -> str:
    return json.dumps(document(workload, runs, machine, lang), ensure_ascii=False, indent=2)
