"""``netlab quiz`` end to end: piped answers, ``--json``, seeds, exam mode and time limits,
progress in SQLite (stats, review, reset, a corrupt file), Ctrl-C, the ``topics`` and
``validate`` subcommands, every bad option value, and the fast-start promise (no scapy).

Most runs are in-process through ``main()`` with ``sys.stdin`` replaced by a ``StringIO`` (not a
terminal, so answers are read one per line); the round trips through ``--json``, Ctrl-C and the
import checks run ``python -m netlab`` in a subprocess. ``NETLAB_HOME`` points at a temporary
folder in every test, so the learner's real progress is never touched.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from childproc import read_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlab.i18n import text
from netlab.topics import topics

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "
CJK = re.compile(r"[\u3400-\u9fff]")
ANSWER_KEYS = {"id", "topic", "given", "expected", "correct"}
JUNK = ["junk"] * 40


def generated_available() -> bool:
    try:
        import netlab.quiz.generate  # noqa: F401
    except ImportError:
        return False
    return True


needs_generate = pytest.mark.skipif(
    not generated_available(), reason="netlab.quiz.generate does not exist yet"
)


def fixed(key: str, **params: Any) -> str:
    """The English text of ``key`` up to its first parameter (the part that never varies)."""
    marker = "\x00"
    filled = {name: marker for name in params}
    return text(key, "en", **filled).split(marker)[0]


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private NETLAB_HOME for every test, and wide lines so nothing is wrapped."""
    folder = tmp_path / "netlab-home"
    monkeypatch.setenv("NETLAB_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "200")
    return folder


@pytest.fixture
def quiz(run, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """``quiz(*argv, answers=[...])``: run ``netlab quiz ARGV`` in-process with ``answers``
    piped on stdin, one per line; return (status, stdout, stderr)."""

    def _quiz(*argv: str, answers: list[str] | tuple[str, ...] = ()) -> tuple[int, str, str]:
        piped = io.StringIO("".join(f"{a}\n" for a in answers))
        assert not piped.isatty()
        monkeypatch.setattr(sys, "stdin", piped)
        return run("quiz", *argv)

    return _quiz


@pytest.fixture
def quiz_json(quiz) -> Callable[..., dict[str, Any]]:
    """``quiz_json(*argv, answers=[...])``: a successful ``--json`` quiz, parsed."""

    def _quiz_json(*argv: str, answers: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        status, out, err = quiz(*argv, "--json", answers=answers)
        assert status == 0, err
        assert "Traceback" not in err
        return json.loads(out)

    return _quiz_json


def netlab(
    *argv: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m netlab ARGV`` in a subprocess (NETLAB_HOME is inherited from the test)."""
    return subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=child_env(env),
        timeout=timeout,
        check=False,
    )


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "en"
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    env.update(extra or {})
    return env


def db_rows(home: Path, table: str = "answers") -> int:
    db = sqlite3.connect(home / "progress.sqlite3")
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def assert_one_error_line(status: int, out: str, err: str) -> str:
    """Bad usage: exit 2, one line ``netlab: error: ...`` on stderr, nothing on stdout."""
    assert status == 2, (out, err)
    assert "Traceback" not in err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX)
    return lines[0]


# -- a small bank of known questions -------------------------------------------------------------

Q = """
[[question]]
id = "{id}"
kind = "{kind}"
see = "netlab simulate handshake"
prompt = {{ en = "Question {id}", zh = "问题 {id}" }}
explanation = {{ en = "Because.", zh = "因为。" }}
{rest}
"""
CHOICES = (
    'choices = [{ en = "one", zh = "一" }, { en = "two", zh = "二" }, { en = "three", zh = "三" }]'
)
SMALL_BANK = 'topic = "handshake"\n' + "".join(
    [
        Q.format(id="pick-single", kind="single", rest=f'{CHOICES}\nanswer = "B"'),
        Q.format(id="say-truefalse", kind="truefalse", rest="answer = true"),
        Q.format(id="type-number", kind="fill", rest="answer = 1001"),
    ]
)
KINDS = {"pick-single": "single", "say-truefalse": "truefalse", "type-number": "fill"}


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_BANK, encoding="utf-8")
    return path


# -- piped answers and --json: the round trip ----------------------------------------------------


def check_document(doc: dict[str, Any]) -> None:
    assert set(doc) == {"total", "correct", "answers"}
    assert doc["total"] == len(doc["answers"])
    assert doc["correct"] == sum(a["correct"] for a in doc["answers"])
    for answer in doc["answers"]:
        assert set(answer) == ANSWER_KEYS
        assert answer["topic"] in topics()
        assert isinstance(answer["expected"], str) and answer["expected"].strip()
        assert isinstance(answer["correct"], bool)


def round_trip(*argv: str, lang: str = "en") -> tuple[dict[str, Any], dict[str, Any], str]:
    """Run with junk answers, then pipe back the ``expected`` of each: (first, second, stderr)."""
    first_run = netlab("quiz", *argv, "--json", stdin="\n".join(JUNK) + "\n")
    assert first_run.returncode == 0, first_run.stderr
    assert "Traceback" not in first_run.stderr
    first = json.loads(first_run.stdout)  # stdout holds the JSON document and nothing else
    check_document(first)
    assert first["total"] >= 1
    assert first["correct"] == 0
    answers = [a["expected"] for a in first["answers"]]
    second_run = netlab("quiz", *argv, "--json", stdin="\n".join(answers) + "\n")
    assert second_run.returncode == 0, second_run.stderr
    assert "Traceback" not in second_run.stderr
    second = json.loads(second_run.stdout)
    check_document(second)
    assert [a["id"] for a in second["answers"]] == [a["id"] for a in first["answers"]]
    assert [a["expected"] for a in second["answers"]] == answers
    assert [a["given"] for a in second["answers"]] == answers
    assert second["correct"] == second["total"] == first["total"]
    # with --json the questions and the score go to stderr
    total = first["total"]
    assert text("ui.quiz.question", lang, n=1, total=total) in second_run.stderr
    assert text("ui.quiz.score", lang, right=total, total=total) in second_run.stderr
    return first, second, second_run.stderr


def test_piped_round_trip_without_generated(home: Path) -> None:
    first, _, err = round_trip("--seed", "5", "--count", "8", "--no-generated")
    assert first["total"] == 8
    assert text("ui.quiz.question", "en", n=8, total=8) in err
    assert db_rows(home) == 16  # both runs recorded every answer


def test_piped_round_trip_handshake_and_close_only() -> None:
    argv = ("--seed", "5", "--count", "8", "--no-generated", "--topic", "handshake")
    first, _, _ = round_trip(*argv, "--topic", "close")
    assert {a["topic"] for a in first["answers"]} <= {"handshake", "close"}
    assert 1 <= first["total"] <= 8


def test_piped_round_trip_in_chinese() -> None:
    argv = ("--seed", "5", "--count", "8", "--no-generated", "--lang", "zh")
    first, _, err = round_trip(*argv, lang="zh")
    assert first["total"] == 8
    assert CJK.search(err)


def bank_ids() -> set[str]:
    from netlab.cli.quiz import load_bank

    return {q.id for q in load_bank(None)[0].questions}


@needs_generate
def test_piped_round_trip_with_generated_questions() -> None:
    first, _, err = round_trip("--seed", "5", "--count", "8")
    assert first["total"] == 8
    made = [a["id"] for a in first["answers"] if a["id"] not in bank_ids()]
    assert made, "a quarter of the quiz should be generated"
    assert text("ui.quiz.generated", "en") in err


@needs_generate
def test_piped_round_trip_with_generated_handshake_and_close() -> None:
    first, _, _ = round_trip(
        "--seed", "5", "--count", "8", "--topic", "handshake", "--topic", "close"
    )
    assert {a["topic"] for a in first["answers"]} <= {"handshake", "close"}
    assert first["total"] == 8
    assert any(a["id"] not in bank_ids() for a in first["answers"])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 12), lang=st.sampled_from(["en", "zh"]))
def test_expected_answers_are_always_right_in_process(quiz_json, seed, count, lang) -> None:
    argv = ("--seed", str(seed), "--count", str(count), "--no-generated", "--lang", lang)
    first = quiz_json(*argv, answers=JUNK)
    check_document(first)
    assert first["total"] == count
    second = quiz_json(*argv, answers=[a["expected"] for a in first["answers"]])
    assert second["correct"] == second["total"] == count
    assert [a["id"] for a in second["answers"]] == [a["id"] for a in first["answers"]]


@needs_generate
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    topic=st.sampled_from(["handshake", "close", "tcp-udp", "ip-subnet", "arp"]),
    lang=st.sampled_from(["en", "zh"]),
)
def test_generated_expected_answers_are_right_in_process(quiz_json, seed, topic, lang) -> None:
    argv = ("--seed", str(seed), "--count", "6", "--topic", topic, "--lang", lang)
    first = quiz_json(*argv, answers=JUNK)
    check_document(first)
    assert first["correct"] == 0
    second = quiz_json(*argv, answers=[a["expected"] for a in first["answers"]])
    assert second["correct"] == second["total"] == first["total"] >= 1
    assert [a["id"] for a in second["answers"]] == [a["id"] for a in first["answers"]]


# -- seeds ---------------------------------------------------------------------------------------


def plan_of(quiz_json, *argv: str) -> list[tuple[str, str]]:
    doc = quiz_json(*argv, answers=JUNK)
    return [(a["id"], a["expected"]) for a in doc["answers"]]


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(("--no-generated",), id="bank-only"),
        pytest.param((), id="with-generated", marks=needs_generate),
    ],
)
def test_same_seed_same_questions_different_seed_different(quiz_json, extra) -> None:
    a = plan_of(quiz_json, "--seed", "5", "--count", "8", *extra)
    b = plan_of(quiz_json, "--seed", "5", "--count", "8", *extra)
    c = plan_of(quiz_json, "--seed", "6", "--count", "8", *extra)
    assert len(a) == 8
    assert a == b
    assert a != c


def test_same_seed_same_screen_byte_for_byte(quiz) -> None:
    first = quiz("--seed", "9", "--count", "4", "--no-generated", answers=JUNK)
    second = quiz("--seed", "9", "--count", "4", "--no-generated", answers=JUNK)
    assert first[0] == 0
    assert first == second


# -- invalid and missing answers -----------------------------------------------------------------


def test_invalid_piped_answer_counts_as_wrong_and_the_quiz_goes_on(quiz_json, small_bank) -> None:
    argv = ("--bank", str(small_bank), "--no-generated", "--seed", "1", "--count", "3")
    order = [a["id"] for a in quiz_json(*argv, answers=JUNK)["answers"]]
    assert sorted(order) == sorted(KINDS)
    bad = {"single": "Z", "truefalse": "maybe", "fill": "1001"}
    answers = [bad[KINDS[qid]] for qid in order]
    status_doc = quiz_json(*argv, answers=answers)
    assert status_doc["total"] == 3
    assert status_doc["correct"] == 1
    by_id = {a["id"]: a for a in status_doc["answers"]}
    assert by_id["pick-single"]["correct"] is False
    assert by_id["pick-single"]["given"] == "Z"
    assert by_id["say-truefalse"]["correct"] is False
    assert by_id["say-truefalse"]["given"] == "maybe"
    assert by_id["type-number"]["correct"] is True


def test_invalid_piped_answer_prints_a_note(quiz, small_bank) -> None:
    argv = ("--bank", str(small_bank), "--no-generated", "--seed", "1", "--count", "3")
    status, out, err = quiz(*argv, answers=["Z", "Z", "Z"])
    assert status == 0, err
    assert "Traceback" not in err
    note = fixed("ui.quiz.invalid_piped", reason="")
    # "Z" is not an answer to a single choice (A-C), a true/false or a number question
    assert out.count(note) == 3
    assert text("ui.quiz.score", "en", right=0, total=3) in out


class FakeTerminal(io.StringIO):
    """Typed answers: stdin that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_at_a_terminal_an_invalid_answer_is_asked_again(quiz_json, run, monkeypatch, small_bank):
    argv = ("--bank", str(small_bank), "--no-generated", "--seed", "1", "--count", "3")
    expected = [a["expected"] for a in quiz_json(*argv, answers=JUNK)["answers"]]
    typed = [line for answer in expected for line in ("Z", answer)]
    monkeypatch.setattr(sys, "stdin", FakeTerminal("".join(f"{t}\n" for t in typed)))
    status, out, err = run("quiz", *argv)
    assert status == 0, err
    assert text("ui.quiz.score", "en", right=3, total=3) in out
    assert fixed("ui.quiz.invalid_piped", reason="") not in out  # nothing counted as wrong


def test_input_ending_early_scores_what_was_answered(quiz, home: Path) -> None:
    argv = ("--seed", "5", "--count", "8", "--no-generated")
    status, out, err = quiz(*argv, "--json", answers=JUNK)
    expected = [a["expected"] for a in json.loads(out)["answers"]]
    status, out, err = quiz(*argv, "--json", answers=expected[:3])
    assert status == 0, err
    assert "Traceback" not in err
    doc = json.loads(out)
    assert (doc["total"], doc["correct"]) == (3, 3)
    assert text("ui.quiz.input_ended", "en", answered=3, total=8) in err
    assert text("ui.quiz.score", "en", right=3, total=3) in err
    assert db_rows(home) == 8 + 3


def test_no_input_at_all_ends_at_once(quiz, home: Path) -> None:
    status, out, err = quiz("--seed", "5", "--count", "3", "--no-generated", answers=[])
    assert status == 0, err
    assert text("ui.quiz.input_ended", "en", answered=0, total=3) in out
    assert text("ui.quiz.score", "en", right=0, total=0) in out


# -- exam mode and the time limit ----------------------------------------------------------------


def test_exam_mode_gives_no_feedback_until_the_review(quiz) -> None:
    argv = ("--seed", "5", "--count", "4", "--no-generated", "--mode", "exam")
    status, out, err = quiz(*argv, answers=JUNK)
    assert status == 0, err
    title = text("ui.quiz.review_title", "en")
    assert title in out
    asking, review = out.split(title, 1)
    assert text("ui.quiz.question", "en", n=4, total=4) in asking
    for key, params in (
        ("ui.quiz.right", {}),
        ("ui.quiz.wrong", {"expected": ""}),
        ("ui.quiz.see", {"command": ""}),
    ):
        assert fixed(key, **params) not in asking, key
    given_line = fixed("ui.quiz.given_expected", given="", expected="")
    assert review.count(given_line) == 4
    assert text("ui.quiz.score", "en", right=0, total=4) in review


def test_practice_mode_gives_feedback_after_each_answer(quiz) -> None:
    status, out, _ = quiz("--seed", "5", "--count", "4", "--no-generated", answers=JUNK)
    assert status == 0
    assert out.count(fixed("ui.quiz.wrong", expected="")) == 4
    assert text("ui.quiz.review_title", "en") not in out


def test_time_limit_in_exam_mode_stops_early(quiz) -> None:
    argv = ("--seed", "5", "--count", "20", "--no-generated", "--mode", "exam")
    status, out, err = quiz(*argv, "--time-limit", "0.001", "--json", answers=JUNK)
    assert status == 0, err
    doc = json.loads(out)
    assert doc["total"] < 20
    assert text("ui.quiz.time_up", "en") in err


@pytest.mark.parametrize("mode", [(), ("--mode", "practice")], ids=["default", "practice"])
def test_time_limit_without_exam_mode_is_an_error(quiz, mode) -> None:
    status, out, err = quiz("--time-limit", "5", "--no-generated", *mode, answers=JUNK)
    line = assert_one_error_line(status, out, err)
    assert "--time-limit" in line and "--mode exam" in line


# -- progress: the database, stats, review, reset, a corrupt file --------------------------------


def test_answers_are_stored_and_stats_show_the_topics(quiz_json, run, home: Path) -> None:
    doc = quiz_json("--seed", "5", "--count", "6", "--no-generated", answers=JUNK)
    assert db_rows(home) == 6
    assert db_rows(home, "cards") == len({a["id"] for a in doc["answers"]})
    status, out, err = run("quiz", "stats")
    assert status == 0, err
    answered_topics = {a["topic"] for a in doc["answers"]}
    for topic_id in answered_topics:
        assert topics()[topic_id].title["en"] in out
    for topic_id in set(topics()) - answered_topics:
        assert topics()[topic_id].title["en"] not in out


def test_stats_with_no_answers(run) -> None:
    status, out, _ = run("quiz", "stats")
    assert status == 0
    assert text("ui.stats.empty", "en") in out


def test_review_asks_due_cards_first(quiz_json, home: Path) -> None:
    from netlab.quiz.store import Store

    argv = ("--seed", "1", "--count", "3", "--no-generated")
    usual = [a["id"] for a in quiz_json(*argv, answers=JUNK)["answers"]]
    # a fresh history: two cards answered wrong long ago (due), and the question this seed asks
    # first answered right just now (not due for a day: with --review it goes to the back)
    for stale in home.iterdir():
        stale.unlink()
    from netlab.cli.quiz import load_bank

    bank, _ = load_bank(None)
    others = [q for q in bank.questions if q.id not in usual]
    most_overdue, overdue, fresh = others[0], others[1], usual[0]
    store = Store()
    now = time.time()
    store.record(overdue.id, overdue.topic, "X", False, now - 3600)
    store.record(most_overdue.id, most_overdue.topic, "X", False, now - 7200)
    fresh_topic = next(q.topic for q in bank.questions if q.id == fresh)
    store.record(fresh, fresh_topic, "A", True, now)
    store.close()
    ids = [a["id"] for a in quiz_json(*argv, "--review", answers=JUNK)["answers"]]
    assert ids[:2] == [most_overdue.id, overdue.id]
    assert fresh not in ids


def test_reset_yes_empties_the_database(quiz_json, run, home: Path) -> None:
    quiz_json("--seed", "2", "--count", "3", "--no-generated", answers=JUNK)
    assert db_rows(home) == 3
    status, out, err = run("quiz", "reset", "--yes")
    assert status == 0, err
    assert fixed("ui.reset.done", path="") in out
    assert db_rows(home) == 0
    assert db_rows(home, "cards") == 0
    assert text("ui.stats.empty", "en") in run("quiz", "stats")[1]


@pytest.mark.parametrize(
    ("reply", "kept"),
    [("n", True), ("", True), ("no", True), ("y", False), ("yes", False)],
)
def test_reset_asks_first(quiz_json, run, monkeypatch, home: Path, reply, kept) -> None:
    quiz_json("--seed", "2", "--count", "3", "--no-generated", answers=JUNK)
    monkeypatch.setattr(sys, "stdin", io.StringIO(reply + "\n"))
    status, out, err = run("quiz", "reset")
    assert status == 0, err
    assert db_rows(home) == (3 if kept else 0)
    message = text("ui.reset.kept", "en") if kept else fixed("ui.reset.done", path="")
    assert message in out


def test_reset_with_no_reply_keeps_everything_quietly(quiz_json, run, monkeypatch, home) -> None:
    quiz_json("--seed", "2", "--count", "3", "--no-generated", answers=JUNK)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status, _, err = run("quiz", "reset")
    assert db_rows(home) == 3
    assert "interrupted" not in err
    assert status == 0


def test_corrupt_database_is_moved_aside(quiz, home: Path) -> None:
    home.mkdir(parents=True)
    garbage = b"this is not a database\x00\xff" * 200
    (home / "progress.sqlite3").write_bytes(garbage)
    status, out, err = quiz("--seed", "4", "--count", "2", "--no-generated", answers=JUNK)
    assert status == 0, err
    assert "Traceback" not in err
    moved = sorted(home.glob("progress.sqlite3.corrupt-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == garbage
    assert fixed("ui.quiz.recovered", why="", path="") in err
    assert moved[0].name in err
    assert text("ui.quiz.score", "en", right=0, total=2) in out
    assert db_rows(home) == 2


def test_corrupt_database_with_json_keeps_stdout_clean(quiz, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "progress.sqlite3").write_bytes(b"garbage" * 1000)
    status, out, err = quiz("--seed", "4", "--count", "2", "--no-generated", "--json", answers=JUNK)
    assert status == 0, err
    assert json.loads(out)["total"] == 2
    assert fixed("ui.quiz.recovered", why="", path="") in err
    assert len(list(home.glob("progress.sqlite3.corrupt-*"))) == 1


def test_database_of_an_unknown_schema_is_moved_aside(quiz, home: Path) -> None:
    home.mkdir(parents=True)
    db = sqlite3.connect(home / "progress.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    status, _, err = quiz("--seed", "4", "--count", "1", "--no-generated", answers=JUNK)
    assert status == 0, err
    assert len(list(home.glob("progress.sqlite3.corrupt-*"))) == 1
    assert db_rows(home) == 1


# -- Ctrl-C --------------------------------------------------------------------------------------


def test_ctrl_c_mid_quiz(quiz_json, home: Path, monkeypatch) -> None:
    # learn this seed's first two answers in another home, so the partial score is known
    monkeypatch.setenv("NETLAB_HOME", str(home.parent / "scratch-home"))
    doc = quiz_json("--seed", "3", "--count", "10", "--no-generated", answers=JUNK)
    first_two = [a["expected"] for a in doc["answers"][:2]]
    monkeypatch.setenv("NETLAB_HOME", str(home))

    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "quiz", "--seed", "3", "--count", "10", "--no-generated"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=child_env({"PYTHONUNBUFFERED": "1"}),
    )
    try:
        assert proc.stdin is not None
        for answer in first_two:
            proc.stdin.write(answer.encode() + b"\n")
            proc.stdin.flush()
        third = text("ui.quiz.question", "en", n=3, total=10).encode()
        seen = read_until(proc, third, timeout=30)
        assert third in seen, seen.decode(errors="replace")
        proc.send_signal(signal.SIGINT)
        rest, err_bytes = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out, err = (seen + rest).decode(), err_bytes.decode()
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["netlab: interrupted"]
    assert text("ui.quiz.interrupted", "en", right=2, answered=2) in out
    assert db_rows(home) == 2


# -- topics and validate -------------------------------------------------------------------------


def test_topics_lists_every_topic_with_counts(run) -> None:
    from netlab.cli.quiz import load_bank

    status, out, err = run("quiz", "topics")
    assert status == 0, err
    counts = {t: len(qs) for t, qs in load_bank(None, strict=False)[0].by_topic().items()}
    gens: dict[str, int] = {}
    if generated_available():
        from netlab.quiz import generate

        for _gid, topic_id in generate.available():
            gens[topic_id] = gens.get(topic_id, 0) + 1
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    for topic_id in topics():
        assert topic_id in rows, topic_id
        # the last two columns: questions in the bank, generated question kinds
        assert rows[topic_id][-2] == str(counts.get(topic_id, 0)), rows[topic_id]
        assert rows[topic_id][-1] == str(gens.get(topic_id, 0)), rows[topic_id]


def test_validate_the_default_bank(run) -> None:
    from netlab.cli.quiz import default_bank, load_bank
    from netlab.quiz.bank import files_of

    status, out, err = run("quiz", "validate")
    assert status == 0, out + err
    bank, where = load_bank(None, strict=False)
    assert where == default_bank()
    assert bank.problems == []
    assert f"{where}: {len(bank.questions)} questions in {len(files_of(where))} files" in out


ONE_PLURAL = re.compile(r"(?<![\d.:/])\b1 (?:[a-z]+ )?[a-z]+s\b")


def test_every_count_of_one_is_singular(quiz, run, small_bank: Path, tmp_path: Path) -> None:
    """One question in one file, one problem, one weakest topic, one question the input ended
    in, in English: "1 question", never "1 questions"."""
    one = tmp_path / "one"
    one.mkdir()
    (one / "q.toml").write_text(
        'topic = "handshake"\n' + Q.format(id="only", kind="truefalse", rest="answer = true"),
        encoding="utf-8",
    )
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "q.toml").write_text(
        'topic = "handshake"\n'
        + Q.format(id="only", kind="single", rest=f'{CHOICES}\nanswer = "E"'),
        encoding="utf-8",
    )
    outputs = []
    status, out, err = run("quiz", "validate", str(one))
    assert status == 0, err
    assert f"{one}: 1 question in 1 file, no problems." in out
    outputs.append(out)
    status, out, err = run("quiz", "validate", str(bad))
    assert status == 2
    assert out.splitlines()[-1] == "1 problem."
    outputs.append(out)
    status, out, err = quiz("--bank", str(one), "--no-generated", "--seed", "1", answers=[])
    assert "The input ended after 0 of 1 question." in out
    outputs += [out, err]
    status, out, err = quiz("--bank", str(one), "--no-generated", "--seed", "1", answers=["true"])
    assert status == 0, err
    outputs += [out, err]
    status, out, err = run("quiz", "stats")
    assert "Weakest topic: " in out
    outputs += [out, err]
    for said in outputs:
        assert not ONE_PLURAL.findall(said), said


MISSING_ZH = """
[[question]]
id = "no-chinese"
kind = "truefalse"
see = "netlab simulate handshake"
prompt = { en = "Only English here." }
explanation = { en = "Because.", zh = "因为。" }
answer = true
"""
BAD_A = 'topic = "handshake"\n' + "".join(
    [
        Q.format(id="Bad_Id", kind="single", rest=f'{CHOICES}\nanswer = "A"'),
        Q.format(id="no-such-kind", kind="essay", rest=""),
        Q.format(id="letter-out-of-range", kind="single", rest=f'{CHOICES}\nanswer = "E"'),
        Q.format(id="dup-id", kind="truefalse", rest="answer = true"),
        Q.format(id="fine-one", kind="truefalse", rest="answer = false"),
        Q.format(id="see-nowhere", kind="truefalse", rest="answer = true").replace(
            "netlab simulate handshake", "netlab simulate nosuch"
        ),
        MISSING_ZH,
    ]
)
BAD_B = 'topic = "nosuch-topic"\n' + Q.format(id="dup-id", kind="truefalse", rest="answer = true")
BAD_C = 'topic = "handshake"\n\n[[question]]\nid = "broken"\nkind = = "single"\n'


@pytest.fixture
def bad_bank(tmp_path: Path) -> Path:
    folder = tmp_path / "bad-bank"
    folder.mkdir()
    (folder / "a.toml").write_text(BAD_A, encoding="utf-8")
    (folder / "b.toml").write_text(BAD_B, encoding="utf-8")
    (folder / "c.toml").write_text(BAD_C, encoding="utf-8")
    return folder


def test_validate_reports_each_problem_as_file_id_message(run, bad_bank: Path) -> None:
    status, out, err = run("quiz", "validate", str(bad_bank))
    assert status == 2, out + err
    assert "Traceback" not in err
    a, b, c = (str(bad_bank / name) for name in ("a.toml", "b.toml", "c.toml"))
    lines = out.splitlines()
    problems = [line for line in lines if line.startswith(str(bad_bank))]

    def problem(file: str, qid: str, *words: str) -> None:
        hits = [p for p in problems if p.startswith(f"{file}:{qid}: ")]
        assert hits, (file, qid, out)
        assert any(all(w in p for w in words) for p in hits), (words, hits)

    problem(a, "Bad_Id", "id")
    problem(a, "no-such-kind", "kind")
    problem(a, "letter-out-of-range", "answer")
    problem(a, "see-nowhere", "netlab simulate nosuch")
    problem(a, "no-chinese", "prompt", "zh")
    problem(b, "dup-id", "topic")
    problem(b, "dup-id", "duplicate", a)
    assert not any(":fine-one:" in p for p in problems)
    syntax = [p for p in problems if p.startswith(f"{c}:")]
    assert len(syntax) == 1
    assert re.search(r"line 5\b", syntax[0]), syntax[0]
    for p in problems:
        if not p.startswith(f"{c}:"):
            assert re.match(r"^(/.+\.toml):([^:\s]+): \S", p), p


def test_validate_a_single_good_file(run, small_bank: Path) -> None:
    status, out, err = run("quiz", "validate", str(small_bank))
    assert status == 0, out + err
    assert str(small_bank) in out


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        pytest.param(("--count", "0"), ("--count", "0"), id="count-0"),
        pytest.param(("--count", "-3"), ("--count", "-3"), id="count-negative"),
        pytest.param(("--count", "abc"), ("--count", "abc"), id="count-abc"),
        pytest.param(("--count", "501"), ("--count", "501"), id="count-too-big"),
        pytest.param(("--topic", "nosuch"), ("nosuch",), id="topic-unknown"),
        pytest.param(("--topic", "handshak"), ("handshak", "handshake"), id="topic-typo"),
        pytest.param(("--bank", "/nonexistent"), ("--bank", "/nonexistent"), id="bank-missing"),
        pytest.param(("--mode", "bogus"), ("--mode", "bogus"), id="mode-bogus"),
        pytest.param(("--seed", "-1"), ("--seed", "-1"), id="seed-negative"),
        pytest.param(("--seed", "4294967296"), ("--seed", "4294967296"), id="seed-2-32"),
        pytest.param(("--seed", "x"), ("--seed", "x"), id="seed-x"),
        pytest.param(("--lang", "fr"), ("--lang", "fr"), id="lang-fr"),
        pytest.param(("--mode", "exam", "--time-limit", "0"), ("--time-limit",), id="time-limit-0"),
        pytest.param(
            ("--mode", "exam", "--time-limit", "soon"), ("--time-limit", "soon"), id="limit-word"
        ),
        pytest.param(("--bogus-option",), ("--bogus-option",), id="unknown-option"),
    ],
)
def test_bad_input_is_one_error_line(quiz, home: Path, argv, named) -> None:
    status, out, err = quiz(*argv, "--no-generated", answers=JUNK)
    line = assert_one_error_line(status, out, err)
    for word in named:
        assert word in line, line
    assert not (home / "progress.sqlite3").exists()  # nothing was asked, nothing recorded


@pytest.mark.parametrize(
    ("argv", "named"),
    [(("--count", "0"), "--count"), (("--topic", "handshak"), "handshake")],
    ids=["count-0", "topic-typo"],
)
def test_errors_speak_the_chosen_language(quiz, argv, named) -> None:
    status, out, err = quiz(*argv, "--lang", "zh", "--no-generated", answers=JUNK)
    line = assert_one_error_line(status, out, err)
    assert named in line
    assert CJK.search(line), line


def test_unknown_topic_lists_close_matches(quiz) -> None:
    status, out, err = quiz("--topic", "closee", "--no-generated")
    line = assert_one_error_line(status, out, err)
    assert "close" in line.split("closee", 1)[1]


def test_bank_with_a_toml_syntax_error_names_file_and_line(quiz, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(BAD_C, encoding="utf-8")
    status, out, err = quiz("--bank", str(broken), "--no-generated", answers=JUNK)
    line = assert_one_error_line(status, out, err)
    assert str(broken) in line
    assert re.search(r"line 5\b", line), line


def test_a_topic_without_questions_is_an_error(quiz, small_bank: Path, home: Path) -> None:
    argv = ("--bank", str(small_bank), "--no-generated", "--topic", "close")
    status, out, err = quiz(*argv, answers=JUNK)
    assert_one_error_line(status, out, err)
    assert not (home / "progress.sqlite3").exists() or db_rows(home) == 0


def test_bank_with_problems_is_refused(quiz, bad_bank: Path) -> None:
    status, out, err = quiz("--bank", str(bad_bank), "--no-generated", answers=JUNK)
    line = assert_one_error_line(status, out, err)
    assert str(bad_bank) in line


def test_validate_of_a_missing_path_is_an_error(run) -> None:
    status, out, err = run("quiz", "validate", "/nonexistent/bank")
    line = assert_one_error_line(status, out, err)
    assert "/nonexistent/bank" in line


def test_validate_of_a_missing_path_does_not_blame_bank_option(run) -> None:
    status, out, err = run("quiz", "validate", "/nonexistent/bank")
    line = assert_one_error_line(status, out, err)
    assert "--bank" not in line


@pytest.mark.parametrize("command", ["quiz", "validate"])
def test_a_bank_folder_without_toml_files_is_an_error(quiz, run, tmp_path, command) -> None:
    empty = tmp_path / "empty-bank"
    empty.mkdir()
    if command == "quiz":
        status, out, err = quiz("--bank", str(empty), "--seed", "1", answers=JUNK)
        line = assert_one_error_line(status, out, err)
    else:
        status, out, err = run("quiz", "validate", str(empty))
        assert status == 2, out + err
        line = out + err
    assert str(empty) in line


def test_unusable_netlab_home_is_a_failed_operation(quiz, home: Path) -> None:
    home.write_text("a file, not a folder")
    status, out, err = quiz("--seed", "1", "--count", "1", "--no-generated", answers=JUNK)
    assert status == 1
    assert "Traceback" not in err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err


def test_unusable_netlab_home_error_names_the_path(quiz, home: Path) -> None:
    home.write_text("a file, not a folder")
    status, out, err = quiz("--seed", "1", "--count", "1", "--no-generated", answers=JUNK)
    assert (status, out) == (1, "")
    assert str(home) in err


@pytest.mark.parametrize(
    "argv",
    [("--count", "0"), ("--topic", "handshak"), ("--lang", "fr"), ("--seed", "-1")],
    ids=["count-0", "topic-typo", "lang-fr", "seed-negative"],
)
def test_bad_input_in_a_subprocess(argv) -> None:
    result = netlab("quiz", *argv, "--no-generated", stdin="A\n")
    assert_one_error_line(result.returncode, result.stdout, result.stderr)


# -- help and fast start -------------------------------------------------------------------------


def test_quiz_help() -> None:
    result = netlab("quiz", "--help")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for option in ("--topic", "--count", "--seed", "--mode", "--time-limit", "--json"):
        assert option in result.stdout
    for sub in ("validate", "stats", "topics", "reset"):
        assert sub in result.stdout


IMPORTS = textwrap.dedent(
    """
    import io, json, sys
    from contextlib import redirect_stdout
    from netlab.cli.main import main
    argv = json.loads(sys.argv[1])
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        status = main(argv)
    heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("scapy", "gevent")})
    print(json.dumps({"status": status, "out": buffer.getvalue(), "heavy": heavy}))
    """
)


def imports_of(argv: list[str], stdin: str = "") -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS, json.dumps(argv)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=child_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == 0, result.stderr
    return report


def test_a_quiz_without_generated_questions_does_not_import_scapy() -> None:
    argv = ["quiz", "--seed", "5", "--count", "4", "--no-generated", "--json"]
    report = imports_of(argv, stdin="\n".join(JUNK) + "\n")
    assert json.loads(report["out"])["total"] == 4  # the answers were really read
    assert report["heavy"] == []


def test_quiz_topics_imports_neither_scapy_nor_gevent() -> None:
    report = imports_of(["quiz", "topics"])
    assert "handshake" in report["out"]
    assert report["heavy"] == []


def test_a_true_false_answer_is_said_in_chinese() -> None:
    """The right answer of a true/false question reads 对/错 in Chinese, not true/false alone."""
    from netlab.views.quiz import said

    assert said("false", "zh").startswith("错") and said("true", "zh").startswith("对")
    assert (said("false", "en"), said("B", "zh"), said("", "zh")) == ("false", "B", "")


# -- hostile banks and piped answers (issue 13) --------------------------------------------------


def bounded(
    *argv: str, stdin: Any = subprocess.DEVNULL, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m netlab ARGV`` with its memory capped (2 GiB of address space) and a timeout,
    so a run that reads for ever or blocks fails the test instead of taking the machine."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        stdin=stdin,
        capture_output=True,
        cwd=ROOT,
        env=child_env(env),
        timeout=60,
        check=False,
        preexec_fn=cap,
    )


@pytest.mark.parametrize("command", ["validate", "quiz"])
@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_a_device_or_fifo_bank_is_refused_without_reading(command, kind, tmp_path) -> None:
    path = Path("/dev/zero")
    if kind == "fifo":
        path = tmp_path / "bank.toml"
        os.mkfifo(path)  # nobody ever writes to it: reading it would block for ever
    if command == "validate":
        done = bounded("quiz", "validate", str(path))
        out = done.stdout.decode()
        assert done.returncode == 2, (out, done.stderr)
        assert out.startswith(f"{path}: ") and "not a regular file" in out, out
    else:
        done = bounded("quiz", "--bank", str(path), "--no-generated")
        line = assert_one_error_line(done.returncode, done.stdout.decode(), done.stderr.decode())
        assert str(path) in line and "not a regular file" in line, line


def test_a_bank_file_over_16_mib_is_refused_naming_file_and_cap(run, tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as stream:  # sparse: takes no disk space
        stream.truncate(16 * 1024 * 1024 + 1)
    status, out, err = run("quiz", "validate", str(big))
    assert status == 2, out + err
    assert out.startswith(f"{big}: ") and "16 MiB" in out, out


MANY_CHOICES = Q.format(
    id="many-choices",
    kind="single",
    rest="choices = ["
    + ", ".join(f'{{ en = "c{i}", zh = "c{i}" }}' for i in range(10_000))
    + ']\nanswer = "A"',
)


@pytest.mark.parametrize(
    ("body", "count", "words"),
    [
        pytest.param("x = " + "[" * 500 + "]" * 500, 1, "nested too deeply", id="deep-arrays"),
        pytest.param(
            "x = " + "{ a = " * 500 + "1" + " }" * 500, 1, "nested too deeply", id="deep-tables"
        ),
        pytest.param("question = [1, 2]", 2, "must be a table", id="question-ints"),
        pytest.param('topic = "handshake"\n' + MANY_CHOICES, 1, "2 to 8", id="10000-choices"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "quiz"])
def test_hostile_bank_shapes_are_file_problems(
    quiz, run, tmp_path, body, count, words, command
) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(body + "\n", encoding="utf-8")
    if command == "validate":
        status, out, err = run("quiz", "validate", str(path))
        assert status == 2, out + err
        assert "Traceback" not in err and "internal error" not in err, err
        found = [line for line in out.splitlines() if line.startswith(f"{path}:")]
        assert len(found) == count, out
    else:
        status, out, err = quiz("--bank", str(path), "--no-generated", answers=JUNK)
        found = [assert_one_error_line(status, out, err)]
        assert (f"has {count} problems" if count > 1 else "has a problem") in found[0], found
    assert words in found[0], out + err


@pytest.mark.parametrize("path", ["~no-such-user-here/bank", "a" * 5000], ids=["user", "long"])
@pytest.mark.parametrize("command", ["validate", "quiz"])
def test_a_bank_path_that_cannot_be_looked_up_is_bad_input(quiz, run, path, command) -> None:
    if command == "validate":
        status, out, err = run("quiz", "validate", path)
    else:
        status, out, err = quiz("--bank", path, "--no-generated", answers=JUNK)
    line = assert_one_error_line(status, out, err)
    assert path[:20] in line


def test_piped_markup_is_echoed_as_typed(quiz, small_bank: Path) -> None:
    answers = ["[/bold]", "[bold red]x", "[link=https://example.com]y"]
    argv = ("--bank", str(small_bank), "--no-generated", "--seed", "1", "--count", "3")
    status, out, err = quiz(*argv, answers=answers)
    assert status == 0, err
    for answer in answers:
        assert f": {answer}\n" in out, out
    status, out, err = quiz(*argv, "--mode", "exam", "--json", answers=answers)
    assert status == 0, err
    assert [a["given"] for a in json.loads(out)["answers"]] == answers
    for answer in answers:
        assert answer in err.split(text("ui.quiz.review_title", "en"), 1)[1], err


def test_piped_bytes_that_are_not_utf8_are_shown_escaped(small_bank: Path) -> None:
    argv = ("quiz", "--bank", str(small_bank), "--no-generated", "--seed", "1", "--count", "1")
    proc = subprocess.run(
        [sys.executable, "-m", "netlab", *argv, "--json"],
        input=b"\xff\xfe\n",
        capture_output=True,
        cwd=ROOT,
        env=child_env(),
        timeout=60,
        check=False,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert json.loads(proc.stdout)["answers"][0]["given"] == "\\xff\\xfe"
    assert ": \\xff\\xfe\n" in err


def test_endless_input_without_a_line_end_ends_the_quiz(small_bank: Path) -> None:
    argv = ("quiz", "--bank", str(small_bank), "--no-generated", "--seed", "1", "--count", "2")
    with open("/dev/zero", "rb") as zeros:
        done = bounded(*argv, stdin=zeros)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr
    assert text("ui.quiz.input_ended", "en", answered=0, total=2) in out, out
