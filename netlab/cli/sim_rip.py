"""``netlab simulate rip``: check the options of the RIP scenario, build its Trace, show it.

Owns the option declarations of the command and turning their strings into ``RipOptions`` (or
into ``netlab: error: ...``, exit 2): ``--topology`` (as ``simulate route`` reads it; default
``line``, where a failure can show counting to infinity: campus has one link, so nothing to
learn back), ``--fail LINK``, ``--no-split-horizon``. The scenario lives in ``netlab.sim.rip``,
imported inside the command so that ``--help`` never loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import _view_options, _views, shared
from netlab.cli.sim_route import topology
from netlab.cli.sim_show import show
from netlab.errors import UsageError
from netlab.i18n import Note


@shared(views=_view_options)
def rip(
    topology_name: Annotated[
        str,
        typer.Option("--topology", metavar="NAME|FILE", help=output.h("opt.rip_topology")),
    ] = "line",
    fail: Annotated[
        str | None, typer.Option("--fail", metavar="LINK", help=output.h("opt.rip_fail"))
    ] = None,
    no_split_horizon: Annotated[
        bool, typer.Option("--no-split-horizon", help=output.h("opt.rip_no_split_horizon"))
    ] = False,
    *,
    views: dict[str, Any],
) -> None:
    """RIPv2: distance vectors until the tables stop changing; a failed link; split horizon."""
    lang = output.use_lang(values.lang(views["lang"]))
    shown = _views(**views)
    net = topology(topology_name)
    from netlab.sim import rip as scenario

    if len(net.routers) < 2:
        raise UsageError(Note("errors.rip_no_router", {"topology": net.name}))
    if fail is not None:
        names = scenario.links(net)
        if fail.strip() not in names:
            raise UsageError(
                Note(
                    "errors.rip_fail",
                    {"value": fail, "topology": net.name, "choices": ", ".join(names)},
                )
            )
        fail = fail.strip()
    options = scenario.RipOptions(topology=net, fail=fail, split_horizon=not no_split_horizon)
    show(scenario.build(options), shown, lang)
