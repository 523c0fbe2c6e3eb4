"""The askers of the ARP scenario (also used by journey for its Ethernet and ARP steps).

- ``eth_dst``: the destination MAC of a frame a node sends (choices: broadcast, the zero MAC,
  the sender's own, the other MACs of the trace: the target's, the gateway's, the other hosts');
- ``flood``: which nodes a switch or hub sends a frame out to (choices: only the node the
  frame or the ARP question is for, every other node, every node including the sender);
- ``arp_entry``: what an ARP cache holds for an address after the step, when the step changes
  it (choices: the entry before, the same MAC in the other Linux neighbour states, no entry);
- ``mac_port``: typed, the port a switch's MAC table puts a MAC behind when it learns it.

The loop variant (a broadcast storm) is not asked about: its copies and MAC flaps depend on a
topology the prompt could not state in a sentence. Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

import re
from typing import Any

from netlab.i18n import Note, catalogue
from netlab.predict.asked import Asked, previous, unique
from netlab.sim.trace import Step, Trace

BROADCAST = "ff:ff:ff:ff:ff:ff"
ZERO = "00:00:00:00:00:00"
#: Linux's neighbour states, as the step tables spell them
STATES = ("INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED")
DEVICES = ("switch", "hub")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def _walk(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def node(name: str) -> Note | str:
    """A node as the diagrams name it (the catalogue's ``node.NAME``), else its literal name."""
    return Note(f"node.{name}") if f"node.{name}" in catalogue("en") else name


def trace_macs(trace: Trace) -> list[str]:
    """Every MAC address the trace names: its nodes' and those in its params, in that order."""
    found = [n.mac for n in trace.nodes if n.mac]
    found += [v for v in _walk(trace.params) if isinstance(v, str) and _MAC.match(v)]
    return list(dict.fromkeys(found))


def _by_index(trace: Trace, index: int) -> Step | None:
    return next((s for s in trace.steps if s.index == index), None)


def _is_device(trace: Trace, name: str) -> bool:
    try:
        return trace.node(name).role in DEVICES
    except KeyError:
        return False


def _looped(trace: Trace) -> bool:
    return trace.params.get("device") == "loop"


def ask_eth_dst(trace: Trace, step: Step, prompt: Note | None = None) -> list[Asked]:
    """A frame its sender builds (not a switch's copy): which destination MAC it carries."""
    mac = step.fields.get("eth_dst")
    if step.dst is None or step.copy_of is not None or mac is None or _looped(trace):
        return []
    if _is_device(trace, step.src):
        return []
    others = [BROADCAST, ZERO, step.fields.get("eth_src", ""), *trace_macs(trace)]
    if prompt is None:
        prompt = Note(
            "predict.lan.eth_dst", {"n": step.index, "src": node(step.src), "what": step.summary}
        )
    return [
        Asked(
            "eth_dst",
            prompt,
            mac,
            unique([m for m in others if m], mac),
            field=Note("predict.field.eth_dst"),
        )
    ]


def _names(trace: Trace, among: list[str], wanted) -> Note | str:
    """The nodes of ``among`` that are ``wanted``, in ``among``'s order, as one list."""
    names = [n for n in among if n in set(wanted)]
    if not names:
        return ""
    out: Note | str = node(names[-1])
    for name in reversed(names[:-1]):
        out = Note("predict.lan.list", {"head": node(name), "tail": out})
    return out


def ask_flood(trace: Trace, step: Step) -> list[Asked]:
    """A switch or hub passing a frame on: which nodes it sends it out to."""
    if step.copy_of is None or _looped(trace) or not _is_device(trace, step.src):
        return []
    original = _by_index(trace, step.copy_of)
    if original is None:
        return []
    nodes = [n.name for n in trace.nodes if n.role not in DEVICES]
    f = step.fields
    owners = {n.name: n for n in trace.nodes}
    for_mac = [n for n in nodes if owners[n].mac == f.get("eth_dst")]
    asked_ip = f.get("pdst") if f.get("op") == 1 else f.get("ip_dst")
    for_ip = [n for n in nodes if owners[n].ip == asked_ip]
    answer = _names(trace, nodes, step.receivers)
    candidates = [
        _names(trace, nodes, for_mac),
        _names(trace, nodes, for_ip),
        _names(trace, nodes, [n for n in nodes if n != original.src]),
        _names(trace, nodes, nodes),
    ]
    device = trace.node(step.src).role
    params = {
        "n": step.index,
        "device": node(step.src),
        "k": original.index,
        "src": node(original.src),
        "what": step.summary,
        "mac": f.get("eth_dst", "?"),
    }
    return [
        Asked(
            "flood",
            Note(f"predict.lan.flood_{device}", params),
            answer,
            unique([c for c in candidates if c], answer),
            field=Note("predict.field.flood"),
        )
    ]


def _row(row: dict[str, Any]) -> str:
    return f"{row['ip']} → {row.get('mac') or '?'} ({row['state']})"


def _arp_rows(tables: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {r["ip"]: r for r in tables.get(key) or []}


def ask_arp_entry(trace: Trace, step: Step) -> list[Asked]:
    """Each ARP cache entry the step adds or changes: what the cache holds afterwards."""
    if _looped(trace):
        return []
    prev = previous(trace, step)
    out = []
    for key in step.tables:
        if not key.startswith("arp:"):
            continue
        who = key.split(":", 1)[1]
        if prev is None and who != step.src:
            continue  # the first step's tables also hold what was there from the start
        was = _arp_rows(prev.tables, key) if prev is not None else {}
        for ip, row in _arp_rows(step.tables, key).items():
            if was.get(ip) == row:
                continue
            answer = _row(row)
            mac = row.get("mac")
            others: list = []
            if ip in was:
                others.append(_row(was[ip]))
            if mac is None:  # INCOMPLETE: the MAC is what it waits for
                others += [_row({**row, "mac": m, "state": "REACHABLE"}) for m in trace_macs(trace)]
            else:
                others += [_row({**row, "state": s}) for s in STATES if s != "INCOMPLETE"]
                others.append(_row({**row, "mac": None, "state": "INCOMPLETE"}))
                sender = step.fields.get("eth_src")
                if sender and sender != mac:
                    others.append(_row({**row, "mac": sender}))
            if ip not in was:
                others.insert(0, Note("predict.lan.no_entry"))
            params = {"n": step.index, "src": node(step.src), "what": step.summary}
            params |= {"who": node(who), "ip": ip}
            out.append(
                Asked(
                    "arp_entry",
                    Note("predict.lan.arp_entry", params),
                    answer,
                    unique(others, answer),
                    field=Note("predict.field.arp_entry", {"who": node(who), "ip": ip}),
                )
            )
    return out


def ask_mac_port(trace: Trace, step: Step) -> list[Asked]:
    """A switch learning (or moving) a MAC: behind which port its table puts it. Typed."""
    prev = previous(trace, step)
    if prev is None or _looped(trace):
        return []
    out = []
    for key, rows in step.tables.items():
        if not key.startswith("mac:"):
            continue
        was = {r["mac"]: r["port"] for r in prev.tables.get(key) or []}
        for row in rows:
            if was.get(row["mac"]) == row["port"]:
                continue
            device = key.split(":", 1)[1]
            params = {"n": step.index, "what": step.summary, "mac": row["mac"]}
            params["device"] = node(device)
            out.append(
                Asked(
                    "mac_port",
                    Note("predict.lan.mac_port", params),
                    int(row["port"]),
                    field=Note("predict.field.mac_port", {"mac": row["mac"]}),
                )
            )
    return out


ASKERS = (ask_eth_dst, ask_flood, ask_arp_entry, ask_mac_port)
