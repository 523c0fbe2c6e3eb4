"""Where a command's output goes, and in which language.

Owns the per-run settings chosen by the global options (``--lang``, ``--no-color``,
``--traceback``), the rich Console commands print to (stdout, or stderr for messages next to
``--json``), and the language the error handler speaks. Light: no scapy, no gevent.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rich.console import Console

from netlab.i18n import lang_from_env


@dataclass
class Settings:
    lang: str = "en"
    no_color: bool = False
    traceback: bool = False


#: The settings of this run; the root callback fills them in, subcommands may change ``lang``.
current = Settings(lang=lang_from_env())


def use_lang(lang: str | None) -> str:
    """Make ``lang`` (if given) the language of this run and return the language in force."""
    if lang:
        current.lang = lang
    return current.lang


def console(stderr: bool = False) -> Console:
    return Console(
        file=sys.stderr if stderr else sys.stdout,
        no_color=current.no_color,
        highlight=False,
        soft_wrap=False,
    )


def ascii_only(con: Console) -> bool:
    return "utf" not in (con.encoding or "").lower()
