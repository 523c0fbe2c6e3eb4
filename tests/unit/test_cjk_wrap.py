"""Chinese text wraps between characters and no line loses a character to an ellipsis."""

from __future__ import annotations

import io
import itertools

import pytest
from rich.console import Console
from rich.table import Table

import netlab.views  # noqa: F401 - installs the CJK line breaking

SENTENCE = (
    "网络层：IP 在前面加上 20 字节的首部（无选项）："
    "源地址 192.168.1.10、目的地址 203.0.113.10、TTL 64"
)


@pytest.mark.parametrize("width", range(40, 90))
def test_a_wrapped_cell_keeps_every_character(width):
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    grid = Table.grid()
    grid.add_column()
    grid.add_column()
    grid.add_row("3.", SENTENCE)
    console.print(grid)
    out = console.export_text()
    assert "…" not in out
    joined = "".join(line[2:].strip() for line in out.splitlines())
    assert joined.replace(" ", "") == SENTENCE.replace(" ", "")


@pytest.mark.parametrize("width", range(20, 60))
def test_no_line_starts_with_closing_punctuation(width):
    """Closing punctuation stays with what precedes it, a Chinese character or a Latin word."""
    text = "客户端此时已进入 ESTABLISHED；服务器要等这个 ACK 到达后才进入该状态。端口 80，完成。"
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(text)
    lines = [line.strip() for line in console.export_text().splitlines() if line.strip()]
    assert not [line for line in lines if line[0] in "，。、：；！？）」』”’》〉】…"], lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


WORDS_TEXT = (
    "服务器的网卡收到 40 字节的报文段，内核把它交给套接字；运行 ss -tan 可以看到连接的状态，"
    "用 `ss -tan state time-wait` 只看 TIME-WAIT（默认 60 秒）。网卡的 MAC 地址共 6 字节。"
)


@pytest.mark.parametrize("width", range(14, 70))
def test_no_line_splits_a_term_or_a_command(width):
    """网卡, 字节 and the other terms of ``netlab.linebreak.TERMS`` stay on one line, and so does
    a command with its options (``ss -tan``) or a command in backticks."""
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(WORDS_TEXT)
    lines = [line.strip() for line in console.export_text().splitlines() if line.strip()]
    assert "".join(lines).replace(" ", "") == WORDS_TEXT.replace(" ", "")
    for a, b in itertools.pairwise(lines):
        for whole in ("网卡", "字节", "报文段", "套接字", "ss -tan"):
            for cut in range(1, len(whole)):
                assert not (a.endswith(whole[:cut]) and b.startswith(whole[cut:])), (whole, a, b)
    if width >= 30:
        assert any("`ss -tan state time-wait`" in line for line in lines), lines


def test_the_help_wrapper_agrees_with_the_console():
    from netlab.linebreak import cells, words, wrap

    for width in range(14, 70):
        lines = wrap(WORDS_TEXT, width)
        # only a word wider than the line may overflow it, on a line of its own
        assert all(cells(line) <= width or len(list(words(line))) == 1 for line in lines)
        assert "".join(lines).replace(" ", "") == WORDS_TEXT.replace(" ", "")
        assert not any(line.startswith(("，", "。", "；", "）")) for line in lines)


@pytest.mark.parametrize("width", range(8, 40))
def test_a_number_keeps_its_unit(width):
    """ "77 B", "60 s" and "40 字节" are never split between the number and its unit."""
    text = "The frame is 77 B long; TIME-WAIT lasts 60 s (2 s here). 首部共 40 字节，等 200 毫秒。"
    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(text)
    lines = [line.strip() for line in console.export_text().splitlines() if line.strip()]
    for a, b in itertools.pairwise(lines):
        for number, unit in (
            ("77", "B"),
            ("60", "s"),
            ("(2", "s)."),
            ("40", "字节"),
            ("200", "毫秒"),
        ):
            assert not (a.endswith(number) and b.startswith(unit)), (a, b)
