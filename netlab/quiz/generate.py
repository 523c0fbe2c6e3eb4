"""Questions computed by the simulations: new numbers for every seed, answers never typed in.

Owns the question generators of ``netlab quiz``. Each one draws its parameters from a seeded
``random.Random`` (an ISN, some messages, a stack, a close variant, an address and a prefix...),
runs what knows the answer (``netlab.sim.handshake``, ``close`` and ``connection`` without
frames, ``netlab.sim.layers``, ``netlab.sim.addressing``, the frames of a ``connection`` run for
the frame-size question), reads the answer from its output and words the question in English
and Chinese, with a ``see`` command that shows the same case. The same generator and seed
always give the same question.

A TCP question says which stack both hosts run (``netlab.sim.stack``): netlab's default Linux
stack (options, Nagle's algorithm, delayed ACKs), the same with TCP_NODELAY, or the minimal
textbook stack; its ``see`` command adds ``--nodelay`` or ``--stack minimal`` to match, and
states every other assumption the answer depends on (the timing of the applications, the
options a header carries).

The generators of the LAN scenarios (layers, DHCP, DNS, NAT) live in
``netlab.quiz.generate_lan`` and are registered here with the others; ``netlab.quiz.recipe``
holds the pieces both modules share (``Recipe``, ``Draft``, ``t``).

Only the frame-size generator needs scapy (it measures real frames), and it imports it only
when it runs: importing this module, or making any other question, must not import scapy (a
quiz starts fast). No printing, no files.
"""

from __future__ import annotations

import itertools
import random
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from netlab.quiz import generate_lan
from netlab.quiz.model import Question
from netlab.quiz.recipe import Draft as _Draft
from netlab.quiz.recipe import Params, Text
from netlab.quiz.recipe import Recipe as _Recipe
from netlab.quiz.recipe import t as _t
from netlab.sim import addressing, close, connection, handshake, layers
from netlab.sim.endpoint import Segment
from netlab.sim.hosts import TcpParams
from netlab.sim.stack import OPTION_KIND, OPTION_SIZE, STACKS, options_size
from netlab.sim.tcp import SYNCHRONIZED, State
from netlab.sim.trace import Step, Trace

MOD = 2**32


@dataclass(frozen=True)
class Generator:
    """One kind of generated question: ``build`` makes a question from a seeded rng."""

    id: str
    topic: str
    build: Callable[[random.Random], Question]
    needs_scapy: bool


# -- shared pieces ---------------------------------------------------------------------------------

SIDE = {"client": _t("client", "客户端"), "server": _t("server", "服务器")}
OTHER = {"client": "server", "server": "client"}

#: Short ASCII messages of many lengths (each well under one MSS) for the data questions.
MESSAGES = (
    "hi",
    "ok",
    "bye",
    "ping",
    "pong",
    "quit",
    "LIST",
    "hello",
    "world",
    "netlab",
    "USER alice",
    "PASS secret",
    "0123456789",
    "GET / HTTP/1.1",
    "sticky packets",
    "HELO mail.example.com",
    "TCP is a byte stream",
    "The quick brown fox jumps over the lazy dog",
)

#: The states a connection passes through while closing (and the one it closes from).
CLOSE_STATES = (*(s.value for s in State if s in SYNCHRONIZED), State.CLOSED.value)

#: Public unicast addresses a host on a private network might talk to.
REMOTE_HOSTS = (
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "203.0.113.10",
    "198.51.100.7",
    "151.101.1.69",
    "140.82.112.3",
)

#: The private ranges of RFC 1918: (first address, prefix length).
PRIVATE_BLOCKS = ((0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16))

#: Every close the close scenario plays (``close.CloseOptions.variant``).
CLOSE_VARIANTS = ("normal", "merge", "simultaneous", "half_close", "unread", "late_data")

#: How a TCP question's hosts are set up: netlab's default Linux stack, the same with
#: TCP_NODELAY on both sockets, or the minimal textbook stack.
MODES = ("linux", "nodelay", "minimal")


def _isn(rng: random.Random) -> int:
    """A 32-bit ISN; often at or near the top, where adding to it wraps round to 0."""
    roll = rng.random()
    if roll < 0.25:
        return MOD - 1
    if roll < 0.4:
        return MOD - rng.randint(2, 5000)
    return rng.getrandbits(32)


def _segments(trace: Trace) -> list[Step]:
    """The steps that put a segment on the wire (lost or not), in order."""
    return [s for s in trace.steps if s.segment is not None]


def _tcp(mode: str = "linux", **kw: object) -> TcpParams:
    """The parameters of a run in ``mode`` (one of ``MODES``), without frames."""
    stack = STACKS["minimal" if mode == "minimal" else "linux"]
    kw.setdefault("frames", False)
    return TcpParams(stack=stack, nodelay=mode == "nodelay", **kw)  # type: ignore[arg-type]


def _mode_options(mode: str) -> str:
    """What the ``see`` command adds to run in ``mode``: ``""``, ``" --nodelay"`` or
    ``" --stack minimal"``."""
    return {"linux": "", "nodelay": " --nodelay", "minimal": " --stack minimal"}[mode]


def _stack_said(mode: str) -> Text:
    """The sentence that says which stack both hosts run (a question's first assumption)."""
    if mode == "minimal":
        return _t(
            "Both hosts run netlab's minimal textbook stack (--stack minimal: the MSS option "
            "only, no Nagle's algorithm, every segment acknowledged at once).",
            "双方都运行 netlab 的最简教科书协议栈（--stack minimal：只带 MSS 选项，"
            "没有 Nagle 算法，每个报文段都立即确认）。",
        )
    if mode == "nodelay":
        return _t(
            "Both hosts run netlab's default Linux stack with TCP_NODELAY set (Nagle's "
            "algorithm off: each send() leaves at once, as its own segment).",
            "双方都运行 netlab 默认的 Linux 协议栈，并设置了 TCP_NODELAY（关闭 Nagle 算法："
            "每次 send() 都立即作为单独的报文段发出）。",
        )
    return _t(
        "Both hosts run netlab's default Linux stack.",
        "双方都运行 netlab 默认的 Linux 协议栈。",
    )


def _wrap_note(total: int) -> Text:
    """A sentence on wrapping, when an addition went past 2**32 - 1."""
    if total < MOD:
        return _t("", "")
    return _t(
        " Sequence numbers are 32 bits wide and wrap: after 4294967295 comes 0.",
        "序列号只有 32 位，会回绕：4294967295 之后是 0。",
    )


