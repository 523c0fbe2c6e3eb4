"""``--step``: the trace played one step at a time, like Packet Tracer's Capture/Forward.

Owns ``Player`` (the opening, one step's lines, the closing: shared with ``--predict``) and the
``--step`` loop: show the diagram's head, then for each step its diagram lines, its number, its
explanation and the tables it changed, and wait for Enter. ``b`` then Enter shows the step
before again (the terminal cannot take lines back: it is printed once more, and Enter goes on
from there); ``q`` quits; end of input plays the rest without waiting. ``only`` (``--filter``)
keeps some steps: the others are neither drawn nor counted. Reading the keyboard is injected
(``ask``) so tests can drive it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console
from rich.text import Text

from netlab.i18n import text
from netlab.sim.trace import Step, Trace
from netlab.views import tables
from netlab.views.labels import explanation
from netlab.views.report import diagram_for, header, prelude, remember, section, title

BACK = ("b", "back", "p", "prev")
QUIT = ("q", "quit", "exit")


class Player:
    """Draws one trace step by step: each step's lines are made once, in order (the diagram
    draws a state only when it changed since the last step drawn), and kept for ``b``."""

    def __init__(
        self,
        trace: Trace,
        console: Console,
        lang: str,
        width: int = 100,
        ascii_only: bool = False,
        only: Iterable[int] | None = None,
    ) -> None:
        self.trace = trace
        self.console = console
        self.lang = lang
        self.ascii_only = ascii_only
        self.width = width
        wanted = None if only is None else set(only)
        self.steps = [s for s in trace.steps if wanted is None or s.index in wanted]
        self.diagram = diagram_for(trace, lang, width, ascii_only)
        self._lines: dict[int, list] = {}

    def opening(self, intro: str | None = None) -> None:
        con = self.console
        con.print(title(self.trace, self.lang))
        con.print(header(self.trace, self.lang))
        con.print()
        before = prelude(self.trace, self.lang, self.width, self.ascii_only)  # route's topology
        if before is not None:
            con.print(before)
            con.print()
        if intro:
            con.print(Text(intro, style="bold"))
            con.print()
        for line in self.diagram.head():
            con.print(line)

    def lines(self, step: Step) -> list:
        if step.index not in self._lines:
            self._lines[step.index] = self.diagram.step_lines(step)
        return self._lines[step.index]

    def show(self, step: Step, note: bool = True) -> None:
        """The step's diagram lines, its number, and (``note``) its explanation and tables."""
        con = self.console
        for line in self.lines(step):
            con.print(line)
        position = self.steps.index(step) + 1
        total = len(self.steps)
        if len(self.steps) == len(self.trace.steps):
            con.print(Text(text("ui.step_of", self.lang, n=step.index, total=total), style="bold"))
        else:  # --filter: the step's own number, and where it is among those shown
            said = text("ui.step_of_filtered", self.lang, n=step.index, k=position, total=total)
            con.print(Text(said, style="bold"))
        if note:
            self.note(step)

    def note(self, step: Step) -> None:
        self.console.print(Text(explanation(step, self.lang)), style="italic")
        changed = tables.after_step(self.trace, step, self.lang, self.ascii_only)
        if changed is not None:
            self.console.print(changed)

    def closing(self) -> None:
        con = self.console
        con.print()
        extra = section(self.trace, self.lang, self.width, self.ascii_only)
        if extra is not None:
            con.print(extra)
            con.print()
        con.print(remember(self.trace, self.lang))


def pause(player: Player, at: int, ask: Callable[[str], str]) -> str:
    """Wait after the step at position ``at`` (0-based among the steps shown): ``next``,
    ``quit`` or ``eof``. ``b`` shows the step before again (one further back each time), and
    Enter then shows the following ones again until the learner is back at ``at``."""
    lang = player.lang
    back = at
    while True:
        try:
            answer = ask(text("ui.step_prompt", lang))
        except EOFError:
            return "eof"
        word = answer.strip().lower()
        if word in QUIT:
            return "quit"
        if word in BACK:
            if back == 0:
                player.console.print(Text(text("ui.step_first", lang), style="yellow"))
                continue
            back -= 1
            player.show(player.steps[back])
            continue
        if back < at:  # forward again, one step at a time, up to where the learner was
            back += 1
            player.show(player.steps[back])
            continue
        return "next"


def play(
    trace: Trace,
    console: Console,
    lang: str,
    ask: Callable[[str], str],
    width: int = 100,
    ascii_only: bool = False,
    only: Iterable[int] | None = None,
) -> bool:
    """Play ``trace``; return False if the learner quit before the end."""
    player = Player(trace, console, lang, width, ascii_only, only)
    player.opening()
    waiting = True
    total = len(player.steps)
    for at, step in enumerate(player.steps):
        player.show(step)
        if waiting and at + 1 < total:
            said = pause(player, at, ask)
            if said == "eof":
                waiting = False
            elif said == "quit":
                console.print(text("ui.step_quit", lang, n=step.index, total=len(trace.steps)))
                return False
    player.closing()
    return True
