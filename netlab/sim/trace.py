"""The Trace: the one record every simulation produces and every view reads.

Owns ``Node``, ``Step``, ``Note`` and ``Trace``. A Trace is plain data: who takes part, and what
happened, step by step, with each endpoint's protocol state after the step and a note key (the
sentence itself lives in the i18n catalogue so one trace renders in English and Chinese).
Packets are scapy packets built by ``netlab.sim.packets``; this module does not import scapy and
does not draw anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netlab.i18n import Note

__all__ = ["Node", "Note", "Step", "Trace"]


@dataclass(frozen=True)
class Node:
    """A participant: a host (with its address) or a device."""

    name: str
    role: str
    ip: str | None = None
    mac: str | None = None
    port: int | None = None


@dataclass
class Step:
    """One thing that happened: a packet on the wire, or a local event such as a timer.

    ``time`` is in seconds from the start of the scenario. ``packet`` is the scapy packet, or
    None for a local event (then ``src`` is the node where it happened and ``dst`` is None).
    ``states`` is each endpoint's protocol state after the step (see ``Trace`` for crossing
    packets). ``notes`` explain the step; the first is the main sentence.
    """

    index: int
    time: float
    src: str
    dst: str | None
    packet: Any
    summary: str
    notes: list[Note]
    lost: bool = False
    retransmission: bool = False
    states: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    event: str | None = None  # for local events: "rto", "2msl", "app", ...
    segment: Any = None  # the protocol's own record of the packet (a TCP Segment), no scapy
    to: tuple[str, ...] = ()  # every receiver when there are several (a flood); dst is the first
    protocol: str = ""  # the top protocol of the packet ("ARP", "DHCP", "DNS", "TCP", "UDP")
    fields: dict[str, Any] = field(default_factory=dict)  # that protocol's key fields, plain data
    copy_of: int | None = (
        None  # the step whose frame this one forwards unchanged (no new pcap frame)
    )

    @property
    def is_packet(self) -> bool:
        return self.packet is not None

    @property
    def receivers(self) -> tuple[str, ...]:
        """Every node that receives the step's frame (none for a local event)."""
        if self.to:
            return self.to
        return (self.dst,) if self.dst is not None else ()


@dataclass
class Trace:
    """Everything a scenario produced, ready for any view.

    ``states`` of a step are the states after that step's packet was sent and, unless lost or
    still in flight, received: precisely, the states just before the next step happened. When
    two packets cross on the wire (a simultaneous close) the first one is still in flight at
    that moment, which is exactly what the diagram shows.
    """

    scenario: str
    nodes: list[Node]
    steps: list[Step]
    title: Note
    header: list[Note] = field(default_factory=list)
    remember: list[Note] = field(default_factory=list)
    initial_states: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    @property
    def endpoints(self) -> list[str]:
        """Names of the nodes whose states the steps record, in node order."""
        names = set(self.initial_states)
        for step in self.steps:
            names.update(step.states)
        return [n.name for n in self.nodes if n.name in names]

    def state_sequence(self, name: str) -> list[str]:
        """The distinct successive states of one endpoint, starting with its initial state."""
        seq: list[str] = []
        first = self.initial_states.get(name)
        if first:
            seq.append(first)
        for step in self.steps:
            state = step.states.get(name)
            if state and (not seq or seq[-1] != state):
                seq.append(state)
        return seq
