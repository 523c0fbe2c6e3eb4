"""``netlab demo gevent`` from the command line: its outputs, its bad input, Ctrl-C, and the rule
that the netlab process itself never imports gevent (only the child processes do)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from childproc import read_until
from rich.console import Console

from netlab.demos.gevent_tasks import Line, Plan, Run
from netlab.views import demo_gevent as view

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "
CJK = re.compile(r"[\u4e00-\u9fff]")


def python(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "en"
    env["PYTHONUNBUFFERED"] = "1"
    return env


# -- outputs -------------------------------------------------------------------------------------


def test_json_has_each_variant_total_and_order(run_json):
    doc = run_json("demo", "gevent", "--sleep", "0.2", "--tasks", "3")
    assert doc["version"] == 1 and doc["demo"] == "gevent"
    assert (doc["tasks"], doc["sleep_s"]) == (3, 0.2)
    variants = doc["variants"]
    assert list(variants) == ["patched", "unpatched", "gevent_sleep", "from_import"]
    assert variants["patched"]["elapsed_s"] < 2 * 0.2
    assert variants["unpatched"]["elapsed_s"] >= 0.9 * 3 * 0.2
    assert variants["gevent_sleep"]["elapsed_s"] < 2 * 0.2
    assert variants["from_import"]["elapsed_s"] >= 0.9 * 3 * 0.2
    assert variants["from_import"]["order"] == variants["unpatched"]["order"]
    assert variants["from_import"]["sleep_function"] == "time.sleep"
    assert variants["from_import"]["time_sleep"] == "gevent.hub.sleep"
    starts = ["eat start", "play start", "read start"]
    assert variants["patched"]["order"][:3] == starts
    assert variants["gevent_sleep"]["order"][:3] == starts
    assert variants["unpatched"]["order"] == [
        "eat start",
        "eat end",
        "play start",
        "play end",
        "read start",
        "read end",
    ]
    patterns = [variants[v]["pattern"] for v in variants]
    assert patterns == ["interleaved", "serial", "interleaved", "serial"]
    assert all(name.startswith("Dummy") for name in variants["patched"]["threads"])
    assert len(variants["patched"]["lines"]) == 6


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("(a) monkey.patch_all() first", "Dummy-1", "MainThread", "Why", "DummyThread-N")),
        ("zh", ("先执行 monkey.patch_all()", "Dummy-1", "MainThread", "为什么", "吃饭")),
    ],
)
def test_text_output_shows_timelines_totals_and_reasons(run, lang, words):
    status, out, err = run("demo", "gevent", "--sleep", "0.05", "--tasks", "2", "--lang", lang)
    assert status == 0, err
    assert err == ""
    for word in words:
        assert word in out
    assert out.count("gevent.hub.sleep") >= 2  # the table, and the reason of run (a)
    if lang == "zh":
        assert CJK.search(out)


def test_runs_as_a_module():
    result = python("-m", "netlab.demos.gevent_tasks", "--sleep", "0.05", "--tasks", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert '"pattern": "single"' in result.stdout


def test_help_lists_the_options():
    result = python("-m", "netlab", "demo", "gevent", "--help")
    assert result.returncode == 0, result.stderr
    for option in ("--sleep", "--tasks", "--json", "--lang"):
        assert option in result.stdout


def test_the_netlab_process_never_imports_gevent():
    code = textwrap.dedent(
        """
        import io, json, sys
        from contextlib import redirect_stdout
        from netlab.cli.main import main
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            status = main(["demo", "gevent", "--sleep", "0.05", "--tasks", "2", "--json"])
        doc = json.loads(buffer.getvalue())
        names = doc["variants"]["patched"]["threads"]
        print(status, len(names), any(m.startswith("gevent") for m in sys.modules))
        """
    )
    result = python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "2", "False"]


# -- the view, from records (no process) ---------------------------------------------------------


def _runs() -> list[Run]:
    def lines(*spec: tuple[float, str, str, str]) -> tuple[Line, ...]:
        return tuple(Line(*item) for item in spec)

    common = {"main_thread": "MainThread", "python": "3.11.7", "gevent": "26.9.0"}
    patched = {"time_sleep": "gevent.hub.sleep"}
    return [
        Run(
            "patched",
            lines(
                (0.0, "eat", "start", "Dummy-1"),
                (0.0, "play", "start", "Dummy-2"),
                (1.0, "eat", "end", "Dummy-1"),
                (1.0, "play", "end", "Dummy-2"),
            ),
            1.0,
            1.2,
            sleep_function="gevent.hub.sleep",
            **patched,
            **common,
        ),
        Run(
            "unpatched",
            lines(
                (0.0, "eat", "start", "MainThread"),
                (1.0, "eat", "end", "MainThread"),
                (1.0, "play", "start", "MainThread"),
                (2.0, "play", "end", "MainThread"),
            ),
            2.0,
            2.1,
            sleep_function="time.sleep",
            time_sleep="time.sleep",
            **common,
        ),
        Run(
            "from_import",
            lines(
                (0.0, "eat", "start", "Dummy-1"),
                (1.0, "eat", "end", "Dummy-1"),
                (1.0, "play", "start", "Dummy-2"),
                (2.0, "play", "end", "Dummy-2"),
            ),
            2.0,
            2.3,
            sleep_function="time.sleep",
            **patched,
            **common,
        ),
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_view_renders_every_sentence(lang):
    plan = Plan(tasks=2, sleep_s=1)
    con = Console(record=True, color_system=None, width=100)
    live = view.Live(con, lang, plan)
    for run in _runs():
        live.started(run.variant)
        for line in run.lines:
            live.line(run.variant, line)
        live.finished(run)
    con.print(view.summary(plan, _runs(), lang, 100))
    out = con.export_text()
    assert "{" not in out and "demo.gevent." not in out
    assert "Dummy-1" in out and "DummyThread-N" in out
    assert "(d)" in out or "（d）" in out


@pytest.mark.parametrize(
    ("tasks", "en", "zh"),
    [
        (1, "gevent: 1 task sleeping 2 s", "gevent：1 个任务，睡眠 2 秒"),
        (3, "gevent: 3 tasks, each sleeping 2 s", "gevent：3 个任务，每个睡眠 2 秒"),
    ],
)
def test_the_title_has_a_real_plural(tasks, en, zh):
    for lang, expected in (("en", en), ("zh", zh)):
        con = Console(record=True, color_system=None, width=120)
        con.print(view.intro(Plan(tasks=tasks, sleep_s=2), lang))
        out = con.export_text()
        assert expected in out and "(s)" not in out, out


def test_view_ascii_only_draws_plain_ascii():
    plan = Plan(tasks=2, sleep_s=1)
    con = Console(record=True, color_system=None, width=100)
    con.print(view.intro(plan, "en"))
    con.print(view.summary(plan, _runs(), "en", 100, ascii_only=True))
    out = con.export_text()
    assert out.isascii(), sorted({c for c in out if not c.isascii()})
    assert "|##########" in out


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--sleep", "-1"),
        ("--sleep", "0"),
        ("--sleep", "abc"),
        ("--sleep", "10.5"),
        ("--sleep", "nan"),
        ("--sleep", "inf"),
        ("--tasks", "0"),
        ("--tasks", "11"),
        ("--tasks", "-1"),
        ("--tasks", "2.5"),
        ("--tasks", "abc"),
        ("--lang", "fr"),
    ],
)
def test_bad_value_is_one_line_and_exit_2(run, option, value):
    status, out, err = run("demo", "gevent", option, value)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX)
    assert option in lines[0] and f"'{value}'" in lines[0]
    assert "Traceback" not in err


def test_bad_value_is_explained_in_chinese(run):
    status, _, err = run("demo", "gevent", "--sleep", "-1", "--lang", "zh")
    assert status == 2
    assert err.startswith(PREFIX) and CJK.search(err)


# -- Ctrl-C --------------------------------------------------------------------------------------


def _children_sleeping(seconds: str) -> list[int]:
    """The pids of our gevent child programs run with this (unusual) sleep value."""
    tail = f"eat,play\0{seconds}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.endswith(tail) and b"\0-c\0" in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_ctrl_c_exits_130_and_stops_the_child():
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "demo", "gevent", "--sleep", "7.25"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    )
    try:
        seen = read_until(proc, b"starts, then sleeps", timeout=30)
        assert b"Dummy-1" in seen
        assert len(_children_sleeping("7.25")) == 1
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines() == ["netlab: interrupted"]
    deadline = time.monotonic() + 5
    while _children_sleeping("7.25") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children_sleeping("7.25") == []
