"""What ``netlab demo gevent`` shows: each run's timeline as it happens, then the runs side by side.

Owns drawing the records of ``netlab.demos.gevent_tasks`` (``Plan``, ``Line``, ``Run``): the
title and the note on child processes, one row per line a task printed (live, through the
``Live`` observer), each run's total, the sleep bars of the four runs on one time scale, the
comparison table, the explanations (built from the measured figures), and the ``--json``
document. Draws only: it starts no
process and measures nothing. Plain ASCII when the console can't do more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

import netlab.views.cjk  # noqa: F401  (line breaking of Chinese sentences)
from netlab.demos.gevent_tasks import VARIANTS, Line, Plan, Run
from netlab.i18n import text

LETTERS = dict(zip(VARIANTS, "abcd", strict=True))
TIME_WIDTH = 9
THREAD_STYLE = "cyan"
BAR_MAX = 60


def number(value: float) -> str:
    """``2`` for 2.0, ``0.25`` for 0.25: seconds as the user typed them."""
    return f"{value:g}"


def seconds(value: float) -> str:
    return f"{value:.3f}"


def pad(value: str, width: int) -> str:
    """``value`` followed by spaces up to ``width`` terminal cells (a Chinese character is 2)."""
    return value + " " * max(0, width - cell_len(value))


def rjust(value: str, width: int) -> str:
    """``value`` after spaces, so that it ends at ``width`` terminal cells."""
    return " " * max(0, width - cell_len(value)) + value


def task_name(task: str, lang: str) -> str:
    return text(f"demo.gevent.task.{task}", lang)


def intro(plan: Plan, lang: str) -> Group:
    """The title and why every run is a child process."""
    title = text("demo.gevent.title", lang, count=plan.tasks, sleep=number(plan.sleep_s))
    return Group(Text(title, style="bold underline"), Text(text("demo.gevent.intro", lang)))


class Live:
    """Prints each run as it happens: a heading, one row per printed line, the total.

    The observer that ``netlab.demos.gevent_tasks.run_all`` calls back.
    """

    def __init__(self, console: Console, lang: str, plan: Plan, ascii_only: bool = False) -> None:
        self.console = console
        self.lang = lang
        self.plan = plan
        self.ascii_only = ascii_only
        self.task_width = max(
            cell_len(text("demo.gevent.col_task", lang)),
            *(cell_len(task_name(t, lang)) for t in plan.names),
        )
        self.what_width = max(
            cell_len(text("demo.gevent.col_what", lang)),
            *(cell_len(self.what(event)) for event in ("start", "end")),
        )

    def what(self, event: str) -> str:
        return text(f"demo.gevent.event_{event}", self.lang, sleep=number(self.plan.sleep_s))

    def row(self, t: str, task: str, what: str, thread: str, style: str = "") -> Text:
        line = Text("  " + rjust(t, TIME_WIDTH) + "  ", style=style)
        line.append(pad(task, self.task_width) + "  ", style=style or "bold")
        line.append(pad(what, self.what_width) + "  ", style=style)
        line.append(thread, style=style or THREAD_STYLE)
        return line

    def started(self, variant: str) -> None:
        described = text(
            f"demo.gevent.variant.{variant}", self.lang, sleep=number(self.plan.sleep_s)
        )
        heading = text("demo.gevent.heading", self.lang, letter=LETTERS[variant], variant=described)
        self.console.print()
        self.console.print(Text(heading, style="bold"))
        key = "demo.gevent.col_"
        columns = [text(key + c, self.lang) for c in ("time", "task", "what", "thread")]
        self.console.print(self.row(*columns, style="underline"))

    def line(self, variant: str, line: Line) -> None:
        shown = text("demo.gevent.seconds", self.lang, value=seconds(line.t))
        self.console.print(
            self.row(shown, task_name(line.task, self.lang), self.what(line.event), line.thread)
        )

    def finished(self, run: Run) -> None:
        self.console.print(Padding(Text(total_text(self.plan, run, self.lang)), (0, 0, 0, 2)))


def total_text(plan: Plan, run: Run, lang: str) -> str:
    return text(
        "demo.gevent.total",
        lang,
        elapsed=seconds(run.elapsed_s),
        expected=number(plan.expected_s(run.variant)),
        pattern=text(f"demo.gevent.pattern_long.{run.pattern}", lang),
        process=seconds(run.process_s),
    )


def bars(plan: Plan, runs: Sequence[Run], lang: str, width: int, ascii_only: bool) -> Group:
    """For each run, one bar per task from its start to its end, all on one time scale."""
    scale = max(run.elapsed_s for run in runs) or 1.0
    label_width = max(cell_len(task_name(t, lang)) for t in plan.names) + 4
    columns = max(10, min(BAR_MAX, width - label_width - 4))
    full, empty = ("#", ".") if ascii_only else ("█", "·")
    parts: list[RenderableType] = []
    for run in runs:
        total = text("demo.gevent.seconds", lang, value=seconds(run.elapsed_s))
        short = text(f"demo.gevent.short.{run.variant}", lang)
        parts.append(Text(f"{short}  {total}", style="bold"))
        for task, (start, end) in spans(run).items():
            first = min(columns - 1, int(start / scale * columns))
            last = max(first + 1, min(columns, round(end / scale * columns)))
            row = Text("  " + pad(task_name(task, lang), label_width - 2) + "|")
            row.append(empty * first, style="dim")
            row.append(full * (last - first), style="green")
            row.append(empty * (columns - last), style="dim")
            parts.append(row.append("|"))
    end = text("demo.gevent.seconds", lang, value=seconds(scale))
    axis = pad("", label_width + 1) + pad("0", columns - cell_len(end) + 1) + end
    parts.append(Text(axis, style="dim"))
    return Group(*parts)


def spans(run: Run) -> dict[str, tuple[float, float]]:
    """Each task's (start, end) time in the run."""
    start = {line.task: line.t for line in run.lines if line.event == "start"}
    end = {line.task: line.t for line in run.lines if line.event == "end"}
    return {task: (t, end.get(task, t)) for task, t in start.items()}


