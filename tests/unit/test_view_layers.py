"""The section of ``netlab simulate layers``, rendered as plain text in English and Chinese.

No golden files: each test checks what the text must contain (layer names, header sizes and
byte ranges computed here, the real header bytes, the mapping, the mnemonic, the comparison
with --udp) and what it must not (box drawing characters in ASCII mode).
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from netlab.i18n import text
from netlab.sim import layers as L
from netlab.sim.layers import LayersOptions
from netlab.views import layers as view

WIDTH = 100
LANGS = ["en", "zh"]


def plain(renderable, width: int = WIDTH) -> str:
    console = Console(
        record=True, color_system=None, width=width, file=io.StringIO(), legacy_windows=False
    )
    console.print(renderable)
    return console.export_text()


def section(opts: LayersOptions, lang: str, frames: bool = True, ascii_only: bool = False) -> str:
    return plain(view.section(L.build(opts, frames), lang, WIDTH, ascii_only))


def squeeze(s: str) -> str:
    """The text without the spaces and line breaks that table wrapping adds."""
    return "".join(s.split())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("model", L.MODELS)
def test_every_layer_of_the_model_is_a_row(model, lang):
    out = section(LayersOptions(model=model), lang)
    for layer in L.model_layers(model):
        assert text(f"layers.layer.{layer.key}", lang) in out
        numbered = [line.lstrip() for line in out.splitlines()]
        assert any(line.startswith(f"{layer.number} ") for line in numbered), layer.key


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("udp", [False, True])
def test_header_sizes_and_ranges(udp, lang):
    message = b"hello"
    out = section(LayersOptions(message=message, udp=udp), lang)
    l4_name, l4 = ("UDP", 8) if udp else ("TCP", 20)
    # independent layout: Ethernet 0-13, IPv4 14-33, the transport header from 34, the message
    for name, size, start in (("Ethernet II", 14, 0), ("IPv4", 20, 14), (l4_name, l4, 34)):
        end = start + size - 1
        assert f"[{start}-{end}]" in out, name  # the table's cell (may wrap before it)
        span = text("layers.cell.span", lang, name=name, start=start, end=end, bytes=size)
        assert span in out, span  # the title above the header's bytes
    msg_start = 34 + l4
    assert f"[{msg_start}-{msg_start + len(message) - 1}]" in out
    total = 14 + 20 + l4 + len(message)
    for size in (len(message), len(message) + l4, len(message) + l4 + 20, total):
        assert text("layers.cell.size", lang, total=size) in out
    assert text("layers.cell.bits", lang, bits=total * 8) in out


@pytest.mark.parametrize("lang", LANGS)
def test_pdu_names_devices_and_protocols(lang):
    out = squeeze(section(LayersOptions(), lang))
    for pdu in ("data", "segment", "packet", "frame", "bits"):
        assert squeeze(text(f"layers.pdu.{pdu}", lang)) in out
    for device in ("hub", "switch", "router"):
        assert squeeze(text(f"layers.device.{device}", lang)) in out
    for protocol in ("HTTP", "TCP", "IPv4", "Ethernet"):
        assert protocol in out
    udp = squeeze(section(LayersOptions(udp=True), lang))
    assert squeeze(text("layers.pdu.datagram", lang)) in udp


@pytest.mark.parametrize("lang", LANGS)
def test_real_header_bytes_are_shown(lang):
    trace = L.build(LayersOptions())
    frame = next(s for s in trace.steps if s.dst is not None).packet
    data = bytes(frame)
    out = plain(view.section(trace, lang, WIDTH, False))
    for start, size in ((0, 14), (14, 20), (34, 20)):
        header = data[start : start + size]
        assert " ".join(f"{b:02x}" for b in header) in out
    assert "ttl=64" in out and "dport=80" in out and "type=0x0800" in out


@pytest.mark.parametrize("lang", LANGS)
def test_without_packets_the_fields_remain(lang):
    out = section(LayersOptions(), lang, frames=False)
    assert "ttl=64" in out
    assert "45 00 00" not in out  # no bytes without packets


@pytest.mark.parametrize("lang", LANGS)
def test_mapping_is_shown_once(lang):
    out = section(LayersOptions(model="osi"), lang)
    title = text("layers.section.mapping_title", lang)
    assert out.count(title) == 1
    session = text("layers.layer.session", lang)
    app = text("layers.layer.application", lang)
    assert any(
        f"5 {session}" in line and f"5 {app}" in line and f"4 {app}" in line
        for line in out.splitlines()
    )
    internet = text("layers.layer.internet", lang)
    network = text("layers.layer.network", lang)
    assert any(f"3 {network}" in line and f"2 {internet}" in line for line in out.splitlines())


def test_mnemonic_in_each_language():
    en = squeeze(section(LayersOptions(), "en"))
    assert "AllPeopleSeemToNeedDataProcessing" in en
    assert "PleaseDoNotThrowSausagePizzaAway" in en
    assert "应表会传网数物" in squeeze(section(LayersOptions(), "zh"))


@pytest.mark.parametrize("lang", LANGS)
def test_comparison_only_with_udp(lang):
    title = text("layers.section.compare_title", lang)
    assert title not in section(LayersOptions(), lang)
    out = section(LayersOptions(udp=True), lang)
    assert title in out
    for aspect in L.COMPARISON:
        assert text(f"layers.compare.{aspect}.name", lang) in out
    wide = plain(view.section(L.build(LayersOptions(udp=True)), lang, 250, False), 250)
    for aspect in L.COMPARISON:  # wide enough that no cell wraps
        for column in ("tcp", "udp"):
            assert text(f"layers.compare.{aspect}.{column}", lang) in wide


@pytest.mark.parametrize("lang", LANGS)
def test_ascii_mode_draws_no_box_characters(lang):
    out = section(LayersOptions(udp=True, model="osi"), lang, ascii_only=True)
    assert not any("\u2500" <= ch <= "\u257f" for ch in out)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [60, 80, 100])
def test_lines_fit_the_width(lang, width):
    trace = L.build(LayersOptions(udp=True))
    out = plain(view.section(trace, lang, width, False), width)
    from rich.cells import cell_len

    assert max(cell_len(line) for line in out.splitlines()) <= width
