"""Chinese text wraps between characters and no line loses a character to an ellipsis."""

from __future__ import annotations

import io

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
