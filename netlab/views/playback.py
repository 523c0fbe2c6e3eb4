"""``--step``: the trace played one step at a time, like Packet Tracer's Capture/Forward.

Owns the loop: show the diagram's head, then for each step its diagram lines, its table row
values and its explanation, and wait for Enter (``q`` then Enter quits, end of input plays the
rest without waiting). Reading the keyboard is injected (``ask``) so tests can drive it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Trace
from netlab.views import tables
from netlab.views.labels import explanation
from netlab.views.report import diagram_for, header, prelude, remember, section, title


def play(
    trace: Trace,
    console: Console,
    lang: str,
    ask: Callable[[str], str],
    width: int = 100,
    ascii_only: bool = False,
) -> bool:
    """Play ``trace``; return False if the learner quit before the end."""
    timeline = diagram_for(trace, lang, width, ascii_only)
    console.print(title(trace, lang))
    console.print(header(trace, lang))
    console.print()
    before = prelude(trace, lang, width, ascii_only)  # route's topology
    if before is not None:
        console.print(before)
        console.print()
    for line in timeline.head():
        console.print(line)
    total = len(trace.steps)
    waiting = True
    for step in trace.steps:
        for line in timeline.step_lines(step):
            console.print(line)
        console.print(Text(text("ui.step_of", lang, n=step.index, total=total), style="bold"))
        console.print(Text(explanation(step, lang)), style="italic")
        changed = tables.after_step(trace, step, lang, ascii_only)
        if changed is not None:
            console.print(changed)
        if waiting and step.index < total:
            try:
                answer = ask(text("ui.step_prompt", lang))
            except EOFError:
                waiting = False
                continue
            if answer.strip().lower() in ("q", "quit", "exit"):
                console.print(text("ui.step_quit", lang, n=step.index, total=total))
                return False
    console.print()
    extra = section(trace, lang, width, ascii_only)
    if extra is not None:
        console.print(extra)
        console.print()
    console.print(remember(trace, lang))
    return True
