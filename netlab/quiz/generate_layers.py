"""Generated questions about the layers: the PDU at a layer and the bytes each layer adds.

Owns the recipes ``layers-pdu`` and ``layers-header-bytes`` (``RECIPES``, registered by
``netlab.quiz.generate``). Each draws its parameters from a seeded ``random.Random``, builds
``netlab.sim.layers`` with ``frames=False`` (so no scapy is imported), reads the answer from the
Trace and words the question in English and Chinese, with a ``see`` command that shows the same
run. A PDU question offers no second choice that a textbook would also accept (IP's packet is
an "internet datagram" in RFC 791; some books call UDP's unit a segment), and asks only about
layers whose unit has a name in common use.

No printing, no files; the same seed always gives the same question.
"""

from __future__ import annotations

import random
import shlex
from typing import Any

from netlab.quiz.lan_terms import capital, joined, pick_others, tidy
from netlab.quiz.recipe import Draft, Params, Recipe, Text, t
from netlab.sim import layers

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

#: The PDU names, with the English term in the Chinese text (both are in use in class). The
#: unit the application hands down is a message, as the notes and ``simulate layers`` say.
PDU_NAMES: dict[str, Text] = {
    "message": t("message", "消息（message）"),
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

#: The layers a "what is the unit called" question may ask about: OSI's presentation and
#: session layers add no header here and have no unit name in common use (the notes leave
#: them blank), so a question about them would have no defensible answer.
NAMED_UNITS = ("application", "transport", "network", "data_link", "physical")

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

#: What a byte-count question asks for: the layer whose PDU is measured, or every header.
SIZES = ("frame", "packet", "transport", "headers")

FULL_WIDTH_COMMA = "，"


def pdu_of(row: dict[str, Any]) -> str:
    """The quiz's name (a ``PDU_NAMES`` key) of the unit in a layer row of the scenario."""
    return "message" if row["pdu"] == "data" else row["pdu"]


def also_right(layer: str, pdu: str) -> set[str]:
    """Names that are not this layer's usual name for ``pdu`` but that a textbook would still
    accept, and so must not be offered as wrong: RFC 791 calls IP's packet an internet
    datagram, and Kurose and Ross call UDP's unit a segment."""
    if layer == "network":
        return {"datagram"}
    if layer == "transport" and pdu == "datagram":
        return {"segment"}
    return set()


# -- the PDU at each layer -------------------------------------------------------------------------


def _draw_pdu(rng: random.Random) -> Params:
    model = rng.choice(layers.MODELS)
    keys = [info.key for info in layers.model_layers(model)]
    reverse = rng.random() < 0.35
    return {
        "model": model,
        "udp": rng.random() < 0.4,
        "reverse": reverse,  # the name is given, the layer is asked
        # the reverse question never starts from "message" (the layers above transport all
        # hand it down); a datagram (UDP) leaves the network layer out of its choices
        "layer": rng.choice(
            [k for k in keys if k in ("transport", "network", "data_link", "physical")]
            if reverse
            else [k for k in keys if k in NAMED_UNITS]
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
    en = "; ".join(f"{LAYER_NAMES[r['key']]['en']}: {PDU_NAMES[pdu_of(r)]['en']}" for r in rows)
    zh = "；".join(f"{LAYER_NAMES[r['key']]['zh']}：{PDU_NAMES[pdu_of(r)]['zh']}" for r in rows)
    return t(en, zh)


def _pdu_why(row: dict[str, Any], transport: str) -> Text:
    pdu, size = pdu_of(row), row["total_bytes"]
    if pdu in ("segment", "datagram"):
        return t(
            f"The transport layer puts the {transport} header in front of the message: TCP "
            "calls its unit a segment, UDP a datagram.",
            f"传输层在消息前面加上 {transport} 首部：TCP 的数据单元叫报文段，UDP 的叫数据报"
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
        "hand down is the application's message itself.",
        "传输层之上的各层在这里不加自己的首部：它们向下交付的就是应用程序的消息本身。",
    )


def _layers_command(model: str, udp: bool, message: str | None = None) -> str:
    parts = ["netlab simulate layers"]
    if message is not None:
        parts.append(f"--message {shlex.quote(message)}")
    parts.append(f"--model {model}")
    if udp:
        parts.append("--udp")
    return " ".join(parts)


def _with_article(pdu: str) -> str:
    """ "A segment", "A message", "Bits": the answer said as a sentence's start."""
    name = PDU_NAMES[pdu]["en"]
    return name.capitalize() if pdu == "bits" else f"A {name}"


def _ask_pdu(p: Params) -> Draft:
    model, udp, key = p["model"], p["udp"], p["layer"]
    trace = layers.build(layers.LayersOptions(model=model, udp=udp), frames=False)
    rows: list[dict[str, Any]] = trace.params["layers"]
    transport = trace.params["transport"]
    row = next(r for r in rows if r["key"] == key)
    pdu = pdu_of(row)
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
        name = PDU_NAMES[pdu]
        # a layer where the name is right too (IP's "internet datagram") is not offered
        others = [r for r in rows if r["key"] != key and pdu not in also_right(r["key"], pdu_of(r))]
        options = pick_others(mix, row, others, 3)
        if pdu == "datagram":
            why = joined(
                why,
                t(
                    " (RFC 791 calls IP's packet an internet datagram too, so the network layer "
                    "is not among the choices.)",
                    "（RFC 791 也把 IP 数据包称为数据报，所以选项里没有网络层。）",
                ),
            )
        return Draft(
            kind="single",
            prompt=t(
                f"An application sends a message over {transport}. In {model_name['en']}, at "
                f"which layer is the unit of data called a {name['en']}?",
                f"应用程序通过 {transport} 发送一条消息。在{model_name['zh']}中，"
                f"哪一层的数据单元（PDU）叫作{name['zh']}？",
            ),
            explanation=t(
                f"At {label['en']}. {why['en']} The units, top down: {listed['en']}."
                f"{mnemonic['en']}",
                f"在{label['zh']}。{why['zh']}自上而下各层的数据单元：{listed['zh']}。"
                f"{mnemonic['zh']}",
            ),
            see=see,
            answer=options.index(row),
            choices=tuple(capital(_layer_label(r)) for r in options),
        )
    names = [n for n in PDU_NAMES if n not in also_right(key, pdu)]
    options = pick_others(mix, pdu, names, 3)
    return Draft(
        kind="single",
        prompt=t(
            f"An application sends a message over {transport}. In {model_name['en']}, what is "
            f"the unit of data (PDU) at {label['en']} called?",
            f"应用程序通过 {transport} 发送一条消息。在{model_name['zh']}中，"
            f"{label['zh']}的数据单元（PDU）叫什么？",
        ),
        explanation=t(
            f"{_with_article(pdu)}. {why['en']} The units, top down: "
            f"{listed['en']}.{mnemonic['en']}",
            f"叫{PDU_NAMES[pdu]['zh']}。{why['zh']}自上而下各层的数据单元："
            f"{listed['zh']}。{mnemonic['zh']}",
        ),
        see=see,
        answer=options.index(pdu),
        choices=tuple(PDU_NAMES[n] for n in options),
    )


# -- the bytes each layer adds ---------------------------------------------------------------------


def _draw_bytes(rng: random.Random) -> Params:
    return {
        "message": rng.choice(LAYER_MESSAGES),
        "udp": rng.random() < 0.45,
        "size": rng.choice(SIZES),
    }


def utf8_note(message: str) -> Text:
    """How the message's bytes add up in UTF-8, saying only what is true of this message (its
    Chinese characters, a full-width comma if it has one, its ASCII characters); empty for
    a message in ASCII."""
    if message.isascii():
        return t("", "")
    ascii_count = sum(1 for ch in message if ch.isascii())
    commas = message.count(FULL_WIDTH_COMMA)
    han = sum(1 for ch in message if "\u4e00" <= ch <= "\u9fff")
    if ascii_count + commas + han != len(message):
        raise ValueError(f"no wording for the characters of {message!r}")
    three = han + commas
    total = len(message.encode())
    sum_text = f"{three} × 3 = {total}"
    if ascii_count:
        sum_text = f"{ascii_count} + {sum_text}"
    en = " In UTF-8 each Chinese character takes 3 bytes"
    zh = "在 UTF-8 中，每个汉字占 3 个字节"
    if commas:
        en += ", and so does the full-width comma (，)"
        zh += "，全角逗号（，）也占 3 个字节"
    if ascii_count:
        en += ", while each ASCII character takes 1"
        zh += "，而每个 ASCII 字符占 1 个字节"
    return t(f"{en}: {sum_text} bytes.", f"{zh}：{sum_text} 字节。")


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
            pad = layers.MIN_FRAME - frame
            note = t(
                f" That is below Ethernet's {layers.MIN_FRAME}-byte minimum, so the NIC pads "
                f"the frame with {pad} zero {'byte' if pad == 1 else 'bytes'} on the wire.",
                f"这不足以太网最短帧长 {layers.MIN_FRAME} 字节，网卡发送时会再补 "
                f"{pad} 个填充字节。",
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
    note = joined(note, utf8_note(message))
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


RECIPES: tuple[Recipe, ...] = (
    Recipe("layers-pdu", "osi", _draw_pdu, tidy(_ask_pdu)),
    Recipe("layers-header-bytes", "tcpip", _draw_bytes, tidy(_ask_bytes)),
)
