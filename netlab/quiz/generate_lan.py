"""Generated questions about the path of a message: layers, DHCP, DNS and NAT.

Owns the question recipes computed by the LAN scenarios of issue 5: the PDU name at a layer and
the bytes each layer adds (``netlab.sim.layers``), the order, addressing and broadcasts of
DHCP's Discover, Offer, Request and ACK (``netlab.sim.dhcp``), the servers, header flags and
upstream queries of a DNS resolution (``netlab.sim.dns``), and what a PAT router does to a
packet's addresses and ports (``netlab.sim.nat``). Each recipe draws its parameters from a
seeded ``random.Random``, builds the scenario with ``frames=False`` (so no scapy is imported),
reads the answer from the Trace and words the question in English and Chinese, with a ``see``
command that shows the same run. ``netlab.quiz.generate`` registers ``RECIPES`` with the others.

No printing, no files; the same seed always gives the same question.
"""

from __future__ import annotations

import random
import re
import shlex
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from netlab.quiz.recipe import Draft, Params, Recipe, Text, t
from netlab.sim import dhcp, dns, layers, nat
from netlab.sim.trace import Step, Trace

# -- shared pieces ---------------------------------------------------------------------------------

#: The layers' names, as ``layers.layer.*`` in the catalogue says them.
LAYER_NAMES: dict[str, Text] = {
    "application": t("application", "应用层"),
    "presentation": t("presentation", "表示层"),
    "session": t("session", "会话层"),
    "transport": t("transport", "传输层"),
    "network": t("network", "网络层"),
    "data_link": t("data link", "数据链路层"),
    "physical": t("physical", "物理层"),
}

#: The PDU names, with the English term in the Chinese text (both are in use in class).
PDU_NAMES: dict[str, Text] = {
    "data": t("data", "数据（data）"),
    "segment": t("segment", "报文段（segment）"),
    "datagram": t("datagram", "数据报（datagram）"),
    "packet": t("packet", "数据包（packet）"),
    "frame": t("frame", "帧（frame）"),
    "bits": t("bits", "比特（bits）"),
}

MODEL_NAMES: dict[str, Text] = {
    "osi": t("the seven-layer OSI model", "OSI 七层模型"),
    "tcpip": t("the five-layer TCP/IP model", "五层 TCP/IP 模型"),
}

#: Messages of many lengths for the byte-count questions, a few of them Chinese: three bytes a
#: character in UTF-8, which is what goes on the wire.
LAYER_MESSAGES = (
    "hi",
    "ping",
    "hello",
    "netlab",
    "USER alice",
    "0123456789",
    "GET / HTTP/1.1",
    "sticky packets",
    "HELO mail.example.com",
    "TCP is a byte stream",
    "GET /index.html HTTP/1.1",
    "The quick brown fox jumps over the lazy dog",
    "你好",
    "你好，世界",
    "网络实验室",
    "hello, 世界",
)

#: Names to resolve: example domains and a few real-looking ones under other TLDs (the
#: simulation invents their servers and addresses, all in documentation ranges).
DNS_NAMES = (
    "www.example.com",
    "mail.example.com",
    "example.com",
    "ftp.example.net",
    "blog.example.org",
    "www.python.org",
    "docs.python.org",
    "www.bbc.co.uk",
    "www.tsinghua.edu.cn",
)
DNS_TYPES = ("A", "A", "AAAA", "MX")


_CJK_THEN_LATIN = re.compile(r"([\u4e00-\u9fff])([A-Za-z0-9])")
_LATIN_THEN_CJK = re.compile(r"([A-Za-z0-9])([\u4e00-\u9fff])")


def _spaced(text: str) -> str:
    """Chinese text with a space between a Chinese character and a Latin letter or digit, as
    the rest of netlab writes it ("在 OSI 模型中", "第 3 层")."""
    return _LATIN_THEN_CJK.sub(r"\1 \2", _CJK_THEN_LATIN.sub(r"\1 \2", text))


