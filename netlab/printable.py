"""Text from outside, made safe to show on a terminal.

Owns ``printable``: the one function that turns text netlab did not write (an option's value, a
bank or topology file, a packet's payload, a peer's chat line) into text a terminal shows as
it is. Control characters (C0 and C1, DEL), the Unicode controls that reorder text on screen
(bidirectional overrides and isolates), and the bytes of invalid UTF-8 that Python carries as
lone surrogates become visible escapes such as ``\\x1b``; everything else, Chinese included, is
kept. Rich markup is not this module's business: netlab's consoles never parse markup
(``netlab.cli.output``), so ``[red]`` or ``[/]`` in outside text is printed as typed. No I/O.
"""

from __future__ import annotations

import unicodedata

#: Unicode format characters that reorder or hide text (Trojan-source style): shown escaped.
_REORDERING = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")


def _escape(ch: str) -> str:
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
    return category in ("Cc", "Cs") or ch in _REORDERING


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every unsafe character escaped (``newlines`` False: ``\\n`` too, for a
    message that must stay on one line)."""
    if text.isprintable() and text.isascii():
        return text
    return "".join(
        _escape(ch) if unsafe(ch) or (ch == "\n" and not newlines) else ch for ch in text
    )


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
