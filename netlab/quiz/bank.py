"""The question bank: reading TOML files into Questions, and checking them.

Owns the file format of ``docs/quiz-format.md``: ``load`` reads a file or a folder of
``*.toml`` and returns the questions plus every problem found, each as ``file:id: message``
(a TOML syntax error is reported with its line). ``validate`` is ``load`` for the
``netlab quiz validate`` command. Knows nothing about the screen or the progress store; which
``see`` commands exist is asked of a callable, so this module does not import the CLI.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netlab.printable import printable, unsafe
from netlab.quiz.model import KINDS, LETTERS, Question

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGS = ("en", "zh")


@dataclass
class Bank:
    questions: list[Question] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_topic(self) -> dict[str, list[Question]]:
        out: dict[str, list[Question]] = {}
        for q in self.questions:
            out.setdefault(q.topic, []).append(q)
        return out


def files_of(path: Path) -> list[Path]:
    """The bank files at ``path``: the file itself, or every ``*.toml`` in the folder (sorted)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.toml") if p.is_file())
    return [path]


def load(
    path: Path,
    known_topics: Iterable[str],
    command_exists: Callable[[str], bool] | None = None,
) -> Bank:
    """Read every question at ``path``; collect problems rather than stopping at the first."""
    bank = Bank()
    topics = set(known_topics)
    seen: dict[str, str] = {}
    for file in files_of(path):
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            bank.problems.append(f"{file}: TOML syntax error: {exc}")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            bank.problems.append(f"{file}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            continue
        file_topic = raw.get("topic")
        entries = raw.get("question", [])
        if not isinstance(entries, list) or not entries:
            bank.problems.append(f"{file}: no [[question]] tables")
            continue
        for n, entry in enumerate(entries, 1):
            problems: list[str] = []
            question = _question(entry, file_topic, topics, command_exists, file, problems)
            qid = entry.get("id") if isinstance(entry.get("id"), str) else f"#{n}"
            if isinstance(entry.get("id"), str):
                if qid in seen:
                    problems.append(f"duplicate id (also in {seen[qid]})")
                seen.setdefault(qid, str(file))
            bank.problems.extend(f"{file}:{qid}: {message}" for message in problems)
            if question is not None and not problems:
                bank.questions.append(question)
    return bank


def _texts(entry: dict[str, Any], key: str, problems: list[str]) -> dict[str, str]:
    value = entry.get(key)
    if not isinstance(value, dict):
        problems.append(f"'{key}' must be a table with 'en' and 'zh' texts")
        return {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"'{key}' has no {lang} text")
        else:
            _no_control(text, f"'{key}' ({lang})", problems)
    return {lang: value[lang] for lang in LANGS if isinstance(value.get(lang), str)}


def _no_control(text: str, what: str, problems: list[str]) -> None:
    """A control character in a bank is a problem: a terminal would act on it, not show it."""
    found = sorted({printable(ch) for ch in text if unsafe(ch)})
    if found:
        problems.append(f"{what} contains control characters ({', '.join(found)})")


def _question(
    entry: dict[str, Any],
    file_topic: Any,
    topics: set[str],
    command_exists: Callable[[str], bool] | None,
    file: Path,
    problems: list[str],
) -> Question | None:
    qid = entry.get("id")
    if not isinstance(qid, str) or not ID_RE.match(qid):
        problems.append("'id' must be lower-case letters, digits and '-'")
    topic = entry.get("topic", file_topic)
    if topic not in topics:
        problems.append(f"unknown topic {topic!r}")
    kind = entry.get("kind")
    if kind not in KINDS:
        problems.append(f"'kind' must be one of {', '.join(KINDS)}")
        return None
    see = entry.get("see")
    if not isinstance(see, str) or not see.startswith("netlab "):
        problems.append("'see' must be a netlab command")
    elif any(unsafe(ch) for ch in see):
        _no_control(see, "'see'", problems)
    elif command_exists is not None and not command_exists(see):
        problems.append(f"'see' names a command that does not exist: {see}")
    prompt = _texts(entry, "prompt", problems)
    explanation = _texts(entry, "explanation", problems)
    choices = _choices(entry, kind, problems)
    answer = _answer(entry, kind, len(choices), problems)
    shuffle = entry.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.append("'shuffle' must be true or false")
    if problems:
        return None
    return Question(
        id=qid,
        topic=topic,
        kind=kind,
        prompt=prompt,
        explanation=explanation,
        see=see,
        answer=answer,
        choices=tuple(choices),
        shuffle=shuffle,
        source=str(file),
    )


def _choices(entry: dict[str, Any], kind: str, problems: list[str]) -> list[dict[str, str]]:
    raw = entry.get("choices")
    if kind in ("truefalse", "fill"):
        if raw is not None:
            problems.append(f"a {kind} question has no 'choices'")
        return []
    low = 3 if kind == "order" else 2
    if not isinstance(raw, list) or not low <= len(raw) <= len(LETTERS):
        problems.append(f"'choices' must list {low} to {len(LETTERS)} choices")
        return []
    out = []
    for i, choice in enumerate(raw):
        if not isinstance(choice, dict):
            problems.append(f"choice {LETTERS[i]} must be a table with 'en' and 'zh'")
            continue
        for lang in LANGS:
            if not isinstance(choice.get(lang), str) or not choice[lang].strip():
                problems.append(f"choice {LETTERS[i]} has no {lang} text")
            else:
                _no_control(choice[lang], f"choice {LETTERS[i]} ({lang})", problems)
        out.append({lang: str(choice.get(lang, "")) for lang in LANGS})
    for lang in LANGS:
        texts = [c[lang].strip() for c in out]
        if len(set(texts)) != len(texts):
            problems.append(f"two choices have the same {lang} text")
    return out


def _answer(entry: dict[str, Any], kind: str, count: int, problems: list[str]) -> Any:
    raw = entry.get("answer")
    if kind == "order":
        if raw is not None:
            problems.append("an order question has no 'answer': write the choices in order")
        return None
    if kind == "truefalse":
        if not isinstance(raw, bool):
            problems.append("'answer' must be true or false")
        return raw
    if kind == "fill":
        texts = isinstance(raw, list) and raw and all(isinstance(a, str) and a.strip() for a in raw)
        if isinstance(raw, bool) or not (isinstance(raw, int) or texts):
            problems.append("'answer' must be a whole number or a list of accepted texts")
            return None
        if not isinstance(raw, int):
            for accepted in raw:
                _no_control(accepted, "'answer'", problems)
        return raw if isinstance(raw, int) else tuple(raw)
    if not isinstance(raw, str) or not raw:
        problems.append('\'answer\' must be letters of the choices, e.g. "B" or "AC"')
        return None
    letters = raw.strip().upper()
    if any(ch not in LETTERS[:count] for ch in letters) or len(set(letters)) != len(letters):
        problems.append(f"'answer' {raw!r} is not among the choices A-{LETTERS[max(count, 1) - 1]}")
        return None
    if kind == "single":
        if len(letters) != 1:
            problems.append("a single-choice 'answer' is one letter")
            return None
        return LETTERS.index(letters)
    if len(letters) < 2:
        problems.append("a multiple-choice 'answer' has at least two letters")
        return None
    return frozenset(LETTERS.index(ch) for ch in letters)
