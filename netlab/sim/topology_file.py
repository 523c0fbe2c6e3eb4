"""A teacher's own topology, read from a TOML file (``--topology FILE``).

Owns the file format of ``docs/topology-format.md``: ``load`` reads one file into a
``Topology`` that has passed ``topology.check``, or raises ``TopologyFileError`` (a
``UsageError``, exit 2) rendered ``FILE:LINE: message``; ``describe`` says a built-in's
``TopologyError`` in the learner's language. tomllib gives no positions, so the lines come from
scanning the text: the n-th ``[[router]]`` / ``[[host]]`` / ``[[network]]`` header is the n-th
entry, and a key's line is the line inside that entry that assigns it.

Interfaces and MACs not written in the file are given in order (``docs/topology-format.md``):
each node's interfaces are the lowest free ``ethN`` in the order of the ``[[network]]``
entries; a router's MAC is ``02:00:00:00:RR:NN`` (RR its position among the routers from 1,
NN the N of ``ethN``), a host's ``02:00:00:01:CC:DD`` (CC.DD the last two numbers of its
address on that network), as the built-in topologies have them.

A file is outside data: only a regular file of at most ``MAX_FILE_BYTES`` is read (a FIFO or a
device is refused before it is opened, and again after a non-blocking open), in UTF-8; every
value's type and size is checked; text quoted in messages goes through ``printable``.
No output.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlab.errors import UsageError
from netlab.i18n import Note, render
from netlab.printable import printable
from netlab.sim.addressing import format_ipv4, parse_ipv4
from netlab.sim.topology import (
    Attachment,
    Network,
    Topology,
    TopologyError,
    check,
)

#: The largest topology file read (bytes); a real one is a few KiB.
MAX_FILE_BYTES = 1 << 20
#: The most entries of each kind.
LIMITS = {"router": 32, "host": 64, "network": 128}
#: Characters of a value quoted in a message.
QUOTE = 40
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
#: Linux's interface names: at most IFNAMSIZ - 1 = 15 characters.
IFACE_RE = re.compile(r"[A-Za-z0-9_.-]{1,15}")
ETH_RE = re.compile(r"eth([0-9]{1,3})")
MAC_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
PREFIX_RE = re.compile(r"([0-9.]+)/([0-9]{1,2})")

KEYS = {
    "": {"name", "router", "host", "network"},
    "router": {"name"},
    "host": {"name", "gateway"},
    "network": {"name", "prefix", "cost", "members"},
}


class TopologyFileError(UsageError):
    """A topology file that cannot be used: ``path``, ``line`` (1-based) and the problem."""

    def __init__(self, path: Path, line: int, message: Note) -> None:
        shown = printable(str(path), newlines=False)
        super().__init__(
            Note("topology.file.error", {"path": shown, "line": line, "message": message})
        )
        self.path = path
        self.line = line
        self.problem = message


def describe(error: TopologyError, lang: str) -> str:
    """A ``TopologyError`` of ``check`` as one sentence in ``lang``."""
    return render(_check_note(error), lang)


def _check_note(error: TopologyError) -> Note:
    params = {k: _quote(str(v)) for k, v in error.params.items()}
    return Note(f"topology.check.{error.what}", {"where": _quote(error.where), **params})


def _quote(value: str) -> str:
    """Outside text as a message shows it: one line, escaped, at most ``QUOTE`` characters."""
    if len(value) > QUOTE:
        value = value[:QUOTE] + "…"
    return printable(value, newlines=False)


# -- reading -------------------------------------------------------------------------------------


_KINDS = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISCHR, "char_device"),
    (stat.S_ISBLK, "block_device"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
)


def _kind(mode: int) -> Note:
    name = next((name for test, name in _KINDS if test(mode)), "special")
    return Note(f"topology.kind.{name}")


def _read(path: Path) -> str:
    def fail(key: str, **params: object) -> TopologyFileError:
        return TopologyFileError(path, 1, Note(f"topology.read.{key}", params))

    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise fail("not_regular", kind=_kind(before.st_mode))
        if before.st_size > MAX_FILE_BYTES:
            raise fail("too_large", size=f"{before.st_size:,}", limit="1 MiB")
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC
        fd = os.open(path, flags)
        with open(fd, "rb", closefd=True) as stream:
            now = os.fstat(stream.fileno())
            if not stat.S_ISREG(now.st_mode):
                raise fail("not_regular", kind=_kind(now.st_mode))
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail("cannot_read", reason=exc.strerror or str(exc)) from exc
    if len(data) > MAX_FILE_BYTES:
        raise fail("too_large", size=f"> {MAX_FILE_BYTES:,}", limit="1 MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TopologyFileError(
            path, line, Note("topology.read.not_utf8", {"offset": exc.start})
        ) from exc


_TOML_AT = re.compile(r"(.*) \(at line (\d+), column (\d+)\)")


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.match(str(exc))
        line = int(found.group(2)) if found else 1
        if str(exc).endswith("(at end of document)"):
            line = max(1, len(text.splitlines()))
        detail = found.group(1) if found else str(exc)
        raise TopologyFileError(
            path,
            line,
            Note("topology.read.syntax", {"detail": printable(detail[:200], newlines=False)}),
        ) from exc
    except RecursionError as exc:
        raise TopologyFileError(path, 1, Note("topology.read.nested")) from exc
    except ValueError as exc:  # int(): more digits than sys.get_int_max_str_digits()
        digits = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise TopologyFileError(
            path, 1, Note("topology.read.long_number", {"digits": digits})
        ) from exc


# -- where things are in the text ----------------------------------------------------------------

_HEADER = re.compile(r"\s*\[\[\s*(\w+)\s*\]\]")
_TABLE = re.compile(r"\s*\[")


class _Lines:
    """Line numbers of entries and keys, found in the text (tomllib gives none)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.spans: dict[str, list[tuple[int, int]]] = {}
        starts: list[tuple[str | None, int]] = [(None, 0)]
        for n, line in enumerate(self.lines):
            header = _HEADER.match(line)
            if header:
                starts.append((header.group(1), n))
            elif _TABLE.match(line) and not line.lstrip().startswith("[["):
                starts.append(("", n))  # any other table ends the entry before it
        starts.append(("", len(self.lines)))
        for (table, start), (_, end) in itertools.pairwise(starts):
            if table:
                self.spans.setdefault(table, []).append((start, end))
        first = next((s for t, s in starts[1:] if t is not None), len(self.lines))
        self.top = (0, first)

    def span(self, table: str, index: int) -> tuple[int, int]:
        found = self.spans.get(table, [])
        if index < len(found):
            return found[index]
        return self.top  # an inline array of tables: its key's line, found from the top

    def entry(self, table: str, index: int) -> int:
        found = self.spans.get(table, [])
        if index < len(found):
            return found[index][0] + 1
        return self.key(self.top, table)

    def key(self, span: tuple[int, int], key: str) -> int:
        """The line that assigns ``key`` in ``span`` (``key = ...``, or a ``[key]`` table
        anywhere for a top-level key); the span's first line if none does."""
        name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
        pattern = re.compile(rf"\s*{name}\s*=")
        for n in range(*span):
            if pattern.match(self.lines[n]):
                return n + 1
        if span == self.top:
            table = re.compile(rf"\s*\[\[?\s*{name}\s*[\].]")
            for n, line in enumerate(self.lines):
                if table.match(line):
                    return n + 1
        return span[0] + 1

    def value(self, span: tuple[int, int], key: str, text: str) -> int:
        """The line inside ``span`` that holds the string ``text`` (an array's item)."""
        after = self.key(span, key) - 1
        for quoted in (f'"{text}"', f"'{text}'"):
            for n in range(after, span[1]):
                if quoted in self.lines[n]:
                    return n + 1
        return after + 1