def _mod_sum(expr: str, raw: int) -> str:
    """``"1 + 2 = 3"``, or ``"(4294967295 + 1) mod 2^32 = 0"`` when the sum wraps."""
    if raw < MOD:
        return f"{expr} = {raw}"
    return f"({expr}) mod 2^32 = {raw % MOD}"


def _lost(n: int) -> Text:
    """ "is lost once" / "is lost 3 times in a row", in both languages."""
    if n == 1:
        return _t("is lost once", "丢失了 1 次")
    return _t(
        "is lost twice in a row" if n == 2 else f"is lost {n} times in a row", f"连续丢失了 {n} 次"
    )


def _join(*parts: Text) -> Text:
    return {lang: "".join(p[lang] for p in parts) for lang in parts[0]}


def _quoted_list(messages: list[str]) -> Text:
    en = ", ".join(f'"{m}" ({len(m.encode())} bytes)' for m in messages)
    zh = "、".join(f'"{m}"（{len(m.encode())} 字节）' for m in messages)
    return _t(en, zh)


def _data_options(messages: list[str]) -> str:
    return " ".join(f"--data {shlex.quote(m)}" for m in messages)


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _whole(seconds: float) -> int:
    """A time the simulation reports in seconds, which this question needs to be whole."""
    whole = round(seconds)
    if abs(seconds - whole) > 1e-6:
        raise ValueError(f"expected a whole number of seconds, got {seconds}")
    return whole


def _ms(seconds: float) -> str:
    """A duration the simulation reports in seconds, in milliseconds: ``"4"``, ``"0.5"``."""
    us = round(seconds * 1_000_000)
    return str(us // 1000) if us % 1000 == 0 else f"{us / 1000:g}"


def _options_said(seg: Segment) -> Text:
    """What a segment's TCP header carries: "carries no options", or its options in wire order,
    each with its size."""
    if not seg.options:
        return _t("carries no options", "不带任何选项")
    en = ", ".join(
        f"{OPTION_KIND[k][1]} ({OPTION_SIZE[k]} byte{'s' if OPTION_SIZE[k] > 1 else ''})"
        for k, _v in seg.options
    )
    zh = "、".join(f"{OPTION_KIND[k][1]}（{OPTION_SIZE[k]} 字节）" for k, _v in seg.options)
    return _t(f"carries the options {en}", f"携带选项 {zh}")


def _option_sum(seg: Segment) -> Text:
    """``"4 + 2 + 10 + 1 + 3 = 20"``: the options' sizes added up (and padded to a multiple of
    4 bytes, when they need it)."""
    sizes = [OPTION_SIZE[k] for k, _v in seg.options]
    raw, padded = sum(sizes), options_size(seg.options)
    text = " + ".join(map(str, sizes))
    text = f"{text} = {raw}" if len(sizes) > 1 else text
    if raw == padded:
        return _t(text, text)
    return _t(f"{text}, padded to {padded}", f"{text}，补齐到 {padded}")


# -- handshake -------------------------------------------------------------------------------------


def _draw_synack(rng: random.Random) -> Params:
    return {"isn_client": _isn(rng)}


def _ask_synack(p: Params) -> _Draft:
    isn = p["isn_client"]
    trace = handshake.build(_tcp(isn_client=isn))
    synack = next(s.segment for s in _segments(trace) if s.segment.flags == "SA")
    ack_sum = _mod_sum(f"{isn} + 1", isn + 1)
    stack = _stack_said("linux")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} A client connects with initial sequence number (ISN) {isn}. "
            "What acknowledgment number does the server's SYN-ACK carry?",
            f"{stack['zh']}客户端以初始序列号（ISN）{isn} 发起连接。"
            "服务器回复的 SYN-ACK 携带的确认号是多少？",
        ),
        explanation=_join(
            _t(
                f"A SYN occupies one sequence number, so the server acknowledges ISN + 1: "
                f"{ack_sum}, the next number it expects from the client. The options in the "
                "SYN do not change the numbering.",
                f"SYN 占用一个序列号，所以服务器确认的是 ISN + 1：{ack_sum}，"
                "即它期望客户端发来的下一个序列号。SYN 中的选项不影响序号。",
            ),
            _wrap_note(isn + 1),
        ),
        see=f"netlab simulate handshake --isn-client {isn}",
        answer=synack.ack,
    )


def _draw_final_ack(rng: random.Random) -> Params:
    return {"isn_client": rng.getrandbits(32), "isn_server": _isn(rng)}


def _ask_final_ack(p: Params) -> _Draft:
    isn_c, isn_s = p["isn_client"], p["isn_server"]
    trace = handshake.build(_tcp(isn_client=isn_c, isn_server=isn_s))
    final = [s.segment for s in _segments(trace) if s.src == "client" and s.segment.flags == "A"]
    ack, seq = final[0].ack, final[0].seq
    ack_sum = _mod_sum(f"{isn_s} + 1", isn_s + 1)
    stack = _stack_said("linux")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} In a three-way handshake the client's ISN is {isn_c} and the "
            f"server's ISN is {isn_s}. What acknowledgment number does the third segment, the "
            "client's ACK, carry?",
            f"{stack['zh']}三次握手中，客户端的 ISN 是 {isn_c}，服务器的 ISN 是 {isn_s}。"
            "第三个报文段（客户端发出的 ACK）携带的确认号是多少？",
        ),
        explanation=_join(
            _t(
                f"The client acknowledges the server's SYN, which used one sequence number: "
                f"ack = server ISN + 1 = {ack_sum}. (Its own seq is client ISN + 1 = {seq}.)",
                f"客户端确认的是服务器的 SYN，而 SYN 占用一个序列号："
                f"ack = 服务器 ISN + 1 = {ack_sum}。（它自己的 seq 是客户端 ISN + 1 = {seq}。）",
            ),
            _wrap_note(isn_s + 1),
        ),
        see=f"netlab simulate handshake --isn-client {isn_c} --isn-server {isn_s}",
        answer=ack,
    )


def _draw_syn_retry(rng: random.Random) -> Params:
    lost = rng.randint(1, 6)
    return {"lost": lost, "nth": rng.randint(2, lost + 1)}


