"""The generated questions about opening a connection and moving data: the handshake's numbers,
SYN retries, ACK and sequence numbers of data, Nagle's segments, header lengths and frame sizes.

Owns those recipes (``RECIPES``, registered by ``netlab.quiz.generate``). Each runs the scenario
that knows the answer without frames (``netlab.sim.handshake``, ``connection``), or, for the
frame size only, builds the real frames (scapy, imported only then). Pure: no printing.
"""

from __future__ import annotations

import itertools
import random
import shlex

from netlab.quiz.recipe import Draft as _Draft
from netlab.quiz.recipe import Params
from netlab.quiz.recipe import Recipe as _Recipe
from netlab.quiz.recipe import t as _t
from netlab.quiz.tcp_terms import (
    MESSAGES,
    MOD,
    MODES,
    data_options,
    draw_isn,
    in_ms,
    joined,
    lost_words,
    mod_sum,
    mode_options,
    option_sum,
    options_said,
    ordinal,
    quoted_list,
    sent_steps,
    stack_said,
    tcp_params,
    whole_seconds,
    wrap_note,
)
from netlab.sim import connection, handshake, layers
from netlab.sim.segment import Segment
from netlab.sim.stack import options_size
from netlab.sim.trace import Trace

# -- handshake -------------------------------------------------------------------------------------


def _draw_synack(rng: random.Random) -> Params:
    return {"isn_client": draw_isn(rng)}


def _ask_synack(p: Params) -> _Draft:
    isn = p["isn_client"]
    trace = handshake.build(tcp_params(isn_client=isn))
    synack = next(s.segment for s in sent_steps(trace) if s.segment.flags == "SA")
    ack_sum = mod_sum(f"{isn} + 1", isn + 1)
    stack = stack_said("linux")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} A client connects with initial sequence number (ISN) {isn}. "
            "What acknowledgment number does the server's SYN-ACK carry?",
            f"{stack['zh']}客户端以初始序列号（ISN）{isn} 发起连接。"
            "服务器回复的 SYN-ACK 携带的确认号是多少？",
        ),
        explanation=joined(
            _t(
                f"A SYN occupies one sequence number, so the server acknowledges ISN + 1: "
                f"{ack_sum}, the next number it expects from the client. The options in the "
                "SYN do not change the numbering.",
                f"SYN 占用一个序列号，所以服务器确认的是 ISN + 1：{ack_sum}，"
                "即它期望客户端发来的下一个序列号。SYN 中的选项不影响序号。",
            ),
            wrap_note(isn + 1),
        ),
        see=f"netlab simulate handshake --isn-client {isn}",
        answer=synack.ack,
    )


def _draw_final_ack(rng: random.Random) -> Params:
    return {"isn_client": rng.getrandbits(32), "isn_server": draw_isn(rng)}


def _ask_final_ack(p: Params) -> _Draft:
    isn_c, isn_s = p["isn_client"], p["isn_server"]
    trace = handshake.build(tcp_params(isn_client=isn_c, isn_server=isn_s))
    final = [s.segment for s in sent_steps(trace) if s.src == "client" and s.segment.flags == "A"]
    ack, seq = final[0].ack, final[0].seq
    ack_sum = mod_sum(f"{isn_s} + 1", isn_s + 1)
    stack = stack_said("linux")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} In a three-way handshake the client's ISN is {isn_c} and the "
            f"server's ISN is {isn_s}. What acknowledgment number does the third segment, the "
            "client's ACK, carry?",
            f"{stack['zh']}三次握手中，客户端的 ISN 是 {isn_c}，服务器的 ISN 是 {isn_s}。"
            "第三个报文段（客户端发出的 ACK）携带的确认号是多少？",
        ),
        explanation=joined(
            _t(
                f"The client acknowledges the server's SYN, which used one sequence number: "
                f"ack = server ISN + 1 = {ack_sum}. (Its own seq is client ISN + 1 = {seq}.)",
                f"客户端确认的是服务器的 SYN，而 SYN 占用一个序列号："
                f"ack = 服务器 ISN + 1 = {ack_sum}。（它自己的 seq 是客户端 ISN + 1 = {seq}。）",
            ),
            wrap_note(isn_s + 1),
        ),
        see=f"netlab simulate handshake --isn-client {isn_c} --isn-server {isn_s}",
        answer=ack,
    )


