"""The I/O models of ``netlab bench io`` on the default workload, and select against asyncio.

Runs ``netlab.bench.runner.run_all`` on the default workload (100 clients x 500 messages of 64
bytes, every model, each server in its own process on 127.0.0.1, the load generator in another)
``--runs`` times (default 3; each run goes through all the models, so a slow moment of the
machine hurts every model alike), and prints, as a Markdown table ready for the README, each
model's median messages/s with the p50 and p99 round trip, longest wait, server CPU and peak RSS
of its median run; then the ratio of the select server's messages/s to the asyncio server's in
each run (the same run: the same minute of the same machine) and their median, against the
target of at least 0.7x. It reports, it does not gate: the exit status is 1 only when a reply
was wrong or missing. About 25 s on a 2-core machine with the default three runs.

    python benchmarks/io_models.py [--runs R] [--clients N] [--messages M] [--size BYTES]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netlab.bench import runner, workload
from netlab.bench.stats import ModelRun, ratio

TARGET = 0.7  # select's messages/s at least this fraction of asyncio's


def median_run(runs: list[ModelRun]) -> ModelRun:
    """The run with the median messages/s (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda run: run.rate)
    return ordered[(len(ordered) - 1) // 2]


def row(run: ModelRun, rates: list[float]) -> str:
    cpu = "-" if run.server_cpu_s is None else f"{run.server_cpu_s:.2f}"
    rss = "-" if run.peak_rss_mib is None else f"{run.peak_rss_mib:.1f}"
    cells = [
        f"`{run.model}`",
        f"{statistics.median(rates):,.0f}",
        f"{run.rtt.p50_ms:.2f}",
        f"{run.rtt.p99_ms:.2f}",
        f"{run.wait.max_ms:,.1f}",
        cpu,
        rss,
        str(run.errors),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=workload.DEFAULT_CLIENTS)
    parser.add_argument("--messages", type=int, default=workload.DEFAULT_MESSAGES)
    parser.add_argument("--size", type=int, default=workload.DEFAULT_SIZE)
    args = parser.parse_args()
    plan = workload.Workload(args.clients, args.messages, args.size)
    print(
        f"netlab bench io: {plan.clients} clients x {plan.messages} messages of {plan.size} "
        f"bytes, {len(plan.models)} models, {args.runs} run(s); medians"
    )
    machine = runner.machine()
    print(
        f"{machine['implementation']} {machine['python']} on {machine['system']} "
        f"{machine['machine']}, {machine['cpus']} CPUs"
    )
    by_model: dict[str, list[ModelRun]] = {model: [] for model in plan.models}
    ratios = []
    started = time.monotonic()
    for number in range(1, args.runs + 1):
        begun = time.monotonic()
        runs = {run.model: run for run in runner.run_all(plan)}
        for model, run in runs.items():
            by_model[model].append(run)
        ratios.append(ratio(runs["select"].rate, runs["asyncio"].rate))
        print(
            f"run {number}: {time.monotonic() - begun:.1f} s; select {runs['select'].rate:,.0f}/s,"
            f" asyncio {runs['asyncio'].rate:,.0f}/s, ratio {ratios[-1]:.2f}x",
            flush=True,
        )
    print(f"all runs: {time.monotonic() - started:.1f} s\n")
    columns = ["model", "messages/s", "p50 ms", "p99 ms", "max wait ms", "server CPU s"]
    columns += ["peak RSS MiB", "errors"]
    print("| " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * (len(columns) - 1))
    for runs in by_model.values():
        print(row(median_run(runs), [run.rate for run in runs]))
    middle = statistics.median(ratios)
    verdict = "met" if middle >= TARGET else "NOT MET"
    print(
        f"\nselect / asyncio messages/s: {', '.join(f'{r:.2f}x' for r in ratios)} "
        f"(median {middle:.2f}x; target >= {TARGET}x: {verdict})"
    )
    print(f"measured {time.strftime('%Y-%m-%d')}, {platform.platform(terse=True)}")
    ok = all(not run.errors for runs in by_model.values() for run in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
