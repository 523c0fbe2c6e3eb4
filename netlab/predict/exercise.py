"""Turning a Trace into an exercise: which steps are asked, and each question as the quiz's.

Owns the generic mechanism of ``--predict``: every step is offered to the scenario's askers
(``netlab.predict.askers``), and from what they find one exercise is built, drawn from one
seeded ``random.Random``:

- ``next``: before a step is shown, one question about it (``--ask N`` of them; the rest are
  only shown);
- ``fields``: the step is shown as a record with one or two of its fields blanked, each blank a
  question;
- ``order``: a short run of the trace's packets (3 to 8, each different) shuffled, to be put
  back in order.

Each question is a ``netlab.quiz.model.Question`` (so grading, piped answers and the store work
exactly as in ``netlab quiz``) whose id is the card id of ``netlab.predict.cards``. Pure: no
rich, no scapy.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from netlab.i18n import LANGS, Note, render
from netlab.predict.asked import Asked, Value
from netlab.predict.askers import askers_for
from netlab.predict.cards import TOPICS, CardId, Options
from netlab.quiz.model import LETTERS, Question, Shown
from netlab.quiz.session import choice_order
from netlab.sim.info_column import flag_names
from netlab.sim.trace import Step, Trace

MODES = ("next", "fields", "order")
MAX_CHOICES = 4  # the answer and three distractors
MAX_FIELDS = 2  # blanks per step in --predict fields
ORDER_MIN, ORDER_MAX = 3, len(LETTERS)


@dataclass(frozen=True)
class Prompted:
    """One question of an exercise: the step it is about, what kind, the question as shown."""

    step: int  # the step's index (order: the first step of the run)
    kind: str
    shown: Shown
    field: Note | None = None  # fields mode: the blank's name
    steps: tuple[int, ...] = ()  # order mode: the steps of the run, in the right order


@dataclass
class Exercise:
    scenario: str
    mode: str
    command: str  # the command line that sets this exercise (shown, and the questions' "see")
    questions: list[Prompted] = field(default_factory=list)

    def at(self, index: int) -> list[Prompted]:
        """The questions asked at the step with this index (before it is shown)."""
        return [p for p in self.questions if p.step == index]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(p.kind for p in self.questions))


def both(value: Value | int) -> dict[str, str]:
    """A value in every language: a literal is the same in each, a Note is rendered."""
    if isinstance(value, Note):
        return {lang: render(value, lang) for lang in LANGS}
    return {lang: str(value) for lang in LANGS}


def explanation(step: Step, asked: Asked | None = None) -> dict[str, str]:
    """The sentence that explains a step (or the asker's own), in every language."""
    notes = [asked.why] if asked is not None and asked.why is not None else step.notes
    from netlab.i18n import text

    return {
        lang: text("ui.sentence_sep", lang).join(render(n, lang) for n in notes) for lang in LANGS
    }


def found(trace: Trace, step: Step) -> list[Asked]:
    """Every question the scenario's askers find about ``step``, checked: a choice question
    keeps only distractors that differ from the answer and from each other in every language."""
    out = []
    for asker in askers_for(trace.scenario):
        for asked in asker(trace, step):
            if asked.typed:
                out.append(asked)
                continue
            shown_answer = both(asked.answer)
            seen = [shown_answer]
            kept = []
            for d in asked.distractors:
                text_d = both(d)
                if any(text_d[lang] == s[lang] for s in seen for lang in LANGS):
                    continue
                seen.append(text_d)
                kept.append(d)
            if kept:
                out.append(replace(asked, distractors=tuple(kept)))
    return out


def make_question(
    asked: Asked, step: Step, card: CardId, topic: str, see: str, rng: random.Random
) -> Shown:
    """The quiz question for ``asked`` (distractors drawn from ``rng``), with its choice order."""
    picked = rng.sample(list(asked.distractors), min(MAX_CHOICES - 1, len(asked.distractors)))
    question = Question(
        id=str(card),
        topic=topic,
        kind="fill" if asked.typed else "single",
        prompt=both(asked.prompt),
        explanation=explanation(step, asked),
        see=see,
        answer=int(asked.answer) if asked.typed else 0,  # the answer is the first choice
        choices=() if asked.typed else tuple(both(v) for v in [asked.answer, *picked]),
    )
    return Shown(question, choice_order(question, rng))


def build(
    trace: Trace,
    mode: str,
    *,
    options: Options = (),
    command: str = "",
    seed: int = 0,
    ask: int | None = None,
    only: Iterable[int] | None = None,
) -> Exercise:
    """The exercise of ``mode`` on ``trace``. ``only``: the step indices shown (``--filter``);
    ``ask``: how many steps to ask about (None: every step that has a question)."""
    rng = random.Random(seed)
    scenario = trace.scenario
    exercise = Exercise(scenario, mode, command)
    allowed = None if only is None else set(only)
    steps = [s for s in trace.steps if allowed is None or s.index in allowed]
    topic = TOPICS.get(scenario, "tcpip")
    if mode == "order":
        run = order_run(steps, rng)
        if run:
            exercise.questions.append(_order_question(trace, run, options, topic, command, rng))
        return exercise
    offered: list[tuple[Step, list[Asked]]] = []
    for step in steps:
        asks = found(trace, step)
        if mode == "fields":
            asks = [a for a in asks if a.field is not None]
        if asks:
            offered.append((step, asks))
    if ask is not None and ask < len(offered):
        keep = sorted(rng.sample(range(len(offered)), ask))
        offered = [offered[i] for i in keep]
    for step, asks in offered:
        if mode == "next":
            chosen = [rng.choice(asks)]
        else:  # one or two blanks, in the order the asker lists the fields
            count = min(MAX_FIELDS, len(asks), rng.choice((1, 2)))
            picks = sorted(rng.sample(range(len(asks)), count))
            chosen = [asks[i] for i in picks]
        for asked in chosen:
            card = card_for(scenario, mode, step, asks, asked, options)
            shown = make_question(asked, step, card, topic, command, rng)
            exercise.questions.append(Prompted(step.index, asked.kind, shown, asked.field))
    return exercise


def card_for(
    scenario: str, mode: str, step: Step, asks: list[Asked], asked: Asked, options: Options
) -> CardId:
    """The card of ``asked``: the n-th question of its kind about ``step`` is ``kind.n``."""
    same = [a for a in asks if a.kind == asked.kind]
    nth = next(i for i, a in enumerate(same, 1) if a is asked)
    return CardId(scenario, mode, step.index, step.index, asked.kind, options, nth)


def pick(asks: list[Asked], card: CardId) -> Asked | None:
    """The question ``card`` names among a step's ``asks`` (``card_for`` the other way)."""
    same = [a for a in asks if a.kind == card.kind]
    return same[card.nth - 1] if card.nth <= len(same) else None


def order_label(step: Step) -> str:
    """How a step is named in an order exercise and in a card's context: who sends it to
    whom, and its Info line (the flags and numbers for the TCP scenarios)."""
    if step.dst is None:
        return f"{step.src}: {step.summary}"
    receivers = ", ".join(step.receivers)
    return f"{step.src} → {receivers}: {_info(step)}"


def _info(step: Step) -> str:
    if step.segment is not None and not step.fields:  # the TCP scenarios: flags and numbers
        seg = step.segment
        names = flag_names(seg.flags, sep=",")
        return f"{names} seq={seg.seq} ack={seg.ack} len={len(seg.payload)}"
    return step.summary


def order_run(steps: Sequence[Step], rng: random.Random) -> list[Step]:
    """The packets of an order exercise: the first run of 3 to 8 consecutive packet steps
    whose labels all differ (a trace's opening: the handshake, DORA, a DNS walk), else the
    longest such run. A run starts where a new exchange starts when it can."""
    packets = [s for s in steps if s.dst is not None]  # on a wire: not a local stage or timer
    best: list[Step] = []
    for start in range(len(packets)):
        run: list[Step] = []
        labels: set[str] = set()
        for s in packets[start:]:
            label = order_label(s)
            if label in labels or len(run) == ORDER_MAX:
                break
            labels.add(label)
            run.append(s)
        if len(run) > len(best):
            best = run
        if len(best) >= ORDER_MAX or (start == 0 and len(run) >= ORDER_MIN):
            break
    return best if len(best) >= ORDER_MIN else []


def _order_question(
    trace: Trace,
    run: list[Step],
    options: Options,
    topic: str,
    command: str,
    rng: random.Random,
) -> Prompted:
    first, last = run[0].index, run[-1].index
    card = CardId(trace.scenario, "order", first, last, "order", options)
    prompt = both(Note("predict.order.prompt", {"count": len(run)}))
    why = {
        lang: "\n".join(
            f"{n}. {order_label(s)} — {explanation(s)[lang]}" for n, s in enumerate(run, 1)
        )
        for lang in LANGS
    }
    question = Question(
        id=str(card),
        topic=topic,
        kind="order",
        prompt=prompt,
        explanation=why,
        see=command,
        answer=None,
        choices=tuple(both(order_label(s)) for s in run),
    )
    shown = Shown(question, choice_order(question, rng))
    return Prompted(first, "order", shown, None, tuple(s.index for s in run))
