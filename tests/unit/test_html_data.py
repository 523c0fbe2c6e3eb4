"""``--html``'s data (issue 16): every field's byte range, the page's document, its embedding.

The byte ranges are checked against the frame itself, never against netlab's own offsets: a
whole-byte integer field's bytes read as a big-endian number give the field's value (tcp.seq,
ip.ttl, the ports...), an address field's bytes are the address. The document is compared with
the ``--json`` document and the ``--pcap`` file of the same command line (read back with
scapy's ``rdpcap``), both written by netlab's own commands.
"""

from __future__ import annotations

import html
import json
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netlab.cli import sim_show
from netlab.cli.main import main

#: every scenario, with the variants whose frames differ most
SCENARIOS = {
    "handshake": ["handshake"],
    "close_lose_ack": ["close", "--lose", "ack"],
    "tcp": ["tcp"],
    "layers": ["layers"],
    "arp_loop": ["arp", "--loop"],
    "arp": ["arp"],
    "nat": ["nat"],
    "dhcp": ["dhcp"],
    "dns": ["dns"],
    "journey": ["journey"],
    "route_traceroute": ["route", "--traceroute"],
    "rip": ["rip"],
    "ospf": ["ospf"],
}
DATA_BLOCK = re.compile(r'<script type="application/json" id="netlab-data">(.*?)</script>', re.S)


def trace_of(argv: list[str]) -> Any:
    """The Trace of ``netlab simulate ARGV`` (every option checked as typed; nothing drawn)."""
    got: list[Any] = []
    token = sim_show.CAPTURE.set(got.append)
    try:
        assert main(["simulate", *argv]) in (0, None)
    finally:
        sim_show.CAPTURE.reset(token)
    return got[0]


def page_doc(page: str) -> dict[str, Any]:
    blocks = DATA_BLOCK.findall(page)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.fixture
def write_page(cli: Callable[[list[str]], str], tmp_path: Path) -> Callable[..., tuple[str, Any]]:
    """Run ``netlab simulate ARGV --html FILE``; return the page and its document."""

    def run(argv: list[str]) -> tuple[str, Any]:
        path = tmp_path / "page.html"
        cli(["simulate", *argv, "--html", str(path)])
        page = path.read_text("utf-8")
        return page, page_doc(page)

    return run


# -- field spans ---------------------------------------------------------------------------------


def _bit_field(fdesc: Any, layer: Any) -> bool:
    from scapy.fields import _BitField

    return isinstance(_plain(fdesc, layer), _BitField)


def _plain(fdesc: Any, layer: Any) -> Any:
    """The field that really holds the value (ARP's addresses are a MultipleTypeField, IP's
    addresses wrapped in Emph)."""
    from scapy.fields import MultipleTypeField, _FieldContainer

    while isinstance(fdesc, _FieldContainer | MultipleTypeField):
        fdesc = fdesc._find_fld_pkt(layer) if isinstance(fdesc, MultipleTypeField) else fdesc.fld
    return fdesc


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_field_span_lies_in_its_layer_and_holds_its_value(name: str) -> None:
    from scapy.fields import IPField, MACField

    from netlab.sim.packets import frame_bytes, layers

    trace = trace_of(SCENARIOS[name])
    checked: dict[str, int] = {}
    for step in trace.steps:
        if step.packet is None:
            continue
        frame = frame_bytes(step.packet)
        scapy_layer = step.packet
        previous_end = 0
        for layer in layers(step.packet):
            end = layer.start + layer.header_len
            assert layer.start >= previous_end and end <= len(frame), (step.index, layer.name)
            previous_end = end
            if layer.name == "Payload":
                assert [(f.start, f.end) for f in layer.fields] == [(layer.start, len(frame))]
                break
            assert len(layer.fields) == len(scapy_layer.fields_desc)
            last: tuple[int, int, bool] | None = None
            for field, fdesc in zip(layer.fields, scapy_layer.fields_desc, strict=True):
                where = (name, step.index, layer.name, field.name)
                assert layer.start <= field.start <= field.end <= end, where
                bits = _bit_field(fdesc, scapy_layer)
                if last is not None and field.end > field.start:
                    last_end, last_bits = last[1], last[2]
                    if bits and last_bits:  # bit fields may share the byte their bits are in
                        assert field.start >= last_end - 1, where
                    else:
                        assert field.start >= last_end, where
                if field.end > field.start:
                    last = (field.start, field.end, bits)
                if not field.present:  # a conditional field the packet does not carry
                    assert field.start == field.end, where
                    continue
                held = frame[field.start : field.end]
                plain = _plain(fdesc, scapy_layer)
                if isinstance(plain, IPField) and field.raw is not None:
                    assert held == socket.inet_aton(field.raw), where
                elif isinstance(plain, MACField) and field.raw is not None:
                    assert held == bytes.fromhex(field.raw.replace(":", "")), where
                elif (
                    not bits
                    and isinstance(field.raw, int)
                    and not isinstance(field.raw, bool)
                    and getattr(plain, "sz", None) == len(held)
                    and not str(getattr(plain, "fmt", "!")).startswith("<")
                ):
                    assert int.from_bytes(held, "big") == field.raw, where
                else:
                    continue
                key = f"{layer.name}.{field.name}"
                checked[key] = checked.get(key, 0) + 1
            # the last non-empty field ends the header (a bit field's byte included)
            spans = [f for f in layer.fields if f.end > f.start]
            assert spans and spans[-1].end == end, (name, step.index, layer.name)
            scapy_layer = scapy_layer.payload
    assert checked, name
    if name in ("handshake", "close_lose_ack", "tcp"):
        for key in (
            "TCP.seq",
            "TCP.ack",
            "TCP.sport",
            "TCP.dport",
            "IP.ttl",
            "IP.src",
            "Ether.dst",
        ):
            assert checked.get(key), (name, key)
    if name.startswith("arp"):
        assert checked.get("ARP.pdst") and checked.get("ARP.hwsrc"), checked


