"""How a question looks on the console (``netlab.views.quiz``): a choice too long for one line
continues under its own text (a hanging indent), never at column 0, in English and Chinese,
at 60 and 80 columns, and loses no character."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from netlab.quiz import generate
from netlab.quiz.model import Question, Shown
from netlab.views.quiz import question_view

LONG = (
    {
        "en": "RST,ACK: a reset. The connection is aborted at once, with no FIN exchange, no "
        "TIME-WAIT and no chance for the peer to read what was still in flight",
        "zh": "RST,ACK：复位。连接立即中止，没有 FIN 交换，也没有 TIME-WAIT，"
        "对端也没有机会读取仍在路上的数据，下一次 recv() 会以 ECONNRESET 失败",
    },
    {"en": "FIN,ACK", "zh": "FIN,ACK"},
    {
        "en": "Nothing yet: close() waits until the application has read every byte of the "
        "data that is still waiting in the receive buffer, then sends its FIN",
        "zh": "暂时什么也不发：close() 会一直等到应用程序把接收缓冲区里的数据全部读完，"
        "然后才发出 FIN 报文段",
    },
    {"en": "FIN,ACK now, and a RST later", "zh": "先发 FIN,ACK，之后再发 RST"},
)
TEXT = {"en": "What does the client send?", "zh": "客户端会发出什么？"}
CHOICE = re.compile(r"^  ([A-D])\. (.*)$")
INDENT = " " * len("  A. ")


def rendered(shown: Shown, lang: str, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(question_view(shown, 1, 1, lang))
    return console.export_text().splitlines()


def choices_on_screen(lines: list[str]) -> dict[str, list[str]]:
    """Each letter's lines: the first after "  A. ", the rest as printed (indent kept)."""
    seen: dict[str, list[str]] = {}
    current = None
    for line in lines:
        match = CHOICE.match(line)
        if match:
            current = match.group(1)
            seen[current] = [match.group(2)]
        elif current is not None:
            seen[current].append(line)
    return seen


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 80])
def test_a_long_choice_hangs_under_its_own_text(lang: str, width: int) -> None:
    q = Question("t-1", "close", "single", TEXT, TEXT, "netlab notes close", 0, LONG)
    shown = Shown(q, (0, 1, 2, 3))
    lines = rendered(shown, lang, width)
    seen = choices_on_screen(lines)
    assert list(seen) == ["A", "B", "C", "D"]
    wrapped = 0
    for letter, choice in zip("ABCD", LONG, strict=True):
        first, *rest = seen[letter]
        wrapped += bool(rest)
        for line in rest:
            assert line.startswith(INDENT) and line[len(INDENT)] != " ", (letter, line)
        assert squeeze(first + "".join(rest)) == squeeze(choice[lang])
    assert wrapped >= 2, "the long choices must wrap at this width"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_generated_choices_hang_too(lang: str) -> None:
    """A generated question's long choices (the DNS referral's "Nobody: ...") at 60 columns."""
    for seed in range(30):
        q = generate.make("dns-referral", seed)
        if q.kind != "single":
            continue
        shown = Shown(q, tuple(range(len(q.choices))))
        seen = choices_on_screen(rendered(shown, lang, 60))
        assert len(seen) == len(q.choices)
        for letter, index in zip("ABCD", shown.order, strict=False):
            first, *rest = seen[letter]
            for line in rest:
                assert line.startswith(INDENT) and line[len(INDENT)] != " ", line
            assert squeeze(first + "".join(rest)) == squeeze(q.choices[index][lang])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 80])
def test_exam_review_lines_hang_under_their_text(lang: str, width: int) -> None:
    """Exam mode's review at the end: a long prompt, answer line or explanation that wraps
    continues indented, never at column 0."""
    from netlab.quiz.model import Graded
    from netlab.quiz.session import Answered, Session
    from netlab.views.quiz import review_view

    long_text = {lang: LONG[0][lang] + " " + LONG[2][lang] for lang in ("en", "zh")}
    q = Question("t-1", "close", "single", long_text, long_text, "netlab notes close", 0, LONG)
    session = Session(slots=[], make=lambda *_: q, clock=lambda: 0.0)
    session.answered.append(Answered(Shown(q, (0, 1, 2, 3)), Graded(True, False, "B")))
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(review_view(session, lang))
    lines = console.export_text().splitlines()[1:]  # after the title
    assert len(lines) > 4
    assert lines[0].startswith("1. ")
    for line in lines[1:]:  # under the prompt (5 cells in) or the answer and the why (3 in)
        assert line.startswith("   ") and line.strip(), line
        assert line == line.rstrip()
