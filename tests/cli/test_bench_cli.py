"""``netlab bench io`` from the command line: bad input (exit 2, one line), the help, and a tiny
real run drawn in English and Chinese.

In-process runs use the ``run`` fixture (``netlab.cli.main.main`` with capsys). Bad input is
refused before any process starts; the tiny runs start real servers and a real load generator
on 127.0.0.1 (port 0), a few hundred messages each, and stop them all.
"""

from __future__ import annotations

import pytest

from netlab.bench import workload
from netlab.i18n import help_catalogue

PREFIX = "netlab: error: "
BENCH = ("bench", "io")
TINY = ("--clients", "3", "--messages", "10")


def _refused(run, *argv: str) -> str:
    status, out, err = run(*BENCH, *argv)
    assert status == 2, (argv, out, err)
    assert out == ""
    assert err.startswith(PREFIX), err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("--clients", "0"), "--clients: '0' is not valid; expected a whole number from 1 to 1000"),
        (("--clients", "1001"), "--clients: '1001'"),
        (("--clients", "many"), "--clients: 'many'"),
        (("--clients", "2.5"), "--clients: '2.5'"),
        (
            ("--messages", "-5"),
            "--messages: '-5' is not valid; expected a whole number from 1 to 100000",
        ),
        (("--messages", "0"), "--messages: '0'"),
        (("--messages", "100001"), "--messages: '100001'"),
        (
            ("--size", "0"),
            "--size: '0' is not valid; expected a whole number of bytes from 1 to 1048576",
        ),
        (("--size", "1048577"), "--size: '1048577'"),
        (("--size", "1MiB"), "--size: '1MiB'"),
        (
            ("--models", "fork"),
            "--models: 'fork' is not valid; expected a comma-separated list of threads, single,"
            " select, epoll, gevent, asyncio, or all",
        ),
        (("--models", "select,fork"), "--models: 'select,fork'"),
        (("--models", ""), "--models: ''"),
        (("--models", "select,,asyncio"), "--models: 'select,,asyncio'"),
        (("--models", "all,select"), "--models: 'all,select'"),
    ],
)
def test_bad_values_are_refused_with_exit_2(run, argv, fragment):
    assert fragment in _refused(run, *argv)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("--clients", "1000", "--messages", "1001"), "above the limit of 1000000 messages"),
        (
            ("--clients", "100", "--messages", "10000", "--size", "2000"),
            "above the limit of 1024 MiB",
        ),
        (
            ("--clients", "1000", "--size", "100000", "--messages", "1"),
            "above the limit of 64 MiB in flight",
        ),
    ],
)
def test_workloads_beyond_the_limits_are_refused(run, argv, fragment):
    assert fragment in _refused(run, *argv)


def test_unknown_option_is_a_usage_error(run):
    assert "--threads" in _refused(run, "--threads", "4")


def test_bad_input_in_chinese(run):
    err = _refused(run, "--size", "0", "--lang", "zh")
    assert "应为 1 到 1048576（1 MiB）之间的整数字节数" in err
    err = _refused(run, "--models", "fork", "--lang", "zh")
    assert "应为用逗号分隔的列表" in err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_limits_in_the_help_are_the_enforced_ones(lang):
    helps = help_catalogue(lang)
    assert f"1-{workload.MAX_CLIENTS}" in helps["help.bench.clients"]
    assert f"{workload.DEFAULT_CLIENTS}" in helps["help.bench.clients"]
    assert f"1-{workload.MAX_MESSAGES}" in helps["help.bench.messages"]
    assert f"{workload.DEFAULT_MESSAGES}" in helps["help.bench.messages"]
    assert f"1-{workload.MAX_SIZE}" in helps["help.bench.size"]
    assert f"{workload.DEFAULT_SIZE}" in helps["help.bench.size"]
    assert all(model in helps["help.bench.models"] for model in workload.MODELS)


def test_the_help_lists_the_options(run):
    status, out, _ = run(*BENCH, "--help")
    assert status == 0
    for option in ("--clients N", "--messages M", "--size BYTES", "--models LIST", "--json"):
        assert option in out
    assert "[default:" not in out  # the defaults are said in the help texts


def test_models_are_parsed_in_the_order_given_each_once():
    from netlab.cli.bench import models

    assert models("all") == workload.MODELS
    assert models(" Select , ASYNCIO,select") == ("select", "asyncio")
    assert models("gevent") == ("gevent",)


# -- tiny real runs --------------------------------------------------------------------------------


def test_a_tiny_run_draws_progress_table_chart_and_conclusion(run):
    status, out, err = run(*BENCH, *TINY, "--models", "single,select,asyncio")
    assert status == 0, err
    assert err == ""
    assert "netlab bench io: 3 clients x 10 messages of 64 bytes, against 3 I/O models" in out
    assert "Results: 3 clients x 10 messages of 64 bytes per model" in out
    assert "messages/s" in out and "max wait ms" in out and "RSS MiB" in out
    assert "Messages per second (a longer bar is faster)" in out
    assert "Conclusion" in out
    table = [
        line.split()
        for line in out.splitlines()
        if line.split()[:1] in (["single"], ["select"], ["asyncio"])
    ]
    rows = {cells[0]: cells for cells in table if len(cells) == 8}
    assert set(rows) == {"single", "select", "asyncio"}
    assert all(cells[-1] == "0" for cells in rows.values())  # no errors


def test_a_tiny_run_in_chinese(run):
    status, out, err = run(*BENCH, *TINY, "--models", "epoll", "--lang", "zh")
    assert status == 0, err
    assert "结果：每个模型 3 个客户端 x 每个 10 条消息，每条 64 字节" in out
    assert "每秒消息数（条越长越快）" in out
    assert "结论" in out


def test_a_tiny_run_as_json(run_json):
    doc = run_json(*BENCH, *TINY, "--models", "threads")
    assert doc["workload"] == {
        "clients": 3,
        "messages_per_client": 10,
        "size": 64,
        "messages": 30,
        "models": ["threads"],
    }
    (result,) = doc["results"]
    figures = (result["replies_ok"], result["wrong"], result["lost"], result["errors"])
    assert figures == (30, 0, 0, 0)
    assert doc["machine"]["cpus"] >= 1
