"""A chat room served by one thread: ``selectors`` plus length-prefixed frames.

``netlab demo chat``, in four modules by what they own:

- ``chat_protocol``: the wire format (one ``netlab.framing`` frame per UTF-8 JSON message) and
  the rules for names and lines;
- ``chat_room``: the ``Room`` (who is in it, who receives what) and the output budget (one
  connection's queue, the whole room's); pure;
- ``chat_server``: ``ChatServer``, the one-thread selector loop that survives hostile peers;
- ``chat_client``: ``ChatClient``, ``join_room`` and ``interact`` (``--name``);

and this one, which runs them: ``serve`` (``--server-only``), ``start_server`` (a server in a
thread) and the scripted room with three bots (``run_bots``); it also gives the names of the
others (``chat.ChatServer``, ``chat.pack``, ...) to the commands, views and tests.

Nothing here prints: results are plain records (``ChatEvent``, ``BotStep``, ``BotsResult``)
and errors are ``NetlabError``s with Notes; ``netlab.views.demo_chat`` draws them.
Run as ``python -m netlab.demos.chat`` it is ``netlab demo chat``.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from netlab.demos.chat_client import (
    ChatClient,
    LineBuffer,
    Refused,
    Typed,
    code_note,
    interact,
    join_room,
)
from netlab.demos.chat_protocol import (
    MAX_FRAME,
    MAX_NAME,
    MAX_TEXT,
    REASONS,
    RECV_SIZE,
    Message,
    ProtocolError,
    clean_line,
    name_key,
    name_problem,
    no_delay,
    pack,
    text_problem,
    unpack,
)
from netlab.demos.chat_room import (
    MAX_CONNECTIONS,
    MAX_PENDING,
    MAX_QUEUED,
    Outcome,
    Room,
    over_budget,
)
from netlab.demos.chat_server import IDLE_TIMEOUT, ChatEvent, ChatServer
from netlab.demos.listen import LOOPBACK, listen
from netlab.framing import encode

__all__ = [
    "BOTS",
    "IDLE_TIMEOUT",
    "MAX_CONNECTIONS",
    "MAX_FRAME",
    "MAX_NAME",
    "MAX_PENDING",
    "MAX_QUEUED",
    "MAX_TEXT",
    "REASONS",
    "RECV_SIZE",
    "BotStep",
    "BotsResult",
    "ChatClient",
    "ChatEvent",
    "ChatServer",
    "LineBuffer",
    "Message",
    "Outcome",
    "ProtocolError",
    "Refused",
    "Room",
    "Typed",
    "clean_line",
    "code_note",
    "interact",
    "join_room",
    "name_key",
    "name_problem",
    "no_delay",
    "over_budget",
    "pack",
    "run_bots",
    "script",
    "serve",
    "start_server",
    "text_problem",
    "unpack",
]

BOTS = ("alice", "bob", "carol")


# -- serving ------------------------------------------------------------------------------------


def start_server(
    host: str = LOOPBACK,
    port: int = 0,
    on_event: Callable[[ChatEvent], None] | None = None,
    idle_timeout: float | None = IDLE_TIMEOUT,
) -> tuple[ChatServer, threading.Thread]:
    """A server on ``host:port`` serving in a thread of its own (for the bots and the tests)."""
    server = ChatServer(listen(host, port), on_event, idle_timeout=idle_timeout)
    thread = threading.Thread(target=server.serve, name="netlab-chat-server", daemon=True)
    thread.start()
    return server, thread


def serve(
    host: str,
    port: int,
    on_event: Callable[[ChatEvent], None],
    idle_timeout: float | None = IDLE_TIMEOUT,
) -> None:
    """Serve the room in this thread until Ctrl-C: ``--server-only``.

    Reports ``listening`` first (``ChatEvent("listening", "HOST:PORT")``).
    """
    server = ChatServer(listen(host, port), on_event, idle_timeout=idle_timeout)
    bound = f"{server.address[0]}:{server.address[1]}"
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        on_event(ChatEvent("listening", bound))
        server.serve()
    finally:
        server.close()
        if main_thread:  # signals can only be handled in the main thread
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops ``--server-only`` like Ctrl-C: sockets closed, exit 130."""
    raise KeyboardInterrupt


# -- the scripted room -------------------------------------------------------------------------


@dataclass(frozen=True)
class BotStep:
    """One step of the scripted room and who received it.

    ``action``: join, say, leave (a bot), taken (a newcomer asks for a bot's name),
    malformed (an intruder sends a frame that is not JSON). ``expected`` are the bots that must
    receive it, ``delivered`` those that did; ``reply`` is the error code the newcomer or the
    intruder got back; ``members`` who was in the room already (join).
    """

    index: int
    actor: str
    action: str
    text: str | None = None
    expected: tuple[str, ...] = ()
    delivered: tuple[str, ...] = ()
    reply: str | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class BotsResult:
    steps: tuple[BotStep, ...]
    bots: tuple[str, ...]
    messages: int  # lines said
    deliveries: int  # frames the bots received for joins, lines and leaves
    extra: int  # frames a bot received that the script did not expect (should be 0)
    rounds: int  # the server's select() calls
    elapsed_s: float
    address: tuple[str, int]

    @property
    def verified(self) -> bool:
        return self.extra == 0 and all(set(s.expected) == set(s.delivered) for s in self.steps)