def _ask_syn_retry(p: Params) -> _Draft:
    lost, nth = p["lost"], p["nth"]
    params = _tcp(lose="syn", lose_times=lost)
    retries = params.stack.syn_retries
    trace = handshake.build(params)
    times = [s.time for s in _segments(trace) if s.src == "client" and s.segment.flags == "S"]
    if len(times) != lost + 1:
        raise ValueError(f"expected {lost + 1} SYNs, the simulation sent {len(times)}")
    when = _whole(times[nth - 1])
    waits = [_whole(b - a) for a, b in itertools.pairwise(times[:nth])]
    sum_text = " + ".join(str(w) for w in waits)
    at = f"{sum_text} = {when}" if len(waits) > 1 else f"{when}"
    lost_text = _lost(lost)
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
    stack = _stack_said("linux")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} The client's SYN {lost_text['en']}. The first SYN leaves at "
            "t = 0 s; the retransmission timeout starts at 1 s and doubles after every expiry, "
            f"and the client retransmits its SYN up to {retries} times before giving up. "
            f"At what time t, in seconds, does the client send its SYN for the "
            f"{_ordinal(nth)} time?",
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
    return {"isn_client": _isn(rng), "messages": rng.sample(MESSAGES, count)}


def _connection(messages: list[str], mode: str = "linux", **kw: object) -> Trace:
    """The client sends ``messages`` one write each, the server answers with its default reply."""
    data = [m.encode() for m in messages]
    return connection.build(_tcp(mode, **kw), data, [])


