"""How soon ``netlab simulate handshake --predict`` asks its first question.

Target (issue 15): the first question is on screen within 1.2x the time ``netlab simulate
handshake`` takes to print its whole report. Both run RUNS times, round-robin, after one
warm-up each, as ``python -m netlab`` from this checkout with a private ``NETLAB_HOME`` (the
quiz store is created on the first run, as a learner's would be):

- baseline: ``netlab simulate handshake`` from start to exit (the report printed);
- ``--predict``: from start until the first question and its choices have been written (stdin
  is a pipe kept open, so the exercise waits there; it is then killed).

Prints the median and minimum of each and the ratio of the medians. Reports; never gates.

    python benchmarks/predict.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: the first question is on screen: its head, its text and its first choice (seed 0 asks a
#: state first; a piped exercise writes the answer prompt only once it has read an answer)
SHOWN = b"\n  A. "


def env(home: str) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        PYTHONPATH=str(REPO),
        NETLAB_HOME=home,
        NETLAB_LANG="en",
        COLUMNS="100",
        PYTHONUNBUFFERED="1",
    )
    return out


def report(home: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "netlab", "simulate", "handshake"],
        env=env(home),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def first_question(home: str) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab", "simulate", "handshake", "--predict"],
        env=env(home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    seen = b""
    try:
        while SHOWN not in seen:
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            if not ready:
                raise RuntimeError("no question within 30 s")
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"netlab ended before asking: {seen[-300:]!r}")
            seen += chunk
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        report(home)
        first_question(home)  # warm-up, and the store created
        base, predict = [], []
        for _ in range(runs):
            base.append(report(home))
            predict.append(first_question(home))
    b, p = statistics.median(base), statistics.median(predict)
    print(f"runs: {runs} each, round-robin, after one warm-up; Python {sys.version.split()[0]}")
    for label, median, fastest in (
        ("netlab simulate handshake (report)", b, min(base)),
        ("... --predict (first question)", p, min(predict)),
    ):
        print(f"{label:45} median {median * 1000:7.1f} ms  min {fastest * 1000:7.1f} ms")
    verdict = "within" if p / b <= 1.2 else "OVER"
    print(f"ratio {p / b:.2f}x (target <= 1.2x: {verdict})")


if __name__ == "__main__":
    main()
