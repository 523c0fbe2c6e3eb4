"""``netlab demo sticky``: sticky packets (粘包) on real TCP over 127.0.0.1, and two fixes.

Owns the option declarations and their checking (through ``netlab.cli.values``), and nothing
else: the sockets live in ``netlab.demos.sticky``, the drawing in ``netlab.views.demo_sticky``;
both are imported inside the command, so ``netlab --help`` stays light.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h


def _count(option: str, value: str, top: int) -> int:
    return values.integer(option, value, 1, top, values.allowed("count", max=top))


def command(
    messages: Annotated[
        str, typer.Option("--messages", metavar="N", help=h("demo_sticky.messages"))
    ] = "3",
    size: Annotated[str, typer.Option("--size", metavar="BYTES", help=h("demo_sticky.size"))] = (
        "5000"
    ),
    buffer: Annotated[
        str, typer.Option("--buffer", metavar="BYTES", help=h("demo_sticky.buffer"))
    ] = "1024",
    fix: Annotated[
        str, typer.Option("--fix", metavar="none|header|ack|all", help=h("demo_sticky.fix"))
    ] = "none",
    host: Annotated[str, typer.Option("--host", metavar="IP", help=h("demo_sticky.host"))] = (
        "127.0.0.1"
    ),
    port: Annotated[str, typer.Option("--port", metavar="PORT", help=h("demo_sticky.port"))] = "0",
    as_json: Annotated[bool, typer.Option("--json", help=h("demo_sticky.json"))] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh", help=h("demo_sticky.lang"))
    ] = None,
) -> None:
    """Sticky packets on real TCP: small sends merge, a large one splits; two fixes."""
    lang = output.use_lang(values.lang(lang))
    from netlab.demos import sticky

    options = sticky.Options(
        messages=_count("--messages", messages, sticky.MAX_MESSAGES),
        size=_count("--size", size, sticky.MAX_SIZE),
        buffer=_count("--buffer", buffer, sticky.MAX_BUFFER),
        fix=values.choice("--fix", fix, sticky.FIXES),
        host=values.host("--host", host),
        port=values.port("--port", port),
    )
    from netlab.demos.listen import is_loopback
    from netlab.views import demo_sticky as view

    if not is_loopback(options.host):
        output.console(stderr=True).print(view.host_warning(options.host, lang), soft_wrap=True)
    result = sticky.run(options)
    if as_json:
        output.print_json(view.to_json(result))
        return
    con = output.console()
    con.print(view.report(result, lang, con.width, output.ascii_only(con)))