def _data_segments(trace: Trace, src: str) -> list[Segment]:
    """The segments carrying ``src``'s data, first transmissions only, in order."""
    return [
        s.segment
        for s in _segments(trace)
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
    reply = next(s.segment for s in _segments(trace) if s.src == "server" and s.segment.payload)
    total = sum(len(m.encode()) for m in messages)
    listed = _quoted_list(messages)
    n = len(messages)
    count = _t("one message" if n == 1 else f"{n} messages", f"{n} 条消息")
    carried = len(_data_segments(trace, "client"))
    stack = _stack_said("linux")
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
        explanation=_join(
            _t(
                f"The acknowledgment number is the next byte the server expects: ISN + 1 (the "
                f"SYN) + {total} data bytes = {_mod_sum(f'{isn} + 1 + {total}', isn + 1 + total)}. "
                "TCP counts bytes, not messages.",
                f"确认号是服务器期望收到的下一个字节的序号：ISN + 1（SYN 占一个）+ {total} "
                f"个数据字节 = {_mod_sum(f'{isn} + 1 + {total}', isn + 1 + total)}。"
                "TCP 数的是字节，不是消息。",
            ),
            packing,
            _wrap_note(isn + 1 + total),
        ),
        see=f"netlab simulate tcp --isn-client {isn} {_data_options(messages)}",
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
    listed = _quoted_list(messages)
    first = (isn + 1) % MOD
    first_sum = _mod_sum(f"{isn} + 1", isn + 1)
    seq_sum = _mod_sum(f"{first} + {before}", first + before)
    stack = _stack_said(mode)
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
            f" What sequence number does the first byte of the {_ordinal(which)} message, "
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
            f" What sequence number does the segment carrying the {_ordinal(which)} message, "
            f'"{asked}", have?',
            f'携带第 {which} 条消息 "{asked}" 的报文段的序列号是多少？',
        )
        where = _t("", "")
    return _Draft(
        kind="fill",
        prompt=_join(lead, question),
        explanation=_join(
            _t(
                f"The first data byte is numbered ISN + 1 = {first_sum}, since the SYN used "
                f'{isn}. Each byte takes one number, and {before} bytes go before "{asked}": '
                f"{seq_sum}.",
                f"SYN 用掉了 {isn}，所以第一个数据字节的序号是 ISN + 1 = {first_sum}。"
                f'每个字节占一个序号，"{asked}" 之前已有 {before} 个字节：{seq_sum}。',
            ),
            where,
            _wrap_note(isn + 1 + before),
        ),
        see=f"netlab simulate tcp --isn-client {isn} {_data_options(messages)}"
        + _mode_options(mode),
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
    rtt = _ms(trace.params["rtt"])
    listed = _quoted_list(messages)
    stack = _stack_said(mode)
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
        see=f"netlab simulate tcp {_data_options(messages)}{_mode_options(mode)}",
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
    segs = [s.segment for s in _segments(trace)]
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
    trace = handshake.build(_tcp(mode)) if in_handshake else connection.build(_tcp(mode), [], [])
    seg = _pick_segment(trace, which)
    length = seg.header_len
    words = length // 4
    stack = _stack_said(mode)
    name = SEGMENT_NAMES[which]
    options = _options_said(seg)
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
        sum_text = _option_sum(seg)
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
        f"netlab simulate handshake{_mode_options(mode)}"
        if in_handshake
        else f"netlab simulate tcp{_mode_options(mode)}"
    )
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{stack['en']} {capital} {options['en']}. {ask['en']}",
            f"{stack['zh']}{name['zh']}{options['zh']}。{ask['zh']}",
        ),
        explanation=_join(
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


# -- close -----------------------------------------------------------------------------------------


def _close_trace(variant: str, initiator: str, msl: float = 30.0, data: str | None = None) -> Trace:
    """The close scenario's ``variant`` (one of ``CLOSE_VARIANTS``) on the default Linux stack;
    ``data`` is what the passive side sends in the half-close, unread and late-data variants."""
    flags = {} if variant == "normal" else {variant: True}
    extra = {} if data is None else {"data": data.encode()}
    options = close.CloseOptions(initiator=initiator, **flags, **extra)  # type: ignore[arg-type]
    if options.variant != variant:
        raise ValueError(f"unknown close variant {variant!r}")
    return close.build(_tcp(msl=msl), options)


def _close_data(data: str | None = None) -> str:
    """What the passive side sends in a variant with data (the scenario's default: "bye")."""
    return data if data is not None else close.CloseOptions().data.decode()


def _close_command(
    variant: str, initiator: str, msl: int | None = None, data: str | None = None
) -> str:
    parts = ["netlab simulate close"]
    if initiator != "client":
        parts.append(f"--initiator {initiator}")
    if variant not in ("normal", "late_data"):
        parts.append("--" + variant.replace("_", "-"))
    if variant == "late_data" or data is not None:
        parts.append(f"--data {shlex.quote(_close_data(data))}")
    if msl is not None:
        parts.append(f"--msl {msl}")
    return " ".join(parts)


def _close_story(trace: Trace, variant: str, initiator: str) -> Text:
    """Who does what when in this close: every assumption its segments depend on (the stack,
    when each application acts, how long the delayed ACK waits), read from the run itself."""
    a, b = SIDE[initiator], SIDE[OTHER[initiator]]
    passive = OTHER[initiator]
    stack = _stack_said("linux")
    segs = _segments(trace)
    owd = trace.params["rtt"] / 2
    extra = _close_data()
    n = len(extra.encode())

    def acked_at_once(data: Step, by: str) -> None:
        """The story says ``by`` acknowledges ``data`` at once: check that the run did."""
        if not any(
            s.src == by
            and s.segment.ack == (data.segment.seq + len(data.segment.payload)) % MOD
            and abs(s.time - (data.time + owd)) < 1e-9
            for s in segs
        ):
            raise ValueError(f"the {by} does not acknowledge the data at once")

    if variant == "simultaneous":
        return _t(
            f"{stack['en']} The client and the server call close() at the same moment, so "
            "their FINs cross on the wire.",
            f"{stack['zh']}客户端和服务器在同一时刻调用 close()，两个 FIN 在线路上交错而过。",
        )
    if variant == "unread":
        sent = next(s for s in segs if s.src == passive and s.segment.payload)
        acked_at_once(sent, initiator)
        reset = next(s for s in segs if s.src == initiator and s.segment.rst)
        later = _ms(reset.time - sent.time)
        return _t(
            f'{stack["en"]} The {b["en"]}\'s application sends {n} bytes ("{extra}"), which the '
            f"{a['en']}'s kernel acknowledges at once; the {a['en']}'s application never reads "
            f"them and calls close() {later} ms after they were sent.",
            f'{stack["zh"]}{b["zh"]}的应用程序发送了 {n} 个字节（"{extra}"），{a["zh"]}的内核'
            f"立即确认了它们；{a['zh']}的应用程序始终没有读取这些数据，并在数据发出 {later} "
            "毫秒后调用 close()。",
        )
    fin = next(s for s in segs if s.src == initiator and s.segment.fin)
    arrived = fin.time + owd
    passive_fin = next((s for s in segs if s.src == passive and s.segment.fin), None)
    bare_ack = next(
        (s for s in segs if s.src == passive and s.segment.flags == "A" and s.time >= arrived),
        None,
    )
    if variant == "merge":
        if passive_fin is None or passive_fin.time > arrived + 1e-9:
            raise ValueError("the passive side's close is not immediate in the merge variant")
        wait = _ms(STACKS[trace.params["stack"]].delack_first_us / 1_000_000)
        return _t(
            f"{stack['en']} The {a['en']} calls close() first. The {b['en']}'s application "
            "reads EOF and calls close() at once, before its kernel's delayed ACK of the FIN is "
            f"due ({wait} ms after the FIN arrives).",
            f"{stack['zh']}{a['zh']}先调用 close()。{b['zh']}的应用程序读到 EOF 后立即调用 "
            f"close()，这时它的内核对这个 FIN 的延迟确认还没到时间（FIN 到达 {wait} 毫秒后才发）。",
        )
    if bare_ack is None:
        raise ValueError(f"no ACK of the FIN in the {variant} variant")
    ack = _ms(bare_ack.time - arrived)
    acked = _t(
        f"The {b['en']}'s kernel acknowledges the FIN {ack} ms after it arrives (a delayed ACK)",
        f"{b['zh']}的内核在 FIN 到达 {ack} 毫秒后确认它（延迟确认）",
    )
    if variant == "normal":
        closes = _ms(passive_fin.time - arrived)  # type: ignore[union-attr]
        return _t(
            f"{stack['en']} The {a['en']} calls close() first. {acked['en']}, and the "
            f"{b['en']}'s application calls close() {closes} ms after the FIN arrived.",
            f"{stack['zh']}{a['zh']}先调用 close()。{acked['zh']}；{b['zh']}的应用程序在 FIN "
            f"到达 {closes} 毫秒后调用 close()。",
        )
    data = next(s for s in segs if s.src == passive and s.segment.payload)
    data_ms = _ms(data.time - arrived)
    if variant == "late_data":
        return _t(
            f"{stack['en']} The {a['en']} calls close() first (a full close, not shutdown()). "
            f"{acked['en']}, and {data_ms} ms after the FIN arrived the {b['en']}'s application "
            f'still sends {n} bytes ("{extra}").',
            f"{stack['zh']}{a['zh']}先调用 close()（完全关闭，不是 shutdown()）。{acked['zh']}；"
            f'FIN 到达 {data_ms} 毫秒后，{b["zh"]}的应用程序仍然发送了 {n} 个字节（"{extra}"）。',
        )
    # half_close
    acked_at_once(data, initiator)
    closes = _ms(passive_fin.time - arrived)  # type: ignore[union-attr]
    return _t(
        f"{stack['en']} The {a['en']} calls shutdown(SHUT_WR) first: it sends its FIN but keeps "
        f"reading. {acked['en']}. {data_ms} ms after the FIN arrived the {b['en']}'s "
        f'application sends {n} bytes ("{extra}"), which the {a["en"]} acknowledges at once, '
        f"and {closes} ms after the FIN arrived it calls close().",
        f"{stack['zh']}{a['zh']}先调用 shutdown(SHUT_WR)：发出 FIN，但继续读取。{acked['zh']}。"
        f'FIN 到达 {data_ms} 毫秒后，{b["zh"]}的应用程序发送 {n} 个字节（"{extra}"），'
        f"{a['zh']}立即确认；FIN 到达 {closes} 毫秒后，{b['zh']}调用 close()。",
    )


def _segment_name(flags: str, payload: int) -> Text:
    if "R" in flags:
        return _t(f"RST (flags {flags})", f"RST 报文段（标志 {flags}）")
    if "F" in flags:
        return _t(f"FIN (flags {flags})", f"FIN 报文段（标志 {flags}）")
    if payload:
        return _t(
            f"data segment ({payload} bytes, flags {flags})",
            f"数据报文段（{payload} 字节，标志 {flags}）",
        )
    return _t(f"ACK (flags {flags})", f"ACK 报文段（标志 {flags}）")


def _draw_close_state(rng: random.Random) -> Params:
    return {
        "variant": rng.choice(("normal", "merge", "half_close", "late_data")),
        "initiator": rng.choice(("client", "server")),
        "side": rng.choice(("client", "server")),
        "pick": rng.randrange(1 << 16),
        "mix": rng.getrandbits(32),
    }


def _arrived_before_next(trace: Trace, index: int) -> bool:
    """True when the segment of step ``index`` (0-based) arrived before the next step, so the
    step's states are the states after its arrival."""
    owd = trace.params["rtt"] / 2
    step = trace.steps[index]
    later = trace.steps[index + 1 :]
    return not later or later[0].time >= step.time + owd - 1e-9


def _ask_close_state(p: Params) -> _Draft:
    variant, initiator, side_name = p["variant"], p["initiator"], p["side"]
    trace = _close_trace(variant, initiator)
    candidates = [
        i
        for i, s in enumerate(trace.steps)
        if s.segment is not None and not s.lost and _arrived_before_next(trace, i)
    ]
    step = trace.steps[candidates[p["pick"] % len(candidates)]]
    state = step.states[side_name]
    mix = random.Random(p["mix"])
    options = mix.sample([s for s in CLOSE_STATES if s != state], 3)
    options.insert(mix.randrange(4), state)
    sender, seg = SIDE[step.src], step.segment
    what = _segment_name(seg.flags, len(seg.payload))
    gap = " " if what["zh"][:1].isascii() else ""
    story = _close_story(trace, variant, initiator)
    who = SIDE[side_name]
    sequence = " → ".join(trace.state_sequence(side_name))
    return _Draft(
        kind="single",
        prompt=_t(
            f"{story['en']} Step {step.index} is the {sender['en']}'s {what['en']}. "
            f"Once it has arrived, which state is the {who['en']} in?",
            f"{story['zh']}第 {step.index} 步是{sender['zh']}发出的{gap}{what['zh']}。"
            f"它到达之后，{who['zh']}处于什么状态？",
        ),
        explanation=_t(
            f"After step {step.index} the {who['en']} is in {state}. In this close the "
            f"{who['en']} goes {sequence}.",
            f"第 {step.index} 步之后，{who['zh']}处于 {state}。在这次关闭中，"
            f"{who['zh']}的状态依次为 {sequence}。",
        ),
        see=_close_command(variant, initiator),
        answer=options.index(state),
        choices=tuple(_t(s, s) for s in options),
    )


def _draw_close_count(rng: random.Random) -> Params:
    return {"variant": rng.choice(CLOSE_VARIANTS), "initiator": rng.choice(("client", "server"))}


def _close_rule(variant: str, initiator: str, count: int) -> Text:
    """Why the close takes ``count`` segments."""
    a, b = SIDE[initiator], SIDE[OTHER[initiator]]
    if variant == "normal":
        return _t(
            f"Every FIN is acknowledged once. The {b['en']}'s delayed ACK leaves before its "
            f"application closes, so that ACK and the {b['en']}'s FIN are separate segments.",
            f"每个 FIN 都要被确认一次。{b['zh']}延迟的 ACK 在它的应用程序关闭之前就发出了，"
            f"所以这个 ACK 和{b['zh']}的 FIN 是两个独立的报文段。",
        )
    if variant == "merge":
        return _t(
            f"Every FIN is acknowledged once, but the {b['en']}'s FIN leaves before its delayed "
            "ACK is due, so the FIN carries that ACK: the three-segment close Linux captures "
            "usually show.",
            f"每个 FIN 都要被确认一次，但{b['zh']}的 FIN 在延迟确认到期之前就发出了，"
            "于是这个 FIN 捎带了 ACK：这就是 Linux 抓包中常见的三段式关闭。",
        )
    if variant == "simultaneous":
        return _t(
            "The two FINs cross; each side, in CLOSING, acknowledges the other's FIN at once: "
            "two FINs and two ACKs.",
            "两个 FIN 交错而过；双方在 CLOSING 状态各自立即确认对方的 FIN：两个 FIN 加两个 ACK。",
        )
    if variant == "half_close":
        return _t(
            f"Besides the two FINs and their ACKs, the data the {b['en']} sends after the "
            f"half-close needs its own ACK: {count} in all.",
            f"除了两个 FIN 和它们的 ACK，{b['zh']}在半关闭之后发送的数据也需要自己的 ACK："
            f"一共 {count} 个。",
        )
    if variant == "unread":
        return _t(
            "close() with data still unread resets the connection (RFC 9293, section 3.6.1): "
            "one RST replaces the FIN, nothing answers it, and there is no TIME-WAIT.",
            "在还有未读数据时调用 close() 会复位连接（RFC 9293 第 3.6.1 节）：一个 RST 代替了 "
            "FIN，没有任何应答，也没有 TIME-WAIT。",
        )
    return _t(
        f"The {a['en']} called close(), not shutdown(), so nobody will read what arrives: its "
        "kernel answers the data with RST instead of an ACK, and both ends are closed at once "
        "(no second FIN, no TIME-WAIT).",
        f"{a['zh']}调用的是 close() 而不是 shutdown()，到达的数据已无人读取：它的内核用 RST "
        "而不是 ACK 回应这些数据，两端随即关闭（没有第二个 FIN，也没有 TIME-WAIT）。",
    )


def _ask_close_count(p: Params) -> _Draft:
    variant, initiator = p["variant"], p["initiator"]
    if variant == "simultaneous":
        initiator = "client"
    trace = _close_trace(variant, initiator)
    segs = _segments(trace)
    start = next(i for i, s in enumerate(segs) if s.segment.fin or s.segment.rst)
    counted = segs[start:]
    count = len(counted)
    flags = ", ".join(f"{SIDE[s.src]['en']} {s.segment.flags}" for s in counted)
    flags_zh = "、".join(f"{SIDE[s.src]['zh']} {s.segment.flags}" for s in counted)
    story = _close_story(trace, variant, initiator)
    rule = _close_rule(variant, initiator, count)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{story['en']} No segment is lost. Counting from the first call to close() or "
            "shutdown(), how many TCP segments cross the wire in all?",
            f"{story['zh']}没有报文段丢失。从第一次调用 close() 或 shutdown() 算起，"
            "线路上一共传输了多少个 TCP 报文段？",
        ),
        explanation=_t(
            f"{count}: {flags}. {rule['en']}",
            f"{count} 个：{flags_zh}。{rule['zh']}",
        ),
        see=_close_command(variant, initiator),
        answer=count,
    )


