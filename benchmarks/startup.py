"""Start-up time of the netlab CLI, against baselines measured in the same run.

Runs each command RUNS times (after one warm-up run; the runs go round-robin over the commands)
with the same interpreter and prints the median and minimum wall time, and the ratio of
netlab's median to its baseline's:

- ``netlab --help`` against ``python -c "import typer"``: target at most 1.5x (the root help
  needs typer and the catalogues of help texts; the command groups load lazily, so it imports
  none of their modules, and never rich or scapy);
- ``netlab simulate handshake`` against ``python -c "import scapy.all"``: target at most 0.5x
  (a simulation imports only the scapy layers it uses, never ``scapy.all``), with the Linux
  stack's options on every segment;
- ``netlab simulate tcp`` with five messages (Nagle, delayed ACKs, 17 segments): at most 0.6x;
- the other simulations (layers, arp, nat, dhcp, dns, journey) against the same baseline: at
  most 1x. They build and draw more (up to 35 frames and their tables), and DNS and NAT need
  scapy's DNS layer, which loads its IPv6 layer too;
- ``netlab simulate route`` (campus: a ping there and back, 6 frames, 4 lookups): at most 0.6x.
- ``netlab simulate rip --topology mesh`` (RIPv2 converging on 5 routers): at most 1x.
- ``netlab simulate ospf`` (mesh: 40 LS Updates, Dijkstra at R1, 5 routing tables): at most 1x.

``import netlab.cli.main`` and a bare ``python -c pass`` are shown for reference. netlab runs as
``python -m netlab`` from this checkout (``PYTHONPATH`` points at it). The script reports; it
does not gate: it always exits with 0.

    python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


@dataclass(frozen=True)
class Case:
    label: str
    argv: list[str]
    baseline: str | None = None  # label of the case this one is compared with
    target: float | None = None  # the largest acceptable ratio to the baseline


CASES = [
    Case("python -c pass", [PY, "-c", "pass"]),
    Case('python -c "import typer"', [PY, "-c", "import typer"]),
    Case('python -c "import scapy.all"', [PY, "-c", "import scapy.all"]),
    Case('python -c "import netlab.cli.main"', [PY, "-c", "import netlab.cli.main"]),
    Case("netlab --help", [PY, "-m", "netlab", "--help"], 'python -c "import typer"', 1.5),
    Case(
        "netlab simulate handshake",
        [PY, "-m", "netlab", "simulate", "handshake"],
        'python -c "import scapy.all"',
        0.5,
    ),
    Case(
        "netlab simulate tcp (5 messages)",
        [PY, "-m", "netlab", "simulate", "tcp", *(a for m in "abcde" for a in ("--data", m * 8))],
        'python -c "import scapy.all"',
        0.6,
    ),
    *(
        Case(
            f"netlab simulate {name}",
            [PY, "-m", "netlab", "simulate", name],
            'python -c "import scapy.all"',
            1.0,
        )
        for name in ("layers", "arp", "nat", "dhcp", "dns", "journey")
    ),
    Case(
        "netlab simulate route",
        [PY, "-m", "netlab", "simulate", "route"],
        'python -c "import scapy.all"',
        0.6,
    ),
    Case(
        "netlab simulate rip --topology mesh",
        [PY, "-m", "netlab", "simulate", "rip", "--topology", "mesh"],
        'python -c "import scapy.all"',
        1.0,
    ),
    Case(
        "netlab simulate ospf (mesh)",
        [PY, "-m", "netlab", "simulate", "ospf"],
        'python -c "import scapy.all"',
        1.0,
    ),
]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "en"
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def once(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run, in milliseconds; output goes to /dev/null."""
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"{' '.join(argv)} exited with {done.returncode}: {message}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    """Round-robin: each run times every case once, so a machine that speeds up or slows down
    during the measurement moves a command and its baseline alike."""
    env = environment()
    times: dict[str, list[float]] = {case.label: [] for case in CASES}
    for case in CASES:
        once(case.argv, env)  # warm-up: file cache, .pyc files
    for _ in range(runs):
        for case in CASES:
            times[case.label].append(once(case.argv, env))
    return times


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def report(times: dict[str, list[float]], runs: int) -> str:
    medians = {label: statistics.median(t) for label, t in times.items()}
    rows = [("command", "median ms", "min ms", "ratio", "target", "result")]
    for case in CASES:
        ratio = target = verdict = ""
        if case.baseline is not None and case.target is not None:
            value = medians[case.label] / medians[case.baseline]
            ratio = f"{value:.3f}x"
            target = f"<= {case.target:g}x"
            verdict = "OK" if value <= case.target else "over"
        rows.append(
            (
                case.label,
                f"{medians[case.label]:.1f}",
                f"{min(times[case.label]):.1f}",
                ratio,
                target,
                verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs ({cpu_name()})",
        f"python:  {platform.python_implementation()} {platform.python_version()} ({PY})",
        f"runs:    {runs} per command after one warm-up run; ratio = median / baseline median",
        "",
    ]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    for case in CASES:
        if case.baseline:
            lines.append(f"  {case.label}: baseline {case.baseline}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    args = parser.parse_args(argv)
    try:
        times = measure(max(1, args.runs))
    except RuntimeError as exc:
        print(f"startup: {exc}", file=sys.stderr)
        return 0
    print(report(times, max(1, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
