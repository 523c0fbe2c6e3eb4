"""Checking what a user typed: addresses, ports, numbers, choices, languages.

Owns turning option strings into values, or into ``OptionError`` (exit 2) with a message that
names the option, the bad value and what is allowed. Options are declared as strings in the
typer commands so that every bad value takes this one path, and the message can be said in the
learner's language.
"""

from __future__ import annotations

import ipaddress
import math

from netlab.errors import OptionError, UsageError
from netlab.i18n import LANGS, Note

MAX_U32 = 2**32 - 1


def allowed(key: str, **params: object) -> Note:
    return Note(f"errors.allowed.{key}", params)


def ipv4_port(option: str, value: str) -> tuple[str, int]:
    """``"192.168.1.10:51000"`` -> ``("192.168.1.10", 51000)``: a unicast IPv4 address and a port
    from 1 to 65535."""
    host, sep, port_text = value.strip().rpartition(":")
    if not sep:
        raise OptionError(option, value, allowed("addr_port"))
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        raise OptionError(option, value, allowed("addr_port")) from None
    if address.is_multicast or address.is_unspecified or int(address) == MAX_U32:
        raise OptionError(option, value, allowed("addr_port"))
    port = integer(option, port_text, 1, 65535, allowed("port"), shown=value)
    return str(address), port


def integer(
    option: str, value: str, low: int, high: int, rule: Note, shown: str | None = None
) -> int:
    """A whole number from ``low`` to ``high``, written in decimal."""
    text = value.strip()
    body = text[1:] if text[:1] in "+-" else text
    if not body.isascii() or not body.isdigit():
        raise OptionError(option, shown if shown is not None else value, rule)
    number = int(text)
    if not low <= number <= high:
        raise OptionError(option, shown if shown is not None else value, rule)
    return number


def seed(value: str | None) -> int | None:
    """``--seed``: a whole number from 0 to 2**32 - 1, or None when not given."""
    if value is None:
        return None
    return integer("--seed", value, 0, MAX_U32, allowed("seed"))


def seconds(option: str, value: str, low_exclusive: float, high: float, rule: Note) -> float:
    """A number of seconds, greater than ``low_exclusive`` and at most ``high``."""
    try:
        number = float(value.strip())
    except ValueError:
        raise OptionError(option, value, rule) from None
    if not math.isfinite(number) or not low_exclusive < number <= high:
        raise OptionError(option, value, rule)
    return number


IDLE_TIMEOUT_MIN = 0.1  # seconds; below this a connection would be closed before it can speak
IDLE_TIMEOUT_MAX = 86_400  # one day


def idle_timeout(value: str) -> float:
    """``--idle-timeout`` of the demo servers: seconds (fractions allowed) from 0.1 to 86400."""
    rule = allowed("idle_timeout", low=IDLE_TIMEOUT_MIN, high=IDLE_TIMEOUT_MAX)
    number = seconds("--idle-timeout", value, 0, IDLE_TIMEOUT_MAX, rule)
    if number < IDLE_TIMEOUT_MIN:
        raise OptionError("--idle-timeout", value, rule)
    return number


def choice(option: str, value: str, choices: tuple[str, ...]) -> str:
    wanted = value.strip().lower()
    if wanted not in choices:
        raise OptionError(option, value, allowed("choice", choices=", ".join(choices)))
    return wanted


def lang(value: str | None) -> str | None:
    return None if value is None else choice("--lang", value, LANGS)


def text_bytes(option: str, values: list[str], each_max: int, total_max: int) -> list[bytes]:
    """Texts to send, as UTF-8: each non-empty and at most ``each_max`` bytes, all together at
    most ``total_max``."""
    out = []
    for value in values:
        data = value.encode("utf-8", "surrogateescape")
        if not data or len(data) > each_max:
            raise OptionError(option, value, allowed("data", max=each_max))
        out.append(data)
    if sum(len(d) for d in out) > total_max:
        joined = " ".join(values)
        raise OptionError(
            option,
            joined[:40] + ("…" if len(joined) > 40 else ""),
            allowed("data_total", max=total_max),
        )
    return out


def combo(first: str, second: str) -> UsageError:
    return UsageError(Note("errors.combo", {"first": first, "second": second}))


def requires(first: str, second: str) -> UsageError:
    return UsageError(Note("errors.requires", {"first": first, "second": second}))


def fold_word(value: str) -> str:
    """A one-word reply, case- and width-insensitive."""
    import unicodedata

    return unicodedata.normalize("NFKC", value).strip().casefold()


def port(option: str, value: str, allow_zero: bool = True) -> int:
    """A TCP port: 1 to 65535 (0 too when ``allow_zero``: let the kernel pick a free one)."""
    low = 0 if allow_zero else 1
    return integer(option, value, low, 65535, allowed("port_demo" if allow_zero else "port"))


def host(option: str, value: str) -> str:
    """An IPv4 address to bind (or ``localhost``)."""
    text = value.strip()
    if text == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise OptionError(option, value, allowed("host")) from None
