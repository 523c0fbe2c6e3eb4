"""``--predict``: the trace played as an exercise, and the score at the end.

Owns the loop of the three exercise kinds on the console. ``next``: before a step that has a
question, the question (the step is not drawn yet), the answer read through the injected
``ask`` (in a terminal a bad answer is asked again; piped, it counts as wrong, as in ``netlab
quiz``), the verdict, then the step drawn with its note and tables, exactly as ``--step`` draws
it. ``fields``: the step as a record of its fields, some blanked, each blank asked, then the step
drawn. ``order``: the packets of a run of steps shuffled, the order asked, then the report.
Every answer goes to the quiz store the moment it is given. The engine is
``netlab.predict.exercise``; drawing a step is ``netlab.views.playback.Player``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.text import Text

from netlab.i18n import render, text
from netlab.predict.exercise import Exercise, Prompted, both, found
from netlab.quiz.model import LETTERS, Graded, grade
from netlab.sim.trace import Step, Trace
from netlab.views.labels import explanation, node_label
from netlab.views.playback import Player, pause
from netlab.views.quiz import Choice, Hanging, invalid_text, prompt_text, said, score_table
from netlab.views.report import header, report, title


@dataclass
class Result:
    """What the learner did: each question with its verdict; how the exercise ended."""

    answers: list[tuple[Prompted, Graded]] = field(default_factory=list)
    ended: str = "done"  # "done", "quit" or "eof"

    def score(self) -> tuple[int, int]:
        return sum(g.correct for _, g in self.answers), len(self.answers)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for p, g in self.answers:
            right, total = out.get(p.kind, (0, 0))
            out[p.kind] = (right + g.correct, total + 1)
        return out


def _ask_one(
    p: Prompted,
    con: Console,
    lang: str,
    ask: Callable[[str], str],
    interactive: bool,
    head: Text | None = None,
) -> Graded | None:
    """Show one question and read its answer; None at the end of the input."""
    q = p.shown.question
    if head is not None:
        con.print(head)
    else:
        con.print(Hanging(Text(""), q.text("prompt", lang), style="bold"))
    if q.kind == "order":
        con.print(Text(text("ui.quiz.kind.order", lang), style="italic"))
    for letter, choice in zip(LETTERS, p.shown.choice_texts(lang), strict=False):
        con.print(Choice(letter, choice))
    while True:
        try:
            answer = ask(prompt_text(p.shown, lang) + " ")
        except EOFError:
            return None
        graded = grade(p.shown, answer)
        if graded.valid or not interactive:
            break
        con.print(Text(invalid_text(p.shown, graded, lang), style="yellow"))
    if not graded.valid:
        reason = invalid_text(p.shown, graded, lang)
        con.print(Text(text("ui.quiz.invalid_piped", lang, reason=reason), style="yellow"))
    return graded


def verdict(p: Prompted, graded: Graded, lang: str, step: Step | None = None) -> Group:
    """Right or wrong (a wrong choice names the right letter and its text), then why, unless
    the why is ``step``'s own note, which the step drawn next prints anyway."""
    if graded.correct:
        parts = [Text(text("ui.quiz.right", lang), style="bold green")]
    else:
        expected = said(p.shown.expected(), lang)
        if p.shown.question.kind == "single":  # the letter and what it stands for
            index = p.shown.order.index(p.shown.question.answer)
            expected = f"{expected}. {p.shown.choice_texts(lang)[index]}"
        parts = [Text(text("ui.quiz.wrong", lang, expected=expected), style="bold red")]
    why = p.shown.question.text("explanation", lang)
    if step is None or why != explanation(step, lang):
        parts.append(Text(why))
    return Group(*parts)


def record(trace: Trace, step: Step, hidden: list[Prompted], lang: str) -> Text:
    """``--predict fields``: the step as one line of its fields, the hidden ones blank."""
    key = "predict.record" if step.dst is not None else "predict.record_event"
    sep = text("ui.list_sep", lang)
    dst = sep.join(node_label(trace, name, lang) for name in step.receivers)
    src = node_label(trace, step.src, lang)
    line = Text(text(key, lang, n=step.index, src=src, dst=dst), style="bold")
    blanks = {(p.kind, repr(p.field)): n for n, p in enumerate(hidden, 1)}
    for asked in found(trace, step):
        if asked.field is None:
            continue
        name = render(asked.field, lang)
        if (asked.kind, repr(asked.field)) in blanks:
            value = text("predict.blank", lang, n=blanks[(asked.kind, repr(asked.field))])
            line.append(f"   {name}: ")
            line.append(value, style="bold yellow")
        else:
            line.append(f"   {name}: {both(asked.answer)[lang]}")
    return line


