"""``netlab simulate handshake|close|tcp --live`` from the command line.

Bad input first (it needs no kernel): every option without a real counterpart exits 2 with one
line ``netlab: error: --X cannot be used with --live``, also when its value is the default;
a system without /proc/net/tcp exits 2 (played by pointing netlab's /proc elsewhere). Then
runs on the real kernel (Linux; skipped elsewhere, never under CI): the ``--json`` document is
the version-3 contract plus ``kernel_states`` on each step and a ``live`` object, and a run
without permission to capture (played with ``NETLAB_LIVE_NO_CAPTURE=1``) says once what it
cannot show and why, writes no pcap, and still shows the states.
"""

from __future__ import annotations

import os
import re
import sys

import pytest
from contract import STEP_KEYS

from netlab.live import proc_tcp

PREFIX = "netlab: error: "
HS = ("simulate", "handshake", "--live")
CLOSE = ("simulate", "close", "--live")
TCP = ("simulate", "tcp", "--live")
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture
def linux() -> None:
    if not sys.platform.startswith("linux") or not proc_tcp.available():
        reason = f"not Linux ({sys.platform}): there is no /proc/net/tcp"
        if IN_CI:
            pytest.fail(f"{reason}; under CI (CI=true) these tests must run", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def no_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETLAB_LIVE_NO_CAPTURE", "1")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        pytest.param((*HS, "--lose", "syn"), "--lose", id="hs-lose"),
        pytest.param((*HS, "--lose", "bogus"), "--lose", id="hs-lose-bogus"),
        pytest.param((*HS, "--lose-times", "2"), "--lose-times", id="hs-lose-times"),
        pytest.param((*HS, "--isn-client", "7"), "--isn-client", id="hs-isn-client"),
        pytest.param((*HS, "--isn-server", "7"), "--isn-server", id="hs-isn-server"),
        pytest.param((*HS, "--client", "10.0.0.1:5000"), "--client", id="hs-client"),
        pytest.param((*HS, "--server", "203.0.113.10:80"), "--server", id="hs-server-default"),
        pytest.param((*HS, "--rtt", "0.02"), "--rtt", id="hs-rtt-default"),
        pytest.param((*HS, "--seed", "1"), "--seed", id="hs-seed"),
        pytest.param((*HS, "--step"), "--step", id="hs-step"),
        pytest.param((*CLOSE, "--lose", "fin"), "--lose", id="close-lose"),
        pytest.param((*CLOSE, "--msl", "30"), "--msl", id="close-msl-default"),
        pytest.param((*CLOSE, "--half-close", "--isn-server", "1"), "--isn-server", id="close-isn"),
        pytest.param((*TCP, "--msl", "1"), "--msl", id="tcp-msl"),
        pytest.param((*TCP, "--data", "x", "--seed", "3"), "--seed", id="tcp-seed"),
        pytest.param(("simulate", "tcp", "--rtt", "1", "--live"), "--rtt", id="tcp-live-last"),
        pytest.param((*HS, "--stack", "linux"), "--stack", id="hs-stack-default"),
        pytest.param((*CLOSE, "--stack", "minimal"), "--stack", id="close-stack-minimal"),
        pytest.param((*TCP, "--nodelay"), "--nodelay", id="tcp-nodelay"),
    ],
)
def test_options_without_a_real_counterpart(run, argv, option):
    status, out, err = run(*argv)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{PREFIX}{option} cannot be used with --live")
    assert "Traceback" not in err


def test_the_error_speaks_chinese(run):
    status, out, err = run("--lang", "zh", *HS, "--lose", "ack")
    assert status == 2 and out == ""
    assert err.startswith(f"{PREFIX}--lose 不能与 --live 一起使用")


def test_the_usual_checks_still_apply(run):
    status, _out, err = run(*CLOSE, "--merge", "--half-close")
    assert status == 2
    assert "--merge" in err and "--half-close" in err
    status, _out, err = run(*CLOSE, "--initiator", "nobody")
    assert status == 2 and "--initiator" in err
    status, _out, err = run(*HS, "--json", "--detail")
    assert status == 2 and "--detail" in err


def test_a_system_without_proc_net_tcp(run, monkeypatch, tmp_path):
    """macOS and Windows have no /proc/net/tcp: exit 2, saying so, before any socket."""
    monkeypatch.setattr(proc_tcp, "PROC_ROOT", tmp_path)
    for argv in (HS, CLOSE, TCP):
        status, out, err = run(*argv)
        assert status == 2
        assert out == ""
        assert err.startswith(f"{PREFIX}--live needs the kernel's TCP table")
        assert "only Linux" in err
        assert len(err.strip().splitlines()) == 1


