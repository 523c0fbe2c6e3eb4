"""Every help page speaks the chosen language, click's own words included, and fits the
terminal: lines are measured in cells (a Chinese character takes two), an option's default is
never split, and the root help lists the command groups without importing them.

Run as subprocesses: the help texts are read when the command modules are imported, in the
language of the command line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from netlab.linebreak import cells

PAGES = [
    (),
    ("simulate",),
    ("simulate", "handshake"),
    ("simulate", "arp"),
    ("quiz",),
    ("demo", "select"),
    ("bench", "io"),
    ("notes",),
]
CLICK_WORDS = ("Usage:", "Options:", "Commands:", "Arguments:", "Show this message", "[default:")


def helps(lang: str, argv: tuple[str, ...], columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "NETLAB_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "--lang", lang, *argv, "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("argv", PAGES, ids=lambda a: " ".join(a) or "netlab")
def test_chinese_help_has_no_english_click_words_and_fits(argv, columns):
    page = helps("zh", argv, columns)
    assert page.startswith("用法：netlab")
    assert "选项：" in page and "显示本帮助并退出。" in page
    assert not [word for word in CLICK_WORDS if word in page]
    too_wide = [line for line in page.splitlines() if cells(line) > columns]
    assert not too_wide
    # every default click shows is there, whole on one line
    defaults = re.findall(r"\[default: ([^\]]*)\]", " ".join(helps("en", argv, 200).split()))
    for value in defaults:
        assert f"（默认：{value}）" in page.splitlines() or any(
            f"（默认：{value}）" in line for line in page.splitlines()
        ), value


@pytest.mark.parametrize("argv", PAGES, ids=lambda a: " ".join(a) or "netlab")
def test_english_help_keeps_clicks_words(argv):
    page = helps("en", argv, 80)
    assert page.startswith("Usage: netlab")
    assert "Options:" in page and "Show this message and exit." in page
    assert not [line for line in page.splitlines() if len(line) > 80]
    for line in page.splitlines():  # a default is one word: never "[default:" alone at the end
        assert not line.rstrip().endswith(("[default:", "[default")), line


def test_root_help_lists_every_group_without_importing_it():
    code = (
        "import sys, contextlib, io\n"
        "from netlab.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['--help'])\n"
        "loaded = [m for m in ('netlab.cli.simulate', 'netlab.cli.quiz', 'netlab.cli.demo',\n"
        "          'netlab.cli.bench') if m in sys.modules]\n"
        "print(loaded)\n"
        "print(out.getvalue())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "NETLAB_LANG": "en", "COLUMNS": "100"},
        timeout=60,
        check=False,
    )
    first, _, page = done.stdout.partition("\n")
    assert first == "[]", first
    for group in ("notes", "simulate", "quiz", "demo", "bench"):
        assert f"\n  {group} " in page