def test_a_bit_field_covers_the_byte_its_bits_are_in() -> None:
    from netlab.sim.packets import layers

    trace = trace_of(["handshake"])
    ip = next(layer for layer in layers(trace.steps[0].packet) if layer.name == "IP")
    spans = {f.name: (f.start, f.end) for f in ip.fields}
    assert spans["version"] == spans["ihl"] == (14, 15)  # two nibbles of one byte
    assert spans["flags"] == (20, 21) and spans["frag"] == (20, 22)  # 3 + 13 bits
    assert spans["ttl"] == (22, 23) and spans["src"] == (26, 30)
    tcp = next(layer for layer in layers(trace.steps[0].packet) if layer.name == "TCP")
    spans = {f.name: (f.start, f.end) for f in tcp.fields}
    assert spans["dataofs"] == (46, 47) and spans["flags"] == (46, 48)
    assert spans["options"] == (54, tcp.start + tcp.header_len)


# -- the document ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [["close", "--lose", "ack"], ["arp", "--loop"], ["nat"], ["journey"], ["handshake"]]
)
def test_the_document_is_the_json_and_the_pcap_of_the_same_command(
    argv: list[str], write_page, cli, tmp_path: Path
) -> None:
    from scapy.utils import rdpcap

    _page, doc = write_page(argv)
    assert doc["format"] == "netlab-trace-page" and doc["version"] == 1 and doc["lang"] == "en"
    exported = json.loads(cli(["simulate", *argv, "--json"]))
    assert doc["json"] == exported
    assert [s["index"] for s in doc["steps"]] == [s["index"] for s in exported["steps"]]
    for mine, theirs in zip(doc["steps"], exported["steps"], strict=True):
        for key in ("time", "src", "dst", "to", "lost", "protocol", "info", "states"):
            assert mine[key] == theirs[key], (mine["index"], key)
    pcap = tmp_path / "same.pcap"
    cli(["simulate", *argv, "--pcap", str(pcap)])
    frames = rdpcap(str(pcap))
    numbered = [s for s in doc["steps"] if s["frame"] is not None]
    assert [s["frame"] for s in numbered] == list(range(1, len(frames) + 1))
    for step in numbered:
        assert step["bytes"] == bytes(frames[step["frame"] - 1]).hex(), step["index"]
        assert step["filter"] == f"frame.number == {step['frame']}"
    for step in doc["steps"]:
        if step["dst"] is None:  # a local event: nothing to filter for
            assert step["frame"] is None and step["filter"] is None
    command = " ".join(["netlab", "simulate", *argv])
    assert doc["command"].startswith(command + " --html ")
    assert doc["steps"][0]["terminal"] == f"{command} --step"


def _field(step: dict[str, Any], layer: str, name: str) -> str:
    found = [
        f["value"]
        for each in step["layers"]
        if each["name"] == layer
        for f in each["fields"]
        if f["name"] == name
    ]
    assert len(found) == 1, (step["index"], layer, name)
    return found[0]


