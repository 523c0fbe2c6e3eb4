"""The words and numbers the TCP question generators share.

Owns how a TCP question names its assumptions (which stack both hosts run, ``--nodelay`` or
``--stack minimal`` in its ``see`` command), the messages questions draw from, the run of a
scenario without frames with a question's stack, and the small pieces of wording (sums modulo
2**32, ordinals, quoted lists, the options a header carries) that ``netlab.quiz.generate_tcp``
and ``netlab.quiz.generate_close`` both use. Pure: no scapy, no printing.
"""

from __future__ import annotations

import random
import shlex

from netlab.quiz.recipe import Text
from netlab.quiz.recipe import t as _t
from netlab.sim.hosts import TcpParams
from netlab.sim.segment import Segment
from netlab.sim.stack import OPTION_KIND, OPTION_SIZE, STACKS, options_size
from netlab.sim.trace import Step, Trace

MOD = 2**32

# -- shared pieces ---------------------------------------------------------------------------------

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
#: Public unicast addresses a host on a private network might talk to.
#: The private ranges of RFC 1918: (first address, prefix length).
#: Every close the close scenario plays (``close.CloseOptions.variant``).
#: How a TCP question's hosts are set up: netlab's default Linux stack, the same with
#: TCP_NODELAY on both sockets, or the minimal textbook stack.
MODES = ("linux", "nodelay", "minimal")


def draw_isn(rng: random.Random) -> int:
    """A 32-bit ISN; often at or near the top, where adding to it wraps round to 0."""
    roll = rng.random()
    if roll < 0.25:
        return MOD - 1
    if roll < 0.4:
        return MOD - rng.randint(2, 5000)
    return rng.getrandbits(32)


def sent_steps(trace: Trace) -> list[Step]:
    """The steps that put a segment on the wire (lost or not), in order."""
    return [s for s in trace.steps if s.segment is not None]


def tcp_params(mode: str = "linux", **kw: object) -> TcpParams:
    """The parameters of a run in ``mode`` (one of ``MODES``), without frames."""
    stack = STACKS["minimal" if mode == "minimal" else "linux"]
    kw.setdefault("frames", False)
    return TcpParams(stack=stack, nodelay=mode == "nodelay", **kw)  # type: ignore[arg-type]


def mode_options(mode: str) -> str:
    """What the ``see`` command adds to run in ``mode``: ``""``, ``" --nodelay"`` or
    ``" --stack minimal"``."""
    return {"linux": "", "nodelay": " --nodelay", "minimal": " --stack minimal"}[mode]


def stack_said(mode: str) -> Text:
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


def wrap_note(total: int) -> Text:
    """A sentence on wrapping, when an addition went past 2**32 - 1."""
    if total < MOD:
        return _t("", "")
    return _t(
        " Sequence numbers are 32 bits wide and wrap: after 4294967295 comes 0.",
        "序列号只有 32 位，会回绕：4294967295 之后是 0。",
    )


def mod_sum(expr: str, raw: int) -> str:
    """``"1 + 2 = 3"``, or ``"(4294967295 + 1) mod 2^32 = 0"`` when the sum wraps."""
    if raw < MOD:
        return f"{expr} = {raw}"
    return f"({expr}) mod 2^32 = {raw % MOD}"


def lost_words(n: int) -> Text:
    """ "is lost once" / "is lost 3 times in a row", in both languages."""
    if n == 1:
        return _t("is lost once", "丢失了 1 次")
    return _t(
        "is lost twice in a row" if n == 2 else f"is lost {n} times in a row", f"连续丢失了 {n} 次"
    )


def joined(*parts: Text) -> Text:
    return {lang: "".join(p[lang] for p in parts) for lang in parts[0]}


def quoted_list(messages: list[str]) -> Text:
    en = ", ".join(f'"{m}" ({len(m.encode())} bytes)' for m in messages)
    zh = "、".join(f'"{m}"（{len(m.encode())} 字节）' for m in messages)
    return _t(en, zh)


def data_options(messages: list[str]) -> str:
    return " ".join(f"--data {shlex.quote(m)}" for m in messages)


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def whole_seconds(seconds: float) -> int:
    """A time the simulation reports in seconds, which this question needs to be whole."""
    whole = round(seconds)
    if abs(seconds - whole) > 1e-6:
        raise ValueError(f"expected a whole number of seconds, got {seconds}")
    return whole


def in_ms(seconds: float) -> str:
    """A duration the simulation reports in seconds, in milliseconds: ``"4"``, ``"0.5"``."""
    us = round(seconds * 1_000_000)
    return str(us // 1000) if us % 1000 == 0 else f"{us / 1000:g}"


def options_said(seg: Segment) -> Text:
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


def option_sum(seg: Segment) -> Text:
    """``"4 + 2 + 10 + 1 + 3 = 20"``: the options' sizes added up (and padded to a multiple of
    4 bytes, when they need it)."""
    sizes = [OPTION_SIZE[k] for k, _v in seg.options]
    raw, padded = sum(sizes), options_size(seg.options)
    text = " + ".join(map(str, sizes))
    text = f"{text} = {raw}" if len(sizes) > 1 else text
    if raw == padded:
        return _t(text, text)
    return _t(f"{text}, padded to {padded}", f"{text}，补齐到 {padded}")
