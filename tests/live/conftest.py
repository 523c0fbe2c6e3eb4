"""Fixtures for tests that use the real tools of the machine (tshark).

A missing tool skips its tests with the reason, except in CI: with ``NETLAB_REQUIRE_TSHARK=1``
(set by ``.ci/run``) a missing or broken tshark fails them, so a CI job can't go green by
skipping everything that reads our pcaps.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_TSHARK = "NETLAB_REQUIRE_TSHARK"


@dataclass(frozen=True)
class Tshark:
    """A tshark that runs, with an empty configuration folder of its own
    (``WIRESHARK_CONFIG_DIR``), so the preferences of whoever runs the tests can't change what
    it reports."""

    path: str
    config_dir: Path

    #: joins the values of a field that occurs several times in one frame
    AGGREGATOR = "\x1f"

    def fields(
        self, pcap: os.PathLike[str], names: tuple[str, ...], *options: str
    ) -> list[dict[str, str]]:
        """One dict per frame of ``pcap``: field name -> value as ``tshark -T fields`` prints it
        (every occurrence, joined by ``AGGREGATOR``; empty when absent). ``options`` go before
        the field list (``-o`` preferences, a ``-Y`` filter)."""
        args = ["-r", pcap, *options, "-T", "fields", "-E", "header=n", "-E", "separator=/t"]
        args += ["-E", "occurrence=a", "-E", f"aggregator={self.AGGREGATOR}"]
        for name in names:
            args += ["-e", name]
        rows = []
        for line in self.run(*args).stdout.split("\n"):
            if line:
                cells = line.split("\t")
                assert len(cells) == len(names), f"unexpected tshark line: {line!r}"
                rows.append(dict(zip(names, cells, strict=True)))
        return rows

    #: Wireshark's expert severities (epan/proto.h), as ``_ws.expert.severity`` prints them
    PI_SEVERITY_MASK = 0x00F00000
    PI_NOTE = 0x00400000
    PI_WARN = 0x00600000

    def worst(self, row: dict[str, str]) -> int:
        """The most severe expert-info level of a ``fields`` row that asked for
        ``_ws.expert.severity`` (0 when tshark had nothing to say)."""
        levels = row["_ws.expert.severity"].split(self.AGGREGATOR)
        return max((int(s) & self.PI_SEVERITY_MASK for s in levels if s), default=0)

    def column(self, row: dict[str, str], name: str) -> list[str]:
        """Every occurrence of field ``name`` in a ``fields`` row (empty when absent)."""
        return row[name].split(self.AGGREGATOR) if row[name] else []

    def run(self, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        """Run tshark with ``args``; fail the test, with its stderr, unless it exits with 0."""
        env = {**os.environ, "WIRESHARK_CONFIG_DIR": str(self.config_dir), "LC_ALL": "C.UTF-8"}
        command = [self.path, *map(str, args)]
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}", pytrace=False
            )
        return done


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_TSHARK) == "1":
        pytest.fail(f"{reason}; {REQUIRE_TSHARK}=1 requires it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def tshark(tmp_path_factory: pytest.TempPathFactory) -> Tshark:
    """tshark, or a skip (a failure with ``NETLAB_REQUIRE_TSHARK=1``) when it is missing."""
    path = shutil.which("tshark")
    if path is None:
        _unavailable("tshark is not installed (Debian/Ubuntu: apt-get install tshark)")
    try:
        probe = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"tshark at {path} does not run: {exc}")
    if probe.returncode != 0 or not probe.stdout.startswith("TShark"):
        _unavailable(f"tshark at {path} does not run: {probe.stderr.strip()[:300]}")
    return Tshark(path=path, config_dir=tmp_path_factory.mktemp("wireshark-config"))
