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

#: RFC 9293 Figure 5 (TCP Connection State Diagram): every arc the figure draws, as
#: (state, next state, label). The label is the figure's "event / action" without the
#: "create TCB"/"delete TCB" bookkeeping; the figure's short names (SYN RCVD, ESTAB,
#: FINWAIT-2) are written out in full. Twenty arcs; no two join the same pair of states.
FIGURE_5_ARCS = (
    ("CLOSED", "LISTEN", "passive OPEN"),
    ("CLOSED", "SYN-SENT", "active OPEN / snd SYN"),
    ("LISTEN", "SYN-RECEIVED", "rcv SYN / snd SYN,ACK"),
    ("LISTEN", "SYN-SENT", "SEND / snd SYN"),
    ("LISTEN", "CLOSED", "CLOSE"),
    ("SYN-RECEIVED", "LISTEN", "rcv RST"),  # marked "(note 1)" in the figure
    ("SYN-SENT", "SYN-RECEIVED", "rcv SYN / snd SYN,ACK"),
    ("SYN-SENT", "CLOSED", "CLOSE"),
    ("SYN-SENT", "ESTABLISHED", "rcv SYN,ACK / snd ACK"),
    ("SYN-RECEIVED", "ESTABLISHED", "rcv ACK of SYN"),
    ("SYN-RECEIVED", "FIN-WAIT-1", "CLOSE / snd FIN"),
    ("ESTABLISHED", "FIN-WAIT-1", "CLOSE / snd FIN"),
    ("ESTABLISHED", "CLOSE-WAIT", "rcv FIN / snd ACK"),
    ("FIN-WAIT-1", "FIN-WAIT-2", "rcv ACK of FIN"),
    ("FIN-WAIT-1", "CLOSING", "rcv FIN / snd ACK"),
    ("FIN-WAIT-2", "TIME-WAIT", "rcv FIN / snd ACK"),
    ("CLOSE-WAIT", "LAST-ACK", "CLOSE / snd FIN"),
    ("CLOSING", "TIME-WAIT", "rcv ACK of FIN"),
    ("LAST-ACK", "CLOSED", "rcv ACK of FIN"),
    ("TIME-WAIT", "CLOSED", "Timeout=2MSL"),
)

#: The notes under Figure 5 that are about one arc, by (state, next state). Note 1: the drawn
#: arc SYN-RECEIVED --rcv RST--> LISTEN is taken only if SYN-RECEIVED was reached after a
#: passive OPEN. Note 2: the figure omits an arc from FIN-WAIT-1 to TIME-WAIT, taken when a FIN
#: is received and the local FIN is also acknowledged. (Note 3, about resets in any state,
#: is about no single arc and draws none.)
FIGURE_5_NOTES = {("SYN-RECEIVED", "LISTEN"): 1, ("FIN-WAIT-1", "TIME-WAIT"): 2}