def test_the_layer_tree_holds_the_json_values(write_page) -> None:
    _page, doc = write_page(["close", "--lose", "ack"])
    segments = [(s, j) for s, j in zip(doc["steps"], doc["json"]["steps"], strict=True) if j["tcp"]]
    assert len(segments) == 6
    for step, exported in segments:
        assert int(_field(step, "TCP", "seq")) == exported["tcp"]["seq"]
        assert int(_field(step, "TCP", "ack")) == exported["tcp"]["ack"]
        raw = bytes.fromhex(step["bytes"])
        seq = next(
            f
            for la in step["layers"]
            if la["name"] == "TCP"
            for f in la["fields"]
            if f["name"] == "seq"
        )
        assert int.from_bytes(raw[seq["start"] : seq["end"]], "big") == exported["tcp"]["seq"]
    _page, doc = write_page(["arp"])
    pairs = zip(doc["steps"], doc["json"]["steps"], strict=True)
    asked = [(s, j) for s, j in pairs if j["protocol"] == "ARP"]
    assert asked
    for step, exported in asked:
        assert _field(step, "ARP", "pdst") == exported["fields"]["pdst"]


def test_tables_after_each_step_carry_the_last_ones_forward(write_page) -> None:
    from netlab.views.tables import cell

    _page, doc = write_page(["arp"])
    now: dict[str, Any] = {}
    for step, exported in zip(doc["steps"], doc["json"]["steps"], strict=True):
        now = {**now, **exported["tables"]}
        assert set(step["tables"]) == set(now)
        for key, rows in now.items():
            table = step["tables"][key]
            assert table["rows"] == [[cell(r.get(c)) for c in table["columns"]] for r in rows]
    assert cell(None) == cell("") == "-" and cell(30.0) == "30" and cell(True) == "✓"
    last = doc["steps"][-1]["tables"]
    assert last["arp:A"]["columns"] == ["ip", "mac", "state"]
    for lang in ("en", "zh"):
        words = doc["text"][lang]
        assert set(words["tables"]) == set(last)
        assert set(words["columns"]["arp"]) >= {"ip", "mac", "state"}
    assert doc["text"]["en"]["tables"]["arp:A"] == "ARP cache of A"


def test_both_languages_have_every_text(write_page) -> None:
    _page, doc = write_page(["journey"])
    en, zh = doc["text"]["en"], doc["text"]["zh"]
    assert set(en) == set(zh)
    assert set(en["ui"]) == set(zh["ui"]) and {"back", "next", "play", "step_of"} <= set(en["ui"])
    indices = {str(s["index"]) for s in doc["steps"]}
    for part in ("notes", "summary", "terminal"):
        assert set(en[part]) == set(zh[part]) == indices, part
    assert en["notes"] != zh["notes"] and en["title"] != zh["title"]
    assert set(en["nodes"]) == {n["name"] for n in doc["nodes"]} == set(zh["nodes"])
    assert doc["lanes"] == "many"
    _page, doc = write_page(["handshake", "--lang", "zh"])
    assert doc["lang"] == "zh" and doc["lanes"] == "two"
    assert doc["json"]["steps"][0]["note"] == doc["text"]["zh"]["notes"]["1"]
    assert doc["text"]["zh"]["nodes"]["client"] != "client"


# -- embedding and safety --------------------------------------------------------------------------

HOSTILE = ("</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!--", "\u2028")


def test_embedded_json_cannot_end_its_block() -> None:
    from netlab.views.html import embedded_json

    doc = {"a": list(HOSTILE), "b": "&amp; ]]>"}
    data = embedded_json(doc)
    assert not set("<>&\u2028\u2029") & set(data)
    assert json.loads(data) == doc


@pytest.mark.parametrize(
    "argv",
    [
        ["close", "--data", HOSTILE[0]],
        ["tcp", "--data", HOSTILE[1], "--reply", HOSTILE[0] + HOSTILE[2]],
    ],
)
def test_outside_text_never_appears_raw_in_the_page(argv: list[str], write_page) -> None:
    from netlab.views.html import asset

    page, doc = write_page(argv)
    template = asset("page.html")
    # the template's own tags only: none came from the data
    assert page.count("<script") == template.count("<script")
    assert page.count("</script>") == template.count("</script>")
    assert "<img" not in page and "alert(1)</" not in page
    block = DATA_BLOCK.search(page).group(1)
    assert not set("<>&") & set(block)
    assert any(HOSTILE[0].encode().hex() in (s["bytes"] or "") for s in doc["steps"])


def test_title_and_lang_are_escaped() -> None:
    from netlab.views.html import assemble

    page = assemble({"lang": 'en"><script>', "x": 1}, "</title><script>alert(1)</script>")
    assert "<script>alert" not in page and '"><script>' not in page
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page
    assert html.unescape(re.search(r'<html lang="([^"]*)"', page).group(1)) == 'en"><script>'


@pytest.mark.parametrize("argv", [["journey"], ["arp", "--loop"], ["ospf"]])
def test_the_largest_pages_stay_under_one_mebibyte(argv: list[str], write_page) -> None:
    page, _doc = write_page(argv)
    assert len(page.encode()) < 1024 * 1024
