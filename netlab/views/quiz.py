"""The quiz on the console: asking, feedback, the score, and the stats and topics tables.

Owns how a question looks (number, topic, prompt, lettered choices), reading answers through an
injected ``ask`` (interactive: a bad answer is asked again; piped: it counts as wrong with a
note), saving each answer in the store the moment it is given (one the store cannot take yet
is kept there and retried; the quiz goes on), feedback in practice mode, and the final score
per topic. The engine (``netlab.quiz.session``) decides everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from netlab.i18n import text
from netlab.quiz.model import LETTERS, Graded, Shown
from netlab.quiz.session import Answered, Session
from netlab.quiz.store import Store
from netlab.topics import topics


def topic_title(topic_id: str, lang: str) -> str:
    topic = topics().get(topic_id)
    return topic.title_in(lang) if topic else topic_id


def question_view(shown: Shown, n: int, total: int, lang: str) -> Group:
    q = shown.question
    head = Text(text("ui.quiz.question", lang, n=n, total=total), style="bold")
    head.append(f"  {topic_title(q.topic, lang)}", style="cyan")
    if q.generator:
        head.append(f"  [{text('ui.quiz.generated', lang)}]", style="dim")
    parts: list = [head, Text(q.text("prompt", lang))]
    if q.kind in ("multiple", "order", "truefalse"):
        parts.append(Text(text(f"ui.quiz.kind.{q.kind}", lang), style="italic"))
    for letter, choice in zip(LETTERS, shown.choice_texts(lang), strict=False):
        parts.append(Choice(letter, choice))
    return Group(*parts)


class Hanging:
    """A head ("  B. ", "3. ✓ ") and a text that, when it wraps, continues under its own
    first character (a hanging indent), not at column 0; no line is padded with spaces."""

    def __init__(self, head: Text, body: str, style: str = "") -> None:
        self.head = head
        self.body = body
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.head.cell_len
        lines = Text(self.body, style=self.style).wrap(console, max(options.max_width - indent, 8))
        for n, line in enumerate(lines):
            line.rstrip()
            yield Text.assemble(self.head if n == 0 else " " * indent, line)


class Choice(Hanging):
    """One lettered choice, with a hanging indent."""

    def __init__(self, letter: str, choice: str) -> None:
        super().__init__(Text(f"  {letter}. ", style="bold"), choice)


def prompt_text(shown: Shown, lang: str) -> str:
    q = shown.question
    example = "".join(LETTERS[: len(shown.order)])
    return text(f"ui.quiz.ask.{q.kind}", lang, example=example)


def invalid_text(shown: Shown, graded: Graded, lang: str) -> str:
    letters = ", ".join(LETTERS[: len(shown.order)])
    return text(f"ui.quiz.invalid.{graded.reason}", lang, letters=letters)


def said(answer: str, lang: str) -> str:
    """An answer as the learner's language says it: a true/false answer in words (对/错 in
    Chinese, keeping the typed form beside it); letters and numbers as they are."""
    if answer in ("true", "false"):
        return text(f"ui.quiz.answer_{answer}", lang)
    return answer


def feedback(done: Answered, lang: str) -> Group:
    q = done.shown.question
    if done.correct:
        verdict = Text(text("ui.quiz.right", lang), style="bold green")
    else:
        verdict = Text(
            text("ui.quiz.wrong", lang, expected=said(done.shown.expected(), lang)),
            style="bold red",
        )
    return Group(
        verdict,
        Text(q.text("explanation", lang)),
        Text(text("ui.quiz.see", lang, command=q.see), style="dim"),
        Text(""),
    )


def score_table(
    right: int, answered: int, heading: str, rows: dict[str, tuple[int, int]], lang: str
) -> Group:
    """The score, then one row per group (``heading``: what the groups are) with how many
    answers were right and how many were asked. Shared by the quiz and ``--predict``."""
    table = Table(box=None, header_style="bold underline", pad_edge=False, padding=(0, 1))
    table.add_column(heading)
    table.add_column(text("ui.quiz.right_col", lang), justify="right")
    table.add_column(text("ui.quiz.asked_col", lang), justify="right")
    for label, (ok, total) in rows.items():
        table.add_row(label, str(ok), str(total))
    return Group(
        Text(text("ui.quiz.score", lang, right=right, total=answered), style="bold"), table
    )


def score_view(session: Session, lang: str) -> Group:
    right, answered = session.score()
    rows = {topic_title(t, lang): counts for t, counts in session.by_topic().items()}
    return score_table(right, answered, text("ui.quiz.topic", lang), rows, lang)


def review_view(session: Session, lang: str) -> Group:
    """Exam mode: every answer with its verdict, the right answer and why, at the end."""
    parts: list = [Text(text("ui.quiz.review_title", lang), style="bold underline")]
    for n, done in enumerate(session.answered, 1):
        q = done.shown.question
        mark = "✓" if done.correct else "✗"
        head = Text(f"{n}. {mark} ", style="green" if done.correct else "red")
        parts.append(Hanging(head, q.text("prompt", lang), style="bold"))
        given = text(
            "ui.quiz.given_expected",
            lang,
            given=said(done.graded.given, lang) or "-",
            expected=said(done.shown.expected(), lang),
        )
        parts.append(Hanging(Text("   "), given))
        parts.append(Hanging(Text("   "), q.text("explanation", lang), style="dim"))
    return Group(*parts)


@dataclass
class Outcome:
    ended: str  # "done", "time" or "eof"


def run(
    session: Session,
    store: Store,
    con: Console,
    lang: str,
    ask: Callable[[str], str],
    *,
    interactive: bool,
    practice: bool,
    now: Callable[[], float],
) -> Outcome:
    """Ask every question of ``session``; each answer goes to ``store.save`` before the next
    question (the caller flushes what a lock kept back)."""
    while (shown := session.next()) is not None:
        con.print(question_view(shown, session.position, session.total, lang))
        while True:
            try:
                answer = ask(prompt_text(shown, lang) + " ")
            except EOFError:
                return Outcome("eof")
            graded = session.check(answer)
            if graded.valid or not interactive:
                break
            con.print(Text(invalid_text(shown, graded, lang), style="yellow"))
        if not graded.valid:
            con.print(
                Text(
                    text("ui.quiz.invalid_piped", lang, reason=invalid_text(shown, graded, lang)),
                    style="yellow",
                )
            )
        done = session.accept(graded)
        q = shown.question
        store.save(q.id, q.topic, graded.given, done.correct, now())
        if practice:
            con.print(feedback(done, lang))
        else:
            con.print()
    return Outcome("time" if session.out_of_time() else "done")


def stats_view(store: Store, lang: str, now: float) -> Group:
    history = store.topic_history()
    if not history:
        return Group(Text(text("ui.stats.empty", lang)))
    table = Table(box=None, header_style="bold underline", pad_edge=False, padding=(0, 1))
    for key, justify in (
        ("ui.quiz.topic", "left"),
        ("ui.stats.answers", "right"),
        ("ui.quiz.right_col", "right"),
        ("ui.stats.accuracy", "right"),
        ("ui.stats.due", "right"),
    ):
        table.add_column(text(key, lang), justify=justify)
    cards = store.cards()
    due = {}
    for card in cards:
        if card.due <= now:
            due[card.topic] = due.get(card.topic, 0) + 1
    order = list(topics())
    rows = sorted(history, key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    for topic_id, answers, right, _last in rows:
        table.add_row(
            topic_title(topic_id, lang),
            str(answers),
            str(right),
            f"{100 * right / answers:.0f}%",
            str(due.get(topic_id, 0)),
        )
    weakest = sorted(history, key=lambda r: (r[2] / r[1], -r[1]))[:3]
    weak_names = text("ui.list_sep", lang).join(topic_title(r[0], lang) for r in weakest)
    total_due = sum(1 for c in cards if c.due <= now)
    return Group(
        Text(text("ui.stats.title", lang), style="bold underline"),
        table,
        Text(""),
        Text(text("ui.stats.weakest", lang, topics=weak_names, count=len(weakest))),
        Text(text("ui.stats.due_total", lang, count=total_due, total=len(cards))),
    )


def topics_view(counts: dict[str, int], generated: dict[str, int], lang: str) -> Table:
    table = Table(box=None, header_style="bold underline", pad_edge=False, padding=(0, 1))
    table.add_column(text("ui.topics.id", lang), no_wrap=True)
    table.add_column(text("ui.topics.title", lang))
    table.add_column(text("ui.topics.questions", lang), justify="right")
    table.add_column(text("ui.topics.generators", lang), justify="right")
    for topic in topics().values():
        table.add_row(
            topic.id,
            topic.title_in(lang),
            str(counts.get(topic.id, 0)),
            str(generated.get(topic.id, 0)),
        )
    return table
