"""``netlab demo sticky`` from the command line: the report, ``--json``, bad input, Ctrl-C.

Runs in-process through ``netlab.cli.main.main`` (the ``run`` fixture); ``python -m
netlab.demos.sticky`` runs in a child process with a timeout. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from netlab.demos import sticky
from netlab.views import demo_sticky as view

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "


def test_default_run_shows_merging_and_splitting(run):
    status, out, err = run("demo", "sticky")
    assert status == 0, err
    assert err == ""
    assert "(1) Small messages merge" in out
    assert "(2) A large message splits" in out
    assert "b'hello-1hello-2hello-3'" in out  # the one recv() that returned all three
    assert "1024 + 1024 + 1024 + 1024 + 904 bytes" in out
    assert "(3)" not in out
    assert "TCP_NODELAY" in out


def test_fix_all_in_chinese(run):
    status, out, err = run("demo", "sticky", "--fix", "all", "--lang", "zh")
    assert status == 0, err
    for title in ("几条小消息粘在一起", "一条大消息被拆开", "4 字节长度报头", "再发数据"):
        assert title in out
    assert "struct.pack('!I', 7)" in out
    assert "b'\\x07\\x00\\x00\\x00'" in out or "b'\\x00\\x00\\x00\\x07'" in out


def test_json_has_every_chunk(run_json):
    doc = run_json("demo", "sticky", "--fix", "all", "--messages", "4")
    assert doc["version"] == 1 and doc["demo"] == "sticky"
    assert doc["server"].startswith("127.0.0.1:")
    parts = {p["name"]: p for p in doc["parts"]}
    assert list(parts) == ["merged", "split", "header", "ack"]
    merged = parts["merged"]
    recvs = [c for c in merged["chunks"] if c["call"] == "recv" and c["bytes"]]
    assert [c["text"] for c in recvs] == ["hello-1hello-2hello-3hello-4"]
    assert merged["send_calls"] == 4 and merged["recv_calls"] == 1
    assert not merged["boundaries_kept"]
    assert parts["split"]["recv_calls"] == 5
    header = parts["header"]
    assert header["boundaries_kept"] and header["received"] == header["sent"]
    first_send = header["chunks"][0]
    assert first_send["hex"] == (b"\x00\x00\x00\x07" + b"hello-1").hex()  # not text: has NULs
    ack = parts["ack"]
    assert ack["boundaries_kept"] and ack["round_trips"] == 5 == len(ack["round_trip_s"])
    for part in doc["parts"]:
        for chunk in part["chunks"]:
            assert chunk["side"] in ("client", "server") and chunk["call"] in ("send", "recv")
            assert ("text" in chunk) != ("hex" in chunk)
    assert doc["byte_order"]["network_I"] == "00000007"


def test_json_of_the_udp_run_holds_what_recvmsg_returned(run_json):
    doc = run_json("demo", "sticky", "--udp", "--messages", "3", "--size", "5000")
    assert doc["transport"] == "udp" and doc["nodelay"] is None
    parts = {p["name"]: p for p in doc["parts"]}
    assert list(parts) == ["datagrams", "truncated"]
    datagrams = parts["datagrams"]
    reads = [c for c in datagrams["chunks"] if c["call"] == "recvmsg" and c["bytes"]]
    assert [c["text"] for c in reads] == ["hello-1", "hello-2", "hello-3"]
    assert all(c["flags"] == [] for c in reads)
    assert datagrams["send_calls"] == 3 and datagrams["recv_calls"] == 3
    assert datagrams["boundaries_kept"]
    truncated = parts["truncated"]
    cut, after = [c for c in truncated["chunks"] if c["call"] == "recvmsg"]
    assert (cut["bytes"], cut["flags"]) == (1024, ["MSG_TRUNC"])
    if sys.platform.startswith("linux"):
        assert cut["datagram_bytes"] == 5000
    assert (after["bytes"], after["role"]) == (0, "empty")
    assert not truncated["boundaries_kept"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            ("UDP: small messages stay apart", "MSG_TRUNC: the datagram had 5000 bytes", "3976"),
        ),
        ("zh", ("UDP：几条小消息各自分开", "MSG_TRUNC：这个数据报有 5000 字节", "3976")),
    ],
)
def test_udp_report_in_both_languages(run, lang, words):
    status, out, err = run("demo", "sticky", "--udp", "--lang", lang)
    assert status == 0, err
    flat = "".join(out.split())  # lines wrap anywhere in Chinese
    for word in words:
        assert "".join(word.split()) in flat, word
    assert "TCP_NODELAY" not in out


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--fix", "header"), ("--udp", "--fix")),
        (("--size", "65508"), ("--size", "65508", "65507")),
        (("--host", "0.0.0.0"), ("--udp", "0.0.0.0", "loopback")),
    ],
    ids=["fix", "size", "host"],
)
def test_udp_refuses_what_udp_cannot_do(run, argv, named):
    status, out, err = run("demo", "sticky", "--udp", *argv)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    for part in named:
        assert part in lines[0], (part, lines[0])


def test_ack_fix_sends_a_four_byte_length(run_json):
    doc = run_json("demo", "sticky", "--fix", "ack", "--messages", "1", "--size", "300")
    lengths = [
        c for c in doc["parts"][0]["chunks"] if c["role"] == "length" and c["side"] == "client"
    ]
    assert [c["hex"] for c in lengths] == ["00000007", "0000012c"]  # struct.pack('!I', n)


def test_json_payloads_round_trip():
    for data in (b"hello", b"\x00\x00\x00\x05hello", "粘包".encode(), b"\xff\xfe", b""):
        encoded = view.payload(data)
        back = bytes.fromhex(encoded["hex"]) if "hex" in encoded else encoded["text"].encode()
        assert back == data and encoded["bytes"] == len(data)


def test_plain_ascii_report_when_the_terminal_cannot_do_more():
    result = sticky.run(sticky.Options(fix="all"))
    console = Console(file=io.StringIO(), record=True, color_system=None, width=80)
    console.print(view.report(result, "en", 80, ascii_only=True))
    printed = console.export_text()
    assert printed.isascii()
    assert "-> 3 send() calls" in printed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_non_loopback_warning_is_said_in_both_languages(lang):
    warning = view.host_warning("192.0.2.7", lang).plain
    assert "192.0.2.7" in warning and "{" not in warning


BAD = [
    (("--messages", "0"), "--messages"),
    (("--messages", "-1"), "--messages"),
    (("--messages", "101"), "--messages"),
    (("--messages", "three"), "--messages"),
    (("--size", "0"), "--size"),
    (("--size", "65537"), "--size"),
    (("--size", "1.5"), "--size"),
    (("--buffer", "0"), "--buffer"),
    (("--buffer", "99999999999999999999"), "--buffer"),
    (("--fix", "foo"), "--fix"),
    (("--port", "70000"), "--port"),
    (("--port", "-1"), "--port"),
    (("--host", "999.1.1.1"), "--host"),
    (("--host", "example"), "--host"),
    (("--lang", "fr"), "--lang"),
]


@pytest.mark.parametrize(("argv", "option"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(run, argv, option):
    status, out, err = run("demo", "sticky", *argv)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), err
    assert option in lines[0] and argv[1] in lines[0]
    assert "Traceback" not in err


def test_bad_input_in_chinese(run):
    status, _, err = run("demo", "sticky", "--messages", "0", "--lang", "zh")
    assert status == 2
    assert err.startswith(PREFIX) and "--messages" in err and "整数" in err


def test_port_in_use_is_exit_2(run):
    busy = socket.socket()
    try:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        status, out, err = run("demo", "sticky", "--port", port)
    finally:
        busy.close()
    assert status == 2 and out == ""
    assert err.startswith(PREFIX) and port in err and "in use" in err


def test_ctrl_c_exits_130_without_traceback(run, monkeypatch):
    def interrupted(sock, want, timeout=2.0):
        raise KeyboardInterrupt

    monkeypatch.setattr(sticky, "wait_queued", interrupted)
    status, _, err = run("demo", "sticky")
    assert status == 130
    assert err.strip().splitlines() == ["netlab: interrupted"]


def test_runs_as_a_module():
    env = {**os.environ, "NETLAB_LANG": "en", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "netlab.demos.sticky", "--fix", "header", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [p["name"] for p in doc["parts"]] == ["header"]
    assert doc["parts"][0]["boundaries_kept"]


def test_module_exit_status_for_bad_input():
    env = {**os.environ, "NETLAB_LANG": "en", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "netlab.demos.sticky", "--messages", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(PREFIX) and "Traceback" not in done.stderr