def _draw_time_wait(rng: random.Random) -> Params:
    return {
        "msl": rng.randint(1, 120),
        "variant": rng.choice(("normal", "merge")),
        "initiator": rng.choice(("client", "server")),
    }


def _ask_time_wait(p: Params) -> _Draft:
    msl, variant, initiator = p["msl"], p["variant"], p["initiator"]
    trace = _close_trace(variant, initiator, msl=float(msl))
    start = next(s for s in trace.steps if s.event == "2msl_start" and s.src == initiator)
    end = next(s for s in trace.steps if s.event == "2msl" and s.src == initiator)
    wait = _whole(end.time - start.time)
    who = SIDE[initiator]
    story = _close_story(trace, variant, initiator)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{story['en']} The maximum segment lifetime (MSL) is set to {msl} s. How many "
            f"seconds does the {who['en']} stay in TIME-WAIT before its side of the connection "
            "is CLOSED?",
            f"{story['zh']}最大报文段生存时间（MSL）设为 {msl} 秒。{who['zh']}要在 TIME-WAIT "
            "状态停留多少秒，它这一端的连接才变为 CLOSED？",
        ),
        explanation=_t(
            f"The side that closes first waits 2·MSL = 2 × {msl} = {wait} s in TIME-WAIT: long "
            "enough to resend the last ACK if the peer's FIN comes again, and for old segments "
            "of this connection to die out. (A real Linux kernel waits a fixed 60 s, whatever "
            "the MSL; netlab lets you set it.)",
            f"先关闭的一方在 TIME-WAIT 等待 2·MSL = 2 × {msl} = {wait} 秒：这段时间足以在对方"
            "重发 FIN 时再发一次最后的 ACK，也让这条连接的旧报文段在网络中消失。"
            "（真实的 Linux 内核无论 MSL 是多少都固定等待 60 秒；netlab 允许设置 MSL。）",
        ),
        see=_close_command(variant, initiator, msl),
        answer=wait,
    )


