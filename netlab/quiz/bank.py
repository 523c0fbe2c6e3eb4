"""The question bank: reading TOML files into Questions, and checking them.

Owns the file format of ``docs/quiz-format.md``: ``load`` reads a file or a folder of
``*.toml`` and returns the questions plus every problem found, each as ``file:id: message``
(a TOML syntax error is reported with its line). ``validate`` is ``load`` for the
``netlab quiz validate`` command. Knows nothing about the screen or the progress store; which
``see`` commands exist is asked of a callable, so this module does not import the CLI.

A bank is data from outside, so nothing in it is assumed: only regular files are read (a FIFO
or a device is a problem, never opened for reading until it is known to be a file), each at
most ``MAX_FILE_BYTES``; nesting too deep for the parser, a number too long, any value of the
wrong type and any text over its length limit are problems, and problems quote at most
``QUOTE`` characters of a value. At most ``MAX_PROBLEMS`` problems are kept (the rest counted).
"""

from __future__ import annotations

import datetime
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netlab.printable import printable, unsafe
from netlab.quiz.model import KINDS, LETTERS, Question

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGS = ("en", "zh")

#: The largest bank file read (bytes): tomllib holds a whole file, and its objects take up to
#: ~30 times the file's size (16 MiB of ``[],`` peak at ~450 MB), so a bigger one is refused.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Problems kept in ``Bank.problems``; beyond that they are only counted (``Bank.more``).
MAX_PROBLEMS = 1000
#: Characters of a value quoted in a problem.
QUOTE = 40
#: The longest text of each field, in characters (netlab's own longest are a tenth of these).
LIMITS = {
    "id": 80,
    "see": 300,
    "prompt": 2000,
    "explanation": 4000,
    "choice": 500,
    "answer": 300,  # one accepted text of a fill question
}
#: The most accepted texts of a fill question.
MAX_ACCEPTED = 50
#: TOML's integers are 64-bit signed (toml.io, "Integer"); tomllib accepts longer ones.
INT_RANGE = range(-(2**63), 2**63)


@dataclass
class Bank:
    questions: list[Question] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    more: int = 0  # problems found beyond MAX_PROBLEMS, not kept
    files: list[Path] = field(default_factory=list)  # the files read (or tried)

    def problem(self, line: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(line)
        else:
            self.more += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more

    def by_topic(self) -> dict[str, list[Question]]:
        out: dict[str, list[Question]] = {}
        for q in self.questions:
            out.setdefault(q.topic, []).append(q)
        return out


def files_of(path: Path) -> list[Path]:
    """The bank files at ``path``: the path itself when it is not a folder, else every regular
    ``*.toml`` file below it (sorted; symbolic links to folders are not followed, anything
    that is not a regular file is left out, unreadable folders are skipped)."""
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    pending = [path]
    while pending:  # iterative: a deep tree of folders must not exhaust the stack
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.name.endswith(".toml") and entry.is_file():
                    found.append(Path(entry.path))
            except OSError:
                continue
    return sorted(found)


def size_text(count: int) -> str:
    """A byte count as a teacher reads it: ``16 MiB``, ``512 KiB`` or ``300 bytes``."""
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count:,} bytes"


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


class Unreadable(Exception):
    """A bank file that is not read; the message says why (without the file's name)."""


