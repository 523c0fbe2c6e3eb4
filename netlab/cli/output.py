"""Where a command's output goes, and in which language.

Owns the per-run settings chosen by the global options (``--lang``, ``--no-color``,
``--traceback``), the rich Console commands print to (stdout, or stderr for messages next to
``--json``), and the language the error handler speaks. Light: no scapy, no gevent.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlab.i18n import LANGS, lang_from_env

if TYPE_CHECKING:  # rich is imported only when something is printed
    from rich.console import Console


@dataclass
class Settings:
    lang: str = "en"
    no_color: bool = False
    traceback: bool = False


#: The settings of this run; the root callback fills them in, subcommands may change ``lang``.
current = Settings(lang=lang_from_env())


def _lang_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1].strip().lower()
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1].strip().lower()
    return None


#: The language of ``--help`` texts: they are fixed when the commands are defined, before the
#: options are parsed, so ``--lang`` is read from the command line directly.
HELP_LANG = _lang_from_argv(sys.argv[1:]) if _lang_from_argv(sys.argv[1:]) in LANGS else None


def h(key: str) -> str:
    """The help text ``help.<key>`` in the language of this run."""
    from netlab.i18n import help_text

    return help_text(f"help.{key}", HELP_LANG or current.lang)


def use_lang(lang: str | None) -> str:
    """Make ``lang`` (if given) the language of this run and return the language in force."""
    if lang:
        current.lang = lang
    return current.lang


#: What a terminal that only takes ASCII gets instead of the few non-ASCII signs netlab prints
#: (Wireshark's arrow, the middle dot of 2·MSL, bullets, box drawing); anything else becomes "?".
ASCII_SIGNS = {
    "→": "->",
    "←": "<-",
    "·": ".",
    "•": "*",
    "…": "...",
    "─": "-",
    "│": "|",
    "✓": "x",
    "✕": "x",
    "◆": "*",
    "▶": ">",
    "◀": "<",
    "≤": "<=",
    "≥": ">=",
    "—": "-",
    "–": "-",
    "’": "'",
    "“": '"',
    "”": '"',
}


def _ascii_signs(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(ASCII_SIGNS.get(ch, "?") for ch in bad), error.end


def tolerate_narrow_terminals() -> None:
    """Let stdout and stderr print any text on a terminal whose encoding cannot hold it (ASCII,
    Latin-1): the few signs netlab uses get ASCII stand-ins, other characters a "?", instead of
    a UnicodeEncodeError halfway through a report."""
    import codecs

    codecs.register_error("netlab-ascii", _ascii_signs)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower()
        reconfigure = getattr(stream, "reconfigure", None)
        if "utf" not in encoding and reconfigure is not None:
            reconfigure(errors="netlab-ascii")


def print_json(document: str) -> None:
    """Print a JSON document on stdout, with nothing in it a terminal would act on."""
    from netlab.printable import json_safe

    print(json_safe(document))


def silence_stdout() -> None:
    """Point stdout at /dev/null: its reader has closed the pipe, and Python's final flush must
    not fail again (the convention: a closed pipe ends the program quietly, with status 0)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's captured stdout)
        pass
    finally:
        os.close(devnull)


@functools.cache
def _console_class() -> type[Console]:
    from rich.console import Console
    from rich.segment import Segment

    from netlab.printable import has_unsafe, printable

    class QuietConsole(Console):
        """netlab's console: never parses markup (outside text prints as typed), shows control
        characters escaped (``netlab.printable``), and ends quietly when stdout's reader goes
        away (rich would exit with status 1)."""

        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

        def render_str(self, text: str, **kwargs: Any) -> Any:
            kwargs["markup"] = False
            return super().render_str(printable(text), **kwargs)

        def _render_buffer(self, buffer: Any) -> str:
            # the last line of defence, for Text objects built from outside text: a control
            # character in a segment's text never reaches the terminal raw
            safe = (
                Segment(printable(seg.text), seg.style, seg.control)
                if not seg.control and has_unsafe(seg.text)
                else seg
                for seg in buffer
            )
            return super()._render_buffer(safe)

    return QuietConsole


def console(stderr: bool = False) -> Console:
    return _console_class()(
        file=sys.stderr if stderr else sys.stdout,
        # None lets rich honour NO_COLOR from the environment; --no-color forces it
        no_color=True if current.no_color else None,
        highlight=False,
        soft_wrap=False,
    )


def ascii_only(con: Console) -> bool:
    return "utf" not in (con.encoding or "").lower()
