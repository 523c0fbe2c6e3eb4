"""Line breaking for Chinese text on the console.

rich wraps only at spaces, so a Chinese sentence (which has none) is one long "word": it jumps
whole to the next line and leaves ragged lines behind. Owns ``install``, which gives rich's
wrapper a word splitter that also breaks between CJK characters (keeping closing punctuation
such as ，。） with the character or Latin word before it, so no line starts with it). Text
without CJK characters is split exactly as rich does. Also makes ``Text.rstrip_end`` measure in
cells, as the wrapper does (rich measures characters there, which cuts such lines with an
ellipsis).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff"  # radicals, punctuation, kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"  # ideographs, full-width forms
)
_CLOSING = "，。、：；！？）」』”’》〉】…"
_WORD = re.compile(rf"\s*(?:[{_CJK}][{_CLOSING}]*|[^\s{_CJK}]+[{_CLOSING}]*)\s*")


def words(text: str) -> Iterable[tuple[int, int, str]]:
    """Yield (start, end, word) like ``rich._wrap.words``, with each CJK character a word."""
    position = 0
    match = _WORD.match(text, position)
    while match is not None and match.end() > position:
        start, end = match.span()
        yield start, end, match.group(0)
        position = end
        match = _WORD.match(text, position)


def _rstrip_end(self, size: int) -> None:  # a method of rich.text.Text
    """``Text.rstrip_end`` measuring in cells: rich counts characters, so a line that ends with
    a Chinese character and a space is one cell too wide and gets cut with an ellipsis."""
    from rich.cells import cell_len

    excess = cell_len(self.plain) - size
    if excess > 0:
        trailing = len(self.plain) - len(self.plain.rstrip())
        if trailing:
            self.right_crop(min(trailing, excess))


def install() -> None:
    """Make rich's wrapping use ``words``, and its trailing-space trimming count cells
    (idempotent)."""
    from rich import _wrap
    from rich.text import Text

    _wrap.words = words
    Text.rstrip_end = _rstrip_end


install()
