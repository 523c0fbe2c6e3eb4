"""``netlab simulate dns``: check the options, build the DNS scenario, hand it to the views.

Owns the option declarations of the command and their checking: ``--name`` a domain name
(the rules live in ``netlab.sim.dns.name_problem``), ``--type`` one of A, AAAA, CNAME, MX in
any case, ``--again``. The scenario is imported inside the command (it is pure, and its frames
module loads scapy only when the trace is built), so ``--help`` never loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import _view_options, _views, shared
from netlab.cli.sim_show import show
from netlab.errors import OptionError


@shared(views=_view_options)
def dns(
    name: Annotated[
        str, typer.Option("--name", metavar="NAME", help=output.h("opt.dns_name"))
    ] = "www.example.com",
    qtype: Annotated[
        str, typer.Option("--type", metavar="A|AAAA|CNAME|MX", help=output.h("opt.dns_type"))
    ] = "A",
    again: Annotated[bool, typer.Option("--again", help=output.h("opt.dns_again"))] = False,
    *,
    views: dict[str, Any],
) -> None:
    """DNS: stub, recursive resolver, root, TLD and authoritative server; the resolver's cache."""
    lang = output.use_lang(values.lang(views["lang"]))
    from netlab.sim import dns as scenario

    problem = scenario.name_problem(name.strip())
    if problem is not None:
        raise OptionError("--name", name, problem)
    wanted = qtype.strip().upper()
    if wanted not in scenario.QTYPES:
        raise OptionError(
            "--type", qtype, values.allowed("choice", choices=", ".join(scenario.QTYPES))
        )
    shown = _views(**views)
    options = scenario.DnsOptions(name=scenario.parse_name(name.strip()), qtype=wanted, again=again)
    show(scenario.build(options), shown, lang)
