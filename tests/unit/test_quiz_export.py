"""``netlab.quiz.export`` and ``netlab.quiz.anki``: the sheet's Markdown, the JSON document, the
Anki notes, and outside text that must stay text.

Markdown is checked by rendering it with a real CommonMark parser (markdown-it-py, which rich
already depends on): a hostile bank text must come out as the same characters, never as HTML,
emphasis, a heading or a list.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from netlab.quiz import export
from netlab.quiz.model import Question, Shown

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "<script>alert(1)</script>",
    "**x** and _y_ and `z`",
    "# not a heading",
    "- not a list",
    "+ not a list",
    "1. not a list",
    "2) not a list",
    "> not a quote",
    "a | b | c",
    "[link](https://example.com) ![img](x.png)",
    "&lt;b&gt; &amp; &#65;",
    "back\\slash\\*",
    "~~struck~~",
    "===",
    "<!-- comment -->",
]


def rendered_text(markdown: str) -> str:
    """What a reader sees: the text of the one paragraph ``markdown`` renders as, which must
    hold no element (no tag, no emphasis, no link): only text and character references."""
    out = PARSER.render(markdown).strip()
    assert out.startswith("<p>") and out.endswith("</p>"), out
    inner = out[3:-4]
    assert "<" not in inner and ">" not in inner, out
    return html.unescape(inner)


@pytest.mark.parametrize("value", HOSTILE)
def test_outside_text_renders_as_typed(value: str) -> None:
    assert rendered_text(export.md_text(value)) == value


def test_control_characters_are_shown_escaped() -> None:
    shown = rendered_text(export.md_text("\x1b[31mred\x1b[0m"))
    assert "\x1b" not in shown
    assert shown == "\\x1b[31mred\\x1b[0m"


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"])))
def test_any_printable_text_renders_as_typed(value: str) -> None:
    value = " ".join(value.split())  # Markdown folds spaces; a line has no ends of spaces
    if not value:
        return
    assert rendered_text(export.md_text(value)) == value


def test_a_code_span_holds_backticks() -> None:
    for command in ("netlab simulate handshake", "echo `x`", "`", "a``b"):
        out = PARSER.render(export.md_code(command)).strip()
        assert out == f"<p><code>{html.escape(command, quote=False)}</code></p>"


# -- a sheet of known questions ----------------------------------------------------------------


def q(qid: str, kind: str, answer, choices=(), generator=None, prompt=None) -> Question:
    return Question(
        id=qid,
        topic="handshake",
        kind=kind,
        prompt=prompt or {"en": f"Prompt {qid}", "zh": f"问题 {qid}"},
        explanation={"en": f"Why {qid}", "zh": f"原因 {qid}"},
        see="netlab simulate handshake",
        answer=answer,
        choices=tuple({"en": c, "zh": f"{c}（中）"} for c in choices),
        generator=generator,
    )


SHEET = export.Sheet(
    seed=42,
    topics=("handshake",),
    questions=(
        Shown(q("one", "single", 1, ("a", "b", "c")), (2, 0, 1)),
        Shown(q("many", "multiple", frozenset({0, 2}), ("a", "b", "c")), (1, 2, 0)),
        Shown(q("tf", "truefalse", False), ()),
        Shown(q("seq", "order", None, ("first", "second", "third")), (2, 0, 1)),
        Shown(q("fill", "fill", ("application layer", "应用层")), ()),
        Shown(q("num", "fill", 1001), ()),
    ),
)


def key_answers(markdown: str) -> list[str]:
    _, key = markdown.split(export.PAGE_BREAK)
    return re.findall(r"^\*\*\d+\.\*\* Answer: \*\*(.*)\*\*$", key, flags=re.M)


def test_markdown_has_every_question_then_the_key() -> None:
    sheet = export.markdown(SHEET, "en")
    questions, key = sheet.split(export.PAGE_BREAK)
    for n, shown in enumerate(SHEET.questions, 1):
        assert f"**{n}.** Prompt {shown.question.id}" in questions
        assert f"Why {shown.question.id}" in key and f"Why {shown.question.id}" not in questions
    assert "Seed 42 · 6 questions" in questions
    assert "- **A.** c\n- **B.** a\n- **C.** b" in questions  # the shown order
    assert questions.count("Answer: ____") == 2  # the two fill questions
    assert "*(choose all that apply)*" in questions and "*(true or false)*" in questions
    assert "See: `netlab simulate handshake`" in key
    assert "## Answer key" in key


def test_the_key_says_what_shown_expected_says() -> None:
    answers = key_answers(export.markdown(SHEET, "en"))
    assert answers == [s.expected() for s in SHEET.questions]
    assert answers == ["C", "BC", "false", "BCA", "application layer", "1001"]


def test_chinese_sheet_says_true_false_in_words() -> None:
    sheet = export.markdown(SHEET, "zh")
    assert "**3.** 答案：**错（false）**" in sheet
    assert "问题 one" in sheet and "c（中）" in sheet and "参考答案" in sheet


def test_json_entries() -> None:
    doc = export.document(SHEET)
    assert (doc["format"], doc["version"], doc["seed"], doc["count"]) == (
        "netlab-quiz-export",
        1,
        42,
        6,
    )
    one, many, tf, seq, fill, num = doc["questions"]
    assert [c["en"] for c in one["choices"]] == ["c", "a", "b"]
    assert one["answer"] == "C" and one["choices"][one["answer_index"]]["en"] == "b"
    assert [many["choices"][i]["en"] for i in many["answer_indices"]] == ["c", "a"]
    assert [seq["choices"][i]["en"] for i in seq["answer_indices"]] == ["first", "second", "third"]
    assert tf["answer"] == "false" and "answer_index" not in tf
    assert fill["accepted"] == ["application layer", "应用层"] and num["accepted"] == ["1001"]
    assert one["prompt"] == {"en": "Prompt one", "zh": "问题 one"} and one["generated"] is False


def test_identity_of_generated_questions_follows_the_draw() -> None:
    bank = q("bank", "fill", 1)
    draw1 = q("gen-x", "fill", 1, generator="x", prompt={"en": "ISN 5?", "zh": "ISN 5？"})
    draw2 = q("gen-x", "fill", 1, generator="x", prompt={"en": "ISN 6?", "zh": "ISN 6？"})
    again = q("gen-x", "fill", 1, generator="x", prompt={"en": "ISN 5?", "zh": "另一种说法"})
    assert export.identity(bank) == ("bank",)
    assert export.identity(draw1) != export.identity(draw2)
    assert export.identity(draw1) == export.identity(again)


# -- Anki notes ----------------------------------------------------------------------------------

genanki = pytest.importorskip("genanki")


def test_anki_fields_are_escaped_html() -> None:
    from netlab.quiz import anki

    hostile = q(
        "evil",
        "single",
        0,
        ("<b>bold</b>", "x & y"),
        prompt={"en": "<script>alert(1)</script> \x1b[31m", "zh": "<img src=x>"},
    )
    note = anki.note(Shown(hostile, (1, 0)), "both")
    fields = dict(zip(anki.FIELDS, note.fields, strict=True))
    assert fields["Question"] == "&lt;script&gt;alert(1)&lt;/script&gt; \\x1b[31m"
    assert fields["Choices"] == "A. x &amp; y<br>B. &lt;b&gt;bold&lt;/b&gt;"
    assert fields["Answer"] == "B<br>B. &lt;b&gt;bold&lt;/b&gt;"
    assert fields["QuestionZh"] == "&lt;img src=x&gt;"
    assert "<" not in fields["Question"] and "\x1b" not in fields["Question"]
    assert note.guid == genanki.guid_for("evil")
    assert sorted(note.tags) == ["handshake", "netlab"]


def test_anki_one_language_leaves_the_chinese_fields_empty() -> None:
    from netlab.quiz import anki

    note = anki.note(SHEET.questions[2], "zh")
    fields = dict(zip(anki.FIELDS, note.fields, strict=True))
    assert fields["Question"].startswith("问题 tf") and fields["Answer"] == "错（false）"
    assert fields["QuestionZh"] == fields["AnswerZh"] == ""


def test_lines_of_outside_text_stay_lines_of_one_paragraph() -> None:
    out = PARSER.render(export.md_text("Title\n===\n- item\n1. one\n> q")).strip()
    assert out == "<p>Title<br />\n===<br />\n- item<br />\n1. one<br />\n&gt; q</p>"
