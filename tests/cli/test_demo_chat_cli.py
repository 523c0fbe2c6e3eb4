"""``netlab demo chat`` from the command line: the scripted room, ``--json``, ``--server-only``
under Ctrl-C and SIGTERM, and every bad value ending in one ``netlab: error:`` line.

Scripted rooms run in-process (``run`` fixture); servers that would otherwise run until
interrupted run in a subprocess with a timeout. Sockets only on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from childproc import read_until
from rich.console import Console

from netlab.demos import chat

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "netlab: error: "
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def no_threads_left():
    before = set(threading.enumerate())
    yield
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def _env(lang: str = "en") -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NETLAB_LANG=lang, PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


def netlab(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        input="",
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    """A port nobody listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the scripted room -------------------------------------------------------------------------


def test_the_bots_room_prints_each_broadcast_and_a_verified_summary(run):
    status, out, err = run("demo", "chat")
    assert status == 0, err
    assert err == ""
    for expected in (
        "A chat room served by one thread",
        "1. alice joins the room (nobody here yet)",
        "3. carol joins (already here: alice, bob)",
        "4. a newcomer asks for the name bob",
        "that name is already taken",
        "5. alice: Hello, everyone!",
        "8. a stranger sends a frame that is not JSON",
        "12. alice leaves",
        "Every join, line and leave reached every other member exactly once",
        "What to remember",
    ):
        assert expected in out, expected
    assert out.count("delivered to: alice, bob") == 3  # carol's join and line, carol leaving


def test_the_bots_room_in_chinese(run):
    status, out, _ = run("demo", "chat", "--lang", "zh")
    assert status == 0
    assert "由单个线程服务的聊天室" in out
    assert "alice：大家好！" in out
    assert "送达：bob、carol" in out


def test_json_holds_the_transcript(run_json):
    doc = run_json("demo", "chat")
    assert doc["version"] == 1 and doc["demo"] == "chat"
    assert doc["verified"] is True
    assert (doc["messages"], doc["deliveries"], doc["extra"]) == (4, 14, 0)
    assert [s["action"] for s in doc["steps"]] == [
        *["join"] * 3,
        "taken",
        *["say"] * 3,
        "malformed",
        "say",
        *["leave"] * 3,
    ]
    assert doc["steps"][4]["delivered"] == ["bob", "carol"]
    assert doc["steps"][3]["reply"] == "name_taken"
    assert doc["address"].startswith("127.0.0.1:")
    assert doc["rounds"] > 0 and doc["elapsed_s"] > 0


def test_a_step_view_in_plain_ascii():
    from netlab.views.demo_chat import bot_step

    step = chat.BotStep(5, "alice", "say", "hi", ("bob", "carol"), ("bob",))
    con = Console(record=True, color_system=None, width=80)
    con.print(bot_step(step, "en", ascii_only=True))
    lines = [line.rstrip() for line in con.export_text().splitlines()]
    assert lines == [" 5. alice: hi", "    -> delivered to: bob  never reached: carol"]


def test_the_public_address_warning_is_said_in_both_languages():
    from netlab.views.demo_chat import public_warning

    assert "not a loopback address" in public_warning("192.0.2.1", "en").plain
    assert CJK.search(public_warning("192.0.2.1", "zh").plain)


