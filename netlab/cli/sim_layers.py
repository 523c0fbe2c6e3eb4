"""``netlab simulate layers``: check the options, build the layers Trace, hand it to the views.

Owns the options of the command (``--message``, ``--model``, ``--udp``) and their checking:
the message is 1 to 1400 bytes of UTF-8 (so it fits one TCP segment and one Ethernet frame),
the model is osi or tcpip. The scenario is imported inside the command, so ``--help`` never
loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import _view_options, _views, shared
from netlab.cli.sim_show import show
from netlab.errors import OptionError

#: Equal to ``netlab.sim.layers.MAX_MESSAGE`` (a test checks): the simulation is imported only
#: when the command runs.
MAX_MESSAGE = 1400
MODELS = ("osi", "tcpip")


def message_bytes(value: str) -> bytes:
    """The message as UTF-8: 1 to ``MAX_MESSAGE`` bytes."""
    data = value.encode("utf-8", "surrogateescape")
    if not 1 <= len(data) <= MAX_MESSAGE:
        raise OptionError("--message", value, values.allowed("layers_message", max=MAX_MESSAGE))
    return data


@shared(views=_view_options)
def layers(
    message: Annotated[
        str | None,
        typer.Option("--message", metavar="TEXT", help=output.h("opt.layers_message")),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", metavar="osi|tcpip", help=output.h("opt.layers_model"))
    ] = "tcpip",
    udp: Annotated[bool, typer.Option("--udp", help=output.h("opt.layers_udp"))] = False,
    *,
    views: dict[str, Any],
) -> None:
    """Encapsulation: a message down the layers, across a switch and a router, and back up."""
    lang = output.use_lang(values.lang(views["lang"]))
    chosen = values.choice("--model", model, MODELS)
    data = message_bytes(message) if message is not None else None
    shown = _views(**views)
    from netlab.sim import layers as scenario

    options = scenario.LayersOptions(
        message=data if data is not None else scenario.DEFAULT_MESSAGE, model=chosen, udp=udp
    )
    show(scenario.build(options), shown, lang)
