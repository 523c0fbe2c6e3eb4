"""The chat room's rules: who is in it, who receives what, and how much may wait for whom.

Owns ``Room`` (names: 1-20 printable characters, unique ignoring case and width; joins, leaves
and who receives each message: a line goes to every *other* member exactly once, the sender
gets no echo, since its own terminal already shows what it typed) and ``over_budget`` (which
connections must go when output waits too long: more than ``MAX_PENDING`` bytes for one
connection, or more than ``MAX_QUEUED`` for the whole room, the longest queues first). Pure:
no sockets, no clock, no printing; ``netlab.demos.chat_server`` moves the bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from netlab.demos.chat_protocol import Message, name_key, name_problem, text_problem

MAX_CONNECTIONS = 500  # sockets the room serves at once (beyond: an ``error`` ``full``)
MAX_PENDING = 1024 * 1024  # bytes queued for one connection before it counts as not reading
MAX_QUEUED = 16 * 1024 * 1024  # bytes queued for all connections together


@dataclass
class Outcome:
    """What the room decided about one message: frames to send, and what to report."""

    sends: list[tuple[int, Message]] = field(default_factory=list)
    kind: str = ""  # joined, said, left (or "" for nothing to report)
    name: str | None = None
    text: str | None = None
    error: str | None = None  # set: answer with this error code and disconnect the sender
    recipients: tuple[str, ...] = ()


class Room:
    """Who is in the room, under which name, and who receives each message. Pure."""

    def __init__(self, capacity: int = MAX_CONNECTIONS, idle_timeout: float | None = None) -> None:
        self.idle_timeout = idle_timeout  # told to each member in its welcome
        self.capacity = capacity
        self._names: dict[int, str] = {}  # connection id -> name, in the order they joined
        self._taken: dict[str, int] = {}  # name_key -> connection id

    def members(self) -> list[str]:
        return list(self._names.values())

    def name_of(self, cid: int) -> str | None:
        return self._names.get(cid)

    def _broadcast(self, sender: int, message: Message) -> tuple[list, tuple[str, ...]]:
        """One message object for every other member (the server encodes it once)."""
        others = [(cid, name) for cid, name in self._names.items() if cid != sender]
        return [(cid, message) for cid, _ in others], tuple(name for _, name in others)

    def receive(self, cid: int, message: Message) -> Outcome:
        """The room's answer to ``message`` from connection ``cid``."""
        kind = message.get("type")
        if kind == "hello":
            return self._hello(cid, message.get("name"))
        if kind == "say":
            return self._say(cid, message.get("text"))
        if kind == "ping":  # "still here": nothing to send, nothing to report
            return Outcome(kind="ping")
        return Outcome(error="malformed")

    def _hello(self, cid: int, name: object) -> Outcome:
        shown = name if isinstance(name, str) else None
        if cid in self._names:
            return Outcome(error="already_joined", name=shown)
        if name_problem(name) is not None:
            return Outcome(error="bad_name", name=shown)
        assert isinstance(name, str)
        if name_key(name) in self._taken:
            return Outcome(error="name_taken", name=name)
        if len(self._names) >= self.capacity:
            return Outcome(error="full", name=name)
        sends, recipients = self._broadcast(cid, {"type": "joined", "name": name})
        welcome = {
            "type": "welcome",
            "name": name,
            "members": self.members(),
            "idle_timeout": self.idle_timeout,
        }
        self._names[cid] = name
        self._taken[name_key(name)] = cid
        return Outcome([(cid, welcome), *sends], "joined", name, recipients=recipients)

    def _say(self, cid: int, text: object) -> Outcome:
        name = self._names.get(cid)
        if name is None:
            return Outcome(error="not_joined")
        if text_problem(text) is not None:
            return Outcome(error="malformed", name=name)
        sends, recipients = self._broadcast(cid, {"type": "said", "name": name, "text": text})
        return Outcome(sends, "said", name, str(text), recipients=recipients)

    def leave(self, cid: int) -> Outcome:
        """Connection ``cid`` is gone; the others hear that its member left (if it had joined)."""
        return self.leave_all([cid])[0]

    def leave_all(self, cids: list[int]) -> list[Outcome]:
        """Several connections are gone at once: all leave first, then each departure goes to
        the members who stay (none of those leaving hears about the others), one outcome per
        connection, in order."""
        names = [(cid, self._names.pop(cid, None)) for cid in cids]
        outcomes = []
        for cid, name in names:
            if name is None:
                outcomes.append(Outcome())
                continue
            del self._taken[name_key(name)]
            sends, recipients = self._broadcast(cid, {"type": "left", "name": name})
            outcomes.append(Outcome(sends, "left", name, recipients=recipients))
        return outcomes


def over_budget(
    queued: Mapping[int, int], member_cap: int = MAX_PENDING, room_cap: int = MAX_QUEUED
) -> list[tuple[int, str]]:
    """The connections to disconnect, and why, given the bytes waiting for each (``queued``).

    Every connection with more than ``member_cap`` bytes waiting goes (``slow``: it does not
    read). If the rest still hold more than ``room_cap`` bytes together, the slowest readers go
    next (``slowest``): the longest queue first (on a tie, the earlier connection), and with it
    every queue at least half as long, then more by length until the rest fit. (Hundreds of
    members that stopped reading at the same time have queues of the same length: they go
    together, instead of a few at a time, each few told to all the others.) Decided in one
    go, so that the caller drops them together, with no drop deciding another.
    """
    drops = [(cid, "slow") for cid, size in queued.items() if size > member_cap]
    total = sum(size for size in queued.values() if size <= member_cap)
    if total > room_cap:
        kept = sorted(
            (cid for cid, size in queued.items() if size <= member_cap),
            key=lambda c: -queued[c],  # sorted() is stable: on a tie, the earlier one
        )
        largest = queued[kept[0]]
        for cid in kept:
            if total <= room_cap and queued[cid] * 2 < largest:
                break
            drops.append((cid, "slowest"))
            total -= queued[cid]
    return drops
