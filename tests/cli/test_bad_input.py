"""Every bad value a learner can type ends in one line ``netlab: error: ...`` and a clean exit.

Each case checks: the exit status (2 for bad usage or input, 1 for a file that cannot be
written), exactly one line on stderr, starting with ``netlab: error: ``, that names the option
and the bad value (or both options of a bad combination), no traceback, nothing on stdout, and
no file left behind. Commands run in an empty temporary folder so a stray file would show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PREFIX = "netlab: error: "
CJK = re.compile(r"[\u3400-\u9fff]")
BIG = "x" * 5000


@dataclass(frozen=True)
class Bad:
    argv: tuple[str, ...]
    named: tuple[str, ...]  # what the error line must mention; "{tmp}" is the temp folder
    status: int = 2


def bad(*argv: str, named: tuple[str, ...], status: int = 2) -> Bad:
    return Bad(tuple(argv), named, status)


HS = ("simulate", "handshake")
CLOSE = ("simulate", "close")
TCP = ("simulate", "tcp")

CASES = [
    # -- from the issue ---------------------------------------------------------------------
    pytest.param(
        bad(*HS, "--client", "999.1.1.1:80", named=("--client", "999.1.1.1:80")),
        id="client-bad-octet",
    ),
    pytest.param(bad(*HS, "--client", "10.0.0.1", named=("--client", "10.0.0.1")), id="no-port"),
    pytest.param(
        bad(*HS, "--server", "10.0.0.1:70000", named=("--server", "10.0.0.1:70000")),
        id="server-port-too-big",
    ),
    pytest.param(bad(*HS, "--isn-client", "-1", named=("--isn-client", "-1")), id="isn-negative"),
    pytest.param(
        bad(*HS, "--isn-client", "4294967296", named=("--isn-client", "4294967296")),
        id="isn-2-32",
    ),
    pytest.param(bad(*HS, "--lose", "bogus", named=("--lose", "bogus")), id="lose-bogus"),
    pytest.param(bad(*CLOSE, "--msl", "0", named=("--msl", "'0'")), id="msl-zero"),
    pytest.param(
        bad(
            *HS,
            "--pcap",
            "/nonexistent/dir/x.pcap",
            named=("--pcap", "/nonexistent/dir/x.pcap"),
        ),
        id="pcap-missing-folder",
    ),
    pytest.param(
        bad(
            *HS,
            "--svg",
            "{tmp}/missing/x.svg",
            named=("--svg", "{tmp}/missing/x.svg"),
        ),
        id="svg-missing-folder",
    ),
    pytest.param(bad("--lang", "fr", *HS, named=("--lang", "fr")), id="lang-fr-global"),
    pytest.param(bad(*HS, "--lang", "fr", named=("--lang", "fr")), id="lang-fr-command"),
    # -- more values a user can type ------------------------------------------------------------
    pytest.param(bad(*HS, "--seed", "abc", named=("--seed", "abc")), id="seed-abc"),
    pytest.param(bad(*HS, "--rtt", "0", named=("--rtt", "'0'")), id="rtt-zero"),
    pytest.param(bad(*HS, "--rtt", "-1", named=("--rtt", "-1")), id="rtt-negative"),
    pytest.param(bad(*HS, "--rtt", "nan", named=("--rtt", "nan")), id="rtt-nan"),
    pytest.param(
        bad(*HS, "--lose-times", "0", named=("--lose-times", "'0'")), id="lose-times-zero"
    ),
    pytest.param(
        bad(*HS, "--lose-times", "2", named=("--lose-times", "--lose")),
        id="lose-times-without-lose",
    ),
    pytest.param(bad(*CLOSE, "--lose", "syn", named=("--lose", "syn")), id="close-lose-syn"),
    pytest.param(
        bad(*CLOSE, "--initiator", "nobody", named=("--initiator", "nobody")),
        id="initiator-nobody",
    ),
    pytest.param(
        bad(*CLOSE, "--simultaneous", "--merge", named=("--simultaneous", "--merge")),
        id="simultaneous-merge",
    ),
    pytest.param(
        bad(*CLOSE, "--merge", "--half-close", named=("--merge", "--half-close")),
        id="merge-half-close",
    ),
    pytest.param(
        bad(*CLOSE, "--data", "hi", "--merge", named=("--data", "--merge")),
        id="close-data-merge",
    ),
    pytest.param(bad(*HS, "--stack", "foo", named=("--stack", "foo")), id="stack-foo"),
    pytest.param(bad(*HS, "--client", "", named=("--client", "''")), id="client-empty"),
    pytest.param(bad(*HS, "--svg", "", named=("--svg",)), id="svg-empty"),
    pytest.param(
        bad(*HS, "--pcap", "-", "--json", named=("--json", "--pcap -")), id="pcap-stdout-json"
    ),
    pytest.param(
        bad("simulate", "arp", "--subnet", "10.0.0.0/0", named=("--subnet", "10.0.0.0/0")),
        id="arp-subnet-no-invalid-suggestion",
    ),
    pytest.param(bad(*TCP, "--pcap", "", named=("--pcap",)), id="pcap-empty"),
    pytest.param(
        bad(*HS, "--svg", "/proc/x.svg", named=("--svg", "/proc/x.svg")),
        id="svg-in-proc",
    ),
    pytest.param(
        bad(*CLOSE, "--half-close", "--data", "", named=("--data", "''")), id="close-data-empty"
    ),
    pytest.param(bad(*TCP, "--rounds", "0", named=("--rounds", "0")), id="rounds-0"),
    pytest.param(bad(*TCP, "--rounds", "11", named=("--rounds", "11")), id="rounds-11"),
    pytest.param(bad(*CLOSE, "--stack", "bsd", named=("--stack", "bsd")), id="close-stack-bsd"),
    pytest.param(
        bad(*TCP, "--nodelay", "--stack", "minimal", named=("--nodelay", "--stack minimal")),
        id="nodelay-minimal",
    ),
    pytest.param(
        bad(*CLOSE, "--unread", "--half-close", named=("--half-close", "--unread")),
        id="unread-half-close",
    ),
    pytest.param(
        bad(*CLOSE, "--unread", "--simultaneous", named=("--simultaneous", "--unread")),
        id="unread-simultaneous",
    ),
    pytest.param(
        bad(*CLOSE, "--merge", "--stack", "minimal", named=("--merge", "--stack minimal")),
        id="merge-minimal",
    ),
    pytest.param(bad(*TCP, "--data", "", named=("--data", "''")), id="tcp-data-empty"),
    pytest.param(bad(*TCP, "--data", BIG, named=("--data", "'xxxxxxxxxx")), id="tcp-data-5000"),
    pytest.param(
        bad("simulate", "states", "--state", "bogus", named=("--state", "bogus")),
        id="state-bogus",
    ),
    pytest.param(bad(*HS, "--bogus", named=("--bogus",)), id="unknown-option"),
    pytest.param(
        bad(
            *HS,
            "--client",
            "1.2.3.4:80",
            "--server",
            "1.2.3.4:80",
            named=("--client", "1.2.3.4:80"),
        ),
        id="same-endpoint",
    ),
    pytest.param(
        bad(*HS, "--pcap", "{tmp}/adir", named=("--pcap", "{tmp}/adir")),
        id="pcap-is-a-folder",
    ),
]


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{tmp}", str(tmp))


def _snapshot(folder: Path) -> list[tuple[str, bool]]:
    return sorted((str(p.relative_to(folder)), p.is_dir()) for p in folder.rglob("*"))


def assert_one_error_line(status: int, out: str, err: str, expected_status: int) -> str:
    assert "Traceback" not in out + err
    assert status == expected_status, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX), err
    return lines[0]


@pytest.mark.parametrize("case", CASES)
def test_bad_value_is_one_error_line(
    case: Bad, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(work)
    before = _snapshot(tmp_path)

    status, out, err = run(*(_fill(a, tmp_path) for a in case.argv))

    line = assert_one_error_line(status, out, err, case.status)
    for name in case.named:
        assert _fill(name, tmp_path) in line, line
    assert _snapshot(tmp_path) == before  # nothing written, no folder created
    assert not Path("/nonexistent").exists()


# Every value error of a scenario, with --pcap and --svg asked for: the options are checked
# before any work is done, so no picture or capture is written.
SCENARIO_CASES = [
    p
    for p in CASES
    if p.values[0].argv[:2] in (HS, CLOSE, TCP)
    and not {"--pcap", "--svg"} & set(p.values[0].argv)
    and not p.marks
]


@pytest.mark.parametrize("case", SCENARIO_CASES)
def test_bad_value_writes_no_output_file(
    case: Bad, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(*case.argv, "--pcap", "out.pcap", "--svg", "out.svg")
    assert_one_error_line(status, out, err, case.status)
    assert list(tmp_path.iterdir()) == []


def test_pcap_into_missing_folder_creates_nothing(run, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "deeper" / "x.pcap"
    status, out, err = run(*HS, "--pcap", str(target))
    line = assert_one_error_line(status, out, err, 2)
    assert str(target) in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("--lang", "zh", *HS, "--isn-client", "-1"), id="global-lang"),
        pytest.param((*HS, "--isn-client", "-1", "--lang", "zh"), id="command-lang"),
    ],
)
def test_error_is_said_in_chinese(argv: tuple[str, ...], run) -> None:
    status, out, err = run(*HS, "--isn-client", "-1")
    english = assert_one_error_line(status, out, err, 2)

    status, out, err = run(*argv)
    chinese = assert_one_error_line(status, out, err, 2)

    assert chinese != english
    assert CJK.search(chinese), chinese
    assert not CJK.search(english)
    assert "--isn-client" in chinese
    assert "-1" in chinese
