"""The generated questions about closing a connection: the state after a step, how many segments
a close takes, how long TIME-WAIT lasts, and what close() with unread data sends.

Owns those recipes (``RECIPES``, registered by ``netlab.quiz.generate``) and the stories that
word each close variant (``netlab.sim.close.CloseOptions.variant``). Each runs
``netlab.sim.close`` without frames and reads the answer from its trace. Pure: no scapy, no
printing.
"""

from __future__ import annotations

import random
import shlex

from netlab.quiz.recipe import Draft as _Draft
from netlab.quiz.recipe import Params, Text
from netlab.quiz.recipe import Recipe as _Recipe
from netlab.quiz.recipe import t as _t
from netlab.quiz.tcp_terms import (
    MESSAGES,
    MOD,
    in_ms,
    joined,
    sent_steps,
    stack_said,
    tcp_params,
    whole_seconds,
)
from netlab.sim import close
from netlab.sim.stack import STACKS
from netlab.sim.tcp import SYNCHRONIZED, State
from netlab.sim.trace import Step, Trace

SIDE = {"client": _t("client", "客户端"), "server": _t("server", "服务器")}
OTHER = {"client": "server", "server": "client"}

CLOSE_STATES = (*(s.value for s in State if s in SYNCHRONIZED), State.CLOSED.value)

CLOSE_VARIANTS = ("normal", "merge", "simultaneous", "half_close", "unread", "late_data")


# -- close -----------------------------------------------------------------------------------------


def _close_trace(variant: str, initiator: str, msl: float = 30.0, data: str | None = None) -> Trace:
    """The close scenario's ``variant`` (one of ``CLOSE_VARIANTS``) on the default Linux stack;
    ``data`` is what the passive side sends in the half-close, unread and late-data variants."""
    flags = {} if variant == "normal" else {variant: True}
    extra = {} if data is None else {"data": data.encode()}
    options = close.CloseOptions(initiator=initiator, **flags, **extra)  # type: ignore[arg-type]
    if options.variant != variant:
        raise ValueError(f"unknown close variant {variant!r}")
    return close.build(tcp_params(msl=msl), options)


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
    stack = stack_said("linux")
    segs = sent_steps(trace)
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
        later = in_ms(reset.time - sent.time)
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
        wait = in_ms(STACKS[trace.params["stack"]].delack_first_us / 1_000_000)
        return _t(
            f"{stack['en']} The {a['en']} calls close() first. The {b['en']}'s application "
            "reads EOF and calls close() at once, before its kernel's delayed ACK of the FIN is "
            f"due ({wait} ms after the FIN arrives).",
            f"{stack['zh']}{a['zh']}先调用 close()。{b['zh']}的应用程序读到 EOF 后立即调用 "
            f"close()，这时它的内核对这个 FIN 的延迟确认还没到时间（FIN 到达 {wait} 毫秒后才发）。",
        )
    if bare_ack is None:
        raise ValueError(f"no ACK of the FIN in the {variant} variant")
    ack = in_ms(bare_ack.time - arrived)
    acked = _t(
        f"The {b['en']}'s kernel acknowledges the FIN {ack} ms after it arrives (a delayed ACK)",
        f"{b['zh']}的内核在 FIN 到达 {ack} 毫秒后确认它（延迟确认）",
    )
    if variant == "normal":
        closes = in_ms(passive_fin.time - arrived)  # type: ignore[union-attr]
        return _t(
            f"{stack['en']} The {a['en']} calls close() first. {acked['en']}, and the "
            f"{b['en']}'s application calls close() {closes} ms after the FIN arrived.",
            f"{stack['zh']}{a['zh']}先调用 close()。{acked['zh']}；{b['zh']}的应用程序在 FIN "
            f"到达 {closes} 毫秒后调用 close()。",
        )
    data = next(s for s in segs if s.src == passive and s.segment.payload)
    data_ms = in_ms(data.time - arrived)
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
    closes = in_ms(passive_fin.time - arrived)  # type: ignore[union-attr]
    return _t(
        f"{stack['en']} The {a['en']} calls shutdown(SHUT_WR) first: it sends its FIN but keeps "
        f"reading. {acked['en']}. {data_ms} ms after the FIN arrived the {b['en']}'s "
        f'application sends {n} bytes ("{extra}"), which the {a["en"]} acknowledges at once, '
        f"and {closes} ms after the FIN arrived the {b['en']}'s application calls close().",
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
    # the learner sees segments, not the timers between them: number the segment among the
    # segments, and name it by sender, flags, seq and ack, which no other segment shares
    number = 1 + [s.index for s in sent_steps(trace)].index(step.index)
    sender, seg = SIDE[step.src], step.segment
    what = _segment_name(seg.flags, len(seg.payload))
    numbers = f"seq={seg.seq}, ack={seg.ack}" if seg.has_ack else f"seq={seg.seq}"
    gap = " " if what["zh"][:1].isascii() else ""
    story = _close_story(trace, variant, initiator)
    isn = next(n.params for n in trace.header if n.key == "tcp.header.isns")
    isns = _t(
        f"The client's ISN was {isn['isn_client']}, the server's {isn['isn_server']}.",
        f"客户端的 ISN 是 {isn['isn_client']}，服务器的是 {isn['isn_server']}。",
    )
    who = SIDE[side_name]
    sequence = " → ".join(trace.state_sequence(side_name))
    see = _close_command(variant, initiator)
    timers = {s.event for s in trace.steps[: step.index - 1] if s.segment is None}
    if timers - {"2msl_start"}:
        raise ValueError(f"no wording for the local steps {sorted(timers)} of the step table")
    if number == step.index:
        where = _t("", "")
    else:
        where = _t(
            f" The step table of {see} shows it as step {step.index}: it numbers the 2·MSL "
            "timer's start too.",
            f"{see} 的步骤表把它列为第 {step.index} 步：表中连 2·MSL 定时器的启动也算一步。",
        )
    return _Draft(
        kind="single",
        prompt=_t(
            f"{story['en']} {isns['en']} Counting the segments of the close from 1, segment "
            f"{number} is the {sender['en']}'s {what['en'][:-1]}, {numbers}). "
            f"Once it has arrived, which state is the {who['en']} in?",
            f"{story['zh']}{isns['zh']}从 1 开始给这次关闭中的报文段编号，第 {number} 个报文段"
            f"是{sender['zh']}发出的{gap}{what['zh'][:-1]}，{numbers}）。"
            f"它到达之后，{who['zh']}处于什么状态？",
        ),
        explanation=_t(
            f"After segment {number} the {who['en']} is in {state}. In this close the "
            f"{who['en']} goes {sequence}.{where['en']}",
            f"第 {number} 个报文段之后，{who['zh']}处于 {state}。在这次关闭中，"
            f"{who['zh']}的状态依次为 {sequence}。{where['zh']}",
        ),
        see=see,
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
    segs = sent_steps(trace)
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
    wait = whole_seconds(end.time - start.time)
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
        for s in sent_steps(trace)
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
    stack = stack_said("linux")
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
        explanation=joined(
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


RECIPES = (
    _Recipe("close-state", "close", _draw_close_state, _ask_close_state),
    _Recipe("close-segments", "close", _draw_close_count, _ask_close_count),
    _Recipe("close-time-wait", "close", _draw_time_wait, _ask_time_wait),
    _Recipe("close-unread", "close", _draw_unread, _ask_unread),
)
