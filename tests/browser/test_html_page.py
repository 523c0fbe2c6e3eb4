"""The ``--html`` page in a real browser (headless Chromium through selenium; see conftest).

For handshake, close ``--lose ack``, arp ``--loop``, nat and journey: the page loads with no
console message of level SEVERE and asks for nothing but its own file; it draws one arrow per
receiver of every step that carries a packet (a flood to three switches is three arrows, a lost
segment one arrow that stops short); Next, the arrow keys and ``#step=N`` move the current step,
whose note is the document's; a step's layer tree shows the document's field values and its
hexdump the pcap's bytes; the language toggle changes every sentence; at 360 px only the diagram
and the hexdump scroll sideways. Hostile text from the command line (``--data``, ``--message``,
a topology file's name) shows literally and runs no script. Screenshots are saved, not compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SCENARIOS = {
    "handshake": ("handshake",),
    "close": ("close", "--lose", "ack"),
    "arp-loop": ("arp", "--loop"),
    "nat": ("nat",),
    "journey": ("journey",),
}
HOSTILE = "</script><script>window.__pwned=1;alert(1)</script><img src=x onerror=alert(2)>"

# one round trip: what the page shows now
STATE_JS = """
var row = document.querySelector('.step-row[aria-current="step"]');
var g = document.querySelectorAll('svg g.step.current');
return {
  row: row ? Number(row.getAttribute('data-step')) : 0,
  svg: Array.prototype.map.call(g, function (e) { return Number(e.getAttribute('data-step')); }),
  note: document.getElementById('note').textContent,
  stepOf: document.getElementById('step-of').textContent,
  hash: location.hash
};
"""

# every packet step clicked in turn: its layer tree and hexdump as the page shows them
PANES_JS = """
var out = {};
document.querySelectorAll('.step-row').forEach(function (row) {
  row.click();
  var fields = [];
  document.querySelectorAll('#pane-layers details').forEach(function (d) {
    var layer = d.querySelector('.layer-name').textContent;
    d.querySelectorAll('.field').forEach(function (f) {
      fields.push([layer, f.getAttribute('data-field'), f.textContent,
                   Number(f.getAttribute('data-start')), Number(f.getAttribute('data-end'))]);
    });
  });
  var hex = Array.prototype.map.call(
    document.querySelectorAll('#pane-bytes .hex-bytes .b'), function (b) { return b.textContent; }
  ).join('');
  out[row.getAttribute('data-step')] = {fields: fields, hex: hex};
});
return out;
"""


def packet_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in doc["steps"] if s["dst"] is not None]


def expected_arrows(doc: dict[str, Any]) -> int:
    """The drawing rule: one arrow from the sender to each receiver (``to``; ``dst`` when
    ``to`` is empty), lost or not; none for a local event."""
    return sum(max(1, len(s["to"])) for s in packet_steps(doc))


def state(driver: Any) -> dict[str, Any]:
    return driver.execute_script(STATE_JS)


def shown(value: Any) -> str:
    """A field value as the page writes it (JSON for lists and objects)."""
    import json

    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.fixture(params=list(SCENARIOS), ids=list(SCENARIOS))
def scenario(request: pytest.FixtureRequest, page: Any) -> Any:
    return page(request.param, *SCENARIOS[request.param])


def test_loads_without_errors_or_requests(driver: Any, open_page: Any, scenario: Any) -> None:
    import json

    open_page(scenario.url)
    console = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert console == []
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    assert requests, "the performance log recorded no request at all"
    assert {url.split("#")[0] for url in requests} == {scenario.url}


def test_one_arrow_per_receiver(driver: Any, open_page: Any, scenario: Any) -> None:
    open_page(scenario.url)
    doc = scenario.doc
    counts = driver.execute_script(
        "return [document.querySelectorAll('svg g.arrow').length,"
        " document.querySelectorAll('svg g.arrow.lost').length,"
        " document.querySelectorAll('svg g.step').length]"
    )
    lost = sum(max(1, len(s["to"])) for s in packet_steps(doc) if s["lost"])
    assert counts == [expected_arrows(doc), lost, len(doc["steps"])]
    assert expected_arrows(doc) > 0


def test_next_and_keys_walk_the_steps(driver: Any, open_page: Any, scenario: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    doc = scenario.doc
    lang = doc["lang"]
    total = len(doc["steps"])
    open_page(scenario.url)
    assert state(driver)["row"] == 0
    button = driver.find_element(By.ID, "btn-next")
    for n in range(1, total + 1):
        button.click()
        now = state(driver)
        assert (now["row"], now["svg"], now["hash"]) == (n, [n], f"#step={n}")
        assert now["note"] == doc["text"][lang]["notes"][str(n)]
        assert str(n) in now["stepOf"] and str(total) in now["stepOf"]
    assert not button.is_enabled()
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)
    assert state(driver)["row"] == total - 1
    body.send_keys(Keys.HOME)
    assert state(driver)["row"] == 0
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert state(driver)["row"] == 2
    body.send_keys(Keys.END)
    assert state(driver)["row"] == total
    driver.find_element(By.ID, "btn-reset").click()
    assert state(driver)["row"] == 0


def test_fragment_opens_a_step(driver: Any, open_page: Any, scenario: Any) -> None:
    doc = scenario.doc
    n = min(5, len(doc["steps"]))
    open_page(scenario.url, f"#step={n}")
    now = state(driver)
    assert (now["row"], now["svg"]) == (n, [n])
    assert now["note"] == doc["text"][doc["lang"]]["notes"][str(n)]
    driver.execute_script("location.hash = '#step=2'")
    driver.execute_script("return 0")  # let hashchange run
    assert state(driver)["row"] == 2


def test_keyboard_reaches_and_picks_a_step(driver: Any, open_page: Any, page: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    close = page("close", *SCENARIOS["close"])
    open_page(close.url)
    focused = []
    for _ in range(6):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused.append(
            driver.execute_script(
                "return document.activeElement.id || document.activeElement.className"
            )
        )
    # before the first step Back is disabled, and no packet pane has fields yet
    assert focused == [
        "lang-toggle",
        "diagram-box",
        "btn-next",
        "btn-play",
        "btn-reset",
        "step-row",
    ]
    driver.execute_script("document.querySelector('.step-row[data-step=\"4\"]').focus()")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert state(driver)["row"] == 4
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_panes_show_the_fields_and_the_pcap_bytes(
    driver: Any, open_page: Any, scenario: Any
) -> None:
    from scapy.utils import rdpcap

    doc = scenario.doc
    frames = rdpcap(str(scenario.pcap))
    open_page(scenario.url)
    panes = driver.execute_script(PANES_JS)
    checked = 0
    for step in packet_steps(doc):
        got = panes[str(step["index"])]
        want = [
            [layer["name"], f["name"], f"{f['name']}: {shown(f['value'])}", f["start"], f["end"]]
            for layer in step["layers"]
            for f in layer["fields"]
        ]
        assert got["fields"] == want, step["index"]
        assert got["hex"] == step["bytes"]
        frame = step["frame"] or int(step["filter"].rsplit(" ", 1)[1])
        assert got["hex"] == bytes(frames[frame - 1]).hex(), step["index"]
        # the --json contract's values, through the page
        exported = doc["json"]["steps"][step["index"] - 1]
        by_name = {(row[0], row[1]): row[2] for row in got["fields"]}
        if exported["tcp"] is not None:
            tcp = next(layer["name"] for layer in step["layers"] if layer["name"] == "TCP")
            assert by_name[(tcp, "seq")] == f"seq: {exported['tcp']['seq']}"
            assert by_name[(tcp, "ack")] == f"ack: {exported['tcp']['ack']}"
            checked += 1
        if "pdst" in exported["fields"] and ("ARP", "pdst") in by_name:
            assert by_name[("ARP", "pdst")] == f"pdst: {exported['fields']['pdst']}"
            checked += 1
    if scenario.doc["json"]["scenario"] in ("handshake", "close", "arp", "journey"):
        assert checked > 0


def test_hover_links_fields_and_bytes(driver: Any, open_page: Any, page: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    close = page("close", *SCENARIOS["close"])
    open_page(close.url, "#step=1")
    field = driver.find_element(By.CSS_SELECTOR, '#pane-layers .field[data-field="seq"]')
    ActionChains(driver).move_to_element(field).perform()
    lit = driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.hex-bytes .b.hl'),"
        " function (b) { return Number(b.getAttribute('data-off')); })"
    )
    start, end = int(field.get_attribute("data-start")), int(field.get_attribute("data-end"))
    assert lit == list(range(start, end)) and end - start == 4
    byte = driver.find_element(By.CSS_SELECTOR, f'.hex-bytes .b[data-off="{start + 1}"]')
    ActionChains(driver).move_to_element(byte).perform()
    assert driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.field.hl'),"
        " function (f) { return f.getAttribute('data-field'); })"
    ) == ["seq"]


def _sentences(doc: dict[str, Any], lang: str, step: int) -> set[str]:
    t = doc["text"][lang]
    out = {t["title"], *t["header"], *t["remember"], t["notes"][str(step)]}
    out |= set(t["summary"].values())
    ui = t["ui"]
    out |= {ui[k] for k in ("back", "next", "play", "reset", "layers", "bytes", "step_table")}
    out |= {ui[k] for k in ("time", "from", "to", "protocol", "reproduce_terminal")}
    return {s for s in out if s}


def test_language_toggle_switches_every_sentence(
    driver: Any, open_page: Any, scenario: Any
) -> None:
    from selenium.webdriver.common.by import By

    doc = scenario.doc
    first = doc["lang"]
    second = next(lang for lang in doc["text"] if lang != first)
    open_page(scenario.url, "#step=3")
    for now, before in ((second, first), (first, second)):
        driver.find_element(By.ID, "lang-toggle").click()
        visible = driver.find_element(By.TAG_NAME, "body").text
        assert state(driver)["row"] == 3
        want = _sentences(doc, now, 3)
        gone = _sentences(doc, before, 3)
        for sentence in want:
            assert " ".join(sentence.split()) in " ".join(visible.split()), sentence
        for sentence in gone - want:
            # ASCII-only labels (flags, Info lines) are the same in both languages
            if len(sentence) > 3 and not any(sentence in s for s in want):
                assert sentence not in visible, sentence
        assert driver.execute_script("return document.title") == doc["text"][now]["title"]


def test_screenshots_and_narrow_layout(
    driver: Any, open_page: Any, scenario: Any, artifacts: Path
) -> None:
    name = scenario.html.stem
    try:
        for width, height in ((1280, 800), (360, 740)):
            driver.set_window_size(width, height)
            open_page(scenario.url, "#step=2")
            assert driver.execute_script("return window.innerWidth") == width
            driver.save_screenshot(str(artifacts / f"{name}-{width}x{height}.png"))
            wide = driver.execute_script(
                "var W = document.documentElement.clientWidth; var out = [];"
                "document.querySelectorAll('body *').forEach(function (e) {"
                "  if (e.closest('.diagram-box, .hexdump, .table-wrap')) return;"
                "  if (e.getBoundingClientRect().right > W + 0.5) out.push(e.tagName + '.'"
                "   + e.className + ': ' + e.textContent.slice(0, 40)); });"
                "return [document.documentElement.scrollWidth, W, out];"
            )
            assert wide[0] <= width and wide[0] <= wide[1], wide
            assert wide[2] == []
        assert (artifacts / f"{name}-360x740.png").stat().st_size > 1000
    finally:
        driver.set_window_size(1280, 800)


def test_print_style_shows_the_whole_diagram_and_notes(
    driver: Any, open_page: Any, page: Any
) -> None:
    journey = page("journey", *SCENARIOS["journey"])
    open_page(journey.url, "#step=3")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        got = driver.execute_script(
            "var box = document.querySelector('.diagram-box');"
            "var notes = document.querySelectorAll('.print-note');"
            "return [getComputedStyle(document.querySelector('.playback')).display,"
            " getComputedStyle(box).overflowX, box.scrollWidth <= box.clientWidth + 1,"
            " notes.length, getComputedStyle(notes[0]).display]"
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert got == ["none", "visible", True, len(journey.doc["steps"]), "table-row"]
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})
    assert len(pdf["data"]) > 1000


def _no_script_ran(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    assert driver.execute_script("return window.__pwned === undefined")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.find_elements("css selector", "body img") == []


@pytest.mark.parametrize(
    "argv",
    [
        ("close", "--data", HOSTILE),
        ("tcp", "--data", HOSTILE),
        ("layers", "--message", HOSTILE),
    ],
    ids=["close-data", "tcp-data", "layers-message"],
)
def test_hostile_text_shows_literally(
    driver: Any, open_page: Any, write_page: Any, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    from selenium.webdriver.common.by import By

    made = write_page(tmp_path, "hostile", *argv, pcap=False)
    assert "</script><script>" not in made.html.read_text().split('id="netlab-data">')[1]
    open_page(made.url, "#step=1")
    _no_script_ran(driver)
    assert HOSTILE in driver.find_element(By.CSS_SELECTOR, ".command code").text
    assert made.doc["command"].count(HOSTILE) == 1
    assert driver.execute_script("return document.querySelectorAll('script').length") == 2


def test_hostile_topology_file_name(
    driver: Any, open_page: Any, write_page: Any, tmp_path: Path
) -> None:
    """docs/topology-format.md allows only letters, digits, '_' and '-' in node, network and
    topology names, so `<img …>` as a node name is refused (no page); what gets through is the
    file's own name, shown in the command line."""
    from selenium.webdriver.common.by import By

    from netlab.cli import main as cli_main

    source = Path(__file__).parents[2] / "data" / "topologies" / "campus.toml"
    text = source.read_text().replace('name = "campus"', "")
    named = tmp_path / "named.toml"
    named.write_text(text.replace('"R1', '"<img src=x onerror=alert(1)>'))
    refused = tmp_path / "refused.html"
    argv = ["simulate", "route", "--topology", str(named), "--html", str(refused)]
    assert cli_main.main(argv) == 2 and not refused.exists()  # a usage error
    hostile = tmp_path / "<img src=x onerror=alert(1)>.toml"
    hostile.write_text(text)
    made = write_page(tmp_path, "route", "route", "--topology", str(hostile), pcap=False)
    open_page(made.url, "#step=1")
    _no_script_ran(driver)
    assert str(hostile) in driver.find_element(By.CSS_SELECTOR, ".command code").text


def test_dns_name_refuses_markup(tmp_path: Path) -> None:
    """--name is checked as a host name, so markup never reaches a dns page."""
    from netlab.cli import main as cli_main

    status = cli_main.main(
        ["simulate", "dns", "--name", HOSTILE, "--html", str(tmp_path / "dns.html")]
    )
    assert status != 0 and not (tmp_path / "dns.html").exists()
