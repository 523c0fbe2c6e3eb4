"""The progress store under faults: a database locked by another program (waited for, then a
clear error, nothing moved), answers that cannot be saved yet (kept and retried), concurrent
quizzes (no lost update), and damaged or foreign databases (moved aside, readable rows copied).

Real SQLite files in ``tmp_path``. A lock is held by a second connection doing ``BEGIN
EXCLUSIVE`` (SQLite's locks work between connections of one process as between processes);
concurrency uses real child processes. Every wait is bounded by ``NETLAB_QUIZ_WAIT``.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from netlab.quiz.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock is waited for 1.5 s in these tests (10 s for a learner)."""
    monkeypatch.setenv("NETLAB_QUIZ_WAIT", "1.5")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A healthy progress file with one answer."""
    where = tmp_path / "progress.sqlite3"
    store = Store(where)
    store.record("osi-1", "osi", "B", True, now=1.0)
    store.close()
    return where


@contextmanager
def locked(where: Path, release_after: float | None = None) -> Iterator[sqlite3.Connection]:
    """Another connection holds ``where`` with ``BEGIN EXCLUSIVE`` (nobody may read or write)
    until the block ends, or until ``release_after`` seconds have passed."""
    holder = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    done = threading.Lock()

    def release() -> None:
        with done:
            if holder.in_transaction:
                holder.execute("COMMIT")

    timer = threading.Timer(release_after, release) if release_after is not None else None
    if timer:
        timer.start()
    try:
        yield holder
    finally:
        if timer:
            timer.cancel()
        release()
        holder.close()


def neighbours(where: Path) -> list[str]:
    return sorted(p.name for p in where.parent.iterdir())


# -- locked is not corrupt ---------------------------------------------------------------------


def test_a_locked_database_is_waited_for_then_an_error_and_nothing_moves(path: Path) -> None:
    from netlab.quiz.store import StoreLocked

    before = neighbours(path)
    started = time.monotonic()
    with locked(path), pytest.raises(StoreLocked) as caught:
        Store(path)
    waited = time.monotonic() - started
    assert 1.4 <= waited < 4, waited
    assert str(path) in caught.value.message and "1.5" in caught.value.message
    assert neighbours(path) == before  # nothing moved aside, no journal left
    again = Store(path)
    assert again.answer_count() == 1 and again.recovered_from is None
    again.close()


def test_a_lock_released_while_waiting_is_a_short_pause(path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLAB_QUIZ_WAIT", "10")
    told: list[float] = []
    started = time.monotonic()
    with locked(path, release_after=2.0):
        store = Store(path, on_wait=lambda: told.append(time.monotonic() - started))
    assert store.answer_count() == 1 and store.recovered_from is None
    store.close()
    assert len(told) == 1 and 0.95 <= told[0] < 2.0, told  # said once, after about 1 s


def test_reads_wait_for_a_lock_too(path: Path) -> None:
    from netlab.quiz.store import StoreLocked

    store = Store(path, write=False)
    with locked(path), pytest.raises(StoreLocked):
        store.topic_history()
    assert store.topic_history() == [("osi", 1, 1, 1.0)]
    store.close()


# -- lost answer: kept in memory, retried --------------------------------------------------------


def test_an_answer_that_cannot_be_saved_is_kept_and_saved_with_the_next(path: Path) -> None:
    store = Store(path)
    with locked(path):
        started = time.monotonic()
        store.save("osi-2", "osi", "A", False, now=2.0)
        assert time.monotonic() - started < 1.2  # the quiz goes on
        assert len(store.unsaved) == 1 and store.problem is not None
    store.save("osi-3", "osi", "C", True, now=3.0)
    assert store.unsaved == []
    assert store.answer_count() == 3
    assert store.flush() == 0
    store.close()


def test_flush_waits_for_the_lock_at_the_end(path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLAB_QUIZ_WAIT", "10")
    store = Store(path)
    with locked(path, release_after=1.2):
        store.save("osi-2", "osi", "A", False, now=2.0)
        assert len(store.unsaved) == 1
        assert store.flush() == 0
    assert store.answer_count() == 2
    store.close()


def test_flush_gives_up_after_the_wait_and_says_how_many(path: Path) -> None:
    store = Store(path)
    with locked(path):
        store.save("osi-2", "osi", "A", False, now=2.0)
        store.save("osi-3", "osi", "B", False, now=3.0)
        assert store.flush() == 2
    from netlab.quiz.store import StoreLocked

    assert isinstance(store.problem, StoreLocked) and str(path) in store.problem.message
    store.close()
    assert Store(path).answer_count() == 1


# -- lost updates ------------------------------------------------------------------------------

CHILD = r"""
import sys, time
from pathlib import Path
from netlab.quiz.store import Store

where, start, n = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
store = Store(where)
while time.time() < start:
    time.sleep(0.001)
for i in range(n):
    store.record(f"q{i % 3}", "osi", "A", i % 2 == 0, time.time())
