"""A fleet of echo clients in one thread: the load that ``netlab demo select`` serves.

Owns ``run_fleet`` (N clients connect at once, each sends M messages -- newline-terminated or
not, each in one ``send()`` call or two -- and checks that the replies are its messages
upper-cased, byte for byte, in order, measuring each round trip), ``FleetResult`` (the counts,
the ``send()``/``recv()`` calls, the round-trip percentiles), and ``FleetProcess``, which runs the
fleet in a child Python process (``python -m netlab.demos.echo_clients``) so the clients are
another program, as they would be with ``nc``: their sockets do not count against the server
process's descriptors, and they do not share its GIL. The same load generator drives the
benchmark (``benchmarks/echo.py``). Talks only to the address it is given; prints nothing but
the JSON result of a child run. No rich, no netlab.cli here.

TCP keeps the bytes and their order, not the writes: a server that answers each chunk as it
arrives sends the reply back in pieces that need not match the client's ``send()`` calls, so a
client never takes one ``recv()`` for one reply. It knows how many bytes each message's reply
has (upper-casing keeps the length) and reads until that many have arrived.
"""

from __future__ import annotations

import argparse
import errno
import heapq
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

RECV_SIZE = 65536
IDLE_TIMEOUT = 10.0  # no reply for this long: the remaining messages count as lost


def message(client: int, index: int, size: int = 0) -> bytes:
    """Message ``index`` of client ``client``, without its newline; exactly ``size`` bytes
    (newline included) when ``size`` is given, as in the benchmark."""
    text = f"hello from client {client}, message {index}".encode()
    if size <= 0:
        return text
    body = f"{client}:{index}:".encode()
    return (body + b"x" * size)[: max(size - 1, len(body))]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class FleetResult:
    """What the clients saw: every count is over all clients together."""

    clients: int
    messages: int  # messages planned: clients x messages per client
    sent: int = 0
    writes: int = 0  # send() calls that took bytes, all clients together
    reads: int = 0  # recv() calls that returned reply bytes
    replies_ok: int = 0  # replies equal to the upper-cased message, in the order sent
    wrong: int = 0  # replies that were not the expected one
    lost: int = 0  # messages whose reply never came
    elapsed_s: float = 0.0
    rtt_p50_ms: float = 0.0
    rtt_p99_ms: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)  # why clients ended early

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FleetResult:
        return cls(**data)  # type: ignore[arg-type]


def pieces(data: bytes, split: bool) -> list[bytes]:
    """``data`` as the client writes it: whole, or (``split``) in two ``send()`` calls, cut
    after its first ``", "`` (else in the middle)."""
    if not split or len(data) < 2:
        return [data]
    cut = data.find(b", ") + 2 if b", " in data else len(data) // 2
    return [data[:cut], data[cut:]]