def _draw_syn_retry(rng: random.Random) -> Params:
    lost = rng.randint(1, 6)
    return {"lost": lost, "nth": rng.randint(2, lost + 1)}


def _ask_syn_retry(p: Params) -> _Draft:
    lost, nth = p["lost"], p["nth"]
    params = tcp_params(lose="syn", lose_times=lost)
    retries = params.stack.syn_retries
    trace = handshake.build(params)
    times = [s.time for s in sent_steps(trace) if s.src == "client" and s.segment.flags == "S"]
    if len(times) != lost + 1:
        raise ValueError(f"expected {lost + 1} SYNs, the simulation sent {len(times)}")
    when = whole_seconds(times[nth - 1])
    waits = [whole_seconds(b - a) for a, b in itertools.pairwise(times[:nth])]
    sum_text = " + ".join(str(w) for w in waits)
    at = f"{sum_text} = {when}" if len(waits) > 1 else f"{when}"
    lost_text = lost_words(lost)
    gaps = _t(", ".join(map(str, waits)), "、".join(map(str, waits)))
    if len(waits) == 1:
        gaps_said = _t(
            f"the first retransmission waits {gaps['en']} s", f"第一次重传等待 {gaps['zh']} 秒"
        )
    else:
        gaps_said = _t(
            f"the waits between SYNs are {gaps['en']} s",
            f"两次 SYN 之间依次等待 {gaps['zh']} 秒",
        )
    stack = stack_said("linux")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} The client's SYN {lost_text['en']}. The first SYN leaves at "
            "t = 0 s; the retransmission timeout starts at 1 s and doubles after every expiry, "
            f"and the client retransmits its SYN up to {retries} times before giving up. "
            f"At what time t, in seconds, does the client send its SYN for the "
            f"{ordinal(nth)} time?",
            f"{stack['zh']}客户端的 SYN {lost_text['zh']}。第一个 SYN 在 t = 0 秒发出；"
            f"重传超时（RTO）从 1 秒开始，每超时一次就翻倍，客户端最多重传 {retries} 次 SYN "
            f"才放弃。客户端第 {nth} 次发送 SYN 是在第几秒（t 等于多少）？",
        ),
        explanation=_t(
            f"Each retransmission waits twice as long as the one before (exponential back-off, "
            f"RFC 6298): {gaps_said['en']}, so SYN number {nth} leaves at t = {at} s, "
            f"that is 2^{nth - 1} - 1. (Linux's limit, net.ipv4.tcp_syn_retries = {retries}, "
            "is not reached.)",
            f"每次重传的等待时间是上一次的两倍（指数退避，RFC 6298）：{gaps_said['zh']}，"
            f"所以第 {nth} 个 SYN 在 t = {at} 秒发出，即 2^{nth - 1} - 1。"
            f"（没有达到 Linux 的上限 net.ipv4.tcp_syn_retries = {retries}。）",
        ),
        see=f"netlab simulate handshake --lose syn --lose-times {lost}",
        answer=when,
    )


# -- data on an established connection -------------------------------------------------------------


def _draw_messages(rng: random.Random, low: int) -> Params:
    count = rng.randint(low, 4)
    return {"isn_client": draw_isn(rng), "messages": rng.sample(MESSAGES, count)}


def _connection(messages: list[str], mode: str = "linux", **kw: object) -> Trace:
    """The client sends ``messages`` one write each, the server answers with its default reply."""
    data = [m.encode() for m in messages]
    return connection.build(tcp_params(mode, **kw), data, [])


def _data_segments(trace: Trace, src: str) -> list[Segment]:
    """The segments carrying ``src``'s data, first transmissions only, in order."""
    return [
        s.segment
        for s in sent_steps(trace)
        if s.src == src and s.segment.payload and not s.segment.retransmission
    ]


