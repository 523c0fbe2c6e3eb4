"""The keys of one step of the ``--json`` document, version 2 (DESIGN.md), written out once by
hand for every test that checks the contract (independent of netlab's own exporter)."""

VERSION = 2

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
        "layers",
        "tcp",
        "fields",
        "states",
        "tables",
        "note",
    }
)
