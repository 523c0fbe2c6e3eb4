"""Files netlab writes (pcap, SVG): checking the path first, then writing atomically.

Owns ``check_writable`` (run before any work, so a bad ``--pcap``/``--svg`` path fails at once
and nothing is half-written) and ``write_text_atomically`` (through ``netlab.files``). Errors
are ``OutputError`` with a message naming the path and the reason.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from netlab.errors import OutputError, OutputPathError, UsageError
from netlab.files import STDOUT, atomic_write
from netlab.i18n import Note


def check_writable(option: str, value: str, stdout_ok: bool = False) -> Path:
    """Return ``value`` as a Path if a file can be created there; raise OutputError if not.
    With ``stdout_ok``, ``-`` stands for standard output (``STDOUT``)."""
    if stdout_ok and value == "-":
        return STDOUT
    path = Path(value).expanduser()
    folder = path.parent if str(path.parent) else Path(".")

    def fail(reason: Note) -> OutputError:
        where = f"{option} {value}"
        return OutputPathError(Note("errors.output", {"path": where, "reason": reason}))

    if not value.strip():
        raise UsageError(Note("errors.empty_path", {"option": option}))
    if path.name in ("", ".", ".."):
        raise fail(Note("errors.is_folder", {"path": value}))
    if path.is_dir():
        raise fail(Note("errors.is_folder", {"path": value}))
    if not folder.exists():
        raise fail(Note("errors.no_folder", {"folder": str(folder)}))
    if not folder.is_dir():
        raise fail(Note("errors.not_a_folder", {"folder": str(folder)}))
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise fail(Note("errors.no_permission", {"folder": str(folder)}))
    try:  # the folder may still refuse new files (/proc, a read-only mount): try one
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".netlab-check-")
    except OSError as exc:
        raise fail(Note("errors.cannot_create", {"reason": exc.strerror or str(exc)})) from exc
    os.close(handle)
    os.unlink(probe)
    return path


def write_text_atomically(path: Path, content: str) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(content, encoding="utf-8")
