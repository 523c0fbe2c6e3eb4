"""When each question comes back: a Leitner schedule.

Owns the boxes and their intervals. Every question (a card) starts in box 1. A right answer
moves it up one box, a wrong one sends it back to box 1; a card is due again after its box's
interval. Leitner rather than SM-2: SM-2 needs the learner to grade each recall from 0 to 5,
which a choice or a typed answer does not give, and its per-card ease factor is hard to explain
to a learner; five boxes with fixed intervals are easy to show ("box 3: back in 3 days") and a
wrong answer visibly comes back soonest. Pure: times are seconds given by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTE, DAY = 60.0, 86_400.0
#: Box -> how long until the card is due again. Box 1 comes back in the next session.
INTERVALS = {1: 10 * MINUTE, 2: 1 * DAY, 3: 3 * DAY, 4: 7 * DAY, 5: 21 * DAY}
TOP = max(INTERVALS)


@dataclass(frozen=True)
class Card:
    question: str
    topic: str
    box: int = 1
    due: float = 0.0
    seen: int = 0
    right: int = 0


def after_answer(card: Card, correct: bool, now: float) -> Card:
    """The card once answered at time ``now``."""
    box = min(card.box + 1, TOP) if correct else 1
    return Card(
        question=card.question,
        topic=card.topic,
        box=box,
        due=now + INTERVALS[box],
        seen=card.seen + 1,
        right=card.right + int(correct),
    )


def is_due(card: Card, now: float) -> bool:
    return card.due <= now
