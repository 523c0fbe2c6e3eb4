"""Facts from the RFCs written out by hand, for tests to check netlab against (never derived
from netlab's own tables)."""

#: RFC 9293 section 3.3.2: the eleven connection states, with their RFC spellings, in order.
TCP_STATES = (
    "CLOSED",
    "LISTEN",
    "SYN-SENT",
    "SYN-RECEIVED",
    "ESTABLISHED",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "CLOSE-WAIT",
    "CLOSING",
    "LAST-ACK",
    "TIME-WAIT",
)
