"""Narrow terminals: every scenario's report at 60, 80 and 120 columns, in English and Chinese,
shows every address, port, MAC and state of its JSON export whole, on lines no wider than the
terminal (issue 12).

The values are read from the scenario's ``--json`` document, never written out here, so the
check follows the scenarios as they change. "Whole" means the value stands in the text with no
letter or digit of an address glued to either side; a value cut with an ellipsis or split
across two lines leaves a token that is the start of a value but not a value (``SYN-REC``,
``192.168.…``, ``198.51.100.80:8``), which fails too. The diagrams are checked before rich
wraps them: a diagram line wider than the terminal is a failure even if rich would fold it.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Callable, Iterator

import pytest
from rich.cells import cell_len
from rich.console import Console

from netlab import i18n
from netlab.sim import (
    arp,
    close,
    connection,
    dhcp,
    dns,
    handshake,
    journey,
    layers,
    nat,
    ospf,
    rip,
    route,
)
from netlab.sim.close import CloseOptions
from netlab.sim.hosts import TcpParams
from netlab.sim.tcp import State
from netlab.sim.topology import BUILT_IN
from netlab.views import detail, hexdump, report, states
from netlab.views.json_export import trace_dict

WIDTHS = (60, 80, 120)
LANGS = ("en", "zh")

TRACES: dict[str, Callable[[], object]] = {
    "handshake": lambda: handshake.build(TcpParams()),
    "handshake_lose_syn_ack": lambda: handshake.build(TcpParams(lose="syn-ack", lose_times=2)),
    "handshake_seed": lambda: handshake.build(TcpParams(seed=7)),
    "close": lambda: close.build(TcpParams(), CloseOptions()),
    "close_simultaneous": lambda: close.build(TcpParams(), CloseOptions(simultaneous=True)),
    "close_merge": lambda: close.build(TcpParams(), CloseOptions(merge=True)),
    "tcp": lambda: connection.build(TcpParams(), [], []),
    "tcp_rounds": lambda: connection.build(TcpParams(seed=3), [b"GET /", b"x"], [b"OK"], 2),
    "layers": lambda: layers.build(layers.LayersOptions()),
    "layers_udp_osi": lambda: layers.build(layers.LayersOptions(model="osi", udp=True)),
    "arp": lambda: arp.build(arp.ArpOptions()),
    "arp_hub": lambda: arp.build(arp.ArpOptions(hub=True, hosts=6)),
    "arp_loop": lambda: arp.build(arp.ArpOptions(loop=True)),
    "arp_outside": lambda: arp.build(arp.ArpOptions(target="8.8.8.8", again=True)),
    "nat": lambda: nat.build(nat.NatOptions()),
    "nat_dynamic": lambda: nat.build(nat.NatOptions(mode="dynamic")),
    "nat_static": lambda: nat.build(nat.NatOptions(mode="static")),
    "nat_six": lambda: nat.build(nat.NatOptions(hosts=6, flows=6)),
    "dhcp": lambda: dhcp.build(dhcp.DhcpOptions()),
    "dhcp_six": lambda: dhcp.build(dhcp.DhcpOptions(clients=6)),
    "dns": lambda: dns.build(dns.DnsOptions()),
    "dns_again_mx": lambda: dns.build(dns.DnsOptions(qtype="MX", again=True)),
    "journey": lambda: journey.build(journey.JourneyOptions()),
    "route": lambda: route.build(route.RouteOptions()),
    "route_traceroute_line": lambda: route.build(
        route.RouteOptions(BUILT_IN["line"](), traceroute=True)
    ),
    "route_mesh_ttl": lambda: route.build(route.RouteOptions(BUILT_IN["mesh"](), ttl=2)),
    "rip_line_fail": lambda: rip.build(rip.RipOptions(fail="R2-R3", split_horizon=False)),
    "rip_mesh": lambda: rip.build(rip.RipOptions(BUILT_IN["mesh"](), fail="R1-R5")),
    "ospf_mesh_fail": lambda: ospf.build(ospf.OspfOptions(BUILT_IN["mesh"](), fail="R2-R3")),
}
#: The scenarios whose --detail and --hexdump are checked too (one of each kind of packet).
PACKET_VIEWS = (
    "handshake",
    "nat",
    "layers_udp_osi",
    "route_mesh_ttl",
    "rip_mesh",
    "ospf_mesh_fail",
)

IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
PAIR = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}(?!\d)")
MAC = re.compile(r"(?<![0-9a-fA-F:])[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}(?![0-9a-fA-F:])")
BOX = "\u2500-\u257f\u2580-\u259f▶◀✕◆"
SEPARATORS = re.compile(rf"[\s{BOX}]+")
PUNCTUATION = "()[]{}<>,;。，、：；！？\"'“”‘’「」*•"
STATE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$|^[A-Z]{4,}$")


@functools.cache
def trace(name: str):
    return TRACES[name]()


@functools.cache
def document(name: str, lang: str) -> dict:
    if name == "states":
        return states.table_document(lang)
    if name == "states_time_wait":
        return states.state_document(State.TIME_WAIT, lang)
    return json.loads(json.dumps(trace_dict(trace(name), lang)))


def strings(obj: object) -> Iterator[str]:
    if isinstance(obj, dict):
        for value in obj.values():
            yield from strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings(value)
    elif isinstance(obj, str | int) and not isinstance(obj, bool):
        yield str(obj)


def shown_values(doc: dict) -> dict[str, set[str]]:
    """The values of the document the report shows: node addresses and ports; every address,
    address:port pair and MAC in what a step says, its tables and its states; the states."""
    out: dict[str, set[str]] = {"ip": set(), "pair": set(), "mac": set(), "port": set()}
    out["state"] = set()
    shown: list[object] = [[node.get("ip") for node in doc.get("nodes", [])]]
    for node in doc.get("nodes", []):
        if node.get("port"):
            out["port"].add(str(node["port"]))
    for step in doc.get("steps", []):
        shown += [step["states"], step["tables"], step["note"], step["summary"]]
        out["state"].update(v for v in step["states"].values() if v)
    if doc.get("table") == "tcp-states":  # simulate states: the states and the arcs' states
        for value in strings(doc):
            if value in {s.value for s in State}:
                out["state"].add(value)
    for value in strings(shown):
        out["ip"].update(IPV4.findall(value))
        out["pair"].update(PAIR.findall(value))
        out["mac"].update(m.lower() for m in MAC.findall(value))
    for value in out["pair"]:
        out["port"].add(value.rsplit(":", 1)[1])
    return out


def is_whole(text: str, value: str, kind: str) -> bool:
    v = re.escape(value)
    pattern = {
        "mac": rf"(?i)(?<![0-9a-f:]){v}(?![0-9a-f:])",
        "state": rf"(?<![\w-]){v}(?![\w-])",
        "port": rf"(?<![\w.]){v}(?!\d)",
    }.get(kind, rf"(?<![\d.]){v}(?!\d|\.\d)")
    return re.search(pattern, text) is not None


def tokens(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        for token in SEPARATORS.split(line):
            token = token.strip(PUNCTUATION)
            if token:
                yield number, token


def cut_values(text: str, doc: dict, values: set[str]) -> list[str]:
    """Tokens that are the start of a value but not a value: cut or split across lines."""
    known = {t.strip(PUNCTUATION) for s in strings(doc) for t in SEPARATORS.split(s)}
    starts = {value[:n]: value for value in values for n in range(2, len(value))}
    out = []
    for number, token in tokens(text):
        cut = token.endswith(("…", "..."))
        core = token.rstrip("….") if cut else token.rstrip(".")
        value = starts.get(core)
        if value is None or core in values or (not cut and core in known):
            continue
        if core.isdigit() and len(core) < 3 and not cut:
            continue  # a small number is a number, not a cut port
        if any(sign in value for sign in ".:") and not any(sign in core for sign in ".:"):
            continue  # a byte of a hex dump, not a cut address
        out.append(f"line {number}: {token!r} cuts {value!r}")
    return out


def problems(text: str, doc: dict, width: int) -> list[str]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if cell_len(line.rstrip()) > width:
            out.append(f"line {number} is {cell_len(line.rstrip())} cells wide: {line!r}")
    values = shown_values(doc)
    for kind, found in values.items():
        out += [
            f"{kind} {v} is never shown whole" for v in sorted(found) if not is_whole(text, v, kind)
        ]
    out += cut_values(text, doc, set().union(*values.values()))
    return out


CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
WORD = re.compile(rf"[{CJK}]|[^\s{CJK}{BOX}]+")
RULE = re.compile(r"^[-=+|_.]+$")
#: Column headings that a compact layout (one record per line) leaves out on purpose: the step
#: number's "#", the journey summary's "Address" and "Value" and the TCP/UDP comparison's
#: "Aspect" (each line says what it is).
LEFT_OUT = ("ui.no", "journey.summary.address", "journey.summary.value", "layers.col.aspect")


def lost(wide: str, narrow: str, lang: str) -> set[str]:
    """The words of the widest rendering that the narrow one never shows whole: a word cut with
    an ellipsis, folded inside a table cell or cropped (a CJK character counts as a word)."""

    def words(text: str) -> set[str]:
        found = {w.strip(PUNCTUATION + ":") for w in WORD.findall(text)}
        return {w for w in found if w and not RULE.match(w)}

    return words(wide) - words(narrow) - words(" ".join(i18n.text(k, lang) for k in LEFT_OUT))


def plain(renderable, width: int) -> str:
    console = Console(
        record=True, color_system=None, width=width, file=io.StringIO(), legacy_windows=False
    )
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TRACES))
def test_report_shows_every_value_whole(name, lang):
    t = trace(name)
    found = []
    wide = ""
    for width in sorted(WIDTHS, reverse=True):
        found += [
            f"{width} columns: diagram line {i} is {cell_len(line.plain)} cells: {line.plain!r}"
            for i, line in enumerate(report.diagram_for(t, lang, width, False).lines(), 1)
            if cell_len(line.plain.rstrip()) > width
        ]
        text = plain(report.report(t, lang, width), width)
        found += [f"{width} columns: {p}" for p in problems(text, document(name, lang), width)]
        # the widest rendering is the reference: a word cut there is a fragment the others lack
        wide = wide or text
        found += [f"{width} columns: {w!r} is lost (cut or folded)" for w in lost(wide, text, lang)]
    assert not found, f"{name} ({lang}):\n" + "\n".join(found[:12])


HEX_ROW = re.compile(r"^[0-9a-f]{4}  ")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PACKET_VIEWS)
def test_detail_and_hexdump_fit(name, lang):
    t = trace(name)
    doc = document(name, lang)
    found = []
    for width in WIDTHS:
        dump = plain(hexdump.hexdump(t, lang), width)
        text = plain(detail.detail(t, lang), width) + dump
        found += [
            f"{width} columns: {p}"
            for p in problems(text, doc, width)
            if "never shown whole" not in p
        ]
        # a row of the dump ends with the layers its bytes belong to: it was not wrapped
        found += [
            f"{width} columns: hex row wrapped: {line!r}"
            for line in dump.splitlines()
            if HEX_ROW.match(line) and not re.search(r"  [A-Za-z_|]+\s*$", line)
        ]
    assert not found, f"{name} --detail, --hexdump ({lang}):\n" + "\n".join(found[:12])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["states", "states_time_wait"])
def test_states_table_shows_every_state_whole(name, lang):
    doc = document(name, lang)
    meanings = [s for s in strings(doc) if cell_len(s) > 30]  # the sentences of the table
    found = []
    for width in WIDTHS:
        view = (
            states.full_table(lang) if name == "states" else states.one_state(State.TIME_WAIT, lang)
        )
        text = plain(view, width)
        found += [f"{width} columns: {p}" for p in problems(text, doc, width)]
        found += [f"{width}: sentence cut: {m[:50]!r}" for m in meanings if not _words_in(m, text)]
    assert not found, f"{name} ({lang}):\n" + "\n".join(found[:12])


def _words_in(sentence: str, text: str) -> bool:
    """Every word of ``sentence`` is in ``text`` (a table squeezed too far cuts words)."""
    flat = " ".join(text.split())
    return all(word in flat for word in sentence.split() if not re.search(r"[\u2e80-\uffef]", word))


def test_a_cut_or_split_value_is_found():
    """The checks above can fail: an ellipsis, a split pair and a cut state are each caught."""
    doc = {
        "nodes": [{"ip": "192.168.1.10", "port": 51000}],
        "steps": [
            {
                "states": {"client": "SYN-RECEIVED"},
                "tables": {},
                "note": "to 198.51.100.80:80",
                "summary": "",
            }
        ],
    }
    whole = "192.168.1.10:51000 SYN-RECEIVED 198.51.100.80:80"
    assert problems(whole, doc, 60) == []
    assert problems("192.168.… SYN-RECEIVED 198.51.100.80:80 51000", doc, 60)
    assert problems("192.168.1.10 51000 SYN-REC 198.51.100.80:80", doc, 60)
    split = "192.168.1.10 51000 SYN-RECEIVED 198.51.100.80:8\n0"
    assert any("cuts '198.51.100.80:80'" in p for p in problems(split, doc, 60))
    assert problems(whole + " " * 30 + "x", doc, 60)


def test_fit_keeps_a_table_that_fits_and_lists_one_that_does_not():
    """A table with addresses stays a table where it fits; narrower, each row is one record
    whose "column: value" units are never broken."""
    from rich.table import Table

    from netlab.views.fitting import fit_table

    table = Table(title="NAT")
    for heading in ("Inside local", "Inside global", "Outside"):
        table.add_column(heading, overflow="fold")
    table.add_row("192.168.1.10:51000", "203.0.113.5:51000", "198.51.100.80:80")
    wide = plain(fit_table(table, "en"), 120)
    assert "Inside local: " not in wide and "192.168.1.10:51000" in wide
    narrow = plain(fit_table(table, "en"), 40).splitlines()
    for unit in ("Inside local: 192.168.1.10:51000", "Outside: 198.51.100.80:80"):
        assert any(unit in line for line in narrow), narrow
    # narrower than a unit: it wraps at its space, the value stays whole
    narrowest = plain(fit_table(table, "en"), 26).splitlines()
    for value in ("192.168.1.10:51000", "203.0.113.5:51000", "198.51.100.80:80"):
        assert any(value in line for line in narrowest), narrowest
    assert max(cell_len(line.rstrip()) for line in narrowest) <= 26
