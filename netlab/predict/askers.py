"""Which askers each scenario has: the one registry the generic mechanism reads.

A scenario not listed here has no ``--predict next``/``fields`` questions (``order`` still
works on any trace with packets). The asker modules are imported only for the scenario asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from netlab.sim.trace import Step, Trace

Asker = Callable[[Trace, Step], list]

#: scenario -> module in netlab.predict that holds its ASKERS tuple
MODULES = {
    "handshake": "tcp",
    "close": "tcp",
    "tcp": "tcp",
    "layers": "layers",
    "arp": "arp",
    "nat": "nat",
    "dhcp": "dhcp",
    "dns": "dns",
    "journey": "journey",
    "route": "route",
    "rip": "route",
    "ospf": "route",
}


def askers_for(scenario: str) -> tuple[Asker, ...]:
    name = MODULES.get(scenario)
    if name is None:
        return ()
    return tuple(importlib.import_module(f"netlab.predict.{name}").ASKERS)
