"""What a question is, and how one is shown and answered.

Owns ``Question`` (one question of any kind, in both languages, with its checked answer),
``Shown`` (a question with the choice order drawn for this quiz), and the grading of what a
learner typed: letters, an order, true/false, or a text or number compared case-, width- and
space-insensitively. Pure: no files, no printing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

KINDS = ("single", "multiple", "truefalse", "order", "fill")
LETTERS = "ABCDEFGH"
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "对", "是", "正确", "真"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "错", "否", "错误", "假"})


@dataclass(frozen=True)
class Question:
    """One question. ``answer`` is already checked and normalised by the bank loader:

    single -> int (index into ``choices``); multiple -> frozenset of ints; truefalse -> bool;
    order -> None (``choices`` are in the right order); fill -> tuple of accepted texts (the
    first is the one shown as expected) or an int.
    """

    id: str
    topic: str
    kind: str
    prompt: dict[str, str]
    explanation: dict[str, str]
    see: str
    answer: Any
    choices: tuple[dict[str, str], ...] = ()
    shuffle: bool = True
    source: str = ""
    generator: str | None = None  # id of the generator that made it, for generated questions

    def text(self, field_name: str, lang: str) -> str:
        value = getattr(self, field_name)
        return value.get(lang) or value.get("en", "")


@dataclass(frozen=True)
class Shown:
    """A question as this quiz shows it: ``order[i]`` is the file index of displayed choice i."""

    question: Question
    order: tuple[int, ...] = field(default_factory=tuple)

    def choice_texts(self, lang: str) -> list[str]:
        choices = self.question.choices
        return [choices[i].get(lang) or choices[i]["en"] for i in self.order]

    def expected(self) -> str:
        """The right answer written as a learner would type it (so it can be piped back)."""
        q = self.question
        if q.kind == "single":
            return LETTERS[self.order.index(q.answer)]
        if q.kind == "multiple":
            return "".join(sorted(LETTERS[self.order.index(i)] for i in q.answer))
        if q.kind == "order":
            return "".join(LETTERS[self.order.index(i)] for i in range(len(q.choices)))
        if q.kind == "truefalse":
            return "true" if q.answer else "false"
        if isinstance(q.answer, int):
            return str(q.answer)
        return q.answer[0]


@dataclass(frozen=True)
class Graded:
    """The verdict on one answer. ``valid`` is False when the text is not an answer at all
    (a letter out of range, a word for a true/false question...); ``reason`` then says why."""

    valid: bool
    correct: bool
    given: str
    reason: str = ""


def fold(text: str) -> str:
    """Case-, width- and space-insensitive form, without surrounding quotes or end punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join(text.split())
    return text.strip(" \"'`.。!！?？;；,，")


def _letters(text: str, count: int) -> list[str] | None:
    cleaned = re.sub(r"[\s,，;；/、]+", "", unicodedata.normalize("NFKC", text).upper())
    if not cleaned or any(ch not in LETTERS[:count] for ch in cleaned):
        return None
    return list(cleaned)


def _number(text: str) -> int | None:
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace("_", "")
    return int(cleaned) if re.fullmatch(r"[+-]?\d+", cleaned) else None


def grade(shown: Shown, text: str) -> Graded:
    q = shown.question
    given = text.strip()
    count = len(shown.order)
    if q.kind in ("single", "multiple", "order"):
        letters = _letters(given, count)
        if letters is None:
            return Graded(False, False, given, "letters")
        if q.kind == "single":
            if len(letters) != 1:
                return Graded(False, False, given, "one_letter")
            return Graded(True, shown.order[LETTERS.index(letters[0])] == q.answer, letters[0])
        if q.kind == "multiple":
            picked = frozenset(shown.order[LETTERS.index(ch)] for ch in letters)
            normal = "".join(sorted(set(letters)))
            return Graded(True, picked == q.answer, normal)
        if sorted(letters) != sorted(LETTERS[:count]):
            return Graded(False, False, given, "order")
        return Graded(True, "".join(letters) == shown.expected(), "".join(letters))
    if q.kind == "truefalse":
        word = fold(given)
        if word in TRUE_WORDS:
            return Graded(True, q.answer is True, "true")
        if word in FALSE_WORDS:
            return Graded(True, q.answer is False, "false")
        return Graded(False, False, given, "truefalse")
    # fill
    if not given:
        return Graded(False, False, given, "empty")
    if isinstance(q.answer, int):
        number = _number(given)
        if number is None:
            return Graded(False, False, given, "number")
        return Graded(True, number == q.answer, str(number))
    return Graded(True, fold(given) in {fold(a) for a in q.answer}, given)
