"""The askers of the journey scenario: one question kind per phase, mostly the other
scenarios' own (each step's ``fields["phase"]`` says which part of the story it belongs to).

- phase ``dhcp``: ``netlab.predict.dhcp``'s (message, IP addresses, offered address, state);
- phase ``arp``: ``netlab.predict.arp``'s (destination MAC, ARP cache entry);
- every frame the laptop sends: ``eth_dst`` (the gateway's MAC, not the server's);
- the first packet of the DNS and TCP phases: ``ip_dst``, which address the laptop sends to
  (the resolver DHCP handed out, the address DNS answered);
- a packet the router forwards: ``wan_src`` (the public address:port it goes out with) and
  ``lan_dst`` (the private address:port an answer comes back in to);
- phase ``tcp``: ``netlab.predict.tcp``'s flags (on the segments the laptop and the server
  send, not on the router's copies), states and timer events. Not its sequence numbers: the
  journey shows them relative, as Wireshark does, where tcp's askers ask the absolute ones.

The resolver's walk from the root is one local step here and is not asked. Pure.
"""

from __future__ import annotations

from dataclasses import replace

from netlab.i18n import Note
from netlab.predict import arp, dhcp, tcp
from netlab.predict.asked import Asked, unique
from netlab.sim.trace import Step, Trace

LAPTOP, ROUTER, SERVERS = "laptop", "gateway", ("resolver", "web")
KEPT_PORT = "predict.journey.kept_port"


def _phase(step: Step) -> str | None:
    return step.fields.get("phase")


def _addresses(trace: Trace) -> dict[str, str]:
    return {k: str(v) for k, v in trace.params.get("addresses", [])}


def _ips(trace: Trace) -> list[str]:
    return [v for k, v in _addresses(trace).items() if k.endswith("_ip")]


def _literal(value):
    """tcp's askers name a side by its role (``role.client``); the journey's sides are nodes,
    named by the catalogue's ``node.NAME`` (the literal name when it has none)."""
    if isinstance(value, Note):
        if value.key.startswith("role.") and value.key not in ("role.client", "role.server"):
            return arp.node(value.key.split(".", 1)[1])
        return Note(value.key, {k: _literal(v) for k, v in value.params.items()})
    return value


def _named(asked: Asked) -> Asked:
    return replace(
        asked,
        prompt=_literal(asked.prompt),
        field=_literal(asked.field),
        why=_literal(asked.why),
        distractors=tuple(_literal(d) for d in asked.distractors),
    )


def ask_phase(trace: Trace, step: Step) -> list[Asked]:
    """The DHCP and ARP phases: the questions those scenarios ask."""
    phase = _phase(step)
    if phase == "dhcp":
        return [a for asker in dhcp.ASKERS for a in asker(trace, step)]
    if phase == "arp":
        return [*arp.ask_eth_dst(trace, step), *arp.ask_arp_entry(trace, step)]
    return []


def ask_laptop_frame(trace: Trace, step: Step) -> list[Asked]:
    """After ARP, each frame the laptop sends: its destination MAC, and for the first packet of
    a phase its destination IP address."""
    f = step.fields
    if step.src != LAPTOP or _phase(step) not in ("dns", "tcp") or step.dst is None:
        return []
    where = {"n": step.index, "what": step.summary}
    out = arp.ask_eth_dst(trace, step, Note("predict.journey.eth_dst", where))
    first = next((s for s in trace.steps if s.src == LAPTOP and _phase(s) == _phase(step)), None)
    if first is step and "ip_dst" in f:
        answer = f["ip_dst"]
        out.append(
            Asked(
                "ip_dst",
                Note(f"predict.journey.ip_dst_{_phase(step)}", where),
                answer,
                unique(_ips(trace), answer),
                field=Note("predict.field.ip_dst"),
            )
        )
    return out


def ask_router(trace: Trace, step: Step) -> list[Asked]:
    """A packet the router forwards: its source on the way out, its destination on the way in."""
    f = step.fields
    if step.src != ROUTER or _phase(step) not in ("dns", "tcp") or "ip_src" not in f:
        return []
    addresses = _addresses(trace)
    laptop, public = addresses.get("laptop_ip", ""), addresses.get("public_ip", "")
    gateway = addresses.get("gateway_ip", "")
    where = {"n": step.index, "what": step.summary, "rule": Note(KEPT_PORT)}
    if f.get("link") == "wan" and f["ip_src"] == public:
        port = f.get("sport")
        answer = f"{public}:{port}"
        others = [f"{ip}:{port}" for ip in (laptop, gateway)] + [f"{public}:1024"]
        kind, key, field = "wan_src", "predict.journey.wan_src", "predict.field.nat_src"
    elif f.get("link") == "lan" and f.get("ip_dst") == laptop:
        port = f.get("dport")
        answer = f"{laptop}:{port}"
        others = [f"{ip}:{port}" for ip in (public, gateway)] + [f"{laptop}:1024"]
        kind, key, field = "lan_dst", "predict.journey.lan_dst", "predict.field.nat_dst"
    else:
        return []
    return [Asked(kind, Note(key, where), answer, unique(others, answer), field=Note(field))]


def ask_tcp(trace: Trace, step: Step) -> list[Asked]:
    """The TCP phase: flags of the segments the ends send, states, the TIME-WAIT timer."""
    if _phase(step) != "tcp":
        return []
    states = [
        a for a in tcp.ask_state(trace, step) if a.prompt.params.get("was") not in dhcp.STATES
    ]
    out = [*states, *tcp.ask_event(trace, step)]
    if step.src != ROUTER:
        out += tcp.ask_flags(trace, step)
    return [_named(a) for a in out]


ASKERS = (ask_phase, ask_laptop_frame, ask_router, ask_tcp)
