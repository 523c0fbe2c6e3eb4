"""The id of a predicted step's card: which scenario, options, kind of exercise, step and question.

Owns the one spelling of such ids, so that the quiz store can count them and ``netlab quiz
--review`` can rebuild the question from the id alone::

    sim/handshake/next/2/flags
    sim/close/fields/5/ack?lose=ack&msl=30
    sim/handshake/fields/1/state.2      (the second state question about step 1)
    sim/dhcp/order/1-4

The part after ``?`` is the scenario's own options as typed (URL-encoded, in the order given;
a flag is ``name`` alone). View options (``--json``, ``--lang``, ``--predict``...) are never
part of it: the same step of the same simulation is the same card. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

PREFIX = "sim/"
_ID = re.compile(
    r"sim/(?P<scenario>[a-z]+)/(?P<mode>next|fields|order)/(?P<where>\d+(?:-\d+)?)"
    r"(?:/(?P<kind>[a-z0-9_]+)(?:\.(?P<nth>\d+))?)?(?:\?(?P<query>.*))?\Z",
    re.S,
)

#: The quiz topic each scenario's cards count under (``data/topics.toml``).
TOPICS = {
    "handshake": "handshake",
    "close": "close",
    "tcp": "tcp-udp",
    "layers": "tcpip",
    "arp": "arp",
    "nat": "nat",
    "dhcp": "dhcp",
    "dns": "dns",
    "journey": "gateway",
    "route": "routing",
    "rip": "routing",
    "ospf": "routing",
}

Options = tuple[tuple[str, str | None], ...]  # ("lose", "ack"), ("merge", None)


@dataclass(frozen=True)
class CardId:
    scenario: str
    mode: str
    first: int  # the step asked about (order: the first step of the window)
    last: int  # the same step, or the last of an order window
    kind: str  # the question's kind ("order" for an order exercise)
    options: Options = ()
    nth: int = 1  # the second question of the same kind about the same step is kind.2

    def __str__(self) -> str:
        where = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        out = f"{PREFIX}{self.scenario}/{self.mode}/{where}"
        if self.mode != "order":
            out += f"/{self.kind}" + (f".{self.nth}" if self.nth > 1 else "")
        if self.options:
            parts = [
                quote(name, safe="") + ("" if value is None else "=" + quote(value, safe=""))
                for name, value in self.options
            ]
            out += "?" + "&".join(parts)
        return out

    def argv(self) -> list[str]:
        """The scenario's options as a command line would give them."""
        out: list[str] = []
        for name, value in self.options:
            out.append(f"--{name}")
            if value is not None:
                out.append(value)
        return out


def is_card(question_id: str) -> bool:
    return question_id.startswith(PREFIX)


def parse(question_id: str) -> CardId:
    """The parts of a card id; ValueError when it is not one."""
    m = _ID.match(question_id)
    if m is None:
        raise ValueError(f"not a simulation card id: {question_id!r}")
    first, _, last = m["where"].partition("-")
    options: list[tuple[str, str | None]] = []
    if m["query"]:
        for part in m["query"].split("&"):
            name, eq, value = part.partition("=")
            options.append((unquote(name), unquote(value) if eq else None))
    return CardId(
        m["scenario"],
        m["mode"],
        int(first),
        int(last or first),
        m["kind"] or "order",
        tuple(options),
        int(m["nth"] or 1),
    )
