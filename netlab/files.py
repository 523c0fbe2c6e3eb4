"""Writing the files a user names (``--pcap``, ``--svg``, every later export).

Owns ``target`` (what is at a path and so how to write there) and ``atomic_write`` (a context
manager that yields a temporary path for the complete file, then delivers it as ``target``
decided). ``views.output.check_writable`` asks ``target`` before any work, so the check and the
write agree. What is at the path decides:

- nothing: a temporary file in the destination's folder is renamed into place, with ordinary
  permissions (0666 less the umask), like ``open(path, "w")``;
- a regular file: renamed over it (atomic: a failed or interrupted export leaves the old file
  whole), keeping its mode and, where allowed, its owner and group;
- a regular file with other hard links: written in place (truncated, then the finished copy
  written into it), so every name keeps naming one file; only that final copy is not atomic.
  A regular file in a folder that takes no new file (no permission, ``/proc``, ``/sys``) is
  refused, as a new file there is: a replacement is created beside it;
- a symbolic link: followed; its target is written as above and the link stays. A dangling
  link creates its target, as ``>`` in a shell does. A link another user made in a sticky
  shared folder (``/tmp``) is refused, as the kernel's ``fs.protected_symlinks`` refuses it;
- a FIFO or a character device (``/dev/null``): written through, never replaced. A FIFO that
  nobody has opened for reading is waited for ``FIFO_WAIT`` seconds, then an error;
- one of netlab's own descriptors (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``): that
  descriptor; descriptor 1 is ``STDOUT``, as ``-`` is.

A folder, a socket, a block device, a read-only file: ``Unusable``, with a ``Note`` saying why.
Also ``reported``: an error met while writing, after the work, becomes ``OutputError``
(status 1). No output here: a caller that wants to say it is waiting passes ``waiting``.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netlab.errors import OutputError
from netlab.i18n import Note

#: ``-``: standard output (``--pcap - | tshark -r -``).
STDOUT = Path("-")

#: How long a FIFO may stay without a reader, and when to say that netlab is waiting.
FIFO_WAIT = 30.0
FIFO_NOTICE = 1.0

#: Character devices that are terminals (Linux majors: tty, /dev/tty and console, pts).
TERMINAL_MAJORS = frozenset({4, 5, *range(136, 144)})

CHUNK = 1 << 16


class Unusable(OSError):
    """Nothing can be written at the path; ``reason`` says why."""

    def __init__(self, reason: Note) -> None:
        super().__init__(errno.EINVAL, reason.key)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """Where the bytes go and how: ``kind`` is ``stdout``, ``descriptor`` (``fd``), ``new``,
    ``replace``, ``in_place``, ``fifo`` or ``device``; ``path`` is the file itself (a link's
    target); ``old`` the status of what is there."""

    kind: str
    path: Path
    fd: int | None = None
    old: os.stat_result | None = None

    @property
    def terminal(self) -> bool:
        if self.fd is not None:
            return os.isatty(self.fd)
        return (
            self.kind == "device"
            and self.old is not None
            and os.major(self.old.st_rdev) in TERMINAL_MAJORS
        )


def _access(path: str | Path, mode: int) -> bool:
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def _descriptor(name: str) -> int | None:
    """The descriptor number when ``name`` leads (through links such as /dev/stdout ->
    /proc/self/fd/1, or /dev/fd -> /proc/self/fd) to one of this process's descriptors."""
    own = f"/proc/{os.getpid()}/fd"
    current = os.path.abspath(name)
    for _ in range(40):  # the kernel's own limit on links followed
        folder, last = os.path.split(current)
        real_folder = os.path.realpath(folder)
        if last.isdigit() and real_folder == own:
            return int(last)
        try:
            link = os.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(real_folder, link))
    return None


