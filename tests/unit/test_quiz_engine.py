"""The quiz engine: planning is deterministic per seed, review puts due cards first, the
Leitner schedule, and the SQLite store (answers kept, a corrupt file recovered)."""

from __future__ import annotations

import random
import sqlite3

from netlab.quiz.model import Question
from netlab.quiz.schedule import INTERVALS, Card, after_answer
from netlab.quiz.session import Session, plan
from netlab.quiz.store import Store

T = {"en": "x", "zh": "x"}


def bank(n=20, topic="osi"):
    choices = tuple({"en": f"c{i}", "zh": f"c{i}"} for i in range(4))
    return [
        Question(f"{topic}-{i}", topic, "single", T, T, "netlab notes osi", i % 4, choices)
        for i in range(n)
    ]


def test_same_seed_same_quiz():
    questions = bank() + bank(topic="arp")
    gens = [("g1", "osi"), ("g2", "arp")]
    a = plan(questions, gens, topics=None, count=8, rng=random.Random(7))
    b = plan(questions, gens, topics=None, count=8, rng=random.Random(7))
    c = plan(questions, gens, topics=None, count=8, rng=random.Random(8))
    assert a == b
    assert a != c
    assert len(a) == 8
    assert sum(s.generator is not None for s in a) == 2  # a quarter generated


def test_topics_filter_and_no_generators():
    slots = plan(bank() + bank(topic="arp"), [], topics=["arp"], count=5, rng=random.Random(1))
    assert all(s.question.topic == "arp" for s in slots)


def test_review_puts_due_cards_first():
    questions = bank(10)
    cards = {"osi-3": Card("osi-3", "osi", 1, due=50.0), "osi-5": Card("osi-5", "osi", 3, 500.0)}
    slots = plan(
        questions,
        [],
        topics=None,
        count=10,
        rng=random.Random(2),
        cards=cards,
        now=100.0,
        review=True,
    )
    assert slots[0].question.id == "osi-3"
    assert slots[-1].question.id == "osi-5"  # seen and not due: last


def test_session_scores_and_time_limit():
    now = [0.0]
    slots = plan(bank(5), [], topics=None, count=5, rng=random.Random(3))
    session = Session(slots, lambda g, s: None, lambda: now[0], time_limit=10)
    shown = session.next()
    session.accept(session.check(shown.expected()))
    now[0] = 5.0
    shown = session.next()
    wrong = next(letter for letter in "ABCD" if letter != shown.expected())
    session.accept(session.check(wrong))
    now[0] = 10.0
    assert session.next() is None  # the clock reached the limit
    assert session.score() == (1, 2)
    assert session.by_topic() == {"osi": (1, 2)}


def test_leitner_boxes():
    card = Card("q", "osi")
    card = after_answer(card, True, now=0)
    assert (card.box, card.due) == (2, INTERVALS[2])
    card = after_answer(card, True, now=10)
    assert card.box == 3
    card = after_answer(card, False, now=20)
    assert (card.box, card.due, card.seen, card.right) == (1, 20 + INTERVALS[1], 3, 2)


def test_store_keeps_answers_and_cards(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    store.record("osi-1", "osi", "B", True, now=1.0)
    store.record("osi-1", "osi", "C", False, now=2.0)
    store.close()
    again = Store(tmp_path / "p.sqlite3")
    assert again.answer_count() == 2
    assert again.topic_history() == [("osi", 2, 1, 2.0)]
    (card,) = again.cards()
    assert card.box == 1 and card.seen == 2
    again.reset()
    assert again.answer_count() == 0


def test_corrupt_store_is_moved_aside(tmp_path):
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = Store(path)
    assert store.recovered_from is not None and store.recovered_from.exists()
    assert store.recovered_from.read_bytes().startswith(b"this is not")
    store.record("osi-1", "osi", "B", True, now=1.0)
    assert store.answer_count() == 1
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from answers").fetchone()[0] == 1