def run(
    trace: Trace,
    exercise: Exercise,
    con: Console,
    lang: str,
    ask: Callable[[str], str],
    *,
    interactive: bool,
    save: Callable[[Prompted, Graded], None],
    width: int = 100,
    ascii_only: bool = False,
    only: list[int] | None = None,
    result: Result | None = None,
) -> Result:
    """Play ``exercise`` on ``trace``; ``save`` keeps each answer as it is given, and so does
    ``result`` (the caller's, so that Ctrl-C can still count what was answered)."""
    result = Result() if result is None else result
    player = Player(trace, con, lang, width, ascii_only, only)
    if exercise.mode == "order":
        return _order(trace, exercise, player, lang, ask, interactive, save, result)
    count = len(exercise.questions)
    intro = text(f"predict.intro_{exercise.mode}", lang, count=count)
    player.opening(intro)
    steps = player.steps
    for at, step in enumerate(steps):
        asked = exercise.at(step.index)
        if asked and exercise.mode == "next":
            p = asked[0]
            head = Text(text("predict.ask_head", lang, n=step.index, total=len(trace.steps)))
            head.stylize("bold magenta")
            con.print(head)
            graded = _ask_one(p, con, lang, ask, interactive)
            if graded is None:
                result.ended = "eof"
                break
            result.answers.append((p, graded))
            save(p, graded)
            con.print(verdict(p, graded, lang, step))
        elif asked:  # fields: the record with blanks, each blank asked
            con.print(record(trace, step, asked, lang))
            stop = False
            for n, p in enumerate(asked, 1):
                name = render(p.field, lang) if p.field is not None else p.kind
                head = Text(f"[{n}] {name}?", style="bold magenta")
                graded = _ask_one(p, con, lang, ask, interactive, head)
                if graded is None:
                    stop = True
                    break
                result.answers.append((p, graded))
                save(p, graded)
                con.print(verdict(p, graded, lang, step))
            if stop:
                result.ended = "eof"
                break
        player.show(step)
        following = steps[at + 1] if at + 1 < len(steps) else None
        if interactive and following is not None and not exercise.at(following.index):
            said_ = pause(player, at, ask)
            if said_ == "quit":
                result.ended = "quit"
                break
            if said_ == "eof":
                interactive = False
    if result.ended == "done":
        player.closing()
    return result


def _order(trace, exercise, player, lang, ask, interactive, save, result) -> Result:
    con = player.console
    con.print(title(trace, lang))
    con.print(header(trace, lang))
    con.print()
    con.print(Text(text("predict.intro_order", lang), style="bold"))
    for p in exercise.questions:
        first, last = p.steps[0], p.steps[-1]
        con.print(Text(text("predict.order_prompt_head", lang, first=first, last=last)))
        graded = _ask_one(p, con, lang, ask, interactive)
        if graded is None:
            result.ended = "eof"
            return result
        result.answers.append((p, graded))
        save(p, graded)
        con.print(verdict(p, graded, lang))
        con.print()
    con.print(report(trace, lang, player.width, player.ascii_only))
    return result


def score_view(result: Result, lang: str) -> Group:
    right, total = result.score()
    rows = {text(f"predict.kind.{k}", lang): counts for k, counts in result.by_kind().items()}
    return score_table(right, total, text("predict.kind_col", lang), rows, lang)


def document(exercise: Exercise, result: Result, seed: int) -> dict:
    """``--json``: what was asked and answered, as ``netlab quiz --json`` reports it."""
    right, total = result.score()
    return {
        "scenario": exercise.scenario,
        "mode": exercise.mode,
        "command": exercise.command,
        "seed": seed,
        "questions": len(exercise.questions),
        "total": total,
        "correct": right,
        "ended": result.ended,
        "by_kind": {k: {"right": r, "asked": n} for k, (r, n) in result.by_kind().items()},
        "answers": [
            {
                "id": p.shown.question.id,
                "step": p.step,
                "kind": p.kind,
                "given": g.given,
                "expected": p.shown.expected(),
                "correct": g.correct,
            }
            for p, g in result.answers
        ],
    }