def _carrying(trace: Trace, src: str, offset: int) -> tuple[int, Segment]:
    """The sequence number of ``src``'s data byte number ``offset`` (counted from 0), and the
    segment that carries it."""
    start = 0
    for seg in _data_segments(trace, src):
        end = start + len(seg.payload)
        if start <= offset < end:
            return (seg.seq + offset - start) % MOD, seg
        start = end
    raise ValueError(f"no segment of the {src} carries data byte {offset}")


def _ask_data_ack(p: Params) -> _Draft:
    isn, messages = p["isn_client"], p["messages"]
    trace = _connection(messages, isn_client=isn)
    reply = next(s.segment for s in sent_steps(trace) if s.src == "server" and s.segment.payload)
    total = sum(len(m.encode()) for m in messages)
    listed = quoted_list(messages)
    n = len(messages)
    count = _t("one message" if n == 1 else f"{n} messages", f"{n} 条消息")
    carried = len(_data_segments(trace, "client"))
    stack = stack_said("linux")
    if carried == n:
        packing = _t("", "")
    else:
        packing = _t(
            f" Here Nagle's algorithm packed the {n} messages into {carried} segments; the "
            "acknowledgment number is the same however the bytes were packed.",
            f"这里 Nagle 算法把 {n} 条消息装进了 {carried} 个报文段；"
            "无论字节怎样分装，确认号都一样。",
        )
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} The client's ISN is {isn}. After the handshake it sends "
            f"{count['en']}: {listed['en']}. Once all the data has arrived, what "
            "acknowledgment number does the server send?",
            f"{stack['zh']}客户端的 ISN 是 {isn}。握手完成后，它发送了 {count['zh']}："
            f"{listed['zh']}。这些数据全部到达后，服务器发送的确认号是多少？",
        ),
        explanation=joined(
            _t(
                f"The acknowledgment number is the next byte the server expects: ISN + 1 (the "
                f"SYN) + {total} data bytes = {mod_sum(f'{isn} + 1 + {total}', isn + 1 + total)}. "
                "TCP counts bytes, not messages.",
                f"确认号是服务器期望收到的下一个字节的序号：ISN + 1（SYN 占一个）+ {total} "
                f"个数据字节 = {mod_sum(f'{isn} + 1 + {total}', isn + 1 + total)}。"
                "TCP 数的是字节，不是消息。",
            ),
            packing,
            wrap_note(isn + 1 + total),
        ),
        see=f"netlab simulate tcp --isn-client {isn} {data_options(messages)}",
        answer=reply.ack,
    )


def _draw_data_seq(rng: random.Random) -> Params:
    p = _draw_messages(rng, 2)
    p["mode"] = rng.choice(MODES)
    p["which"] = rng.randint(2, len(p["messages"]))  # the message asked about, counted from 1
    return p


