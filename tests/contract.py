"""The keys of one step of the ``--json`` document, version 4 (docs/architecture.md), written
out once by hand for every test that checks the contract (independent of netlab's exporter)."""

VERSION = 4

STEP_KEYS = frozenset(
    {
        "index",
        "time",
        "src",
        "dst",
        "to",
        "lost",
        "summary",
        "protocol",
        "info",
        "layers",
        "tcp",
        "fields",
        "states",
        "tables",
        "note",
    }
)

#: The keys of a TCP segment's ``tcp`` object (version 3 added window and options).
TCP_KEYS = frozenset({"flags", "seq", "ack", "len", "window", "options"})
#: Each option: its kind number, the name Wireshark gives it, and its value (or null).
OPTION_KEYS = frozenset({"kind", "name", "value"})
OPTION_NAMES = {0: "EOL", 1: "NOP", 2: "MSS", 3: "WScale", 4: "SACK_PERM", 8: "Timestamps"}
