"""``--pcap`` and ``--svg`` write what users expect at the path they name (issue 13).

A regular file is replaced atomically, keeping its mode (and owner); a file with other hard
links is written in place so every name sees the new content; a symbolic link is followed and
its target written, the link kept; a FIFO, a character device (``/dev/null``) and netlab's own
descriptors (``/dev/stdout``, ``/dev/fd/N``) are written through, never replaced. A path where
nothing can be written is refused before any work (status 2, no report); a write that fails
once the work is done is status 1. Every scenario goes through the same code.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlab import files

REPO = Path(__file__).resolve().parents[2]
HS = ("simulate", "handshake")
PCAPNG = b"\x0a\x0d\x0d\x0a"  # the TCP scenarios write pcapng (a comment names the stack)
PCAP = b"\xd4\xc3\xb2\xa1"  # the others plain pcap (little-endian)
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (mknod, chown, other users)")


def reference(run, folder: Path, *argv: str, option: str = "--pcap") -> bytes:
    """The bytes netlab writes for ``argv`` to a fresh regular file."""
    plain = folder / f"reference{option.replace('-', '_')}"
    status, _out, err = run(*argv, option, str(plain))
    assert status == 0, err
    data = plain.read_bytes()
    plain.unlink()
    return data


def one_error_line(status: int, out: str, err: str, expected: int) -> str:
    assert "Traceback" not in out + err
    assert status == expected, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netlab: error: "), err
    return lines[0]


# -- regular files, hard links, symbolic links ---------------------------------------------------


@pytest.mark.parametrize("option", ["--pcap", "--svg"])
def test_replacing_a_private_file_keeps_its_mode(run, tmp_path: Path, option: str) -> None:
    path = tmp_path / "private.out"
    path.write_bytes(b"old")
    path.chmod(0o640)
    status, _out, err = run(*HS, option, str(path))
    assert status == 0, err
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_bytes() == reference(run, tmp_path, *HS, option=option)


@needs_root
def test_replacing_a_file_keeps_its_owner_and_group(run, tmp_path: Path) -> None:
    path = tmp_path / "theirs.pcap"
    path.write_bytes(b"old")
    os.chown(path, 65534, 65534)
    status, _out, err = run(*HS, "--pcap", str(path))
    assert status == 0, err
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)
    assert path.read_bytes().startswith(PCAPNG)


def test_a_hard_linked_file_is_written_in_place(run, tmp_path: Path) -> None:
    """Choice: link identity over atomicity. The file is still produced completely first (an
    error during the work leaves it untouched); only the final copy is not atomic."""
    first = tmp_path / "first.pcap"
    first.write_bytes(b"old content, longer than nothing")
    other = tmp_path / "other-name.pcap"
    os.link(first, other)
    inode = first.stat().st_ino
    status, _out, err = run(*HS, "--pcap", str(first))
    assert status == 0, err
    assert first.stat().st_ino == inode and first.stat().st_nlink == 2
    assert other.read_bytes() == first.read_bytes() == reference(run, tmp_path, *HS)


def test_a_symlink_is_followed_and_kept(run, tmp_path: Path) -> None:
    (tmp_path / "captures").mkdir()
    real = tmp_path / "captures" / "real.pcap"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "latest.pcap"
    link.symlink_to("captures/real.pcap")
    status, out, err = run(*HS, "--pcap", str(link))
    assert status == 0, err
    assert link.is_symlink() and os.readlink(link) == "captures/real.pcap"
    assert real.read_bytes() == reference(run, tmp_path, *HS)
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert str(link) in out  # the note names the path the user typed
    assert sorted(p.name for p in (tmp_path / "captures").iterdir()) == ["real.pcap"]


def test_a_dangling_symlink_creates_its_target(run, tmp_path: Path) -> None:
    """Choice: as ``>`` in a shell and ``open(path, "w")`` do, the link's target is created."""
    (tmp_path / "captures").mkdir()
    link = tmp_path / "latest.pcap"
    link.symlink_to(tmp_path / "captures" / "new.pcap")
    status, _out, err = run(*HS, "--pcap", str(link))
    assert status == 0, err
    assert link.is_symlink()
    assert (tmp_path / "captures" / "new.pcap").read_bytes().startswith(PCAPNG)


def test_a_symlink_into_a_missing_folder_is_refused_before_work(run, tmp_path: Path) -> None:
    link = tmp_path / "latest.pcap"
    link.symlink_to(tmp_path / "gone" / "new.pcap")
    status, out, err = run(*HS, "--pcap", str(link))
    line = one_error_line(status, out, err, 2)
    assert out == ""  # refused before the work: no report
    assert str(tmp_path / "gone") in line
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["latest.pcap"]


