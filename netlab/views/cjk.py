"""Line breaking for Chinese text on the console.

rich wraps only at spaces, so a Chinese sentence (which has none) is one long "word": it jumps
whole to the next line and leaves ragged lines behind. Owns ``install``, which gives rich's
wrapper a word splitter that also breaks between CJK characters (keeping closing punctuation
such as ，。） with the character before it, so no line starts with it). Text without CJK
characters is split exactly as rich does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff"  # radicals, punctuation, kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"  # ideographs, full-width forms
)
_CLOSING = "，。、：；！？）」』”’》〉】…"
_WORD = re.compile(rf"\s*(?:[{_CJK}][{_CLOSING}]*|[^\s{_CJK}]+)\s*")


def words(text: str) -> Iterable[tuple[int, int, str]]:
    """Yield (start, end, word) like ``rich._wrap.words``, with each CJK character a word."""
    position = 0
    match = _WORD.match(text, position)
    while match is not None and match.end() > position:
        start, end = match.span()
        yield start, end, match.group(0)
        position = end
        match = _WORD.match(text, position)


def install() -> None:
    """Make rich's wrapping use ``words`` (idempotent)."""
    from rich import _wrap

    _wrap.words = words


install()
