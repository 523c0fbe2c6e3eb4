"""What ``netlab demo select`` shows: each select() round live, then the summary.

Owns turning the server's plain records (``netlab.demos.select_server.Event`` and
``DemoSummary``) into rich lines in the learner's language: the round line (what select()
watched and what it returned), the accept / read / write / close lines under it, the summary
table, the ``--json`` document, the warnings, and the one line a refused client is sent
(``refusals``: the server itself holds no sentences). Only draws: no sockets, no decisions about
connections. A read or write line shows the bytes one ``recv()`` returned or one ``send()``
took (in line mode, the lines completed), so the learner sees that the pieces follow what
arrived, not what the client wrote. Every sentence comes from the ``demo.select`` catalogue
tables; arrows, dots and ellipses fall back to ASCII when the terminal can't show more. Data a
client sent is shown as plain text (never as rich markup), control characters escaped, long
lines shortened.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from netlab.i18n import catalogue, text

if TYPE_CHECKING:
    from netlab.demos.select_demo import DemoSummary
    from netlab.demos.select_server import Event

SHOWN_TEXT = 40  # characters of a client's line shown in a read or write line
STYLE = {
    "round": "bold",
    "accept": "green",
    "read": "cyan",
    "write": "magenta",
    "close": "yellow",
    "refuse": "bold red",
    "stopped": "bold",
    "dim": "dim",
}


def _symbols(ascii_only: bool) -> dict[str, str]:
    if ascii_only:
        return {"arrow": "->", "more": "...", "bullet": "*", "dot": "|"}
    return {"arrow": "→", "more": "…", "bullet": "•", "dot": "·"}


def size(count: int, lang: str) -> str:
    """``1 byte``, ``30 bytes``."""
    return text("demo.select.bytes", lang, count=count)


def conn_name(number: int, lang: str) -> str:
    """``#3`` for connection 3; the listening socket by name."""
    return text("demo.select.listener", lang) if number == 0 else f"#{number}"


def shown(data: bytes, ascii_only: bool, whole: bool = False) -> str:
    """A client's line as safe, short, quoted text; ``whole``: a chunk as it came, its line
    ends shown as escapes too."""
    decoded = data.decode("utf-8", "replace")
    if not whole:
        decoded = decoded.rstrip("\r")
    safe = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in decoded)
    if ascii_only:
        safe = safe.encode("ascii", "backslashreplace").decode("ascii")
    if len(safe) > SHOWN_TEXT:
        safe = safe[: SHOWN_TEXT - 1] + _symbols(ascii_only)["more"]
    return f"'{safe}'"


def reason(event: Event, lang: str) -> str:
    """Why a connection ended (or was refused), in words."""
    from netlab.demos import select_server as server

    params = {
        "max_line": server.MAX_LINE,
        "max_pending": server.MAX_PENDING,
        "limit": server.SELECT_LIMIT,
        "fd_setsize": server.FD_SETSIZE,
        "detail": event.detail,
        "idle": event.detail,
    }
    key = f"demo.select.reason.{event.reason}"
    return text(key, lang, **params) if key in catalogue("en") else event.reason


def refusals(lang: str) -> dict[str, bytes]:
    """The line a refused client is sent, by reason, in UTF-8: what it reads before the close
    (``nc`` shows it), so it knows why it was not served."""
    from netlab.demos import select_server as server

    params = {"limit": server.SELECT_LIMIT, "fd_setsize": server.FD_SETSIZE}
    return {
        why: (text(f"demo.select.refusal.{why}", lang, **params) + "\n").encode("utf-8")
        for why in ("fd_setsize", "no_fds")
    }


# -- one event, one line --------------------------------------------------------------------


def _round(event: Event, lang: str, ascii_only: bool) -> Text:
    marks = _symbols(ascii_only)
    ready = []
    if event.readable:
        names = " ".join(conn_name(n, lang) for n in event.readable)
        ready.append(text("demo.select.readable", lang, names=names))
    if event.writable:
        names = " ".join(conn_name(n, lang) for n in event.writable)
        ready.append(text("demo.select.writable", lang, names=names))
    line = text(
        "demo.select.round",
        lang,
        round=event.round,
        time=f"{event.time:.3f}",
        reading=event.watching[0],
        writing=event.watching[1],
    )
    out = Text(line, style=STYLE["round"])
    out.append(f" {marks['arrow']} ")
    out.append(f" {marks['dot']} ".join(ready))
    return out