def _refuse_foreign_link(name: str) -> None:
    """fs.protected_symlinks: in a sticky, world-writable folder a link is followed only by its
    owner or when the folder's owner made it."""
    try:
        link = os.lstat(name)
        if not stat.S_ISLNK(link.st_mode):
            return
        folder = os.stat(os.path.dirname(os.path.abspath(name)))
    except OSError:
        return
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and link.st_uid not in (os.geteuid(), folder.st_uid):
        raise Unusable(Note("errors.foreign_link", {"path": name}))


def _probe(folder: Path) -> OSError | None:
    """Create and remove one file in ``folder``: the only sure test (``/proc`` and read-only
    mounts refuse new files whatever the permissions say)."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".netlab-check-")
    except OSError as exc:
        return exc
    os.close(handle)
    os.unlink(probe)
    return None


def _new(path: Path, probe: bool) -> Target:
    name = os.fspath(path)
    real = Path(os.path.realpath(name))  # a dangling link: where its target would be
    folder = real.parent
    shown = str(folder) if os.path.islink(name) else str(path.parent)
    try:
        found = os.stat(folder)
    except FileNotFoundError:
        raise Unusable(Note("errors.no_folder", {"folder": shown})) from None
    except NotADirectoryError:
        raise Unusable(Note("errors.not_a_folder", {"folder": shown})) from None
    except OSError as exc:
        raise Unusable(Note("errors.cannot_create", {"reason": _why(exc)})) from None
    if not stat.S_ISDIR(found.st_mode):
        raise Unusable(Note("errors.not_a_folder", {"folder": shown}))
    if not _access(folder, os.W_OK | os.X_OK):
        raise Unusable(Note("errors.no_permission", {"folder": shown}))
    if probe and (problem := _probe(folder)) is not None:
        raise Unusable(Note("errors.cannot_create", {"reason": _why(problem)}))
    return Target("new", real)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def target(path: Path, probe: bool = True) -> Target:
    """What is at ``path`` and so how it is written (see the module's docstring); raises
    ``Unusable`` when nothing can be. ``probe``: try creating a file where one would be."""
    if path == STDOUT:
        return Target("stdout", path, fd=1)
    name = os.fspath(path)
    fd = _descriptor(name)
    if fd is not None:
        try:
            os.fstat(fd)
        except OSError as exc:
            raise Unusable(Note("errors.cannot_create", {"reason": _why(exc)})) from None
        return Target("stdout" if fd == 1 else "descriptor", path, fd=fd)
    _refuse_foreign_link(name)
    try:
        found = os.stat(name)
    except (FileNotFoundError, NotADirectoryError):
        return _new(path, probe)
    except OSError as exc:  # a loop of links, a folder on the way that may not be searched
        raise Unusable(Note("errors.cannot_create", {"reason": _why(exc)})) from None
    mode = found.st_mode
    if stat.S_ISDIR(mode):
        raise Unusable(Note("errors.is_folder", {"path": name}))
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        if not _access(name, os.W_OK):
            raise Unusable(Note("errors.no_write_permission", {"path": name}))
        return Target("fifo" if stat.S_ISFIFO(mode) else "device", path, old=found)
    if not stat.S_ISREG(mode):  # a socket, a block device (a disk)
        raise Unusable(Note("errors.special_file", {"path": name}))
    real = Path(os.path.realpath(name))
    if not _access(real, os.W_OK):
        raise Unusable(Note("errors.no_write_permission", {"path": name}))
    if found.st_nlink > 1:
        return Target("in_place", real, old=found)
    shown = str(real.parent) if os.path.islink(name) else str(path.parent)
    if not _access(real.parent, os.W_OK | os.X_OK):
        raise Unusable(Note("errors.no_permission", {"folder": shown}))
    if probe and (problem := _probe(real.parent)) is not None:
        raise Unusable(Note("errors.cannot_create", {"reason": _why(problem)}))
    return Target("replace", real, old=found)


def streams(path: Path) -> bool:
    """Whether ``path`` is written through (standard output, a descriptor, a FIFO, a device)
    rather than being a file one can open again later."""
    try:
        return target(path, probe=False).kind in ("stdout", "descriptor", "fifo", "device")
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _settle(tmp: Path, old: os.stat_result | None) -> None:
    """Give the finished file the replaced file's mode, owner and group (owner and group where
    allowed: only root may give a file away), or a new file's ordinary permissions."""
    if old is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    mode = stat.S_IMODE(old.st_mode)
    try:
        os.chown(tmp, old.st_uid, old.st_gid)
    except PermissionError:
        mode &= ~stat.S_ISUID  # not set-user-ID on a file that changed owner
        try:
            os.chown(tmp, -1, old.st_gid)
        except PermissionError:
            mode &= ~stat.S_ISGID
    os.chmod(tmp, mode)


