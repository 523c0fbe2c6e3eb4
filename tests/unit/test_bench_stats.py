"""The arithmetic of ``netlab bench io`` (``netlab.bench.stats``), its workload rules, and what
the view draws from the figures: pure code, fed made-up runs, no process, no socket."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from netlab.bench import stats, workload
from netlab.bench.stats import ModelRun, RttSummary, conclusion, percentile, ratio, rtt_summary
from netlab.bench.workload import Workload, excess, message
from netlab.i18n import catalogue, render

# -- percentiles -----------------------------------------------------------------------------------


def test_percentile_is_the_nearest_rank():
    values = [15, 20, 35, 40, 50]  # the textbook example of the nearest-rank method
    assert percentile(values, 0.05) == 15
    assert percentile(values, 0.30) == 20
    assert percentile(values, 0.40) == 20
    assert percentile(values, 0.50) == 35
    assert percentile(values, 1.00) == 50
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile(list(range(1, 101)), 0.50) == 50


def test_percentile_of_nothing_is_zero_and_of_one_value_that_value():
    assert percentile([], 0.5) == 0.0
    assert percentile([7.5], 0.01) == 7.5
    assert percentile([7.5], 0.99) == 7.5


def test_percentile_does_not_care_about_order():
    assert percentile([50, 15, 40, 20, 35], 0.5) == 35


@pytest.mark.parametrize("fraction", [-0.1, 1.01])
def test_percentile_outside_0_to_1_is_refused(fraction):
    with pytest.raises(ValueError):
        percentile([1.0, 2.0], fraction)


@given(
    st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=200),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_percentile_is_a_measured_value_and_grows_with_the_fraction(values, a, b):
    low, high = sorted((a, b))
    assert percentile(values, low) in values
    assert percentile(values, low) <= percentile(values, high)
    assert min(values) <= percentile(values, low) <= max(values)
    assert percentile(values, 1.0) == max(values)


def test_rtt_summary_in_milliseconds():
    seconds = [0.001 * n for n in range(1, 101)]  # 1 ms .. 100 ms
    summary = rtt_summary(seconds)
    assert summary == RttSummary(
        count=100, p50_ms=50.0, p90_ms=90.0, p99_ms=99.0, max_ms=100.0, mean_ms=50.5
    )
    assert RttSummary.from_dict(summary.to_dict()) == summary
    assert rtt_summary([]) == RttSummary()


# -- one model's figures ---------------------------------------------------------------------------


def make_run(
    model: str,
    rate: float,
    *,
    p99: float = 2.0,
    wait: float = 5.0,
    cpu: float | None = 0.5,
    rss: int | None = 20 * 1024**2,
    wrong: int = 0,
    lost: int = 0,
    server_errors: int = 0,
    clients: int = 10,
    messages: int = 100,
) -> ModelRun:
    """A run of ``clients`` x ``messages`` that took the time ``rate`` messages/s gives."""
    ok = clients * messages - wrong - lost
    elapsed = ok / rate if rate else 1.0
    return ModelRun(
        model=model,
        clients=clients,
        messages_per_client=messages,
        size=64,
        replies_ok=ok,
        wrong=wrong,
        lost=lost,
        elapsed_s=elapsed,
        rtt=RttSummary(count=ok, p50_ms=p99 / 2, p90_ms=p99 * 0.8, p99_ms=p99, max_ms=p99 * 2),
        wait=RttSummary(count=clients, p50_ms=wait / 2, max_ms=wait),
        server_cpu_s=cpu,
        server_peak_rss=rss,
        server_ready_rss=None if rss is None else rss // 2,
        server_errors=server_errors,
    )


def test_a_runs_derived_figures():
    run = make_run("select", 50_000.0, cpu=0.25, wrong=2, lost=3, server_errors=1)
    assert run.messages == 1000
    assert run.replies_ok == 995
    assert run.errors == 6  # wrong + lost + the server's own
    assert run.rate == pytest.approx(50_000.0)
    assert run.cpu_us_per_message == pytest.approx(0.25 / 995 * 1e6)
    assert run.peak_rss_mib == pytest.approx(20.0)


def test_figures_that_could_not_be_measured_stay_unknown():
    run = make_run("select", 1000.0, cpu=None, rss=None)
    assert run.cpu_us_per_message is None
    assert run.peak_rss_mib is None
    nothing = make_run("select", 0.0, lost=1000)
    assert nothing.rate == 0.0
    assert nothing.cpu_us_per_message is None


def test_ratio_and_ranking():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) == math.inf
    assert ratio(0.0, 0.0) == 0.0
    runs = [make_run("a", 10.0), make_run("b", 30.0), make_run("c", 10.0), make_run("d", 20.0)]
    assert [run.model for run in stats.ranking(runs)] == ["b", "d", "a", "c"]  # ties keep order


# -- the conclusion --------------------------------------------------------------------------------


SIX = [
    make_run("threads", 40_000.0, p99=3.4, wait=34.0, cpu=0.55),
    make_run("single", 14_000.0, p99=0.12, wait=3400.0, cpu=1.2),
    make_run("select", 59_000.0, p99=3.0, wait=4.7, cpu=0.8),
    make_run("epoll", 52_000.0, p99=2.6, wait=4.3, cpu=0.64),
    make_run("gevent", 48_000.0, p99=5.3, wait=3.6, cpu=0.6),
    make_run("asyncio", 54_000.0, p99=2.9, wait=6.2, cpu=0.9),
]


def said(runs: list[ModelRun], lang: str = "en") -> list[str]:
    return [render(note, lang) for note in conclusion(runs)]


def test_the_conclusion_names_the_fastest_and_the_slowest_with_the_ratio():
    first, second = said(SIX)
    assert first == (
        "select served the most messages per second: 59,000, 4.2x as many as single, "
        "the slowest (14,000)."
    )
    # the waits are 3.6 ms to 3400 ms apart: the second line is about waiting
    assert second.startswith("single left a client waiting 3,400 ms for its first reply, 944x")
    assert "gevent's 3.60 ms" in second
    assert second.endswith("the least server CPU per message: threads, 550 microseconds.")


def test_the_conclusion_follows_the_numbers_not_the_model_names():
    swapped = [
        make_run("select", 10_000.0, wait=900.0, cpu=0.9),
        make_run("single", 45_000.0, wait=2.0, cpu=0.1),
    ]
    first, second = said(swapped)
    assert first.startswith("single served the most messages per second: 45,000, 4.5x")
    assert second.startswith("select left a client waiting 900 ms")
    assert "single, 100 microseconds" in second


def test_close_rates_are_said_to_be_close():
    runs = [make_run("select", 50_000.0), make_run("asyncio", 47_000.0)]
    assert said(runs)[0] == (
        "All 2 models served within 6% of each other (47,000 to 50,000 messages/s): "
        "this workload does not tell them apart (try more --clients)."
    )


def test_similar_waits_make_the_second_line_about_the_p99():
    runs = [make_run("select", 50_000.0, p99=1.5, wait=4.0), make_run("gevent", 30_000.0, p99=6.0)]
    second = said(runs)[1]
    assert second.startswith(
        "gevent had the slowest p99 round trip, 6.00 ms, 4.0x select's 1.50 ms"
    )


def test_errors_take_over_the_second_line():
    runs = [make_run("select", 50_000.0), make_run("gevent", 30_000.0, lost=40, wrong=2)]
    assert said(runs)[1] == (
        "1 model(s) had errors, gevent the most: 42 of 1000 messages not answered correctly, "
        "so its figures are not comparable."
    )


def test_a_model_that_served_nothing():
    runs = [make_run("select", 50_000.0), make_run("threads", 0.0, lost=1000)]
    assert (
        said(runs)[0]
        == "threads answered no message correctly, while select served 50,000 messages/s."
    )


def test_one_model_alone():
    first, second = said([make_run("epoll", 12_345.0, p99=1.25, wait=3.5, cpu=0.5)])
    assert first.startswith("epoll served 12,345 messages/s with a p99 round trip of 1.25 ms")
    assert second == (
        "Its longest wait for a first reply was 3.50 ms; its server spent 500 microseconds of "
        "CPU per message and held at most 20.0 MiB of memory."
    )


def test_without_proc_the_conclusion_says_so():
    runs = [make_run("select", 50_000.0, cpu=None), make_run("gevent", 20_000.0, cpu=None)]
    assert said(runs)[1].endswith("the server's CPU time could not be read here (no /proc).")


def test_cpu_times_of_a_few_clock_ticks_are_not_divided_per_message():
    runs = [make_run("select", 50_000.0, cpu=0.01), make_run("gevent", 20_000.0, cpu=0.0)]
    assert said(runs)[1].endswith(
        "the run was too short to tell the server CPU per message (the kernel counts CPU time "
        "in 10 ms ticks; try more --messages)."
    )
    alone = said([make_run("epoll", 5_000.0, cpu=0.02)])[1]
    assert "too short" in alone and "microseconds" not in alone
    mixed = [make_run("select", 50_000.0, cpu=0.01), make_run("gevent", 20_000.0, cpu=0.2)]
    assert said(mixed)[1].endswith("the least server CPU per message: gevent, 200 microseconds.")


def test_no_runs_no_conclusion():
    with pytest.raises(ValueError):
        conclusion([])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "runs",
    [
        SIX,
        SIX[:1],
        [make_run("select", 50_000.0), make_run("asyncio", 49_000.0)],
        [make_run("select", 50_000.0), make_run("threads", 0.0, lost=1000)],
        [make_run("select", 50_000.0, cpu=None), make_run("gevent", 20_000.0, cpu=None)],
        [make_run("epoll", 5_000.0, cpu=None, rss=None)],
        [make_run("select", 5_000.0, cpu=0.01), make_run("single", 2_000.0, cpu=0.0)],
        [make_run("select", 5_000.0, lost=3)],
    ],
    ids=["six", "one", "close", "none-served", "no-proc", "one-no-proc", "short", "one-lost"],
)
def test_every_conclusion_renders_in_both_languages(runs, lang):
    cat = catalogue(lang)
    for note in conclusion(runs):
        assert note.key in cat
        line = render(note, lang)
        assert "{" not in line and "}" not in line, line
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", line), line


# -- the workload ----------------------------------------------------------------------------------


def test_the_default_workload_is_within_every_limit():
    assert excess(Workload()) is None
    assert Workload().models == workload.MODELS
    assert Workload().total == workload.DEFAULT_CLIENTS * workload.DEFAULT_MESSAGES


@pytest.mark.parametrize(
    ("clients", "messages", "size", "key"),
    [
        (1000, 1001, 1, "bench.errors.total_messages"),
        (100, 10_000, 2000, "bench.errors.total_bytes"),
        (1000, 1, 100_000, "bench.errors.in_flight"),
    ],
)
def test_workloads_beyond_a_limit_are_named(clients, messages, size, key):
    found = excess(Workload(clients, messages, size))
    assert found is not None and found.key == key
    assert "{" not in render(found, "en") and "{" not in render(found, "zh")


def test_the_largest_workloads_just_within_the_limits_pass():
    assert excess(Workload(1000, 1000, 1)) is None  # 1,000,000 messages
    assert excess(Workload(64, 16, 1024 * 1024)) is None  # 1 GiB, 64 MiB in flight


@given(st.integers(1, 1000), st.integers(1, 100_000), st.integers(1, 4096))
def test_a_message_is_one_line_of_exactly_its_size(client, index, size):
    text = message(client, index, size)
    assert len(text) == size
    assert text.endswith(b"\n") and text.count(b"\n") == 1
    assert text == text.lower()
    if size >= 2:
        assert text.upper() != text  # a server that only echoes is caught


def test_messages_of_different_clients_and_indexes_differ():
    assert message(1, 2, 64) != message(2, 1, 64)
    assert message(1, 12, 64) != message(11, 2, 64)


# -- what the view draws from the figures ----------------------------------------------------------


def draw(renderable: object, width: int = 100) -> str:
    console = Console(record=True, color_system=None, width=width)
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_has_the_table_the_chart_and_the_conclusion(lang):
    from netlab.views import bench as view

    out = draw(view.report(Workload(10, 100, 64), SIX, lang, 100))
    for key in ("rate", "p50", "p99", "wait", "cpu", "rss", "errors"):
        assert catalogue(lang)[f"bench.table.{key}"] in out
    assert "59,000" in out and "3,400" in out and "0.12" in out
    assert catalogue(lang)["bench.chart.title"] in out
    assert catalogue(lang)["bench.conclusion.heading"] in out
    rows = [line for line in out.splitlines() if "█" in line]
    assert [line.split()[0] for line in rows] == [run.model for run in SIX]
    longest = max(rows, key=lambda line: line.count("█"))
    assert longest.split()[0] == "select" and longest.count("█") == view.BAR_MAX


def test_the_chart_falls_back_to_ascii():
    from netlab.views import bench as view

    out = draw(view.chart(SIX, "en", 100, ascii_only=True))
    assert "█" not in out and "#" * view.BAR_MAX in out
    assert out.isascii()


def test_bars_are_proportional_to_an_eighth_of_a_cell():
    from netlab.views.bench import bar

    assert bar(1.0, 10, False) == "█" * 10
    assert bar(0.5, 10, False) == "█" * 5
    assert bar(0.0125, 10, False) == "▏"
    assert bar(0.0, 10, False) == ""
    assert bar(0.55, 10, True) == "#" * 6


def test_the_json_document_has_every_figure():
    from netlab.views import bench as view

    doc = json.loads(view.to_json(Workload(10, 100, 64), SIX, {"cpus": 2}, "en"))
    assert doc["version"] == 1 and doc["benchmark"] == "io"
    assert doc["workload"]["messages"] == 1000
    assert doc["ranking"][0] == "select" and doc["ranking"][-1] == "single"
    assert len(doc["conclusion"]) == 2
    first = doc["results"][0]
    assert set(first) >= {
        "model",
        "messages",
        "replies_ok",
        "wrong",
        "lost",
        "errors",
        "server_errors",
        "elapsed_s",
        "messages_per_s",
        "rtt_ms",
        "wait_ms",
        "server_cpu_s",
        "server_cpu_us_per_message",
        "server_peak_rss_bytes",
        "server_ready_rss_bytes",
    }
    assert set(first["rtt_ms"]) == {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"}
    assert first["messages_per_s"] == pytest.approx(40_000.0)
