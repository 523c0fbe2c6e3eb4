"""``netlab demo gevent``'s runs, measured for real: four child processes, each timed by itself.

With 3 tasks sleeping 0.2 s: patched and gevent.sleep take about one sleep (< 2 x 0.2 s), the
unpatched run about three (>= 0.9 x 3 x 0.2 s), and so does the run that copied sleep out of
time before patching (the module attribute was patched, the copied name was not); the lines
interleave in the first and the third, and come one task after another in the other two.
Every child is reaped and its pipes closed, also when the run is stopped by a timeout or a
Ctrl-C; no thread is left behind.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from netlab.demos import gevent_tasks
from netlab.demos.gevent_tasks import Line, Plan, Run
from netlab.errors import NetlabError

PLAN = Plan(tasks=3, sleep_s=0.2)
DUMMY = re.compile(r"^Dummy(Thread)?-\d+$")


class RecordingPopen(subprocess.Popen):
    """The real Popen, remembering each child so a test can check it was reaped."""

    started: ClassVar[list[subprocess.Popen]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingPopen.started.append(self)


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen]]:
    """The child processes started during the test; afterwards each must be gone."""
    RecordingPopen.started = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gevent_tasks.subprocess, "Popen", RecordingPopen)
        yield RecordingPopen.started
    assert_all_reaped(RecordingPopen.started)


def assert_all_reaped(started: list[subprocess.Popen]) -> None:
    for proc in started:
        assert proc.returncode is not None, f"child {proc.pid} still running"
        assert proc.stdout is not None and proc.stdout.closed
        assert proc.stderr is not None and proc.stderr.closed


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    """The four runs of PLAN, done once for the module, checked for leftovers."""
    threads_before = set(threading.enumerate())
    RecordingPopen.started = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gevent_tasks.subprocess, "Popen", RecordingPopen)
        done = gevent_tasks.run_all(PLAN)
    assert len(RecordingPopen.started) == 4
    assert_all_reaped(RecordingPopen.started)
    assert set(threading.enumerate()) == threads_before
    return {run.variant: run for run in done}


def test_every_variant_ran_once(runs):
    assert list(runs) == list(gevent_tasks.VARIANTS)


def test_patched_total_is_about_one_sleep(runs):
    assert 0.9 * PLAN.sleep_s <= runs["patched"].elapsed_s < 2 * PLAN.sleep_s


def test_unpatched_total_is_about_n_sleeps(runs):
    assert runs["unpatched"].elapsed_s >= 0.9 * PLAN.tasks * PLAN.sleep_s
    assert runs["unpatched"].elapsed_s < (PLAN.tasks + 1) * PLAN.sleep_s


def test_gevent_sleep_total_is_about_one_sleep(runs):
    assert 0.9 * PLAN.sleep_s <= runs["gevent_sleep"].elapsed_s < 2 * PLAN.sleep_s


def test_a_name_copied_before_the_patch_is_as_slow_as_no_patch(runs):
    copied, unpatched = runs["from_import"], runs["unpatched"]
    assert copied.elapsed_s >= 0.9 * PLAN.tasks * PLAN.sleep_s
    assert abs(copied.elapsed_s - unpatched.elapsed_s) < PLAN.sleep_s  # measured, both serial
    assert copied.order == unpatched.order and copied.pattern == "serial"
    assert copied.sleep_function == "time.sleep"  # the name the tasks called: the original
    assert copied.time_sleep == "gevent.hub.sleep"  # the module attribute: patched all the same
    assert all(DUMMY.match(name) for name in copied.threads)  # threading was patched too


def test_importing_the_module_before_the_patch_is_patched_too(runs):
    assert runs["patched"].time_sleep == "gevent.hub.sleep"
    assert runs["unpatched"].time_sleep == "time.sleep"


@pytest.mark.parametrize("variant", ["patched", "gevent_sleep"])
def test_lines_interleave_when_the_sleep_cooperates(runs, variant):
    order = runs[variant].order
    assert sorted(order[:3]) == ["eat start", "play start", "read start"]
    assert sorted(order[3:]) == ["eat end", "play end", "read end"]
    assert runs[variant].pattern == "interleaved"


def test_lines_are_serial_without_the_patch(runs):
    assert runs["unpatched"].order == [
        "eat start",
        "eat end",
        "play start",
        "play end",
        "read start",
        "read end",
    ]
    assert runs["unpatched"].pattern == "serial"


def test_timestamps_grow_and_show_the_sleeps(runs):
    for run in runs.values():
        times = [line.t for line in run.lines]
        assert times == sorted(times)
        assert all(0 <= t <= run.elapsed_s for t in times)
    unpatched = runs["unpatched"].lines
    assert unpatched[-1].t - unpatched[0].t >= 0.9 * PLAN.tasks * PLAN.sleep_s


def test_patched_tasks_run_in_dummy_threads_of_their_own(runs):
    patched = runs["patched"]
    assert len(patched.threads) == PLAN.tasks
    assert all(DUMMY.match(name) for name in patched.threads), patched.threads
    assert patched.main_thread == "MainThread"
    assert runs["unpatched"].threads == ["MainThread"]
    assert runs["gevent_sleep"].threads == ["MainThread"]


def test_what_the_tasks_called(runs):
    assert runs["patched"].sleep_function == "gevent.hub.sleep"
    assert runs["unpatched"].sleep_function == "time.sleep"
    assert runs["gevent_sleep"].sleep_function == "gevent.hub.sleep"
    assert runs["patched"].gevent and runs["patched"].python


def test_the_patched_child_patches_before_any_import():
    lines = [line for line in gevent_tasks.child_source("patched").splitlines() if line.strip()]
    assert lines[0] == "from gevent import monkey"
    assert lines[1].startswith("monkey.patch_all()")
    for variant in ("unpatched", "gevent_sleep"):
        assert "patch_all" not in gevent_tasks.child_source(variant)
    copied = [
        line.split("#")[0].strip() for line in gevent_tasks.child_source("from_import").splitlines()
    ]
    assert copied[:4] == [
        "import time",
        "from time import sleep",
        "from gevent import monkey",
        "monkey.patch_all()",
    ]


def test_a_child_that_overruns_is_stopped(children):
    slow = Plan(tasks=2, sleep_s=5)
    with pytest.raises(NetlabError) as caught:
        gevent_tasks.run_variant("unpatched", slow, timeout_s=0.5)
    assert caught.value.note.key == "errors.demo_gevent.child_timeout"
    assert len(children) == 1


def test_ctrl_c_during_a_run_stops_the_child(children):
    seen: list[Line] = []

    def interrupt(line: Line) -> None:
        seen.append(line)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gevent_tasks.run_variant("patched", Plan(tasks=2, sleep_s=5), interrupt)
    assert [line.label for line in seen] == ["eat start"]
    assert len(children) == 1


def test_a_child_that_fails_is_reported_with_its_last_error_line(children):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(gevent_tasks._PROLOGUE, "unpatched", "raise SystemExit('boom')\n")
        with pytest.raises(NetlabError) as caught:
            gevent_tasks.run_variant("unpatched", Plan(tasks=1, sleep_s=0.05))
    assert caught.value.note.key == "errors.demo_gevent.child_failed"
    assert caught.value.note.params["detail"] == "boom"
    assert caught.value.note.params["status"] == 1
    assert len(children) == 1


def test_missing_gevent_is_explained_before_any_child_starts(children):
    # No interpreter here has netlab's dependencies but not gevent, so the look-up is replaced.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gevent_tasks, "find_spec", lambda name: None)
        with pytest.raises(NetlabError) as caught:
            gevent_tasks.run_all(PLAN)
    assert caught.value.note.key == "errors.demo_gevent.no_gevent"
    assert "pip install gevent" in caught.value.render("en")
    assert children == []


@pytest.mark.parametrize(
    ("events", "tasks", "expected"),
    [
        (["start", "start", "end", "end"], ["a", "b", "a", "b"], "interleaved"),
        (["start", "end", "start", "end"], ["a", "a", "b", "b"], "serial"),
        (["start", "end"], ["a", "a"], "single"),
        (["start", "end", "start", "start", "end", "end"], list("aabcbc"), "mixed"),
    ],
)
def test_pattern(events, tasks, expected):
    assert gevent_tasks.pattern(events, tasks) == expected