# -- real runs ----------------------------------------------------------------------------------


def check_document(doc: dict, scenario: str) -> None:
    assert doc["version"] == 4
    assert doc["scenario"] == scenario
    for step in doc["steps"]:
        assert set(step) == STEP_KEYS | {"kernel_states"}
        assert isinstance(step["kernel_states"], dict)
        assert set(step["kernel_states"]) <= {"client", "server"}
    live = doc["live"]
    assert {
        "variant",
        "client",
        "server",
        "calls",
        "capture",
        "capture_problem",
        "captured",
    } <= set(live)
    assert live["client"]["ip"] == live["server"]["ip"] == "127.0.0.1"
    ports = {n["name"]: n["port"] for n in doc["nodes"]}
    assert ports == {"client": live["client"]["port"], "server": live["server"]["port"]}


def test_handshake_json(linux, run_json):
    doc = run_json(*HS)
    check_document(doc, "handshake")
    # the handshake's last step is where the kernel was read after connect()
    assert doc["steps"][-1]["kernel_states"] == {"client": "ESTABLISHED", "server": "ESTABLISHED"}
    calls = doc["live"]["calls"]
    assert [c["call"] for c in calls] == ["listen", "connect", "accept"]
    assert calls[0]["kernel"] == {"client": "CLOSED", "server": "LISTEN"}
    assert calls[1]["passed"] == {"client": ["SYN-SENT"], "server": ["SYN-RECEIVED"]}
    assert all(c["differences"] == [] for c in calls)
    if doc["live"]["capture"]:
        flags = [s["tcp"]["flags"] for s in doc["live"]["captured"]]
        assert flags == ["S", "SA", "A"]
        isns = doc["live"]["isns"]
        assert [s["tcp"]["seq"] for s in doc["steps"]] == [
            isns["client"],
            isns["server"],
            isns["client"] + 1,
        ]


def test_close_json_names_time_wait(linux, run_json):
    doc = run_json(*CLOSE, "--initiator", "server")
    check_document(doc, "close")
    last = doc["steps"][-1]
    assert last["states"] == {"client": "CLOSED", "server": "CLOSED"}
    assert last["kernel_states"] == {"client": "CLOSED", "server": "TIME-WAIT"}
    end = doc["live"]["calls"][-1]
    assert end["call"] == "end"
    assert [(d["side"], d["reason"]) for d in end["differences"]] == [("server", "time_wait_60s")]
    assert "60 s" in end["differences"][0]["note"]


def test_without_capture_permission(linux, no_capture, run, load_json, tmp_path):
    pcap = tmp_path / "close.pcap"
    status, out, err = run(*CLOSE, "--half-close", "--json", "--pcap", str(pcap))
    assert status == 0, err
    doc = load_json(out)
    check_document(doc, "close")
    assert doc["live"]["capture"] is False and doc["live"]["captured"] is None
    assert "NETLAB_LIVE_NO_CAPTURE=1" in doc["live"]["capture_problem"]
    # said once, on stderr next to --json, naming what is skipped
    assert err.count("cannot capture the segments on lo") == 1
    assert "--pcap" in err
    assert not pcap.exists()
    # the states are still there
    kernels = [c["kernel"] for c in doc["live"]["calls"]]
    assert kernels[1] == {"client": "FIN-WAIT-2", "server": "CLOSE-WAIT"}


def test_text_report_without_capture(linux, no_capture, run):
    status, out, err = run(*TCP, "--data", "hello", "--reply", "world")
    assert status == 0, err
    assert out.count("cannot capture the segments on lo") == 1
    assert "Model next to the kernel: A whole TCP connection" in out
    call = re.search(r"client: send\(\)\s+(?:5 bytes|ESTABLISHED[^\n]*\n\s+5 bytes)", out)
    assert call, out  # "5 bytes" on the call's line, or under it when the cell wraps
    assert "Differences, and why" in out
    assert "TIME-WAIT for 60 s" in out
    assert "Captured on lo" not in out


def test_text_report_in_chinese(linux, no_capture, run):
    status, out, err = run("--lang", "zh", *CLOSE, "--simultaneous")
    assert status == 0, err
    assert "模型与内核对照" in out
    assert "差异及其原因" in out
    assert out.count("netlab 无法在 lo 上抓取报文段") == 1