def _read(event: Event, lang: str, ascii_only: bool, lines: bool) -> Text:
    name = conn_name(event.conn, lang)
    if not lines:
        data = shown(event.data, ascii_only, whole=True)
        nbytes = size(event.nbytes, lang)
        line = text("demo.select.read_chunk", lang, conn=name, nbytes=nbytes, data=data)
        return Text(line, style=STYLE["read"])
    if not event.lines:
        nbytes = size(event.nbytes, lang)
        return Text(text("demo.select.read_partial", lang, conn=name, nbytes=nbytes))
    key = "demo.select.read" if len(event.lines) == 1 else "demo.select.read_many"
    first = shown(event.lines[0], ascii_only)
    nbytes = size(event.nbytes, lang)
    line = text(key, lang, conn=name, nbytes=nbytes, count=len(event.lines), first=first)
    return Text(line, style=STYLE["read"])


def _write(event: Event, lang: str, ascii_only: bool, lines: bool) -> Text:
    name = conn_name(event.conn, lang)
    if not lines:
        data = shown(event.data, ascii_only, whole=True)
        key = "demo.select.write_chunk_partial" if event.pending else "demo.select.write_chunk"
        nbytes = size(event.nbytes, lang)
        params = {"conn": name, "nbytes": nbytes, "pending": event.pending, "data": data}
        return Text(text(key, lang, **params), style=STYLE["write"])
    first = shown(event.lines[0], ascii_only) if event.lines else "''"
    if event.pending:
        key = "demo.select.write_partial"
    elif len(event.lines) > 1:
        key = "demo.select.write_many"
    else:
        key = "demo.select.write"
    count = len(event.lines)
    line = text(
        key,
        lang,
        conn=name,
        nbytes=size(event.nbytes, lang),
        pending=event.pending,
        count=count,
        first=first,
    )
    return Text(line, style=STYLE["write"])


def _close(event: Event, lang: str) -> Text:
    line = text(
        "demo.select.close", lang, conn=conn_name(event.conn, lang), why=reason(event, lang)
    )
    if event.dropped:
        line += text("demo.select.dropped", lang, nbytes=size(event.dropped, lang))
    return Text(line, style=STYLE["close"])


def event_line(
    event: Event, lang: str, ascii_only: bool = False, lines: bool = False
) -> Text | None:
    """The line (or lines) that show one event; None for an event not shown. ``lines``: the
    server runs in line mode."""
    if event.kind == "listening":
        return listening(event.peer, lang, lines)
    if event.kind == "round":
        return _round(event, lang, ascii_only)
    if event.kind == "accept":
        name = conn_name(event.conn, lang)
        return Text(text("demo.select.accept", lang, conn=name, peer=event.peer), STYLE["accept"])
    if event.kind == "read":
        return _read(event, lang, ascii_only, lines)
    if event.kind == "last_line":
        data = shown(event.data, ascii_only, whole=True)
        name = conn_name(event.conn, lang)
        return Text(text("demo.select.last_line", lang, conn=name, data=data), STYLE["read"])
    if event.kind == "write":
        return _write(event, lang, ascii_only, lines)
    if event.kind == "close":
        return _close(event, lang)
    if event.kind == "refuse":
        key = "demo.select.refuse_told" if event.nbytes else "demo.select.refuse"
        line = text(key, lang, peer=event.peer, why=reason(event, lang))
        return Text(line, style=STYLE["refuse"])
    if event.kind == "stopped":
        line = text("demo.select.stopped", lang, rounds=event.round, total=event.total)
        return Text(line, style=STYLE["stopped"])
    return None


class EventPrinter:
    """Prints each event as it comes, indenting what happened inside a round under it.

    ``limit``: the most lines printed (then one line saying the rest is not shown), so a run
    with thousands of rounds does not flood the terminal; None prints everything. ``lines``:
    the server runs in line mode (``--lines``).
    """

    def __init__(
        self,
        console: Console,
        lang: str,
        ascii_only: bool = False,
        limit: int | None = None,
        lines: bool = False,
    ) -> None:
        self.console = console
        self.lang = lang
        self.ascii_only = ascii_only
        self.limit = limit
        self.lines = lines
        self.printed = 0
        self.cut = False

    def __call__(self, event: Event) -> None:
        if event.kind == "listening" and self.limit is not None:
            return  # the demo says where it listens in its introduction
        line = event_line(event, self.lang, self.ascii_only, self.lines)
        if line is None:
            return
        if self.limit is not None and self.printed >= self.limit:
            if not self.cut:
                self.cut = True
                more = _symbols(self.ascii_only)["more"]
                note = text("demo.select.cut", self.lang, shown=self.printed, more=more)
                self.console.print(Text(note, style=STYLE["dim"]))
            return
        indent = "" if event.kind in ("round", "listening", "stopped") else "    "
        self.console.print(Text(indent) + line)
        self.printed += 1


# -- around the rounds ----------------------------------------------------------------------


