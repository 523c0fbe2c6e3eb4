"""``netlab simulate ... --html FILE`` (issue 16): one page per trace, from every scenario.

The path is checked before any work (a missing folder or a folder: status 2, one error line,
nothing written, no report); a write that fails once the work is done is status 1; ``-`` puts
the page on standard output and the report on standard error. What the page holds is
tests/unit/test_html_data.py's; how it behaves in a browser, tests/browser/.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA_BLOCK = re.compile(r'<script type="application/json" id="netlab-data">(.*?)</script>', re.S)

EVERY_SCENARIO = [
    ["handshake"],
    ["close", "--lose", "ack"],
    ["tcp"],
    ["layers"],
    ["arp", "--loop"],
    ["nat"],
    ["dhcp"],
    ["dns"],
    ["journey"],
    ["route", "--traceroute"],
    ["rip"],
    ["ospf"],
]


def page_doc(page: str) -> dict:
    blocks = DATA_BLOCK.findall(page)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def one_error_line(status: int, out: str, err: str, expected: int) -> str:
    assert "Traceback" not in out + err
    assert status == expected, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netlab: error: "), err
    return lines[0]


@pytest.mark.parametrize("argv", EVERY_SCENARIO, ids=" ".join)
def test_every_scenario_writes_a_page(run, tmp_path: Path, argv: list[str]) -> None:
    path = tmp_path / "trace.html"
    status, out, err = run("simulate", *argv, "--html", str(path))
    assert status == 0, err
    assert out.rstrip().splitlines()[-1] == f"Wrote the page to {path}; open it in a web browser."
    page = path.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for marker in ("/*NETLAB_CSS*/", "/*NETLAB_JS*/", "__NETLAB_DATA__"):
        assert marker not in page
    doc = page_doc(page)
    assert doc["json"]["scenario"] == argv[0]
    assert len(doc["steps"]) == len(doc["json"]["steps"]) > 0
    assert doc["command"] == " ".join(["netlab", "simulate", *argv, "--html", str(path)])
    assert "http://" not in page.replace("http://www.w3.org/", "") and "https://" not in page


def test_the_page_is_in_the_chosen_language(run, tmp_path: Path) -> None:
    path = tmp_path / "zh.html"
    status, out, err = run("simulate", "handshake", "--lang", "zh", "--html", str(path))
    assert status == 0, err
    assert out.rstrip().splitlines()[-1] == f"已把网页写入 {path}，请用浏览器打开。"
    page = path.read_text("utf-8")
    assert '<html lang="zh">' in page and "<title>TCP 三次握手" in page
    doc = page_doc(page)
    assert doc["lang"] == "zh"
    assert doc["command"] == f"netlab simulate handshake --lang zh --html {path}"
    assert doc["steps"][0]["terminal"] == "netlab simulate handshake --lang zh --step"


def test_view_options_are_left_out_of_the_page_command(run, tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    status, _out, err = run(
        "simulate", "close", "--lose", "ack", "--detail", "--pcap", str(tmp_path / "x.pcap"),
        "--html", str(path),
    )  # fmt: skip
    assert status == 0, err
    assert page_doc(path.read_text("utf-8"))["command"] == (
        f"netlab simulate close --lose ack --html {path}"
    )


@pytest.mark.parametrize("where", ["missing/page.html", "folder"])
def test_a_path_that_cannot_be_written_is_refused_before_work(
    run, tmp_path: Path, where: str
) -> None:
    (tmp_path / "folder").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    status, out, err = run("simulate", "journey", "--html", str(tmp_path / where))
    line = one_error_line(status, out, err, 2)
    assert "--html" in line
    assert out == ""  # no report: nothing was simulated
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_failed_write_after_the_work_is_status_1(run) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    status, out, err = run("simulate", "handshake", "--html", "/dev/full")
    assert status == 1, err
    assert "Traceback" not in out + err
    assert err.splitlines()[-1].startswith("netlab: error: ") and "/dev/full" in err
    assert "SYN" in out  # the work was done: the report came first


def test_the_page_to_standard_output() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), NETLAB_LANG="en", COLUMNS="100")
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "simulate", "handshake", "--html", "-"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page_doc(page)["command"] == "netlab simulate handshake --html -"
    assert b"SYN" in done.stderr and b"Wrote the page to standard output." in done.stderr


@pytest.mark.parametrize(
    "argv",
    [("--html", "-", "--json"), ("--html", "-", "--svg", "-"), ("--pcap", "-", "--html", "-")],
)
def test_standard_output_carries_one_thing(run, argv) -> None:
    status, out, err = run("simulate", "handshake", *argv)
    line = one_error_line(status, out, err, 2)
    assert "together" in line


def test_html_with_json_on_standard_output(run, tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    status, out, err = run("simulate", "arp", "--json", "--html", str(path))
    assert status == 0, err
    assert json.loads(out) == page_doc(path.read_text("utf-8"))["json"]
    assert "Wrote the page" in err


def test_predict_writes_the_page_after_the_exercise(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("A\n" * 10))
    path = tmp_path / "p.html"
    argv = ["handshake", "--predict", "--json", "--pcap", str(tmp_path / "p.pcap")]
    status, out, err = run("simulate", *argv, "--html", str(path))
    assert status == 0, err
    doc = json.loads(out)  # the notes ("Wrote ...") went to standard error
    assert all("html" not in answer["id"] for answer in doc["answers"])  # not in the card ids
    assert (
        page_doc(path.read_text("utf-8"))["command"] == f"netlab simulate handshake --html {path}"
    )
    assert "Wrote the page" in err and "Wrote 3 frames" in err


def test_a_live_trace_writes_its_page(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--live``: the model's steps next to the kernel's (the ``--json`` document of --live),
    no terminal hint (``--step`` is refused with --live) and no frame numbers (its ``--pcap``
    is the capture, numbered otherwise)."""
    from netlab.live import proc_tcp

    if not sys.platform.startswith("linux") or not proc_tcp.available():
        pytest.skip("--live needs Linux's /proc/net/tcp")
    monkeypatch.setenv("NETLAB_LIVE_NO_CAPTURE", "1")
    path = tmp_path / "live.html"
    status, _out, err = run("simulate", "handshake", "--live", "--html", str(path))
    assert status == 0, err
    page = path.read_text("utf-8")
    doc = page_doc(page)
    assert doc["command"] == f"netlab simulate handshake --live --html {path}"
    assert "live" in doc["json"] and doc["json"]["steps"][-1]["kernel_states"]
    assert all(s["terminal"] is None and s["frame"] is None for s in doc["steps"])
    assert all(s["bytes"] for s in doc["steps"])  # the model's frames, with the real ports
    assert "<title>Model next to the kernel" in page
