"""Text from outside is data: it never becomes rich markup or a terminal control sequence.

Every option that takes text, and every field of a question bank, gets markup (``[/]``,
``[red]``, a ``[link=…]``), ANSI and OSC escape sequences, and invalid UTF-8. Each command runs
in a real terminal (a pty, so rich writes to a terminal as it would for a learner), and the
bytes the terminal receives must hold none of the input's sequences, no internal error and no
traceback; where the text is shown, it is shown as typed (markup) or escaped (``\\x1b``).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CLEAR = "\x1b[2J"  # erase the screen
TITLE = "\x1b]0;pwned\x07"  # OSC: set the window title
HOSTILE = f"x[/]y[red]R[/red][link=http://evil]c[/link]{CLEAR}{TITLE}\u202e"
INVALID_UTF8 = b"bad\xff\xfeutf8"
FORBIDDEN = (CLEAR.encode(), b"\x1b]0;", b"\x07", "\u202e".encode(), b"\xff\xfe")


def terminal_run(*args: str | bytes, timeout: float = 60.0) -> tuple[int, bytes]:
    """Run ``netlab ARGS`` with a pty as its terminal (stdout and stderr); return the status
    and every byte the terminal received."""
    main, side = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), NETLAB_LANG="en", TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    argv = [os.fsencode(sys.executable), b"-m", b"netlab"]
    argv += [a if isinstance(a, bytes) else a.encode("utf-8", "surrogateescape") for a in args]
    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=side, stderr=side, env=env, cwd=REPO
    )
    os.close(side)
    got = bytearray()
    while True:
        ready, _, _ = select.select([main], [], [], timeout)
        if not ready:
            child.kill()
            pytest.fail(f"no output for {timeout} s: {args}")
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        got += chunk
    os.close(main)
    return child.wait(timeout=timeout), bytes(got)


def check(status: int, out: bytes, allowed: tuple[int, ...] = (0, 2)) -> None:
    assert status in allowed, out[-800:]
    for sequence in FORBIDDEN:
        assert sequence not in out, (sequence, out[-800:])
    assert b"Traceback" not in out and b"internal error" not in out, out[-800:]


TEXT_OPTIONS = [
    pytest.param(("simulate", "tcp", "--data", HOSTILE, "--detail"), id="tcp-data"),
    pytest.param(("simulate", "tcp", "--reply", HOSTILE, "--hexdump"), id="tcp-reply"),
    pytest.param(("simulate", "close", "--half-close", "--data", HOSTILE), id="close-data"),
    pytest.param(("simulate", "layers", "--message", HOSTILE, "--detail"), id="layers-message"),
    pytest.param(("simulate", "handshake", "--client", HOSTILE), id="client"),
    pytest.param(("simulate", "handshake", "--stack", HOSTILE), id="stack"),
    pytest.param(("simulate", "states", "--state", HOSTILE), id="state"),
    pytest.param(("simulate", "dns", "--name", HOSTILE), id="dns-name"),
    pytest.param(("simulate", "arp", "--target", HOSTILE), id="arp-target"),
    pytest.param(("notes", HOSTILE), id="notes-topic"),
    pytest.param(("notes", "--search", HOSTILE), id="notes-search"),
    pytest.param(("demo", "chat", "--name", HOSTILE, "--port", "9"), id="chat-name"),
    pytest.param(("simulate", "tcp", "--pcap", HOSTILE + "/x.pcap"), id="pcap-path"),
]


@pytest.mark.parametrize("args", TEXT_OPTIONS)
def test_hostile_text_in_options(args):
    # 1: a file that cannot be written (the --pcap folder does not exist)
    check(*terminal_run(*args), allowed=(0, 1, 2))


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("simulate", "tcp", "--data", INVALID_UTF8, "--detail"), id="tcp-data"),
        pytest.param(("notes", "--search", INVALID_UTF8), id="notes-search"),
        pytest.param(("simulate", "handshake", "--client", INVALID_UTF8), id="client"),
    ],
)
def test_invalid_utf8_in_options(args):
    check(*terminal_run(*args))


def test_markup_is_shown_as_typed():
    status, out = terminal_run("notes", "--search", "[red]x[/red]")
    assert status == 0
    assert b"[red]x[/red]" in out


def test_an_error_line_shows_control_characters_escaped():
    status, out = terminal_run("simulate", "handshake", "--stack", f"a{CLEAR}b")
    assert status == 2
    assert b"a\\x1b[2Jb" in out


BANK = """
[[question]]
id = "q1"
topic = "handshake"
kind = "single"
see = "netlab simulate handshake"
prompt = {{ en = "{t}", zh = "{t}" }}
choices = [ {{ en = "{t}", zh = "{t}" }}, {{ en = "plain", zh = "plain" }} ]
answer = "A"
explanation = {{ en = "{t}", zh = "{t}" }}

[[question]]
id = "q2"
topic = "handshake"
kind = "fill"
see = "netlab simulate handshake"
prompt = {{ en = "{t}", zh = "{t}" }}
answer = ["{t}"]
explanation = {{ en = "{t}", zh = "{t}" }}
"""


def toml_string(text: str) -> str:
    """``text`` as the inside of a TOML basic string (control characters as \\u escapes)."""
    out = []
    for ch in text:
        if ch in '"\\\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


@pytest.fixture
def hostile_bank(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(BANK.format(t=toml_string(HOSTILE + "\x00")), encoding="utf-8")
    return path


def test_validate_reports_control_characters_in_every_field(hostile_bank):
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "quiz", "validate", str(hostile_bank)],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), NETLAB_LANG="en"),
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    text = done.stdout.decode()
    for field in ("'prompt' (en)", "'explanation' (zh)", "choice A (en)", "'answer'"):
        assert field in text and "control characters" in text, (field, text)
    for sequence in FORBIDDEN:
        assert sequence not in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("quiz", "validate"), id="validate"),
        pytest.param(("quiz", "--bank"), id="quiz"),
    ],
)
def test_a_hostile_bank_never_reaches_the_terminal_raw(hostile_bank, args):
    check(*terminal_run(*args, str(hostile_bank)))
