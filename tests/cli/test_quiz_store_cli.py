"""``netlab quiz`` when its progress file is not simply there: locked by another program (a
wait said after 1 s, then one error line and exit 1, nothing moved), locked in the middle of a
quiz (answers kept and saved later, or counted in an error at the end), read-only (stats read
it, a quiz runs without saving and says so once), damaged or foreign (moved aside, what can be
read copied).

In-process runs through ``main()``; the read-only runs are child processes, since root writes
a read-only file: as root the child drops CAP_DAC_OVERRIDE first. ``NETLAB_QUIZ_WAIT`` bounds
every wait.
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from netlab.i18n import text
from netlab.topics import topics

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "
JUNK = ["junk"] * 40
BASIC = ("--seed", "5", "--count", "3", "--no-generated")


def fixed(key: str, **params: str) -> str:
    """The English text of ``key`` up to its first parameter (the part that never varies)."""
    marker = "\x00"
    return text(key, "en", **dict.fromkeys(params, marker)).split(marker)[0]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "netlab-home"
    monkeypatch.setenv("NETLAB_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NETLAB_QUIZ_WAIT", "1.5")
    return folder


class Scripted(io.StringIO):
    """Piped answers, one per line; ``before[n]()`` runs just before line n (from 1) is read."""

    def __init__(self, answers: list[str], before: dict[int, Callable[[], None]]) -> None:
        super().__init__("".join(f"{a}\n" for a in answers))
        self.before = before
        self.lines = 0

    def readline(self, size: int | None = -1) -> str:
        self.lines += 1
        if self.lines in self.before:
            self.before.pop(self.lines)()
        return super().readline(-1 if size is None else size)


@pytest.fixture
def quiz(run, monkeypatch: pytest.MonkeyPatch):
    """``quiz(*argv, answers=[...], before={n: action})``: ``netlab quiz ARGV`` in-process."""

    def _quiz(*argv: str, answers=JUNK, before=None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", Scripted(list(answers), dict(before or {})))
        return run("quiz", *argv)

    return _quiz


@pytest.fixture
def progress(quiz, home: Path) -> Path:
    """A progress file with three answers."""
    status, _, err = quiz(*BASIC)
    assert status == 0, err
    assert db_rows(home) == 3
    return home / "progress.sqlite3"


def db_rows(home: Path) -> int:
    db = sqlite3.connect(home / "progress.sqlite3")
    try:
        return db.execute("SELECT count(*) FROM answers").fetchone()[0]
    finally:
        db.close()


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


class Lock:
    """Another connection holding the database with ``BEGIN EXCLUSIVE``: nobody reads or
    writes it until ``release()`` (also from a timer)."""

    def __init__(self, where: Path) -> None:
        self.db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
        self.guard = threading.Lock()

    def take(self) -> None:
        self.db.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        with self.guard:
            if self.db.in_transaction:
                self.db.execute("COMMIT")


@contextmanager
def locked(where: Path, release_after: float | None = None) -> Iterator[Lock]:
    lock = Lock(where)
    lock.take()
    timer = threading.Timer(release_after, lock.release) if release_after is not None else None
    if timer:
        timer.start()
    try:
        yield lock
    finally:
        if timer:
            timer.cancel()
        lock.release()
        lock.db.close()


# -- locked is not corrupt ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [("quiz", "stats"), ("quiz", *BASIC), ("quiz", "reset", "--yes")], ids=str
)
def test_a_locked_database_is_waited_for_then_one_clear_error(run, progress, home, argv) -> None:
    before = listing(home)
    started = time.monotonic()
    with locked(progress):
        status, out, err = run(*argv)
    assert time.monotonic() - started < 5
    assert status == 1, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines == [text("ui.quiz.waiting", "en"), lines[-1]]
    assert lines[-1].startswith(PREFIX + fixed("errors.store_locked", path="", seconds=""))
    assert str(progress) in lines[-1] and "1.5 s" in lines[-1]
    assert "Question" not in out
    assert listing(home) == before  # nothing moved aside, nothing written
    assert db_rows(home) == 3


def test_a_lock_released_while_waiting_is_only_a_pause(run, progress, home, monkeypatch) -> None:
    monkeypatch.setenv("NETLAB_QUIZ_WAIT", "10")
    with locked(progress, release_after=2.0):
        status, out, err = run("quiz", "stats")
    assert status == 0, err
    assert err.strip() == text("ui.quiz.waiting", "en")
    assert text("ui.stats.title", "en") in out
    assert not list(home.glob("*.corrupt-*"))


# -- an answer that cannot be saved yet --------------------------------------------------------


def test_a_lock_during_the_quiz_loses_no_answer(quiz, home: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLAB_QUIZ_WAIT", "30")
    quiz("--count", "1", "--no-generated", answers=["x"])  # the file exists
    lock = Lock(home / "progress.sqlite3")
    try:
        started = time.monotonic()
        # answer 2 is given while another program holds the file, answer 3 after it let go
        status, out, err = quiz(*BASIC, before={2: lock.take, 3: lock.release})
        assert time.monotonic() - started < 15  # the quiz went on: no 30 s wait
    finally:
        lock.release()
        lock.db.close()
    assert status == 0, err
    assert "Traceback" not in err
    assert text("ui.quiz.score", "en", right=0, total=3) in out
    assert db_rows(home) == 1 + 3


def test_answers_still_locked_at_the_end_are_counted_in_an_error(quiz, home: Path) -> None:
    quiz("--count", "1", "--no-generated", answers=["x"])
    lock = Lock(home / "progress.sqlite3")
    try:
        status, out, err = quiz(*BASIC, "--json", before={2: lock.take})
    finally:
        lock.release()
        lock.db.close()
    assert status == 1, err
    assert "Traceback" not in err
    doc = json.loads(out)  # stdout still holds the whole document
    assert doc["total"] == 3
    last = err.strip().splitlines()[-1]
    reason = fixed("errors.store_locked", path="", seconds="")
    assert last.startswith(PREFIX + text("errors.unsaved", "en", count=2, reason=reason))
    assert text("ui.quiz.waiting", "en") in err
    assert db_rows(home) == 1 + 1  # the first answer of this quiz, saved before the lock


# -- read-only ----------------------------------------------------------------------------------


def _drop_root_powers() -> None:  # runs in the child, between fork and exec
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: out of the bounding set
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def as_learner(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m netlab ARGV`` with the file permissions a learner has (not root's)."""
    env = dict(os.environ, NETLAB_LANG="en", PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
        preexec_fn=_drop_root_powers if os.geteuid() == 0 else None,
    )