class _Client:
    """One client's socket and bookkeeping."""

    def __init__(
        self, number: int, plan: list[bytes], due: float, newline: bool, split: bool
    ) -> None:
        self.number = number
        self.plan = plan
        self.newline = newline
        self.split = split
        self.next = 0  # index in plan of the next message to queue
        self.due = due  # when the next message may be queued
        self.out: deque[memoryview] = deque()  # the pieces to write, one send() call each
        self.later: deque[bytes] = deque()  # pieces of the current message not yet due
        self.inbox = bytearray()
        self.waiting: deque[tuple[bytes, float]] = deque()  # (expected reply, time queued)
        self.writes = 0
        self.reads = 0
        self.sock: socket.socket | None = None
        self.connecting = True
        self.mask = 0
        self.replies_ok = 0
        self.wrong = 0
        self.failure = ""
        self.done = False

    @property
    def answered(self) -> int:
        return self.replies_ok + self.wrong

    def connect(self, host: str, port: int, selector: selectors.BaseSelector) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        code = sock.connect_ex((host, port))
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            self.fail(f"connect: {os.strerror(code)}", selector)
            return
        self.watch(selector)

    def queue_due(self, now: float, window: int, gap: float, pause: float) -> float | None:
        """Queue the messages (and pieces) whose turn has come; return when the next one is
        due, if later. ``pause``: seconds between the two pieces of an odd-numbered message
        (the even ones go back to back)."""
        while True:
            if self.later:
                if self.due > now:
                    return self.due
                self.out.append(memoryview(self.later.popleft()))
                self.due = now + (0.0 if self.later else gap)
                if not self.later and self.waiting:  # the round trip starts at the last piece
                    self.waiting[-1] = (self.waiting[-1][0], now)
                continue
            if self.next >= len(self.plan) or len(self.waiting) >= window:
                return None
            if self.due > now:
                return self.due
            text = self.plan[self.next] + (b"\n" if self.newline else b"")
            first, *rest = pieces(text, self.split)
            self.out.append(memoryview(first))
            self.waiting.append((text.upper(), now))
            self.next += 1
            self.later.extend(rest)
            self.due = now + ((pause if self.next % 2 else 0.0) if rest else gap)

    def watch(self, selector: selectors.BaseSelector) -> None:
        """Register for writing while connecting or while bytes wait, else only for reading."""
        if self.sock is None or self.done:
            return
        if self.connecting:
            mask = selectors.EVENT_WRITE
        else:
            mask = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.out else 0)
        if mask == self.mask:
            return
        if self.mask:
            selector.modify(self.sock, mask, self)
        else:
            selector.register(self.sock, mask, self)
        self.mask = mask

    def on_writable(self, selector: selectors.BaseSelector) -> None:
        assert self.sock is not None
        if self.connecting:
            code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self.fail(f"connect: {os.strerror(code)}", selector)
                return
            self.connecting = False
        if self.out:  # one send() call per writable event: the pieces leave apart
            try:
                sent = self.sock.send(self.out[0])
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self.fail(exc.strerror or type(exc).__name__, selector)
                return
            self.writes += sent > 0
            if sent < len(self.out[0]):
                self.out[0] = self.out[0][sent:]
            else:
                self.out.popleft()

    def on_readable(self, now: float, rtts: list[float], selector: selectors.BaseSelector) -> None:
        assert self.sock is not None
        try:
            data = self.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self.fail(exc.strerror or type(exc).__name__, selector)
            return
        if not data:
            self.fail("closed by the server", selector)
            return
        self.reads += 1
        self.inbox += data
        # a reply is complete when as many bytes as its message have come, however they were cut
        while self.waiting and len(self.inbox) >= len(self.waiting[0][0]):
            expected, queued = self.waiting.popleft()
            reply = bytes(self.inbox[: len(expected)])
            del self.inbox[: len(expected)]
            if reply == expected:
                self.replies_ok += 1
                rtts.append(now - queued)
            else:
                self.wrong += 1
        if self.inbox and not self.waiting:  # bytes nobody asked for
            self.fail("unexpected bytes from the server", selector)
            return
        if self.answered >= len(self.plan):
            self.finish(selector)

    def fail(self, reason: str, selector: selectors.BaseSelector) -> None:
        self.failure = reason
        self.finish(selector)

    def finish(self, selector: selectors.BaseSelector) -> None:
        self.done = True
        if self.sock is None:
            return
        if self.mask:
            selector.unregister(self.sock)
            self.mask = 0
        self.sock.close()


def _start(
    clients: int, messages: int, size: int, stagger: float, start: float, newline: bool, split: bool
) -> list[_Client]:
    fleet = []
    for number in range(1, clients + 1):
        plan = [message(number, index, size) for index in range(1, messages + 1)]
        fleet.append(_Client(number, plan, start + (number - 1) * stagger, newline, split))
    return fleet


def _drive(
    selector: selectors.BaseSelector,
    fleet: list[_Client],
    rtts: list[float],
    options: dict[str, float],
    cancel: threading.Event | None,
) -> None:
    """The clients' own select loop: queue due messages, send, read and check replies."""
    window, gap, idle = int(options["window"]), options["gap"], options["idle_timeout"]
    pause = options["pause"]
    timers: list[tuple[float, int]] = []
    by_number = {c.number: c for c in fleet}
    now = time.monotonic()
    for client in fleet:
        _pump(client, now, window, gap, pause, timers, selector)
    active = sum(not c.done for c in fleet)
    last_progress = now
    while active:
        if cancel is not None and cancel.is_set():
            return
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, number = heapq.heappop(timers)
            _pump(by_number[number], now, window, gap, pause, timers, selector)
        wait = idle - (now - last_progress)
        if wait <= 0:
            return
        if timers:
            wait = min(wait, max(0.0, timers[0][0] - now))
        if cancel is not None:
            wait = min(wait, 0.1)
        for key, mask in selector.select(wait):
            client: _Client = key.data
            before = client.answered
            if mask & selectors.EVENT_WRITE:
                client.on_writable(selector)
            if mask & selectors.EVENT_READ and not client.done:
                client.on_readable(time.monotonic(), rtts, selector)
            if client.answered != before or client.done:
                last_progress = time.monotonic()
            if client.done:
                active -= 1
            else:
                _pump(client, time.monotonic(), window, gap, pause, timers, selector)


def _pump(
    client: _Client,
    now: float,
    window: int,
    gap: float,
    pause: float,
    timers: list[tuple[float, int]],
    selector: selectors.BaseSelector,
) -> None:
    if client.done:
        return
    due = client.queue_due(now, window, gap, pause)
    if due is not None:
        heapq.heappush(timers, (due, client.number))
    client.watch(selector)