def thread_names(names: Sequence[str], ascii_only: bool) -> str:
    """``Dummy-1, Dummy-2``; the first and the last when there are more than two."""
    if len(names) <= 2:
        return ", ".join(names)
    return f"{names[0]} {'...' if ascii_only else '…'} {names[-1]}"


def table(plan: Plan, runs: Sequence[Run], lang: str, ascii_only: bool = False) -> Table:
    """One row per run: what the tasks called, total, expected, order, thread names."""
    grid = Table(header_style="bold underline", box=None, pad_edge=False, padding=(0, 1))
    for name, right in (
        ("run", False),
        ("function", False),
        ("total", True),
        ("expected", True),
        ("order", False),
        ("threads", False),
    ):
        grid.add_column(
            text(f"demo.gevent.col_{name}", lang),
            justify="right" if right else "left",
            no_wrap=name != "order",
        )
    for run in runs:
        grid.add_row(
            f"({LETTERS[run.variant]})",
            run.sleep_function,
            text("demo.gevent.seconds", lang, value=seconds(run.elapsed_s)),
            text("demo.gevent.seconds", lang, value=number(plan.expected_s(run.variant))),
            text(f"demo.gevent.pattern.{run.pattern}", lang),
            thread_names(run.threads, ascii_only),
        )
    return grid


def explanations(plan: Plan, runs: Sequence[Run], lang: str, ascii_only: bool) -> Panel:
    """Why each run took what it took, why patch_all comes first, and the thread names; every
    figure and pattern named is the one measured."""
    by = {run.variant: run for run in runs}
    unpatched = by.get("unpatched")
    sentences = [
        text(
            f"demo.gevent.explain.{run.variant}",
            lang,
            function=run.sleep_function,
            module_function=run.time_sleep,
            elapsed=seconds(run.elapsed_s),
            tasks=plan.tasks,
            sleep=number(plan.sleep_s),
            expected=number(plan.expected_s(run.variant)),
            pattern=text(f"demo.gevent.pattern_long.{run.pattern}", lang),
            unpatched=seconds(unpatched.elapsed_s) if unpatched else "-",
            names=text("demo.gevent.list_sep", lang).join(run.threads),
        )
        for run in runs
    ]
    sentences.append(text("demo.gevent.explain.first", lang))
    if "patched" in by and "unpatched" in by:
        patched, unpatched = by["patched"], by["unpatched"]
        sentences.append(
            text(
                "demo.gevent.explain.threads",
                lang,
                names=text("demo.gevent.list_sep", lang).join(patched.threads),
                main=patched.main_thread,
                unpatched=text("demo.gevent.list_sep", lang).join(unpatched.threads),
            )
        )
        sentences.append(
            text("demo.gevent.explain.history", lang, python=patched.python, gevent=patched.gevent)
        )
    bullet = "*" if ascii_only else "•"
    body = Table.grid(padding=(0, 1))
    body.add_column(no_wrap=True)
    body.add_column()
    for sentence in sentences:
        body.add_row(bullet, sentence)
    return Panel(
        body,
        title=text("demo.gevent.why", lang),
        title_align="left",
        expand=True,
        box=box.ASCII if ascii_only else box.ROUNDED,
    )


def summary(
    plan: Plan, runs: Sequence[Run], lang: str, width: int = 100, ascii_only: bool = False
) -> Group:
    """Everything shown after the runs: bars, table, explanations."""
    return Group(
        Text(""),
        Text(text("demo.gevent.compare", lang), style="bold underline"),
        bars(plan, runs, lang, width, ascii_only),
        Text(""),
        table(plan, runs, lang, ascii_only),
        Text(""),
        explanations(plan, runs, lang, ascii_only),
    )


def run_dict(plan: Plan, run: Run) -> dict[str, object]:
    return {
        "elapsed_s": round(run.elapsed_s, 4),
        "expected_s": plan.expected_s(run.variant),
        "process_s": round(run.process_s, 4),
        "pattern": run.pattern,
        "order": run.order,
        "sleep_function": run.sleep_function,
        "time_sleep": run.time_sleep,
        "threads": run.threads,
        "main_thread": run.main_thread,
        "lines": [
            {"t": round(line.t, 4), "task": line.task, "event": line.event, "thread": line.thread}
            for line in run.lines
        ],
    }


def to_json(plan: Plan, runs: Sequence[Run]) -> str:
    """The ``--json`` document: the plan, the versions, and per variant ``elapsed_s`` and
    ``order`` (with the expected total, the pattern, the thread names and every line)."""
    first = runs[0] if runs else None
    document = {
        "version": 1,
        "demo": "gevent",
        "tasks": plan.tasks,
        "sleep_s": plan.sleep_s,
        "python": first.python if first else None,
        "gevent": first.gevent if first else None,
        "variants": {run.variant: run_dict(plan, run) for run in runs},
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
