"""``netlab demo sticky``: sticky packets (粘包) on real TCP over 127.0.0.1, two fixes, and the
same sends over UDP (``--udp``).

Owns the option declarations and their checking (through ``netlab.cli.values``), and nothing
else: the sockets live in ``netlab.demos.sticky`` and ``netlab.demos.sticky_udp``, the drawing
in ``netlab.views.demo_sticky``; they are imported inside the command, so ``netlab --help``
stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h
from netlab.errors import UsageError
from netlab.i18n import Note

if TYPE_CHECKING:
    from netlab.demos.sticky import Options


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
    udp: Annotated[bool, typer.Option("--udp", help=h("demo_sticky.udp"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=h("demo_sticky.json"))] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh", help=h("demo_sticky.lang"))
    ] = None,
) -> None:
    """Sticky packets on real TCP: small sends merge, a large one splits; two fixes; UDP."""
    lang = output.use_lang(values.lang(lang))
    from netlab.demos import sticky
    from netlab.demos.listen import is_loopback

    options = sticky.Options(
        messages=_count("--messages", messages, sticky.MAX_MESSAGES),
        size=_count("--size", size, sticky.MAX_SIZE),
        buffer=_count("--buffer", buffer, sticky.MAX_BUFFER),
        fix=values.choice("--fix", fix, sticky.FIXES),
        host=values.host("--host", host),
        port=values.port("--port", port),
        udp=udp,
    )
    if udp:
        _check_udp(options)
    from netlab.views import demo_sticky as view

    if not is_loopback(options.host):
        output.console(stderr=True).print(view.host_warning(options.host, lang), soft_wrap=True)
    result = sticky.run(options)
    if as_json:
        output.print_json(view.to_json(result))
        return
    con = output.console()
    con.print(view.report(result, lang, con.width, output.ascii_only(con)))


def _check_udp(options: Options) -> None:
    """--udp: no TCP framing fix, a datagram that fits UDP over IPv4, loopback only."""
    from netlab.demos.listen import is_loopback
    from netlab.demos.sticky_udp import MAX_DATAGRAM

    if options.fix != "none":
        raise values.combo("--udp", "--fix")
    if options.size > MAX_DATAGRAM:
        raise UsageError(Note("errors.demo_sticky.udp_size", {"size": options.size}))
    if not is_loopback(options.host):
        raise UsageError(Note("errors.demo_sticky.udp_host", {"host": options.host}))
