"""Fixtures for the browser tests: the pages ``netlab simulate … --html`` writes, opened in
headless Chromium driven by selenium.

selenium talks to Debian's ``chromium-driver`` (``/usr/bin/chromedriver``), which matches the
``chromium`` package's version, so nothing is downloaded (playwright would fetch its own
browser). ``driver`` is one headless browser for the whole session (``--no-sandbox``: CI runs
as root) with the ``browser`` (console) and ``performance`` (network) logs on. The tests skip
when chromium, chromedriver or selenium is missing, unless ``NETLAB_REQUIRE_BROWSER=1`` (as
``.ci/run`` sets), where they fail instead. ``page(name, *argv)`` writes ``name.html`` and
``name.pcap`` once per session and returns them with the page's data document; ``write_page``
writes one now, ``open_page(url, fragment)`` loads one and waits for its script. Screenshots go
to ``$NETLAB_ARTIFACTS`` when it is set, else to pytest's temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netlab.cli import main as cli_main
from netlab.cli import output

CHROMIUM = os.environ.get("NETLAB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NETLAB_CHROMEDRIVER", "/usr/bin/chromedriver")
DATA_BLOCK = re.compile(
    r'<script type="application/json" id="netlab-data">(.*?)</script>', re.DOTALL
)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(path)):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("NETLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"NETLAB_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--window-size=1280,800",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("NETLAB_ARTIFACTS")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("browser-artifacts")


@dataclass
class Page:
    html: Path
    pcap: Path
    doc: dict[str, Any]

    @property
    def url(self) -> str:
        return self.html.resolve().as_uri()


def read_doc(html: Path) -> dict[str, Any]:
    """The data document embedded in a written page (the \\u003c escapes decode back)."""
    match = DATA_BLOCK.search(html.read_text(encoding="utf-8"))
    assert match, f"{html}: no netlab-data block"
    return json.loads(match.group(1))


def _write_page(folder: Path, name: str, *argv: str, pcap: bool = True) -> Page:
    """Run ``netlab simulate ARGV… --html folder/name.html [--pcap folder/name.pcap]``
    in-process, as the CLI tests do."""
    html = folder / f"{name}.html"
    capture = folder / f"{name}.pcap"
    extra = ["--html", str(html)] + (["--pcap", str(capture)] if pcap else [])
    saved = (output.current.lang, output.current.no_color, output.current.traceback)
    env_lang = os.environ.get("NETLAB_LANG")
    os.environ["NETLAB_LANG"] = "en"
    try:
        status = cli_main.main(["simulate", *argv, *extra])
    finally:
        output.current.lang, output.current.no_color, output.current.traceback = saved
        if env_lang is None:
            os.environ.pop("NETLAB_LANG", None)
        else:
            os.environ["NETLAB_LANG"] = env_lang
    assert status == 0, f"netlab simulate {' '.join(argv)} --html: exit {status}"
    return Page(html, capture, read_doc(html))


@pytest.fixture(scope="session")
def page(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Page]:
    """``page(name, *argv)``: the page (and pcap) of ``netlab simulate ARGV…``, written once."""
    folder = tmp_path_factory.mktemp("pages")
    made: dict[str, Page] = {}

    def _page(name: str, *argv: str) -> Page:
        if name not in made:
            made[name] = _write_page(folder, name, *argv)
        return made[name]

    return _page


def _open_page(browser: Any, url: str, fragment: str = "") -> None:
    """Load a page (dropping the logs of the one before) and wait until its script has run."""
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(url + fragment)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if browser.execute_script(
            "return document.documentElement.getAttribute('data-netlab-ready')"
        ):
            return
        time.sleep(0.02)
    raise AssertionError(f"{url}: the page's script did not finish")


@pytest.fixture(scope="session")
def write_page() -> Callable[..., Page]:
    """``write_page(folder, name, *argv, pcap=True)``: a page written now (not cached)."""
    return _write_page


@pytest.fixture(scope="session")
def open_page(driver: Any) -> Callable[..., None]:
    """``open_page(url, fragment="")``: load a page in the session's browser and wait for it."""
    return lambda url, fragment="": _open_page(driver, url, fragment)
