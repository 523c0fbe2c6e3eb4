"""``netlab simulate dhcp``: check the options, build the DHCP scenario, hand it to the views.

Owns the option declarations of the command and their checking (through ``netlab.cli.values``):
``--clients`` 1 to 6, ``--pool-size`` 1 to 50, ``--lease`` 60 to 604800 seconds,
``--broadcast-flag``, ``--seed``. The scenario lives in ``netlab.sim.dhcp`` and is imported
inside the command, so ``--help`` never loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.cli.sim_options import _view_options, _views, shared
from netlab.cli.sim_show import show

# The limits are repeated from netlab.sim.dhcp (importing it here would cost nothing, but the
# module is the scenario's; a test checks that both agree).
MAX_CLIENTS = 6
MAX_POOL = 50
MIN_LEASE = 60
MAX_LEASE = 604_800


@shared(views=_view_options)
def dhcp(
    clients: Annotated[
        str, typer.Option("--clients", metavar="N", help=output.h("opt.dhcp_clients"))
    ] = "2",
    pool_size: Annotated[
        str, typer.Option("--pool-size", metavar="N", help=output.h("opt.dhcp_pool_size"))
    ] = "10",
    lease: Annotated[
        str, typer.Option("--lease", metavar="SECONDS", help=output.h("opt.dhcp_lease"))
    ] = "3600",
    broadcast_flag: Annotated[
        bool, typer.Option("--broadcast-flag", help=output.h("opt.dhcp_broadcast_flag"))
    ] = False,
    seed: Annotated[
        str | None, typer.Option("--seed", metavar="N", help=output.h("opt.dhcp_seed"))
    ] = None,
    *,
    views: dict[str, Any],
) -> None:
    """DHCP: Discover, Offer, Request, ACK; the lease table; a renewal at T1; an empty pool."""
    lang = output.use_lang(values.lang(views["lang"]))
    count = values.integer("--clients", clients, 1, MAX_CLIENTS, values.allowed("dhcp_clients"))
    size = values.integer("--pool-size", pool_size, 1, MAX_POOL, values.allowed("dhcp_pool_size"))
    seconds = values.integer("--lease", lease, MIN_LEASE, MAX_LEASE, values.allowed("dhcp_lease"))
    chosen_seed = values.seed(seed)
    shown = _views(**views)
    from netlab.sim import dhcp as scenario

    options = scenario.DhcpOptions(
        clients=count,
        pool_size=size,
        lease=seconds,
        broadcast_flag=broadcast_flag,
        seed=chosen_seed,
    )
    show(scenario.build(options), shown, lang)