def _copy(staged: Path, fd: int) -> None:
    with open(staged, "rb") as source:
        while chunk := source.read(CHUNK):
            view = memoryview(chunk)
            while view:
                try:
                    done = os.write(fd, view)
                except BlockingIOError:  # a descriptor someone left non-blocking
                    import select

                    select.select([], [fd], [])
                    continue
                view = view[done:]


def _open_fifo(path: Path, waiting: Callable[[float], None] | None) -> int:
    """Open a FIFO for writing once a reader has it open; never block for more than
    ``FIFO_WAIT`` seconds (a blocking open would wait forever for a reader that never comes)."""
    started = time.monotonic()
    told = False
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        else:
            os.set_blocking(fd, True)  # from here on, a pipe like any other
            return fd
        waited = time.monotonic() - started
        if waited >= FIFO_WAIT:
            raise Unusable(Note("errors.no_reader", {"seconds": f"{FIFO_WAIT:g}"}))
        if not told and waited >= FIFO_NOTICE and waiting is not None:
            waiting(FIFO_WAIT)
            told = True
        time.sleep(0.05)


def _deliver(staged: Path, where: Target, waiting: Callable[[float], None] | None) -> None:
    if where.kind == "stdout":
        sys.stdout.flush()
        with open(staged, "rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer, CHUNK)
        sys.stdout.buffer.flush()
        return
    if where.fd is not None:
        if where.fd == 2:
            sys.stderr.flush()
        _copy(staged, where.fd)
        return
    if where.kind == "fifo":
        fd = _open_fifo(where.path, waiting)
    else:
        flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC
        fd = os.open(where.path, flags | (os.O_TRUNC if where.kind == "in_place" else 0))
    try:
        _copy(staged, fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: Path, waiting: Callable[[float], None] | None = None) -> Iterator[Path]:
    """Yield a temporary path to write the whole file to; when the block ends without error,
    deliver it to ``path`` as ``target`` decides (an error: the temporary file is removed and
    nothing at ``path`` changes). ``waiting(seconds)`` is called once when a FIFO has had no
    reader for ``FIFO_NOTICE`` seconds."""
    where = target(path, probe=False)
    if where.kind in ("new", "replace"):
        handle, name = tempfile.mkstemp(
            prefix=f".{where.path.name}.", suffix=".tmp", dir=where.path.parent
        )
        os.close(handle)
        tmp = Path(name)
        try:
            yield tmp
            _settle(tmp, where.old)
            os.replace(tmp, where.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return
    with tempfile.TemporaryDirectory(prefix="netlab-out-") as folder:
        staged = Path(folder) / "out.tmp"
        yield staged
        _deliver(staged, where, waiting)


@contextmanager
def reported(path: Path) -> Iterator[None]:
    """Turn an OSError met while writing ``path`` (after the work) into OutputError, status 1.
    Standard output closed by its reader stays BrokenPipeError: netlab then ends quietly, as
    for ``| head``."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and path == STDOUT:
            raise
        reason: Note | str = exc.reason if isinstance(exc, Unusable) else exc.strerror or str(exc)
        raise OutputError(Note("errors.output", {"path": str(path), "reason": reason})) from exc
