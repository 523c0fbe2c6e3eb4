"""Exam sheets for teachers: a planned quiz written out as Markdown or as a JSON document.

Owns ``Sheet`` (the questions of one export, as ``netlab quiz`` would show them, with the seed
and topics that chose them), ``markdown`` (a printable sheet in one language: the questions,
a page break, the answer key) and ``document`` (the versioned JSON export, both languages).
Text from outside (a teacher's bank) is data: control characters are escaped
(``netlab.printable``) and every character Markdown would act on is backslash-escaped, so
``<script>`` or ``**x**`` prints as typed. ``netlab.quiz.anki`` writes the Anki package. Pure:
no files, no printing; the command is ``netlab.cli.quiz_export``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from netlab.i18n import Note, render, text
from netlab.printable import printable
from netlab.quiz.model import LETTERS, Question, Shown

FORMAT = "netlab-quiz-export"
VERSION = 1
PAGE_BREAK = '<div style="page-break-before: always"></div>'


@dataclass(frozen=True)
class Sheet:
    """One export: the questions in quiz order, and what chose them."""

    seed: int
    topics: tuple[str, ...]
    questions: tuple[Shown, ...]


# -- outside text as Markdown ----------------------------------------------------------------

#: Escaped wherever they are: emphasis, code, links, HTML, entities, tables, headings.
_ANYWHERE = set("\\`*_[]<>|~&#")
#: Escaped at the start of a line, where they would open a block (list, quote, heading line).
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")


def _escape_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def md_text(value: str) -> str:
    """``value`` (outside text) as Markdown that renders as the same characters: control and
    invisible characters shown escaped, Markdown's specials backslash-escaped, each line break
    a hard line break."""
    lines = []
    for line in printable(value).split("\n"):
        line = "".join("\\" + ch if ch in _ANYWHERE else ch for ch in line.strip())
        line = _LINE_START.sub(_escape_start, line)
        lines.append(line)
    return "\\\n".join(line for line in lines if line) or "\\"


def md_code(value: str) -> str:
    """``value`` as a Markdown code span (nothing inside is markup): fenced with one backtick
    more than the longest run inside, padded when it starts or ends with one."""
    shown = printable(value, newlines=False)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


# -- what each question says -----------------------------------------------------------------


def said(shown: Shown, lang: str) -> str:
    """The expected answer as the key says it: ``Shown.expected()``, true/false in words."""
    answer = shown.expected()
    if shown.question.kind == "truefalse":
        return text(f"ui.quiz.answer_{answer}", lang)
    return answer


def kind_words(question: Question, lang: str) -> str | None:
    """The quiz's own hint for the kinds that need one ((choose all that apply), ...)."""
    if question.kind in ("multiple", "order", "truefalse"):
        return text(f"ui.quiz.kind.{question.kind}", lang)
    return None


def topic_line(topic_ids: tuple[str, ...], lang: str) -> str:
    from netlab.topics import topics

    if not topic_ids:
        return text("ui.export.all_topics", lang)
    known = topics()
    titles = [known[t].title_in(lang) if t in known else t for t in topic_ids]
    return text("ui.export.list_sep", lang).join(titles)


def markdown(sheet: Sheet, lang: str) -> str:
    """The printable sheet in ``lang``: title, what chose it, the questions, a page break and
    the answer key (answer, explanation, the command that shows it)."""
    questions = Note("ui.export.questions", {"count": len(sheet.questions)})
    about = text(
        "ui.export.about",
        lang,
        seed=sheet.seed,
        questions=render(questions, lang),
        topics=topic_line(sheet.topics, lang),
    )
    out = [f"# {text('ui.export.title', lang)}", "", md_text(about), ""]
    for n, shown in enumerate(sheet.questions, 1):
        q = shown.question
        head = f"**{n}.** {md_text(q.text('prompt', lang))}"
        hint = kind_words(q, lang)
        if hint:
            head += f"\\\n*{md_text(hint)}*"
        out += [head, ""]
        choices = shown.choice_texts(lang)
        if choices:
            out += [
                f"- **{letter}.** {md_text(choice)}"
                for letter, choice in zip(LETTERS, choices, strict=False)
            ]
            out.append("")
        if q.kind == "fill":
            out += [text("ui.export.answer_line", lang), ""]  # netlab's own words: no markup
    out += [PAGE_BREAK, "", f"## {text('ui.export.key_title', lang)}", ""]
    for n, shown in enumerate(sheet.questions, 1):
        q = shown.question
        answer = f"**{md_text(said(shown, lang))}**"
        out += [
            f"**{n}.** {text('ui.export.answer', lang, answer=answer)}",
            "",
            md_text(q.text("explanation", lang)),
            "",
            text("ui.export.see", lang, command=md_code(q.see)),
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


# -- the JSON document -----------------------------------------------------------------------


def _both(texts: dict[str, str]) -> dict[str, str]:
    return {"en": texts.get("en", ""), "zh": texts.get("zh") or texts.get("en", "")}


def entry(shown: Shown) -> dict[str, Any]:
    """One question of the JSON export: choices in the shown order, the expected answer as
    ``netlab quiz`` would take it, and the displayed indices of the right choices."""
    q = shown.question
    item: dict[str, Any] = {
        "id": q.id,
        "topic": q.topic,
        "kind": q.kind,
        "generated": q.generator is not None,
        "prompt": _both(q.prompt),
        "choices": [_both(q.choices[i]) for i in shown.order],
        "answer": shown.expected(),
    }
    if q.kind == "single":
        item["answer_index"] = shown.order.index(q.answer)
    elif q.kind == "multiple":
        item["answer_indices"] = sorted(shown.order.index(i) for i in q.answer)
    elif q.kind == "order":
        item["answer_indices"] = [shown.order.index(i) for i in range(len(q.choices))]
    elif q.kind == "fill":
        item["accepted"] = [str(q.answer)] if isinstance(q.answer, int) else list(q.answer)
    item["explanation"] = _both(q.explanation)
    item["see"] = q.see
    return item


def document(sheet: Sheet) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "seed": sheet.seed,
        "count": len(sheet.questions),
        "topics": list(sheet.topics),
        "questions": [entry(shown) for shown in sheet.questions],
    }


# -- identity across exports -----------------------------------------------------------------


def identity(question: Question) -> tuple[str, ...]:
    """What names this concrete question across exports (Anki's note GUID is made from it): a
    bank question's id; for a generated one (whose id names only its recipe) the id and a hash
    of its English prompt, so two draws are two notes and the same draw keeps its note."""
    if question.generator is None:
        return (question.id,)
    digest = hashlib.sha256(question.text("prompt", "en").encode("utf-8")).hexdigest()[:16]
    return (question.id, digest)