@pytest.fixture
def read_only(progress: Path, home: Path, request) -> Iterator[Path]:
    """The progress file (``file``) or its folder (``folder``) made read-only."""
    target = progress if request.param == "file" else home
    mode = stat.S_IMODE(target.stat().st_mode)
    target.chmod(0o444 if request.param == "file" else 0o555)
    try:
        if os.geteuid() == 0:
            try:
                subprocess.run([sys.executable, "-c", ""], preexec_fn=_drop_root_powers, check=True)
            except (OSError, subprocess.SubprocessError):
                pytest.skip("root here cannot drop CAP_DAC_OVERRIDE")
        yield progress
    finally:
        target.chmod(mode)


@pytest.mark.parametrize("read_only", ["file", "folder"], indirect=True)
def test_a_read_only_database_is_read_and_a_quiz_runs_without_saving(read_only, home) -> None:
    before = listing(home)
    shown = as_learner("quiz", "stats")
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == ""
    assert text("ui.stats.title", "en") in shown.stdout
    assert any(t.title["en"] in shown.stdout for t in topics().values())

    asked = as_learner("quiz", *BASIC, stdin="\n".join(JUNK) + "\n")
    assert asked.returncode == 0, asked.stderr
    said = text("ui.quiz.readonly", "en", path=str(read_only))
    assert asked.stderr.count(said) == 1 and asked.stderr.strip() == said
    assert text("ui.quiz.score", "en", right=0, total=3) in asked.stdout

    reset = as_learner("quiz", "reset", "--yes")
    assert reset.returncode == 1
    assert reset.stderr.strip() == PREFIX + text("errors.store_readonly", "en", path=str(read_only))
    assert listing(home) == before  # nothing moved, nothing written
    assert db_rows(home) == 3


def test_a_read_only_folder_without_a_database_is_an_empty_store(home: Path) -> None:
    home.mkdir()
    home.chmod(0o555)
    try:
        if os.geteuid() == 0:
            try:
                subprocess.run([sys.executable, "-c", ""], preexec_fn=_drop_root_powers, check=True)
            except (OSError, subprocess.SubprocessError):
                pytest.skip("root here cannot drop CAP_DAC_OVERRIDE")
        shown = as_learner("quiz", "stats")
        asked = as_learner("quiz", *BASIC, stdin="\n".join(JUNK) + "\n")
    finally:
        home.chmod(0o755)
    assert shown.returncode == 0, shown.stderr
    assert text("ui.stats.empty", "en") in shown.stdout
    assert asked.returncode == 0, asked.stderr
    path = home / "progress.sqlite3"
    assert asked.stderr.strip() == text("ui.quiz.readonly", "en", path=str(path))
    assert list(home.iterdir()) == []


# -- damaged and foreign -----------------------------------------------------------------------


def test_a_damaged_page_is_moved_aside_and_the_rest_kept(quiz, run, home: Path) -> None:
    status, _, err = quiz("--seed", "1", "--count", "200", "--no-generated", answers=["x"] * 200)
    assert status == 0, err
    where = home / "progress.sqlite3"
    db = sqlite3.connect(where)
    size, pages = (
        db.execute("PRAGMA page_size").fetchone()[0],
        db.execute("PRAGMA page_count").fetchone()[0],
    )
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'answers'").fetchone()[0]
    db.close()
    with open(where, "r+b") as f:  # a page of the answers table, well after its root
        f.seek(((root + pages) // 2 - 1) * size)
        f.write(random.Random(1).randbytes(size))
    status, out, err = run("quiz", "stats")
    assert status == 0, err
    assert "Traceback" not in err
    moved = list(home.glob("progress.sqlite3.corrupt-*"))
    assert len(moved) == 1
    why = text("ui.quiz.damage.corrupt", "en")
    assert text("ui.quiz.recovered", "en", why=why, path=str(moved[0])) in err
    kept = db_rows(home)
    assert 0 < kept < 200
    assert fixed("ui.quiz.copied", answers="", cards="") in err and f"{kept} answers" in err
    assert text("ui.stats.title", "en") in out


def test_a_foreign_database_is_moved_aside(quiz, home: Path) -> None:
    home.mkdir(parents=True)
    db = sqlite3.connect(home / "progress.sqlite3")
    db.execute("CREATE TABLE answers (x)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    status, _, err = quiz(*BASIC)
    assert status == 0, err
    assert "Traceback" not in err and "no such column" not in err
    assert fixed("ui.quiz.recovered", why="", path="") + text("ui.quiz.damage.foreign", "en") in err
    assert text("ui.quiz.copied_none", "en") in err
    assert len(list(home.glob("progress.sqlite3.corrupt-*"))) == 1
    assert db_rows(home) == 3
