"""The one error vocabulary of netlab.

Owns ``NetlabError`` and its subclasses, and ``ExitStatus``. Core code raises these with a
message a learner can act on; only ``netlab.cli.main`` turns them into ``netlab: error: ...``
and an exit status. Nothing here prints.
"""

from __future__ import annotations

from enum import IntEnum

from netlab.i18n import Note, render


class ExitStatus(IntEnum):
    """Process exit codes used by every netlab command."""

    OK = 0
    FAILED = 1  # an operation failed (for example a file could not be written)
    USAGE = 2  # bad usage or bad input
    INTERRUPTED = 130  # Ctrl-C


class NetlabError(Exception):
    """Base of every error netlab reports to the user."""

    status: ExitStatus = ExitStatus.FAILED

    def __init__(self, message: str | Note) -> None:
        self.note = (
            message if isinstance(message, Note) else Note("errors.plain", {"text": message})
        )
        super().__init__(self.render("en"))

    @property
    def message(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        """The one-line message in the learner's language (without the ``netlab: error:``)."""
        return render(self.note, lang)


class UsageError(NetlabError):
    """A value the user typed is not allowed (address, port, count, choice, ...)."""

    status = ExitStatus.USAGE


class OptionError(UsageError):
    """An option has a bad value: the message names the option, the value and what is allowed."""

    def __init__(self, option: str, value: object, allowed: Note) -> None:
        shown = str(value)
        if len(shown) > 60:  # a pasted megabyte must not become the error line
            shown = shown[:57] + "…"
        super().__init__(
            Note("errors.option", {"option": option, "value": shown, "allowed": allowed})
        )
        self.option = option
        self.value = value


class OutputError(NetlabError):
    """An output file could not be written."""

    status = ExitStatus.FAILED


class OutputPathError(OutputError):
    """An output path the user typed names no place a file can be created (a missing folder,
    a folder, no permission): bad input, found before any work is done, so status 2."""

    status = ExitStatus.USAGE


class ProtocolViolation(NetlabError):
    """A protocol machine was asked for an event its table does not allow.

    Raised by ``netlab.sim.tcp``; the machine's state is left unchanged.
    """

    status = ExitStatus.FAILED

    def __init__(self, state: str, event: str) -> None:
        super().__init__(Note("errors.protocol", {"state": state, "event": event}))
        self.state = state
        self.event = event
