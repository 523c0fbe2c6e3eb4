"""How fast the quiz starts, and how fast a large bank loads. Prints figures; gates nothing.

1. First question on screen: time from starting ``netlab quiz --seed 1`` (stdin a pipe) until
   "Question 1/" appears on its output, against ``python -c "import typer"`` in the same run.
2. A 10,000-question bank (100 generated files of 100 questions, in a temporary folder):
   ``netlab.quiz.bank.load`` in-process against plain ``tomllib`` parsing of the same files,
   and ``netlab quiz validate`` end to end.

Medians of several runs. Usage: python benchmarks/quiz.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def time_until(cmd: list[str], marker: bytes, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    seen = b""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    try:
        while marker not in seen:
            if selector.select(timeout=10):
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
            else:
                break
        elapsed = time.perf_counter() - start
    finally:
        proc.stdin.close()
        proc.kill()
        proc.wait()
    if marker not in seen:
        raise SystemExit(f"never saw {marker!r} from {cmd}")
    return elapsed


def run_time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def big_bank(folder: Path, files: int = 100, per_file: int = 100) -> None:
    for f in range(files):
        parts = ['topic = "osi"\n']
        for i in range(per_file):
            parts.append(
                f"""
[[question]]
id = "bench-{f}-{i}"
kind = "single"
see = "netlab notes osi"
prompt.en = "Question {f}.{i}: which layer routes packets?"
prompt.zh = "问题 {f}.{i}：哪一层负责路由？"
choices = [
  {{ en = "Network", zh = "网络层" }},
  {{ en = "Transport", zh = "传输层" }},
  {{ en = "Link", zh = "链路层" }},
]
answer = "A"
explanation = {{ en = "Routers work at the network layer.", zh = "路由器工作在网络层。" }}
"""
            )
        (folder / f"bank{f:03}.toml").write_text("".join(parts), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    env = {**os.environ, "NETLAB_LANG": "en", "PYTHONUNBUFFERED": "1"}
    py = sys.executable
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"runs: {runs} (median)")

    with tempfile.TemporaryDirectory() as home:
        env["NETLAB_HOME"] = home
        quiz = [py, "-m", "netlab", "quiz", "--seed", "1", "--count", "5"]
        time_until(quiz, b"Question 1/", env)  # warm-up
        first = statistics.median(time_until(quiz, b"Question 1/", env) for _ in range(runs))
        typer_base = statistics.median(
            run_time([py, "-c", "import typer"], env) for _ in range(runs)
        )
        print(
            f"first question on screen: {first * 1000:.0f} ms;"
            f" python -c 'import typer': {typer_base * 1000:.0f} ms;"
            f" ratio {first / typer_base:.2f}x"
        )

    from netlab.cli.commands import command_exists
    from netlab.quiz.bank import load
    from netlab.topics import topics

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        big_bank(path)
        files = sorted(path.glob("*.toml"))

        def parse_only() -> float:
            start = time.perf_counter()
            for file in files:
                tomllib.loads(file.read_text(encoding="utf-8"))
            return time.perf_counter() - start

        def netlab_load() -> float:
            start = time.perf_counter()
            bank = load(path, topics(), command_exists)
            elapsed = time.perf_counter() - start
            assert len(bank.questions) == 10_000 and not bank.problems, bank.problems[:3]
            return elapsed

        parse = statistics.median(parse_only() for _ in range(runs))
        loaded = statistics.median(netlab_load() for _ in range(runs))
        validate = statistics.median(
            run_time([py, "-m", "netlab", "quiz", "validate", folder], env) for _ in range(3)
        )
        print(
            f"10,000-question bank: load {loaded * 1000:.0f} ms; tomllib parse alone"
            f" {parse * 1000:.0f} ms; ratio {loaded / parse:.2f}x;"
            f" `netlab quiz validate` end to end {validate * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