class _Bot:
    """A bot's connection and what it received, in order, not yet matched to a step."""

    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self.unmatched: list[Message] = []

    def expect(self, message: Message, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while message not in self.unmatched:
            left = deadline - time.monotonic()
            if left <= 0 or not self.client.open:
                return False
            self.unmatched += self.client.receive(left)
        self.unmatched.remove(message)
        return True


def script(lines: list[str]) -> list[tuple[str, str, str | None]]:
    """The room's script: (action, actor, text). ``lines`` are the four lines the bots say."""
    alice, bob, carol = BOTS
    return [
        ("join", alice, None),
        ("join", bob, None),
        ("join", carol, None),
        ("taken", bob, None),
        ("say", alice, lines[0]),
        ("say", bob, lines[1]),
        ("say", carol, lines[2]),
        ("malformed", "?", None),
        ("say", alice, lines[3]),
        ("leave", carol, None),
        ("leave", bob, None),
        ("leave", alice, None),
    ]


class _Play:
    """Plays the script against a server: every bot is a socket read by this one thread."""

    def __init__(self, address: tuple[str, int], timeout: float) -> None:
        self.address = address
        self.timeout = timeout
        self.bots: dict[str, _Bot] = {}
        self.extra = 0

    def step(self, index: int, action: str, actor: str, text: str | None) -> BotStep:
        return getattr(self, f"_{action}")(index, actor, text)

    def _told(self, sender: str, message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
        others = tuple(name for name in self.bots if name != sender)
        return others, tuple(n for n in others if self.bots[n].expect(message, self.timeout))

    def _join(self, index: int, actor: str, _text: str | None) -> BotStep:
        client, members = join_room(*self.address, actor, self.timeout)
        expected, delivered = self._told(actor, {"type": "joined", "name": actor})
        self.bots[actor] = _Bot(client)
        return BotStep(index, actor, "join", None, expected, delivered, members=tuple(members))

    def _say(self, index: int, actor: str, text: str | None) -> BotStep:
        self.bots[actor].client.say(str(text))
        expected, delivered = self._told(actor, {"type": "said", "name": actor, "text": text})
        return BotStep(index, actor, "say", text, expected, delivered)

    def _leave(self, index: int, actor: str, _text: str | None) -> BotStep:
        bot = self.bots.pop(actor)
        self.extra += len(bot.unmatched) + len(bot.client.leave(self.timeout))
        bot.client.close()
        expected, delivered = self._told(actor, {"type": "left", "name": actor})
        return BotStep(index, actor, "leave", None, expected, delivered)

    def _stranger(self, index: int, actor: str, action: str, frame: bytes) -> BotStep:
        client = ChatClient.connect(*self.address, self.timeout)
        try:
            client.sock.sendall(frame)
            got = client.leave(self.timeout)
        finally:
            client.close()
        reply = next((str(m.get("code")) for m in got if m.get("type") == "error"), None)
        return BotStep(index, actor, action, reply=reply)

    def _taken(self, index: int, actor: str, _text: str | None) -> BotStep:
        return self._stranger(index, actor, "taken", pack({"type": "hello", "name": actor}))

    def _malformed(self, index: int, actor: str, _text: str | None) -> BotStep:
        return self._stranger(index, actor, "malformed", encode(b"this is not JSON"))

    def close(self) -> None:
        for bot in self.bots.values():
            bot.client.close()
        self.bots.clear()


def run_bots(
    lines: list[str],
    host: str = LOOPBACK,
    port: int = 0,
    on_step: Callable[[BotStep], None] | None = None,
    pace: float = 0.0,
    timeout: float = 5.0,
) -> BotsResult:
    """The scripted room: a server thread and three bots (alice, bob, carol) in this thread.

    Each step waits until every bot that should receive it did (or ``timeout``), so the
    transcript is the same on every run; ``pace`` seconds between steps let a learner watch.
    """
    started = time.perf_counter()
    server, thread = start_server(host, port)
    target = (LOOPBACK if server.address[0] == "0.0.0.0" else server.address[0], server.address[1])
    play = _Play(target, timeout)
    steps = []
    try:
        for index, (action, actor, text) in enumerate(script(lines), start=1):
            if pace and index > 1:
                time.sleep(pace)
            steps.append(play.step(index, action, actor, text))
            if on_step is not None:
                on_step(steps[-1])
    finally:
        play.close()
        server.stop()
        thread.join(timeout)
    return BotsResult(
        steps=tuple(steps),
        bots=BOTS,
        messages=sum(1 for s in steps if s.action == "say"),
        deliveries=sum(len(s.delivered) for s in steps),
        extra=play.extra,
        rounds=server.rounds,
        elapsed_s=time.perf_counter() - started,
        address=server.address,
    )


if __name__ == "__main__":
    import sys

    from netlab.cli.main import main

    sys.exit(main(["demo", "chat", *sys.argv[1:]]))
