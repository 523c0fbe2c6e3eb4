"""The arithmetic of ``netlab bench io``: percentiles, rates, and the conclusion. Pure.

Owns ``percentile`` and ``rtt_summary`` (round trips in milliseconds), ``ModelRun`` (what one
model's run measured, as plain numbers) with the figures derived from them (messages/s, errors,
CPU per message), ``ranking`` and ``conclusion`` (two Notes whose every word that compares
models is chosen from the numbers). Takes numbers, returns numbers and Notes: no sockets, no
processes, no clock, no printing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from netlab.i18n import Note

#: Models whose messages/s differ by less than this fraction are "about as fast".
SAME_SPEED = 0.10
#: Server CPU times below this are too coarse to divide per message: the kernel counts CPU time
#: in clock ticks (10 ms on Linux), so a short run reads 0, 0.01 or 0.02 s.
MIN_CPU_S = 0.05
#: When the longest first-reply waits differ by this factor or more, the conclusion is about
#: waiting (a server that leaves clients unanswered); otherwise about the p99 round trip.
WAIT_APART = 3.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0..1) of ``values``; 0.0 for no values.

    Nearest rank: the smallest value with at least ``fraction`` of the values at or below it,
    so the result is always one of the measured values (p100 is the maximum).
    """
    if not values:
        return 0.0
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[rank - 1]


@dataclass(frozen=True)
class RttSummary:
    """Round-trip times of one run, in milliseconds."""

    count: int = 0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "count": self.count,
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "mean_ms": self.mean_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> RttSummary:
        return cls(
            count=int(data["count"]),
            p50_ms=float(data["p50_ms"]),
            p90_ms=float(data["p90_ms"]),
            p99_ms=float(data["p99_ms"]),
            max_ms=float(data["max_ms"]),
            mean_ms=float(data["mean_ms"]),
        )


def rtt_summary(seconds: Sequence[float]) -> RttSummary:
    """Percentiles, maximum and mean of round trips measured in seconds, in milliseconds
    (rounded to the microsecond)."""
    if not seconds:
        return RttSummary()
    ordered = sorted(seconds)

    def ms(value: float) -> float:
        return round(value * 1000, 3)

    return RttSummary(
        count=len(ordered),
        p50_ms=ms(percentile(ordered, 0.50)),
        p90_ms=ms(percentile(ordered, 0.90)),
        p99_ms=ms(percentile(ordered, 0.99)),
        max_ms=ms(ordered[-1]),
        mean_ms=ms(math.fsum(ordered) / len(ordered)),
    )


