"""The built wheel, installed into a fresh venv, works on its own.

Builds the wheel from this checkout, checks what it carries (the locale catalogues and data/
mapped to ``netlab/data``), installs it into a new venv without the system's site-packages
(typer, rich and scapy come from the package index) and runs the installed ``netlab`` script
from a folder that is not the checkout, so nothing can be imported from the source tree.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run_ok(
    command: list,
    *,
    cwd: Path,
    timeout: float = 600,
    stdin: str | None = None,
    home: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``command``; fail with its output unless it exits with 0."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["NETLAB_LANG"] = "en"
    if home is not None:
        env["NETLAB_HOME"] = str(home)
    done = subprocess.run(
        [str(c) for c in command],
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, (
        f"{command} exited with {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
        f"\n--- stderr\n{done.stderr[-3000:]}"
    )
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", outdir]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")  # the backend is here already: no download, no network
    command.append(REPO)
    run_ok(command, cwd=outdir)
    wheels = list(outdir.glob("netlab-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(root)
    bin_dir = root / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    run_ok(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], cwd=root
    )
    return bin_dir


def test_wheel_carries_locales_and_data(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "netlab/locales/en/core.toml" in names
    assert "netlab/locales/zh/core.toml" in names
    assert "netlab/__main__.py" in names
    assert any(n.startswith("netlab/data/") for n in names), "data/ is not mapped to netlab/data"
    source_data = {
        "netlab/data/" + p.relative_to(REPO / "data").as_posix()
        for p in (REPO / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert source_data <= names, f"missing from the wheel: {sorted(source_data - names)}"
    assert not any(n.startswith(("tests/", "benchmarks/", "data/")) for n in names)


def test_venv_is_isolated_from_the_checkout(venv_bin, tmp_path):
    code = (
        "import importlib.util, netlab; print(netlab.__file__); "
        "print(importlib.util.find_spec('pytest') is None)"
    )
    done = run_ok([venv_bin / "python", "-c", code], cwd=tmp_path)
    where, no_pytest = done.stdout.splitlines()
    location = Path(where).resolve()
    assert REPO not in location.parents, f"netlab imported from the checkout: {location}"
    assert "site-packages" in location.parts
    assert no_pytest == "True", "the venv sees the system's site-packages"


def test_installed_script_simulates_a_handshake(venv_bin, tmp_path):
    done = run_ok([venv_bin / "netlab", "simulate", "handshake", "--json"], cwd=tmp_path)
    doc = json.loads(done.stdout)
    assert doc["version"] == 4
    assert doc["scenario"] == "handshake"
    assert [s["tcp"]["flags"] for s in doc["steps"] if s["tcp"]] == ["S", "SA", "A"]
    assert all(s["note"] for s in doc["steps"]), "a note is empty: locales not found?"


def test_installed_script_speaks_chinese(venv_bin, tmp_path):
    en = run_ok([venv_bin / "netlab", "simulate", "handshake", "--json"], cwd=tmp_path)
    zh = run_ok(
        [venv_bin / "netlab", "simulate", "handshake", "--json", "--lang", "zh"], cwd=tmp_path
    )
    notes_en = [s["note"] for s in json.loads(en.stdout)["steps"]]
    notes_zh = [s["note"] for s in json.loads(zh.stdout)["steps"]]
    assert all(notes_zh) and notes_zh != notes_en


def test_installed_quiz_runs_from_the_packaged_bank(venv_bin, tmp_path):
    """The wheel carries data/ (notes, topics, questions): a quiz, a note and the bank check
    all work from the installed package alone."""
    home = tmp_path / "home"
    cmd = [venv_bin / "netlab", "quiz", "--seed", "1", "--count", "4", "--json"]
    doc = json.loads(run_ok(cmd, cwd=tmp_path, stdin="A\nA\nA\nA\n", home=home).stdout)
    assert doc["total"] == 4
    expected = "".join(a["expected"] + "\n" for a in doc["answers"])
    again = json.loads(run_ok(cmd, cwd=tmp_path, stdin=expected, home=home).stdout)
    assert again["correct"] == 4
    assert (home / "progress.sqlite3").exists()
    note = run_ok([venv_bin / "netlab", "notes", "handshake"], cwd=tmp_path)
    assert "netlab quiz --topic handshake" in note.stdout
    run_ok([venv_bin / "netlab", "quiz", "validate"], cwd=tmp_path)
