"""Where a line of English or Chinese text may break, and wrapping in terminal cells.

Pure and import-light (no rich), so the CLI's help can use it. Owns the rules:

- Latin text breaks at spaces, as rich and click break it, except that an option (a word
  starting with ``-``) stays with the word before it, and text in backticks, a short
  ``[label]`` and a short （括注） are one word, so a command such as ``ss -tan`` or a
  ``[default: 1]`` is never split, and a number keeps its unit (``77 B``, ``60 s``,
  ``40 字节``);
- Chinese text may break between characters, but not inside a term of ``TERMS`` (网卡, 字节,
  报文段…), closing punctuation (，。；）…) stays with what comes before it, so no line
  starts with it, and opening punctuation (（「…) with what follows it;
- widths are counted in cells: a CJK character takes two.

``netlab.views.cjk`` gives ``words`` to rich's wrapper; ``netlab.cli.help_words`` wraps the
help text with ``wrap``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: CJK code point ranges: radicals, punctuation, kana, ideographs, full-width forms. (Checked
#: by hand: a regular expression with these ranges costs 5 ms to compile at every start.)
_CJK = (
    (0x2E80, 0x2FFF),
    (0x3000, 0x303F),
    (0x3040, 0x30FF),
    (0x3100, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
)
CLOSING = "，。、：；！？）」』”’》〉】…"
OPENING = "（「『“‘《〈【"

#: Chinese terms a line must not split: the networking words netlab's text uses most. Longer
#: terms first where one contains another.
TERMS = tuple(
    sorted(
        """
        网卡 字节 报文段 报文 数据包 数据报 数据帧 套接字 序列号 确认号 服务器 客户端 路由器 交换机
        集线器 网关 主机 地址 端口 协议 连接 状态 窗口 定时器 计时器 缓存 首部 校验和 广播 单播
        组播 子网 掩码 前缀 租约 域名 解析器 递归 迭代 握手 挥手 重传 确认 应用程序 程序 内核
        进程 线程 协程 事件 循环 超时 往返 时间 字符 消息 请求 响应 应答 回复 选项 参数 命令
        接口 网络 链路 物理 传输 会话 表示 应用 运输 以太网 网段 转发 学习 泛洪 冲突 环路 风暴
        映射 翻译 转换 公网 私网 内网 外网 分配 释放 续租 拒绝 通告 探测 条目 表项 记录 查询
        权威 根服务器 顶级域 委派 引用 问题 答案 题目 笔记 主题 模拟 演示 步骤 报告 实验
        毫秒 微秒 秒钟 分钟 小时 字母 大写 小写 文本 文件 目录 标志 字段 长度 大小 数目
        发送 接收 读取 写入 调用 返回 阻塞 非阻塞 多路复用 并发 粘包 拆包 分帧 边界 换行
        聊天室 真实 运行 结果 每次 两端 抓取 权限 模型 序列 期望 丢失 到期 关闭 打开 监听
        默认 输出 输入 语言 颜色 版本 帮助 退出 保存 图片 字节数 包含 显示 对照 差异 解释
        """.split(),  # noqa: SIM905 (a word list, easier to read as text)
        key=len,
        reverse=True,
    )
)
_BY_FIRST: dict[str, list[str]] = {}
for _term in TERMS:  # longest first, as TERMS is sorted
    _BY_FIRST.setdefault(_term[0], []).append(_term)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return code >= 0x2E80 and any(low <= code <= high for low, high in _CJK)


def _enclosed(text: str, position: int, close: str, longest: int) -> int:
    """The end of ``text[position:]`` as far as ``close`` (within ``longest`` characters and
    on the same line), or -1."""
    end = text.find(close, position + 1, position + longest + 2)
    if end < 0 or "\n" in text[position:end]:
        return -1
    return end + 1


def _core(text: str, i: int, whole: bool) -> int:
    """The end of the word proper that starts at ``i`` (not whitespace); with ``whole``, a
    short enclosure (``a command``, [label], （括注）) is one word."""
    char = text[i]
    for opener, close, longest in (("`", "`", 200), ("[", "]", 40), ("（", "）", 12)):
        if whole and char == opener and (end := _enclosed(text, i, close, longest)) > 0:
            return end
    j = i
    while j < len(text) and text[j] in OPENING:
        j += 1
    if j < len(text) and is_cjk(text[j]):
        for term in _BY_FIRST.get(text[j], ()):
            if text.startswith(term, j):
                return j + len(term)
        return j + 1
    if j > i:  # opening punctuation before something else
        return j
    n = len(text)
    end = i
    while True:  # a Latin word, and the -options that follow it
        start = end
        while end < n and not text[end].isspace() and not is_cjk(text[end]):
            end += 1
        gap = end
        while gap < n and text[gap] in " \t":
            gap += 1
        if gap > end and gap + 1 < n and text[gap] == "-" and not text[gap + 1].isspace():
            end = gap
            continue
        if gap > end and _NUMBER.fullmatch(text[start:end]):  # "77 B", "60 s", "40 字节"
            unit = _unit_at(text, gap)
            if unit:
                end = gap + unit
                while end < n and text[end] in ".,;:)]!?'\"":  # "2 s." ends with its stop
                    end += 1
                return end
        return end


_NUMBER = re.compile(r"[(\[]?[0-9][0-9.,]*")
#: units that stay on the line of the number before them
UNITS = ("B", "KiB", "MiB", "GiB", "s", "ms", "µs", "us", "bytes", "byte", "bits", "bit")
UNITS_CJK = ("字节", "毫秒", "微秒", "秒", "个", "次", "位")


def _unit_at(text: str, position: int) -> int:
    """The length of the unit that starts at ``position`` (0 if none): a Latin unit must end
    there (a space, punctuation or the end follows); a Chinese one is enough on its own."""
    for unit in UNITS_CJK:
        if text.startswith(unit, position):
            return len(unit)
    for unit in UNITS:
        if text.startswith(unit, position):
            after = position + len(unit)
            if after == len(text) or not (text[after].isalnum() or text[after] in "_-"):
                return len(unit)
    return 0


def _next(text: str, position: int, whole: bool = True) -> int:
    """Where the word that starts at ``position`` ends (with the closing punctuation and the
    spaces after it); ``position`` at the end of the text."""
    n = len(text)
    i = position
    while i < n and text[i].isspace():
        i += 1
    if i == n:
        return position  # only spaces: no word (as rich's own splitter)
    end = _core(text, i, whole)
    while end < n and text[end] in CLOSING:
        end += 1
    while end < n and text[end].isspace():
        end += 1
    return end


def words(text: str, whole: bool = True) -> Iterable[tuple[int, int, str]]:
    """Yield (start, end, word) like ``rich._wrap.words``: each word with the spaces after it
    (and, for the first, before it). ``whole=False`` breaks enclosures into their words."""
    position = 0
    end = _next(text, position, whole)
    while end > position:
        yield position, end, text[position:end]
        position = end
        end = _next(text, position, whole)


def cells(text: str) -> int:
    """The width of ``text`` in terminal cells (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` (one paragraph) as lines of at most ``width`` cells, broken only where
    ``words`` allows; a single word wider than ``width`` gets a line of its own."""
    lines: list[str] = []
    line = ""
    pieces = []
    for _, _, word in words(" ".join(text.split())):
        if cells(word.strip()) > width:  # an enclosure wider than the line: break inside it
            pieces.extend(piece for _, _, piece in words(word, whole=False))
        else:
            pieces.append(word)
    for word in pieces:
        candidate = line + word
        if line and cells(candidate.rstrip()) > width:
            lines.append(line.rstrip())
            line = word.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines
