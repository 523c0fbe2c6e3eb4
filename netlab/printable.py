"""Text from outside, made safe to show on a terminal.

Owns ``printable``: the one function that turns text netlab did not write (an option's value, a
bank or topology file, a packet's payload, a peer's chat line) into text a terminal shows as
it is. Control characters (C0 and C1, DEL), the Unicode characters that reorder text on
screen (bidirectional marks, embeddings, overrides and isolates), those that hide (zero-width
spaces and joiners, the word joiner, the byte order mark), the line and paragraph separators
U+2028/U+2029, and the bytes of invalid UTF-8 that Python carries as lone surrogates become
visible escapes such as ``\\x1b``, ``\\u202e`` or ``\\r`` (and ``\\n`` where a message must
stay on one line); everything else, Chinese included, is kept.
``clip`` cuts a value that is too long to show whole and says how much was left out (the
caller says it in words). Rich markup is not this module's business: netlab's consoles never
parse markup (``netlab.cli.output``), so ``[red]`` or ``[/]`` in outside text is printed as
typed. No I/O.
"""

from __future__ import annotations

import unicodedata

#: Unicode characters that reorder text (bidi marks, embeddings, overrides, isolates; the
#: Trojan-source trick), hide it (zero-width space, joiners, marks, word joiner, byte order
#: mark) or break a line where a terminal shows none (U+2028, U+2029): shown escaped.
_INVISIBLE = frozenset(
    "\u061c"  # ARABIC LETTER MARK
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space, non-joiner, joiner; LRM, RLM
    "\u2028\u2029"  # line and paragraph separators
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2060"  # word joiner
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\ufeff"  # zero-width no-break space (byte order mark)
)


_NAMED = {"\n": "\\n", "\r": "\\r"}  # the line breaks a forged log line is made of


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of invalid UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def unsafe(ch: str) -> bool:
    """True for a character a terminal would act on instead of showing."""
    if ch in "\n\t":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or ch in _INVISIBLE


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every unsafe character escaped (``newlines`` False: ``\\n`` too, for a
    message that must stay on one line)."""
    if text.isprintable() and text.isascii():
        return text
    return "".join(
        _escape(ch) if unsafe(ch) or (ch == "\n" and not newlines) else ch for ch in text
    )


def clip(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to its first ``limit`` characters, and how many characters were left out
    (0 when it fits). Cut before escaping, so the count is the sender's characters."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def has_unsafe(text: str) -> bool:
    """True when ``printable`` would change ``text`` (newlines and tabs aside)."""
    return any(unsafe(ch) for ch in text)


def json_safe(document: str) -> str:
    """A JSON document (as ``json.dumps(..., ensure_ascii=False)`` writes it) with every unsafe
    character written as a ``\\uXXXX`` escape: the same data for a JSON reader, nothing a
    terminal acts on. (JSON's own syntax is ASCII, so such a character is always inside a
    string.)"""
    if not has_unsafe(document):
        return document
    return "".join(f"\\u{ord(ch):04x}" if unsafe(ch) else ch for ch in document)
