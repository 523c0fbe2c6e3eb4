"""The askers of the DHCP scenario (also used by journey for its DHCP steps).

- ``dhcp_message``: which DHCP message a step is (choices: the other message types of RFC 2131);
- ``ip_dst``: the destination IP address of a DHCP message (choices: the limited broadcast,
  0.0.0.0, the address offered, the server's; what the BROADCAST flag changes);
- ``ip_src``: the source IP address of a client's message (0.0.0.0 before it has a lease);
- ``yiaddr``: the address the server offers or acknowledges (choices: the neighbouring
  addresses, the ones other clients hold, the server's own);
- ``dhcp_state``: the client's RFC 2131 state after a step that changes it.

Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

import ipaddress

from netlab.i18n import Note
from netlab.predict.arp import node
from netlab.predict.asked import Asked, states_before, unique
from netlab.sim.trace import Step, Trace

MESSAGES = ("Discover", "Offer", "Request", "ACK", "NAK", "Decline", "Release", "Inform")
STATES = ("INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING", "REBINDING", "INIT-REBOOT")
UNSPECIFIED = "0.0.0.0"
LIMITED_BROADCAST = "255.255.255.255"


def _message(step: Step) -> str | None:
    return step.fields.get("message") if step.dst is not None else None


def _from_server(step: Step) -> bool:
    return step.fields.get("op") == 2


def _server_ip(trace: Trace, step: Step) -> str:
    server = (step.fields.get("options") or {}).get("server_id")
    if server:
        return str(server)
    found = next((f.get("ip_src") for s in trace.steps if _from_server(s) for f in [s.fields]), "")
    return str(found or "")


def _client(trace: Trace, step: Step) -> str:
    """The client a message is from or for, by its hardware address."""
    chaddr = step.fields.get("chaddr")
    return next((n.name for n in trace.nodes if n.mac == chaddr), step.src)


def _shift(ip: str, by: int) -> str:
    try:
        return str(ipaddress.IPv4Address(ip) + by)
    except (ipaddress.AddressValueError, ValueError):
        return ""


def _leased(trace: Trace) -> list[str]:
    """Every address a lease table of the trace holds at some point, in order."""
    out: list[str] = []
    for s in trace.steps:
        for key, rows in s.tables.items():
            if key.startswith("leases:"):
                out += [r["ip"] for r in rows if r["ip"] not in out]
    return out


def ask_message(trace: Trace, step: Step) -> list[Asked]:
    message = _message(step)
    if message is None:
        return []
    params = {"n": step.index, "src": node(step.src), "client": node(_client(trace, step))}
    side = "server" if _from_server(step) else "client"
    return [
        Asked(
            "dhcp_message",
            Note(f"predict.dhcp.message_{side}", params),
            message,
            unique(list(MESSAGES), message),
            field=Note("predict.field.dhcp_message"),
        )
    ]


def ask_addresses(trace: Trace, step: Step) -> list[Asked]:
    """The IP destination of any DHCP message, and the source of a client's."""
    if _message(step) is None:
        return []
    f = step.fields
    server = _server_ip(trace, step)
    client = _client(trace, step)
    flag = Note("predict.dhcp.flag_on" if f.get("broadcast") else "predict.dhcp.flag_off")
    addresses = [LIMITED_BROADCAST, UNSPECIFIED, server, f.get("yiaddr", ""), f.get("ciaddr", "")]
    addresses += [a for a in _leased(trace)[:2]]
    params = {"n": step.index, "src": node(step.src), "client": node(client), "flag": flag}
    answer = f["ip_dst"]
    key = "predict.dhcp.ip_dst_server" if _from_server(step) else "predict.dhcp.ip_dst_client"
    out = [
        Asked(
            "ip_dst",
            Note(key, params),
            answer,
            unique([a for a in addresses if a], answer),
            field=Note("predict.field.ip_dst"),
        )
    ]
    if not _from_server(step):
        answer = f["ip_src"]
        out.append(
            Asked(
                "ip_src",
                Note("predict.dhcp.ip_src", params),
                answer,
                unique([a for a in addresses if a], answer),
                field=Note("predict.field.ip_src"),
            )
        )
    return out


def ask_yiaddr(trace: Trace, step: Step) -> list[Asked]:
    """The address in an Offer or an ACK: the one the client holds, else the lowest free."""
    f = step.fields
    answer = f.get("yiaddr")
    if _message(step) is None or not _from_server(step) or answer in (None, UNSPECIFIED):
        return []
    others = [_shift(answer, 1), _shift(answer, -1), *_leased(trace), _server_ip(trace, step)]
    others.append(UNSPECIFIED)
    params = {"n": step.index, "src": node(step.src), "client": node(_client(trace, step))}
    return [
        Asked(
            "yiaddr",
            Note("predict.dhcp.yiaddr", params),
            answer,
            unique([o for o in others if o], answer),
            field=Note("predict.field.yiaddr"),
        )
    ]


def ask_state(trace: Trace, step: Step) -> list[Asked]:
    """A client whose RFC 2131 state the step changes: the state it is in afterwards."""
    before = states_before(trace, step)
    out = []
    for who, after in step.states.items():
        was = before.get(who)
        if after == was or after not in STATES or was not in STATES:
            continue
        params = {"n": step.index, "src": node(step.src), "what": step.summary, "who": node(who)}
        params["was"] = was
        out.append(
            Asked(
                "dhcp_state",
                Note("predict.dhcp.state", params),
                after,
                unique([was, *STATES], after),
                field=Note("predict.field.dhcp_state", {"who": node(who)}),
            )
        )
    return out


ASKERS = (ask_message, ask_addresses, ask_yiaddr, ask_state)
