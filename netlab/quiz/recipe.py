"""What a question generator is made of: a recipe (draw the numbers, then ask) and its draft.

Owns ``Recipe`` (a generator's id, topic, its random ``draw`` and its computed ``ask``),
``Draft`` (the question ``ask`` words, without id and topic) and ``t`` (one sentence in English
and Chinese). Shared by the generator modules (``netlab.quiz.generate`` and the
``generate_*`` modules it registers), so that any of them can be imported first. Plain data:
no simulation, no scapy, no printing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]
Text = dict[str, str]


@dataclass(frozen=True)
class Draft:
    """A question without its id and topic (the generator adds them)."""

    kind: str
    prompt: Text
    explanation: Text
    see: str
    answer: Any
    choices: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Recipe:
    id: str
    topic: str
    draw: Callable[[random.Random], Params]  # the random part: parameters only
    ask: Callable[[Params], Draft]  # the computed part: run the simulation, word the question
    needs_scapy: bool = False


def t(en: str, zh: str) -> Text:
    return {"en": en, "zh": zh}