def _ask_data_seq(p: Params) -> _Draft:
    isn, messages, mode, which = p["isn_client"], p["messages"], p["mode"], p["which"]
    trace = _connection(messages, mode, isn_client=isn)
    asked = messages[which - 1]
    before = sum(len(m.encode()) for m in messages[: which - 1])
    seq, seg = _carrying(trace, "client", before)
    listed = quoted_list(messages)
    first = (isn + 1) % MOD
    first_sum = mod_sum(f"{isn} + 1", isn + 1)
    seq_sum = mod_sum(f"{first} + {before}", first + before)
    stack = stack_said(mode)
    n = len(messages)
    lead = _t(
        f"{stack['en']} The client's ISN is {isn}. After the handshake its application calls "
        f"send() {n} times in a row: {listed['en']}.",
        f"{stack['zh']}客户端的 ISN 是 {isn}。握手完成后，它的应用程序连续调用了 {n} 次 "
        f"send()：{listed['zh']}。",
    )
    if mode == "linux":
        # Nagle's algorithm decides where the segments begin: ask for a byte's number, which
        # does not depend on it.
        question = _t(
            f" What sequence number does the first byte of the {ordinal(which)} message, "
            f'"{asked}", have?',
            f'第 {which} 条消息 "{asked}" 的第一个字节的序列号是多少？',
        )
        if seg.seq == seq:
            where = _t(
                f" In this run it is also the first byte of a segment (seq {seg.seq}).",
                f"在这次运行中，它也正好是一个报文段（seq {seg.seq}）的第一个字节。",
            )
        else:
            where = _t(
                f" In this run it travels inside a segment that starts at seq {seg.seq} "
                f"({len(seg.payload)} bytes): Nagle's algorithm held the later writes until the "
                "first segment was acknowledged, then sent them together. Every byte keeps its "
                "number however the bytes are packed.",
                f"在这次运行中，它位于一个从 seq {seg.seq} 开始的报文段（{len(seg.payload)} 字节）"
                "之内：Nagle 算法扣住了后面的几次写入，等第一个报文段被确认后才把它们一起发出。"
                "无论字节怎样分装，每个字节的序号都不变。",
            )
    else:
        if seg.seq != seq or seg.payload != asked.encode():
            raise ValueError(f"message {which} does not have a segment of its own in mode {mode}")
        question = _t(
            f" What sequence number does the segment carrying the {ordinal(which)} message, "
            f'"{asked}", have?',
            f'携带第 {which} 条消息 "{asked}" 的报文段的序列号是多少？',
        )
        where = _t("", "")
    return _Draft(
        kind="fill",
        prompt=joined(lead, question),
        explanation=joined(
            _t(
                f"The first data byte is numbered ISN + 1 = {first_sum}, since the SYN used "
                f'{isn}. Each byte takes one number, and {before} bytes go before "{asked}": '
                f"{seq_sum}.",
                f"SYN 用掉了 {isn}，所以第一个数据字节的序号是 ISN + 1 = {first_sum}。"
                f'每个字节占一个序号，"{asked}" 之前已有 {before} 个字节：{seq_sum}。',
            ),
            where,
            wrap_note(isn + 1 + before),
        ),
        see=f"netlab simulate tcp --isn-client {isn} {data_options(messages)}" + mode_options(mode),
        answer=seq,
    )


def _draw_nagle(rng: random.Random) -> Params:
    count = rng.randint(2, 5)
    mode = rng.choices(MODES, weights=(3, 1, 1))[0]
    return {"messages": rng.sample(MESSAGES, count), "mode": mode}


def _ask_nagle(p: Params) -> _Draft:
    messages, mode = p["messages"], p["mode"]
    trace = _connection(messages, mode)
    carried = _data_segments(trace, "client")
    count = len(carried)
    n = len(messages)
    rtt = in_ms(trace.params["rtt"])
    listed = quoted_list(messages)
    stack = stack_said(mode)
    if mode == "nodelay":  # said without its effect, which is what the question asks
        stack = _t(
            "Both hosts run netlab's default Linux stack, and the client's socket has "
            "TCP_NODELAY set.",
            "双方都运行 netlab 默认的 Linux 协议栈，客户端的套接字设置了 TCP_NODELAY。",
        )
    packets = " | ".join(f'"{seg.payload.decode()}"' for seg in carried)
    if mode == "linux":
        why = _t(
            "Nagle's algorithm (Minshall's variant, which Linux uses): the first write leaves at "
            "once, since no small segment is waiting for its ACK. Every later small write is "
            "held while that segment is unacknowledged, and everything held leaves together in "
            "one segment when its ACK arrives, one round trip later.",
            "Nagle 算法（Linux 使用的 Minshall 变体）：第一次写入立即发出，因为此时没有等待确认的"
            "小报文段。之后的每次小块写入都在该报文段未被确认期间被扣住，等它的 ACK 在一个往返"
            "之后到达时，扣住的数据合在一个报文段里一起发出。",
        )
    else:
        off = _t("TCP_NODELAY turns it off", "TCP_NODELAY 关闭了它")
        if mode == "minimal":
            off = _t("the minimal stack has none", "最简协议栈没有这个算法")
        why = _t(
            f"Without Nagle's algorithm ({off['en']}) every write leaves at once as its own "
            "segment, however small.",
            f"没有 Nagle 算法（{off['zh']}），每次写入无论多小，都立即作为单独的报文段发出。",
        )
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} Right after the handshake, the client's application calls send() "
            f"{n} times in a row, without waiting in between: {listed['en']}. Together they are "
            f"far less than one MSS, no segment is lost and the round-trip time is {rtt} ms. "
            "How many segments carrying data does the client send for them?",
            f"{stack['zh']}握手刚完成，客户端的应用程序就连续调用了 {n} 次 send()，中间没有等待："
            f"{listed['zh']}。它们加起来远小于一个 MSS，没有报文段丢失，往返时间为 {rtt} 毫秒。"
            "客户端一共发出几个携带数据的报文段来传送它们？",
        ),
        explanation=_t(
            f"{count}: {packets}. {why['en']}",
            f"{count} 个：{packets}。{why['zh']}",
        ),
        see=f"netlab simulate tcp {data_options(messages)}{mode_options(mode)}",
        answer=count,
    )


