"""The seed's eat/play gevent example, measured: the same tasks run four ways, each in a child.

Owns the four child programs (``patched``: ``monkey.patch_all()`` first, then ``time.sleep``;
``unpatched``: the real, blocking ``time.sleep``; ``gevent_sleep``: ``gevent.sleep`` without any
patch; ``from_import``: ``import time`` and ``from time import sleep`` before the patch, the
tasks calling ``sleep``), starting each as ``python -P -c PROGRAM`` and reading the JSON lines
it prints (a monotonic timestamp relative to its own start, the task, the event, the thread
name; at the end what the tasks called and what ``time.sleep`` was then), and the records the
views draw (``Plan``, ``Line``, ``Run``).

Must not import gevent: only the children do. ``monkey.patch_all()`` replaces attributes of
``time``, ``socket``, ``threading`` ... in place, so a module imported before it is patched too;
what it cannot reach is a name copied out earlier (``from time import sleep``, the
``from_import`` run measures it) or an object made earlier (a socket, a lock, a thread). This
process made such objects long ago, so it could never promise a clean patch. A child program is
source text handed to ``-c`` so that its first lines really are the first things that run.

``python -m netlab.demos.gevent_tasks [OPTIONS]`` is ``netlab demo gevent [OPTIONS]``.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib.util import find_spec
from typing import Any, Protocol

from netlab.errors import NetlabError
from netlab.i18n import Note

#: The four runs, in the order they are shown.
VARIANTS = ("patched", "unpatched", "gevent_sleep", "from_import")

#: The tasks, after the seed's ``eat`` and ``play``; ``--tasks N`` takes the first N.
TASK_NAMES = ("eat", "play", "read", "sing", "walk", "cook", "swim", "draw", "nap", "run")
MAX_TASKS = len(TASK_NAMES)
MAX_SLEEP = 10.0

#: Seconds a child may take beyond its expected worst case (tasks x sleep) before it is stopped.
STARTUP_ALLOWANCE = 30.0
STDERR_KEPT = 4096

_PROLOGUE = {
    "patched": "from gevent import monkey\nmonkey.patch_all()  # first, before any other import\n",
    "unpatched": "",
    "gevent_sleep": "",
    "from_import": (
        "import time  # the module: patch_all() replaces time.sleep in it all the same\n"
        "from time import sleep  # a name copied out before the patch: it keeps the original\n"
        "from gevent import monkey\n"
        "monkey.patch_all()\n"
    ),
}
_NAP = {
    "patched": "time.sleep",
    "unpatched": "time.sleep",
    "gevent_sleep": "gevent.sleep",
    "from_import": "sleep",
}

_BODY = """\
import json
import sys
import threading
import time

import gevent

TASKS = sys.argv[1].split(",")
SLEEP = float(sys.argv[2])
START = time.monotonic()


def say(**record):
    print(json.dumps(record), flush=True)


def task(name):
    say(t=time.monotonic() - START, task=name, event="start",
        thread=threading.current_thread().name)
    {nap}(SLEEP)
    say(t=time.monotonic() - START, task=name, event="end",
        thread=threading.current_thread().name)


gevent.joinall([gevent.spawn(task, name) for name in TASKS])
say(elapsed_s=time.monotonic() - START, main_thread=threading.current_thread().name,
    sleep_function={nap}.__module__ + "." + {nap}.__qualname__,
    time_sleep=time.sleep.__module__ + "." + time.sleep.__qualname__,
    python=sys.version.split()[0], gevent=gevent.__version__)
