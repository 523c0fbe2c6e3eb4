"""``netlab simulate dns`` end to end, in-process: options, views, and every bad value.

Runs in-process through ``netlab.cli.main.main`` (the ``run`` fixture): the same path (typer,
the one error handler) as a learner's command line.
"""

from __future__ import annotations

import re

import pytest

DNS = ("simulate", "dns")
CJK = re.compile(r"[\u3400-\u9fff]")


def test_default_run_draws_the_chain_and_the_cache(run):
    status, out, err = run(*DNS)
    assert status == 0, err
    assert "www.example.com" in out and "198.51.100.80" in out
    assert "a.root-servers.net" in out and "a.gtld-servers.net" in out
    assert "Standard query response" in out
    assert "TTL" in out


def test_json_document(run_json):
    doc = run_json(*DNS, "--again")
    assert doc["scenario"] == "dns"
    assert [n["name"] for n in doc["nodes"]] == ["laptop", "resolver", "root", "tld", "auth"]
    packets = [s for s in doc["steps"] if s["protocol"] == "DNS"]
    assert packets[0]["fields"]["rd"] == 1 and packets[0]["dst"] == "resolver"
    last = packets[-1]["fields"]
    assert (last["ra"], last["aa"], last["answers"][0]["ttl"]) == (1, 0, 3540)
    after = doc["steps"][9:]
    assert {s["src"] for s in after} | {s["dst"] for s in after} <= {"laptop", "resolver", None}
    assert any("cache" in s["summary"] for s in after)


@pytest.mark.parametrize("typed", ["aaaa", "AAAA", " Aaaa "])
def test_type_is_case_insensitive(run_json, typed):
    doc = run_json(*DNS, "--type", typed)
    assert doc["steps"][0]["fields"]["qtype"] == "AAAA"
    assert doc["steps"][-1]["fields"]["answers"][0]["value"] == "2001:db8::80"


def test_mx_and_a_trailing_dot(run_json):
    doc = run_json(*DNS, "--name", "Example.COM.", "--type", "mx")
    last = doc["steps"][-1]
    assert last["summary"].endswith("MX 10 mail.example.com A 198.51.100.25 AAAA 2001:db8::25")


def test_chinese(run):
    status, out, err = run(*DNS, "--again", "--lang", "zh")
    assert status == 0, err
    assert CJK.search(out) and "缓存" in out


def test_pcap_is_written(run, tmp_path):
    pcap = tmp_path / "dns.pcap"
    status, _out, err = run(*DNS, "--again", "--pcap", str(pcap))
    assert status == 0, err
    assert pcap.is_file() and pcap.stat().st_size > 24
    assert "Wrote 10 frames" in _out  # 8 for the first lookup, 2 for the cached second one


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--type", "FOO"), ("--type", "FOO")),
        (("--type", "TXT"), ("--type", "TXT")),
        (("--type", ""), ("--type",)),
        (("--name", "localhost"), ("--name", "localhost")),
        (("--name", "a..b.com"), ("--name", "a..b.com")),
        (("--name", "-bad.com"), ("--name", "-bad.com")),
        (("--name", "under_score.com"), ("--name", "under_score.com")),
        (("--name", "1.2.3.4"), ("--name", "1.2.3.4")),
        (("--name", "x" * 64 + ".com"), ("--name",)),
        (("--name", ".".join(["a" * 63] * 4)), ("--name",)),
        (("--name", ""), ("--name",)),
        (("--name", "例子.com"), ("--name", "例子.com")),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run, argv, named):
    status, out, err = run(*DNS, *argv)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netlab: error: "), err
    assert "Traceback" not in err
    for word in named:
        assert word in lines[0]


def test_bad_input_in_chinese(run):
    status, _out, err = run(*DNS, "--name", "localhost", "--lang", "zh")
    assert status == 2 and CJK.search(err)


def test_help_lists_the_options(run):
    status, out, _err = run(*DNS, "--help")
    assert status == 0
    for option in ("--name", "--type", "--again", "--json", "--pcap"):
        assert option in out
