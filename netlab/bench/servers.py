"""The six echo servers of ``netlab bench io``, each run in a child process of its own.

Every server listens on 127.0.0.1 (port 0: a free port the kernel picks), answers every line
with the line upper-cased (see ``netlab.bench.workload`` for why lines), sets TCP_NODELAY on
every connection (as asyncio and the select demo do anyway, so that Nagle's algorithm is not
what gets measured), prints ``{"port": P}`` once it listens, serves until its stdin closes (the
parent's way of saying stop, which also happens when the parent dies), then prints
``{"stopped": {"connections": N, "errors": E}}`` and exits:

- ``threads``: blocking sockets, one thread per connection (``makefile().readline`` and
  ``sendall``);
- ``single``: the same blocking code on one thread, one client at a time: the next
  connection is accepted only when the current client has closed;
- ``select`` and ``epoll``: ``netlab.demos.select_server.EchoServer``, the ``netlab demo
  select`` server in its line mode (``--lines``), so that it does the work the others do, with
  the select backend or the epoll one;
- ``gevent``: gevent's ``StreamServer``, a greenlet per connection running the same blocking
  code as ``threads``, made cooperative by ``monkey.patch_all()``;
- ``asyncio``: ``asyncio.start_server`` streams (``readline``, ``write``, ``drain``).

``python -m netlab.bench.servers MODEL [--max-line BYTES]``; the gevent model must be started
through ``netlab.bench.children.server_argv``, whose ``-c`` program runs ``monkey.patch_all()``
before anything else is imported. The models import only what they use, so each process's
memory is its own model's. No rich, no netlab.cli, no sentences.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

HOST = "127.0.0.1"
BACKLOG = 4096  # every client of a run may connect at once; the kernel caps it at somaxconn
STDIN = 0


class Counters:
    """Connections accepted and errors caught by the handlers (shared by the threads)."""

    def __init__(self) -> None:
        self.connections = 0
        self.errors = 0
        self._lock = threading.Lock()

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def failed(self) -> None:
        with self._lock:
            self.errors += 1


def _say(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _listener(blocking: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(BACKLOG)
    sock.setblocking(blocking)
    return sock


def _nodelay(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _wait_for_stdin_eof(read: Callable[[int, int], bytes] = os.read) -> None:
    """Block until the parent closes our stdin (anything it writes is ignored)."""
    while True:
        try:
            if not read(STDIN, 4096):
                return
        except OSError:
            return


# -- blocking: one thread per connection, or one client at a time --------------------------------


def serve_connection(conn: socket.socket, counters: Counters) -> None:
    """The blocking echo loop of one client: read a line, send it back upper-cased, until EOF."""
    counters.connected()
    try:
        with conn, conn.makefile("rb") as lines:
            _nodelay(conn)
            for line in lines:
                conn.sendall(line.upper())
    except OSError:
        counters.failed()


def _accept_loop(listener: socket.socket, counters: Counters, threaded: bool) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return  # the listener was closed: the server is stopping
        if threaded:
            worker = threading.Thread(target=serve_connection, args=(conn, counters), daemon=True)
            worker.start()
        else:
            serve_connection(conn, counters)  # the next client waits in the kernel's backlog


def run_blocking(threaded: bool, max_line: int) -> Counters:
    counters = Counters()
    listener = _listener(blocking=True)
    acceptor = threading.Thread(
        target=_accept_loop, args=(listener, counters, threaded), daemon=True
    )
    _say({"port": listener.getsockname()[1]})
    acceptor.start()
    _wait_for_stdin_eof()
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (Linux)
    listener.close()
    return counters


# -- the select demo's server ----------------------------------------------------------------------


def run_selector(backend: str, max_line: int) -> Counters:
    from netlab.demos.select_server import MAX_PENDING, EchoServer

    listener = _listener(blocking=False)
    server = EchoServer(
        listener,
        backend,
        lines=True,
        max_line=max_line,
        max_pending=max(MAX_PENDING, 2 * max_line),
    )
    _say({"port": listener.getsockname()[1]})
    server.start()
    _wait_for_stdin_eof()
    server.stop()
    counters = Counters()
    counters.connections = server.stats.accepted
    counters.errors = sum(n for why, n in server.stats.closed.items() if why not in _CALM)
    if server.error is not None:
        counters.errors += 1
    return counters


_CALM = ("eof", "stopped")  # the ways a connection ends that are not errors


# -- gevent ----------------------------------------------------------------------------------------


def run_gevent(max_line: int) -> Counters:
    import gevent.os
    from gevent.server import StreamServer

    if not _monkey_patched():
        raise SystemExit("the gevent model must run with monkey.patch_all() first")
    counters = Counters()
    listener = _listener(blocking=False)
    server = StreamServer(listener, lambda conn, address: serve_connection(conn, counters))
    server.start()
    _say({"port": listener.getsockname()[1]})
    _wait_for_stdin_eof(gevent.os.tp_read)  # in gevent's thread pool: the hub keeps serving
    server.stop(timeout=1)
    return counters


def _monkey_patched() -> bool:
    from gevent import monkey

    return bool(monkey.is_module_patched("socket"))


# -- asyncio ---------------------------------------------------------------------------------------


def run_asyncio(max_line: int) -> Counters:
    import asyncio

    counters = Counters()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counters.connected()
        try:
            while line := await reader.readline():
                writer.write(line.upper())
                await writer.drain()
        except (OSError, ValueError):  # ValueError: a line longer than the reader's limit
            counters.failed()
        finally:
            writer.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_stdin() -> None:
            try:
                data = os.read(STDIN, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(STDIN)
                stop.set()

        listener = _listener(blocking=False)
        limit = max(2**16, max_line + 1)
        server = await asyncio.start_server(client, sock=listener, limit=limit, backlog=BACKLOG)
        _say({"port": listener.getsockname()[1]})
        loop.add_reader(STDIN, on_stdin)
        async with server:
            await stop.wait()

    asyncio.run(main())
    return counters


# -- the process -----------------------------------------------------------------------------------


def raise_fd_limit(need: int) -> None:
    """Raise this process's open-file limit to ``need`` when its hard limit allows (Unix): a
    run may hold a thousand connections, near the usual soft limit of 1024."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def run(model: str, max_line: int) -> Counters:
    """Serve as ``model`` until stdin closes. ``max_line``: the longest line (the message size)
    the server must take; the select server and asyncio's reader have a limit that is raised to
    it, the blocking code and gevent's read whatever comes."""
    if model in ("threads", "single"):
        return run_blocking(model == "threads", max_line)
    if model in ("select", "epoll"):
        return run_selector(model, max_line)
    if model == "gevent":
        return run_gevent(max_line)
    if model == "asyncio":
        return run_asyncio(max_line)
    raise SystemExit(f"unknown model: {model}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m netlab.bench.servers")
    parser.add_argument("model")
    parser.add_argument("--max-line", type=int, default=64 * 1024)
    parser.add_argument("--owner", type=int, default=0, help="the parent's pid (for ps)")
    args = parser.parse_args(argv)
    raise_fd_limit(4096)
    counters = run(args.model, args.max_line)
    _say({"stopped": {"connections": counters.connections, "errors": counters.errors}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
