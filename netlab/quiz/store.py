"""The learner's progress: every answer and every card's Leitner box, in SQLite.

Owns the database file (``$NETLAB_HOME/progress.sqlite3``, else the platform's user data
folder from platformdirs), its schema, and committing each answer the moment it is given, so
Ctrl-C never loses an answer. A database that cannot be read is moved aside (the new name is
kept in ``recovered_from``) and a fresh one is started.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from netlab.quiz.schedule import Card, after_answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    question TEXT NOT NULL,
    topic TEXT NOT NULL,
    given TEXT NOT NULL,
    correct INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cards (
    question TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    box INTEGER NOT NULL,
    due REAL NOT NULL,
    seen INTEGER NOT NULL,
    right INTEGER NOT NULL
);
"""
VERSION = 1


def default_path() -> Path:
    home = os.environ.get("NETLAB_HOME")
    if home:
        return Path(home).expanduser() / "progress.sqlite3"
    import platformdirs

    return Path(platformdirs.user_data_dir("netlab", appauthor=False)) / "progress.sqlite3"


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.recovered_from: Path | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            self.recovered_from = self._move_aside()
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, VERSION):
                raise sqlite3.DatabaseError(f"unknown progress schema {version}")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("SELECT count(*) FROM answers").fetchone()
            db.execute("SELECT count(*) FROM cards").fetchone()
            db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, target)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return target

    def close(self) -> None:
        self.db.close()

    # -- cards and answers ---------------------------------------------------------------------

    def card(self, question: str, topic: str) -> Card:
        row = self.db.execute(
            "SELECT box, due, seen, right FROM cards WHERE question = ?", (question,)
        ).fetchone()
        if row is None:
            return Card(question, topic)
        return Card(question, topic, *row)

    def cards(self) -> list[Card]:
        rows = self.db.execute("SELECT question, topic, box, due, seen, right FROM cards")
        return [Card(*row) for row in rows]

    def record(self, question: str, topic: str, given: str, correct: bool, now: float) -> Card:
        """Store one answer and move its card; committed before returning."""
        card = after_answer(self.card(question, topic), correct, now)
        with self.db:
            self.db.execute(
                "INSERT INTO answers (at, question, topic, given, correct) VALUES (?, ?, ?, ?, ?)",
                (now, question, topic, given, int(correct)),
            )
            self.db.execute(
                "INSERT INTO cards (question, topic, box, due, seen, right)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(question) DO UPDATE SET topic = excluded.topic, box = excluded.box,"
                " due = excluded.due, seen = excluded.seen, right = excluded.right",
                (card.question, card.topic, card.box, card.due, card.seen, card.right),
            )
        return card

    def topic_history(self) -> list[tuple[str, int, int, float]]:
        """(topic, answers, right, last time) for every topic answered at least once."""
        rows = self.db.execute(
            "SELECT topic, count(*), sum(correct), max(at) FROM answers GROUP BY topic"
        )
        return [(t, n, int(r or 0), last) for t, n, r, last in rows]

    def answer_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM answers").fetchone()[0]

    def reset(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM answers")
            self.db.execute("DELETE FROM cards")
