"""Every sentence exists in English and Chinese, with the same placeholders.

Three nets: the two catalogues have the same keys and placeholders; every catalogue key that the
source code names literally exists; and every Note that any scenario variant produces (titles,
headers, step notes, summaries, nested parameters) renders from both catalogues.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netlab import i18n
from netlab.i18n import Note
from netlab.sim import close, connection, handshake
from netlab.sim.close import CloseOptions
from netlab.sim.hosts import TcpParams
from netlab.sim.tcp import TRANSITIONS, State

SOURCE = Path(__file__).resolve().parents[2] / "netlab"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_key_is_defined_in_two_files(lang):
    import tomllib

    owner: dict[str, str] = {}
    for file in i18n.catalogue_files(lang):
        for key in i18n._flatten(tomllib.loads(file.read_text("utf-8"))):
            assert key not in owner, f"{key} in {file.name} and {owner[key]}"
            owner[key] = file.name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_texts_live_in_help_toml(lang):
    """``--help`` reads only help.toml: every help key must be there and nowhere else."""
    helps = {k for k in i18n.catalogue(lang) if k.startswith("help.")}
    assert helps == set(i18n.help_catalogue(lang))


def test_both_languages_have_the_same_files():
    names = {lang: [f.name for f in i18n.catalogue_files(lang)] for lang in ("en", "zh")}
    assert names["en"] == names["zh"]


def test_catalogues_have_the_same_keys():
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    assert sorted(set(en) - set(zh)) == [], "missing in the zh catalogue"
    assert sorted(set(zh) - set(en)) == [], "missing in the en catalogue"


@pytest.mark.parametrize("key", sorted(i18n.catalogue("en")))
def test_placeholders_match(key):
    en, zh = i18n.catalogue("en")[key], i18n.catalogue("zh")[key]
    assert set(PLACEHOLDER.findall(en)) == set(PLACEHOLDER.findall(zh)), key
    assert zh.strip() or key.endswith("_sep"), key  # a separator may be empty in Chinese


def test_chinese_catalogue_is_chinese():
    zh = i18n.catalogue("zh")
    prose = [k for k in zh if k.startswith(("tcp.send.", "tcp.arc.", "help.", "errors.allowed."))]
    assert prose
    for key in prose:
        assert re.search(r"[\u4e00-\u9fff]", zh[key]), f"{key} has no Chinese: {zh[key]!r}"


def _literal_keys() -> set[str]:
    keys = set()
    pattern = re.compile(r"""(?<![.\w])(?:Note|text|allowed)\(\s*f?["']([a-z_.]+[a-z_])["']""")
    for path in SOURCE.rglob("*.py"):
        for key in pattern.findall(path.read_text("utf-8")):
            keys.add(key if "." in key else f"errors.allowed.{key}")
    keys |= {
        f"help.{k}"
        for p in SOURCE.rglob("*.py")
        for k in re.findall(r'\bh\("([a-z_.]+)"\)', p.read_text("utf-8"))
    }
    return keys


def test_every_literal_key_in_the_code_exists():
    en = i18n.catalogue("en")
    keys = {k for k in _literal_keys() if not k.endswith(".")}
    assert keys, "the scan found nothing: the pattern is broken"
    missing = sorted(k for k in keys if k not in en)
    assert missing == []


def test_every_arc_and_state_is_explained():
    en = i18n.catalogue("en")
    for arc in TRANSITIONS.values():
        assert f"tcp.arc.{arc.key}" in en
    for state in State:
        assert f"tcp.state.{state.value}" in en


def _notes(note: Note):
    yield note
    for value in note.params.values():
        if isinstance(value, Note):
            yield from _notes(value)


def _all_traces():
    base = TcpParams()
    yield handshake.build(base)
    for lose in ("syn", "syn-ack", "ack"):
        yield handshake.build(TcpParams(lose=lose, lose_times=2))
    for opts in (
        CloseOptions(),
        CloseOptions(initiator="server"),
        CloseOptions(merge=True),
        CloseOptions(simultaneous=True),
        CloseOptions(half_close=True),
    ):
        yield close.build(base, opts)
    for lose in ("fin", "ack"):
        yield close.build(TcpParams(lose=lose), CloseOptions())
    yield connection.build(TcpParams(seed=1), [b"x" * 3000], [b"ok"])
    yield from _lan_traces()


def _lan_traces():
    """Every scenario with more than two nodes, in its variants (no frames: faster, same notes)."""
    from netlab.sim import arp, dhcp, dns, journey, layers, nat

    for opts in (
        arp.ArpOptions(),
        arp.ArpOptions(target="198.51.100.7", again=True),
        arp.ArpOptions(target="192.168.1.200"),
        arp.ArpOptions(hub=True),
        arp.ArpOptions(gratuitous=True),
        arp.ArpOptions(loop=True),
    ):
        yield arp.build(opts, frames=False)
    for mode in ("static", "dynamic", "pat"):
        yield nat.build(nat.NatOptions(mode=mode, hosts=3, flows=6, timeout=2.0), frames=False)
    yield dhcp.build(dhcp.DhcpOptions(clients=3, pool_size=2), frames=False)
    yield dhcp.build(dhcp.DhcpOptions(broadcast_flag=True), frames=False)
    for qtype in ("A", "AAAA", "CNAME", "MX"):
        yield dns.build(dns.DnsOptions(qtype=qtype, again=True), frames=False)
    yield dns.build(dns.DnsOptions(name="shop.example.org", qtype="CNAME"), frames=False)
    for model in ("osi", "tcpip"):
        for udp in (False, True):
            yield layers.build(layers.LayersOptions(model=model, udp=udp), frames=False)
    yield journey.build(journey.JourneyOptions(), frames=False)
    yield from _route_traces()
    yield from _rip_traces()


def _rip_traces():
    from netlab.sim import rip
    from netlab.sim.topology import BUILT_IN

    for make in BUILT_IN.values():
        net = make()
        yield rip.build(rip.RipOptions(net), frames=False)
        for split in (True, False):
            yield rip.build(rip.RipOptions(net, fail=rip.links(net)[0], split_horizon=split), False)


def _route_traces():
    from netlab.sim import route
    from netlab.sim.topology import BUILT_IN

    for make in BUILT_IN.values():
        net = make()
        for opts in (
            route.RouteOptions(net),
            route.RouteOptions(net, ttl=2),
            route.RouteOptions(net, traceroute=True),
            route.RouteOptions(net, to="198.51.100.7"),
            route.RouteOptions(net, to=net.address_of(net.routers[-1])),
        ):
            yield route.build(opts, frames=False)
    yield route.build(route.RouteOptions(to="192.168.2.99"), frames=False)
    yield route.build(route.RouteOptions(to="192.168.2.99", traceroute=True), frames=False)
    yield route.build(route.RouteOptions(ttl=1), frames=False)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_note_of_every_scenario_renders(lang):
    cat = i18n.catalogue(lang)
    seen = 0
    for trace in _all_traces():
        notes = [trace.title, *trace.header, *trace.remember]
        notes += [n for step in trace.steps for n in step.notes]
        for note in notes:
            for inner in _notes(note):
                assert inner.key in cat, f"{trace.scenario}: {inner.key} missing in {lang}"
                seen += 1
            rendered = i18n.render(note, lang)
            assert "{" not in rendered, rendered
            if lang == "zh":  # no "网关 的": a space only ever stands next to a Latin word
                assert not HAN_SPACE_HAN.search(rendered), rendered
        for step in trace.steps:
            if step.event:
                assert f"ui.event.{step.event}" in cat
            for key, rows in step.tables.items():
                kind = key.partition(":")[0]
                assert f"table.{kind}" in cat, f"{trace.scenario}: table.{kind} missing in {lang}"
                for row in rows:
                    for column in row:
                        assert f"table.{kind}.{column}" in cat, (trace.scenario, kind, column)
        for node in trace.nodes:
            if node.role not in ("client", "server") and len(node.name) > 1:
                assert f"node.{node.name}" in cat, f"{trace.scenario}: node.{node.name}"
    assert seen > 50


HAN_SPACE_HAN = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")


def test_a_chinese_value_joins_the_chinese_around_it():
    """The zh template's space next to a placeholder is kept for a Latin value and dropped
    between Han characters; the value itself is never changed."""
    assert i18n.text("table.arp", "zh", owner="网关") == "网关的 ARP 缓存"
    assert i18n.text("table.arp", "zh", owner="PC-A") == "PC-A 的 ARP 缓存"
    assert i18n.text("table.arp", "zh", owner="张 三") == "张 三的 ARP 缓存"
    assert i18n.text("table.arp", "en", owner="gateway") == "ARP cache of gateway"


def test_lang_from_env():
    assert i18n.lang_from_env({"NETLAB_LANG": "zh"}) == "zh"
    assert i18n.lang_from_env({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.lang_from_env({"NETLAB_LANG": "fr", "LANG": "zh_TW.UTF-8"}) == "zh"
    assert i18n.lang_from_env({"LANG": "C.UTF-8"}) == "en"
    assert i18n.lang_from_env({}) == "en"


def test_a_count_of_one_takes_the_singular_form() -> None:
    from netlab.i18n import text

    assert text("live.section.capture", "en", count=1).startswith("Captured on lo: 1 segment,")
    assert "3 segments" in text("live.section.capture", "en", count=3)
    assert "send() once" in text("tcp.app.send", "en", side="client", count=1, bytes=5)
    assert "(s)" not in text("tcp.app.send", "en", side="client", count=2, bytes=5)
    assert text("ui.quiz.header", "en", total=1, mode="m", seed=1).startswith("Quiz: 1 question,")
    # Chinese has no plural: its singular form only writes the 1 out
    assert "1 次" in text("tcp.app.send", "zh", side="x", count=1, bytes=5)