def read_text(file: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of one bank file: a regular file of at most ``max_bytes``, in UTF-8 (a BOM is
    dropped). Anything else raises ``Unreadable``. A FIFO or a device is never read: it is
    refused from ``stat`` before opening, and opened without blocking and checked again, so
    one put in its place in between does not block or stream forever either."""
    limit = f"a bank file may have at most {size_text(max_bytes)}"
    try:
        before = os.stat(file)
        if not stat.S_ISREG(before.st_mode):
            raise Unreadable(f"{_file_kind(before.st_mode)}, not a regular file")
        if before.st_size > max_bytes:
            raise Unreadable(f"too large ({before.st_size:,} bytes): {limit}")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(file, flags | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb", closefd=True) as stream:
            now = os.fstat(stream.fileno())
            if not stat.S_ISREG(now.st_mode):
                raise Unreadable(f"{_file_kind(now.st_mode)}, not a regular file")
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise Unreadable(f"too large (it grew while being read): {limit}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"cannot read: not UTF-8 (at byte offset {exc.start:,})") from exc


def parse(text: str) -> dict[str, Any]:
    """TOML text as data; every failure is ``Unreadable`` with a message for the teacher."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unreadable(f"TOML syntax error: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses once per level of arrays/inline tables
        raise Unreadable("arrays or inline tables nested too deeply to read") from exc
    except ValueError as exc:  # int(): a number longer than sys.get_int_max_str_digits()
        digits = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise Unreadable(
            f"a number with more than {digits:,} digits (TOML's integers are 64-bit)"
        ) from exc


def type_name(value: Any) -> str:
    """A value's type as TOML names it, for problems."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return type(value).__name__


def quote(value: str) -> str:
    """A string from the bank as a problem quotes it: at most ``QUOTE`` characters, with a count
    of the rest."""
    if len(value) <= QUOTE:
        return repr(value)
    return f"{value[:QUOTE]!r}… ({len(value) - QUOTE:,} more characters)"


def load(
    path: Path,
    known_topics: Iterable[str],
    command_exists: Callable[[str], bool] | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
) -> Bank:
    """Read every question at ``path``; collect problems rather than stopping at the first."""
    bank = Bank()
    topics = set(known_topics)
    seen: dict[str, str] = {}
    bank.files = files_of(path)
    for file in bank.files:
        try:
            raw = parse(read_text(file, max_bytes))
        except Unreadable as exc:
            bank.problem(f"{file}: {exc}")
            continue
        file_topic = raw.get("topic")
        entries = raw.get("question")
        if entries is None or entries == []:
            bank.problem(f"{file}: no [[question]] tables")
            continue
        if not isinstance(entries, list):
            bank.problem(
                f"{file}: 'question' must be an array of tables ([[question]]), "
                f"not {type_name(entries)}"
            )
            continue
        for n, entry in enumerate(entries, 1):
            if not isinstance(entry, dict):
                bank.problem(
                    f"{file}:#{n}: a question must be a table ([[question]]), "
                    f"not {type_name(entry)}"
                )
                continue
            problems: list[str] = []
            question = _question(entry, file_topic, topics, command_exists, file, problems)
            raw_id = entry.get("id")
            qid = _label(raw_id) if isinstance(raw_id, str) and raw_id else f"#{n}"
            if isinstance(raw_id, str) and raw_id:
                if raw_id in seen:
                    problems.append(f"duplicate id (also in {seen[raw_id]})")
                seen.setdefault(raw_id, str(file))
            for message in problems:
                bank.problem(f"{file}:{qid}: {message}")
            if question is not None and not problems:
                bank.questions.append(question)
    return bank


def _label(qid: str) -> str:
    """A question's id as the ``file:id:`` prefix shows it (a long one cut)."""
    if len(qid) <= QUOTE:
        return qid
    return f"{qid[:QUOTE]}…"


def _too_long(text: str, what: str, limit: int, problems: list[str]) -> bool:
    if len(text) <= limit:
        return False
    problems.append(f"{what} has {len(text):,} characters; at most {limit:,}")
    return True


def _texts(entry: dict[str, Any], key: str, problems: list[str]) -> dict[str, str]:
    value = entry.get(key)
    if not isinstance(value, dict):
        problems.append(f"'{key}' must be a table with 'en' and 'zh' texts")
        return {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"'{key}' has no {lang} text")
        elif not _too_long(text, f"'{key}' ({lang})", LIMITS[key], problems):
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
    if not isinstance(qid, str) or not ID_RE.match(qid) or len(qid) > LIMITS["id"]:
        problems.append(f"'id' must be lower-case letters, digits and '-' (at most {LIMITS['id']})")
    topic = entry.get("topic", file_topic)
    if not isinstance(topic, str):
        problems.append(f"'topic' must be a topic id (a string), not {type_name(topic)}")
    elif topic not in topics:
        problems.append(f"unknown topic {quote(topic)}")
    kind = entry.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        problems.append(f"'kind' must be one of {', '.join(KINDS)}")
        return None
    see = entry.get("see")
    if not isinstance(see, str) or not see.startswith("netlab "):
        problems.append("'see' must be a netlab command")
    elif _too_long(see, "'see'", LIMITS["see"], problems):
        pass
    elif any(unsafe(ch) for ch in see):
        _no_control(see, "'see'", problems)
    elif command_exists is not None and not command_exists(see):
        problems.append(f"'see' names a command that does not exist: {see}")
    prompt = _texts(entry, "prompt", problems)
    explanation = _texts(entry, "explanation", problems)
    choices = _choices(entry, kind, problems)
    answer = _answer(entry, kind, choices, problems)
    shuffle = entry.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.append("'shuffle' must be true or false")
    if problems or choices is None:
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


def _choices(entry: dict[str, Any], kind: str, problems: list[str]) -> list[dict[str, str]] | None:
    """The choices, one ``{"en", "zh"}`` per choice written (None when their number is wrong:
    nothing else about them, the answer's letters included, is checked then)."""
    raw = entry.get("choices")
    if kind in ("truefalse", "fill"):
        if raw is not None:
            problems.append(f"a {kind} question has no 'choices'")
        return []
    low = 3 if kind == "order" else 2
    if raw is None:
        problems.append(f"'choices' is missing: a {kind} question lists {low} to {len(LETTERS)}")
        return None
    if not isinstance(raw, list):
        problems.append(
            f"'choices' must be an array of {low} to {len(LETTERS)} choices, not {type_name(raw)}"
        )
        return None
    if not low <= len(raw) <= len(LETTERS):
        problems.append(f"'choices' must list {low} to {len(LETTERS)} choices, not {len(raw):,}")
        return None
    out = []
    for i, choice in enumerate(raw):
        if not isinstance(choice, dict):
            problems.append(
                f"choice {LETTERS[i]} must be a table with 'en' and 'zh', not {type_name(choice)}"
            )
            out.append({lang: "" for lang in LANGS})
            continue
        for lang in LANGS:
            text = choice.get(lang)
            what = f"choice {LETTERS[i]} ({lang})"
            if not isinstance(text, str) or not text.strip():
                problems.append(f"choice {LETTERS[i]} has no {lang} text")
            elif not _too_long(text, what, LIMITS["choice"], problems):
                _no_control(text, what, problems)
        out.append({lang: v if isinstance(v := choice.get(lang), str) else "" for lang in LANGS})
    for lang in LANGS:
        texts = [c[lang].strip() for c in out if c[lang].strip()]
        if len(set(texts)) != len(texts):
            problems.append(f"two choices have the same {lang} text")
    return out


def _answer(
    entry: dict[str, Any], kind: str, choices: list[dict[str, str]] | None, problems: list[str]
) -> Any:
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
        return _accepted(raw, problems)
    if choices is None:  # the number of choices is the problem; letters cannot be checked
        return None
    count = len(choices)
    if not isinstance(raw, str) or not raw:
        problems.append('\'answer\' must be letters of the choices, e.g. "B" or "AC"')
        return None
    letters = raw.strip().upper()
    if any(ch not in LETTERS[:count] for ch in letters) or len(set(letters)) != len(letters):
        problems.append(f"'answer' {quote(raw)} is not among the choices A-{LETTERS[count - 1]}")
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


def _accepted(raw: Any, problems: list[str]) -> Any:
    """A fill question's answer: one whole number, or a list of accepted texts."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw not in INT_RANGE:
            problems.append("'answer' is outside TOML's 64-bit integer range")
            return None
        return raw
    texts = isinstance(raw, list) and raw and all(isinstance(a, str) and a.strip() for a in raw)
    if not texts:
        problems.append("'answer' must be a whole number or a list of accepted texts")
        return None
    if len(raw) > MAX_ACCEPTED:
        problems.append(f"'answer' lists {len(raw):,} accepted texts; at most {MAX_ACCEPTED}")
        return None
    for accepted in raw:
        if not _too_long(accepted, "an accepted 'answer'", LIMITS["answer"], problems):
            _no_control(accepted, "'answer'", problems)
    return tuple(raw)