def _tidy(ask: Callable[[Params], Draft]) -> Callable[[Params], Draft]:
    """``ask``, with the spacing of its Chinese texts made regular."""

    def tidy(p: Params) -> Draft:
        draft = ask(p)

        def fix(text: Text) -> Text:
            return {**text, "zh": _spaced(text["zh"])}

        return replace(
            draft,
            prompt=fix(draft.prompt),
            explanation=fix(draft.explanation),
            choices=tuple(fix(c) for c in draft.choices),
        )

    return tidy


def _join_en(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pick_others(rng: random.Random, answer: Any, pool: list[Any], count: int) -> list[Any]:
    """``count`` distractors from ``pool`` (never the answer), and the answer, in an order
    drawn from ``rng``; the answer's place is wherever it lands."""
    others = rng.sample([x for x in pool if x != answer], count)
    others.insert(rng.randrange(count + 1), answer)
    return others


# -- layers: the PDU at each layer -----------------------------------------------------------------


def _draw_pdu(rng: random.Random) -> Params:
    model = rng.choice(layers.MODELS)
    keys = [info.key for info in layers.model_layers(model)]
    reverse = rng.random() < 0.35
    return {
        "model": model,
        "udp": rng.random() < 0.4,
        "reverse": reverse,  # the name is given, the layer is asked
        # the reverse question never names "data" (several layers) or "datagram" (IP's
        # packet is an "internet datagram" too): it starts from a layer that has neither
        "layer": rng.choice(
            [k for k in keys if k in ("transport", "network", "data_link", "physical")]
            if reverse
            else keys
        ),
        "mix": rng.getrandbits(32),
    }


def _layer_label(row: dict[str, Any]) -> Text:
    name = LAYER_NAMES[row["key"]]
    return t(
        f"the {name['en']} layer (layer {row['number']})",
        f"{name['zh']}（第 {row['number']} 层）",
    )


def _pdu_list(rows: list[dict[str, Any]]) -> Text:
    en = "; ".join(f"{LAYER_NAMES[r['key']]['en']}: {PDU_NAMES[r['pdu']]['en']}" for r in rows)
    zh = "；".join(f"{LAYER_NAMES[r['key']]['zh']}：{PDU_NAMES[r['pdu']]['zh']}" for r in rows)
    return t(en, zh)


def _pdu_why(row: dict[str, Any], transport: str) -> Text:
    pdu, size = row["pdu"], row["total_bytes"]
    if pdu in ("segment", "datagram"):
        return t(
            f"The transport layer puts the {transport} header in front of the data: TCP calls "
            "its unit a segment, UDP a datagram.",
            f"传输层在数据前面加上 {transport} 首部：TCP 的数据单元叫报文段，UDP 的叫数据报"
            "（用户数据报）。",
        )
    if pdu == "packet":
        return t(
            "The network layer adds the IPv4 header with the two IP addresses; the unit is a "
            "packet (RFC 791 calls it an internet datagram, not to be confused with UDP's).",
            "网络层加上带有源、目的 IP 地址的 IPv4 首部，这一层的单元叫数据包（分组）；"
            "RFC 791 也称之为 IP 数据报，注意别和 UDP 的数据报混淆。",
        )
    if pdu == "frame":
        return t(
            "The data link layer adds the Ethernet header with the MAC addresses (and the NIC "
            "the FCS trailer): the unit is a frame.",
            "数据链路层加上带有 MAC 地址的以太网首部（网卡还会在末尾加上 FCS）：这一层的单元叫帧。",
        )
    if pdu == "bits":
        return t(
            f"The physical layer adds no header: it sends the frame as a stream of bits, "
            f"{size} bytes = {size * 8} bits.",
            f"物理层不加首部：它把帧作为比特流发送出去，{size} 字节 = {size * 8} 比特。",
        )
    return t(
        "The layers above the transport layer add no header of their own here: what they "
        "hand down is just the data (the message).",
        "传输层之上的各层在这里不加自己的首部：它们向下交付的就是数据（消息本身）。",
    )


def _layers_command(model: str, udp: bool, message: str | None = None) -> str:
    parts = ["netlab simulate layers"]
    if message is not None:
        parts.append(f"--message {shlex.quote(message)}")
    parts.append(f"--model {model}")
    if udp:
        parts.append("--udp")
    return " ".join(parts)


def _ask_pdu(p: Params) -> Draft:
    model, udp, key = p["model"], p["udp"], p["layer"]
    trace = layers.build(layers.LayersOptions(model=model, udp=udp), frames=False)
    rows: list[dict[str, Any]] = trace.params["layers"]
    transport = trace.params["transport"]
    row = next(r for r in rows if r["key"] == key)
    mix = random.Random(p["mix"])
    model_name = MODEL_NAMES[model]
    label = _layer_label(row)
    listed = _pdu_list(rows)
    why = _pdu_why(row, transport)
    see = _layers_command(model, udp)
    mnemonic = (
        t(
            " (Top down: All People Seem To Need Data Processing.)",
            "（自上而下的口诀：应、表、会、传、网、数、物。）",
        )
        if model == "osi"
        else t("", "")
    )
    if p["reverse"]:
        pdu = PDU_NAMES[row["pdu"]]
        others = [r for r in rows if r["key"] != key]
        options = _pick_others(mix, row, others, 3)
        return Draft(
            kind="single",
            prompt=t(
                f"An application sends a message over {transport}. In {model_name['en']}, at "
                f"which layer is the unit of data called a {pdu['en']}?",
                f"应用程序通过 {transport} 发送一条消息。在{model_name['zh']}中，"
                f"哪一层的数据单元（PDU）叫作{pdu['zh']}？",
            ),
            explanation=t(
                f"At {label['en']}. {why['en']} The units, top down: {listed['en']}."
                f"{mnemonic['en']}",
                f"在{label['zh']}。{why['zh']}自上而下各层的数据单元：{listed['zh']}。"
                f"{mnemonic['zh']}",
            ),
            see=see,
            answer=options.index(row),
            choices=tuple(_capital(_layer_label(r)) for r in options),
        )
    names = [n for n in PDU_NAMES if not (key == "network" and n == "datagram")]
    options = _pick_others(mix, row["pdu"], names, 3)
    return Draft(
        kind="single",
        prompt=t(
            f"An application sends a message over {transport}. In {model_name['en']}, what is "
            f"the unit of data (PDU) at {label['en']} called?",
            f"应用程序通过 {transport} 发送一条消息。在{model_name['zh']}中，"
            f"{label['zh']}的数据单元（PDU）叫什么？",
        ),
        explanation=t(
            f"{_with_article(row['pdu'])}. {why['en']} The units, top down: "
            f"{listed['en']}.{mnemonic['en']}",
            f"叫{PDU_NAMES[row['pdu']]['zh']}。{why['zh']}自上而下各层的数据单元："
            f"{listed['zh']}。{mnemonic['zh']}",
        ),
        see=see,
        answer=options.index(row["pdu"]),
        choices=tuple(PDU_NAMES[n] for n in options),
    )


def _capital(text: Text) -> Text:
    """The English text with a capital first letter (a choice starts like a sentence)."""
    return {**text, "en": text["en"][:1].upper() + text["en"][1:]}


def _with_article(pdu: str) -> str:
    """ "A segment", "Data", "Bits": the answer said as a sentence's start."""
    name = PDU_NAMES[pdu]["en"]
    return name.capitalize() if pdu in ("data", "bits") else f"A {name}"


# -- layers: the bytes each layer adds -------------------------------------------------------------

#: What a byte-count question asks for: the layer whose PDU is measured, or every header.
SIZES = ("frame", "packet", "transport", "headers")


def _draw_bytes(rng: random.Random) -> Params:
    return {
        "message": rng.choice(LAYER_MESSAGES),
        "udp": rng.random() < 0.45,
        "size": rng.choice(SIZES),
    }


def _ask_bytes(p: Params) -> Draft:
    message, udp, size = p["message"], p["udp"], p["size"]
    data = message.encode()
    trace = layers.build(layers.LayersOptions(message=data, udp=udp), frames=False)
    rows = {r["key"]: r for r in trace.params["layers"]}
    transport = trace.params["transport"]
    n = len(data)
    eth, ip, l4 = (rows[k]["header_bytes"] for k in ("data_link", "network", "transport"))
    frame = rows["data_link"]["total_bytes"]
    unit = t("segment", "报文段") if transport == "TCP" else t("datagram", "数据报")
    terms_en = {"eth": f"Ethernet {eth}", "ip": f"IPv4 {ip}", "l4": f"{transport} {l4}"}
    terms_zh = {"eth": f"以太网 {eth}", "ip": f"IPv4 {ip}", "l4": f"{transport} {l4}"}
    terms_en["msg"], terms_zh["msg"] = f"message {n}", f"消息 {n}"
    note = t("", "")
    if size == "frame":
        answer, parts = frame, ("eth", "ip", "l4", "msg")
        what = t(
            "long is the Ethernet frame, from the destination MAC address to the end of the "
            "data (no preamble, no FCS)",
            "以太网帧（从目的 MAC 地址到数据末尾，不算前导码和 FCS）有多少字节",
        )
        if frame < layers.MIN_FRAME:
            note = t(
                f" That is below Ethernet's {layers.MIN_FRAME}-byte minimum, so the NIC pads "
                f"the frame with {layers.MIN_FRAME - frame} zero bytes on the wire.",
                f"这不足以太网最短帧长 {layers.MIN_FRAME} 字节，网卡发送时会再补 "
                f"{layers.MIN_FRAME - frame} 个填充字节。",
            )
    elif size == "packet":
        answer, parts = rows["network"]["total_bytes"], ("ip", "l4", "msg")
        what = t(
            "long is the IP packet (the value of the IPv4 header's Total Length field)",
            "IP 数据包（即 IPv4 首部“总长度”字段的值）有多少字节",
        )
        note = t(
            " The Ethernet header is not part of the IP packet: it wraps it.",
            "以太网首部不属于 IP 数据包，它是包在数据包外面的。",
        )
    elif size == "transport":
        answer, parts = rows["transport"]["total_bytes"], ("l4", "msg")
        what = t(
            f"long is the {transport} {unit['en']}, its header included",
            f"这个 {transport} {unit['zh']}（含首部）有多少字节",
        )
    else:
        answer, parts = frame - n, ("eth", "ip", "l4")
        what = t(
            "do all the headers in the frame (Ethernet, IP and transport) add up to",
            "帧里所有首部（以太网、IP 和传输层）加起来有多少字节",
        )
        note = t(" The message itself is not a header.", "消息本身不是首部。")
    sum_en = " + ".join(terms_en[k] for k in parts) + f" = {answer} bytes"
    sum_zh = " + ".join(terms_zh[k] for k in parts) + f" = {answer} 字节"
    if transport == "TCP":
        options = t("IP or TCP options", "IP 和 TCP 都不带选项")
    else:
        options = t("IP options", "IP 不带选项")
    if any(ord(ch) > 0x7F for ch in message):
        note = _join(
            note,
            t(
                " In UTF-8 each Chinese character (and the full-width comma) takes 3 bytes.",
                "在 UTF-8 中，每个汉字（以及全角逗号）占 3 个字节。",
            ),
        )
    return Draft(
        kind="fill",
        prompt=t(
            f'A client sends the message "{message}" ({n} bytes in UTF-8) to a server over '
            f"{transport}, IPv4 and Ethernet (no {options['en']}). How many bytes {what['en']}?",
            f"客户端通过 {transport}、IPv4 和以太网把消息“{message}”（UTF-8 编码共 {n} 字节）"
            f"发给服务器（{options['zh']}）。{what['zh']}？",
        ),
        explanation=t(
            f"Going down, each layer puts its header in front of what it was handed: {sum_en}. "
            f"A TCP header without options is 20 bytes, a UDP header always 8.{note['en']}",
            f"向下经过每一层，都会在上一层交来的内容前面加上本层的首部：{sum_zh}。"
            f"不带选项的 TCP 首部是 20 字节，UDP 首部总是 8 字节。{note['zh']}",
        ),
        see=_layers_command("tcpip", udp, message),
        answer=answer,
    )


def _join(a: Text, b: Text) -> Text:
    return {lang: a[lang] + b[lang] for lang in a}


# -- DHCP ------------------------------------------------------------------------------------------

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
            f"hosts {_join_en(names)} are switched on one second apart, {names[0]} first",
            f"主机 {'、'.join(names)} 每隔一秒依次开机（{names[0]} 最先）",
        )
    return t(
        f"On a LAN whose DHCP server ({server}) hands out {hands['en']}, {hosts['en']}.",
        f"局域网上的 DHCP 服务器（{server}）可分配 {hands['zh']}；{hosts['zh']}。",
    )


