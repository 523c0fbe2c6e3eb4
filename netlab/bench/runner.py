"""One ``netlab bench io`` run: every model in turn, its server and the load in child processes.

Owns ``run_all``, ``run_model`` and ``machine`` (what the run ran on). ``run_model``: start the
model's server and wait for its port, read the server's CPU time, start the load generator and
pass its progress to an ``Observer``, read the server's CPU time and memory again once the load
has ended, stop the server (it reports the errors its handlers caught), and return a
``stats.ModelRun``. Models run one after the other,
never side by side, so each server has the machine's other core to itself while the load
generator uses one. Whatever happens (an error, Ctrl-C, SIGTERM) every child is stopped and
reaped before the exception goes on. No printing: the observer (the view) shows the progress.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from typing import Any, Protocol

from netlab.bench import children
from netlab.bench.children import Child, ChildFailed
from netlab.bench.stats import ModelRun, RttSummary
from netlab.bench.workload import Workload
from netlab.errors import NetlabError
from netlab.i18n import Note

SERVER_START = 30.0  # seconds a server may take to import and listen (gevent on a slow disk)
SERVER_STOP = 5.0  # seconds it may take to stop and report after its stdin closed


class Observer(Protocol):
    """Who watches the run as it happens (the progress bars); every method may do nothing."""

    def started(self, model: str, total: int) -> None: ...

    def progress(self, model: str, done: int) -> None: ...

    def finished(self, run: ModelRun) -> None: ...


class Quiet:
    """An observer that watches nothing (``--json``, the tests)."""

    def started(self, model: str, total: int) -> None:
        pass

    def progress(self, model: str, done: int) -> None:
        pass

    def finished(self, run: ModelRun) -> None:
        pass


def run_all(workload: Workload, observer: Observer | None = None) -> list[ModelRun]:
    """Run every model of ``workload`` in order, telling ``observer`` as it goes."""
    if "gevent" in workload.models:
        from netlab.demos.gevent_tasks import check_gevent  # looks for gevent, never imports it

        check_gevent()
    watcher = observer if observer is not None else Quiet()
    runs = []
    for model in workload.models:
        watcher.started(model, workload.total)
        run = run_model(model, workload, lambda done, m=model: watcher.progress(m, done))
        watcher.finished(run)
        runs.append(run)
    return runs


def machine() -> dict[str, Any]:
    """What the figures were measured on (they mean little without it)."""
    return {
        "cpus": os.cpu_count(),
        "system": platform.system(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def run_model(
    model: str, workload: Workload, on_progress: Callable[[int], None] | None = None
) -> ModelRun:
    """Serve ``workload`` with ``model``'s server and measure it (see the module's docstring)."""
    started: list[Child] = []
    try:
        server = Child(children.server_argv(model, workload.size))
        started.append(server)
        port = int(_expect(server, "port", SERVER_START, model, "server"))
        before = children.usage(server.pid)
        load = Child(children.load_argv(port, workload.clients, workload.messages, workload.size))
        started.append(load)
        result = _drive(load, model, on_progress)
        after = children.usage(server.pid)
        load.stop(grace=SERVER_STOP)
        server.close_stdin()
        stopped = _expect(server, "stopped", SERVER_STOP, model, "server")
        server.stop(grace=SERVER_STOP)
    finally:
        for child in reversed(started):
            child.stop()
    return _model_run(model, workload, result, before, after, stopped)


def _expect(child: Child, key: str, timeout: float, model: str, role: str) -> Any:
    try:
        return child.expect(key, timeout)
    except ChildFailed as exc:
        raise _failed(model, role, exc) from None


def _drive(load: Child, model: str, on_progress: Callable[[int], None] | None) -> dict[str, Any]:
    """Pass the load generator's progress on until its result arrives."""
    while True:
        try:
            record = load.record(children.LOAD_SILENCE)
        except ChildFailed as exc:
            raise _failed(model, "load", exc) from None
        if record is None:
            load.wait(2.0)
            raise _failed(model, "load", ChildFailed("exited", load.stderr_tail()))
        if "done" in record and on_progress is not None:
            on_progress(int(record["done"]))
        if "result" in record:
            return dict(record["result"])


def _failed(model: str, role: str, exc: ChildFailed) -> NetlabError:
    key = "bench.errors.silent" if exc.reason == "silent" else "bench.errors.child_failed"
    detail = exc.stderr.strip() or "-"
    return NetlabError(
        Note(key, {"model": model, "role": Note(f"bench.role.{role}"), "detail": detail[:300]})
    )


def _model_run(
    model: str,
    workload: Workload,
    result: dict[str, Any],
    before: children.Usage,
    after: children.Usage,
    stopped: dict[str, Any],
) -> ModelRun:
    cpu = None
    if before.cpu_s is not None and after.cpu_s is not None:
        cpu = round(after.cpu_s - before.cpu_s, 3)
    return ModelRun(
        model=model,
        clients=workload.clients,
        messages_per_client=workload.messages,
        size=workload.size,
        replies_ok=int(result["replies_ok"]),
        wrong=int(result["wrong"]),
        lost=int(result["lost"]),
        elapsed_s=float(result["elapsed_s"]),
        rtt=RttSummary.from_dict(result["rtt"]),
        wait=RttSummary.from_dict(result["wait"]),
        server_cpu_s=cpu,
        server_peak_rss=after.peak_rss,
        server_ready_rss=before.rss,
        server_errors=int(stopped.get("errors", 0)),
        failures={str(k): int(v) for k, v in dict(result.get("failures", {})).items()},
    )
