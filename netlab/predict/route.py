"""The askers of the routing scenarios (route, rip, ospf), from the tables shown.

- route, at a router's lookup: ``route_chosen`` (longest-prefix match; the other matching
  routes first among the wrong ones), ``route_next`` (the node it sends the datagram to),
  ``route_ttl`` (typed: the TTL it leaves with, from the TTL its sender used);
- rip, at a Response: ``rip_advertised`` (typed: the sender's metric as the round started, 16
  for a route learned over that link with split horizon), ``rip_metric`` (typed: the
  receiver's metric for a route the Response changes);
- ospf: ``ospf_flood`` (installs a flooded LSA and sends it on, or holds it already);
  ``ospf_confirm``, ``ospf_cost`` (typed), ``ospf_first_hop``: Dijkstra's next step.

Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

from netlab.i18n import Note
from netlab.predict.asked import Asked, position, unique
from netlab.sim.trace import Step, Trace

INFINITY = 16  # RIP's
MAX_OTHERS = 3  # wrong routes offered: every other matching one first


def _packets_around(trace: Trace, step: Step) -> tuple[Step | None, Step | None]:
    """The step just before ``step`` and the first packet step after it."""
    at = position(trace, step)
    before = trace.steps[at - 1] if at > 0 else None
    after = next((s for s in trace.steps[at + 1 :] if s.dst is not None), None)
    return before, after


def _key(step: Step) -> tuple:
    f = step.fields
    return (f.get("kind"), f.get("ip_src"), f.get("ip_dst"))


def _origin(trace: Trace, incoming: Step) -> Step:
    """The first step of the datagram ``incoming`` carries: back over its hops and lookups."""
    first = incoming
    at = position(trace, incoming)
    for s in reversed(trace.steps[:at]):
        if s.event == "route_lookup":
            continue
        if s.dst is None or _key(s) != _key(incoming):
            break
        first = s
    return first


def _neighbours(trace: Trace, router: str) -> list[str]:
    """The nodes on the networks ``router`` is on (the topology's rows), in order."""
    out: list[str] = []
    for net in trace.params.get("networks") or []:
        members = [str(m).split()[0] for m in net.get("members", [])]
        if router in members:
            out += [m for m in members if m != router and m not in out]
    return out


def ask_lookup(trace: Trace, step: Step) -> list[Asked]:
    if step.event != "route_lookup" or "chosen" not in step.fields or not step.notes:
        return []
    rows = step.tables.get(f"lookup:{step.src}") or []
    no_route = Note("predict.route.no_route")
    chosen = step.fields["chosen"]
    answer: Note | str = no_route if chosen is None else str(chosen)
    matching = [str(r["destination"]) for r in rows if r.get("match")]
    missing = [str(r["destination"]) for r in rows if not r.get("match")]
    # the shorter prefixes that match too come first: the point is the longest one
    others = unique([*matching, no_route, *missing], answer)[:MAX_OTHERS]
    params = {"n": step.index, "router": step.src, "dst": step.notes[0].params.get("dst")}
    out = [
        Asked(
            "route_chosen",
            Note("predict.route.chosen", params),
            answer,
            others,
            field=Note("predict.field.route_chosen", {"dst": params["dst"]}),
        )
    ]
    before, after = _packets_around(trace, step)
    incoming = before if before is not None and before.dst == step.src else None
    if incoming is None or after is None or after.src != step.src or _key(after) != _key(incoming):
        return out  # not forwarded (an error goes back instead), or the router's own datagram
    what = Note(f"route.what.{incoming.fields.get('kind')}")
    params = {**params, "what": what, "ttl": incoming.fields.get("ttl")}
    exceeded = Note("predict.route.exceeded")
    nodes = [n.name for n in trace.nodes if n.name != step.src]
    choices: list[Note | str] = [*_neighbours(trace, step.src), *nodes, exceeded]
    out.append(
        Asked(
            "route_next",
            Note("predict.route.next", params),
            str(after.dst),
            unique(choices, str(after.dst)),
        )
    )
    origin = _origin(trace, incoming)
    sent = {**params, "origin": origin.src, "sent": origin.fields.get("ttl")}
    out.append(Asked("route_ttl", Note("predict.route.ttl", sent), int(after.fields["ttl"])))
    return out


# -- rip ------------------------------------------------------------------------------------


def _rows(step: Step | None, router: str) -> dict[str, dict]:
    rows = step.tables.get(f"route:{router}", []) if step is not None else []
    return {str(r["destination"]): r for r in rows}


def ask_advertised(trace: Trace, step: Step) -> list[Asked]:
    entries = step.fields.get("entries")
    if step.dst is None or not entries or trace.scenario != "rip":
        return []
    at = position(trace, step)
    start = next((s for s in reversed(trace.steps[:at]) if s.event == "rip_round"), None)
    if start is None or str(entries[0]["prefix"]) not in _rows(start, step.src):
        return []
    entry = max(entries, key=lambda e: e["metric"])  # the first poisoned or learned one
    horizon = "on" if trace.params.get("split_horizon", True) else "off"
    params = {
        "n": step.index,
        "router": step.src,
        "link": step.fields.get("link"),
        "update": Note(f"predict.rip.update.{step.fields.get('kind')}"),
        "round": start.fields.get("round"),
        "start": start.index,
        "horizon": Note(f"predict.rip.horizon_{horizon}"),
        "prefix": entry["prefix"],
    }
    return [
        Asked(
            "rip_advertised",
            Note("predict.rip.advertised", params),
            int(entry["metric"]),
            field=Note("predict.field.rip_advertised", {"prefix": entry["prefix"]}),
        )
    ]


def ask_metric(trace: Trace, step: Step) -> list[Asked]:
    entries = step.fields.get("entries")
    if step.dst is None or not entries or trace.scenario != "rip":
        return []
    at = position(trace, step)
    before = trace.steps[at - 1] if at > 0 else None
    for entry in entries:
        prefix = str(entry["prefix"])
        for receiver in step.receivers:
            was = _rows(before, receiver).get(prefix)
            now = _rows(step, receiver).get(prefix)
            if now is None or now == was:
                continue
            params = {
                "n": step.index,
                "router": step.src,
                "ip": step.fields.get("ip_src"),
                "receiver": receiver,
                "link": step.fields.get("link"),
                "prefix": prefix,
                "metric": entry["metric"],
            }
            return [Asked("rip_metric", Note("predict.rip.metric", params), int(now["metric"]))]
    return []


# -- ospf -----------------------------------------------------------------------------------


def ask_flood(trace: Trace, step: Step) -> list[Asked]:
    f = step.fields
    if step.dst is None or "installed" not in f:
        return []
    yes, no = Note("predict.ospf.flood.install"), Note("predict.ospf.flood.holds")
    answer, other = (yes, no) if f["installed"] else (no, yes)
    where = {"n": step.index, "src": step.src, "dst": step.dst}
    params = {**where, "id": f.get("lsa_router"), "seq": f.get("lsa_seq")}
    return [
        Asked(
            "ospf_flood",
            Note("predict.ospf.flood_prompt", params),
            answer,
            (other,),
            field=Note("predict.field.ospf_flood", params),
        )
    ]


def ask_spf(trace: Trace, step: Step) -> list[Asked]:
    f = step.fields
    if step.event != "ospf_spf" or f.get("iteration", 1) < 2:
        return []
    at = position(trace, step)
    before = trace.steps[at - 1]
    table = f"spf:{step.src}"
    was, now = before.tables.get(table), step.tables.get(table)
    if not was or not now:
        return []
    confirmed, cost = str(f["confirmed"]), int(f["cost"])
    tentative = [r for r in was if not r["confirmed"]]
    params = {"n": step.index, "root": step.src, "iteration": f["iteration"], "step": before.index}
    out = [
        Asked(
            "ospf_cost",
            Note("predict.ospf.cost", params),
            cost,
            field=Note("predict.field.ospf_cost", params),
        )
    ]
    others = [str(r["router"]) for r in tentative if r["cost"] != cost]
    if others:
        out.append(
            Asked(
                "ospf_confirm",
                Note("predict.ospf.confirm", params),
                confirmed,
                unique(others, confirmed),
                field=Note("predict.field.ospf_confirm", params),
            )
        )
    row = next((r for r in now if r["router"] == confirmed), None)
    if row is not None and row.get("first_hop"):
        hop = str(row["first_hop"])
        hops = [str(r["first_hop"]) for r in now if r.get("first_hop")] + [confirmed]
        hops += [str(r["router"]) for r in now if r["router"] != step.src]
        out.append(
            Asked(
                "ospf_first_hop",
                Note("predict.ospf.first_hop", {**params, "router": confirmed}),
                hop,
                unique(hops, hop),
            )
        )
    return out


ASKERS = (ask_lookup, ask_advertised, ask_metric, ask_flood, ask_spf)