def run_fleet(
    host: str,
    port: int,
    clients: int,
    messages: int,
    *,
    size: int = 0,
    window: int = 1,
    gap: float = 0.0,
    stagger: float = 0.0,
    newline: bool = True,
    split: bool = False,
    pause: float = 0.0,
    idle_timeout: float = IDLE_TIMEOUT,
    cancel: threading.Event | None = None,
) -> FleetResult:
    """Run ``clients`` clients against ``host:port``, each sending ``messages`` messages.

    ``newline``: each message ends with a newline (a line server answers nothing else);
    ``split``: each message is written in two ``send()`` calls, ``pause`` seconds apart for
    the odd-numbered messages, back to back for the even ones. ``window``: how many messages a
    client may have awaiting their reply (1 = send, wait for the reply, send the next).
    ``gap``: seconds between a client's messages; ``stagger``: seconds between the clients'
    first messages. Gives up after ``idle_timeout`` seconds
    without a reply, or when ``cancel`` is set; unanswered messages count as lost.
    """
    selector = selectors.DefaultSelector()
    start = time.monotonic()
    fleet = _start(clients, messages, size, stagger, start, newline, split)
    rtts: list[float] = []
    try:
        for client in fleet:
            client.connect(host, port, selector)
        options = {"window": window, "gap": gap, "pause": pause, "idle_timeout": idle_timeout}
        _drive(selector, fleet, rtts, options, cancel)
    finally:
        for client in fleet:
            if not client.done:
                client.failure = client.failure or "timeout"
                client.finish(selector)
        selector.close()
    return _result(fleet, rtts, time.monotonic() - start)


def _result(fleet: list[_Client], rtts: list[float], elapsed: float) -> FleetResult:
    failures: dict[str, int] = {}
    for client in fleet:
        if client.failure:
            failures[client.failure] = failures.get(client.failure, 0) + 1
    planned = sum(len(c.plan) for c in fleet)
    ok = sum(c.replies_ok for c in fleet)
    wrong = sum(c.wrong for c in fleet)
    return FleetResult(
        clients=len(fleet),
        messages=planned,
        sent=sum(c.next for c in fleet),
        writes=sum(c.writes for c in fleet),
        reads=sum(c.reads for c in fleet),
        replies_ok=ok,
        wrong=wrong,
        lost=max(0, planned - ok - wrong),
        elapsed_s=round(elapsed, 4),
        rtt_p50_ms=round(percentile(rtts, 0.50) * 1000, 3),
        rtt_p99_ms=round(percentile(rtts, 0.99) * 1000, 3),
        failures=failures,
    )


# -- the fleet as a child process ----------------------------------------------------------------


class FleetProcess:
    """``run_fleet`` in a child Python process; ``result()`` waits for it, ``stop()`` ends it."""

    def __init__(
        self, host: str, port: int, clients: int, messages: int, **options: float | bool
    ) -> None:
        argv = [sys.executable, "-m", "netlab.demos.echo_clients", host, str(port)]
        argv += [str(clients), str(messages)]
        for name, value in options.items():
            shown = str(int(value)) if isinstance(value, bool) else str(value)
            argv += [f"--{name.replace('_', '-')}", shown]
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds netlab/
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, _pythonpath()]))}
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl-C goes to the demo, which then stops the clients
        )

    def finished(self) -> bool:
        return self.proc.poll() is not None

    def result(self, timeout: float) -> FleetResult:
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise RuntimeError(f"the clients' process failed: {err.decode(errors='replace')}")
        return FleetResult.from_dict(json.loads(out))

    def stop(self) -> None:
        """End the child if it still runs, and reap it (no zombie is left behind)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _pythonpath() -> str:
    return os.environ.get("PYTHONPATH", "")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m netlab.demos.echo_clients")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("clients", type=int)
    parser.add_argument("messages", type=int)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--window", type=int, default=1)
    parser.add_argument("--gap", type=float, default=0.0)
    parser.add_argument("--stagger", type=float, default=0.0)
    parser.add_argument("--newline", type=int, choices=(0, 1), default=1)
    parser.add_argument("--split", type=int, choices=(0, 1), default=0)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run a fleet and print its result as one JSON line (the child side of FleetProcess)."""
    args = _arguments(argv)
    try:
        result = run_fleet(
            args.host,
            args.port,
            args.clients,
            args.messages,
            size=args.size,
            window=args.window,
            gap=args.gap,
            stagger=args.stagger,
            newline=bool(args.newline),
            split=bool(args.split),
            pause=args.pause,
            idle_timeout=args.idle_timeout,
        )
    except KeyboardInterrupt:
        return 130
    print(json.dumps(result.to_dict()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