def listening(address: str, lang: str, lines: bool = False) -> Text:
    """``listening on HOST:PORT``, the first line of ``--server-only``, and how to connect."""
    host, _, port = address.rpartition(":")
    line = Text(text("demo.select.listening", lang, address=address), style="bold")
    line.append("\n")
    key = "demo.select.try_nc_lines" if lines else "demo.select.try_nc"
    line.append(text(key, lang, host=host, port=port), style=STYLE["dim"])
    return line


def public_warning(host: str, lang: str) -> Text:
    return Text(text("demo.select.warn_public", lang, host=host), style="bold yellow")


def intro(
    backend: str, clients: int, messages: int, address: str, lang: str, lines: bool = False
) -> Text:
    """What the learner is about to watch, and how to read the lines."""
    title = text("demo.select.title", lang, backend=backend, address=address)
    out = Text(title, style="bold underline")
    out.append("\n")
    key = "demo.select.intro_lines" if lines else "demo.select.intro"
    out.append(text(key, lang, clients=clients, messages=messages))
    out.append("\n")
    out.append(text("demo.select.legend", lang), style=STYLE["dim"])
    out.append("\n")
    return out


def _figures(summary: DemoSummary, lang: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows = [
        ("clients", str(summary.clients)),
        (
            "messages",
            text(
                "demo.select.summary.messages_value",
                lang,
                total=summary.messages,
                each=summary.messages_per_client,
            ),
        ),
        (
            "replies",
            text(
                "demo.select.summary.replies_value",
                lang,
                ok=summary.replies_ok,
                total=summary.messages,
            ),
        ),
        ("lost", str(summary.lost)),
        ("elapsed", text("demo.select.summary.seconds", lang, value=f"{summary.elapsed_s:.3f}")),
        ("rounds", str(summary.rounds)),
        ("backend", summary.backend),
        ("mode", text(f"demo.select.summary.mode_{summary.mode}", lang)),
        (
            "send_calls",
            text(
                "demo.select.summary.calls_value",
                lang,
                clients=summary.client_writes,
                server=summary.server_writes,
            ),
        ),
        (
            "recv_calls",
            text(
                "demo.select.summary.calls_value",
                lang,
                clients=summary.client_reads,
                server=summary.server_reads,
            ),
        ),
        (
            "rtt",
            text(
                "demo.select.summary.rtt_value",
                lang,
                p50=f"{summary.rtt_p50_ms:.2f}",
                p99=f"{summary.rtt_p99_ms:.2f}",
            ),
        ),
    ]
    if summary.wrong:
        rows.insert(4, ("wrong", str(summary.wrong)))
    if summary.refused:
        rows.append(("refused", str(summary.refused)))
    for key, value in rows:
        grid.add_row(text(f"demo.select.summary.{key}", lang), value)
    return grid


def summary(summary: DemoSummary, lang: str, ascii_only: bool = False) -> Group:
    """The figures of the run, and what they show."""
    marks = _symbols(ascii_only)
    ok = summary.replies_ok == summary.messages
    verdict_key = "demo.select.summary.all_ok" if ok else "demo.select.summary.not_ok"
    remember = text(
        "demo.select.summary.remember", lang, clients=summary.clients, rounds=summary.rounds
    )
    stream = text(
        f"demo.select.summary.stream_{summary.mode}",
        lang,
        messages=summary.messages,
        writes=summary.client_writes,
        server_reads=summary.server_reads,
        server_writes=summary.server_writes,
        reads=summary.client_reads,
    )
    return Group(
        Text(""),
        Text(text("demo.select.summary.title", lang), style="bold underline"),
        _figures(summary, lang),
        Text(""),
        Text(text(verdict_key, lang), style="bold green" if ok else "bold red"),
        Text(f"{marks['bullet']} {remember}"),
        Text(f"{marks['bullet']} {stream}"),
    )


def document(summary: DemoSummary) -> dict[str, Any]:
    """The ``--json`` summary."""
    return {
        "version": 1,
        "demo": "select",
        "backend": summary.backend,
        "mode": summary.mode,
        "clients": summary.clients,
        "messages": summary.messages,
        "messages_per_client": summary.messages_per_client,
        "replies_ok": summary.replies_ok,
        "wrong": summary.wrong,
        "lost": summary.lost,
        "rounds": summary.rounds,
        "elapsed_s": summary.elapsed_s,
        "rtt_p50_ms": summary.rtt_p50_ms,
        "rtt_p99_ms": summary.rtt_p99_ms,
        "accepted": summary.accepted,
        "refused": summary.refused,
        "closed": dict(summary.closed),
        "client_send_calls": summary.client_writes,
        "server_recv_calls": summary.server_reads,
        "server_send_calls": summary.server_writes,
        "client_recv_calls": summary.client_reads,
    }


def to_json(summary: DemoSummary) -> str:
    return json.dumps(document(summary), ensure_ascii=False, indent=2)