# -- checking ------------------------------------------------------------------------------------


_TYPES = {str: "string", int: "integer", list: "array", dict: "table"}


def _type(value: Any) -> Note:
    if isinstance(value, bool):
        return Note("topology.type.boolean")
    name = next((n for t, n in _TYPES.items() if isinstance(value, t)), "other")
    return Note(f"topology.type.{name}")


@dataclass
class _Reader:
    path: Path
    where: _Lines

    def fail(self, line: int, what: str, **params: object) -> TopologyFileError:
        return TopologyFileError(self.path, line, Note(f"topology.file.{what}", params))

    def keys(self, entry: dict[str, Any], table: str, line: int, span: tuple[int, int]) -> None:
        for key in entry:
            if key not in KEYS[table]:
                allowed = ", ".join(sorted(KEYS[table]))
                raise self.fail(
                    self.where.key(span, key), "unknown_key", field=_quote(key), allowed=allowed
                )

    def typed(
        self, entry: dict[str, Any], key: str, kind: type, span: tuple[int, int], required: bool
    ) -> Any:
        if key not in entry:
            if required:
                raise self.fail(span[0] + 1, "missing_key", field=key)
            return None
        value = entry[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise self.fail(
                self.where.key(span, key),
                "wrong_type",
                field=key,
                expected=_type(kind()),
                found=_type(value),
            )
        return value

    def name(self, value: str, line: int) -> str:
        if not NAME_RE.fullmatch(value):
            raise self.fail(line, "bad_name", value=_quote(value))
        return value


def load(path: Path) -> Topology:
    """The topology in the TOML file at ``path``, checked; else ``TopologyFileError``."""
    text = _read(path)
    raw = _parse(path, text)
    where = _Lines(text)
    reader = _Reader(path, where)
    reader.keys(raw, "", 1, where.top)
    name = reader.typed(raw, "name", str, where.top, required=False)
    if name is None:
        name = path.stem if NAME_RE.fullmatch(path.stem) else "file"
    else:
        reader.name(name, where.key(where.top, "name"))
    entries: dict[str, list[dict[str, Any]]] = {}
    for table, limit in LIMITS.items():
        found = raw.get(table, [])
        line = where.key(where.top, table) if table in raw else 1
        if not isinstance(found, list):
            raise reader.fail(line, "not_array", field=table, found=_type(found))
        if len(found) > limit:
            raise reader.fail(where.entry(table, limit), "too_many", field=table, limit=limit)
        for n, entry in enumerate(found):
            if not isinstance(entry, dict):
                raise reader.fail(
                    where.entry(table, n), "not_table", field=table, found=_type(entry)
                )
            reader.keys(entry, table, n, where.span(table, n))
        entries[table] = found
    if not entries["router"]:
        raise reader.fail(1, "no_router")

    lines: dict[str, int] = {}  # every node's name -> the line of its entry
    kinds: dict[str, str] = {}
    for table in ("router", "host"):
        for n, entry in enumerate(entries[table]):
            span = where.span(table, n)
            node = reader.typed(entry, "name", str, span, required=True)
            line = where.key(span, "name")
            reader.name(node, line)
            if node in lines:
                raise reader.fail(line, "duplicate_name", name=node, first=lines[node])
            lines[node], kinds[node] = line, table
    routers = tuple(str(e["name"]) for e in entries["router"])
    hosts = tuple(str(e["name"]) for e in entries["host"])
    gateways: dict[str, str] = {}
    gateway_lines: dict[str, int] = {}
    for n, entry in enumerate(entries["host"]):
        span = where.span("host", n)
        gateway = reader.typed(entry, "gateway", str, span, required=True)
        line = where.key(span, "gateway")
        _address(reader, gateway, line)
        gateways[entry["name"]] = gateway
        gateway_lines[entry["name"]] = line

    networks, network_lines, member_lines = _networks(reader, entries["network"], routers, kinds)
    topology = Topology(name, routers, hosts, tuple(networks), gateways)
    try:
        check(topology)
    except TopologyError as exc:
        line = _line_of(exc, lines, gateway_lines, network_lines, member_lines)
        raise TopologyFileError(path, line, _check_note(exc)) from exc
    macs: dict[str, int] = {}
    for network in topology.networks:  # after check: two equal addresses are said as such
        for member in network.members:
            line = member_lines[(network.name, member.mac)]
            if member.mac in macs:
                raise reader.fail(line, "duplicate_mac", mac=member.mac, first=macs[member.mac])
            macs[member.mac] = line
    return topology


def _address(reader: _Reader, text: str, line: int) -> str:
    try:
        canonical = format_ipv4(parse_ipv4(text)) == text  # no spaces around it
    except ValueError:
        canonical = False
    if not canonical:
        raise reader.fail(line, "bad_address", value=_quote(text))
    return text


def _networks(
    reader: _Reader, entries: list[dict[str, Any]], routers: tuple[str, ...], kinds: dict[str, str]
) -> tuple[list[Network], dict[str, dict[str, int]], dict[tuple[str, str], int]]:
    """The ``[[network]]`` entries as Networks, with interfaces and MACs given; the lines of
    each network's keys (by name) and of each member (by network and address)."""
    where = reader.where
    router_number = {r: n for n, r in enumerate(routers, 1)}
    used: dict[str, set[str]] = {}  # node -> its interface names so far
    parsed: list[tuple[str, str, int, list[tuple[str, str, str | None, str | None, int]]]] = []
    network_lines: dict[str, dict[str, int]] = {}
    member_lines: dict[tuple[str, str], int] = {}
    names: dict[str, int] = {}
    for n, entry in enumerate(entries):
        span = where.span("network", n)
        prefix = reader.typed(entry, "prefix", str, span, required=True)
        prefix_line = where.key(span, "prefix")
        shape = PREFIX_RE.fullmatch(prefix)
        try:
            if not shape or int(shape.group(2)) > 32:
                raise ValueError(prefix)
            parse_ipv4(shape.group(1))
        except ValueError:
            raise reader.fail(prefix_line, "bad_prefix", value=_quote(prefix)) from None
        cost = reader.typed(entry, "cost", int, span, required=False)
        cost = 1 if cost is None else cost
        items = reader.typed(entry, "members", list, span, required=True)
        members = []
        seen_nodes: set[str] = set()
        for item in items:
            if not isinstance(item, str):
                raise reader.fail(
                    where.key(span, "members"), "wrong_member_type", found=_type(item)
                )
            line = where.value(span, "members", item)
            fields = item.split()
            if not 2 <= len(fields) <= 4:
                raise reader.fail(line, "bad_member", value=_quote(item))
            node, ip = fields[0], _address(reader, fields[1], line)
            iface = fields[2] if len(fields) > 2 else None
            mac = fields[3].lower() if len(fields) > 3 else None
            if iface is not None and not IFACE_RE.fullmatch(iface):
                raise reader.fail(line, "bad_iface", value=_quote(iface))
            if mac is not None and not MAC_RE.fullmatch(mac):
                raise reader.fail(line, "bad_mac", value=_quote(fields[3]))
            if node not in kinds:  # found now, so a network has at most one member per node
                note = _check_note(TopologyError("unknown_node", _called(entry, prefix), node=node))
                raise TopologyFileError(reader.path, line, note)
            if node in seen_nodes:
                raise reader.fail(line, "member_twice", node=_quote(node))
            seen_nodes.add(node)
            if iface is not None and node in kinds:
                if iface in used.setdefault(node, set()):
                    raise reader.fail(line, "duplicate_iface", node=node, iface=iface)
                used[node].add(iface)
            members.append((node, ip, iface, mac, line))
        default = (
            f"{members[0][0]}-{members[1][0]}"
            if len(members) == 2 and all(m[0] in router_number for m in members)
            else next((f"LAN-{m[0]}" for m in members if kinds.get(m[0]) == "host"), f"net{n + 1}")
        )
        name = reader.typed(entry, "name", str, span, required=False)
        name = default if name is None else name
        name_line = where.key(span, "name") if "name" in entry else span[0] + 1
        reader.name(name, name_line)
        if name in names:
            raise reader.fail(name_line, "duplicate_network", name=name, first=names[name])
        names[name] = name_line
        network_lines[name] = {
            "entry": span[0] + 1,
            "cost": where.key(span, "cost") if "cost" in entry else span[0] + 1,
            "prefix": prefix_line,
        }
        for node, ip, _, _, line in members:
            member_lines[(name, ip)] = line  # the last: a second use of an address is the fault
            member_lines.setdefault((name, node), line)
        parsed.append((name, prefix, cost, members))
    _overlaps(reader, parsed, network_lines)

    networks = []
    for name, prefix, cost, members in parsed:
        attachments = []
        for node, ip, iface, mac, line in members:
            taken = used.setdefault(node, set())
            if iface is None:
                iface = next(f"eth{k}" for k in range(len(taken) + 1) if f"eth{k}" not in taken)
                taken.add(iface)
            if mac is None:
                mac = _mac(node, ip, iface, router_number, len(taken) - 1)
            member_lines[(name, mac)] = line
            attachments.append(Attachment(node, iface, ip, mac))
        networks.append(Network(name, prefix, cost, tuple(attachments)))
    return networks, network_lines, member_lines


def _called(entry: dict[str, Any], prefix: str) -> str:
    """A network in a message before its name is known: its name if written, else its prefix."""
    name = entry.get("name")
    return name if isinstance(name, str) else prefix


def _mac(node: str, ip: str, iface: str, router_number: dict[str, int], position: int) -> str:
    """The MAC an interface gets when the file gives none (see the module's docstring)."""
    if node in router_number:
        eth = ETH_RE.fullmatch(iface)
        number = int(eth.group(1)) if eth and int(eth.group(1)) < 256 else position & 0xFF
        return f"02:00:00:00:{router_number[node]:02x}:{number:02x}"
    value = parse_ipv4(ip)
    return f"02:00:00:01:{(value >> 8) & 0xFF:02x}:{value & 0xFF:02x}"


def _overlaps(reader: _Reader, parsed: list, network_lines: dict[str, dict[str, int]]) -> None:
    """Two networks whose prefixes overlap: a router could not tell them apart."""
    ranges = []
    for name, prefix, _cost, _members in parsed:
        base_text, _, length = prefix.partition("/")
        size = 1 << (32 - int(length))
        base = parse_ipv4(base_text) & ~(size - 1) & 0xFFFF_FFFF
        for other, other_base, other_size in ranges:
            if base < other_base + other_size and other_base < base + size:
                raise reader.fail(
                    network_lines[name]["prefix"], "overlap", prefix=prefix, other=other
                )
        ranges.append((name, base, size))


def _line_of(
    error: TopologyError,
    nodes: dict[str, int],
    gateways: dict[str, int],
    networks: dict[str, dict[str, int]],
    members: dict[tuple[str, str], int],
) -> int:
    """The line a ``check`` failure points at."""
    params = error.params
    if error.what == "bad_gateway":
        return gateways.get(error.where, nodes.get(error.where, 1))
    if error.what == "disconnected":
        return nodes.get(error.where, 1)
    lines = networks.get(error.where, {})
    if error.what == "bad_cost":
        return lines.get("cost", 1)
    if error.what == "not_a_network":
        return lines.get("prefix", 1)
    key = str(params.get("ip", params.get("node", "")))
    return members.get((error.where, key), lines.get("entry", 1))