def _flag(p: Params) -> Text:
    if p["broadcast_flag"]:
        return t(
            " The clients set the BROADCAST flag, as Windows does.",
            "客户端设置了 BROADCAST 标志（Windows 就是这样做的）。",
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
        options = _pick_others(mix, _message_label(step), labels, 3)
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
                f"host is done before the next one starts: messages {4 * p['host'] + 1} to "
                f"{4 * p['host'] + 4} belong to {host}. Message {p['k']} is the "
                f"{_message_label(step)['en']}, sent {_how_sent(step)['en']}.",
                f"每台主机的交换都是四条消息：Discover、Offer、Request、ACK，而且一台主机完成之后"
                f"下一台才开始：第 {4 * p['host'] + 1} 到第 {4 * p['host'] + 4} 条属于 {host}。"
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
                "has an address, so the server broadcasts its Offer and ACK too.",
                "设置了 BROADCAST 标志，就是客户端声明自己在拿到地址前收不到单播，"
                "所以服务器的 Offer 和 ACK 也用广播发送。",
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
    options = _pick_others(mix, got, candidates, 3)

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
        why = t(
            f"The server gives the lowest free address to each host in turn, and "
            f"{gone['en']} before {host} asks: no Offer "
            f"comes, and {host} keeps sending Discovers, waiting 4 s, then 8 s, and so on.",
            f"服务器按顺序把最小的空闲地址分给每台主机，{len(pool)} 个地址在轮到 {host} 之前"
            f"就分完了：{host} 收不到 Offer，只能不断重发 Discover，"
            "先等 4 秒，再等 8 秒，依此类推。",
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
            f"{lan['en']} Nobody had an address before. Which address does host {host} get?",
            f"{lan['zh']}此前没有任何主机拿到过地址。主机 {host} 会得到哪个地址？",
        ),
        explanation=why,
        see=see,
        answer=options.index(got),
        choices=tuple(said(ip) for ip in options),
    )


