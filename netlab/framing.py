"""Length-prefixed framing: whole messages out of a TCP byte stream. Sans-IO.

Owns the frame format (a 4-byte unsigned length in network byte order, ``struct`` format
``'!I'``, then that many bytes), ``encode``, and ``Decoder``: ``feed(data)`` returns every
message completed by ``data`` (zero, one or several, however the bytes were cut), ``close()``
checks that the stream did not end inside a frame. A declared length above ``max_size``
(default 16 MiB) raises ``FramingError`` before any buffer grows to it. No sockets here: the
demos move bytes, this module only counts them. (Model: h11 / wsproto's sans-IO design.)

Why ``'!I'`` and not ``'i'``: ``'!'`` fixes the byte order to network order (big-endian) and
the size to exactly 4 bytes on every machine, where ``'i'`` uses the host's native order and
alignment; ``'I'`` is unsigned, as a length is never negative.
"""

from __future__ import annotations

import struct

HEADER = struct.Struct("!I")
HEADER_SIZE = HEADER.size  # 4
DEFAULT_MAX = 16 * 1024 * 1024


class FramingError(ValueError):
    """The byte stream does not hold well-formed frames (too large, or cut short)."""


def encode(message: bytes, max_size: int = DEFAULT_MAX) -> bytes:
    """One frame: the length header, then the message."""
    if len(message) > max_size:
        raise FramingError(f"message of {len(message)} bytes exceeds the maximum of {max_size}")
    return HEADER.pack(len(message)) + message


class Decoder:
    """Collects bytes and hands back whole messages."""

    def __init__(self, max_size: int = DEFAULT_MAX) -> None:
        if max_size < 0 or max_size > 0xFFFFFFFF:
            raise ValueError("max_size must be between 0 and 2**32 - 1")
        self.max_size = max_size
        self._buffer = bytearray()
        self._need: int | None = None  # body length of the frame being read, once known

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a returned message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return the messages it completes, in order."""
        self._buffer += data
        messages = []
        while True:
            if self._need is None:
                if len(self._buffer) < HEADER_SIZE:
                    break
                (length,) = HEADER.unpack_from(self._buffer)
                if length > self.max_size:
                    raise FramingError(
                        f"frame declares {length} bytes, above the maximum of {self.max_size}"
                    )
                del self._buffer[:HEADER_SIZE]
                self._need = length
            if len(self._buffer) < self._need:
                break
            messages.append(bytes(self._buffer[: self._need]))
            del self._buffer[: self._need]
            self._need = None
        return messages

    def close(self) -> None:
        """The stream ended: raise ``FramingError`` if it ended inside a frame."""
        if self._need is not None:
            raise FramingError(f"truncated: {len(self._buffer)} of {self._need} bytes")
        if self._buffer:
            raise FramingError(f"truncated: {len(self._buffer)} of {HEADER_SIZE} header bytes")