"""


@dataclass(frozen=True)
class Plan:
    """What to run: how many tasks, each sleeping how many seconds."""

    tasks: int = 2
    sleep_s: float = 2.0

    @property
    def names(self) -> tuple[str, ...]:
        return TASK_NAMES[: self.tasks]

    def expected_s(self, variant: str) -> float:
        """The total a run should take, as taught: one sleep when the tasks overlap, N sleeps
        when they call a blocking sleep (the runs measure whether they do)."""
        return self.sleep_s * (self.tasks if variant in ("unpatched", "from_import") else 1)

    @property
    def timeout_s(self) -> float:
        return self.tasks * self.sleep_s + STARTUP_ALLOWANCE


@dataclass(frozen=True)
class Line:
    """One line a task printed: when (seconds since the child's start), who, what, which thread."""

    t: float
    task: str
    event: str  # "start" (about to sleep) or "end" (woke up)
    thread: str

    @property
    def label(self) -> str:
        return f"{self.task} {self.event}"


@dataclass(frozen=True)
class Run:
    """One variant's run, as the child measured it."""

    variant: str
    lines: tuple[Line, ...]
    elapsed_s: float  # from spawning the tasks to the end of joinall, in the child
    process_s: float  # the whole child process, Python start-up and imports included
    main_thread: str
    sleep_function: str  # what the tasks called, e.g. "gevent.hub.sleep" or "time.sleep"
    time_sleep: str  # what the module attribute time.sleep was at the end of the run
    python: str
    gevent: str

    @property
    def order(self) -> list[str]:
        return [line.label for line in self.lines]

    @property
    def threads(self) -> list[str]:
        """The thread names the tasks saw, first seen first."""
        return list(dict.fromkeys(line.thread for line in self.lines))

    @property
    def pattern(self) -> str:
        return pattern([line.event for line in self.lines], [line.task for line in self.lines])


def pattern(events: list[str], tasks: list[str]) -> str:
    """``interleaved`` (every task started before any ended), ``serial`` (each task ended before
    the next started), ``single`` (one task) or ``mixed``."""
    count = len(set(tasks))
    if count <= 1:
        return "single"
    if events[:count] == ["start"] * count:
        return "interleaved"
    pairs = list(zip(events[0::2], events[1::2], tasks[0::2], tasks[1::2], strict=False))
    if len(pairs) == count and all(p[:2] == ("start", "end") and p[2] == p[3] for p in pairs):
        return "serial"
    return "mixed"


class Observer(Protocol):
    """Who watches the runs as they happen (the live view); every method may do nothing."""

    def started(self, variant: str) -> None: ...

    def line(self, variant: str, line: Line) -> None: ...

    def finished(self, run: Run) -> None: ...


class Quiet:
    """An observer that watches nothing (``--json``)."""

    def started(self, variant: str) -> None:
        pass

    def line(self, variant: str, line: Line) -> None:
        pass

    def finished(self, run: Run) -> None:
        pass


def child_source(variant: str) -> str:
    """The program a child runs for ``variant``: the seed's tasks, printing JSON lines."""
    return _PROLOGUE[variant] + _BODY.format(nap=_NAP[variant])


def child_argv(variant: str, plan: Plan) -> list[str]:
    """``python -P -c PROGRAM TASKS SLEEP``; ``-P`` keeps the current folder off ``sys.path``,
    so a stray ``gevent.py`` or ``json.py`` there can't stand in for the real one."""
    return [
        sys.executable,
        "-P",
        "-c",
        child_source(variant),
        ",".join(plan.names),
        repr(plan.sleep_s),
    ]


def check_gevent() -> None:
    """Fail with advice when the children could not import gevent (this looks, never imports)."""
    if find_spec("gevent") is None:
        raise NetlabError(Note("errors.demo_gevent.no_gevent", {"python": sys.executable}))


def run_all(plan: Plan, observer: Observer | None = None) -> list[Run]:
    """Run every variant, one child process after the other, telling ``observer`` as it goes."""
    check_gevent()
    watcher = observer if observer is not None else Quiet()
    runs = []
    for variant in VARIANTS:
        watcher.started(variant)
        run = run_variant(variant, plan, partial(watcher.line, variant))
        watcher.finished(run)
        runs.append(run)
    return runs


def run_variant(
    variant: str,
    plan: Plan,
    on_line: Callable[[Line], None] | None = None,
    timeout_s: float | None = None,
) -> Run:
    """Start the child for ``variant``, pass each task line to ``on_line`` as it arrives, and
    return the run; the child is stopped and its pipes closed whatever happens (an error, a
    child that overruns ``timeout_s``, default ``plan.timeout_s``, or Ctrl-C)."""
    started = time.monotonic()
    deadline = started + (plan.timeout_s if timeout_s is None else timeout_s)
    proc = subprocess.Popen(
        child_argv(variant, plan),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        lines: list[Line] = []
        final: dict[str, Any] | None = None
        errors = bytearray()
        for name, raw in _output(proc, deadline, variant):
            if name == "stderr":
                errors = (errors + raw)[-STDERR_KEPT:]
                continue
            record = _record(variant, raw)
            if "task" in record:
                lines.append(_line(variant, record, raw))
                if on_line is not None:
                    on_line(lines[-1])
            else:
                final = record
        status = _wait(proc, deadline, variant)
        if status != 0 or final is None:
            raise _failed(variant, status, bytes(errors))
        return _run(variant, lines, final, time.monotonic() - started)
    finally:
        _stop(proc)


def _output(proc: subprocess.Popen, deadline: float, variant: str) -> Iterator[tuple[str, bytes]]:
    """The child's stdout lines (``("stdout", line)``) and stderr bytes as they come, until both
    pipes are closed."""
    assert proc.stdout is not None and proc.stderr is not None
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise _timeout(variant)
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data == "stderr":
                    yield "stderr", chunk
                else:
                    *complete, pending = (pending + chunk).split(b"\n")
                    yield from (("stdout", line) for line in complete if line.strip())
    if pending.strip():
        yield "stdout", pending


def _record(variant: str, raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise _unexpected(variant, raw)
    return record


def _line(variant: str, record: dict[str, Any], raw: bytes) -> Line:
    try:
        return Line(
            t=float(record["t"]),
            task=str(record["task"]),
            event=str(record["event"]),
            thread=str(record["thread"]),
        )
    except (KeyError, TypeError, ValueError):
        raise _unexpected(variant, raw) from None


def _run(variant: str, lines: list[Line], final: dict[str, Any], process_s: float) -> Run:
    try:
        return Run(
            variant=variant,
            lines=tuple(lines),
            elapsed_s=float(final["elapsed_s"]),
            process_s=process_s,
            main_thread=str(final["main_thread"]),
            sleep_function=str(final["sleep_function"]),
            time_sleep=str(final["time_sleep"]),
            python=str(final["python"]),
            gevent=str(final["gevent"]),
        )
    except (KeyError, TypeError, ValueError):
        raise _unexpected(variant, json.dumps(final).encode()) from None


def _wait(proc: subprocess.Popen, deadline: float, variant: str) -> int:
    try:
        return proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise _timeout(variant) from None


def _stop(proc: subprocess.Popen) -> None:
    """Kill the child if it still runs, reap it, close its pipes."""
    try:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
    finally:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def _label(variant: str) -> Note:
    return Note(f"demo.gevent.short.{variant}")


def _failed(variant: str, status: int, errors: bytes) -> NetlabError:
    lines = errors.decode("utf-8", "replace").strip().splitlines()
    detail = lines[-1] if lines else "-"
    return NetlabError(
        Note(
            "errors.demo_gevent.child_failed",
            {"variant": _label(variant), "status": status, "detail": detail[:200]},
        )
    )


def _timeout(variant: str) -> NetlabError:
    return NetlabError(Note("errors.demo_gevent.child_timeout", {"variant": _label(variant)}))


def _unexpected(variant: str, raw: bytes) -> NetlabError:
    shown = raw.decode("utf-8", "replace").strip()
    return NetlabError(
        Note("errors.demo_gevent.child_output", {"variant": _label(variant), "line": shown[:120]})
    )


if __name__ == "__main__":
    from netlab.cli.main import main

    sys.exit(main(["demo", "gevent", *sys.argv[1:]]))
