"""``netlab simulate route``: check the options of the routing scenario, build its Trace, show it.

Owns the option declarations of the command and turning their strings into ``RouteOptions``
(or into ``netlab: error: ...``, exit 2): ``--topology`` (a built-in name, else a topology file
read by ``netlab.sim.topology_file``), ``--to``, ``--ttl``, ``--traceroute``, ``--protocol``.
The scenario lives in ``netlab.sim.route``, imported inside the command so that ``--help`` never
loads scapy.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import _view_options, _views, shared
from netlab.cli.sim_show import show
from netlab.errors import OptionError, UsageError
from netlab.i18n import Note

#: The built-in topologies (netlab.sim.topology.BUILT_IN; written here so --help imports no
#: model; a unit test checks that the two agree).
TOPOLOGIES = ("campus", "line", "ring", "mesh")
MAX_TTL = 255
#: netlab.sim.route.PROTOCOLS (a unit test checks that the two agree).
PROTOCOLS = ("static", "rip", "ospf")


def topology(value: str):
    """A built-in topology by name, else the topology file ``value``."""
    from netlab.sim.topology import BUILT_IN

    name = value.strip()
    if name in BUILT_IN:
        return BUILT_IN[name]()
    path = Path(value)
    if not path.exists() and "/" not in value and not value.endswith(".toml"):
        raise UsageError(
            Note("errors.route_topology", {"value": value, "choices": ", ".join(TOPOLOGIES)})
        )
    try:
        from netlab.sim import topology_file
    except ImportError:  # pragma: no cover - the file reader ships with the scenario
        raise UsageError(
            Note("errors.route_topology", {"value": value, "choices": ", ".join(TOPOLOGIES)})
        ) from None
    return topology_file.load(path)


def address(value: str) -> str:
    """``--to``: a unicast IPv4 address."""
    try:
        ip = ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise OptionError("--to", value, values.allowed("route_to")) from None
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or int(ip) == values.MAX_U32:
        raise OptionError("--to", value, values.allowed("route_to"))
    return str(ip)


@shared(views=_view_options)
def route(
    topology_name: Annotated[
        str,
        typer.Option("--topology", metavar="NAME|FILE", help=output.h("opt.route_topology")),
    ] = "campus",
    to: Annotated[
        str | None, typer.Option("--to", metavar="IP", help=output.h("opt.route_to"))
    ] = None,
    ttl: Annotated[
        str | None, typer.Option("--ttl", metavar="N", help=output.h("opt.route_ttl"))
    ] = None,
    traceroute: Annotated[
        bool, typer.Option("--traceroute", help=output.h("opt.route_traceroute"))
    ] = False,
    protocol: Annotated[
        str,
        typer.Option("--protocol", metavar="static|rip|ospf", help=output.h("opt.route_protocol")),
    ] = "static",
    *,
    views: dict[str, Any],
) -> None:
    """Routing: a packet crosses routers; longest-prefix match, TTL, ICMP errors, traceroute."""
    lang = output.use_lang(values.lang(views["lang"]))
    if ttl is not None and traceroute:
        raise values.combo("--ttl", "--traceroute")
    hops = 64
    if ttl is not None:
        hops = values.integer("--ttl", ttl, 1, MAX_TTL, values.allowed("route_ttl"))
    target = address(to) if to is not None else None
    made_by = values.choice("--protocol", protocol, PROTOCOLS)
    shown = _views(**views)
    net = topology(topology_name)
    from netlab.sim import route as scenario

    problem = scenario.target_problem(net, target)
    if problem is not None:
        raise UsageError(
            Note(f"errors.route_{problem}", {"value": target or "", "topology": net.name})
        )
    options = scenario.RouteOptions(
        topology=net, to=target, ttl=hops, traceroute=traceroute, protocol=made_by
    )
    show(scenario.build(options), shown, lang)
