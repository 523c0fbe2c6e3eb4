"""``netlab simulate arp``: check the LAN's options, build the ARP Trace, hand it to the views.

Owns the option declarations of the ARP scenario and turning their bad values into
``OptionError`` / ``UsageError`` (exit 2) with a sentence that says why. The rules themselves
(what subnet has room, which targets a ping can go to) live in ``netlab.sim.arp``, which is
imported inside the command so that ``--help`` never loads it (nor scapy).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import _view_options, _views, shared
from netlab.cli.sim_show import show
from netlab.errors import OptionError
from netlab.i18n import Note

MIN_HOSTS, MAX_HOSTS = (
    2,
    6,
)  # netlab.sim.arp.MIN_HOSTS / MAX_HOSTS (not imported: --help stays light)


def _problem(option: str, value: str, problem: Any) -> OptionError:
    """A ``netlab.sim.arp.LanProblem`` as the error of ``option``."""
    params = dict(problem.params)
    if "kind" in params:
        params["kind"] = Note(f"errors.allowed.arp_kind_{params['kind']}")
    return OptionError(option, value, Note(f"errors.allowed.arp_{problem.code}", params))


@shared(views=_view_options)
def arp(
    subnet: Annotated[
        str, typer.Option("--subnet", metavar="CIDR", help=output.h("opt.arp_subnet"))
    ] = "192.168.1.0/24",
    target: Annotated[
        str | None, typer.Option("--target", metavar="IP", help=output.h("opt.arp_target"))
    ] = None,
    hosts: Annotated[
        str, typer.Option("--hosts", metavar="N", help=output.h("opt.arp_hosts"))
    ] = "3",
    again: Annotated[bool, typer.Option("--again", help=output.h("opt.arp_again"))] = False,
    hub: Annotated[bool, typer.Option("--hub", help=output.h("opt.arp_hub"))] = False,
    gratuitous: Annotated[
        bool, typer.Option("--gratuitous", help=output.h("opt.arp_gratuitous"))
    ] = False,
    loop: Annotated[bool, typer.Option("--loop", help=output.h("opt.arp_loop"))] = False,
    *,
    views: dict[str, Any],
) -> None:
    """ARP on a switched LAN: who-has broadcast, is-at reply, caches and the MAC table."""
    lang = output.use_lang(values.lang(views["lang"]))
    rule = values.allowed("arp_hosts", low=MIN_HOSTS, high=MAX_HOSTS)
    count = values.integer("--hosts", hosts, MIN_HOSTS, MAX_HOSTS, rule)
    flags = {"--loop": loop, "--hub": hub, "--again": again, "--gratuitous": gratuitous}
    from netlab.sim import arp as scenario

    for first, second in scenario.COMBOS:
        if flags[first] and flags[second]:
            raise values.combo(first, second)
    try:
        net = scenario.parse_subnet(subnet, count)
    except scenario.LanProblem as problem:
        raise _problem("--subnet", subnet, problem) from None
    the_lan = scenario.lan(net, count)
    chosen = None
    if target is not None:
        try:
            chosen = scenario.check_target(the_lan, target)
        except scenario.LanProblem as problem:
            raise _problem("--target", target, problem) from None
    shown = _views(**views)
    options = scenario.ArpOptions(
        subnet=net.cidr,
        hosts=count,
        target=chosen,
        again=again,
        hub=hub,
        gratuitous=gratuitous,
        loop=loop,
    )
    show(scenario.build(options), shown, lang)
