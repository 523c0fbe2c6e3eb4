"""Files netlab writes (pcap, SVG): checking the path first, then writing it.

Owns ``check_writable`` (run before any work, so a bad ``--pcap``/``--svg`` path fails at once
with status 2 and nothing is half-written) and ``write_text``. How each kind of path is written
(a file replaced atomically, a link followed, a FIFO or device written through) is
``netlab.files.target``'s decision, shared by the check and the write; an error met while
writing, after the work, is ``OutputError`` (status 1, ``netlab.files.reported``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from netlab.errors import OutputError, OutputPathError, UsageError
from netlab.files import STDOUT, Unusable, atomic_write, reported, target
from netlab.i18n import Note


def check_writable(option: str, value: str, stdout_ok: bool = False, binary: bool = False) -> Path:
    """Return ``value`` as a Path if netlab can write there, ``STDOUT`` for standard output
    (``-``, ``/dev/stdout``) when ``stdout_ok``; raise OutputPathError if not. ``binary``
    refuses a terminal (the caller checks ``STDOUT`` itself, after its own combinations)."""
    if not value.strip():
        raise UsageError(Note("errors.empty_path", {"option": option}))
    if stdout_ok and value == "-":
        return STDOUT
    where_typed = f"{option} {value}"

    def fail(reason: Note) -> OutputError:
        return OutputPathError(Note("errors.output", {"path": where_typed, "reason": reason}))

    path = Path(value).expanduser()
    if path.name in ("", ".", ".."):
        raise fail(Note("errors.is_folder", {"path": value}))
    try:
        where = target(path)
    except Unusable as exc:
        raise fail(exc.reason) from None
    if where.kind == "stdout":
        if not stdout_ok:
            raise fail(Note("errors.no_stdout", {"option": option}))
        return STDOUT
    if binary and where.terminal:
        raise OutputPathError(Note("errors.pcap_terminal_path", {"path": where_typed}))
    return path


def write_text(path: Path, content: str, waiting: Callable[[float], None] | None = None) -> None:
    with reported(path), atomic_write(path, waiting) as tmp:
        tmp.write_text(content, encoding="utf-8")