#: What a side may send when it calls close() with data unread (the first is Linux's answer),
#: keyed by what the simulation shows: the flags of its next segments.
UNREAD_CHOICES: tuple[tuple[str, Text], ...] = (
    (
        "reset",
        _t(
            "RST,ACK: a reset. The connection is aborted at once, with no FIN and no TIME-WAIT",
            "RST,ACK：复位。连接立即中止，没有 FIN，也没有 TIME-WAIT",
        ),
    ),
    (
        "fin",
        _t(
            "FIN,ACK, as in any close; the unread bytes are silently thrown away",
            "FIN,ACK，和普通关闭一样；未读的字节被悄悄丢弃",
        ),
    ),
    (
        "nothing",
        _t(
            "Nothing yet: close() waits until the application has read the data",
            "暂时什么也不发：close() 会等到应用程序读完数据",
        ),
    ),
    (
        "fin_then_reset",
        _t(
            "FIN,ACK now, and a RST later, when the peer's FIN arrives",
            "先发 FIN,ACK，等对端的 FIN 到达时再发 RST",
        ),
    ),
)


def _draw_unread(rng: random.Random) -> Params:
    return {"initiator": rng.choice(("client", "server")), "message": rng.choice(MESSAGES)}


def _ask_unread(p: Params) -> _Draft:
    initiator, message = p["initiator"], p["message"]
    trace = _close_trace("unread", initiator, data=message)
    sent = [
        s.segment
        for s in _segments(trace)
        if s.src == initiator and (s.segment.fin or s.segment.rst)
    ]
    if not sent:
        outcome = "nothing"
    elif sent[0].flags == "RA":
        outcome = "reset"
    elif sent[0].fin and any(s.rst for s in sent[1:]):
        outcome = "fin_then_reset"
    elif sent[0].fin:
        outcome = "fin"
    else:
        raise ValueError(f"unexpected answer to close() with unread data: {sent[0].flags}")
    answer = next(i for i, (key, _text) in enumerate(UNREAD_CHOICES) if key == outcome)
    a, b = SIDE[initiator], SIDE[OTHER[initiator]]
    n = len(message.encode())
    stack = _stack_said("linux")
    first = sent[0] if sent else None
    numbers = _t("", "")
    if first is not None and first.rst:
        numbers = _t(
            f" Here it is RST,ACK with seq {first.seq} and ack {first.ack}.",
            f"这里发出的是 RST,ACK，seq 为 {first.seq}，ack 为 {first.ack}。",
        )
    return _Draft(
        kind="single",
        prompt=_t(
            f'{stack["en"]} The {b["en"]}\'s application sends "{message}" ({n} bytes) and the '
            f"{a['en']}'s kernel acknowledges it, but the {a['en']}'s application never reads "
            f"it: the {n} bytes are still unread in its receive buffer when it calls close(). "
            f"What does the {a['en']} send?",
            f'{stack["zh"]}{b["zh"]}的应用程序发送了 "{message}"（{n} 字节），{a["zh"]}的内核'
            f"确认了它，但{a['zh']}的应用程序始终没有读取：它调用 close() 时，这 {n} 个字节还留在"
            f"接收缓冲区里。{a['zh']}会发出什么？",
        ),
        explanation=_join(
            _t(
                "Closing a socket with data still unread means that data is lost, and TCP tells "
                "the peer so (RFC 9293, section 3.6.1; Linux does it): a reset instead of a FIN. "
                "Both ends go straight to CLOSED, with no FIN exchange and no TIME-WAIT, and the "
                f"{b['en']}'s next recv() or send() fails with ECONNRESET (ConnectionResetError "
                "in Python).",
                "在还有未读数据时关闭套接字，意味着这些数据丢失了，TCP 要让对端知道"
                "（RFC 9293 第 3.6.1 节；Linux 正是这样做的）：发 RST 而不是 FIN。"
                f"两端直接进入 CLOSED，没有 FIN 交换，也没有 TIME-WAIT；{b['zh']}下一次 recv() 或 "
                "send() 会以 ECONNRESET 失败（Python 中为 ConnectionResetError）。",
            ),
            numbers,
        ),
        see=_close_command("unread", initiator, data=message),
        answer=answer,
        choices=tuple(text for _key, text in UNREAD_CHOICES),
    )


# -- addressing ------------------------------------------------------------------------------------