store.close()
print(n)
"""


def test_concurrent_quizzes_lose_no_update(tmp_path: Path) -> None:
    """16 processes answering the same three cards at once, three rounds: every answer counts
    in its card (a read outside the write transaction lost 14 % of them)."""
    where = tmp_path / "progress.sqlite3"
    Store(where).close()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NETLAB_QUIZ_WAIT"] = "60"
    per_child, saved = 12, 0
    for _round in range(3):
        start = time.time() + 1.0  # every child opens the store, then all answer at once
        children = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(where), str(start), str(per_child)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(16)
        ]
        for child in children:
            out, err = child.communicate(timeout=90)
            assert child.returncode == 0, err
            saved += int(out)
    db = sqlite3.connect(where)
    answers = db.execute("SELECT count(*) FROM answers").fetchone()[0]
    seen, right = db.execute("SELECT sum(seen), sum(right) FROM cards").fetchone()
    rights = db.execute("SELECT sum(correct) FROM answers").fetchone()[0]
    db.close()
    assert saved == answers == 16 * 3 * per_child
    assert seen == answers and right == rights


# -- damaged and foreign databases -------------------------------------------------------------


def big_store(where: Path, n: int = 3000) -> list[tuple]:
    """A progress file with ``n`` answers over 40 cards (many pages); the answers' rows."""
    from netlab.quiz.schedule import Card, after_answer

    Store(where).close()
    rows, cards = [], {}
    for i in range(n):
        q, correct = f"card-{i % 40}", i % 3 == 0
        rows.append((float(i), q, "osi", "B" * (i % 7 + 1), int(correct)))
        cards[q] = after_answer(cards.get(q, Card(q, "osi")), correct, float(i))
    with sqlite3.connect(where) as db:  # one transaction: 3000 commits would take seconds
        db.executemany(
            "INSERT INTO answers (at, question, topic, given, correct) VALUES (?, ?, ?, ?, ?)", rows
        )
        db.executemany(
            "INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?)",
            [(c.question, c.topic, c.box, c.due, c.seen, c.right) for c in cards.values()],
        )
    db.close()
    return rows


def overwrite_page(where: Path, page: int, rng: random.Random) -> None:
    with sqlite3.connect(where) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    with open(where, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(rng.randbytes(size))


def page_count(where: Path) -> int:
    db = sqlite3.connect(where)
    try:
        return db.execute("PRAGMA page_count").fetchone()[0]
    finally:
        db.close()


def copied_rows(where: Path) -> list[tuple]:
    db = sqlite3.connect(where)
    try:
        return db.execute("SELECT at, question, topic, given, correct FROM answers").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_random_page_overwritten_is_moved_aside_and_the_rest_copied(tmp_path, seed) -> None:
    where = tmp_path / "progress.sqlite3"
    original = big_store(where)
    rng = random.Random(seed)
    overwrite_page(where, rng.randrange(2, page_count(where) + 1), rng)
    damaged = where.read_bytes()
    store = Store(where)  # no "database disk image is malformed" escapes
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == damaged
    answers, cards = store.copied
    print(f"seed {seed}: {answers} answers and {cards} cards of {len(original)} and 40 copied")
    assert store.answer_count() == answers
    assert len(store.cards()) == cards
    rows = copied_rows(where)
    assert set(rows) <= set(original)  # only what was really there
    assert answers >= len(original) * 0.9  # one page is a small part of it
    assert cards == 40  # read, or made again from the answers when their page was lost
    store.record("osi-1", "osi", "B", True, now=1.0)  # and the new one works
    store.close()


def test_a_damaged_leaf_loses_only_its_rows(tmp_path) -> None:
    where = tmp_path / "progress.sqlite3"
    original = big_store(where)
    db = sqlite3.connect(where)
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'answers'").fetchone()[0]
    db.close()
    # the answers table is written in order: a page well after its root is one of its leaves
    pages = page_count(where)
    overwrite_page(where, (root + pages) // 2, random.Random(7))
    store = Store(where)
    answers, _ = store.copied
    print(f"{answers} answers of {len(original)} copied")
    assert len(original) - 200 <= answers < len(original)
    assert set(copied_rows(where)) <= set(original)
    store.close()


def test_cards_lost_with_their_page_come_back_from_the_answers(tmp_path) -> None:
    where = tmp_path / "progress.sqlite3"
    big_store(where)
    db = sqlite3.connect(where)
    before = sorted(db.execute("SELECT * FROM cards"))
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cards'").fetchone()[0]
    db.close()
    overwrite_page(where, root, random.Random(11))  # 40 cards: the root is the only leaf
    store = Store(where)
    assert store.copied == (3000, 40)
    store.close()
    db = sqlite3.connect(where)
    assert sorted(db.execute("SELECT * FROM cards")) == before
    db.close()


def test_an_overwritten_header_is_moved_aside(tmp_path) -> None:
    where = tmp_path / "progress.sqlite3"
    big_store(where, 50)
    overwrite_page(where, 1, random.Random(3))
    store = Store(where)
    assert store.recovered_from is not None
    assert store.copied == (0, 0)
    assert store.answer_count() == 0
    store.close()


@pytest.mark.parametrize("version", [0, 1])
def test_a_foreign_database_is_moved_aside_keeping_what_fits(tmp_path, version) -> None:
    where = tmp_path / "progress.sqlite3"
    db = sqlite3.connect(where)
    db.execute("CREATE TABLE answers (x)")
    db.execute("INSERT INTO answers VALUES (42)")
    db.execute(
        "CREATE TABLE cards (question TEXT PRIMARY KEY, topic TEXT NOT NULL, box INTEGER NOT NULL,"
        " due REAL NOT NULL, seen INTEGER NOT NULL, right INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO cards VALUES ('osi-1', 'osi', 2, 100.0, 3, 2)")
    db.execute("INSERT INTO cards VALUES ('bad', 'osi', 'x', 'y', -1, 9)")
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()
    store = Store(where)
    assert store.recovered_from is not None
    assert store.damage is not None and store.damage.key == "ui.quiz.damage.foreign"
    assert store.copied == (0, 1)
    store.record("osi-2", "osi", "A", True, now=5.0)  # no "no such column"
    assert {c.question: c.seen for c in store.cards()} == {"osi-1": 3, "osi-2": 1}
    store.close()


def test_a_healthy_database_is_not_moved(path: Path) -> None:
    store = Store(path)
    assert store.recovered_from is None and store.damage is None
    assert store.answer_count() == 1
    store.close()
    assert neighbours(path) == ["progress.sqlite3"]
