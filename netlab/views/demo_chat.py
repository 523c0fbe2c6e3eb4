"""What ``netlab demo chat`` shows: the server's log, the scripted room, the client's screen.

Owns turning the chat demo's plain records (``ChatEvent``, ``BotStep``, ``BotsResult``, the
messages a client receives) into rich renderables in the learner's language, and the
``--json`` document of the scripted room. Only draws: no sockets, no protocol decisions. Every
sentence comes from the ``demo.chat`` catalogue tables; arrows and marks fall back to ASCII
when the terminal can't show more. Whatever a peer sent (names, lines, member lists, error
codes) is outside text: ``outside`` cuts it with a count and escapes it for one line
(``netlab.printable``), so a log record stays one record and nothing reaches the terminal raw.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from netlab.demos.chat import (
    MAX_NAME,
    MAX_TEXT,
    REASONS,
    BotsResult,
    BotStep,
    ChatEvent,
    Message,
    Typed,
)
from netlab.demos.chat_client import MAX_CODE
from netlab.i18n import text
from netlab.printable import clip, printable

LINES = 4  # lines the bots say (demo.chat.bots.line1 ... line4)
REMEMBER = ("frames", "one_thread", "isolation")  # demo.chat.remember.*
LOG_TEXT = 200  # characters of a line in the server's log (the members get it whole)
LOG_RECIPIENTS = 8  # names after a log line's arrow; the others are counted
WELCOME_MEMBERS = 50  # names in the client's welcome; the others are counted
STYLE = {
    "join": "green",
    "leave": "yellow",
    "say": "",
    "taken": "red",
    "malformed": "red",
    "name": "bold cyan",
    "dim": "dim",
}


def bot_lines(lang: str) -> list[str]:
    """What alice, bob and carol say, in the learner's language."""
    return [text(f"demo.chat.bots.line{i}", lang) for i in range(1, LINES + 1)]


def outside(value: object, limit: int, lang: str) -> str:
    """Text a peer sent, ready for one line: cut after ``limit`` characters (saying how many
    more there were) and every control, bidi, zero-width and line-breaking character
    escaped."""
    kept, cut = clip(str(value), limit)
    shown = printable(kept, newlines=False)
    if not cut:
        return shown
    return text("demo.chat.cut", lang, text=shown, count=cut, chars=f"{cut:,}")


def reason(code: object, lang: str) -> str:
    """A disconnect reason or error code, said in words (an unknown code as outside text)."""
    if code in REASONS:
        return text(f"demo.chat.reason.{code}", lang)
    return outside(code, MAX_CODE, lang)


def _arrow(ascii_only: bool) -> str:
    return "->" if ascii_only else "→"


def _names(names: tuple[str, ...] | list[str], lang: str, limit: int | None = None) -> str:
    """Members' names, each as outside text; past ``limit`` of them, how many more."""
    if not names:
        return text("demo.chat.nobody", lang)
    shown = names if limit is None else names[:limit]
    joined = text("demo.chat.sep", lang).join(outside(n, MAX_NAME, lang) for n in shown)
    if len(shown) == len(names):
        return joined
    return text("demo.chat.more", lang, names=joined, count=len(names) - len(shown))


# -- --server-only ----------------------------------------------------------------------------


def listening(bound: str, lang: str, idle: float | None = None) -> Text:
    """The first line of ``--server-only``: where it listens, then how to join (and when a
    quiet connection is closed)."""
    host, _, port = bound.rpartition(":")
    line = Text(text("demo.chat.listening", lang, host=host, port=port), style="bold")
    line.append("\n")
    line.append(text("demo.chat.server_hint", lang, port=port), style=STYLE["dim"])
    if idle is not None:
        line.append("\n")
        line.append(text("demo.chat.idle_hint", lang, idle=f"{idle:g}"), style=STYLE["dim"])
    return line


def public_warning(host: str, lang: str) -> Text:
    return Text(text("demo.chat.warn_public", lang, host=host), style="bold yellow")


