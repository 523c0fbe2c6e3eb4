"""``netlab simulate states`` against RFC 9293 Figure 5: the drawn arcs marked ``*``, the arcs
that the figure's notes 1 and 2 describe marked ``¹``/``²`` (``(1)``/``(2)`` on a terminal that
only takes ASCII), the footnote explaining all three, in English and Chinese."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

FOOTNOTES = {
    "en": ("Rows marked * are the arcs drawn in RFC 9293's Figure 5", "Figure 5, note 1", "note 2"),
    "zh": ("标有 * 的行是 RFC 9293 图 5 中画出的状态转换", "图 5 注 1", "图 5 注 2"),
}


def ev(lang: str, name: str) -> str:
    """An event of the table as it is printed in ``lang`` (``rcv_fin`` -> "收到 FIN")."""
    from netlab.i18n import text

    return text(f"tcp.arc_event.{name}", lang)


def rows(out: str, event: str) -> list[str]:
    """The lines of ``out`` on which a table row shows ``event``."""
    return [line for line in out.splitlines() if f"  {event}  " in line]


def section(out: str, start: str, end: str | None = None) -> str:
    """The part of ``out`` from the line containing ``start`` to the one containing ``end``."""
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next((i for i, line in enumerate(lines) if end and end in line), len(lines))
    return "\n".join(lines[first:last])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_whole_table_marks_figure_arcs_and_notes(run, lang) -> None:
    status, out, err = run("--lang", lang, "simulate", "states")
    assert status == 0, err
    (rst,) = [line for line in rows(out, ev(lang, "rcv_rst")) if "LISTEN/CLOSED" in line]
    assert rst.startswith("*¹ ")
    (finack,) = rows(out, ev(lang, "rcv_fin_ack"))
    assert finack.startswith("² ") and "TIME-WAIT" in finack
    give_up = [line for line in rows(out, ev(lang, "give_up")) if "LISTEN/CLOSED" in line]
    (give_up,) = give_up
    assert give_up.startswith(" ")  # not drawn, and no note is about it
    marked = [line for line in out.splitlines() if line.startswith("*")]
    assert len(marked) == 20  # the arcs Figure 5 draws
    for sentence in FOOTNOTES[lang]:
        assert sentence in out.replace("\n", ""), sentence
    assert "\n¹ " in out and "\n² " in out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fin_wait_1_shows_fin_ack_as_one_transition(run, lang) -> None:
    status, out, err = run("--lang", lang, "simulate", "states", "--state", "FIN-WAIT-1")
    assert status == 0, err
    out_of = section(out, "Ways out of FIN-WAIT-1" if lang == "en" else "离开 FIN-WAIT-1 的途径")
    (finack,) = rows(out_of, ev(lang, "rcv_fin_ack"))
    words = len(ev(lang, "rcv_fin_ack").split())
    assert finack.split()[: words + 1] == ["²", *ev(lang, "rcv_fin_ack").split()]
    assert finack.split()[words + 1 : words + 3] == ["TIME-WAIT", "ACK"]
    (late,) = rows(out_of, ev(lang, "rcv_data_closed"))
    assert late.split()[len(ev(lang, "rcv_data_closed").split()) :][:2] == ["CLOSED", "RST"]
    assert out.count(ev(lang, "rcv_fin_ack")) == 1
    for sentence in FOOTNOTES[lang]:
        assert sentence in out.replace("\n", ""), sentence


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_time_wait_lists_the_new_syn_and_the_fin_ack_way_in(run, lang) -> None:
    status, out, err = run("--lang", lang, "simulate", "states", "--state", "time-wait")
    assert status == 0, err
    ways_in = "Ways into TIME-WAIT" if lang == "en" else "进入 TIME-WAIT 的途径"
    ways_out = "Ways out of TIME-WAIT" if lang == "en" else "离开 TIME-WAIT 的途径"
    into = section(out, ways_in, ways_out)
    (finack,) = rows(into, ev(lang, "rcv_fin_ack"))
    assert finack.split()[:2] == ["FIN-WAIT-1", "²"]
    out_of = section(out, ways_out)
    (syn,) = rows(out_of, ev(lang, "rcv_syn"))
    assert syn.split()[:4] == [*ev(lang, "rcv_syn").split(), "SYN-RECEIVED", "SYN,ACK"]
    (timeout,) = rows(out_of, ev(lang, "timeout_2msl"))
    assert timeout.startswith("* ")


def test_syn_received_next_state_depends_on_the_open(run) -> None:
    status, out, err = run("simulate", "states", "--state", "SYN-RECEIVED")
    assert status == 0, err
    for event in ("rcv RST", "retries exhausted"):
        (line,) = rows(out, event)
        assert "LISTEN/CLOSED" in line, line
    status, out, err = run("simulate", "states", "--state", "CLOSED")
    assert status == 0, err
    assert any("LISTEN/CLOSED" in line for line in rows(out, "rcv RST"))  # a way into CLOSED


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ascii_terminal_gets_numbered_notes(lang) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "NETLAB_LANG": "en", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "--lang", lang, "simulate", "states"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    out = done.stdout.decode("ascii")
    if lang == "zh":  # an ASCII terminal gets ? for each Chinese character
        return
    (rst,) = [line for line in rows(out, ev(lang, "rcv_rst")) if "LISTEN/CLOSED" in line]
    assert rst.startswith("*(1) ")
    (finack,) = rows(out, ev(lang, "rcv_fin_ack"))
    assert finack.startswith("(2) ")
    assert "\n(1) " in out and "\n(2) " in out


def test_chinese_table_has_no_english_event(run) -> None:
    status, out, err = run("--lang", "zh", "simulate", "states")
    assert status == 0, err
    for english in ("rcv ", "retransmission timeout", "retransmit", "retries exhausted"):
        assert english not in out, english
    assert "重传超时" in out and "收到数据" in out and "  重传  " in out


def test_states_json_is_the_whole_table(run, load_json) -> None:
    from netlab.sim.tcp import TRANSITIONS

    status, out, _err = run("simulate", "states", "--json")
    assert status == 0
    doc = load_json(out)
    arcs = [arc for state in doc["states"] for arc in state["arcs"]]
    assert len(doc["states"]) == 11 and len(arcs) == len(TRANSITIONS)
    drawn = [a for a in arcs if a["in_figure"]]
    assert len(drawn) == 20
    assert {a["figure_note"] for a in arcs} == {None, 1, 2}


def test_one_state_json_lists_ways_in_and_out(run, load_json) -> None:
    status, out, _err = run("--lang", "zh", "simulate", "states", "--state", "time-wait", "--json")
    assert status == 0
    doc = load_json(out)
    assert doc["state"] == "TIME-WAIT"
    assert {a["state"] for a in doc["into"]} == {"FIN-WAIT-2", "CLOSING", "FIN-WAIT-1"}
    assert ("rcv SYN", "SYN-RECEIVED") in {(a["event"], a["next"]) for a in doc["out_of"]}
    assert "收到 SYN" in {a["event_text"] for a in doc["out_of"]}
    assert all(a["meaning"] for a in doc["out_of"])


def test_states_svg_is_written(run, tmp_path) -> None:
    path = tmp_path / "states.svg"
    status, _out, _err = run("simulate", "states", "--state", "LISTEN", "--svg", str(path))
    assert status == 0
    assert path.read_text(encoding="utf-8").startswith("<svg")
