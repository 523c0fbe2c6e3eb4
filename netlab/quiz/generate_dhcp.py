"""Generated questions about DHCP: the order of DORA, the n-th message on the LAN, which
messages are broadcast, and which address a host gets.

Owns the recipe ``dhcp-order`` (``RECIPES``, registered by ``netlab.quiz.generate``). It draws
its parameters from a seeded ``random.Random``, builds ``netlab.sim.dhcp`` with ``frames=False``
(so no scapy is imported), reads the answer from the Trace and words the question in English
and Chinese, with a ``see`` command that shows the same run. Every assumption the answer rests
on is said in the question: hosts switched on one after another, the server's choice of the
lowest free address, the clients' BROADCAST flag.

No printing, no files; the same seed always gives the same question.
"""

from __future__ import annotations

import random

from netlab.quiz.lan_terms import join_en, pick_others, tidy
from netlab.quiz.recipe import Draft, Params, Recipe, Text, t
from netlab.sim import dhcp
from netlab.sim.trace import Step, Trace

DORA = (dhcp.DISCOVER, dhcp.OFFER, dhcp.REQUEST, dhcp.ACK)
DHCP_VARIANTS = ("order", "step", "broadcast", "address")

#: What each message does, for the order question.
DORA_ROLES: dict[str, Text] = {
    "Discover": t("Discover: {host} looks for a DHCP server", "Discover：{host} 寻找 DHCP 服务器"),
    "Offer": t("Offer: the server proposes an address", "Offer：服务器提供一个地址"),
    "Request": t(
        "Request: {host} asks for the offered address", "Request：{host} 请求使用所提供的地址"
    ),
    "ACK": t("ACK: the server confirms the lease", "ACK：服务器确认这份租约"),
}


def _draw_dhcp(rng: random.Random) -> Params:
    variant = rng.choice(DHCP_VARIANTS)
    clients = rng.randint(2, 4) if variant in ("step", "address") else rng.randint(1, 3)
    if variant == "address":
        pool = rng.randint(1, clients + 2)  # sometimes too few addresses for everyone
    else:
        pool = rng.choice((clients, 10, 20, 50))
    return {
        "variant": variant,
        "clients": clients,
        "pool_size": pool,
        # only the broadcast question is about the flag; the others run without it
        "broadcast_flag": variant == "broadcast" and rng.random() < 0.5,
        "host": rng.randrange(clients),
        "k": rng.randint(1, 4 * clients),
        "mix": rng.getrandbits(32),
    }


def _dhcp_options(p: Params) -> dhcp.DhcpOptions:
    return dhcp.DhcpOptions(
        clients=p["clients"], pool_size=p["pool_size"], broadcast_flag=p["broadcast_flag"]
    )


def _dhcp_command(p: Params) -> str:
    parts = [f"netlab simulate dhcp --clients {p['clients']}"]
    if p["pool_size"] != dhcp.DhcpOptions().pool_size:
        parts.append(f"--pool-size {p['pool_size']}")
    if p["broadcast_flag"]:
        parts.append("--broadcast-flag")
    return " ".join(parts)


def _dhcp_messages(trace: Trace, host: str) -> list[Step]:
    """The DHCP messages of ``host``'s first exchange (its transaction ID), in order."""
    xid = trace.params["xids"][host]
    return [s for s in trace.steps if s.protocol == "DHCP" and s.fields["xid"] == xid]


def _dhcp_lan(trace: Trace) -> Text:
    """The setting: the server and its pool, who is switched on when."""
    pool = trace.params["pool"]
    names = trace.params["clients"]
    server = trace.params["server"]["ip"]
    count = len(pool)
    if count == 1:
        hands = t(f"one address, {pool[0]}", f"1 个地址：{pool[0]}")
    else:
        hands = t(
            f"{count} addresses, {pool[0]} to {pool[-1]}",
            f"{count} 个地址：{pool[0]} 到 {pool[-1]}",
        )
    if len(names) == 1:
        hosts = t(f"host {names[0]} is switched on", f"主机 {names[0]} 开机")
    else:
        hosts = t(
            f"hosts {join_en(names)} are switched on one second apart, {names[0]} first",
            f"主机 {'、'.join(names)} 每隔一秒依次开机（{names[0]} 最先）",
        )
    return t(
        f"On a LAN whose DHCP server ({server}) hands out {hands['en']}, {hosts['en']}.",
        f"局域网上的 DHCP 服务器（{server}）可分配 {hands['zh']}；{hosts['zh']}。",
    )


