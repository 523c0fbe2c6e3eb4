"""Line breaking for Chinese text on the console.

rich wraps only at spaces, so a Chinese sentence (which has none) is one long "word": it jumps
whole to the next line and leaves ragged lines behind. Owns ``install``, which gives rich's
wrapper the word splitter of ``netlab.linebreak`` (breaks between CJK characters but not
inside a term, no line starting with closing punctuation, commands kept whole). Also makes
``Text.rstrip_end`` measure in cells, as the wrapper does (rich measures characters there,
which cuts such lines with an ellipsis).
"""

from __future__ import annotations

from netlab.linebreak import words

__all__ = ["install", "words"]


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
