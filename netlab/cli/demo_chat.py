"""``netlab demo chat``: the options of the one-thread chat room, checked, then handed over.

Owns declaring and checking the options (``--server-only``, ``--name``, ``--host``, ``--port``,
``--idle-timeout``, ``--json``, ``--lang``) and choosing the mode: the scripted room with three
bots (no mode option), ``--server-only`` or the interactive client (``--name``). The room and
its sockets live in ``netlab.demos.chat*`` and the drawing in ``netlab.views.demo_chat``, both
imported only when the command runs; the server's log is drawn once off-screen before serving,
so that nothing is imported (no file opened) while the room runs.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h
from netlab.errors import OptionError
from netlab.i18n import Note

LOOPBACK = "127.0.0.1"
IDLE_TIMEOUT = 300.0  # --idle-timeout's default (netlab.demos.chat_server.IDLE_TIMEOUT)
PACE = 0.3  # seconds between the scripted room's steps on a terminal, so a learner can follow

ServerOnly = Annotated[bool, typer.Option("--server-only", help=h("demo_chat.server_only"))]
Name = Annotated[str | None, typer.Option("--name", metavar="NAME", help=h("demo_chat.name"))]
Host = Annotated[str | None, typer.Option("--host", metavar="ADDRESS", help=h("demo_chat.host"))]
Port = Annotated[str | None, typer.Option("--port", metavar="PORT", help=h("demo_chat.port"))]
Idle = Annotated[
    str | None, typer.Option("--idle-timeout", metavar="SECONDS", help=h("opt.idle_timeout"))
]
Json = Annotated[bool, typer.Option("--json", help=h("demo_chat.json"))]
Lang = Annotated[str | None, typer.Option("--lang", metavar="en|zh", help=h("demo_chat.lang"))]


def command(
    server_only: ServerOnly = False,
    name: Name = None,
    host: Host = None,
    port: Port = None,
    idle_timeout: Idle = None,
    as_json: Json = False,
    lang: Lang = None,
) -> None:
    """A chat room served by one thread."""
    lang = output.use_lang(values.lang(lang))
    if server_only and name is not None:
        raise values.combo("--server-only", "--name")
    if as_json and (server_only or name is not None):
        raise values.combo("--json", "--server-only" if server_only else "--name")
    idle = values.idle_timeout(idle_timeout) if idle_timeout is not None else IDLE_TIMEOUT
    if idle_timeout is not None and not server_only:
        raise values.requires("--idle-timeout", "--server-only")
    chosen_host = values.host("--host", host) if host is not None else LOOPBACK
    if name is not None:
        chosen_name = _name(name)
        if port is None:
            raise values.requires("--name", "--port")
        _client(chosen_host, values.port("--port", port, allow_zero=False), chosen_name, lang)
        return
    chosen_port = values.port("--port", port) if port is not None else 0
    if server_only:
        _server(chosen_host, chosen_port, idle, lang)
    else:
        _bots(chosen_host, chosen_port, as_json, lang)


def _name(value: str) -> str:
    from netlab.demos.chat import name_problem

    name = value.strip()
    if name_problem(name) is not None:
        raise OptionError("--name", value, Note("errors.demo_chat.name_rule"))
    return name


def _warn_if_public(host: str, lang: str) -> None:
    from netlab.demos.listen import is_loopback
    from netlab.views import demo_chat as view

    if not is_loopback(host):
        output.console(stderr=True).print(view.public_warning(host, lang))


def _server(host: str, port: int, idle: float, lang: str) -> None:
    from netlab.demos import chat
    from netlab.views import demo_chat as view

    con = output.console()
    ascii_only = output.ascii_only(con)
    with con.capture():  # off-screen: loads what the log needs before descriptors run out
        for sample in view.server_samples(lang, ascii_only):
            con.print(sample)
            con.print(sample, soft_wrap=True)

    def on_event(event: chat.ChatEvent) -> None:
        if event.kind == "listening":
            con.print(view.listening(event.peer, lang, idle))
            _warn_if_public(host, lang)
        else:  # one record, one line (a terminal wraps it; rich's wrapping costs more)
            con.print(view.server_event(event, lang, ascii_only), soft_wrap=True)

    chat.serve(host, port, on_event, idle)


def _bots(host: str, port: int, as_json: bool, lang: str) -> None:
    from netlab.demos import chat
    from netlab.views import demo_chat as view

    con = output.console()
    ascii_only = output.ascii_only(con)
    _warn_if_public(host, lang)
    if not as_json:
        con.print(view.bots_intro(lang))

    def on_step(step: chat.BotStep) -> None:
        if not as_json:
            con.print(view.bot_step(step, lang, ascii_only))

    pace = PACE if con.is_terminal and not as_json else 0.0
    result = chat.run_bots(view.bot_lines(lang), host, port, on_step, pace)
    if as_json:
        output.print_json(view.bots_json(result))
    else:
        con.print(view.bots_summary(result, lang, ascii_only))
    if not result.verified:
        raise typer.Exit(1)


def _client(host: str, port: int, name: str, lang: str) -> None:
    from netlab.demos import chat
    from netlab.views import demo_chat as view

    con = output.console()
    echo = not sys.stdin.isatty()  # piped input is not on the screen: show what was sent

    def show(renderable: object) -> None:
        if renderable is not None:
            con.print(renderable)

    client, members = chat.join_room(host, port, name)
    try:
        con.print(view.client_welcome(name, host, port, members, lang))
        why = chat.interact(
            client,
            sys.stdin.fileno(),
            lambda message: show(view.client_message(message, lang)),
            lambda typed: show(view.client_typed(typed, lang, echo)),
        )
        con.print(view.client_end(why, lang))
    finally:
        client.close()
