"""Generated questions about DNS: the server asked after a referral, the header flags of a
response, and how many queries a resolver sends upstream.

Owns the recipe ``dns-referral`` (``RECIPES``, registered by ``netlab.quiz.generate``). It draws
its parameters from a seeded ``random.Random``, builds ``netlab.sim.dns`` with ``frames=False``
(so no scapy is imported), reads the answer from the Trace and words the question in English
and Chinese, with a ``see`` command that shows the same run. The names asked about are
reserved example names (RFC 2606, RFC 6761): one zone under a generic TLD, so that root, TLD
and authoritative server are the whole path.

No printing, no files; the same seed always gives the same question.
"""

from __future__ import annotations

import random

from netlab.quiz.lan_terms import capital, join_en, pick_others, tidy
from netlab.quiz.recipe import Draft, Params, Recipe, Text, t
from netlab.sim import dns
from netlab.sim.trace import Step, Trace

#: Names to resolve: reserved example names only (RFC 2606, RFC 6761), never a real domain, and
#: each in a zone right under its TLD, so that the path is root, TLD, zone.
DNS_NAMES = (
    "www.example.com",
    "mail.example.com",
    "example.com",
    "www.example.net",
    "ftp.example.net",
    "www.example.org",
    "blog.example.org",
)
DNS_TYPES = ("A", "A", "AAAA", "MX")
DNS_VARIANTS = ("next", "flags", "upstream")
#: The DNS header flags a flags question lists, in wire order.
DNS_FLAGS: dict[str, Text] = {
    "qr": t("QR (this is a response)", "QR（这是一个响应）"),
    "aa": t("AA (authoritative answer)", "AA（权威应答）"),
    "rd": t("RD (recursion desired)", "RD（期望递归）"),
    "ra": t("RA (recursion available)", "RA（递归可用）"),
}


def _draw_dns(rng: random.Random) -> Params:
    return {
        "variant": rng.choice(DNS_VARIANTS),
        "name": rng.choice(DNS_NAMES),
        "qtype": rng.choice(DNS_TYPES),
        "after": rng.choice(("root", "tld")),  # next: whose referral
        "whose": rng.choice(("laptop", "auth", "root")),  # flags: which response
        "lookup": rng.choice((0, 1)),  # upstream: the first lookup or the one a minute later
        "mix": rng.getrandbits(32),
    }


def _dns_command(name: str, qtype: str, again: bool = False) -> str:
    parts = [f"netlab simulate dns --name {name}"]
    if qtype != "A":
        parts.append(f"--type {qtype}")
    if again:
        parts.append("--again")
    return " ".join(parts)


def _server_text(trace: Trace, node: str) -> Text:
    server = trace.params["servers"][node]
    what = {
        "root": t("the root server", "根服务器"),
        "tld": t(f"the {server['zone']} TLD server", f"{server['zone']} 顶级域服务器"),
        "auth": t(f"the {server['zone']} authoritative server", f"{server['zone']} 的权威服务器"),
    }[node]
    return t(
        f"{what['en']} {server['host']} ({server['ip']})",
        f"{what['zh']} {server['host']}（{server['ip']}）",
    )


def _dns_setting(trace: Trace) -> Text:
    name, qtype = trace.params["name"], trace.params["qtype"]
    resolver = trace.params["resolver_ip"]
    return t(
        f"A laptop asks its recursive resolver ({resolver}) for the {qtype} record of {name}. "
        "The resolver's cache holds nothing but the root hints.",
        f"一台笔记本向它的递归解析器（{resolver}）查询 {name} 的 {qtype} 记录。"
        "解析器的缓存里只有根提示（root hints）。",
    )


def _response(trace: Trace, src: str) -> Step:
    return next(s for s in trace.steps if s.protocol == "DNS" and s.src == src and s.fields["qr"])