@needs_root
def test_a_foreign_symlink_in_a_sticky_folder_is_not_followed(run, tmp_path: Path) -> None:
    """Like the kernel's fs.protected_symlinks: a link planted in a shared folder (/tmp) by
    another user is not followed, so nobody can aim netlab's output at a victim's file."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = shared / "out.pcap"
    link.symlink_to(victim)
    os.lchown(link, 65534, 65534)
    status, out, err = run(*HS, "--pcap", str(link))
    line = one_error_line(status, out, err, 2)
    assert str(link) in line
    assert victim.read_text() == "precious" and link.is_symlink()


# -- FIFOs, devices, descriptors -------------------------------------------------------------------


def _read_fifo(path: Path, into: bytearray, deadline: float) -> None:
    """A reader that opens the FIFO first (without blocking) and reads until the writer has
    come and gone, or the deadline passes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if chunk:
                into += chunk
            elif into:  # end of file after the data: the writer closed
                return
            else:  # nobody has written yet
                time.sleep(0.01)
    finally:
        os.close(fd)


def test_a_fifo_is_written_through_to_its_reader(run, tmp_path: Path) -> None:
    expected = reference(run, tmp_path, *HS)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = bytearray()
    reader = threading.Thread(
        target=_read_fifo, args=(fifo, got, time.monotonic() + 20), daemon=True
    )
    reader.start()
    time.sleep(0.05)  # the reader opens the FIFO first
    status, out, err = run(*HS, "--pcap", str(fifo))
    reader.join(timeout=25)
    assert status == 0, err
    assert bytes(got) == expected
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert "tshark -r" not in out  # no advice to open a FIFO again in Wireshark


def test_a_fifo_nobody_reads_fails_in_bounded_time(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "FIFO_WAIT", 0.6)
    monkeypatch.setattr(files, "FIFO_NOTICE", 0.1)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    status, out, err = run(*HS, "--pcap", str(fifo))
    assert time.monotonic() - started < 10
    assert status == 1, err  # the work was done: a failed write
    assert "Traceback" not in out + err
    assert "waiting" in err.lower()
    assert err.splitlines()[-1].startswith("netlab: error: ") and str(fifo) in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@needs_root
def test_a_character_device_is_written_through(run, tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for option in ("--pcap", "--svg"):
        status, _out, err = run(*HS, option, str(null))
        assert status == 0, err
        assert stat.S_ISCHR(os.stat(null).st_mode), option
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_dev_null_stays_a_character_device(run) -> None:
    # decided from the path alone first: if that ever says "replace", nothing is written
    assert files.target(Path("/dev/null")).kind == "device"
    status, _out, err = run(*HS, "--pcap", "/dev/null", "--svg", "/dev/null")
    assert status == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@needs_root
def test_pcap_to_a_terminal_device_is_refused(run, tmp_path: Path) -> None:
    tty = tmp_path / "tty"
    os.mknod(tty, stat.S_IFCHR | 0o666, os.makedev(5, 0))
    status, out, err = run(*HS, "--pcap", str(tty))
    line = one_error_line(status, out, err, 2)
    assert str(tty) in line and "terminal" in line
    assert stat.S_ISCHR(os.stat(tty).st_mode)


def _netlab(*argv: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO), NETLAB_LANG="en", COLUMNS="100")
    return subprocess.run(
        [sys.executable, "-m", "netlab", *argv],
        capture_output=True,
        env=env,
        timeout=60,
        **kwargs,
    )


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_pcap_to_dev_stdout_is_pcap_dash(name: str) -> None:
    dash = _netlab(*HS, "--pcap", "-")
    assert dash.returncode == 0, dash.stderr
    named = _netlab(*HS, "--pcap", name)
    assert named.returncode == 0, named.stderr
    assert named.stdout == dash.stdout and named.stdout.startswith(PCAPNG)
    assert b"SYN" in named.stderr  # the report went to standard error
    assert os.path.islink("/dev/stdout") or name != "/dev/stdout"


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_svg_to_standard_output(name: str) -> None:
    done = _netlab(*HS, "--svg", name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.lstrip().startswith(b"<svg") and done.stdout.rstrip().endswith(b"</svg>")
    assert b"SYN" in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("--pcap", "/dev/stdout", "--json"),
        ("--svg", "/dev/stdout", "--json"),
        ("--pcap", "-", "--svg", "/dev/stdout"),
    ],
)
def test_standard_output_carries_one_thing(run, argv) -> None:
    status, out, err = run(*HS, *argv)
    line = one_error_line(status, out, err, 2)
    assert "together" in line


