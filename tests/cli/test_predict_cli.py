"""``netlab simulate ... --predict``: exercises on every scenario, answered from a pipe.

The expected answers are learned from a first run (every answer junk: the JSON names what was
expected), then piped back: 100 %; then each one made wrong: 0 %. The steps drawn are those of
``--step``, in the same order. Ctrl-C keeps the answers given; bad input is one line, exit 2.
"""

from __future__ import annotations

import io
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from childproc import read_until

from netlab.i18n import text

PREFIX = "netlab: error: "
ROOT = Path(__file__).resolve().parents[2]
JUNK = ["junk"] * 200

#: every scenario and its main option combinations
VARIANTS = [
    ("handshake",),
    ("handshake", "--lose", "syn"),
    ("handshake", "--lose", "ack", "--lose-times", "2"),
    ("handshake", "--stack", "minimal"),
    ("close",),
    ("close", "--lose", "ack"),
    ("close", "--merge"),
    ("close", "--simultaneous"),
    ("close", "--initiator", "server", "--half-close", "--data", "more"),
    ("tcp",),
    ("tcp", "--data", "hello", "--data", "world", "--reply", "ok"),
    ("layers",),
    ("arp",),
    ("arp", "--again"),
    ("arp", "--hub"),
    ("arp", "--gratuitous"),
    ("nat",),
    ("dhcp",),
    ("dns",),
    ("journey",),
    ("route",),
    ("route", "--traceroute"),
    ("rip",),
    ("ospf",),
]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "netlab-home"
    monkeypatch.setenv("NETLAB_HOME", str(folder))
    monkeypatch.setenv("COLUMNS", "200")
    return folder


@pytest.fixture
def predict(run, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    def _predict(*argv: str, answers=()) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{a}\n" for a in answers)))
        return run("simulate", *argv)

    return _predict


@pytest.fixture
def predict_json(predict) -> Callable[..., dict[str, Any]]:
    def _json(*argv: str, answers=()) -> dict[str, Any]:
        status, out, err = predict(*argv, "--json", answers=answers)
        assert status == 0, err
        assert "Traceback" not in err
        return json.loads(out)

    return _json


def wrong(expected: str) -> str:
    """An answer that is valid and wrong: another letter, another number, another order."""
    if expected.lstrip("-").isdigit():
        return str(int(expected) + 1)
    if len(expected) > 1:  # an order: swap the first two
        return expected[1] + expected[0] + expected[2:]
    return "A" if expected != "A" else "B"


@pytest.mark.parametrize("mode", ["next", "fields"])
@pytest.mark.parametrize("variant", VARIANTS, ids=" ".join)
def test_expected_answers_score_everything_and_wrong_ones_nothing(predict_json, variant, mode):
    argv = (*variant, "--predict", mode)
    first = predict_json(*argv, answers=JUNK)
    assert first["questions"] > 0, f"{variant}: nothing asked in {mode} mode"
    assert first["total"] == first["questions"]
    expected = [a["expected"] for a in first["answers"]]
    right = predict_json(*argv, answers=expected)
    assert right["correct"] == right["total"] == len(expected)
    assert [a["id"] for a in right["answers"]] == [a["id"] for a in first["answers"]]
    none = predict_json(*argv, answers=[wrong(e) for e in expected])
    assert none["correct"] == 0 and none["total"] == len(expected)
    for a in first["answers"]:  # each card id names the scenario, the mode and the step
        assert a["id"].startswith(f"sim/{variant[0]}/{mode}/{a['step']}/")


@pytest.mark.parametrize(
    "variant", [("handshake",), ("close",), ("dhcp",), ("dns",), ("arp",)], ids=" ".join
)
def test_order_exercise(predict_json, variant):
    first = predict_json(*variant, "--predict", "order", answers=JUNK)
    assert first["questions"] == 1
    expected = first["answers"][0]["expected"]
    assert sorted(expected) == list("ABCDEFGH"[: len(expected)]) and len(expected) >= 3
    assert predict_json(*variant, "--predict", "order", answers=[expected])["correct"] == 1
    assert predict_json(*variant, "--predict", "order", answers=[wrong(expected)])["correct"] == 0


def _drawn(out: str) -> list[str]:
    """The diagram and step lines of a run (what --step draws), without prompts and answers."""
    skip = ("Enter:", "Your answer", "Right.", "Not quite", "Not a valid", "? Step", "  A.")
    lines = [line.rstrip() for line in out.splitlines()]
    return [line for line in lines if line.strip() and not line.startswith(skip)]


@pytest.mark.parametrize("variant", [("handshake",), ("close", "--lose", "ack"), ("arp",)])
def test_the_trace_shown_is_the_same_as_steps(predict, variant):
    status, stepped, _ = predict(*variant, "--step", answers=[""] * 50)
    assert status == 0
    status, predicted, _ = predict(*variant, "--predict", answers=JUNK)
    assert status == 0
    lines = iter(_drawn(predicted))
    for line in _drawn(stepped):  # every --step line, in order, within the exercise
        assert any(line == other for other in lines), line


def test_piped_answers_like_the_issue_says(predict_json):
    doc = predict_json("handshake", "--predict", answers=["B", "1001"])
    assert doc["total"] == 2 and doc["ended"] == "eof"
    assert doc["command"] == "netlab simulate handshake --predict"


def test_answers_are_cards_in_the_quiz_store(predict_json, home, run):
    doc = predict_json("close", "--lose", "ack", "--predict", "--ask", "2", answers=JUNK)
    assert doc["total"] == 2
    db = sqlite3.connect(home / "progress.sqlite3")
    rows = db.execute("SELECT question, topic FROM cards ORDER BY question").fetchall()
    assert sorted(a["id"] for a in doc["answers"]) == [q for q, _ in rows]
    assert {t for _, t in rows} == {"close"}
    assert all("?lose=ack" in q for q, _ in rows)
    status, out, _ = run("quiz", "stats")
    assert status == 0 and "close" in out.lower()


def test_review_replays_a_due_prediction(predict_json, home, monkeypatch, run):
    doc = predict_json("handshake", "--lose", "syn", "--predict", "--ask", "1", answers=JUNK)
    card = doc["answers"][0]["id"]
    db = sqlite3.connect(home / "progress.sqlite3")
    db.execute("UPDATE cards SET due = 0")
    db.commit()
    db.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO("junk\n" * 5))
    status, out, err = run("quiz", "--review", "--count", "1", "--seed", "4", "--json")
    assert status == 0, err
    quiz = json.loads(out)
    assert [a["id"] for a in quiz["answers"]] == [card]
    assert "netlab simulate handshake --lose syn" in err  # the context: the command


