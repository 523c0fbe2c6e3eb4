"""The askers of the NAT scenario: what the router writes in its table and on the packets.

- ``nat_row``: the row a packet that opens a mapping adds to the table, inside local →
  inside global (choices: the address left untranslated, the port kept when it was taken,
  the next port, 1024, the other public addresses);
- ``nat_src``: the source address:port of an outgoing packet that uses an existing or static
  mapping (same choices);
- ``public_port``: typed, the source port a PAT router gives an outgoing packet;
- ``nat_dst``: where an incoming packet that matches a mapping is sent on the LAN (choices:
  the public address left as it was, the other inside endpoints of the table);
- ``nat_fate``: what the router does with a packet from outside that opens a connection or
  comes after its mapping expired (choices: forward it to a host, answer with a RST, drop it).

With ``--seed`` a PAT router that cannot keep a port picks one at random: that port is not
asked. Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

from netlab.i18n import Note
from netlab.predict.arp import node
from netlab.predict.asked import Asked, previous, unique
from netlab.sim.trace import Step, Trace

FIRST_PORT = 1024  # where Linux's search for a free port starts, for ports from 1024 up


def split(endpoint: str) -> tuple[str, int | None]:
    ip, _, port = endpoint.partition(":")
    return ip, int(port) if port else None


def join(ip: str, port: int | None) -> str:
    return ip if port is None else f"{ip}:{port}"


def _router(trace: Trace) -> str | None:
    return next((n.name for n in trace.nodes if n.role == "nat"), None)


def _rows(step: Step, router: str) -> list[dict]:
    return list(step.tables.get(f"nat:{router}") or [])


def _random_port(trace: Trace, step: Step) -> bool:
    """A PAT port picked at random (``--seed``, the inside port taken): not predictable."""
    if trace.params.get("mode") != "pat" or trace.params.get("seed") is None:
        return False
    return split(step.fields["src"])[1] != split(step.fields["src_before"])[1]


def _rule(trace: Trace) -> Note:
    mode = str(trace.params.get("mode", "pat"))
    return Note(f"predict.nat.rule.{mode}", {"first": FIRST_PORT})


def _globals(trace: Trace, step: Step) -> list[str]:
    """Plausible inside-global endpoints for an outgoing packet: the right one among them."""
    local_ip, port = split(step.fields["src_before"])
    publics = [*trace.params.get("public", []), trace.params.get("nat_outside", "")]
    out = [join(local_ip, port), join(trace.params.get("nat_inside", ""), port)]
    for ip in [p for p in publics if p]:
        out += [join(ip, port)]
        if port is not None:
            out += [join(ip, FIRST_PORT), join(ip, port + 1), join(ip, FIRST_PORT + 1)]
    return out


def _inside(trace: Trace) -> list[str]:
    """The hosts on the LAN (those outside have no MAC in the trace)."""
    return [n.name for n in trace.nodes if n.role == "host" and n.mac]


def _outgoing(trace: Trace, step: Step) -> bool:
    return step.fields.get("translated") == "src" and "src_before" in step.fields


def _where(trace: Trace, step: Step) -> dict:
    prev = previous(trace, step)
    return {
        "n": step.index,
        "nat": node(step.src),
        "host": node(prev.src) if prev is not None else "?",
        "before": step.fields.get("src_before", "?"),
        "dst": step.fields.get("dst", "?"),
        "rule": _rule(trace),
    }


def ask_outgoing(trace: Trace, step: Step) -> list[Asked]:
    """An outgoing packet nat translates: the row it adds, or the source it gets."""
    router = _router(trace)
    if router is None or step.src != router or not _outgoing(trace, step):
        return []
    if _random_port(trace, step):
        return []
    f = step.fields
    where = _where(trace, step)
    out = []
    if f.get("mapping") == "new":
        prev = previous(trace, step)
        old = {(r["inside_local"], r["proto"]) for r in _rows(prev, router)} if prev else set()
        row = next(
            (r for r in _rows(step, router) if (r["inside_local"], r["proto"]) not in old), None
        )
        if row is not None:
            answer = f"{row['inside_local']} → {row['inside_global']}"
            others = [f"{row['inside_local']} → {g}" for g in _globals(trace, step)]
            out.append(
                Asked(
                    "nat_row",
                    Note("predict.nat.row", where),
                    answer,
                    unique(others, answer),
                    field=Note("predict.field.nat_row"),
                )
            )
    else:
        answer = f["src"]
        out.append(
            Asked(
                "nat_src",
                Note("predict.nat.src", where),
                answer,
                unique(_globals(trace, step), answer),
                field=Note("predict.field.nat_src"),
            )
        )
    port = split(f["src"])[1]
    if trace.params.get("mode") == "pat" and port is not None:
        out.append(
            Asked(
                "public_port",
                Note("predict.nat.port", where),
                port,
                field=Note("predict.field.public_port"),
            )
        )
    return out


def ask_incoming(trace: Trace, step: Step) -> list[Asked]:
    """An incoming packet nat translates: the inside address:port it goes to."""
    router = _router(trace)
    f = step.fields
    if router is None or step.src != router or f.get("translated") != "dst":
        return []
    answer = f["dst"]
    port = split(f["dst_before"])[1]
    prev = previous(trace, step)
    rows = _rows(prev, router) if prev is not None else []
    hosts = [n.ip for n in trace.nodes if n.name in _inside(trace) and n.ip]
    others = [f["dst_before"], *(r["inside_local"] for r in rows)]
    others += [join(ip, port) for ip in hosts]
    others.append(join(trace.params.get("nat_inside", ""), port))
    params = {"n": step.index, "nat": node(router), "src": f.get("src", "?"), "to": f["dst_before"]}
    return [
        Asked(
            "nat_dst",
            Note("predict.nat.dst", params),
            answer,
            unique([o for o in others if o], answer),
            field=Note("predict.field.nat_dst"),
        )
    ]


def ask_fate(trace: Trace, step: Step) -> list[Asked]:
    """What nat does with a connection attempt from outside, or a packet for an expired
    mapping: forwards it (a static mapping) or answers it with a RST (no mapping)."""
    router = _router(trace)
    prev = previous(trace, step)
    if router is None or prev is None or step.src != router or prev.dst != router:
        return []
    inside = _inside(trace)
    if prev.src in inside or prev.lost:
        return []
    forwarded = step.fields.get("translated") == "dst"
    opening = prev.fields.get("tcp_flags") == "S"
    if forwarded and not opening:
        return []  # an answer to a packet from inside: the mapping's ordinary work
    if forwarded:
        answer = Note("predict.nat.fate.forward", {"to": node(step.dst or "?")})
    elif "R" in str(step.fields.get("tcp_flags", "")):
        answer = Note("predict.nat.fate.reset")
    else:
        return []
    others = [Note("predict.nat.fate.forward", {"to": node(h)}) for h in inside]
    others += [Note("predict.nat.fate.reset"), Note("predict.nat.fate.drop")]
    params = {"n": step.index, "k": prev.index, "nat": node(router), "src": node(prev.src)}
    params["to"] = prev.fields.get("dst", "?")
    return [
        Asked("nat_fate", Note("predict.nat.fate_prompt", params), answer, unique(others, answer))
    ]


ASKERS = (ask_outgoing, ask_incoming, ask_fate)
