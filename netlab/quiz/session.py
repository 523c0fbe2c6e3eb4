"""The quiz engine, without any screen: which questions, in what order, and the score.

Owns ``plan`` (choosing the questions of one quiz from the bank and the generators, and the
choice order of each, all drawn from one seeded ``random.Random``; with ``review``, due cards
come first) and ``Session`` (showing one question at a time, grading answers, keeping the
score per topic, noticing a time limit through an injected clock). Generated questions are
made only when their turn comes, so a quiz that never reaches one never imports what its
generator needs. (Model: h11's separation of protocol state from I/O.)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from netlab.quiz.model import Graded, Question, Shown, grade
from netlab.quiz.schedule import Card

SIM_PREFIX = "sim/"  # netlab.predict.cards.PREFIX (not imported: the quiz starts light)


@dataclass(frozen=True)
class Slot:
    """One place in the quiz: a bank question (with its choice order) or a generator to run."""

    question: Question | None = None
    order: tuple[int, ...] = ()
    generator: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class Answered:
    shown: Shown
    graded: Graded

    @property
    def correct(self) -> bool:
        return self.graded.correct


def choice_order(question: Question, rng: random.Random) -> tuple[int, ...]:
    order = list(range(len(question.choices)))
    if question.shuffle or question.kind == "order":
        rng.shuffle(order)
        if question.kind == "order" and len(order) > 1:
            while order == sorted(order):  # an order question must not show the answer
                rng.shuffle(order)
    return tuple(order)


def plan(
    bank: Sequence[Question],
    generators: Sequence[tuple[str, str]],
    *,
    topics: Sequence[str] | None,
    count: int,
    rng: random.Random,
    cards: dict[str, Card] | None = None,
    now: float = 0.0,
    review: bool = False,
    simulations: Sequence[tuple[str, str]] = (),
) -> list[Slot]:
    """Choose ``count`` questions. ``generators`` are (generator id, topic) pairs; about a
    quarter of the quiz is generated when any generator covers the chosen topics.
    ``simulations`` (``--from-simulations``: ``sim/SCENARIO`` sources) join the generators,
    and then half of the quiz is generated. With ``review``, the due cards of predicted steps
    (ids ``sim/...``, see ``netlab.predict.cards``) come first, the most overdue first: each is
    asked again from its card id."""
    wanted = set(topics or ())
    replays: list[Slot] = []
    if review:
        due = sorted(
            (
                c
                for c in (cards or {}).values()
                if c.question.startswith(SIM_PREFIX)
                and c.due <= now
                and (not wanted or c.topic in wanted)
            ),
            key=lambda c: c.due,
        )[:count]
        replays = [Slot(generator=c.question, seed=rng.getrandbits(32)) for c in due]
        count -= len(replays)
        if count == 0:
            return replays
    pool = [q for q in bank if not wanted or q.topic in wanted]
    gens = [g for g in [*generators, *simulations] if not wanted or g[1] in wanted]
    n_gen = 0
    if gens:
        share = 2 if any(g in simulations for g in gens) else 4
        n_gen = max(1, count // share) if count > 1 or not pool else 0
    n_bank = min(count - n_gen, len(pool))
    if gens:
        n_gen = count - n_bank
    rng.shuffle(pool)
    if review:
        cards = cards or {}

        def urgency(q: Question) -> tuple[int, float]:
            card = cards.get(q.id)
            if card is None:
                return (1, 0.0)  # never seen
            return (0, card.due) if card.due <= now else (2, card.due)

        pool.sort(key=urgency)
    chosen = pool[:n_bank]
    slots = [Slot(question=q, order=choice_order(q, rng)) for q in chosen]
    if n_gen:
        sims = [g for g in gens if g in simulations]
        others = [g for g in gens if g not in simulations]
        rng.shuffle(sims)
        rng.shuffle(others)
        cycle = []  # simulations and generators taking turns, a simulation first
        for i in range(max(len(sims), len(others))):
            cycle += [*sims[i : i + 1], *others[i : i + 1]]
        positions = sorted(rng.sample(range(n_bank + n_gen), n_gen))
        for i, position in enumerate(positions):
            gen_id = cycle[i % len(cycle)][0]
            slots.insert(position, Slot(generator=gen_id, seed=rng.getrandbits(32)))
    return [*replays, *slots]


def show(slot: Slot, make: Callable[[str, int], Question]) -> Shown:
    """The question of ``slot`` as a quiz shows it: a bank question with the order drawn by
    ``plan``; a generated one made by ``make`` with its choice order drawn from its seed."""
    if slot.question is not None:
        return Shown(slot.question, slot.order)
    question = make(slot.generator or "", slot.seed)
    return Shown(question, choice_order(question, random.Random(slot.seed)))


@dataclass
class Session:
    """One quiz in progress. ``make`` turns a generator slot into its question."""

    slots: list[Slot]
    make: Callable[[str, int], Question]
    clock: Callable[[], float]
    time_limit: float | None = None
    answered: list[Answered] = field(default_factory=list)
    _current: Shown | None = None
    _started: float | None = None

    @property
    def total(self) -> int:
        return len(self.slots)

    @property
    def position(self) -> int:
        """1-based number of the current (or next) question."""
        return len(self.answered) + 1

    def out_of_time(self) -> bool:
        if self.time_limit is None or self._started is None:
            return False
        return self.clock() - self._started >= self.time_limit

    def next(self) -> Shown | None:
        """The next question to show, or None at the end (or when time is up)."""
        if self._started is None:
            self._started = self.clock()
        if len(self.answered) >= len(self.slots) or self.out_of_time():
            return None
        if self._current is None:
            self._current = show(self.slots[len(self.answered)], self.make)
        return self._current

    def check(self, text: str) -> Graded:
        """Grade ``text`` against the current question without moving on."""
        if self._current is None:
            raise RuntimeError("no question is being asked")
        return grade(self._current, text)

    def accept(self, graded: Graded) -> Answered:
        """Count ``graded`` as the answer to the current question and move on."""
        if self._current is None:
            raise RuntimeError("no question is being asked")
        done = Answered(self._current, graded)
        self.answered.append(done)
        self._current = None
        return done

    def score(self) -> tuple[int, int]:
        return sum(a.correct for a in self.answered), len(self.answered)

    def by_topic(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for a in self.answered:
            right, total = out.get(a.shown.question.topic, (0, 0))
            out[a.shown.question.topic] = (right + a.correct, total + 1)
        return out