def _private_host(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    """A host address (neither network nor broadcast) in a random RFC 1918 subnet whose prefix
    length is from ``low`` to ``high`` (and no shorter than its private block)."""
    base, block = rng.choice(PRIVATE_BLOCKS)
    shortest = max(block, low)
    aligned = [p for p in (8, 16, 24) if shortest <= p <= high]
    if aligned and rng.random() < 0.3:
        prefixlen = rng.choice(aligned)
    else:
        prefixlen = rng.randint(shortest, high)
    host_bits = (1 << (32 - prefixlen)) - 1
    while True:
        address = base | rng.getrandbits(32 - block)
        if address & host_bits not in (0, host_bits):
            return address, prefixlen


def _draw_prefix(rng: random.Random) -> Params:
    address, prefixlen = _private_host(rng, 8, 30)
    return {"ip": addressing.format_ipv4(address), "prefixlen": prefixlen}


def _ask_network(p: Params) -> _Draft:
    ip, prefixlen = p["ip"], p["prefixlen"]
    net = addressing.subnet(ip, prefixlen)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"A host has the address {ip}/{prefixlen}. What is the network address of its subnet?",
            f"一台主机的地址是 {ip}/{prefixlen}。它所在子网的网络地址是什么？",
        ),
        explanation=_t(
            f"/{prefixlen} means the mask {net.mask}: keep the first {prefixlen} bits of {ip} and "
            f"set the other {32 - prefixlen} to 0 ({ip} AND {net.mask}) = {net.network}.",
            f"/{prefixlen} 即子网掩码 {net.mask}：保留 {ip} 的前 {prefixlen} 位，其余 "
            f"{32 - prefixlen} 位清零（{ip} AND {net.mask}）= {net.network}。",
        ),
        see="netlab notes ip-subnet",
        answer=(net.network, net.cidr),
    )


def _ask_broadcast(p: Params) -> _Draft:
    ip, prefixlen = p["ip"], p["prefixlen"]
    net = addressing.subnet(ip, prefixlen)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"A host has the address {ip}/{prefixlen}. What is the broadcast address of its "
            "subnet?",
            f"一台主机的地址是 {ip}/{prefixlen}。它所在子网的广播地址是什么？",
        ),
        explanation=_t(
            f"Keep the first {prefixlen} bits (the network {net.network}) and set the other "
            f"{32 - prefixlen} host bits to 1: {net.broadcast}. The hosts are "
            f"{net.first_host} to {net.last_host}.",
            f"保留前 {prefixlen} 位（网络地址 {net.network}），把其余 {32 - prefixlen} 个主机位"
            f"全部置 1：{net.broadcast}。可用主机地址从 {net.first_host} 到 {net.last_host}。",
        ),
        see="netlab notes ip-subnet",
        answer=(net.broadcast,),
    )


def _ask_hosts(p: Params) -> _Draft:
    ip, prefixlen = p["ip"], p["prefixlen"]
    net = addressing.subnet(ip, prefixlen)
    size = 2 ** (32 - prefixlen)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"How many addresses of the subnet of {ip}/{prefixlen} can be given to hosts?",
            f"{ip}/{prefixlen} 所在的子网中，有多少个地址可以分配给主机？",
        ),
        explanation=_t(
            f"{32 - prefixlen} host bits give 2^{32 - prefixlen} = {size} addresses; the first "
            f"({net.network}) names the network and the last ({net.broadcast}) is the broadcast, "
            f"so {size} - 2 = {net.host_count} are left for hosts.",
            f"{32 - prefixlen} 个主机位共有 2^{32 - prefixlen} = {size} 个地址；第一个"
            f"（{net.network}）是网络地址，最后一个（{net.broadcast}）是广播地址，"
            f"所以剩下 {size} - 2 = {net.host_count} 个可分配给主机。",
        ),
        see="netlab notes ip-subnet",
        answer=net.host_count,
    )


def _draw_arp(rng: random.Random) -> Params:
    src, prefixlen = _private_host(rng, 16, 29)
    mask = addressing.mask_bits(prefixlen)
    network = src & mask
    host_bits = ~mask & addressing.ALL_ONES
    gateway = network + 1 if rng.random() < 0.7 else network + host_bits - 1
    if gateway == src:
        src = network + 2 if gateway == network + 1 else network + host_bits - 2

    def random_host(net: int) -> int:
        while True:
            host = rng.randint(1, host_bits - 1)
            if net | host not in (src, gateway):
                return net | host

    roll = rng.random()
    if roll < 0.5:
        dst = addressing.format_ipv4(random_host(network))
    elif roll < 0.75:
        # the neighbouring subnet: the same first octets, one network bit different
        dst = addressing.format_ipv4(random_host(network ^ (1 << (32 - prefixlen))))
    else:
        dst = rng.choice(REMOTE_HOSTS)
    return {
        "src": addressing.format_ipv4(src),
        "prefixlen": prefixlen,
        "gateway": addressing.format_ipv4(gateway),
        "dst": dst,
    }


