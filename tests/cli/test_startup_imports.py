"""Fast start (DESIGN.md rule 5): the CLI imports neither scapy nor gevent until a simulation
needs packets, and simulations never import ``scapy.all``.

Each check runs in a fresh interpreter, since this test process has long imported scapy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NETLAB_LANG"] = "en"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_importing_the_cli_loads_neither_scapy_nor_gevent() -> None:
    code = textwrap.dedent(
        """
        import sys
        import netlab.cli.main
        heavy = sorted(m for m in sys.modules if m.startswith(("scapy", "gevent")))
        print(",".join(heavy) or "none")
        """
    )
    result = python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"


def test_help_exits_zero() -> None:
    result = python("-m", "netlab", "--help")
    assert result.returncode == 0, result.stderr
    assert "simulate" in result.stdout
    assert "Traceback" not in result.stderr


def test_simulation_does_not_import_scapy_all() -> None:
    code = textwrap.dedent(
        """
        import io, json, sys
        from contextlib import redirect_stdout
        from netlab.cli.main import main
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            status = main(["simulate", "handshake", "--json"])
        doc = json.loads(buffer.getvalue())
        print(status, len(doc["steps"]), "scapy.all" in sys.modules, "gevent" in sys.modules)
        """
    )
    result = python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "3", "False", "False"]
