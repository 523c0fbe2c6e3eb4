"""Grading what a learner types, for every kind of question."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netlab.quiz.model import Question, Shown, fold, grade

TEXTS = {"en": "x", "zh": "x"}


def q(kind, answer, n=0, **kw):
    choices = tuple({"en": f"c{i}", "zh": f"选{i}"} for i in range(n))
    return Question("t-1", "osi", kind, TEXTS, TEXTS, "netlab notes osi", answer, choices, **kw)


def test_single_letter_follows_the_shown_order():
    shown = Shown(q("single", 2, 4), (3, 2, 0, 1))  # file choice 2 is shown as B
    assert shown.expected() == "B"
    assert grade(shown, "b").correct
    assert grade(shown, " B ").correct
    assert not grade(shown, "A").correct
    assert grade(shown, "A").valid
    assert not grade(shown, "E").valid  # out of range: not an answer at all
    assert not grade(shown, "AB").valid


def test_multiple_needs_exactly_the_right_set():
    shown = Shown(q("multiple", frozenset({0, 3}), 4), (0, 1, 2, 3))
    assert shown.expected() == "AD"
    for typed in ("AD", "da", "a, d", "A D", "A，D"):
        assert grade(shown, typed).correct, typed
    assert not grade(shown, "A").correct
    assert not grade(shown, "ABD").correct


def test_order_is_a_permutation_of_the_letters():
    shown = Shown(q("order", None, 4), (2, 0, 3, 1))  # file order 0,1,2,3 shown as B,D,A,C
    assert shown.expected() == "BDAC"
    assert grade(shown, "bdac").correct
    assert grade(shown, "B D A C").correct
    assert grade(shown, "ABCD").valid and not grade(shown, "ABCD").correct
    assert not grade(shown, "BDA").valid
    assert not grade(shown, "BDAA").valid


@pytest.mark.parametrize("typed", ["true", "T", "yes", "对", "是", "ＴＲＵＥ"])
def test_true_words(typed):
    shown = Shown(q("truefalse", True))
    assert grade(shown, typed).correct


@pytest.mark.parametrize("typed", ["false", "f", "No", "错", "否"])
def test_false_words(typed):
    shown = Shown(q("truefalse", True))
    result = grade(shown, typed)
    assert result.valid and not result.correct


def test_truefalse_rejects_other_words():
    assert not grade(Shown(q("truefalse", False)), "maybe").valid


def test_fill_text_is_case_width_and_space_insensitive():
    shown = Shown(q("fill", ("Application layer", "应用层")))
    for typed in (
        "application layer",
        "APPLICATION   LAYER",
        "ａｐｐｌｉｃａｔｉｏｎ layer",
        "应用层",
        "应用层。",
    ):
        assert grade(shown, typed).correct, typed
    assert not grade(shown, "transport layer").correct
    assert not grade(shown, "").valid
    assert shown.expected() == "Application layer"


def test_fill_number():
    shown = Shown(q("fill", 1001))
    assert grade(shown, "1001").correct
    assert grade(shown, "1,001").correct
    assert grade(shown, "１００１").correct
    assert not grade(shown, "1000").correct
    assert not grade(shown, "one thousand").valid


@given(st.permutations(range(5)), st.integers(0, 4))
def test_expected_always_grades_right(order, answer):
    for question in (
        q("single", answer, 5),
        q("order", None, 5),
        q("multiple", frozenset({answer, (answer + 1) % 5}), 5),
    ):
        shown = Shown(question, tuple(order))
        assert grade(shown, shown.expected()).correct


def test_fold():
    assert fold("  Ｈello　World。 ") == "hello world"
