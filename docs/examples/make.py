"""Regenerate docs/examples: one ``--html`` page per scenario and a 1280x800 screenshot of each.

    python docs/examples/make.py            # pages and screenshots
    python docs/examples/make.py --no-png   # pages only (no browser needed)

The pages are written by ``netlab simulate SCENARIO … --html NAME.html`` run in this folder (so
the command line each page shows is the one below); the screenshots are taken in headless
Chromium through selenium and Debian's chromedriver, as tests/browser does, at the step named
in the fragment (``#step=N``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name, the scenario's arguments, the step the screenshot shows
EXAMPLES = [
    ("handshake", ["handshake"], 2),
    ("close", ["close", "--lose", "ack"], 5),
    ("tcp", ["tcp"], 4),
    ("layers", ["layers"], 6),
    ("arp", ["arp"], 3),
    ("nat", ["nat"], 4),
    ("dhcp", ["dhcp"], 3),
    ("dns", ["dns"], 4),
    ("journey", ["journey"], 12),
    ("route", ["route"], 4),
    ("rip", ["rip"], 6),
    ("ospf", ["ospf"], 8),
]


def pages() -> None:
    for name, argv, _ in EXAMPLES:
        command = [sys.executable, "-m", "netlab", "--lang", "en", "simulate", *argv]
        command += ["--html", f"{name}.html"]
        subprocess.run(command, cwd=HERE, check=True, stdout=subprocess.DEVNULL)
        print(f"{name}.html: {(HERE / f'{name}.html').stat().st_size} bytes")


def screenshots() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--hide-scrollbars", "--window-size=1280,800"):
        options.add_argument(arg)
    options.add_argument("--force-device-scale-factor=1")
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        browser.set_window_size(1280, 800)
        for name, _, step in EXAMPLES:
            browser.get((HERE / f"{name}.html").as_uri() + f"#step={step}")
            browser.execute_script("window.scrollTo(0, 0)")
            browser.save_screenshot(str(HERE / f"{name}.png"))
            print(f"{name}.png")
    finally:
        browser.quit()


if __name__ == "__main__":
    pages()
    if "--no-png" not in sys.argv[1:]:
        screenshots()
