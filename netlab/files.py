"""Creating output files atomically.

Owns ``atomic_write``: a context manager that yields a temporary path in the destination's
folder and renames it over the destination only when the block finishes without error, so a
failed or interrupted export never leaves a partial file. The result gets ordinary permissions
(0666 less the umask), like a file opened with ``open(path, "w")``. Also ``STDOUT`` and
``to_path``: ``--pcap -`` writes the finished file to standard output instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: ``--pcap -``: the frames go to standard output (for ``| tshark -r -`` or Wireshark).
STDOUT = Path("-")


@contextmanager
def to_path(path: Path) -> Iterator[Path]:
    """A file to write a pcap to: ``path`` itself, or for ``STDOUT`` a temporary file whose
    bytes go to standard output once it is complete (scapy's pcapng writer wants a file)."""
    if path != STDOUT:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="netlab-pcap-") as folder:
        target = Path(folder) / "out.pcap"
        yield target
        sys.stdout.flush()
        sys.stdout.buffer.write(target.read_bytes())
        sys.stdout.buffer.flush()
