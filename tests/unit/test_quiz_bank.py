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


# -- hostile banks (issue 13): every shape TOML allows is a problem, never an exception ---------

QUESTION_FIELDS = GOOD.split("[[question]]\n", 1)[1]


def one_problem_about(tmp_path: Path, body: str, *words: str) -> str:
    found = problems(tmp_path, body)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'bank.toml'}:"), found
    for word in words:
        assert word in found[0], found
    return found[0]


@pytest.mark.parametrize(
    "nest",
    ["[" * 500 + "]" * 500, "{ a = " * 500 + "1" + " }" * 500],
    ids=["arrays", "inline-tables"],
)
def test_deep_nesting_is_a_problem_of_the_file(tmp_path, nest):
    line = one_problem_about(tmp_path, GOOD + f"\nx = {nest}\n", "nested too deeply")
    assert line.startswith(f"{tmp_path / 'bank.toml'}: ")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param("question = [1, 2]\n", (":#1:", "must be a table", "an integer"), id="ints"),
        pytest.param('question = ["x"]\n', (":#1:", "a string"), id="strings"),
        pytest.param('question = "x"\n', ("array of tables", "not a string"), id="string"),
        pytest.param("[question]\nid = 1\n", ("array of tables", "not a table"), id="table"),
        pytest.param(
            "topic = [1]\n[[question]]\n" + QUESTION_FIELDS, ("'topic'", "an array"), id="topic"
        ),
        pytest.param(
            "x = " + "1" * 5000 + "\n" + GOOD, ("a number with more than",), id="long-number"
        ),
    ],
)
def test_wrong_shapes_are_problems(tmp_path, body, words):
    found = problems(tmp_path, body)
    assert found, body
    assert all(p.startswith(f"{tmp_path / 'bank.toml'}:") for p in found)
    assert all(w in found[0] for w in words), found


CHOICES_LINE = 'choices = [{ en = "A1", zh = "甲" }, { en = "B1", zh = "乙" }]'


@pytest.mark.parametrize(
    ("change", "words"),
    [
        pytest.param((CHOICES_LINE, "choices = 5"), ("'choices'", "an integer"), id="number"),
        pytest.param((CHOICES_LINE, "choices = { a = 1 }"), ("'choices'", "a table"), id="table"),
        pytest.param((CHOICES_LINE, 'choices = ["x", "y"]'), ("choice A", "a string"), id="strs"),
    ],
)
def test_wrong_types_in_a_question_are_file_id_problems(tmp_path, change, words):
    assert change[0] in GOOD
    found = problems(tmp_path, GOOD.replace(*change))
    assert found
    assert all(p.startswith(f"{tmp_path / 'bank.toml'}:") for p in found)
    assert any(all(w in p for w in words) for p in found), found


def test_ten_thousand_choices_say_the_limit_only(tmp_path):
    many = "choices = [" + ", ".join(f'{{ en = "c{i}", zh = "c{i}" }}' for i in range(10_000)) + "]"
    line = one_problem_about(tmp_path, GOOD.replace(CHOICES_LINE, many), "2 to 8", "10,000")
    assert line.startswith(f"{tmp_path / 'bank.toml'}:osi-one: ")
    assert "not among" not in line


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (('zh = "哪一层？"', 'zh = "' + "长" * 100_000 + '"'), "'prompt' (zh)"),
        (('en = "Because."', 'en = "' + "b" * 100_000 + '"'), "'explanation' (en)"),
        (('en = "A1"', 'en = "' + "a" * 100_000 + '"'), "choice A (en)"),
        (('id = "osi-one"', 'id = "' + "o" * 100_000 + '"'), "'id' must be"),
        (('topic = "osi"', 'topic = "' + "t" * 100_000 + '"'), "unknown topic"),
        (('answer = "B"', 'answer = "' + "B" * 100_000 + '"'), "'answer'"),
    ],
)
def test_huge_strings_are_problems_that_quote_little(tmp_path, change, what):
    line = one_problem_about(tmp_path, GOOD.replace(*change), what)
    assert len(line) < len(str(tmp_path)) + 200, line[:300]


def test_a_file_over_the_size_cap_is_not_read(tmp_path):
    path = write(tmp_path, GOOD)
    bank = load(path, topics(), command_exists, max_bytes=100)
    assert bank.questions == []
    (line,) = bank.problems
    assert line.startswith(f"{path}: ") and "100 bytes" in line and "too large" in line


def test_problems_beyond_the_cap_are_counted_not_kept(tmp_path):
    from netlab.quiz.bank import MAX_PROBLEMS

    bank = load(write(tmp_path, "question = [" + "1, " * 3000 + "]\n"), topics())
    assert len(bank.problems) == MAX_PROBLEMS
    assert bank.problem_count == 3000 and bank.more == 3000 - MAX_PROBLEMS
