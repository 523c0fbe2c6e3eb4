"""The many-node views: lanes diagram, step table, tables shown where they change, JSON v2.

A small hand-made Trace (no scapy: the views must not need packets to draw a diagram) with a
flood to three receivers, a dropped frame, a local event and a table that changes twice.
"""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from netlab.i18n import Note
from netlab.sim.trace import Node, Step, Trace
from netlab.views import json_export, report, tables
from netlab.views.lanes import Lanes

MAC_A = "02:00:00:00:00:01"


def _trace() -> Trace:
    nodes = [
        Node("A", "host", "192.168.1.10", MAC_A),
        Node("switch", "switch"),
        Node("B", "host", "192.168.1.11"),
        Node("C", "host", "192.168.1.12"),
        Node("gateway", "router", "192.168.1.1"),
    ]
    one = {"mac:switch": [{"mac": MAC_A, "port": 1}]}
    two = {"mac:switch": [{"mac": MAC_A, "port": 1}, {"mac": "02:00:00:00:00:02", "port": 2}]}
    note = [Note("ui.lanes.everyone")]
    steps = [
        Step(1, 0.0, "A", None, None, "miss", note, event="probe"),
        Step(2, 0.0, "A", "switch", None, "Who has .11?", note, protocol="ARP", tables=one),
        Step(
            3, 0.0, "switch", "B", None, "Who has 192.168.1.11?", note,
            protocol="ARP", to=("B", "C", "gateway"), copy_of=2, tables=one,
        ),
        Step(4, 0.001, "B", "switch", None, "is at", note, protocol="ARP", tables=two,
             states={"B": "BOUND"}),
        Step(5, 0.002, "switch", "A", None, "is at", note, protocol="ARP", lost=True, tables=two),
    ]  # fmt: skip
    return Trace("arp", nodes, steps, Note("ui.lanes.info"), remember=note)


def _plain(renderable, width: int = 100) -> str:
    console = Console(record=True, color_system=None, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_diagram_fits_and_marks_every_receiver(lang, width, ascii_only):
    lanes = Lanes(_trace(), lang, width, ascii_only)
    lines = [line.plain for line in lanes.lines()]
    for line in lines:
        assert cell_len(line) <= max(width, lanes.total), line
    if ascii_only:
        assert not any(ch in line for line in lines for ch in "─│▶◀✕┼◆")
    head = "\n".join(lines[:2])
    for name in ("A", "B", "C"):
        assert name in head
    right = ">" if ascii_only else "▶"
    flood = lines[lines.index(next(x for x in lines[5:] if right in x))]
    # step 2 has one receiver; the flood of step 3 has three arrowheads on one row
    counts = [line.count(right) for line in lines]
    assert 3 in counts and 1 in counts
    assert flood
    assert any(("x" if ascii_only else "✕") in line for line in lines)


def test_tables_show_where_they_change():
    trace = _trace()
    assert [tables.changed(trace, s) for s in trace.steps] == [
        [],
        ["mac:switch"],
        [],
        ["mac:switch"],
        [],
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_has_table_step_rows_and_no_missing_keys(lang):
    out = _plain(report.report(_trace(), lang, 100))
    assert "table." not in out and "ui." not in out.replace("ui.event.probe", "")
    assert "switch → B" in out or "交换机 → B" in out
    assert "192.168.1.11?" in out


def test_json_version_2_keys():
    doc = json_export.trace_dict(_trace(), "en")
    assert doc["version"] == 4
    flood = doc["steps"][2]
    assert flood["to"] == ["B", "C", "gateway"] and flood["dst"] == "B"
    assert flood["protocol"] == "ARP" and flood["tcp"] is None
    event = doc["steps"][0]
    assert event["to"] == [] and event["protocol"] is None
    assert doc["steps"][4]["lost"] is True