#: The segments a header-length question may ask about, and where the see command shows them.
HEADER_SEGMENTS = ("syn", "synack", "ack", "data", "fin")


def _draw_header(rng: random.Random) -> Params:
    return {
        "mode": rng.choice(("linux", "minimal")),
        "segment": rng.choice(HEADER_SEGMENTS),
        "unit": rng.choice(("bytes", "words")),
    }


def _pick_segment(trace: Trace, which: str) -> Segment:
    segs = [s.segment for s in sent_steps(trace)]
    if which == "syn":
        return next(s for s in segs if s.src == "client" and s.flags == "S")
    if which == "synack":
        return next(s for s in segs if s.src == "server" and s.flags == "SA")
    if which == "ack":
        return next(s for s in segs if s.src == "client" and s.flags == "A")
    if which == "data":
        return next(s for s in segs if s.src == "client" and s.payload)
    return next(s for s in segs if s.src == "client" and s.fin)


SEGMENT_NAMES = {
    "syn": _t("the client's SYN", "客户端的 SYN 报文段"),
    "synack": _t("the server's SYN-ACK", "服务器的 SYN-ACK 报文段"),
    "ack": _t("the client's ACK that completes the handshake", "客户端完成握手的 ACK 报文段"),
    "data": _t("the client's first data segment", "客户端的第一个数据报文段"),
    "fin": _t("the client's FIN", "客户端的 FIN 报文段"),
}


def _ask_header(p: Params) -> _Draft:
    mode, which, unit = p["mode"], p["segment"], p["unit"]
    in_handshake = which in ("syn", "synack", "ack")
    trace = (
        handshake.build(tcp_params(mode))
        if in_handshake
        else connection.build(tcp_params(mode), [], [])
    )
    seg = _pick_segment(trace, which)
    length = seg.header_len
    words = length // 4
    stack = stack_said(mode)
    name = SEGMENT_NAMES[which]
    options = options_said(seg)
    capital = name["en"][0].upper() + name["en"][1:]
    if unit == "bytes":
        ask = _t("How long is its TCP header, in bytes?", "它的 TCP 首部有多少字节？")
        answer = length
    else:
        ask = _t(
            "What value does its Data Offset field hold (the header's length counted in 32-bit "
            "words)?",
            "它的“数据偏移”字段（以 32 位字为单位的首部长度）的值是多少？",
        )
        answer = words
    if seg.options:
        sum_text = option_sum(seg)
        padded = options_size(seg.options)
        added = _t(
            f"the options add {sum_text['en']} bytes: 20 + {padded} = {length}",
            f"选项占 {sum_text['zh']} 字节：20 + {padded} = {length}",
        )
    else:
        added = _t(f"no options: {length}", f"没有选项：{length}")
    linux_note = _t("", "")
    if mode == "linux":
        linux_note = _t(
            " Linux offers MSS, SACK_PERM, Timestamps and Window scale in its SYN; once both "
            "SYNs carried Timestamps, every later segment carries it too (RFC 7323), hence 32 "
            "bytes rather than 20.",
            "Linux 在 SYN 中提供 MSS、SACK_PERM、Timestamps 和 Window scale；双方的 SYN 都带了 "
            "Timestamps 之后，之后的每个报文段也都带它（RFC 7323），所以是 32 字节而不是 20。",
        )
    see = (
        f"netlab simulate handshake{mode_options(mode)}"
        if in_handshake
        else f"netlab simulate tcp{mode_options(mode)}"
    )
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} {capital} {options['en']}. {ask['en']}",
            f"{stack['zh']}{name['zh']}{options['zh']}。{ask['zh']}",
        ),
        explanation=joined(
            _t(
                f"A TCP header is 20 bytes without options; {added['en']} bytes, that is "
                f"{length} / 4 = {words} words of 32 bits (the Data Offset field says {words}).",
                f"不带选项的 TCP 首部是 20 字节；{added['zh']} 字节，即 {length} / 4 = {words} "
                f"个 32 位字（“数据偏移”字段的值为 {words}）。",
            ),
            linux_note,
        ),
        see=see,
        answer=answer,
    )


