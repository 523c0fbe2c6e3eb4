"""``netlab demo select``: parse the options, run the select() demo, hand its records to the view.

Owns the option declarations and their checking (through ``netlab.cli.values``) and the choice
of outputs (live rounds and summary, or ``--json``, or ``--server-only``). The server lives in
``netlab.demos.select_server``, the run around it in ``netlab.demos.select_demo``, the clients
in ``netlab.demos.echo_clients``, the drawing in ``netlab.views.demo_select``; all are imported
inside the command, so ``--help`` stays light.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h
from netlab.errors import NetlabError
from netlab.i18n import Note

BACKENDS = ("select", "poll", "epoll")
MAX_CLIENTS = 10_000
MAX_MESSAGES = 10_000
LIVE_LINES = 400  # lines of rounds shown before the rest is only counted


def command(
    clients: Annotated[
        str | None, typer.Option("--clients", metavar="N", help=h("demo_select.clients"))
    ] = None,
    messages: Annotated[
        str | None, typer.Option("--messages", metavar="M", help=h("demo_select.messages"))
    ] = None,
    server_only: Annotated[
        bool, typer.Option("--server-only", help=h("demo_select.server_only"))
    ] = False,
    host: Annotated[str, typer.Option("--host", metavar="IP", help=h("demo_select.host"))] = (
        "127.0.0.1"
    ),
    port: Annotated[str, typer.Option("--port", metavar="PORT", help=h("demo_select.port"))] = "0",
    backend: Annotated[
        str,
        typer.Option("--backend", metavar="select|poll|epoll", help=h("demo_select.backend")),
    ] = "select",
    lines: Annotated[bool, typer.Option("--lines", help=h("demo_select.lines"))] = False,
    idle_timeout: Annotated[
        str, typer.Option("--idle-timeout", metavar="SECONDS", help=h("opt.idle_timeout"))
    ] = "300",
    as_json: Annotated[bool, typer.Option("--json", help=h("demo_select.json"))] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh", help=h("demo_select.lang"))
    ] = None,
) -> None:
    """One thread, many clients: a select() echo server and concurrent clients, live."""
    lang = output.use_lang(values.lang(lang))
    chosen = values.choice("--backend", backend, BACKENDS)
    address = values.host("--host", host)
    number = values.port("--port", port)
    idle = values.idle_timeout(idle_timeout)
    if server_only:
        for flag, used in (("--clients", clients), ("--messages", messages), ("--json", as_json)):
            if used:
                raise values.combo("--server-only", flag)
    n_clients = values.integer(
        "--clients", clients or "5", 1, MAX_CLIENTS, values.allowed("count", max=MAX_CLIENTS)
    )
    n_messages = values.integer(
        "--messages", messages or "3", 1, MAX_MESSAGES, values.allowed("count", max=MAX_MESSAGES)
    )
    from netlab.demos import select_demo as demo
    from netlab.demos.listen import is_loopback
    from netlab.views import demo_select as view

    con = output.console()
    if not is_loopback(address):
        output.console(stderr=True).print(view.public_warning(address, lang))
    ascii_only = output.ascii_only(con)
    refusals = view.refusals(lang)
    if server_only:
        printer = view.EventPrinter(con, lang, ascii_only, lines=lines)
        demo.serve(address, number, chosen, printer, lines, idle, refusals)
        return
    live = not as_json
    with demo.SelectDemo(
        address,
        number,
        chosen,
        n_clients,
        n_messages,
        live=live,
        lines=lines,
        idle_timeout=idle,
        refusals=refusals,
    ) as run:
        printer = None
        if not as_json:
            con.print(view.intro(chosen, n_clients, n_messages, run.address, lang, lines))
            printer = view.EventPrinter(con, lang, ascii_only, limit=LIVE_LINES, lines=lines)
        summary = run.run(printer)
    if as_json:
        output.print_json(view.to_json(summary))
    else:
        con.print(view.summary(summary, lang, ascii_only))
    if summary.replies_ok != summary.messages:
        params = {"lost": summary.lost, "wrong": summary.wrong, "total": summary.messages}
        raise NetlabError(Note("errors.demo_select.lost", params))
