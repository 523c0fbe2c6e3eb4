"""The askers of the ``dns`` scenario: what a learner can predict about the resolver's walk.

- ``dns_server``: which server the resolver's iterative query goes to (choices: the root, the
  TLD and the zone's servers), from what its cache holds;
- ``dns_cache``: what the resolver does with the laptop's question: answer from its cache at
  once, or ask which server first;
- ``dns_referral``: what a root or TLD server answers (a referral to which zone, not the final
  answer);
- ``dns_aa``: whether a response has the AA bit (the resolver's own answer to the laptop never
  does);
- ``dns_ttl``: the TTL of a record answered from the cache (typed: what is left of it).

Every answer is the trace's own value. Pure.
"""

from __future__ import annotations

from netlab.i18n import Note
from netlab.predict.asked import Asked, position, unique
from netlab.sim.trace import Step, Trace

SERVERS = ("root", "tld", "auth")


def _servers(trace: Trace) -> dict[str, dict]:
    return dict(trace.params.get("servers") or {})


def _server_text(trace: Trace, node: str) -> str:
    s = _servers(trace)[node]
    return f"{s['host']} ({s['ip']})"


def _who(trace: Trace, node: str) -> Note | str:
    if node in _servers(trace):
        return _servers(trace)[node]["host"]
    return Note(f"predict.dns.who.{node}")


def _question(trace: Trace, step: Step) -> dict:
    return {"n": step.index, "name": trace.params.get("name"), "qtype": trace.params.get("qtype")}


def ask_server(trace: Trace, step: Step) -> list[Asked]:
    """An iterative query: to which server (the cache of the step before tells)."""
    if step.src != "resolver" or step.dst not in SERVERS or step.fields.get("qr") != 0:
        return []
    answer = _server_text(trace, step.dst)
    others = [_server_text(trace, n) for n in SERVERS if n in _servers(trace)]
    return [
        Asked(
            "dns_server",
            Note("predict.dns.server", _question(trace, step)),
            answer,
            unique(others, answer),
        )
    ]


def _next_query(trace: Trace, step: Step) -> Step | None:
    at = position(trace, step)
    return next((s for s in trace.steps[at + 1 :] if s.dst is not None), None)


def ask_cache(trace: Trace, step: Step) -> list[Asked]:
    """The resolver's cache lookup: a hit answers at once; a miss asks the closest server."""
    if step.event not in ("dns_cache_hit", "dns_cache_miss"):
        return []
    choices: list[Note] = [Note("predict.dns.cache.hit")]
    for node in SERVERS:
        if node in _servers(trace):
            choices.append(Note("predict.dns.cache.asks", {"server": _server_text(trace, node)}))
    if step.event == "dns_cache_hit":
        answer = choices[0]
    else:
        nxt = _next_query(trace, step)
        if nxt is None or nxt.src != "resolver" or nxt.dst not in _servers(trace):
            return []
        answer = Note("predict.dns.cache.asks", {"server": _server_text(trace, nxt.dst)})
    return [
        Asked(
            "dns_cache",
            Note("predict.dns.cache_prompt", _question(trace, step)),
            answer,
            unique(choices, answer),
        )
    ]


def _referral(trace: Trace, zone: str, ns: str) -> Note:
    return Note("predict.dns.reply.referral", {"zone": zone, "ns": ns})


def ask_referral(trace: Trace, step: Step) -> list[Asked]:
    """A root or TLD server's answer: a referral one level down (AA=0, NS and glue)."""
    f = step.fields
    if step.src not in ("root", "tld") or f.get("qr") != 1 or f.get("answers"):
        return []
    ns = [r for r in f.get("authority", []) if r.get("type") == "NS"]
    if not ns:
        return []
    answer = _referral(trace, ns[0]["name"], ns[0]["value"])
    others: list[Note] = [
        _referral(trace, s["zone"], s["host"])
        for node, s in _servers(trace).items()
        if node != "root" and s["zone"] != ns[0]["name"]
    ]
    others.append(Note("predict.dns.reply.final", _question(trace, step)))
    return [
        Asked(
            "dns_referral",
            Note("predict.dns.referral", {**_question(trace, step), "who": _who(trace, step.src)}),
            answer,
            unique(others, answer),
        )
    ]


def ask_aa(trace: Trace, step: Step) -> list[Asked]:
    """Whether a response is authoritative (AA=1): only the zone's own server's is."""
    f = step.fields
    if step.dst is None or f.get("qr") != 1:
        return []
    answer = Note("predict.dns.aa.yes" if f.get("aa") else "predict.dns.aa.no")
    other = Note("predict.dns.aa.no" if f.get("aa") else "predict.dns.aa.yes")
    params = {**_question(trace, step), "who": _who(trace, step.src), "to": _who(trace, step.dst)}
    return [
        Asked(
            "dns_aa",
            Note("predict.dns.aa_prompt", params),
            answer,
            (other,),
            field=Note("predict.field.dns_aa"),
        )
    ]


def ask_ttl(trace: Trace, step: Step) -> list[Asked]:
    """The TTL of an answer from the cache: what is left of the TTL it was stored with."""
    at = position(trace, step)
    before = trace.steps[at - 1] if at > 0 else None
    answers = step.fields.get("answers") or []
    if before is None or before.event != "dns_cache_hit" or step.dst != "laptop" or not answers:
        return []
    hit = before.notes[0].params
    if "ttl_total" not in hit or "elapsed" not in hit:
        return []
    params = {
        **_question(trace, step),
        "record": f"{answers[0]['name']} {answers[0]['type']}",
        "total": hit["ttl_total"],
        "elapsed": hit["elapsed"],
    }
    return [
        Asked(
            "dns_ttl",
            Note("predict.dns.ttl", params),
            int(answers[0]["ttl"]),
            field=Note("predict.field.dns_ttl"),
        )
    ]


ASKERS = (ask_cache, ask_server, ask_referral, ask_aa, ask_ttl)
