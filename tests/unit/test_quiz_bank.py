"""Loading and checking question banks; netlab's own bank is complete and clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.cli.commands import command_exists
from netlab.datafiles import data_dir
from netlab.quiz.bank import load
from netlab.topics import topics

GOOD = """
topic = "osi"

[[question]]
id = "osi-one"
kind = "single"
see = "netlab notes osi"
prompt = { en = "Which layer?", zh = "哪一层？" }
choices = [{ en = "A1", zh = "甲" }, { en = "B1", zh = "乙" }]
answer = "B"
explanation = { en = "Because.", zh = "因为。" }
"""


def write(tmp_path: Path, body: str, name: str = "bank.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def problems(tmp_path: Path, body: str) -> list[str]:
    return load(write(tmp_path, body), topics(), command_exists).problems


def test_good_question_loads(tmp_path):
    bank = load(write(tmp_path, GOOD), topics(), command_exists)
    assert bank.problems == []
    (question,) = bank.questions
    assert question.answer == 1 and question.topic == "osi"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('answer = "B"', 'answer = "C"'), "not among the choices"),
        (('zh = "哪一层？"', 'fr = "x"'), "no zh text"),
        (('see = "netlab notes osi"', 'see = "netlab demo nosuch"'), "does not exist"),
        (('see = "netlab notes osi"', 'see = "netlab notes nosuch"'), "does not exist"),
        (('topic = "osi"', 'topic = "astrology"'), "unknown topic"),
        (('kind = "single"', 'kind = "essay"'), "'kind' must be one of"),
        (('id = "osi-one"', 'id = "Osi One"'), "'id' must be"),
        (('answer = "B"', 'answer = "AB"'), "one letter"),
    ],
)
def test_each_problem_is_reported_as_file_id_message(tmp_path, change, message):
    found = problems(tmp_path, GOOD.replace(*change))
    assert len(found) == 1, found
    assert message in found[0]
    assert found[0].startswith(f"{tmp_path / 'bank.toml'}:")


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    bank = load(tmp_path, topics(), command_exists)
    assert len(bank.problems) == 1 and "duplicate id" in bank.problems[0]


def test_toml_syntax_error_names_file_and_line(tmp_path):
    found = problems(tmp_path, GOOD + "\nbroken = \n")
    assert len(found) == 1
    assert "bank.toml" in found[0] and "line" in found[0]


def test_every_kind_checks_its_answer(tmp_path):
    body = GOOD.replace('kind = "single"', 'kind = "truefalse"').replace(
        'choices = [{ en = "A1", zh = "甲" }, { en = "B1", zh = "乙" }]\n', ""
    )
    assert "'answer' must be true or false" in problems(tmp_path, body)[0]
    fill = body.replace('kind = "truefalse"', 'kind = "fill"').replace(
        'answer = "B"', 'answer = ["x", "乙"]'
    )
    assert problems(tmp_path, fill) == []
    order = GOOD.replace('kind = "single"', 'kind = "order"')
    assert any("has no 'answer'" in p or "3 to" in p for p in problems(tmp_path, order))


def test_netlab_bank_is_clean_and_covers_every_topic():
    bank = load(data_dir() / "quiz", topics(), command_exists)
    assert bank.problems == []
    per_topic = bank.by_topic()
    for topic_id in topics():
        assert len(per_topic.get(topic_id, [])) >= 5, topic_id
    assert len(bank.questions) >= 150
    kinds = {q.kind for q in bank.questions}
    assert kinds == {"single", "multiple", "truefalse", "order", "fill"}


def test_every_topic_has_notes_in_both_languages_and_real_try_commands():
    for topic in topics().values():
        for lang in ("en", "zh"):
            note = data_dir() / "notes" / f"{topic.id}.{lang}.md"
            assert note.exists(), note
            assert note.read_text(encoding="utf-8").startswith("# "), note
        for command in topic.try_commands:
            assert command_exists(command), command