def _flag(p: Params) -> Text:
    if p["broadcast_flag"]:
        return t(
            " The clients set the BROADCAST flag in their Discover and Request.",
            "客户端在 Discover 和 Request 中设置了 BROADCAST 标志。",
        )
    return t(
        " The clients leave the BROADCAST flag clear, as Linux's dhclient does.",
        "客户端没有设置 BROADCAST 标志（Linux 的 dhclient 就是这样做的）。",
    )


def _message_label(step: Step) -> Text:
    """ "Request from B" / "Offer to B"."""
    name = step.fields["message"]
    if step.src == dhcp.SERVER:
        return t(f"{name} from the server to {step.dst}", f"服务器发给 {step.dst} 的 {name}")
    return t(f"{name} from {step.src}", f"{step.src} 发出的 {name}")


def _how_sent(step: Step) -> Text:
    mac, ip = step.fields["eth_dst"], step.fields["ip_dst"]
    if mac == dhcp.BROADCAST_MAC:
        return t(f"broadcast (to {mac}, {ip})", f"广播（发往 {mac}、{ip}）")
    return t(f"unicast (to {mac}, {ip})", f"单播（发往 {mac}、{ip}）")


def _ask_dhcp(p: Params) -> Draft:
    trace = dhcp.build(_dhcp_options(p), frames=False)
    names = trace.params["clients"]
    host = names[p["host"]]
    lan = _dhcp_lan(trace)
    flag = _flag(p)
    mix = random.Random(p["mix"])
    see = _dhcp_command(p)
    variant = p["variant"]
    if variant == "order":
        exchange = _dhcp_messages(trace, host)[:4]
        order = [s.fields["message"] for s in exchange]
        choices = tuple(
            {lang: text.format(host=host) for lang, text in DORA_ROLES[name].items()}
            for name in order
        )
        return Draft(
            kind="order",
            prompt=t(
                f"{lan['en']} Put the four DHCP messages that give host {host} its address "
                "in the order they are sent.",
                f"{lan['zh']}请把让主机 {host} 获得地址的四条 DHCP 消息按发送顺序排列。",
            ),
            explanation=t(
                f"DORA: {' → '.join(order)}. {host} has no address, so it first discovers a "
                "server; the server offers an address; the client requests exactly that offer "
                "(telling any other server it was not chosen); the server acknowledges, and "
                "only then may the client use the address.",
                f"DORA：{' → '.join(order)}。{host} 还没有地址，所以先广播寻找服务器（Discover）；"
                "服务器提供一个地址（Offer）；客户端请求使用这个地址（Request，同时让其他服务器"
                "知道自己没被选中）；服务器确认（ACK）之后，客户端才能使用这个地址。",
            ),
            see=see,
            answer=None,
            choices=choices,
        )
    if variant == "step":
        first_round = [s for s in trace.steps if s.protocol == "DHCP"][: 4 * len(names)]
        step = first_round[p["k"] - 1]
        labels = [_message_label(s) for s in first_round]
        options = pick_others(mix, _message_label(step), labels, 3)
        owner = step.dst if step.src == dhcp.SERVER else step.src
        mine = [n for n, s in enumerate(first_round, 1) if owner in (s.src, s.dst)]
        per_host = t(
            "each gets its address well within its second",
            "每台都在这一秒之内拿到了地址",
        )
        return Draft(
            kind="single",
            prompt=t(
                f"{lan['en']} {per_host['en'].capitalize()}. Counting only DHCP messages on the "
                f"LAN, which is message number {p['k']}?",
                f"{lan['zh']}{per_host['zh']}。只数局域网上的 DHCP 消息，第 {p['k']} 条是哪一条？",
            ),
            explanation=t(
                f"Each host's exchange is four messages, Discover, Offer, Request, ACK, and one "
                f"host is done before the next one starts: messages {mine[0]} to "
                f"{mine[-1]} belong to {owner}. Message {p['k']} is the "
                f"{_message_label(step)['en']}, sent {_how_sent(step)['en']}.",
                f"每台主机的交换都是四条消息：Discover、Offer、Request、ACK，而且一台主机完成之后"
                f"下一台才开始：第 {mine[0]} 到第 {mine[-1]} 条属于 {owner}。"
                f"第 {p['k']} 条是{_message_label(step)['zh']}，"
                f"以{_how_sent(step)['zh']}方式发送。",
            ),
            see=see,
            answer=options.index(_message_label(step)),
            choices=tuple(options),
        )
    if variant == "broadcast":
        exchange = _dhcp_messages(trace, host)[:4]
        chosen = frozenset(
            i for i, s in enumerate(exchange) if s.fields["eth_dst"] == dhcp.BROADCAST_MAC
        )
        ways_en = "; ".join(f"{s.fields['message']} {_how_sent(s)['en']}" for s in exchange)
        ways_zh = "；".join(f"{s.fields['message']} {_how_sent(s)['zh']}" for s in exchange)
        if p["broadcast_flag"]:
            why = t(
                "With the BROADCAST flag set, the client says it cannot receive unicast before it "
                "has an address, so the server broadcasts its Offer and ACK too (RFC 2131 4.1). "
                "Few clients start that way today: Windows Vista did; Windows 7 and later start "
                "with the flag clear and set it only when their Discovers go unanswered.",
                "设置了 BROADCAST 标志，就是客户端声明自己在拿到地址前收不到单播，"
                "所以服务器的 Offer 和 ACK 也用广播发送（RFC 2131 4.1）。如今很少有客户端一开始就"
                "设置它：Windows Vista 会这样做；Windows 7 及以后的版本先不设置，"
                "只有 Discover 得不到应答时才改为设置。",
            )
        else:
            why = t(
                "The client has no address and knows no server, so Discover and Request are "
                "broadcast; with the BROADCAST flag clear, the server unicasts its Offer and ACK "
                "to the client's MAC and the offered address (RFC 2131 4.1).",
                "客户端没有地址、也不知道服务器在哪，所以 Discover 和 Request 都是广播；"
                "BROADCAST 标志没有设置，服务器就把 Offer 和 ACK 单播到客户端的 MAC 和所提供的"
                "地址（RFC 2131 4.1）。",
            )
        return Draft(
            kind="multiple",
            prompt=t(
                f"{lan['en']}{flag['en']} Which messages of host {host}'s exchange are sent to "
                "the broadcast MAC address ff:ff:ff:ff:ff:ff? Choose all that apply.",
                f"{lan['zh']}{flag['zh']}主机 {host} 的这次交换中，哪些消息发往广播 MAC 地址 "
                "ff:ff:ff:ff:ff:ff？选出所有正确项。",
            ),
            explanation=t(f"{why['en']} Here: {ways_en}.", f"{why['zh']}本例中：{ways_zh}。"),
            see=see,
            answer=chosen,
            choices=tuple(t(s.fields["message"], s.fields["message"]) for s in exchange),
        )
    # address
    got = trace.params["leases"][host]
    pool = trace.params["pool"]
    candidates: list[str | None] = [*dhcp.pool_addresses(dhcp.POOL_START, 4), None]
    options = pick_others(mix, got, candidates, 3)

    def said(ip: str | None) -> Text:
        if ip is None:
            return t("None: there is no address left", "拿不到：已经没有空闲地址了")
        return t(ip, ip)

    index = p["host"]
    gone = t(
        "its only address is taken" if len(pool) == 1 else f"its {len(pool)} addresses run out",
        "",
    )
    if got is None:
        first, second = dhcp.backoff(0), dhcp.backoff(1)
        why = t(
            f"The server gives the lowest free address to each host in turn, and "
            f"{gone['en']} before {host} asks: no Offer comes, and {host} keeps sending "
            f"Discovers, waiting {first} s, then {second} s, and so on.",
            f"服务器按顺序把最小的空闲地址分给每台主机，{len(pool)} 个地址在轮到 {host} 之前"
            f"就分完了：{host} 收不到 Offer，只能不断重发 Discover，"
            f"先等 {first} 秒，再等 {second} 秒，依此类推。",
        )
    else:
        why = t(
            f"The server offers the lowest free address of its pool, and {host} is host number "
            f"{index + 1} to ask: {host} gets {got}.",
            f"服务器总是提供地址池中最小的空闲地址，而 {host} 是第 {index + 1} 台来要地址的主机："
            f"{host} 得到 {got}。",
        )
    return Draft(
        kind="single",
        prompt=t(
            f"{lan['en']} Nobody had an address before, and the server offers each client the "
            f"lowest free address of its pool. Which address does host {host} get?",
            f"{lan['zh']}此前没有任何主机拿到过地址，服务器总是把地址池中最小的空闲地址提供给"
            f"客户端。主机 {host} 会得到哪个地址？",
        ),
        explanation=why,
        see=see,
        answer=options.index(got),
        choices=tuple(said(ip) for ip in options),
    )


RECIPES: tuple[Recipe, ...] = (Recipe("dhcp-order", "dhcp", _draw_dhcp, tidy(_ask_dhcp)),)