def _ask_arp(p: Params) -> _Draft:
    src, prefixlen, gateway, dst = p["src"], p["prefixlen"], p["gateway"], p["dst"]
    hop = addressing.next_hop(src, prefixlen, dst, gateway)
    net = addressing.subnet(src, prefixlen)
    options: list[tuple[str | None, Text]] = [
        (dst, _t(f"The destination itself, {dst}", f"目的主机 {dst} 本身")),
        (gateway, _t(f"The default gateway, {gateway}", f"默认网关 {gateway}")),
        (
            None,
            _t(
                "Nobody: the frame goes to the broadcast MAC ff:ff:ff:ff:ff:ff",
                "谁也不问：帧直接发往广播 MAC 地址 ff:ff:ff:ff:ff:ff",
            ),
        ),
        (
            src,
            _t(
                f"Its own address, {src} (a gratuitous ARP)",
                f"它自己的地址 {src}（免费 ARP）",
            ),
        ),
    ]
    answer = next(i for i, (ip, _) in enumerate(options) if ip == hop.ip)
    if hop.kind == "direct":
        why = _t(
            f"{dst} is inside {net.cidr} (hosts {net.first_host} to {net.last_host}), the "
            f"host's own subnet, so the frame goes straight to it: the host ARPs for {dst}.",
            f"{dst} 位于主机自己的子网 {net.cidr}（主机地址 {net.first_host} 到 "
            f"{net.last_host}）之内，帧直接发给它：主机用 ARP 询问 {dst} 的 MAC 地址。",
        )
    else:
        why = _t(
            f"{dst} is outside {net.cidr} (hosts {net.first_host} to {net.last_host}), so the "
            f"frame goes to the default gateway: the host ARPs for {gateway}. The IP header "
            f"still says {dst}; only the MAC address is the gateway's.",
            f"{dst} 不在 {net.cidr}（主机地址 {net.first_host} 到 {net.last_host}）之内，"
            f"帧要交给默认网关：主机用 ARP 询问 {gateway} 的 MAC 地址。IP 首部里的目的地址"
            f"仍是 {dst}，只有 MAC 地址换成了网关的。",
        )
    return _Draft(
        kind="single",
        prompt=_t(
            f"A host with the address {src}/{prefixlen} (mask {net.mask}) and default gateway "
            f"{gateway} sends an IP packet to {dst}. Its ARP cache is empty. Which IP address "
            "does its ARP request ask about?",
            f"一台主机的地址是 {src}/{prefixlen}（掩码 {net.mask}），默认网关是 {gateway}，"
            f"它要向 {dst} 发送一个 IP 分组，ARP 缓存为空。它发出的 ARP 请求询问的是哪个 IP 地址？",
        ),
        explanation=why,
        see="netlab notes arp",
        answer=answer,
        choices=tuple(text for _, text in options),
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
    trace = connection.build(_tcp(p["mode"], frames=True), [data], [])
    which = p["segment"]
    step = next(
        s
        for s in _segments(trace)
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
        stack = _stack_said(mode)
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
        options = _options_said(seg)
        setting = _t(
            f"{stack['en']} {what['en']} Its TCP header {options['en']}; the IPv4 header has no "
            "options.",
            f"{stack['zh']}{what['zh']}它的 TCP 首部{options['zh']}；IPv4 首部不带选项。",
        )
        if seg.options:
            opt = _option_sum(seg)
            header_said = _t(
                f"TCP {l4} (20 + {opt['en']} bytes of options)",
                f"TCP {l4}（20 + 选项 {opt['zh']}）",
            )
        else:
            header_said = _t(f"TCP {l4} (no options)", f"TCP {l4}（不带选项）")
        see = f"netlab simulate tcp --data {shlex.quote(message)}{_mode_options(mode)} --detail"
    sum_text = f"{eth} + {ip} + {l4} + {sizes['payload']} = {total}"
    if total < layers.MIN_FRAME:
        wire = _t(
            f" So: captured size {total} bytes, padded to {layers.MIN_FRAME} + {layers.FCS}-byte "
            f"FCS on the wire. The network card adds the {layers.MIN_FRAME - total} bytes of "
            "padding and the FCS after the point where a capture on the sender sees the frame.",
            f"所以：抓包看到的大小是 {total} 字节，在线路上被填充到 {layers.MIN_FRAME} 字节，"
            f"再加 {layers.FCS} 字节的 FCS。{layers.MIN_FRAME - total} 个填充字节和 FCS 是网卡"
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
        explanation=_join(
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


# -- the catalogue ---------------------------------------------------------------------------------

_RECIPES: dict[str, _Recipe] = {
    r.id: r
    for r in (
        _Recipe("handshake-synack-ack", "handshake", _draw_synack, _ask_synack),
        _Recipe("handshake-final-ack", "handshake", _draw_final_ack, _ask_final_ack),
        _Recipe("handshake-syn-retry", "handshake", _draw_syn_retry, _ask_syn_retry),
        _Recipe("tcp-data-ack", "tcp-udp", lambda rng: _draw_messages(rng, 1), _ask_data_ack),
        _Recipe("tcp-data-seq", "tcp-udp", _draw_data_seq, _ask_data_seq),
        _Recipe("tcp-header-length", "tcp-udp", _draw_header, _ask_header),
        _Recipe("tcp-nagle-segments", "sticky", _draw_nagle, _ask_nagle),
        _Recipe("close-state", "close", _draw_close_state, _ask_close_state),
        _Recipe("close-segments", "close", _draw_close_count, _ask_close_count),
        _Recipe("close-time-wait", "close", _draw_time_wait, _ask_time_wait),
        _Recipe("close-unread", "close", _draw_unread, _ask_unread),
        _Recipe("arp-next-hop", "arp", _draw_arp, _ask_arp),
        _Recipe("subnet-network", "ip-subnet", _draw_prefix, _ask_network),
        _Recipe("subnet-broadcast", "ip-subnet", _draw_prefix, _ask_broadcast),
        _Recipe("subnet-hosts", "ip-subnet", _draw_prefix, _ask_hosts),
        _Recipe("frame-size", "tcp-udp", _draw_frame, _ask_frame, needs_scapy=True),
        *generate_lan.RECIPES,
    )
}


def _finish(recipe: _Recipe, draft: _Draft) -> Question:
    return Question(
        id=f"gen-{recipe.id}",
        topic=recipe.topic,
        kind=draft.kind,
        prompt=draft.prompt,
        explanation=draft.explanation,
        see=draft.see,
        answer=draft.answer,
        choices=draft.choices,
        generator=recipe.id,
    )


def _builder(recipe: _Recipe) -> Callable[[random.Random], Question]:
    def build(rng: random.Random) -> Question:
        return _finish(recipe, recipe.ask(recipe.draw(rng)))

    return build


GENERATORS: dict[str, Generator] = {
    r.id: Generator(r.id, r.topic, _builder(r), r.needs_scapy) for r in _RECIPES.values()
}


def _recipe(generator_id: str) -> _Recipe:
    try:
        return _RECIPES[generator_id]
    except KeyError:
        known = ", ".join(_RECIPES)
        raise KeyError(f"no question generator {generator_id!r} (known: {known})") from None


def available() -> list[tuple[str, str]]:
    """Every generator as (id, topic), in a fixed order."""
    return [(g.id, g.topic) for g in GENERATORS.values()]


def make(generator_id: str, seed: int) -> Question:
    """The question ``generator_id`` makes for ``seed``: the same seed, the same question.
    Raises ``KeyError`` for an unknown generator."""
    _recipe(generator_id)
    return GENERATORS[generator_id].build(random.Random(seed))


def parameters(generator_id: str, seed: int) -> Params:
    """The parameters ``make(generator_id, seed)`` draws (the ISN, the addresses...), without
    running any simulation: for tests that check the answer another way."""
    return _recipe(generator_id).draw(random.Random(seed))
