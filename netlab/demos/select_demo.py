"""``netlab demo select`` around the echo server: the server plus a fleet of clients, or alone.

Owns ``SelectDemo`` (the ``netlab.demos.select_server.EchoServer`` in a background thread plus
a fleet of ``netlab.demos.echo_clients`` in a child process, events handed to a callback in the
calling thread, every socket closed and the child reaped however the run ends), ``DemoSummary``
(the figures of a run), ``demo_pacing`` and ``serve`` (the server alone, until Ctrl-C or
SIGTERM). Moves bytes and records only: no rich, no printing, no sentences.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from netlab.demos.select_server import (
    BACKLOG,
    IDLE_TIMEOUT,
    EchoServer,
    Event,
    check_capacity,
    client_host,
    make_selector,
    sigterm_as_interrupt,
)

if TYPE_CHECKING:
    from netlab.demos.echo_clients import FleetProcess, FleetResult


@dataclass(frozen=True)
class DemoSummary:
    """The figures of one ``netlab demo select`` run."""

    backend: str
    mode: str  # "chunks" (each recv() answered as it is) or "lines"
    clients: int
    messages_per_client: int
    messages: int  # all clients together
    replies_ok: int
    wrong: int
    lost: int
    rounds: int
    elapsed_s: float
    accepted: int
    refused: int
    rtt_p50_ms: float
    rtt_p99_ms: float
    peak_buffered: int
    closed: dict[str, int]
    client_writes: int  # send() calls of the clients (two per message)
    server_reads: int  # recv() calls of the server that returned bytes
    server_writes: int  # send() calls of the server
    client_reads: int  # recv() calls of the clients that returned bytes

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def demo_pacing(clients: int, messages: int) -> dict[str, float]:
    """Pauses that let a learner watch the rounds: the clients send in waves, all at about the
    same moment (so one round finds several sockets ready), with a gap between waves that
    shrinks for long runs (about 2 s of gaps at most), and a pause between the two halves of
    the odd-numbered messages, long enough for the server to read the first half alone."""
    gap = round(min(0.1, 2.0 / messages), 4)
    return {"gap": gap, "stagger": 0.0, "pause": round(min(0.02, gap / 2), 4)}


class SelectDemo:
    """One ``netlab demo select`` run: the server plus a fleet of clients in a child process.

    Each client writes each message in two ``send()`` calls (``echo_clients.pieces``), with a
    pause between them for the odd-numbered messages while someone watches, so the round log
    shows how the server's reads, and the replies, follow what arrived, not what the client
    wrote; in chunk mode the messages have no newline (as the seed's client sends them),
    in line mode (``lines=True``) they end with one.

    Opening it checks the capacity and starts listening, so a bad port fails before anything
    is printed; ``run()`` serves the clients; ``close()`` (or leaving the ``with`` block) stops
    the clients and the server, closes every socket and reaps the child, however the run
    ended. Events reach ``run``'s ``on_event`` on the calling thread, as they happen.
    ``idle_timeout`` and ``refusals`` are the server's (``EchoServer``).
    """

    def __init__(
        self,
        host: str,
        port: int,
        backend: str,
        clients: int,
        messages: int,
        *,
        live: bool = True,
        lines: bool = False,
        pacing: dict[str, float] | None = None,
        idle_timeout: float | None = IDLE_TIMEOUT,
        refusals: Mapping[str, bytes] | None = None,
    ) -> None:
        from netlab.demos.listen import listen

        check_capacity(backend, clients)
        self.host, self.backend, self.lines = host, backend, lines
        self.clients, self.messages = clients, messages
        if pacing is None:  # pauses only help someone watching the rounds
            pacing = (
                demo_pacing(clients, messages)
                if live
                else {"gap": 0.0, "stagger": 0.0, "pause": 0.0}
            )
        self.pacing = pacing
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        emit = self._events.put if live else None
        self.server = EchoServer(
            listen(host, port, BACKLOG),
            backend,
            lines=lines,
            on_event=emit,
            idle_timeout=idle_timeout,
            refusals=refusals,
        )
        self._fleet: FleetProcess | None = None

    @property
    def address(self) -> str:
        return "{}:{}".format(*self.server.address)

    def __enter__(self) -> SelectDemo:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, on_event: Callable[[Event], None] | None = None) -> DemoSummary:
        """Serve the clients until they are done; Ctrl-C or SIGTERM raise KeyboardInterrupt."""
        from netlab.demos.echo_clients import FleetProcess

        events, server = self._events, self.server
        with sigterm_as_interrupt():
            server.start()
            where, port = client_host(self.host), server.address[1]
            self._fleet = FleetProcess(
                where,
                port,
                self.clients,
                self.messages,
                newline=self.lines,
                split=True,
                **self.pacing,
            )
            _pump(events, on_event, self._fleet.finished)
            result = self._fleet.result(timeout=30)
            _pump(events, on_event, lambda: server.open_connections == 0, limit=2.0)
            server.stop()
            _pump(events, on_event, lambda: True)
        if server.error is not None:
            raise server.error
        return _summary(server, result, self.backend, self.messages, self.lines)

    def close(self) -> None:
        if self._fleet is not None:
            self._fleet.stop()
        self.server.stop()


def _pump(
    events: queue.SimpleQueue[Event],
    on_event: Callable[[Event], None] | None,
    done: Callable[[], bool],
    limit: float | None = None,
) -> None:
    """Hand queued events to ``on_event`` until ``done()`` and the queue is empty (or
    ``limit`` seconds have passed)."""
    deadline = None if limit is None else time.monotonic() + limit
    while deadline is None or time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.05)
        except queue.Empty:
            if done():
                return
            continue
        if on_event is not None:
            on_event(event)


def _summary(
    server: EchoServer, result: FleetResult, backend: str, messages: int, lines: bool
) -> DemoSummary:
    stats = server.stats
    return DemoSummary(
        backend=backend,
        mode="lines" if lines else "chunks",
        clients=result.clients,
        messages_per_client=messages,
        messages=result.messages,
        replies_ok=result.replies_ok,
        wrong=result.wrong,
        lost=result.lost,
        rounds=stats.rounds,
        elapsed_s=result.elapsed_s,
        accepted=stats.accepted,
        refused=stats.refused,
        rtt_p50_ms=result.rtt_p50_ms,
        rtt_p99_ms=result.rtt_p99_ms,
        peak_buffered=stats.peak_buffered,
        closed=dict(stats.closed),
        client_writes=result.writes,
        server_reads=stats.chunks,
        server_writes=stats.sends,
        client_reads=result.reads,
    )


def serve(
    host: str,
    port: int,
    backend: str,
    on_event: Callable[[Event], None],
    lines: bool = False,
    idle_timeout: float | None = IDLE_TIMEOUT,
    refusals: Mapping[str, bytes] | None = None,
) -> None:
    """Serve on ``host:port`` in this thread until Ctrl-C or SIGTERM (KeyboardInterrupt)."""
    from netlab.demos.listen import listen

    make_selector(backend).close()
    server = EchoServer(
        listen(host, port, BACKLOG),
        backend,
        lines=lines,
        on_event=on_event,
        idle_timeout=idle_timeout,
        refusals=refusals,
    )
    with sigterm_as_interrupt():
        server.serve_forever()
