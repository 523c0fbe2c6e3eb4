"""The words the LAN question generators share: choices, lists and the spacing of Chinese text.

Owns the small pieces that ``netlab.quiz.generate_layers``, ``generate_dhcp``, ``generate_dns``
and ``generate_nat`` all use: regular spacing between Chinese and Latin text (``tidy`` wraps a
recipe's ``ask`` with it), English lists ("A, B and C"), distractors drawn around an answer, a
capital first letter, and two texts joined. Pure: no simulation, no scapy, no printing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from netlab.quiz.recipe import Draft, Params, Text

_CJK_THEN_LATIN = re.compile(r"([\u4e00-\u9fff])([A-Za-z0-9])")
_LATIN_THEN_CJK = re.compile(r"([A-Za-z0-9])([\u4e00-\u9fff])")


def spaced(text: str) -> str:
    """Chinese text with a space between a Chinese character and a Latin letter or digit, as
    the rest of netlab writes it ("在 OSI 模型中", "第 3 层")."""
    return _LATIN_THEN_CJK.sub(r"\1 \2", _CJK_THEN_LATIN.sub(r"\1 \2", text))


def tidy(ask: Callable[[Params], Draft]) -> Callable[[Params], Draft]:
    """``ask``, with the spacing of its Chinese texts made regular."""

    def tidied(p: Params) -> Draft:
        draft = ask(p)

        def fix(text: Text) -> Text:
            return {**text, "zh": spaced(text["zh"])}

        return replace(
            draft,
            prompt=fix(draft.prompt),
            explanation=fix(draft.explanation),
            choices=tuple(fix(c) for c in draft.choices),
        )

    return tidied


def join_en(items: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def pick_others(rng: random.Random, answer: Any, pool: list[Any], count: int) -> list[Any]:
    """``count`` distractors from ``pool`` (never the answer), and the answer, in an order
    drawn from ``rng``; the answer's place is wherever it lands."""
    others = rng.sample([x for x in pool if x != answer], count)
    others.insert(rng.randrange(count + 1), answer)
    return others


def capital(text: Text) -> Text:
    """The English text with a capital first letter (a choice starts like a sentence)."""
    return {**text, "en": text["en"][:1].upper() + text["en"][1:]}


def joined(a: Text, b: Text) -> Text:
    """``a`` followed by ``b``, in each language."""
    return {lang: a[lang] + b[lang] for lang in a}