# -- DNS -------------------------------------------------------------------------------------------

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
        order = _pick_others(mix, asked, nodes, 2)
        laptop = trace.params["laptop_ip"]
        choices = [_capital(_server_text(trace, n)) for n in order]
        stub = t(
            f"Nobody: it passes the referral back to the laptop ({laptop}), which asks next",
            f"谁也不问：它把这个转介交回给笔记本（{laptop}），由笔记本接着去问",
        )
        choices.insert(mix.randrange(4), stub)
        answer = choices.index(_capital(_server_text(trace, asked)))
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
    servers_en = _join_en([trace.params["servers"][n]["host"] for n in asked_list])
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


# -- NAT -------------------------------------------------------------------------------------------


def _draw_nat(rng: random.Random) -> Params:
    hosts = rng.randint(2, 4)
    flows = rng.randint(2, 6)
    return {
        "hosts": hosts,
        "flows": flows,
        "seed": rng.randrange(10_000) if rng.random() < 0.8 else None,
        # half the time the flow where B reuses A's source port: the one PAT must change
        "flow": 1 if rng.random() < 0.5 else rng.randrange(flows),
        "direction": rng.choice(("out", "in")),
        "mix": rng.getrandbits(32),
    }


def _nat_command(p: Params) -> str:
    parts = [f"netlab simulate nat --hosts {p['hosts']} --flows {p['flows']}"]
    if p["seed"] is not None:
        parts.append(f"--seed {p['seed']}")
    return " ".join(parts)