def _ask_dns(p: Params) -> Draft:
    name, qtype, variant = p["name"], p["qtype"], p["variant"]
    again = variant == "upstream"
    trace = dns.build(dns.DnsOptions(name=name, qtype=qtype, again=again), frames=False)
    setting = _dns_setting(trace)
    see = _dns_command(name, qtype, again)
    if variant == "next":
        after = p["after"]
        referral = _response(trace, after)
        later = trace.steps[referral.index :]
        asked = next(s for s in later if s.protocol == "DNS" and s.src == "resolver").dst
        assert asked is not None
        ns = referral.fields["authority"][0]
        glue = referral.fields["additional"][0]
        nodes = ["root", "tld", "auth"]
        mix = random.Random(p["mix"])
        order = pick_others(mix, asked, nodes, 2)
        laptop = trace.params["laptop_ip"]
        choices = [capital(_server_text(trace, n)) for n in order]
        stub = t(
            f"Nobody: it passes the referral back to the laptop ({laptop}), which asks next",
            f"谁也不问：它把这个转介交回给笔记本（{laptop}），由笔记本接着去问",
        )
        choices.insert(mix.randrange(4), stub)
        answer = choices.index(capital(_server_text(trace, asked)))
        root = _server_text(trace, "root")
        if after == "root":
            story = t(
                f"It asks {root['en']}, which answers with a referral.",
                f"它先问{root['zh']}，得到的是一个转介（referral）。",
            )
        else:
            tld = _server_text(trace, "tld")
            story = t(
                f"It asks {root['en']}, which refers it to {tld['en']}; that server too answers "
                "with a referral.",
                f"它先问{root['zh']}，被转介到{tld['zh']}；这台服务器给出的同样是一个转介。",
            )
        return Draft(
            kind="single",
            prompt=t(
                f"{setting['en']} {story['en']} Which server does the resolver ask next?",
                f"{setting['zh']}{story['zh']}解析器接下来问哪台服务器？",
            ),
            explanation=t(
                f"The referral (AA clear) says that {ns['name']} is served by {ns['value']} and, "
                f"in the additional section, that {glue['name']} is {glue['value']}. The "
                f"resolver does the work itself (iterative queries, RD clear): it asks "
                f"{_server_text(trace, asked)['en']}, still for the whole name {name}.",
                f"这个转介（AA 未置位）说明 {ns['name']} 由 {ns['value']} 负责，附加部分还给出了 "
                f"{glue['name']} 的地址 {glue['value']}。"
                "解析器自己完成查询（迭代查询，RD 未置位）："
                f"接着去问{_server_text(trace, asked)['zh']}，问的仍是完整的名字 {name}。",
            ),
            see=see,
            answer=answer,
            choices=tuple(choices),
        )
    if variant == "flags":
        whose = p["whose"]
        step = _response(trace, "resolver") if whose == "laptop" else _response(trace, whose)
        chosen = frozenset(i for i, flag in enumerate(DNS_FLAGS) if step.fields[flag])
        said = ", ".join(f"{flag.upper()}={step.fields[flag]}" for flag in DNS_FLAGS)
        if whose == "laptop":
            which = t(
                "the resolver's answer to the laptop",
                "解析器回给笔记本的应答",
            )
            why = t(
                "The laptop asked with RD set and the resolver copies RD into its answer; it "
                "offers recursion (RA). It is not the owner of the zone, so AA is clear even "
                "though the records are right.",
                "笔记本查询时置了 RD，解析器在应答中照抄 RD；它提供递归服务，所以 RA 置位。"
                "它并不是这个区的权威服务器，所以即使记录正确，AA 也不置位。",
            )
        elif whose == "auth":
            server = _server_text(trace, "auth")
            which = t(
                f"the answer of {server['en']} to the resolver",
                f"{server['zh']}回给解析器的应答",
            )
            why = t(
                "It owns the zone, so AA is set. The resolver asked iteratively (RD clear) and "
                "the server copies RD; it offers no recursion, so RA is clear.",
                "它拥有这个区的数据，所以 AA 置位。解析器发的是迭代查询（RD 未置位），服务器照抄 "
                "RD；它不提供递归服务，所以 RA 也不置位。",
            )
        else:
            server = _server_text(trace, "root")
            which = t(
                f"the reply of {server['en']} to the resolver",
                f"{server['zh']}回给解析器的响应",
            )
            why = t(
                "It is a referral, not an answer: AA is clear. The query was iterative (RD "
                "clear, copied into the reply) and root servers offer no recursion (RA clear).",
                "这是一个转介而不是答案：AA 不置位。查询是迭代的（RD 未置位，响应中照抄），"
                "根服务器也不提供递归服务（RA 不置位）。",
            )
        return Draft(
            kind="multiple",
            prompt=t(
                f"{setting['en']} Which flags are set in the DNS header of {which['en']}? "
                "Choose all that apply.",
                f"{setting['zh']}{which['zh']}的 DNS 首部中，哪些标志位置 1？选出所有正确项。",
            ),
            explanation=t(
                f"{said}. QR is set in every response. {why['en']}",
                f"{said}。每个响应的 QR 都置 1。{why['zh']}",
            ),
            see=see,
            answer=chosen,
            choices=tuple(DNS_FLAGS.values()),
        )
    # upstream
    lookup = p["lookup"]
    asked_list = trace.params["asked"][lookup]
    count = len(asked_list)
    servers_en = join_en([trace.params["servers"][n]["host"] for n in asked_list])
    servers_zh = "、".join(trace.params["servers"][n]["host"] for n in asked_list)
    if lookup == 0:
        which = t("the first lookup", "第一次查询")
    else:
        which = t("the second lookup", "第二次查询")
    if count:
        why = t(
            f"{count}: {servers_en}, one after another; each referral names the next server, "
            "until the authoritative server gives the answer. The resolver caches all it learns.",
            f"{count} 次：依次询问 {servers_zh}；每个转介都指明下一台该问的服务器，"
            "直到权威服务器给出答案。解析器会把学到的一切都缓存起来。",
        )
    else:
        hit = next(s for s in trace.steps if s.event == "dns_cache_hit")
        why = t(
            f"None: the answer is still in the resolver's cache ({hit.summary}), so it "
            "answers the laptop straight away; the cached TTL has counted down by a minute.",
            f"0 次：答案还在解析器的缓存里（{hit.summary}），所以它直接回答笔记本；"
            "缓存中的 TTL 已经少了一分钟。",
        )
    return Draft(
        kind="fill",
        prompt=t(
            f"{setting['en']} A minute after the answer arrives, the laptop asks again (its own "
            f"cache is off). How many queries does the resolver send to other name servers for "
            f"{which['en']}?",
            f"{setting['zh']}收到答案一分钟后，笔记本又查询了一次（它自己不做缓存）。"
            f"{which['zh']}时，解析器向其他域名服务器发出了多少个查询？",
        ),
        explanation=why,
        see=see,
        answer=count,
    )


RECIPES: tuple[Recipe, ...] = (Recipe("dns-referral", "dns", _draw_dns, tidy(_ask_dns)),)