def test_a_descriptor_path_is_written_to_that_descriptor() -> None:
    """``--pcap >(tshark -r -)`` in bash names /dev/fd/N, a pipe netlab inherited."""
    expected = _netlab(*HS, "--pcap", "-").stdout
    read_end, write_end = os.pipe()
    got = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 65536):
            got.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = _netlab(*HS, "--pcap", f"/dev/fd/{write_end}", pass_fds=(write_end,))
    finally:
        os.close(write_end)
    reader.join(timeout=20)
    os.close(read_end)
    assert done.returncode == 0, done.stderr
    assert bytes(got) == expected
    assert b"SYN" in done.stdout  # the report stays on standard output


# -- permissions: refused before the work ---------------------------------------------------------


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block as user nobody when the tests run as root (root may write anywhere); the
    saved user id stays root, so the block's end takes root back."""
    if not ROOT:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def locked_folder() -> Iterator[Path]:
    """A folder where nobody but its owner (root, or the test's user) may create files, and a
    writable folder beside it, both reachable by user nobody."""
    top = Path(tempfile.mkdtemp(prefix="netlab-paths-"))
    try:
        top.chmod(0o755)
        (top / "locked").mkdir(mode=0o755)
        (top / "open").mkdir()
        (top / "open").chmod(0o777)
        if not ROOT:
            (top / "locked").chmod(0o555)
        yield top
    finally:
        (top / "locked").chmod(0o755)
        shutil.rmtree(top)


def _warm(run, tmp_path: Path) -> None:
    # import every module the run needs while root can still read the interpreter's files
    status, _out, err = run(*HS, "--pcap", str(tmp_path / "w.pcap"), "--svg", str(tmp_path / "w"))
    assert status == 0, err


def test_a_new_file_in_a_locked_folder_is_refused_before_work(
    run, tmp_path: Path, locked_folder: Path
) -> None:
    _warm(run, tmp_path)
    link = locked_folder / "open" / "out.pcap"
    link.symlink_to(locked_folder / "locked" / "out.pcap")
    with unprivileged():
        status, out, err = run(*HS, "--pcap", str(link))
    line = one_error_line(status, out, err, 2)
    assert out == "" and str(locked_folder / "locked") in line
    assert link.is_symlink() and not (locked_folder / "locked" / "out.pcap").exists()
    assert sorted(p.name for p in (locked_folder / "open").iterdir()) == ["out.pcap"]
    # named directly, the same
    direct = locked_folder / "locked" / "new.svg"
    with unprivileged():
        status, out, err = run(*HS, "--svg", str(direct))
    line = one_error_line(status, out, err, 2)
    assert out == "" and str(direct) in line
    assert list((locked_folder / "locked").iterdir()) == []
    # an existing file there, even a writable one: its replacement could not be created
    existing = locked_folder / "locked" / "shared.pcap"
    (locked_folder / "locked").chmod(0o755)
    existing.write_bytes(b"old")
    existing.chmod(0o666)
    if not ROOT:
        (locked_folder / "locked").chmod(0o555)
    with unprivileged():
        status, out, err = run(*HS, "--pcap", str(existing))
    line = one_error_line(status, out, err, 2)
    assert out == "" and existing.read_bytes() == b"old"


# -- every scenario through the same code ---------------------------------------------------------

SCENARIOS = [
    pytest.param(("handshake",), PCAPNG, id="handshake"),
    pytest.param(("close",), PCAPNG, id="close"),
    pytest.param(("tcp",), PCAPNG, id="tcp"),
    pytest.param(("layers",), PCAP, id="layers"),
    pytest.param(("arp",), PCAP, id="arp"),
    pytest.param(("nat",), PCAP, id="nat"),
    pytest.param(("dhcp",), PCAP, id="dhcp"),
    pytest.param(("dns",), PCAP, id="dns"),
    pytest.param(("journey",), PCAPNG, id="journey"),
    pytest.param(("route",), PCAP, id="route"),
    pytest.param(("states",), None, id="states"),
]


@pytest.mark.parametrize(("scenario", "magic"), SCENARIOS)
def test_every_scenario_keeps_links_and_modes(run, tmp_path: Path, scenario, magic) -> None:
    (tmp_path / "real").mkdir()
    svg = tmp_path / "real" / "report.svg"
    svg.write_text("old")
    svg.chmod(0o640)
    svg_link = tmp_path / "report.svg"
    svg_link.symlink_to(svg)
    argv = ["simulate", *scenario, "--svg", str(svg_link)]
    pcap = tmp_path / "real" / "frames.pcap"
    if magic is not None:
        pcap.write_bytes(b"old")
        os.link(pcap, tmp_path / "frames-copy.pcap")
        argv += ["--pcap", str(pcap)]
    status, _out, err = run(*argv)
    assert status == 0, err
    assert svg_link.is_symlink() and stat.S_IMODE(svg.stat().st_mode) == 0o640
    assert svg.read_text().lstrip().startswith("<svg")
    if magic is not None:
        assert (tmp_path / "frames-copy.pcap").read_bytes().startswith(magic)
        assert pcap.stat().st_nlink == 2