def server_event(event: ChatEvent, lang: str, ascii_only: bool = False) -> Text:
    """One line of the server's log."""
    if event.kind == "left_many":
        names = _names(event.names, lang, LOG_RECIPIENTS)
        said = text(
            "demo.chat.server.left_many",
            lang,
            count=len(event.names),
            names=names,
            reason=reason(event.reason, lang),
            members=event.members,
        )
        return Text(said)
    key = f"demo.chat.server.{event.kind}"
    if event.kind == "dropped" and event.name:
        key = "demo.chat.server.refused"
    line = Text(
        text(
            key,
            lang,
            peer=event.peer,
            name=outside(event.name or "", MAX_NAME, lang),
            text=outside(event.text or "", LOG_TEXT, lang),
            reason=reason(event.reason, lang),
            members=event.members,
        )
    )
    if event.kind in ("joined", "said", "left"):
        names = _names(event.recipients, lang, LOG_RECIPIENTS)
        line.append(f"  {_arrow(ascii_only)} {names}", style="dim")
    return line


def server_samples(lang: str, ascii_only: bool = False) -> list[Text]:
    """One log line of every kind and reason, with a long Chinese name and escapes: drawn
    once before serving, so that everything the log needs (catalogues, rich's lazily imported
    modules) is loaded while file descriptors are still free."""
    peer, names = "127.0.0.1:1", ("名" * 30, "\x1b[2J\u202e", *(f"m{i}" for i in range(20)))
    samples = [listening("127.0.0.1:1", lang, 300.0)]
    for kind in ("connected", "joined", "said"):
        event = ChatEvent(kind, peer, names[0], names[1] * 300, None, names, len(names))
        samples.append(server_event(event, lang, ascii_only))
    many = ChatEvent("left_many", "", reason="slowest", names=names)
    samples.append(server_event(many, lang, ascii_only))
    for code in (*REASONS, "\x1b" * 100):
        for kind, name in (("left", names[0]), ("dropped", None), ("dropped", names[1])):
            event = ChatEvent(kind, peer, name, None, code, names[:1], 1)
            samples.append(server_event(event, lang, ascii_only))
    return samples


# -- the scripted room -------------------------------------------------------------------------


def bots_intro(lang: str) -> Group:
    title = Text(text("demo.chat.title", lang), style="bold underline")
    return Group(title, Text(text("demo.chat.intro", lang)), Text(""))


def _step_what(step: BotStep, lang: str) -> Text:
    if step.action == "say":
        what = Text(step.actor, style=STYLE["name"])
        what.append(text("demo.chat.step.say_sep", lang) + (step.text or ""))
        return what
    key = "join_first" if step.action == "join" and not step.members else step.action
    params = {"name": step.actor, "members": _names(step.members, lang)}
    return Text(text(f"demo.chat.step.{key}", lang, **params), style=STYLE[step.action])


def bot_step(step: BotStep, lang: str, ascii_only: bool = False) -> Table:
    """One step of the scripted room: what happened, then who received it (wrapped lines keep
    their indent)."""
    if step.action in ("taken", "malformed"):
        result = Text(text("demo.chat.step.reply", lang, reason=reason(step.reply, lang)))
    else:
        result = Text(text("demo.chat.step.to", lang, names=_names(step.delivered, lang)))
        missing = tuple(n for n in step.expected if n not in step.delivered)
        if missing:
            result.append("  ")
            names = _names(missing, lang)
            result.append(text("demo.chat.step.missing", lang, names=names), "bold red")
    outcome = Table.grid(padding=(0, 1))
    outcome.add_column(style="dim", no_wrap=True)
    outcome.add_column()
    outcome.add_row(_arrow(ascii_only), result)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", width=3, no_wrap=True)
    grid.add_column()
    grid.add_row(f"{step.index}.", _step_what(step, lang))
    grid.add_row("", outcome)
    return grid