def _table_text(rows: list[dict[str, Any]]) -> Text:
    if not rows:
        return t("The translation table is empty.", "转换表是空的。")
    en = "; ".join(f"{r['proto']} {r['inside_local']} ↔ {r['inside_global']}" for r in rows)
    zh = "；".join(f"{r['proto']} {r['inside_local']} ↔ {r['inside_global']}" for r in rows)
    return t(
        f"The translation table (inside local ↔ inside global) holds: {en}.",
        f"转换表（内部本地 ↔ 内部全局）中已有：{zh}。",
    )


def _what_sent(proto: str) -> Text:
    if proto == "TCP":
        return t("a TCP SYN", "一个 TCP SYN")
    return t("a DNS query over UDP", "一个 UDP 上的 DNS 查询")


def _ask_nat(p: Params) -> Draft:
    trace = nat.build(
        nat.NatOptions(mode="pat", hosts=p["hosts"], flows=p["flows"], seed=p["seed"]),
        frames=False,
    )
    flow = trace.params["flow_plan"][p["flow"]]
    public = trace.params["nat_outside"]
    host, proto = flow["host"], flow["proto"]
    local, server = flow["inside_local"], flow["outside"]
    local_ip, sport = local.rsplit(":", 1)
    # the packet on the inside link, and what nat made of it on the outside
    sent = next(
        s for s in trace.steps if s.src == host and s.dst == "nat" and s.fields.get("src") == local
    )
    out = next(
        s
        for s in trace.steps[sent.index :]
        if s.src == "nat" and s.fields.get("translated") == "src"
    )
    outside = out.fields["src"]
    setting = t(
        f"Hosts on 192.168.1.0/24 reach the Internet through a PAT router (NAPT) whose "
        f"public address is {public}. It keeps a host's source port whenever that port is "
        "still free for the protocol on its public address, and picks another one otherwise.",
        f"192.168.1.0/24 上的主机通过一台 PAT（NAPT）路由器上网，它的公网地址是 {public}。"
        "只要某个源端口在这个公网地址上（对该协议）还没被占用，路由器就保留主机原来的端口，"
        "否则另选一个。",
    )
    what = _what_sent(proto)
    _, glob_port = outside.rsplit(":", 1)
    if glob_port == sport:
        why = t(
            f"No mapping uses {proto} port {sport} on {public} yet, so the router keeps the "
            f"port and replaces only the address: {local} becomes {outside}.",
            f"{public} 上还没有映射使用 {proto} 端口 {sport}，所以路由器保留端口、只替换地址："
            f"{local} 变成 {outside}。",
        )
    else:
        holder = next(
            r
            for r in sent.tables["nat:nat"]
            if r["proto"] == proto and r["inside_global"] == f"{public}:{sport}"
        )
        why = t(
            f"{public}:{sport} is already taken for {proto} by {holder['inside_local']}. Two "
            f"mappings with the same public port could not be told apart when the replies "
            f"come back, so the router gives {host} another port: {local} becomes {outside}.",
            f"{public}:{sport} 已经被 {holder['inside_local']} 的 {proto} 映射占用了。"
            f"两个映射若用同一个公网端口，回来的响应就分不清该交给谁，所以路由器给 {host} "
            f"换了一个端口：{local} 变成 {outside}。",
        )
    if p["direction"] == "out":
        mix = random.Random(p["mix"])
        wrong_port = next(
            port
            for port in iter(lambda: mix.randint(*nat.EPHEMERAL), None)
            if str(port) not in (sport, glob_port)
        )
        other_public = nat.public_ip(1)
        candidates = [
            outside,
            local,
            f"{public}:{sport}" if glob_port != sport else f"{public}:{wrong_port}",
            f"{other_public}:{sport}",
        ]
        options = _pick_others(mix, outside, candidates, 3)
        said = {
            local: t(f"{local} (unchanged)", f"{local}（不变）"),
        }
        return Draft(
            kind="single",
            prompt=t(
                f"{setting['en']} {_table_text(sent.tables['nat:nat'])['en']} Now host {host} "
                f"({local_ip}) sends {what['en']} from port {sport} to {server}. What source "
                "address and port does the packet carry on the outside?",
                f"{setting['zh']}{_table_text(sent.tables['nat:nat'])['zh']}现在主机 {host}"
                f"（{local_ip}）从端口 {sport} 向 {server} 发出{what['zh']}。"
                "这个分组到了外网时，源地址和端口是什么？",
            ),
            explanation=t(
                f"{why['en']} PAT has one public address; replies to {outside} go back to {local}.",
                f"{why['zh']}PAT 只有一个公网地址；发往 {outside} 的响应会被转回 {local}。",
            ),
            see=_nat_command(p),
            answer=options.index(outside),
            choices=tuple(said.get(o, t(o, o)) for o in options),
        )
    reply = next(
        s
        for s in trace.steps[out.index :]
        if s.src == "nat"
        and s.fields.get("translated") == "dst"
        and s.fields["dst_before"] == outside
    )
    back = reply.fields["dst"]
    came = next(s for s in trace.steps[out.index : reply.index] if s.dst == "nat")
    return Draft(
        kind="fill",
        prompt=t(
            f"{setting['en']} {_table_text(came.tables['nat:nat'])['en']} A reply comes in from "
            f"{server} to {outside}. To which address and port does the router send it on the "
            "inside? (Answer as address:port.)",
            f"{setting['zh']}{_table_text(came.tables['nat:nat'])['zh']}一个响应从 {server} "
            f"发往 {outside}。路由器在内网把它转发到哪个地址和端口？（按“地址:端口”作答。）",
        ),
        explanation=t(
            f"The router looks up {proto} {outside} in the inside-global column and puts back "
            f"the inside local address and port: {back}, host {host}. When {host}'s packet went "
            f"out: {why['en']}",
            f"路由器在“内部全局”一列里查找 {proto} {outside}，把目的地址和端口换回对应的"
            f"内部本地地址和端口：{back}，即主机 {host}。当初 {host} 的分组出去时：{why['zh']}",
        ),
        see=_nat_command(p),
        answer=(back,),
    )


# -- the catalogue ---------------------------------------------------------------------------------

RECIPES: tuple[Recipe, ...] = (
    Recipe("layers-pdu", "osi", _draw_pdu, _tidy(_ask_pdu)),
    Recipe("layers-header-bytes", "tcpip", _draw_bytes, _tidy(_ask_bytes)),
    Recipe("dhcp-order", "dhcp", _draw_dhcp, _tidy(_ask_dhcp)),
    Recipe("dns-referral", "dns", _draw_dns, _tidy(_ask_dns)),
    Recipe("nat-translation", "nat", _draw_nat, _tidy(_ask_nat)),
)