@dataclass(frozen=True)
class ModelRun:
    """What one model's run measured.

    ``replies_ok``: replies equal to the message upper-cased, in order; ``wrong``: other
    replies; ``lost``: messages never answered (a client failed, or the run gave up);
    ``failures``: why clients ended early, by reason. ``elapsed_s``: from the first connect to
    the last reply, in the load generator. ``rtt``: every message's round trip; ``wait``: each
    client's first reply, from the start of the run (how long the server left it unanswered).
    ``server_cpu_s``: user + system CPU of the server
    process while the load ran; ``server_peak_rss`` and ``server_ready_rss``: its resident
    memory at its peak and when it was ready, in bytes (None where /proc is missing).
    ``server_errors``: exceptions the server's handlers caught.
    """

    model: str
    clients: int
    messages_per_client: int
    size: int
    replies_ok: int
    wrong: int
    lost: int
    elapsed_s: float
    rtt: RttSummary
    wait: RttSummary
    server_cpu_s: float | None
    server_peak_rss: int | None
    server_ready_rss: int | None = None
    server_errors: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return self.clients * self.messages_per_client

    @property
    def errors(self) -> int:
        """Messages not answered correctly, plus the server's own errors."""
        return self.wrong + self.lost + self.server_errors

    @property
    def rate(self) -> float:
        """Correct replies per second."""
        return self.replies_ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def cpu_us_per_message(self) -> float | None:
        """Server CPU time per correct reply, in microseconds."""
        if self.server_cpu_s is None or not self.replies_ok:
            return None
        return self.server_cpu_s / self.replies_ok * 1e6

    @property
    def peak_rss_mib(self) -> float | None:
        return None if self.server_peak_rss is None else self.server_peak_rss / 1024**2


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or infinity when only the denominator is 0 (0 for 0/0)."""
    if denominator:
        return numerator / denominator
    return math.inf if numerator else 0.0


def ranking(runs: Sequence[ModelRun]) -> list[ModelRun]:
    """The runs, fastest (most messages/s) first; ties keep the order the models ran in."""
    return sorted(runs, key=lambda run: -run.rate)


def _label(model: str) -> Note:
    return Note(f"bench.model.short.{model}")


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def _times(value: float) -> str:
    """A ratio as a learner reads it: 1.3, 12, 850 (and >9999 for a division by almost 0)."""
    if value > 9999:
        return ">9999"
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def conclusion(runs: Sequence[ModelRun]) -> tuple[Note, Note]:
    """Two lines a learner can check against the table: who served the most messages per
    second and by how much (or that the models could not be told apart), then the round-trip
    tail and the CPU each message cost (or, when replies went missing, which models lost them).
    """
    if not runs:
        raise ValueError("no runs to conclude from")
    return _first_line(runs), _second_line(runs)


def _first_line(runs: Sequence[ModelRun]) -> Note:
    order = ranking(runs)
    fast, slow = order[0], order[-1]
    if len(runs) == 1:
        params = {"model": _label(fast.model), "rate": _rate(fast.rate)}
        return Note("bench.conclusion.one", {**params, "p99": _ms(fast.rtt.p99_ms)})
    if slow.rate <= 0:
        return Note(
            "bench.conclusion.none_served",
            {"slow": _label(slow.model), "fast": _label(fast.model), "rate": _rate(fast.rate)},
        )
    times = ratio(fast.rate, slow.rate)
    if times - 1 < SAME_SPEED:
        return Note(
            "bench.conclusion.close",
            {
                "count": len(runs),
                "percent": round((times - 1) * 100),
                "low": _rate(slow.rate),
                "high": _rate(fast.rate),
            },
        )
    return Note(
        "bench.conclusion.fastest",
        {
            "fast": _label(fast.model),
            "rate": _rate(fast.rate),
            "times": _times(times),
            "slow": _label(slow.model),
            "slow_rate": _rate(slow.rate),
        },
    )


def _measurable(cpu_s: float | None) -> bool:
    return cpu_s is not None and cpu_s >= MIN_CPU_S


def _second_line(runs: Sequence[ModelRun]) -> Note:
    failed = [run for run in runs if run.errors]
    if failed:
        worst = max(failed, key=lambda run: run.errors)
        return Note(
            "bench.conclusion.errors",
            {
                "count": len(failed),
                "model": _label(worst.model),
                "errors": worst.errors,
                "total": worst.messages,
            },
        )
    costs = [run for run in runs if _measurable(run.server_cpu_s)]
    cpu = Note("bench.conclusion.no_cpu")
    if any(run.server_cpu_s is not None for run in runs) and not costs:
        cpu = Note("bench.conclusion.cpu_short")
    if costs:
        thrifty = min(costs, key=lambda run: run.cpu_us_per_message or 0.0)
        params = {"model": _label(thrifty.model), "cpu_us": f"{thrifty.cpu_us_per_message:.0f}"}
        cpu = Note("bench.conclusion.cpu", params)
    if len(runs) == 1:
        run = runs[0]
        if costs and run.cpu_us_per_message is not None and run.peak_rss_mib is not None:
            params = {"cpu_us": f"{run.cpu_us_per_message:.0f}", "rss": f"{run.peak_rss_mib:.1f}"}
            cpu = Note("bench.conclusion.cost_one", params)
        return Note("bench.conclusion.wait_one", {"wait": _ms(run.wait.max_ms), "cpu": cpu})
    waits = sorted(runs, key=lambda run: run.wait.max_ms)
    if ratio(waits[-1].wait.max_ms, waits[0].wait.max_ms) >= WAIT_APART:
        low, high, key, figure = waits[0], waits[-1], "bench.conclusion.wait", "max_ms"
    else:
        tails = sorted(runs, key=lambda run: run.rtt.p99_ms)
        low, high, key, figure = tails[0], tails[-1], "bench.conclusion.tail", "p99_ms"
    worst = getattr(high.wait if figure == "max_ms" else high.rtt, figure)
    best = getattr(low.wait if figure == "max_ms" else low.rtt, figure)
    return Note(
        key,
        {
            "worst": _label(high.model),
            "worst_ms": _ms(worst),
            "times": _times(ratio(worst, best)),
            "best": _label(low.model),
            "best_ms": _ms(best),
            "cpu": cpu,
        },
    )
