"""``netlab demo select`` from the command line: the live view, --json, --server-only, bad input,
Ctrl-C and SIGTERM.

In-process runs use the ``run`` fixture (``netlab.cli.main.main`` with capsys); the server-only
and interrupt cases run ``python -m netlab`` in a subprocess with timeouts and are always
reaped. Every server listens on 127.0.0.1 with port 0 (the kernel picks a free port).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from childproc import read_until

from netlab.demos.listen import is_loopback
from netlab.views import demo_select as view

PREFIX = "netlab: error: "
REPO = Path(__file__).resolve().parents[2]
DEMO = ("demo", "select")
SMALL = ("--clients", "3", "--messages", "2")


# -- the demo in-process -------------------------------------------------------------------------


def test_default_run_shows_rounds_and_a_verified_summary(run):
    status, out, err = run(*DEMO, *SMALL)
    assert status == 0, err
    assert err == ""
    assert "select() server on 127.0.0.1:" in out
    assert re.search(r"round 1, [\d.]+ s: select\(read 1, write 0\) → readable listener", out)
    assert "accept() #3 from 127.0.0.1:" in out
    # each message is written in two pieces, and what one recv() returned goes back as it is
    assert re.search(r"recv\(\) from #1: (21|30) bytes 'hello from client 1, (message 1)?'", out)
    assert re.search(r"send\(\) to #1: (21|30) bytes 'HELLO FROM CLIENT 1, (MESSAGE 1)?'", out)
    assert "closed: the client closed its side" in out
    assert re.search(r"replies verified\s+6 of 6", out)
    assert re.search(r"lost\s+0", out)
    assert re.search(r"server answers\s+each recv\(\) as it came", out)
    assert re.search(r"send\(\) calls\s+clients 12, server \d+", out)
    assert "Every reply was its message upper-cased" in out
    assert "TCP keeps the bytes and their order, not the writes" in " ".join(out.split())


def test_lines_mode_answers_whole_lines(run):
    status, out, err = run(*DEMO, *SMALL, "--lines")
    assert status == 0, err
    assert "answers the whole line upper-cased" in " ".join(out.split())
    assert re.search(r"'hello from client 1, message 1'", out)  # a complete line is shown whole
    assert re.search(r"'HELLO FROM CLIENT 1, MESSAGE 1'", out)
    assert re.search(r"server answers\s+whole lines \(--lines\)", out)
    assert re.search(r"replies verified\s+6 of 6", out)


def test_json_summary_has_the_promised_fields(run_json):
    doc = run_json(*DEMO, *SMALL, "--backend", "poll")
    for key in ("clients", "messages", "replies_ok", "lost", "rounds", "elapsed_s"):
        assert key in doc, key
    assert (doc["clients"], doc["messages"], doc["replies_ok"], doc["lost"]) == (3, 6, 6, 0)
    assert doc["backend"] == "poll"
    assert doc["rounds"] > 0 and doc["elapsed_s"] > 0
    assert doc["mode"] == "chunks"
    assert doc["client_send_calls"] == 12  # two send() calls per message
    assert doc["server_recv_calls"] >= 6 and doc["client_recv_calls"] >= 6
    assert doc["server_send_calls"] >= 6
    lines = run_json(*DEMO, *SMALL, "--lines")
    assert (lines["mode"], lines["replies_ok"], lines["lost"]) == ("lines", 6, 0)


def test_chinese_output(run):
    status, out, err = run(*DEMO, "--clients", "2", "--messages", "1", "--lang", "zh")
    assert status == 0, err
    assert "第 1 轮" in out and "汇总" in out
    assert re.search(r"验证通过的回复\s+2 / 2", out)


def test_many_rounds_are_cut_but_counted(run):
    status, out, err = run(*DEMO, "--clients", "150", "--messages", "2", "--backend", "epoll")
    assert status == 0, err
    assert "the first 400 lines are shown" in out
    assert re.search(r"replies verified\s+300 of 300", out)


def test_the_round_log_shows_each_chunk_as_it_came():
    from netlab.demos.select_server import Event

    def line(event: Event, lang: str = "en", lines: bool = False) -> str:
        shown = view.event_line(event, lang, lines=lines)
        assert shown is not None
        return shown.plain

    assert line(Event("read", 0.1, 2, conn=1, nbytes=1, data=b"h")) == "recv() from #1: 1 byte 'h'"
    assert line(Event("write", 0.1, 3, conn=1, nbytes=5, data=b"ELLO\n")) == (
        "send() to #1: 5 bytes 'ELLO\\n'"  # a chunk is shown as it came, its newline too
    )
    partial = Event("write", 0.1, 3, conn=2, nbytes=4, data=b"ABCD", pending=3)
    assert line(partial).startswith("send() to #2: it took only 4 bytes 'ABCD'; 3 wait")
    assert line(Event("read", 0.1, 2, conn=1, nbytes=7, data=b"hello"), "zh") == (
        "从 #1 recv() 到 7 字节 'hello'"
    )
    last = Event("last_line", 0.2, 4, conn=1, nbytes=5, data=b"hello")
    assert line(last, lines=True).startswith("#1 ended its input after 'hello' without a newline")
    waiting = Event("read", 0.1, 2, conn=1, nbytes=1, data=b"h")
    assert line(waiting, lines=True) == (
        "#1 sent 1 byte, no complete line yet (kept until its newline arrives)"
    )


def test_the_log_says_a_refused_client_was_told_why():
    from netlab.demos.select_server import Event

    told = Event("refuse", 1.0, 5, peer="127.0.0.1:40000", reason="fd_setsize", nbytes=180)
    silent = Event("refuse", 1.0, 5, peer="127.0.0.1:40000", reason="no_fds")
    en = view.event_line(told, "en").plain
    assert en.startswith("refused 127.0.0.1:40000, sent it one line saying why, then closed:")
    assert "FD_SETSIZE = 1024" in en
    assert "先发给它一行说明原因" in view.event_line(told, "zh").plain
    assert view.event_line(silent, "en").plain == (
        "refused 127.0.0.1:40000: no free file descriptor (see ulimit -n)"
    )


def test_warning_for_a_host_that_is_not_loopback():
    assert is_loopback("127.0.0.1") and not is_loopback("0.0.0.0")
    line = view.public_warning("0.0.0.0", "en").plain
    assert line.startswith("Warning: listening on 0.0.0.0, not on loopback")
    assert "0.0.0.0" in view.public_warning("0.0.0.0", "zh").plain


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        pytest.param(("--clients", "0"), ("--clients", "'0'"), id="clients-0"),
        pytest.param(("--clients", "abc"), ("--clients", "abc"), id="clients-abc"),
        pytest.param(("--clients", "10001"), ("--clients", "10001"), id="clients-too-many"),
        pytest.param(("--messages", "-1"), ("--messages", "-1"), id="messages-negative"),
        pytest.param(("--messages", "1.5"), ("--messages", "1.5"), id="messages-fraction"),
        pytest.param(("--backend", "foo"), ("--backend", "foo", "select, poll, epoll"), id="foo"),
        pytest.param(("--port", "70000"), ("--port", "70000"), id="port-too-big"),
        pytest.param(("--port", "-1"), ("--port", "-1"), id="port-negative"),
        pytest.param(("--host", "999.1.1.1"), ("--host", "999.1.1.1"), id="host-bad"),
        pytest.param(("--lang", "fr"), ("--lang", "fr"), id="lang-fr"),
        pytest.param(
            ("--clients", "1001", "--backend", "select"),
            ("1001", "FD_SETSIZE = 1024", "poll"),
            id="select-over-fd-setsize",
        ),
        pytest.param(
            ("--server-only", "--clients", "3"), ("--server-only", "--clients"), id="so-c"
        ),
        pytest.param(("--server-only", "--json"), ("--server-only", "--json"), id="so-json"),
        pytest.param(("--idle-timeout", "0"), ("--idle-timeout", "0.1 to 86400"), id="idle-0"),
        pytest.param(("--idle-timeout", "-5"), ("--idle-timeout", "-5"), id="idle-negative"),
        pytest.param(("--idle-timeout", "soon"), ("--idle-timeout", "soon"), id="idle-word"),
        pytest.param(("--idle-timeout", "1e9"), ("--idle-timeout", "1e9"), id="idle-absurd"),
        pytest.param(("--idle-timeout", "inf"), ("--idle-timeout", "inf"), id="idle-inf"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run, argv, named):
    status, out, err = run(*DEMO, *argv)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX)
    assert "Traceback" not in err
    for part in named:
        assert part in lines[0], (part, lines[0])


def test_port_in_use_is_exit_2_before_any_output(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out, err = run(*DEMO, "--port", str(port))
        status_so, out_so, err_so = run(*DEMO, "--server-only", "--port", str(port))
    for code, stdout, stderr in ((status, out, err), (status_so, out_so, err_so)):
        assert code == 2
        assert stdout == ""
        assert stderr.startswith(PREFIX) and "already in use" in stderr
        assert len(stderr.strip().splitlines()) == 1


def test_bad_input_in_chinese(run):
    status, _, err = run(*DEMO, "--clients", "0", "--lang", "zh")
    assert status == 2
    assert err.startswith(PREFIX) and "应为 1 到 10000 之间的整数" in err


# -- subprocesses: --server-only, python -m, Ctrl-C, SIGTERM ------------------------------------


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONUNBUFFERED": "1", "NETLAB_LANG": "en", "PYTHONPATH": path}


def _start(*argv: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "netlab", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )


def _finish(proc: subprocess.Popen, sig: int) -> tuple[int, str]:
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    return proc.returncode, err.decode()


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_server_only_serves_nc_style_lines_until_a_signal(sig):
    proc = _start(*DEMO, "--server-only")
    text = read_until(proc, re.compile(rb"listening on 127\.0\.0\.1:(\d+)\n")).decode()
    assert text.startswith("listening on 127.0.0.1:")
    port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", text).group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.settimeout(10)
        sock.sendall(b"hello, select\n")
        assert sock.recv(100) == b"HELLO, SELECT\n"
        sock.send(b"hello")  # the seed's client: no newline, the reply comes all the same
        assert sock.recv(1024) == b"HELLO"
        read_until(proc, b"send() to #1: 5 bytes 'HELLO'")
        status, err = _finish(proc, sig)
    assert status == 130
    assert err.strip().splitlines() == ["netlab: interrupted"]
    assert _refused(port)


def test_server_only_closes_an_idle_connection_and_says_why():
    proc = _start(*DEMO, "--server-only", "--idle-timeout", "0.5", "--backend", "poll")
    seen = bytearray()
    text = read_until(proc, re.compile(rb"listening on 127\.0\.0\.1:(\d+)\n"), seen=seen)
    port = int(re.search(rb"listening on 127\.0\.0\.1:(\d+)", text).group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.settimeout(10)
        assert sock.recv(100) == b""  # nothing sent for 0.5 s: the server closed it
        read_until(proc, b"#1 closed: nothing received for 0.5 s (--idle-timeout)", seen=seen)
        status, err = _finish(proc, signal.SIGTERM)
    assert status == 130, err


def test_ctrl_c_during_the_demo_stops_server_and_clients():
    proc = _start(*DEMO, "--clients", "3", "--messages", "2000")  # about 2 s of paced waves
    text = read_until(proc, b"round 3,").decode(errors="replace")
    port = int(re.search(r"server on 127\.0\.0\.1:(\d+)", text).group(1))
    status, err = _finish(proc, signal.SIGINT)
    assert status == 130
    assert err.strip().splitlines() == ["netlab: interrupted"]
    assert _refused(port)
    assert not _clients_of(port), "the clients' process outlived the demo"


def _clients_of(port: int) -> list[int]:
    """Processes still running the demo's clients against ``port`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = entry.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"netlab.demos.echo_clients" in argv and str(port).encode() in argv:
            found.append(int(entry.parent.name))
    return found


def test_python_m_runs_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "netlab.demos.select_server", *SMALL, "--json"],
        capture_output=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["replies_ok"] == 6
