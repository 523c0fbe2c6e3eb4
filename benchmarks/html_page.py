"""Size of the ``--html`` page and the time headless Chromium takes to draw it.

For the largest scenarios (``journey`` and ``arp --loop``, plus ``ospf``, the most steps) the
page is written with ``netlab simulate … --html`` and its size reported against the 1 MiB
target. Each page is then opened ``--runs`` times (default 7) in headless Chromium (selenium
with Debian's chromedriver, as tests/browser) and the median time from navigation start to the
page's ``netlab-drawn`` mark (the frame after the script built the diagram, the step table and
the panes) is reported against the 1 s target, next to the same measure for a baseline page: an
empty page whose script only sets that mark. The ratio is page / baseline. The script reports;
it exits 1 only when a target is missed.

    python benchmarks/html_page.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCENARIOS = [("journey", ["journey"]), ("arp --loop", ["arp", "--loop"]), ("ospf", ["ospf"])]
SIZE_TARGET = 1024 * 1024
TIME_TARGET_MS = 1000.0
BASELINE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>baseline</title>
</head><body><div id="app"></div><script>
document.documentElement.setAttribute("data-netlab-ready", "1");
performance.mark("netlab-ready");
requestAnimationFrame(function () { performance.mark("netlab-drawn"); });
</script></body></html>"""


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def drawn_ms(driver, url: str) -> tuple[float, float]:
    """(navigation start -> netlab-drawn, wall time of the whole load) in ms."""
    driver.get("about:blank")
    started = time.perf_counter()
    driver.get(url)
    for _ in range(500):
        got = driver.execute_script(
            "var m = performance.getEntriesByName('netlab-drawn');"
            "return m.length ? m[0].startTime : null"
        )
        if got is not None:
            return got, (time.perf_counter() - started) * 1000
        time.sleep(0.01)
    raise RuntimeError(f"{url}: never drawn")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    missed = False
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "baseline.html").write_text(BASELINE)
        pages = []
        for name, argv in SCENARIOS:
            path = base / (name.replace(" --", "-") + ".html")
            command = [sys.executable, "-m", "netlab", "--lang", "en", "simulate", *argv]
            subprocess.run([*command, "--html", str(path)], check=True, capture_output=True)
            pages.append((name, path))
        driver = browser()
        try:
            drawn_ms(driver, (base / "baseline.html").as_uri())  # warm the browser up
            baseline = [
                drawn_ms(driver, (base / "baseline.html").as_uri()) for _ in range(args.runs)
            ]
            base_ms = statistics.median(b[0] for b in baseline)
            base_wall = statistics.median(b[1] for b in baseline)
            print(f"Chromium headless, {args.runs} runs each, medians")
            print(f"{'page':<12} {'size':>10} {'drawn':>9} {'x base':>7} {'wall':>9}")
            print(f"{'baseline':<12} {'':>10} {base_ms:>7.1f}ms {1.0:>7.1f} {base_wall:>7.1f}ms")
            for name, path in pages:
                size = path.stat().st_size
                runs = [drawn_ms(driver, path.as_uri()) for _ in range(args.runs)]
                ms = statistics.median(r[0] for r in runs)
                wall = statistics.median(r[1] for r in runs)
                print(
                    f"{name:<12} {size / 1024:>8.1f}KiB {ms:>7.1f}ms {ms / base_ms:>7.1f}"
                    f" {wall:>7.1f}ms"
                )
                missed |= size >= SIZE_TARGET or ms >= TIME_TARGET_MS
        finally:
            driver.quit()
    print(
        f"targets: size < 1 MiB, drawn < {TIME_TARGET_MS:.0f} ms: {'MISSED' if missed else 'met'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
