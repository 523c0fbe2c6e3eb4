"""``netlab simulate nat``: check the options of the NAT scenario, build its Trace, show it.

Owns the option declarations of the command and turning their strings into ``NatOptions`` (or
into ``netlab: error: ...``, exit 2). The scenario lives in ``netlab.sim.nat``, imported inside
the command so that ``--help`` never loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import Seed, _view_options, _views, shared
from netlab.cli.sim_show import show
from netlab.errors import OptionError

# The limits, repeated from netlab.sim.nat so that --help needs no import of it; a unit test
# checks that the two agree.
#: Equal to netlab.sim.nat's limits (a test checks): the simulation is imported only when the
#: command runs, so `--help` stays light.
MODES = ("static", "dynamic", "pat")
MAX_HOSTS = 6
MAX_FLOWS = 12
MAX_POOL = 4
MIN_TIMEOUT = 0.001
MAX_TIMEOUT = 7440.0


def _timeout(value: str) -> float:
    """The idle timeout: seconds, from MIN_TIMEOUT to MAX_TIMEOUT."""
    rule = values.allowed("nat_timeout")
    number = values.seconds("--timeout", value, 0, MAX_TIMEOUT, rule)
    if number < MIN_TIMEOUT:
        raise OptionError("--timeout", value, rule)
    return number


@shared(views=_view_options)
def nat(
    mode: Annotated[
        str, typer.Option("--mode", metavar="static|dynamic|pat", help=output.h("opt.nat_mode"))
    ] = "pat",
    hosts: Annotated[
        str, typer.Option("--hosts", metavar="N", help=output.h("opt.nat_hosts"))
    ] = "3",
    flows: Annotated[
        str, typer.Option("--flows", metavar="N", help=output.h("opt.nat_flows"))
    ] = "4",
    timeout: Annotated[
        str, typer.Option("--timeout", metavar="SECONDS", help=output.h("opt.nat_timeout"))
    ] = "30",
    pool: Annotated[
        str | None, typer.Option("--pool", metavar="N", help=output.h("opt.nat_pool"))
    ] = None,
    seed: Seed = None,
    *,
    views: dict[str, Any],
) -> None:
    """NAT: private hosts behind one router, each packet before and after translation."""
    lang = output.use_lang(values.lang(views["lang"]))
    chosen = values.choice("--mode", mode, MODES)
    if pool is not None and chosen != "dynamic":
        raise values.requires("--pool", "--mode dynamic")
    options = dict(
        mode=chosen,
        hosts=values.integer("--hosts", hosts, 1, MAX_HOSTS, values.allowed("nat_hosts")),
        flows=values.integer("--flows", flows, 1, MAX_FLOWS, values.allowed("nat_flows")),
        timeout=_timeout(timeout),
        pool=values.integer("--pool", pool, 1, MAX_POOL, values.allowed("nat_pool"))
        if pool is not None
        else 2,
        seed=values.seed(seed),
    )
    shown = _views(**views)
    from netlab.sim import nat as scenario

    show(scenario.build(scenario.NatOptions(**options)), shown, lang)
