"""Wireshark's HTTP dissector as its Protocol and Info columns show it (tshark 4.0).

Owns which bytes of a TCP stream tshark calls HTTP and what it writes for them, so that a
capture's columns can be predicted without tshark (``netlab.sim.info_column.Capture`` feeds it
the in-order payload of each direction of a conversation on one of ``HTTP_PORTS``, or on any
other port once a segment's first line names HTTP/1.x: tshark's HTTP heuristic):

- a request or status line (``GET / HTTP/1.1``, ``HTTP/1.1 200 OK (text/html)``: the media
  type of a non-empty body) in the frame that completes the message: the headers up to the blank
  line, then a Content-Length body, or, for a response without Content-Length, everything up to
  the FIN (several messages in one frame are listed one after the other);
- ``Continuation`` for data that is not the start of a message, once a request has been seen;
- a frame whose message is still incomplete keeps TCP as its protocol and is marked
  ``[TCP segment of a reassembled PDU]``: after the TCP text, or after the request or status
  line when the first line is complete;
- anything else (text that is not HTTP before any request) is left to TCP.

Measured against tshark 4.0.17 (``tests/live/test_tshark_columns.py``; other releases have
moved these rules). Not modelled: chunked bodies, HEAD responses, reassembly across a segment
missing from the capture, and the other dissectors of the same ports. Pure bytes and text.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the TCP ports tshark 4.0 gives to HTTP (``tshark -G decodes``)
HTTP_PORTS = frozenset({80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371})

#: the request methods tshark recognises (packet-http.c, is_http_request_or_reply)
METHODS = frozenset(
    {
        "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE",
        "MKCOL", "TRACE", "PATCH", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT",
        "UPDATE", "NOTIFY", "BDELETE", "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND", "CHECKOUT",
        "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH", "UNCHECKOUT",
        "MKACTIVITY", "MKWORKSPACE", "RPC_CONNECT", "RPC_IN_DATA", "UNSUBSCRIBE",
        "RPC_OUT_DATA", "VERSION-CONTROL", "BASELINE-CONTROL", "SSTP_DUPLEX_POST",
    }
)  # fmt: skip

REASSEMBLED = "[TCP segment of a reassembled PDU]"
CONTINUATION = "Continuation"
NO_BODY_STATUS = (204, 304)  # and every 1xx


@dataclass(frozen=True)
class Column:
    """What HTTP does to one frame's columns: ``protocol`` "HTTP" with ``info`` when it
    dissected something; else ``pending`` (the frame is held for reassembly) with ``info`` the
    first line it already wrote, if any; else nothing (TCP's own text stays)."""

    protocol: str | None = None
    info: str | None = None
    pending: bool = False


PLAIN = Column()


def kind(line: bytes) -> str | None:
    """ "request", "response" or None for a message's first line, as tshark decides it."""
    if line.startswith(b"M-"):
        line = line[2:]
    if line.startswith((b"HTTP/", b"ICY")):
        return "response"
    method = line.split(b" ", 1)[0]
    return "request" if method.decode("latin-1") in METHODS else None


def line_end(data: bytes, start: int) -> tuple[int, int] | None:
    """(end of the line, start of the next) from ``start``; None while the line may go on
    (no CR or LF yet, or a CR that is the last byte: an LF may follow in the next segment)."""
    for i in range(start, len(data)):
        byte = data[i]
        if byte == 0x0A:
            return i, i + 1
        if byte == 0x0D:
            if i + 1 == len(data):
                return None
            return i, i + 2 if data[i + 1] == 0x0A else i + 1
    return None


def heuristic(payload: bytes) -> bool:
    """tshark's HTTP heuristic for TCP on other ports: the segment's first line is complete
    and starts with, or ends in, HTTP/1.x (any case)."""
    found = line_end(payload, 0)
    if found is None or found[0] <= 8:
        return False
    line = payload[: found[0]].lower()
    return line.startswith(b"http/1.") or line[-8:-1] == b"http/1."


def _joined(texts: list[str]) -> str:
    """The texts of the messages of one frame as tshark strings them together ("LINE (MEDIA)"
    directly followed by the next "LINE "), spaces normalised."""
    return " ".join("".join(texts).split())


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace")


@dataclass
class _Message:
    """A request or response whose headers are complete: its first line, where its body
    starts, how long the body is (None: up to the end of the stream) and its media type."""

    first: bytes
    body_start: int
    body_length: int | None
    media: str | None


def _headers(data: bytes, first_line: bytes, offset: int, what: str) -> _Message | None:
    """The message whose first line is ``first_line`` and whose headers start at ``offset``,
    or None while the blank line that ends them has not arrived."""
    length: int | None = None
    media: str | None = None
    while True:
        found = line_end(data, offset)
        if found is None:
            return None
        end, after = found
        line = data[offset:end]
        if not line:
            break
        name, colon, value = line.partition(b":")
        if colon:
            key = name.strip().lower()
            if key == b"content-length" and value.strip().isdigit():
                length = int(value.strip())
            elif key == b"content-type":
                media = _text(value.split(b";", 1)[0].strip()).lower() or None
        offset = after
    if length is None and what == "request":
        length = 0
    if length is None and what == "response":
        code = first_line.split(b" ", 2)[1:2]
        status = int(code[0]) if code and code[0].isdigit() else 0
        if status // 100 == 1 or status in NO_BODY_STATUS:
            length = 0
    return _Message(first_line, after, length, media)


class HttpConversation:
    """The HTTP state of one TCP conversation: whether a request has been seen (after which
    tshark calls anything else ``Continuation``) and, per direction, the bytes held for
    reassembly."""

    def __init__(self) -> None:
        self.seen_request = False
        self._pending: dict[object, bytes] = {}

    def feed(self, direction: object, payload: bytes, end_of_stream: bool = False) -> Column:
        """The next in-order bytes of one direction (``end_of_stream``: this frame carries
        the FIN); returns what HTTP makes of the frame."""
        held = self._pending.pop(direction, b"")
        if not held and not payload:
            return PLAIN
        data = held + payload
        texts: list[str] = []
        offset = 0
        while offset < len(data):
            step = self._message(data, offset, end_of_stream)
            if step is None:  # not HTTP
                break
            if isinstance(step, Column):  # incomplete: held for the next segment
                if not end_of_stream:
                    self._pending[direction] = data[offset:]
                if texts:
                    return Column("HTTP", _joined(texts))
                return PLAIN if end_of_stream else step
            text, offset = step
            texts.append(text)
        return Column("HTTP", _joined(texts)) if texts else PLAIN

    def _message(self, data: bytes, offset: int, eos: bool) -> tuple[str, int] | Column | None:
        """One message from ``offset``: (its Info text, where the next starts), a pending
        Column while it is incomplete, or None when tshark would not call it HTTP."""
        if len(data) - offset > 3 and data[offset : offset + 2] == b"\r\n":
            offset += 2  # a leading empty line is skipped (RFC 7230, 3.5)
        if not 0x20 <= data[offset] <= 0x7E:  # binary: only known HTTP gets a name
            return (CONTINUATION, len(data)) if self.seen_request else None
        first = line_end(data, offset)
        if first is None:
            return Column(pending=True)
        what = kind(data[offset : first[0]])
        if what is None:
            return (CONTINUATION, len(data)) if self.seen_request else None
        line = _text(data[offset : first[0]])
        message = _headers(data, data[offset : first[0]], first[1], what)
        if message is None:
            return Column(info=line, pending=True)
        available = len(data) - message.body_start
        length = message.body_length
        if length is None or available < length:
            if not eos:
                return Column(info=line, pending=True)
            length = available
        if what == "request":
            self.seen_request = True
        text = line + " "  # tshark writes "LINE ", then " (MEDIA)" for a body it decodes
        if message.media and length > 0:
            text += f" ({message.media})"
        return text, message.body_start + length
