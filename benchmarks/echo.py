"""Throughput and round-trip time of the select() echo server, against asyncio in the same run.

The load generator is netlab's own (``netlab.demos.echo_clients``) in a child process: 100
clients connect at once, each sends 1,000 newline-terminated messages of 64 bytes (newline
included), one at a time (send, wait for the upper-cased reply, send the next), and checks every
reply. The servers run in this process, each in a background thread while the main thread
waits, one at a time:

- ``select``: ``netlab.demos.select_server.EchoServer`` in line mode (as ``netlab demo select
  --lines``) with the select backend (``--backend`` picks poll or epoll instead);
- ``asyncio streams``: the idiomatic asyncio server (``reader.readline`` / ``writer.write``);
- ``asyncio protocol``: an ``asyncio.Protocol`` that splits lines itself, the fastest plain
  asyncio can do.

Each server is measured ``--runs`` times (default 3, interleaved), and the median run is shown
(messages/s, p50 and p99 round trip), then the ratio of the select server's messages/s to each
asyncio server's. Everything stays on 127.0.0.1; the script reports, it does not gate (exit 0
unless a reply was lost or wrong). About 30-50 s on a 2-core machine.

    python benchmarks/echo.py [--clients N] [--messages M] [--runs R] [--backend B]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netlab.demos.echo_clients import FleetProcess, FleetResult
from netlab.demos.listen import listen
from netlab.demos.select_server import BACKLOG, EchoServer

HOST = "127.0.0.1"
SIZE = 64


@dataclass(frozen=True)
class Run:
    rate: float  # messages per second
    p50_ms: float
    p99_ms: float
    ok: bool


# -- the servers --------------------------------------------------------------------------------


@contextmanager
def select_server(backend: str) -> Iterator[int]:
    server = EchoServer(listen(HOST, 0, BACKLOG), backend, lines=True)  # as asyncio: lines
    server.start()
    try:
        yield server.address[1]
    finally:
        server.stop()


class _LineProtocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.rfind(b"\n")
        if end >= 0:
            self.transport.write(bytes(self.buffer[: end + 1]).upper())  # type: ignore[attr-defined]
            del self.buffer[: end + 1]


async def _stream_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while line := await reader.readline():
            writer.write(line.upper())
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@contextmanager
def asyncio_server(kind: str) -> Iterator[int]:
    """An asyncio echo server on its own event loop in a background thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, object] = {}

    async def main() -> None:
        if kind == "protocol":
            server = await loop.create_server(_LineProtocol, HOST, 0, backlog=BACKLOG)
        else:
            server = await asyncio.start_server(_stream_client, HOST, 0, backlog=BACKLOG)
        state["port"] = server.sockets[0].getsockname()[1]
        state["stop"] = stop = asyncio.Event()
        ready.set()
        async with server:
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield int(state["port"])  # type: ignore[call-overload]
    finally:
        loop.call_soon_threadsafe(state["stop"].set)  # type: ignore[union-attr]
        thread.join(10)
        loop.close()


# -- measuring ----------------------------------------------------------------------------------


def measure(server: Callable[[], object], clients: int, messages: int) -> Run:
    with server() as port:  # type: ignore[attr-defined]
        fleet = FleetProcess(HOST, port, clients, messages, size=SIZE, window=1)
        try:
            result: FleetResult = fleet.result(timeout=120)
        finally:
            fleet.stop()
    ok = result.replies_ok == result.messages and not result.wrong
    rate = result.replies_ok / result.elapsed_s if result.elapsed_s else 0.0
    return Run(rate, result.rtt_p50_ms, result.rtt_p99_ms, ok)


def median_run(runs: list[Run]) -> Run:
    ordered = sorted(runs, key=lambda r: r.rate)
    middle = ordered[len(ordered) // 2]
    return Run(statistics.median(r.rate for r in runs), middle.p50_ms, middle.p99_ms, middle.ok)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", default="select", choices=("select", "poll", "epoll"))
    args = parser.parse_args()

    servers: dict[str, Callable[[], object]] = {
        f"select server ({args.backend})": lambda: select_server(args.backend),
        "asyncio streams": lambda: asyncio_server("streams"),
        "asyncio protocol": lambda: asyncio_server("protocol"),
    }
    print(
        f"echo benchmark: {args.clients} clients x {args.messages} messages of {SIZE} bytes, "
        f"one at a time per client; median of {args.runs} runs"
    )
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    runs: dict[str, list[Run]] = {name: [] for name in servers}
    for _ in range(args.runs):  # interleaved, so a slow moment hurts every server alike
        for name, server in servers.items():
            runs[name].append(measure(server, args.clients, args.messages))
    results = {name: median_run(r) for name, r in runs.items()}
    print(f"\n{'server':<24}{'messages/s':>12}{'p50 ms':>10}{'p99 ms':>10}  replies")
    for name, run in results.items():
        verdict = "all ok" if all(r.ok for r in runs[name]) else "LOST OR WRONG"
        print(f"{name:<24}{run.rate:>12,.0f}{run.p50_ms:>10.2f}{run.p99_ms:>10.2f}  {verdict}")
    ours = results[f"select server ({args.backend})"].rate
    print()
    for name in ("asyncio streams", "asyncio protocol"):
        theirs = results[name].rate
        ratio = ours / theirs if theirs else float("nan")
        print(f"ratio select server / {name}: {ratio:.2f}x messages/s")
    return 0 if all(r.ok for rs in runs.values() for r in rs) else 1


if __name__ == "__main__":
    sys.exit(main())