def _figures(result: BotsResult, lang: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    rows = [
        ("bots", len(result.bots)),
        ("messages", result.messages),
        ("deliveries", result.deliveries),
        ("extra", result.extra),
        ("rounds", result.rounds),
        ("elapsed", f"{result.elapsed_s:.3f}"),
    ]
    for key, value in rows:
        grid.add_row(text(f"demo.chat.summary.{key}", lang), str(value))
    return grid


def bots_summary(result: BotsResult, lang: str, ascii_only: bool = False) -> Group:
    """The end of the scripted room: the figures, the verdict, what to remember."""
    ok = result.verified
    verdict = Text(
        ("ok " if ascii_only else "✓ ") + text("demo.chat.summary.verified", lang)
        if ok
        else ("FAILED " if ascii_only else "✗ ") + text("demo.chat.summary.not_verified", lang),
        style="bold green" if ok else "bold red",
    )
    bullet = "*" if ascii_only else "•"
    body = Text("\n").join(
        Text(f"{bullet} {text(f'demo.chat.remember.{key}', lang)}") for key in REMEMBER
    )
    remember = Panel(body, title=text("demo.chat.remember.title", lang), title_align="left")
    return Group(Text(""), _figures(result, lang), verdict, Text(""), remember)


def bots_document(result: BotsResult) -> dict[str, Any]:
    """The scripted room as plain data (``--json``)."""
    steps = [
        {
            "index": s.index,
            "actor": s.actor,
            "action": s.action,
            "text": s.text,
            "members": list(s.members),
            "expected": list(s.expected),
            "delivered": list(s.delivered),
            "reply": s.reply,
        }
        for s in result.steps
    ]
    return {
        "version": 1,
        "demo": "chat",
        "address": f"{result.address[0]}:{result.address[1]}",
        "bots": list(result.bots),
        "steps": steps,
        "messages": result.messages,
        "deliveries": result.deliveries,
        "extra": result.extra,
        "verified": result.verified,
        "rounds": result.rounds,
        "elapsed_s": round(result.elapsed_s, 6),
    }


def bots_json(result: BotsResult) -> str:
    return json.dumps(bots_document(result), ensure_ascii=False, indent=2)


# -- the interactive client --------------------------------------------------------------------


def client_welcome(name: str, host: str, port: int, members: list[str], lang: str) -> Text:
    shown = _names(members, lang, WELCOME_MEMBERS)
    params = {"name": name, "host": host, "port": port, "members": shown}
    key = "demo.chat.client.welcome" if members else "demo.chat.client.welcome_alone"
    line = Text(text(key, lang, **params), style="bold")
    line.append("\n")
    line.append(text("demo.chat.client.hint", lang), style=STYLE["dim"])
    return line


def client_message(message: Message, lang: str) -> RenderableType | None:
    """A message from the room as the client shows it (None for one it does not know)."""
    kind = message.get("type")
    name = outside(message.get("name", ""), MAX_NAME, lang)
    if kind == "said":
        line = Text()
        line.append(name, style=STYLE["name"])
        said = outside(message.get("text", ""), MAX_TEXT, lang)
        line.append(text("demo.chat.step.say_sep", lang) + said)
        return line
    if kind in ("joined", "left"):
        return Text(text(f"demo.chat.client.{kind}", lang, name=name), style=STYLE["dim"])
    if kind == "error":
        said = text("demo.chat.client.error", lang, reason=reason(message.get("code"), lang))
        return Text(said, style="bold red")
    return None


def client_typed(typed: Typed, lang: str, echo: bool) -> Text | None:
    """What the client says about a line the learner typed (sent lines only when ``echo``)."""
    if typed.outcome == "sent":
        if not echo:
            return None
        line = Text(text("demo.chat.client.you", lang), style=STYLE["name"])
        line.append(text("demo.chat.step.say_sep", lang) + typed.text)
        return line
    return Text(text("demo.chat.client.too_long", lang, max=MAX_TEXT), style="yellow")


def client_end(why: str, lang: str) -> Text:
    key = (
        "demo.chat.client.server_closed" if why == "server_closed" else "demo.chat.client.left_room"
    )
    return Text(text(key, lang), style=STYLE["dim"])
