"""The learner's progress: every answer and every card's Leitner box, in SQLite.

Owns the database file (``$NETLAB_HOME/progress.sqlite3``, else the platform's user data
folder from platformdirs), its schema, and what happens when the file cannot be used as it is:

- locked (another netlab is writing): waited for, up to ``wait`` seconds (``$NETLAB_QUIZ_WAIT``,
  default 10) with ``on_wait`` called once after 1 s, then ``StoreLocked``; nothing is moved.
- read-only (the file, or a folder where SQLite cannot create its journal or the file): read
  (an empty store when there is no file); ``readonly`` is set and ``save`` keeps nothing.
- damaged (``PRAGMA quick_check`` fails, not a database) or foreign (tables netlab did not
  make, an unknown schema): moved aside (``recovered_from``, ``damage``), a new one started, and
  the rows that can still be read are copied into it (``copied``). Nothing else is damage.

Each answer is one ``BEGIN IMMEDIATE`` transaction that reads its card and writes it back, so
concurrent quizzes lose no update. ``record`` commits or raises; ``save`` (the quiz's) keeps an
answer that cannot be written yet in ``unsaved`` and writes it with the next one; ``flush`` at
the end waits like the opening does. Never prints: ``on_wait`` is the caller's.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from netlab.errors import ExitStatus, NetlabError
from netlab.i18n import Note
from netlab.quiz.schedule import INTERVALS, Card, after_answer

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
#: The schema one statement at a time: executescript() would commit the transaction around it.
STATEMENTS = [
    *(s.strip() for s in SCHEMA.split(";") if s.strip()),
    f"PRAGMA user_version = {VERSION}",
]
#: Each table's columns, and its primary key (the upsert of a card needs it).
COLUMNS = {
    "answers": (("id", "at", "question", "topic", "given", "correct"), "id"),
    "cards": (("question", "topic", "box", "due", "seen", "right"), "question"),
}
WAIT = 10.0  # seconds a locked database is waited for, unless $NETLAB_QUIZ_WAIT says otherwise
NOTICE = 1.0  # after this long, on_wait is called (once)
QUICK = 0.5  # the wait for one answer during a quiz: the quiz goes on, the answer is kept

# SQLite's primary result codes (sqlite3.h)
_BUSY, _LOCKED, _READONLY, _CORRUPT, _NOTADB = 5, 6, 8, 11, 26

T = TypeVar("T")


class StoreError(NetlabError):
    """The progress file cannot be used now (read-only, failing, damaged beyond moving)."""

    status = ExitStatus.FAILED


class StoreLocked(StoreError):
    """Another program kept the database locked for longer than the wait."""


class _Damaged(Exception):
    """The file is not a sound netlab database; ``note`` says why (for the learner)."""

    def __init__(self, note: Note) -> None:
        super().__init__(note.key)
        self.note = note


@dataclass(frozen=True)
class Answer:
    question: str
    topic: str
    given: str
    correct: bool
    at: float


def default_path() -> Path:
    home = os.environ.get("NETLAB_HOME")
    if home:
        return Path(home).expanduser() / "progress.sqlite3"
    import platformdirs

    return Path(platformdirs.user_data_dir("netlab", appauthor=False)) / "progress.sqlite3"


def default_wait() -> float:
    """``$NETLAB_QUIZ_WAIT`` seconds (0 to 3600), else 10."""
    try:
        value = float(os.environ.get("NETLAB_QUIZ_WAIT", ""))
    except ValueError:
        return WAIT
    return value if 0 <= value <= 3600 else WAIT  # NaN fails both comparisons


def _code(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


class Store:
    def __init__(
        self,
        path: Path | None = None,
        *,
        wait: float | None = None,
        on_wait: Callable[[], None] | None = None,
        write: bool = True,
    ) -> None:
        """Open (or create) the progress file. ``write`` False (``quiz stats``) skips the check
        that it can be written. Raises ``StoreLocked``, ``StoreError``, or ``OSError`` when its
        folder cannot be made; never moves a file that is only locked or read-only."""
        self.path = path or default_path()
        self.wait = default_wait() if wait is None else wait
        self.on_wait = on_wait
        self._told = False
        self.recovered_from: Path | None = None
        self.damage: Note | None = None
        self.copied = (0, 0)  # answers, cards copied from the file moved aside
        self.readonly = False
        self.unsaved: list[Answer] = []
        self.problem: StoreError | None = None  # why the answers in unsaved are there
        self.db = self._open(write)

    # -- opening ---------------------------------------------------------------------------------

    def _open(self, write: bool, again: bool = True) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise StoreError(Note("errors.is_folder", {"path": str(path)}))
        path.parent.mkdir(parents=True, exist_ok=True)  # OSError: NETLAB_HOME is unusable
        exists, identity = path.exists(), None
        if exists:
            try:
                with open(path, "rb"):
                    pass
                identity = os.stat(path)
            except OSError as exc:
                raise self._failed(exc.strerror or str(exc)) from exc
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=0)
        except sqlite3.Error as exc:
            if not exists:
                return self._empty()  # the folder does not let a file be created
            raise self._failed(str(exc)) from exc
        try:
            fresh = self._patiently(self._inspect)
        except _Damaged as damage:
            self.db.close()
            if again and not self._same_file(identity):
                return self._open(write, again=False)  # another netlab replaced it meanwhile
            return self._recover(damage.note)
        except BaseException:
            self.db.close()
            raise
        try:
            if fresh:
                self._patiently(self._create)
            elif write:
                self._patiently(self._probe)
        except StoreError as exc:
            if exc.note.key != "errors.store_readonly":
                self.db.close()
                raise
            if fresh:
                self.db.close()
                return self._empty()
            self.readonly = True
        except _Damaged as damage:  # damaged pages quick_check did not visit
            self.db.close()
            return self._recover(damage.note)
        return self.db

    def _inspect(self) -> bool:
        """True for a new (empty) database; ``_Damaged`` unless it is a sound one of ours."""
        db = self.db
        if db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            raise _Damaged(Note("ui.quiz.damage.corrupt"))
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, VERSION):
            raise _Damaged(Note("ui.quiz.damage.schema", {"version": version}))
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            return True
        for table, (columns, key) in COLUMNS.items():
            info = db.execute(f"PRAGMA table_info({table})").fetchall()
            if sorted(r[1] for r in info) != sorted(columns) or [r[1] for r in info if r[5]] != [
                key
            ]:
                raise _Damaged(Note("ui.quiz.damage.foreign"))
        return False

    def _create(self) -> None:
        self._transaction(_make_tables)

    def _probe(self) -> None:
        """A write rolled back: SQLite says 'readonly' here if the file or folder is."""
        self._transaction(lambda db: db.execute(f"PRAGMA user_version = {VERSION}"), commit=False)

    def _empty(self) -> sqlite3.Connection:
        """No file to read or write: an empty database in memory, read-only for the caller."""
        self.readonly = True
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.executescript(SCHEMA)
        return self.db

    def _same_file(self, identity: os.stat_result | None) -> bool:
        if identity is None:
            return False
        try:
            now = os.stat(self.path)
        except OSError:
            return False
        return (now.st_dev, now.st_ino) == (identity.st_dev, identity.st_ino)

    def _recover(self, why: Note) -> sqlite3.Connection:
        """Move the file aside, start a new one, copy into it the rows that can be read."""
        try:
            self.recovered_from = self._move_aside()
        except OSError as exc:
            raise StoreError(
                Note(
                    "errors.store_stuck",
                    {"path": str(self.path), "why": why, "reason": exc.strerror or str(exc)},
                )
            ) from exc
        self.damage = why
        answers, cards = salvage(self.recovered_from)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=0)

        def fill(db: sqlite3.Connection) -> None:
            _make_tables(db)
            db.executemany(
                "INSERT INTO answers (at, question, topic, given, correct) VALUES (?, ?, ?, ?, ?)",
                answers,
            )
            db.executemany(
                "INSERT OR IGNORE INTO cards (question, topic, box, due, seen, right)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                cards,
            )

        try:
            self._patiently(lambda: self._transaction(fill))
        except _Damaged as damage:  # cannot happen to a file just made; say so if it does
            raise StoreError(Note("errors.store_damaged", {"path": str(self.path)})) from damage
        self.copied = (len(answers), len(cards))
        return self.db

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, target)
        for suffix in ("-journal", "-wal", "-shm"):  # they belong to the file moved: keep them
            companion = Path(f"{self.path}{suffix}")
            if companion.exists():
                os.replace(companion, Path(f"{target}{suffix}"))
        return target

    def close(self) -> None:
        self.db.close()

    # -- waiting, transactions, errors ---------------------------------------------------------

    def _patiently(self, work: Callable[[], T], wait: float | None = None, tell: bool = True) -> T:
        """``work()``, tried again while the database is locked, for ``wait`` seconds at most;
        ``on_wait`` is called once when the wait passes ``NOTICE`` (if ``tell``)."""
        wait = self.wait if wait is None else wait
        start = time.monotonic()
        while True:
            elapsed = time.monotonic() - start
            notice = tell and not self._told and self.on_wait is not None and wait > NOTICE
            if notice and elapsed >= NOTICE:
                self._told, notice = True, False
                self.on_wait()  # type: ignore[misc]
            limit = NOTICE if notice else wait
            self.db.execute(f"PRAGMA busy_timeout = {max(0, int((limit - elapsed) * 1000))}")
            try:
                return work()
            except sqlite3.DatabaseError as exc:
                if _code(exc) not in (_BUSY, _LOCKED):
                    raise self._translate(exc) from exc
            if time.monotonic() - start >= wait:
                raise StoreLocked(
                    Note("errors.store_locked", {"path": str(self.path), "seconds": f"{wait:g}"})
                )
            time.sleep(0.02)  # SQLite gave up at once (no busy handler for this case)

    def _translate(self, exc: sqlite3.DatabaseError) -> Exception:
        code = _code(exc)
        if code == _NOTADB:
            return _Damaged(Note("ui.quiz.damage.notadb"))
        if code == _CORRUPT:
            return _Damaged(Note("ui.quiz.damage.corrupt"))
        if code == _READONLY:
            return StoreError(Note("errors.store_readonly", {"path": str(self.path)}))
        return self._failed(str(exc))

    def _failed(self, reason: str) -> StoreError:
        return StoreError(Note("errors.store_failed", {"path": str(self.path), "reason": reason}))

    def _do(self, work: Callable[[], T], wait: float | None = None, tell: bool = True) -> T:
        """``_patiently`` for a database already open: damage found now is an error."""
        try:
            return self._patiently(work, wait, tell)
        except _Damaged as damage:
            raise StoreError(Note("errors.store_damaged", {"path": str(self.path)})) from damage

    def _transaction(self, work: Callable[[sqlite3.Connection], T], commit: bool = True) -> T:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db)
            db.execute("COMMIT" if commit else "ROLLBACK")
        except BaseException:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            raise
        return result

    def require_writable(self) -> None:
        if self.readonly:
            raise StoreError(Note("errors.store_readonly", {"path": str(self.path)}))

    # -- cards and answers ---------------------------------------------------------------------

    def card(self, question: str, topic: str) -> Card:
        row = self._do(
            lambda: self.db.execute(
                "SELECT box, due, seen, right FROM cards WHERE question = ?", (question,)
            ).fetchone()
        )
        return Card(question, topic) if row is None else Card(question, topic, *row)

    def cards(self) -> list[Card]:
        query = "SELECT question, topic, box, due, seen, right FROM cards"
        return self._do(lambda: [Card(*row) for row in self.db.execute(query)])

    @staticmethod
    def _write(db: sqlite3.Connection, answers: list[Answer]) -> Card:
        """Inside one transaction: each answer, and its card read and written back."""
        card = None
        for a in answers:
            row = db.execute(
                "SELECT box, due, seen, right FROM cards WHERE question = ?", (a.question,)
            ).fetchone()
            before = Card(a.question, a.topic) if row is None else Card(a.question, a.topic, *row)
            card = after_answer(before, a.correct, a.at)
            db.execute(
                "INSERT INTO answers (at, question, topic, given, correct) VALUES (?, ?, ?, ?, ?)",
                (a.at, a.question, a.topic, a.given, int(a.correct)),
            )
            db.execute(
                "INSERT INTO cards (question, topic, box, due, seen, right)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(question) DO UPDATE SET topic = excluded.topic, box = excluded.box,"
                " due = excluded.due, seen = excluded.seen, right = excluded.right",
                (card.question, card.topic, card.box, card.due, card.seen, card.right),
            )
        assert card is not None
        return card

    def record(self, question: str, topic: str, given: str, correct: bool, now: float) -> Card:
        """Store one answer and move its card; committed before returning, or an error."""
        self.require_writable()
        answer = Answer(question, topic, given, correct, now)
        return self._do(lambda: self._transaction(lambda db: self._write(db, [answer])))

    def save(self, question: str, topic: str, given: str, correct: bool, now: float) -> None:
        """The quiz's ``record``: an answer that cannot be written within ``QUICK`` seconds is
        kept in ``unsaved`` and written with the next one (or by ``flush``). Read-only: nothing
        is kept (the caller said so once)."""
        if self.readonly:
            return
        self.unsaved.append(Answer(question, topic, given, correct, now))
        self._write_unsaved(QUICK, tell=False)

    def flush(self, wait: float | None = None) -> int:
        """Write the answers still unsaved, waiting like the opening does; how many are left."""
        if self.unsaved:
            self._write_unsaved(self.wait if wait is None else wait, tell=True)
        return len(self.unsaved)

    def _write_unsaved(self, wait: float, tell: bool) -> None:
        try:
            self._do(
                lambda: self._transaction(lambda db: self._write(db, self.unsaved)), wait, tell
            )
        except StoreError as exc:
            self.problem = exc
            return
        self.unsaved.clear()
        self.problem = None

    def topic_history(self) -> list[tuple[str, int, int, float]]:
        """(topic, answers, right, last time) for every topic answered at least once."""
        query = "SELECT topic, count(*), sum(correct), max(at) FROM answers GROUP BY topic"
        rows = self._do(lambda: self.db.execute(query).fetchall())
        return [(t, n, int(r or 0), last) for t, n, r, last in rows]

    def answer_count(self) -> int:
        return self._do(lambda: self.db.execute("SELECT count(*) FROM answers").fetchone()[0])

    def reset(self) -> None:
        self.require_writable()

        def empty(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM answers")
            db.execute("DELETE FROM cards")

        self._do(lambda: self._transaction(empty))


def _make_tables(db: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        db.execute(statement)


# -- what can still be read from a file moved aside ------------------------------------------------


def salvage(path: Path) -> tuple[list[tuple], list[tuple]]:
    """The answers and cards of ``path`` that can still be read and make sense, row by row:
    a damaged page costs the rows on it, not the rest of the table. A card lost with its page
    is made again from the answers to its question that were read."""
    try:
        old = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
    except sqlite3.Error:
        return [], []
    try:
        answers = list(_readable(old, "answers", COLUMNS["answers"][0][1:], _answer_ok))
        cards = list(_readable(old, "cards", COLUMNS["cards"][0], _card_ok))
    finally:
        old.close()
    # a card whose row was lost comes back from its answers, replayed in order
    replayed: dict[str, Card] = {}
    known = {row[0] for row in cards}
    for at, question, topic, _given, correct in sorted(answers, key=lambda row: row[0]):
        if question not in known:
            before = replayed.get(question, Card(question, topic))
            replayed[question] = after_answer(before, bool(correct), at)
    cards += [(c.question, c.topic, c.box, c.due, c.seen, c.right) for c in replayed.values()]
    return answers, cards


def _readable(
    db: sqlite3.Connection, table: str, columns: tuple[str, ...], ok: Callable[[tuple], bool]
) -> Iterator[tuple]:
    """The rows of ``table`` in rowid order; past a page that cannot be read, on from the
    first rowid whose page can be."""
    try:
        present = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        return
    if not set(columns) <= present:
        return
    select = (
        f"SELECT rowid, {', '.join(columns)} FROM {table} NOT INDEXED"
        " WHERE rowid >= ? ORDER BY rowid"
    )
    start: int | None = -(2**63)
    while start is not None:
        last = None
        try:
            for row in db.execute(select, (start,)):
                last = row[0]
                if ok(row[1:]):
                    yield row[1:]
            return
        except sqlite3.DatabaseError:
            pass
        start = _next_readable(db, table, max(start, 0) if last is None else last + 1)


def _next_readable(db: sqlite3.Connection, table: str, base: int) -> int | None:
    """The first rowid after ``base`` that a seek can reach: ever larger steps past the
    damaged page, then halving back to its end."""
    seek = f"SELECT rowid FROM {table} NOT INDEXED WHERE rowid >= ? ORDER BY rowid LIMIT 1"

    def reach(at: int) -> tuple[bool, Any]:
        try:
            row = db.execute(seek, (at,)).fetchone()
        except sqlite3.DatabaseError:
            return False, None
        return True, None if row is None else row[0]

    step, failed = 1, base
    while base + step < 2**63:
        found, rowid = reach(base + step)
        if found:
            low, high, best = failed, base + step, rowid
            while high - low > 1:  # the first key past the damage
                middle = (low + high) // 2
                found, rowid = reach(middle)
                if found:
                    high, best = middle, rowid
                else:
                    low = middle
            return best
        failed = base + step
        step *= 2
    return None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _answer_ok(row: tuple) -> bool:
    at, question, topic, given, correct = row
    texts = (question, topic, given)
    return _number(at) and all(isinstance(t, str) for t in texts) and correct in (0, 1)


def _card_ok(row: tuple) -> bool:
    question, topic, box, due, seen, right = row
    return (
        isinstance(question, str)
        and isinstance(topic, str)
        and box in INTERVALS
        and _number(due)
        and isinstance(seen, int)
        and isinstance(right, int)
        and 0 <= right <= seen
    )
