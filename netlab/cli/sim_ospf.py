"""``netlab simulate ospf``: check the options of the link-state scenario, build its Trace, show it.

Owns the option declarations of the command and turning their strings into ``OspfOptions``
(or into ``netlab: error: ...``, exit 2): ``--topology`` (as ``simulate route``'s, default
``mesh``), ``--fail`` (a network of the topology), ``--router`` (whose Dijkstra is shown).
The scenario lives in ``netlab.sim.ospf``, imported inside the command so that ``--help``
never loads scapy.
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
def ospf(
    topology_name: Annotated[
        str,
        typer.Option("--topology", metavar="NAME|FILE", help=output.h("opt.ospf_topology")),
    ] = "mesh",
    fail: Annotated[
        str | None, typer.Option("--fail", metavar="LINK", help=output.h("opt.ospf_fail"))
    ] = None,
    router: Annotated[
        str | None, typer.Option("--router", metavar="NAME", help=output.h("opt.ospf_router"))
    ] = None,
    *,
    views: dict[str, Any],
) -> None:
    """OSPF: Router-LSAs flooded, identical databases, Dijkstra step by step, routing tables."""
    lang = output.use_lang(values.lang(views["lang"]))
    shown = _views(**views)
    net = topology(topology_name)
    if fail is not None and net.network(fail.strip()) is None:
        names = ", ".join(n.name for n in net.networks)
        raise UsageError(
            Note("errors.ospf_fail", {"value": fail, "topology": net.name, "choices": names})
        )
    if router is not None and router.strip() not in net.routers:
        names = ", ".join(net.routers)
        raise UsageError(
            Note("errors.ospf_router", {"value": router, "topology": net.name, "choices": names})
        )
    from netlab.sim import ospf as scenario

    options = scenario.OspfOptions(
        topology=net,
        fail=fail.strip() if fail is not None else None,
        router=router.strip() if router is not None else None,
    )
    show(scenario.build(options), shown, lang)