def test_python_m_netlab_demos_chat_help_in_chinese():
    done = subprocess.run(
        [sys.executable, "-m", "netlab.demos.chat", "--lang", "zh", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--server-only", "--name", "--host", "--port", "--json"):
        assert option in done.stdout
    assert "由单个线程服务的聊天室" in done.stdout


# -- --server-only -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_server_only_serves_until_interrupted(how):
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "demo", "chat", "--server-only"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )
    seen = bytearray()
    client = None
    try:
        listening = re.compile(rb"^listening on 127\.0\.0\.1:(\d+)\n")
        found = listening.search(read_until(proc, listening, seen=seen))
        port = int(found.group(1))
        client, members = chat.join_room("127.0.0.1", port, "visitor")
        assert members == []
        client.say("anyone?")
        read_until(proc, b"visitor: anyone?", seen=seen)
        proc.send_signal(how)
        _, err = proc.communicate(timeout=20)
        assert client.leave(5) == []  # the server closed our connection
        assert not client.open
    finally:
        if client is not None:
            client.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert err.decode().strip().splitlines() == ["netlab: interrupted"]
    assert b"visitor joined from 127.0.0.1:" in seen


def test_server_only_on_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = netlab("demo", "chat", "--server-only", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{PREFIX}port {port} on 127.0.0.1 is already in use (Address already in use); "
        "choose another --port, or 0 for any free port"
    ]
    assert done.stdout == ""


def test_joining_where_no_room_runs_fails_with_status_1(run):
    port = free_port()
    status, out, err = run("demo", "chat", "--name", "alice", "--port", str(port))
    assert status == 1
    assert out == ""
    assert err.startswith(f"{PREFIX}cannot connect to 127.0.0.1:{port} (")
    assert "netlab demo chat --server-only" in err
    assert len(err.splitlines()) == 1


# -- bad input ---------------------------------------------------------------------------------

BAD = [
    pytest.param(("--port", "70000"), ("--port", "70000"), id="port-too-big"),
    pytest.param(("--port", "-1"), ("--port", "-1"), id="port-negative"),
    pytest.param(("--port", "eighty"), ("--port", "eighty"), id="port-word"),
    pytest.param(("--host", "999.1.1.1"), ("--host", "999.1.1.1"), id="host-bad-octet"),
    pytest.param(("--host", "example.com"), ("--host", "example.com"), id="host-name"),
    pytest.param(("--name", "", "--port", "1"), ("--name", "''"), id="name-empty"),
    pytest.param(("--name", "   ", "--port", "1"), ("--name",), id="name-blank"),
    pytest.param(("--name", "x" * 21, "--port", "1"), ("--name", "x" * 21), id="name-21"),
    pytest.param(("--name", "a\tb", "--port", "1"), ("--name",), id="name-control"),
    pytest.param(("--name", "x" * 5000, "--port", "1"), ("--name",), id="name-huge"),
    pytest.param(("--name", "alice"), ("--name", "--port"), id="name-without-port"),
    pytest.param(("--name", "alice", "--port", "0"), ("--port", "'0'"), id="client-port-0"),
    pytest.param(("--server-only", "--name", "a"), ("--server-only", "--name"), id="two-modes"),
    pytest.param(("--server-only", "--json"), ("--json", "--server-only"), id="json-server"),
    pytest.param(("--name", "a", "--json"), ("--json", "--name"), id="json-client"),
    pytest.param(("--lang", "fr"), ("--lang", "fr"), id="lang-fr"),
    pytest.param(("--rooms", "2"), ("--rooms",), id="unknown-option"),
]


@pytest.mark.parametrize(("argv", "named"), BAD)
def test_bad_input_is_one_line_and_status_2(run, argv, named):
    status, out, err = run("demo", "chat", *argv)
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX)
    assert "Traceback" not in err
    for word in named:
        assert word in lines[0], (word, lines[0])


def test_a_bad_name_in_chinese(run):
    status, _, err = run("demo", "chat", "--lang", "zh", "--name", "x" * 21, "--port", "1")
    assert status == 2
    assert err.startswith(PREFIX + "--name：")
    assert "1 到 20 个可打印字符" in err


def test_a_name_is_trimmed_and_may_be_chinese():
    server, thread = chat.start_server()
    bob = None
    try:
        bob, _ = chat.join_room(*server.address, "bob")
        port = str(server.address[1])
        done = netlab("demo", "chat", "--name", " 小明 ", "--port", port)  # stdin: empty
        assert done.returncode == 0, done.stderr
        assert "You are in the room at 127.0.0.1:" in done.stdout
        assert "as 小明. Already here: bob." in done.stdout
        assert bob.leave(5) == [
            {"type": "joined", "name": "小明"},
            {"type": "left", "name": "小明"},
        ]
    finally:
        if bob is not None:
            bob.close()
        server.stop()
        thread.join(5)
