"""Domain names as a resolver checks and walks them: the rules, the labels, the zone a name is in.

Owns domain-name validation (RFC 1035's preferred syntax, RFC 1123's leading digits:
``name_problem`` names the first rule a name breaks, ``parse_name`` raises ``InvalidName``),
a name's length on the wire, its parent and enclosing zones up to the root, and this
simulation's rule for the zone of a name (its last two labels, three under a few well-known
second-level suffixes such as co.uk or com.cn). The CLI checks ``--name`` with it, the scenario
and the journey parse their names with it.

Must not know about servers, records, caches or time: text in, text (or a Note) out. Pure: no
print, no scapy.
"""

from __future__ import annotations

from typing import Any

from netlab.i18n import Note

MAX_NAME_CHARS = 253  # in text form without the trailing dot: 255 octets on the wire
MAX_LABEL = 63

#: Second-level suffixes under which registrations sit one level deeper (bbc.co.uk).
SECOND_LEVEL = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "com.cn", "net.cn", "org.cn", "edu.cn", "gov.cn",
        "ac.cn", "com.hk", "com.tw", "edu.tw", "co.jp", "ne.jp", "ac.jp", "co.kr", "com.au",
        "edu.au", "co.nz", "com.br", "co.in",
    }
)  # fmt: skip


class InvalidName(ValueError):
    """Not a domain name a resolver would ask for; ``note`` says which rule it breaks."""

    def __init__(self, note: Note) -> None:
        super().__init__(note.key)
        self.note = note


def _why(key: str, **params: Any) -> Note:
    return Note(f"errors.allowed.dns_name_{key}", params)


def _label_char_ok(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "-")


def name_problem(text: str) -> Note | None:
    """None for a valid host name, else the Note of the first rule it breaks.

    Rules: letters, digits and hyphens (RFC 1035 §2.3.1; a leading digit is fine since RFC
    1123), no hyphen first or last in a label, labels of 1 to 63 characters, at most 253
    characters without the optional trailing dot (255 octets on the wire), at least two labels,
    and a top-level label that is not all digits (that would be an IP address)."""
    if not isinstance(text, str) or not text or text == ".":
        return _why("empty")
    body = text[:-1] if text.endswith(".") else text
    if len(body) > MAX_NAME_CHARS:
        return _why("long", length=len(body), max=MAX_NAME_CHARS)
    labels = body.split(".")
    for label in labels:
        if not label:
            return _why("empty_label")
        if len(label) > MAX_LABEL:
            return _why("label_long", label=label[:20] + "…", length=len(label), max=MAX_LABEL)
        bad = next((ch for ch in label if not _label_char_ok(ch)), None)
        if bad is not None:
            return _why("char", char=repr(bad))
        if label[0] == "-" or label[-1] == "-":
            return _why("hyphen", label=label)
    if len(labels) < 2:
        return _why("one_label", name=body)
    if labels[-1].isdigit():
        return _why("numeric_tld", label=labels[-1])
    return None


def parse_name(text: str) -> str:
    """The name as the simulation uses it: lower case, without the trailing dot.

    Raises ``InvalidName`` (a ``ValueError``) naming the broken rule."""
    problem = name_problem(text)
    if problem is not None:
        raise InvalidName(problem)
    return text.rstrip(".").lower()


def wire_length(name: str) -> int:
    """Octets of ``name`` on the wire: a length byte per label, its text, and the root's zero."""
    return sum(1 + len(label) for label in name.rstrip(".").split(".")) + 1


def parent(name: str) -> str:
    """``www.example.com`` -> ``example.com``; a TLD's parent is the root, ``"."``."""
    return name.partition(".")[2] or "."


def enclosing(name: str) -> list[str]:
    """``name`` and every zone above it up to the root: the places a resolver may start."""
    out = [name]
    while out[-1] != ".":
        out.append(parent(out[-1]))
    return out


def zone_of(name: str) -> str:
    """The zone a name is in, in this simulation: its last two labels, or three under a
    well-known second-level suffix (``news.bbc.co.uk`` -> ``bbc.co.uk``)."""
    labels = name.split(".")
    count = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in SECOND_LEVEL else 2
    return ".".join(labels[-count:])
