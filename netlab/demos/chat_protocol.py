"""The chat room's wire format and the rules for what a name or a line may be.

Owns the protocol of ``netlab demo chat``: every message is one ``netlab.framing`` frame (at
most ``MAX_FRAME`` bytes) holding a UTF-8 JSON object with a ``type``. A client sends ``hello``
(``name``) first, then ``say`` (``text``), and ``ping`` (no fields) when it has sent nothing
for a while, so that a member who only reads is not taken for idle; the server answers a ping
with nothing. The server sends ``welcome`` (``name``, ``members``, ``idle_timeout``: seconds
or null, so the client knows how often to ping), ``joined``, ``left``, ``said`` (``name``,
``text``) and ``error`` (``code``: a
word, never a sentence, so each client says it in its own language; ``REASONS`` lists them).
Also the checks of names and lines, and how a typed line is cleaned before it is sent.
Pure: no sockets (``no_delay`` only sets an option on a socket it is given), no printing.
"""

from __future__ import annotations

import contextlib
import json
import socket
import unicodedata
from typing import Any

from netlab.framing import encode

MAX_FRAME = 64 * 1024  # bytes in one frame's body; a larger declared length disconnects
MAX_NAME = 20  # characters in a name
MAX_TEXT = 4000  # characters in one line (at most 16,000 bytes of UTF-8: well inside a frame)
RECV_SIZE = 65536
REASONS = (  # the codes of ``error`` frames and disconnects (demo.chat.reason.*)
    "closed",
    "reset",
    "truncated",
    "too_large",
    "malformed",
    "name_taken",
    "bad_name",
    "already_joined",
    "not_joined",
    "full",
    "slow",
    "slowest",
    "idle",
    "no_fds",
    "internal",
    "no_answer",
)

Message = dict[str, Any]


class ProtocolError(ValueError):
    """A frame that is not a message of this protocol; ``code`` says what was wrong."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def pack(message: Message) -> bytes:
    """One frame holding ``message`` as compact UTF-8 JSON."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return encode(body, MAX_FRAME)


def unpack(payload: bytes) -> Message:
    """The message in a frame's body; ``ProtocolError("malformed")`` if it is not one."""
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError("malformed") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("malformed")
    return message


def name_problem(name: object) -> str | None:
    """Why ``name`` can't be a chat name (``empty``, ``too_long``, ``not_printable``), or None."""
    if not isinstance(name, str) or not name.strip():
        return "empty"
    if len(name) > MAX_NAME:
        return "too_long"
    if not name.isprintable() or name != name.strip():
        return "not_printable"
    return None


def name_key(name: str) -> str:
    """What makes two names the same: ``Bob``, ``bob`` and full-width ``ｂｏｂ`` are one name."""
    return unicodedata.normalize("NFKC", name).casefold()


def text_problem(text: object) -> str | None:
    """Why ``text`` can't be a line (``empty``, ``too_long``, ``control``), or None."""
    if not isinstance(text, str) or not text.strip():
        return "empty"
    if len(text) > MAX_TEXT:
        return "too_long"
    if any(unicodedata.category(c) == "Cc" for c in text):
        return "control"
    return None


def clean_line(line: str) -> str:
    """A typed line as it is sent: control characters (escape codes, ``\\r``) become spaces."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in line)
    return cleaned.strip()


def no_delay(sock: socket.socket) -> None:
    """Turn Nagle's algorithm off: each send() is one whole frame already, and a chat line must
    not wait up to 40 ms for the ACK of the previous one (Nagle + delayed ACK)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