# -- frames ----------------------------------------------------------------------------------------

#: The TCP segments a frame-size question may measure (all the client's, in ``simulate tcp``).
FRAME_SEGMENTS = ("syn", "ack", "data")


def _draw_frame(rng: random.Random) -> Params:
    message = rng.choice(MESSAGES)
    if rng.random() < 0.3:
        return {"transport": "udp", "message": message}
    return {
        "transport": "tcp",
        "mode": rng.choice(("linux", "minimal")),
        "segment": rng.choice(FRAME_SEGMENTS),
        "message": message,
    }


def _frame_sizes(p: Params) -> tuple[dict[str, int], Segment | None]:
    """The captured frame's size and its parts (ethernet, ip, transport, payload, total),
    measured on what the simulation built; and the TCP segment (None for UDP)."""
    data = p["message"].encode()
    if p["transport"] == "udp":
        trace = layers.build(layers.LayersOptions(message=data, udp=True), frames=False)
        rows = {r["key"]: r for r in trace.params["layers"]}
        sizes = {
            "ethernet": rows["data_link"]["header_bytes"],
            "ip": rows["network"]["header_bytes"],
            "transport": rows["transport"]["header_bytes"],
            "payload": rows["application"]["total_bytes"],
            "total": rows["data_link"]["total_bytes"],
        }
        return sizes, None
    # A real frame (scapy): the Ethernet and IPv4 headers measured, the TCP header as sent.
    trace = connection.build(tcp_params(p["mode"], frames=True), [data], [])
    which = p["segment"]
    step = next(
        s
        for s in sent_steps(trace)
        if s.src == "client"
        and (
            (which == "syn" and s.segment.flags == "S")
            or (which == "ack" and s.segment.flags == "A" and not s.segment.payload)
            or (which == "data" and s.segment.payload)
        )
    )
    frame = step.packet
    total = len(bytes(frame))
    ip_len = len(bytes(frame.payload))
    tcp_len = len(bytes(frame.payload.payload))
    seg = step.segment
    sizes = {
        "ethernet": total - ip_len,
        "ip": ip_len - tcp_len,
        "transport": seg.header_len,
        "payload": len(seg.payload),
        "total": total,
    }
    if sum(v for k, v in sizes.items() if k != "total") != total:
        raise ValueError(f"the frame's parts do not add up: {sizes}")
    return sizes, seg


