"""Questions computed by the simulations: new numbers for every seed, answers never typed in.

Owns the question generators of ``netlab quiz``. Each one draws its parameters from a seeded
``random.Random`` (an ISN, some messages, a close variant, an address and a prefix...), runs
what knows the answer (``netlab.sim.handshake``, ``close`` and ``connection`` without frames,
``netlab.sim.addressing``, ``netlab.sim.packets.frame_length``), reads the answer from its
output and words the question in English and Chinese, with a ``see`` command that shows the
same numbers. The same generator and seed always give the same question.

The generators of the LAN scenarios (layers, DHCP, DNS, NAT) live in
``netlab.quiz.generate_lan`` and are registered here with the others; ``netlab.quiz.recipe``
holds the pieces both modules share (``Recipe``, ``Draft``, ``t``).

Only the frame-size generator needs scapy, and it imports ``netlab.sim.packets`` when it runs:
importing this module, or making any other question, must not import scapy (a quiz starts
fast). No printing, no files.
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
from netlab.sim import addressing, close, connection, handshake
from netlab.sim.hosts import TcpParams
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

CLOSE_VARIANTS = ("normal", "merge", "simultaneous", "half_close")


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


def _join(a: Text, b: Text) -> Text:
    return {lang: a[lang] + b[lang] for lang in a}


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


# -- handshake -------------------------------------------------------------------------------------


def _draw_synack(rng: random.Random) -> Params:
    return {"isn_client": _isn(rng)}


def _ask_synack(p: Params) -> _Draft:
    isn = p["isn_client"]
    trace = handshake.build(TcpParams(isn_client=isn, frames=False))
    synack = next(s.segment for s in _segments(trace) if s.segment.flags == "SA")
    ack_sum = _mod_sum(f"{isn} + 1", isn + 1)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"A client connects with initial sequence number (ISN) {isn}. "
            "What acknowledgment number does the server's SYN-ACK carry?",
            f"客户端以初始序列号（ISN）{isn} 发起连接。服务器回复的 SYN-ACK 携带的确认号是多少？",
        ),
        explanation=_join(
            _t(
                f"A SYN occupies one sequence number, so the server acknowledges ISN + 1: "
                f"{ack_sum}, the next number it expects from the client.",
                f"SYN 占用一个序列号，所以服务器确认的是 ISN + 1：{ack_sum}，"
                "即它期望客户端发来的下一个序列号。",
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
    trace = handshake.build(TcpParams(isn_client=isn_c, isn_server=isn_s, frames=False))
    final = [s.segment for s in _segments(trace) if s.src == "client" and s.segment.flags == "A"]
    ack, seq = final[-1].ack, final[-1].seq
    ack_sum = _mod_sum(f"{isn_s} + 1", isn_s + 1)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"In a three-way handshake the client's ISN is {isn_c} and the server's ISN is "
            f"{isn_s}. What acknowledgment number does the third segment, the client's ACK, "
            "carry?",
            f"三次握手中，客户端的 ISN 是 {isn_c}，服务器的 ISN 是 {isn_s}。"
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
    lost = rng.randint(1, 5)
    return {"lost": lost, "nth": rng.randint(2, lost + 1)}


def _ask_syn_retry(p: Params) -> _Draft:
    lost, nth = p["lost"], p["nth"]
    trace = handshake.build(TcpParams(lose="syn", lose_times=lost, frames=False))
    times = [s.time for s in _segments(trace) if s.src == "client" and s.segment.flags == "S"]
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
    return _Draft(
        kind="fill",
        prompt=_t(
            f"The client's SYN {lost_text['en']}. The first SYN leaves at "
            "t = 0 s; the retransmission timeout starts at 1 s and doubles after every expiry. "
            f"At what time t, in seconds, does the client send its SYN for the "
            f"{_ordinal(nth)} time?",
            f"客户端的 SYN {lost_text['zh']}。第一个 SYN 在 t = 0 秒发出；重传超时（RTO）"
            f"从 1 秒开始，每超时一次就翻倍。客户端第 {nth} 次发送 SYN 是在第几秒（t 等于多少）？",
        ),
        explanation=_t(
            f"Each retransmission waits twice as long as the one before (exponential back-off, "
            f"RFC 6298): {gaps_said['en']}, so SYN number {nth} leaves at t = {at} s, "
            f"that is 2^{nth - 1} - 1.",
            f"每次重传的等待时间是上一次的两倍（指数退避，RFC 6298）：{gaps_said['zh']}，"
            f"所以第 {nth} 个 SYN 在 t = {at} 秒发出，即 2^{nth - 1} - 1。",
        ),
        see=f"netlab simulate handshake --lose syn --lose-times {lost}",
        answer=when,
    )


# -- data on an established connection -------------------------------------------------------------


def _draw_messages(rng: random.Random, low: int) -> Params:
    count = rng.randint(low, 4)
    return {"isn_client": _isn(rng), "messages": rng.sample(MESSAGES, count)}


def _connection(p: Params) -> Trace:
    data = [m.encode() for m in p["messages"]]
    return connection.build(TcpParams(isn_client=p["isn_client"], frames=False), data, [])


def _ask_data_ack(p: Params) -> _Draft:
    isn, messages = p["isn_client"], p["messages"]
    trace = _connection(p)
    reply = next(s.segment for s in _segments(trace) if s.src == "server" and s.segment.payload)
    total = sum(len(m.encode()) for m in messages)
    listed = _quoted_list(messages)
    n = len(messages)
    count = _t("one message" if n == 1 else f"{n} messages", f"{n} 条消息")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"The client's ISN is {isn}. After the handshake it sends {count['en']}: "
            f"{listed['en']}. Once all the data has arrived, what acknowledgment number does the "
            "server send?",
            f"客户端的 ISN 是 {isn}。握手完成后，它发送了 {count['zh']}：{listed['zh']}。"
            "这些数据全部到达后，服务器发送的确认号是多少？",
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
            _wrap_note(isn + 1 + total),
        ),
        see=f"netlab simulate tcp --isn-client {isn} {_data_options(messages)}",
        answer=reply.ack,
    )


def _ask_data_seq(p: Params) -> _Draft:
    isn, messages = p["isn_client"], p["messages"]
    trace = _connection(p)
    carrying = [s.segment for s in _segments(trace) if s.src == "client" and s.segment.payload]
    last = messages[-1]
    seq = carrying[len(messages) - 1].seq
    before = sum(len(m.encode()) for m in messages[:-1])
    listed = _quoted_list(messages)
    first = (isn + 1) % MOD
    first_sum = _mod_sum(f"{isn} + 1", isn + 1)
    seq_sum = _mod_sum(f"{first} + {before}", first + before)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"The client's ISN is {isn}. After the handshake it sends, one after another: "
            f'{listed["en"]}. What sequence number does the segment carrying "{last}" have?',
            f"客户端的 ISN 是 {isn}。握手完成后，它依次发送：{listed['zh']}。"
            f'携带 "{last}" 的报文段的序列号是多少？',
        ),
        explanation=_join(
            _t(
                f"The first data byte is numbered ISN + 1 = {first_sum}, since the SYN used "
                f'{isn}. Each byte takes one number, and {before} bytes go before "{last}": '
                f"{seq_sum}.",
                f"SYN 用掉了 {isn}，所以第一个数据字节的序号是 ISN + 1 = {first_sum}。"
                f'每个字节占一个序号，"{last}" 之前已有 {before} 个字节：{seq_sum}。',
            ),
            _wrap_note(isn + 1 + before),
        ),
        see=f"netlab simulate tcp --isn-client {isn} {_data_options(messages)}",
        answer=seq,
    )


# -- close -----------------------------------------------------------------------------------------


def _close_trace(variant: str, initiator: str, msl: float = 30.0) -> Trace:
    options = close.CloseOptions(
        initiator=initiator,
        simultaneous=variant == "simultaneous",
        merge=variant == "merge",
        half_close=variant == "half_close",
    )
    return close.build(TcpParams(msl=msl, frames=False), options)


def _close_command(variant: str, initiator: str, msl: int | None = None) -> str:
    parts = ["netlab simulate close"]
    if initiator != "client":
        parts.append(f"--initiator {initiator}")
    if variant != "normal":
        parts.append("--" + variant.replace("_", "-"))
    if msl is not None:
        parts.append(f"--msl {msl}")
    return " ".join(parts)


def _close_story(variant: str, initiator: str) -> Text:
    """One sentence saying who closes when, in the given variant."""
    a, b = SIDE[initiator], SIDE[OTHER[initiator]]
    delay_ms = close.APP_DELAY_US // 1000
    extra = close.CloseOptions().data  # what the half-closing side still sends
    extra_text = extra.decode()
    if variant == "simultaneous":
        return _t(
            "The client and the server call close() at the same moment.",
            "客户端和服务器在同一时刻调用 close()。",
        )
    if variant == "merge":
        return _t(
            f"The {a['en']} calls close() first; the {b['en']} closes as soon as it reads EOF, "
            "so its delayed ACK rides on its own FIN.",
            f"{a['zh']}先调用 close()；{b['zh']}一读到 EOF 就立即关闭，"
            "所以它延迟的 ACK 搭上了自己的 FIN。",
        )
    if variant == "half_close":
        return _t(
            f"The {a['en']} calls close() first; the {b['en']} acknowledges the FIN, still "
            f'sends {len(extra)} bytes ("{extra_text}"), then closes.',
            f"{a['zh']}先调用 close()；{b['zh']}确认这个 FIN 后，还发送了 {len(extra)} 个字节"
            f'（"{extra_text}"），然后才关闭。',
        )
    return _t(
        f"The {a['en']} calls close() first; the {b['en']} acknowledges the FIN at once and "
        f"closes {delay_ms} ms later.",
        f"{a['zh']}先调用 close()；{b['zh']}立即确认这个 FIN，{delay_ms} 毫秒后也关闭。",
    )


def _segment_name(flags: str, payload: int) -> Text:
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
        "variant": rng.choice(("normal", "merge", "half_close")),
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
    story = _close_story(variant, initiator)
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


def _ask_close_count(p: Params) -> _Draft:
    variant, initiator = p["variant"], p["initiator"]
    if variant == "simultaneous":
        initiator = "client"
    trace = _close_trace(variant, initiator)
    segs = _segments(trace)
    count = len(segs)
    flags = ", ".join(f"{SIDE[s.src]['en']} {s.segment.flags}" for s in segs)
    flags_zh = "、".join(f"{SIDE[s.src]['zh']} {s.segment.flags}" for s in segs)
    story = _close_story(variant, initiator)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{story['en']} No segment is lost. How many TCP segments cross the wire from the "
            "first FIN until both sides are done?",
            f"{story['zh']}没有报文段丢失。从第一个 FIN 到双方都结束，线路上一共传输了多少个 "
            "TCP 报文段？",
        ),
        explanation=_t(
            f"{count} segments: {flags}. Every FIN is acknowledged once; a FIN may carry the "
            "ACK of the other side's FIN, and data sent after a FIN needs its own ACK.",
            f"{count} 个报文段：{flags_zh}。每个 FIN 都要被确认一次；一个 FIN 可以顺带确认对方的 "
            "FIN，而在 FIN 之后继续发送的数据也需要自己的 ACK。",
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
    story = _close_story(variant, initiator)
    return _Draft(
        kind="fill",
        prompt=_t(
            f"{story['en']} The maximum segment lifetime (MSL) is {msl} s. How many seconds "
            f"does the {who['en']} stay in TIME-WAIT before its side of the connection is "
            "CLOSED?",
            f"{story['zh']}最大报文段生存时间（MSL）是 {msl} 秒。{who['zh']}要在 TIME-WAIT "
            "状态停留多少秒，它这一端的连接才变为 CLOSED？",
        ),
        explanation=_t(
            f"The side that closes first waits 2·MSL = 2 × {msl} = {wait} s in TIME-WAIT: long "
            "enough to resend the last ACK if the peer's FIN comes again, and for old segments "
            "of this connection to die out. (Linux waits a fixed 60 s.)",
            f"先关闭的一方在 TIME-WAIT 等待 2·MSL = 2 × {msl} = {wait} 秒：这段时间足以在对方"
            "重发 FIN 时再发一次最后的 ACK，也让这条连接的旧报文段在网络中消失。"
            "（Linux 固定等待 60 秒。）",
        ),
        see=_close_command(variant, initiator, msl),
        answer=wait,
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


def _draw_frame(rng: random.Random) -> Params:
    transport = rng.choice(("tcp", "udp"))
    biggest = 1460 if transport == "tcp" else 1472  # what fits a 1500-byte MTU
    # at least 18 bytes, so no frame is below Ethernet's 60-byte minimum and needs padding
    payload = biggest if rng.random() < 0.15 else rng.randint(18, biggest)
    return {"transport": transport, "payload": payload}


def _ask_frame(p: Params) -> _Draft:
    from netlab.sim import packets  # scapy: only when this question is asked

    transport, payload = p["transport"], p["payload"]
    sizes = packets.frame_length(transport, payload)
    name = transport.upper()
    header = sizes[transport]
    total = sizes["total"]
    sum_text = f"{sizes['ethernet']} + {sizes['ip']} + {header} + {payload}"
    if transport == "tcp":
        unit = _t("segment", "报文段")
        options = _t("IP or TCP options", "IP 和 TCP 都不带选项")
    else:
        unit = _t("datagram", "数据报")
        options = _t("IP options", "IP 不带选项")
    return _Draft(
        kind="fill",
        prompt=_t(
            f"An application sends {payload} bytes in one {name} {unit['en']} over IPv4 on "
            f"Ethernet (no {options['en']}). How many bytes long is the Ethernet frame, from the "
            "destination MAC to the end of the data (no preamble, no FCS)?",
            f"应用程序通过以太网上的 IPv4，用一个 {name} {unit['zh']}发送 {payload} 字节"
            f"（{options['zh']}）。从目的 MAC 地址到数据末尾（不算前导码和 FCS），"
            "这个以太网帧有多少字节？",
        ),
        explanation=_t(
            f"Each layer adds its header: Ethernet {sizes['ethernet']}, IPv4 {sizes['ip']}, "
            f"{name} {header} bytes. {sum_text} = {total} bytes. (A TCP header without options "
            "is 20 bytes, a UDP header always 8.)",
            f"每一层都加上自己的首部：以太网 {sizes['ethernet']} 字节、IPv4 {sizes['ip']} 字节、"
            f"{name} {header} 字节。{sum_text} = {total} 字节。（不带选项的 TCP 首部是 20 字节，"
            "UDP 首部总是 8 字节。）",
        ),
        see="netlab simulate tcp --detail" if transport == "tcp" else "netlab notes tcp-udp",
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
        _Recipe("tcp-data-seq", "tcp-udp", lambda rng: _draw_messages(rng, 2), _ask_data_seq),
        _Recipe("close-state", "close", _draw_close_state, _ask_close_state),
        _Recipe("close-segments", "close", _draw_close_count, _ask_close_count),
        _Recipe("close-time-wait", "close", _draw_time_wait, _ask_time_wait),
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
