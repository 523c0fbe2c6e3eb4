"""The load generator of ``netlab bench io``: N clients x M messages, every reply checked.

Owns ``run_load``: N non-blocking clients connect to the server at once, on one thread and one
selector; each sends its first message as soon as it is connected, then, one at a time, reads
the reply (exactly the message's length: see ``netlab.bench.workload``), checks that it is the
message upper-cased, notes the round trip (``time.perf_counter`` from the send to the reply's
last byte) and sends the next. A client that can't connect, is reset or closed early, ends with
the reason; its unanswered messages are lost. The run gives up after ``idle_timeout`` seconds
without any reply, or when ``stop_fd`` becomes readable (its parent closed the pipe), so it
always ends by itself.

Run as ``python -m netlab.bench.load HOST PORT CLIENTS MESSAGES SIZE``, in a process of its own
so that it does not share the server's interpreter, GIL or descriptors: it prints one JSON line
``{"done": N}`` about every 0.1 s while it runs and ``{"result": {...}}`` at the end; with
``--watch-stdin`` it stops when its stdin closes. Talks only to the address it is given. No
rich, no netlab.cli.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from netlab.bench.servers import raise_fd_limit
from netlab.bench.stats import rtt_summary
from netlab.bench.workload import message

RECV_SIZE = 256 * 1024
IDLE_TIMEOUT = 10.0  # no reply from the server for this long: the rest counts as lost
PROGRESS_EVERY = 0.1


class _Client:
    """One connection: the message waiting for its reply and what came back so far."""

    __slots__ = (
        "connecting",
        "done",
        "expected",
        "failure",
        "inbox",
        "index",
        "mask",
        "number",
        "ok",
        "out",
        "sent_at",
        "sock",
        "wrong",
    )

    def __init__(self, number: int) -> None:
        self.number = number
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.index = 0  # messages answered (right or wrong); the next one to send is index + 1
        self.expected = b""
        self.inbox = bytearray()
        self.out: memoryview | None = None  # the unsent rest of a message (a partial send)
        self.sent_at = 0.0
        self.connecting = True
        self.mask = 0
        self.ok = 0
        self.wrong = 0
        self.failure = ""
        self.done = False


class _Fleet:
    """The clients and their one selector loop."""

    def __init__(self, host: str, port: int, clients: int, messages: int, size: int) -> None:
        self.address = (host, port)
        self.messages, self.size = messages, size
        self.selector = selectors.DefaultSelector()
        self.clients = [_Client(number) for number in range(1, clients + 1)]
        self.rtts: list[float] = []
        self.waits: list[float] = []  # per client: from the start of the run to its first reply
        self.start = time.perf_counter()
        self.active = clients
        self.answered = 0
        self.last_reply = time.perf_counter()

    # -- one client ---------------------------------------------------------------------------

    def connect(self, client: _Client) -> None:
        sock = client.sock
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = sock.connect_ex(self.address)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            self.fail(client, f"connect: {os.strerror(code)}")
            return
        self.watch(client, selectors.EVENT_WRITE)

    def watch(self, client: _Client, mask: int) -> None:
        if mask == client.mask:
            return
        if client.mask:
            self.selector.modify(client.sock, mask, client)
        else:
            self.selector.register(client.sock, mask, client)
        client.mask = mask

    def send_next(self, client: _Client) -> None:
        text = message(client.number, client.index + 1, self.size)
        client.expected = text.upper()
        client.out = memoryview(text)
        client.sent_at = time.perf_counter()
        self.flush(client)

    def flush(self, client: _Client) -> None:
        """Send what the kernel takes now; watch for writable only while bytes remain."""
        out = client.out
        if out is None:
            return
        try:
            sent = client.sock.send(out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self.fail(client, exc.strerror or type(exc).__name__)
            return
        if sent < len(out):
            client.out = out[sent:]
            self.watch(client, selectors.EVENT_READ | selectors.EVENT_WRITE)
        else:
            client.out = None
            self.watch(client, selectors.EVENT_READ)

    def on_writable(self, client: _Client) -> None:
        if client.connecting:
            code = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self.fail(client, f"connect: {os.strerror(code)}")
                return
            client.connecting = False
            self.send_next(client)
        else:
            self.flush(client)

    def on_readable(self, client: _Client) -> None:
        try:
            data = client.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self.fail(client, exc.strerror or type(exc).__name__)
            return
        if not data:
            self.fail(client, "closed by the server")
            return
        now = time.perf_counter()
        size = self.size
        if not client.inbox and len(data) == size:  # the usual case: one whole reply
            self.check(client, data, now)
        else:
            client.inbox += data
            while len(client.inbox) >= size and not client.done:
                reply = bytes(client.inbox[:size])
                del client.inbox[:size]
                self.check(client, reply, now)

    def check(self, client: _Client, reply: bytes, now: float) -> None:
        if reply == client.expected:
            client.ok += 1
            self.rtts.append(now - client.sent_at)
        else:
            client.wrong += 1
        if not client.index:
            self.waits.append(now - self.start)
        client.index += 1
        self.answered += 1
        self.last_reply = now
        if client.index >= self.messages:
            self.finish(client)
        elif client.out is None:
            self.send_next(client)

    def fail(self, client: _Client, reason: str) -> None:
        client.failure = reason
        self.finish(client)

    def finish(self, client: _Client) -> None:
        if client.done:
            return
        client.done = True
        self.active -= 1
        if client.mask:
            self.selector.unregister(client.sock)
            client.mask = 0
        client.sock.close()

    # -- the loop -----------------------------------------------------------------------------

    def run(
        self,
        on_progress: Callable[[int], None] | None,
        idle_timeout: float,
        stop_fd: int | None,
    ) -> float:
        """Serve every client until all are done (or the run gives up); return the seconds
        from the first connect to the last reply."""
        if stop_fd is not None:
            self.selector.register(stop_fd, selectors.EVENT_READ, None)
        start = self.start = self.last_reply = time.perf_counter()
        for client in self.clients:
            self.connect(client)
        next_report = start + PROGRESS_EVERY
        select = self.selector.select
        while self.active:
            now = time.perf_counter()
            if on_progress is not None and now >= next_report:
                on_progress(self.answered)
                next_report = now + PROGRESS_EVERY
            idle = idle_timeout - (now - self.last_reply)
            if idle <= 0:
                self.give_up("timeout")
                break
            for key, mask in select(min(idle, PROGRESS_EVERY)):
                client = key.data
                if client is None:  # the parent closed our stdin: stop
                    self.give_up("stopped")
                    break
                if client.done:
                    continue
                if mask & selectors.EVENT_WRITE:
                    self.on_writable(client)
                if mask & selectors.EVENT_READ and not client.done:
                    self.on_readable(client)
        end = self.last_reply if self.answered else time.perf_counter()
        if on_progress is not None:
            on_progress(self.answered)
        return end - start

    def give_up(self, reason: str) -> None:
        for client in self.clients:
            if not client.done:
                self.fail(client, reason)

    def close(self) -> None:
        self.give_up("stopped")
        self.selector.close()

    def result(self, elapsed: float) -> dict[str, Any]:
        failures: dict[str, int] = {}
        for client in self.clients:
            if client.failure:
                failures[client.failure] = failures.get(client.failure, 0) + 1
        ok = sum(client.ok for client in self.clients)
        wrong = sum(client.wrong for client in self.clients)
        planned = len(self.clients) * self.messages
        return {
            "clients": len(self.clients),
            "messages": self.messages,
            "size": self.size,
            "replies_ok": ok,
            "wrong": wrong,
            "lost": planned - ok - wrong,
            "elapsed_s": round(elapsed, 6),
            "rtt": rtt_summary(self.rtts).to_dict(),
            "wait": rtt_summary(self.waits).to_dict(),
            "failures": failures,
        }


def run_load(
    host: str,
    port: int,
    clients: int,
    messages: int,
    size: int,
    *,
    on_progress: Callable[[int], None] | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
    stop_fd: int | None = None,
) -> dict[str, Any]:
    """Run the clients against ``host:port``; return the result document (see ``_Fleet.result``).

    ``on_progress(answered)`` is called about every 0.1 s with the replies received so far.
    """
    raise_fd_limit(clients + 64)
    fleet = _Fleet(host, port, clients, messages, size)
    try:
        elapsed = fleet.run(on_progress, idle_timeout, stop_fd)
        return fleet.result(elapsed)
    finally:
        fleet.close()


def _say(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m netlab.bench.load")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("clients", type=int)
    parser.add_argument("messages", type=int)
    parser.add_argument("size", type=int)
    parser.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT)
    parser.add_argument(
        "--watch-stdin", action="store_true", help="stop when stdin is closed (the parent is gone)"
    )
    parser.add_argument("--owner", type=int, default=0, help="the parent's pid (for ps)")
    args = parser.parse_args(argv)
    try:
        result = run_load(
            args.host,
            args.port,
            args.clients,
            args.messages,
            args.size,
            on_progress=lambda done: _say({"done": done}),
            idle_timeout=args.idle_timeout,
            stop_fd=sys.stdin.fileno() if args.watch_stdin else None,
        )
    except KeyboardInterrupt:
        return 130
    _say({"result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