def _ask_frame(p: Params) -> _Draft:
    sizes, seg = _frame_sizes(p)
    message = p["message"]
    n = len(message.encode())
    total = sizes["total"]
    eth, ip, l4 = sizes["ethernet"], sizes["ip"], sizes["transport"]
    if seg is None:
        name = _t("UDP datagram", "UDP 数据报")
        setting = _t(
            f'An application sends "{message}" ({n} bytes) in one UDP datagram over IPv4 on '
            "Ethernet; the IPv4 header has no options.",
            f'应用程序通过以太网上的 IPv4，用一个 UDP 数据报发送 "{message}"（{n} 字节）；'
            "IPv4 首部不带选项。",
        )
        header_said = _t(f"UDP {l4}", f"UDP {l4}")
        see = f"netlab simulate layers --udp --message {shlex.quote(message)} --detail"
    else:
        name = _t("TCP segment", "TCP 报文段")
        mode, which = p["mode"], p["segment"]
        stack = stack_said(mode)
        if which == "syn":
            what = _t("The client sends its SYN (no data).", "客户端发出它的 SYN（不带数据）。")
        elif which == "ack":
            what = _t(
                "The client sends the ACK that completes the handshake (no data).",
                "客户端发出完成握手的 ACK（不带数据）。",
            )
        else:
            what = _t(
                f'After the handshake the client sends "{message}" ({n} bytes) in one segment.',
                f'握手之后，客户端用一个报文段发送 "{message}"（{n} 字节）。',
            )
        options = options_said(seg)
        setting = _t(
            f"{stack['en']} {what['en']} Its TCP header {options['en']}; the IPv4 header has no "
            "options.",
            f"{stack['zh']}{what['zh']}它的 TCP 首部{options['zh']}；IPv4 首部不带选项。",
        )
        if seg.options:
            opt = option_sum(seg)
            header_said = _t(
                f"TCP {l4} (20 + {opt['en']} bytes of options)",
                f"TCP {l4}（20 + 选项 {opt['zh']}）",
            )
        else:
            header_said = _t(f"TCP {l4} (no options)", f"TCP {l4}（不带选项）")
        see = f"netlab simulate tcp --data {shlex.quote(message)}{mode_options(mode)} --detail"
    sum_text = f"{eth} + {ip} + {l4} + {sizes['payload']} = {total}"
    if total < layers.MIN_FRAME:
        pad = layers.MIN_FRAME - total
        padding = "the byte" if pad == 1 else f"the {pad} bytes"
        wire = _t(
            f" So: captured size {total} bytes, padded to {layers.MIN_FRAME} + {layers.FCS}-byte "
            f"FCS on the wire. The network card adds {padding} of padding and the FCS after the "
            "point where a capture on the sender sees the frame.",
            f"所以：抓包看到的大小是 {total} 字节，在线路上被填充到 {layers.MIN_FRAME} 字节，"
            f"再加 {layers.FCS} 字节的 FCS。{pad} 个填充字节和 FCS 是网卡"
            "在发送方抓包点之后加上的。",
        )
    else:
        wire = _t(
            f" On the wire the {layers.FCS}-byte FCS follows: {total + layers.FCS} bytes, plus "
            "the preamble.",
            f"线路上还要跟上 {layers.FCS} 字节的 FCS：{total + layers.FCS} 字节，另加前导码。",
        )
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{setting['en']} How many bytes long is this Ethernet frame as a capture on the "
            f"sending host shows it, from the destination MAC address to the end of the "
            f"{name['en']} (no preamble, no FCS and no padding: the network card adds those after "
            "the capture point)?",
            f"{setting['zh']}在发送方主机上抓包，这个以太网帧从目的 MAC 地址到 {name['zh']}末尾"
            "有多少字节（不算前导码、FCS 和填充，它们是网卡在抓包点之后加上的）？",
        ),
        explanation=joined(
            _t(
                f"Each layer adds its header: Ethernet {eth}, IPv4 {ip}, {header_said['en']}, "
                f"then the {sizes['payload']} bytes of data. {sum_text} bytes.",
                f"每一层都加上自己的首部：以太网 {eth}、IPv4 {ip}、{header_said['zh']}，"
                f"然后是 {sizes['payload']} 字节数据。{sum_text} 字节。",
            ),
            wire,
        ),
        see=see,
        answer=total,
    )


RECIPES = (
    _Recipe("handshake-synack-ack", "handshake", _draw_synack, _ask_synack),
    _Recipe("handshake-final-ack", "handshake", _draw_final_ack, _ask_final_ack),
    _Recipe("handshake-syn-retry", "handshake", _draw_syn_retry, _ask_syn_retry),
    _Recipe("tcp-data-ack", "tcp-udp", lambda rng: _draw_messages(rng, 1), _ask_data_ack),
    _Recipe("tcp-data-seq", "tcp-udp", _draw_data_seq, _ask_data_seq),
    _Recipe("tcp-header-length", "tcp-udp", _draw_header, _ask_header),
    _Recipe("tcp-nagle-segments", "sticky", _draw_nagle, _ask_nagle),
)

#: The frame-size question (listed after the addressing ones: it keeps its place in the quiz).
FRAME = _Recipe("frame-size", "tcp-udp", _draw_frame, _ask_frame, needs_scapy=True)
