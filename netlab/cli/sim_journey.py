"""``netlab simulate journey``: check the options, build the whole path, hand it to the views.

Owns the option declarations of the command and their checking: ``--name`` a domain name (the
rules of ``netlab.sim.dns.name_problem``) and ``--seed`` (DHCP's transaction ID, the TCP ISNs
and the laptop's ephemeral port). The scenario is imported inside the command, so ``--help``
never loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import Seed, _view_options, _views, shared
from netlab.cli.sim_show import show
from netlab.errors import OptionError


@shared(views=_view_options)
def journey(
    name: Annotated[
        str, typer.Option("--name", metavar="NAME", help=output.h("opt.journey_name"))
    ] = "www.example.com",
    seed: Seed = None,
    *,
    views: dict[str, Any],
) -> None:
    """The whole path: DHCP, ARP, DNS, NAT and a TCP connection, on one timeline."""
    lang = output.use_lang(values.lang(views["lang"]))
    from netlab.sim import dns
    from netlab.sim import journey as scenario

    problem = dns.name_problem(name.strip())
    if problem is not None:
        raise OptionError("--name", name, problem)
    number = values.seed(seed)
    shown = _views(**views)
    options = scenario.JourneyOptions(name=dns.parse_name(name.strip()), seed=number)
    show(scenario.build(options), shown, lang)
