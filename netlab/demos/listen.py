"""Opening a listening TCP socket (or a bound UDP one) for a demo, with errors a learner can
act on.

Owns ``listen``: bind (127.0.0.1 by default, port 0 = a free port the kernel picks), listen,
non-blocking, SO_REUSEADDR; ``bind_datagram``: a UDP socket bound the same way; a port in use
or not allowed becomes a ``UsageError`` naming it. Also ``is_loopback``, for the warning shown
when a demo serves another address.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from netlab.errors import UsageError
from netlab.i18n import Note

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str = LOOPBACK, port: int = 0, backlog: int = 128) -> socket.socket:
    """A non-blocking listening socket on ``host:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise _refused(host, port, exc) from exc
    return sock


def bind_datagram(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A blocking UDP socket bound to ``host:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise _refused(host, port, exc) from exc
    return sock


def _refused(host: str, port: int, exc: OSError) -> UsageError:
    key = {
        errno.EADDRINUSE: "errors.port_in_use",
        errno.EACCES: "errors.port_denied",
        errno.EADDRNOTAVAIL: "errors.host_not_here",
    }.get(exc.errno or 0, "errors.cannot_listen")
    reason = exc.strerror or str(exc)
    return UsageError(Note(key, {"host": host, "port": port, "reason": reason}))
