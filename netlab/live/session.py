"""One live run from start to end: model, sockets, capture, comparison.

Owns the order of a run: check that the system has /proc/net/tcp, see whether netlab may
capture, compute what the model expects after each call (with stand-in ports), drive the
sockets with the capture running, rebuild the model with the real ports and ISNs, and compare.
Returns plain data (``Outcome``) for the views; the CLI (``netlab.cli.sim_live``) and the tests
both go through here. Everything opened is closed before it returns, also on error or Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netlab.errors import UsageError
from netlab.i18n import Note
from netlab.live import capture, compare, driver, proc_tcp
from netlab.live.script import Call
from netlab.sim.trace import Trace

LOOPBACK = "127.0.0.1"
#: Stand-in ports for the model built before the run (its expectations do not depend on them).
PLACEHOLDER_PORTS = (51000, 50000)
DRAIN = 0.05  # seconds the sniffer gets to read the last frames before it stops

Builder = Callable[[Any], Trace]  # TcpParams -> the scenario's model Trace


@dataclass
class Outcome:
    """A finished run: the comparison, the captured frames (empty without a capture) and the
    driver's own record (addresses, readings, times)."""

    comparison: compare.Comparison
    frames: list[Any] = field(default_factory=list)
    run: driver.Run | None = None


def params(
    client_port: int,
    server_port: int,
    isns: dict[str, int | None],
    frames: bool,
    wscale: int | None = None,
):
    """The model's inputs for a run on loopback: the real ports, the real ISNs if known, and
    the loopback's stack (MSS 65495; the window scale the kernel announced, if captured)."""
    from netlab.sim.hosts import TcpParams
    from netlab.sim.stack import loopback

    return TcpParams(
        stack=loopback(wscale=wscale),
        client_ip=LOOPBACK,
        client_port=client_port,
        server_ip=LOOPBACK,
        server_port=server_port,
        isn_client=isns.get("client"),
        isn_server=isns.get("server"),
        frames=frames,
    )


def check_system() -> None:
    """Exit 2 on a system without the kernel's TCP table (macOS, Windows)."""
    if not proc_tcp.available():
        path = proc_tcp.PROC_ROOT.joinpath(proc_tcp.FILES[0])
        raise UsageError(Note("live.errors.no_proc", {"path": str(path)}))


def run(
    variant: str,
    calls: list[Call],
    build: Builder,
    *,
    timeout: float = driver.SETTLE_TIMEOUT,
) -> Outcome:
    """Run ``calls`` on real sockets next to the model ``build`` makes, capturing the segments
    when this process may (``capture.probe``)."""
    check_system()
    problem = capture.probe()
    first = build(params(*PLACEHOLDER_PORTS, {}, False))
    expected = compare.expectations(first, calls)
    sniffer: capture.Capture | None = capture.Capture() if problem is None else None

    def start_capture(client_port: int, server_port: int) -> None:
        nonlocal problem, sniffer
        try:
            sniffer.start(client_port, server_port)
        except Exception as exc:  # capturing is a bonus: the states are shown without it
            problem = Note("live.capture.failed", {"reason": str(exc) or type(exc).__name__})
            sniffer.stop()
            sniffer = None

    got = None
    try:
        record = driver.run(
            calls,
            [e.states for e in expected],
            before_traffic=start_capture if sniffer is not None else None,
            timeout=timeout,
        )
        if sniffer is not None:
            time.sleep(DRAIN)
    finally:
        if sniffer is not None:
            got = sniffer.stop()
    frames: list[Any] = []
    trace = None
    scenario = first.scenario
    if got is not None:
        frames = [f for f in got.frames if record.started_at <= float(f.time) <= record.finished_at]
        since = record.started_at
        if calls[0].op == "setup":  # the close starts from an open connection
            since += record.checkpoints[0].time
        trace = capture.to_trace(
            frames,
            scenario=scenario,
            client=record.client,
            server=record.server,
            since=since,
            until=record.finished_at,
            origin=record.started_at,
        )
    isns: dict[str, int | None] = {}
    wscale = None
    if trace is not None:
        isns = {"client": trace.params["isn_client"], "server": trace.params["isn_server"]}
        wscale = trace.params.get("wscale")
    model = build(params(record.client[1], record.server[1], isns, True, wscale))
    comparison = compare.compare(
        model,
        calls,
        record.checkpoints,
        variant=variant,
        client=record.client,
        server=record.server,
        capture=trace,
        capture_problem=problem,
        dropped=got.dropped if got is not None else 0,
    )
    compare.attach_kernel_states(comparison)
    return Outcome(comparison, frames, record)