def test_from_simulations_mixes_simulation_questions(run, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("junk\n" * 20))
    argv = ("quiz", "--from-simulations", "--topic", "handshake", "--count", "6", "--seed", "2")
    status, out, err = run(*argv, "--json")
    assert status == 0, err
    ids = [a["id"] for a in json.loads(out)["answers"]]
    assert any(i.startswith("sim/handshake/next/") for i in ids), ids


def test_filter_shows_only_that_protocol(predict):
    status, out, err = predict("journey", "--step", "--filter", "dns", answers=[""] * 40)
    assert status == 0, err
    assert "DHCP Discover" not in out and "Standard query" in out
    assert "(1 of 4 shown)" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("handshake", "--predict", "maybe"), "--predict"),
        (("handshake", "--predict", "--ask", "0"), "--ask"),
        (("handshake", "--ask", "2"), "--ask"),
        (("handshake", "--predict", "order", "--ask", "2"), "--ask"),
        (("handshake", "--step", "--filter", "smtp"), "--filter"),
        (("handshake", "--filter", "tcp"), "--filter"),
        (("handshake", "--step", "--filter", "dns"), "--filter dns"),
        (("arp", "--seed", "3"), "--seed"),
        (("arp", "--predict", "--seed", "x"), "--seed"),
        (("handshake", "--predict", "--step"), "--predict"),
        (("handshake", "--live", "--predict"), "--predict"),
    ],
)
def test_bad_input(predict, argv, needle):
    status, _, err = predict(*argv)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX) and needle in lines[0], err
    assert "Traceback" not in err


def test_json_without_piped_answers_in_a_terminal_is_refused():
    """--predict --json in a terminal: nothing could answer. script(1) gives a real tty."""
    import shutil

    if shutil.which("script") is None:
        pytest.skip("script(1) is not installed")
    cmd = f"{sys.executable} -m netlab simulate handshake --predict --json"
    proc = subprocess.run(
        ["script", "-qec", cmd, "/dev/null"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stdout
    assert "netlab: error: --predict --json" in proc.stdout


def test_ctrl_c_keeps_the_answers_given(home, monkeypatch):
    env = {
        **__import__("os").environ,
        "PYTHONUNBUFFERED": "1",
        "NETLAB_LANG": "en",
        "NETLAB_HOME": str(home),
        "COLUMNS": "200",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "simulate", "close", "--predict"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"A\nA\n")
        proc.stdin.flush()
        seen = read_until(proc, b"? Step 3", timeout=30)
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = (seen + rest).decode()
    assert proc.returncode == 130
    assert err.decode().strip().splitlines() == ["netlab: interrupted"]
    assert "so far; those answers are kept" in out
    db = sqlite3.connect(home / "progress.sqlite3")
    assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 2


def test_every_sentence_exists_in_chinese(predict):
    status, out, err = predict("close", "--lose", "ack", "--predict", "--lang", "zh", answers=JUNK)
    assert status == 0, err
    assert text("ui.quiz.score", "zh", right=0, total=1)[:3] in out
    assert "Step" not in out.replace("Step=", "")


def test_a_topology_file_is_kept_by_its_absolute_path(predict_json, tmp_path, monkeypatch):
    source = ROOT / "data" / "topologies" / "campus.toml"
    (tmp_path / "campus.toml").write_text(source.read_text("utf-8"), "utf-8")
    monkeypatch.chdir(tmp_path)
    doc = predict_json(
        "route", "--topology", "campus.toml", "--predict", "--ask", "1", answers=JUNK
    )
    (answer,) = doc["answers"]
    from netlab.predict.cards import parse

    assert dict(parse(answer["id"]).options)["topology"] == str(tmp_path / "campus.toml")
