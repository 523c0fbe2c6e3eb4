"""The views render the same plain text, in English and in Chinese, as the reviewed golden files.

Plain text only (``record=True, color_system=None``), never escape codes. To accept a deliberate
change of the output, run ``NETLAB_UPDATE_GOLDEN=1 python -m pytest tests/unit/test_rendering.py``
and review the diff of tests/unit/golden/ before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from netlab.sim import close, connection, handshake
from netlab.sim.close import CloseOptions
from netlab.sim.hosts import TcpParams
from netlab.sim.tcp import State
from netlab.views import detail, hexdump, report, states

GOLDEN = Path(__file__).parent / "golden"
WIDTH = 100


def plain(renderable, width: int = WIDTH) -> str:
    console = Console(
        record=True, color_system=None, width=width, file=io.StringIO(), legacy_windows=False
    )
    console.print(renderable)
    return console.export_text()


CASES = {
    "handshake": lambda lang: report.report(handshake.build(TcpParams()), lang, WIDTH),
    "handshake_lose_syn_ack": lambda lang: report.report(
        handshake.build(TcpParams(lose="syn-ack")), lang, WIDTH
    ),
    "close_merge": lambda lang: report.report(
        close.build(TcpParams(), CloseOptions(merge=True)), lang, WIDTH
    ),
    "close_simultaneous": lambda lang: report.report(
        close.build(TcpParams(), CloseOptions(simultaneous=True)), lang, WIDTH
    ),
    "tcp_detail_syn": lambda lang: detail.step_detail(
        connection.build(TcpParams(), [], []),
        connection.build(TcpParams(), [], []).steps[0],
        lang,
    ),
    "tcp_hexdump_data": lambda lang: hexdump.step_hexdump(
        connection.build(TcpParams(), [b"hello"], []).steps[3], lang
    ),
    "states_time_wait": lambda lang: states.one_state(State.TIME_WAIT, lang),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case, lang):
    got = plain(CASES[case](lang))
    path = GOLDEN / f"{case}.{lang}.txt"
    if os.environ.get("NETLAB_UPDATE_GOLDEN") == "1":
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with NETLAB_UPDATE_GOLDEN=1 and review"
    assert got == path.read_text(encoding="utf-8")


def test_english_and_chinese_differ_but_share_numbers():
    en = plain(CASES["handshake"]("en"))
    zh = plain(CASES["handshake"]("zh"))
    assert en != zh
    for token in ("SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "seq=1000", "ack=1001", "ack=5001"):
        assert token in en and token in zh


def test_ascii_fallback_has_no_box_drawing():
    text = plain(report.report(handshake.build(TcpParams(lose="syn")), "en", 80, ascii_only=True))
    assert "->" in text or ">" in text
    for glyph in "─▶◀✕◆│":
        assert glyph not in text.split("\n\n")[1], glyph  # the diagram block


def test_narrow_console_keeps_every_table_column():
    text = plain(report.report(handshake.build(TcpParams(seed=7)), "en", 80), width=80)
    header = next(line for line in text.splitlines() if line.startswith("#"))
    for column in ("Seq", "Ack", "Len", "client state", "server state"):
        assert column in header
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
