"""The DHCP client as data: RFC 2131 figure 5's state machine, its timers, one client's record.

Owns the client's states (INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING), the
transition table ``TRANSITIONS`` ((state, event) -> next state) with ``next_state``, which
refuses an event the state does not allow (``DhcpViolation``); the client's timers: T1 and T2
for a lease (RFC 2131 section 4.4.5) and the back-off between Discovers (section 4.1); what ISC
dhclient puts in what it sends (the parameters it asks for, the IP header it writes itself
before it has an address); and ``Client``: one host's name, MAC, xid, state, the address offered
to it and the one it holds, the times its lease counts from, and its name as the notes say it.
``netlab.sim.dhcp`` moves its clients through the machine.

Must not send, receive or keep a clock: the scenario calls ``next_state`` at the times it
chooses and builds the messages (``netlab.sim.dhcp_message``). Pure: no print, no scapy.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.errors import NetlabError, ProtocolViolation
from netlab.sim.trace import Note

# -- what ISC dhclient sends -------------------------------------------------------------------

PARAM_REQUEST = (1, 3, 6)  # subnet mask, router, DNS server
#: The IP header ISC dhclient writes itself for what it sends on its packet socket (everything
#: before it has an address: common/packet.c, assemble_udp_ip_header): TTL 128, TOS
#: IPTOS_LOWDELAY, ID 0, no DF. A unicast renewal goes through the kernel's UDP socket instead.
RAW_TTL = 128
RAW_TOS = 0x10  # IPTOS_LOWDELAY

# -- the state machine (RFC 2131 figure 5) -----------------------------------------------------

FIRST_BACKOFF = 4  # RFC 2131 4.1, without the +-1 s randomisation
MAX_BACKOFF = 64

STATES = ("INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING", "REBINDING")

#: (state, event) -> next state. Events: ``discover`` (send a DHCPDISCOVER), ``retransmit`` (no
#: offer in time: send it again), ``offer``/``ack``/``nak`` (one received), ``select`` (send a
#: DHCPREQUEST for the chosen offer), ``decline`` (the ACKed address is in use: send
#: DHCPDECLINE), ``t1``/``t2`` (timers), ``expire`` (the lease ran out), ``release`` (send
#: DHCPRELEASE). An offer, ACK or NAK that arrives where the figure does not expect one is
#: discarded: the state stays.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("INIT", "discover"): "SELECTING",
    ("SELECTING", "retransmit"): "SELECTING",
    ("SELECTING", "offer"): "SELECTING",  # collect offers
    ("SELECTING", "select"): "REQUESTING",
    ("REQUESTING", "offer"): "REQUESTING",  # discard
    ("REQUESTING", "ack"): "BOUND",
    ("REQUESTING", "decline"): "INIT",
    ("REQUESTING", "nak"): "INIT",
    ("BOUND", "offer"): "BOUND",  # discard
    ("BOUND", "ack"): "BOUND",  # discard
    ("BOUND", "nak"): "BOUND",  # discard
    ("BOUND", "t1"): "RENEWING",
    ("BOUND", "release"): "INIT",
    ("RENEWING", "ack"): "BOUND",
    ("RENEWING", "nak"): "INIT",
    ("RENEWING", "t2"): "REBINDING",
    ("REBINDING", "ack"): "BOUND",
    ("REBINDING", "nak"): "INIT",
    ("REBINDING", "expire"): "INIT",
}


class DhcpViolation(ProtocolViolation):
    """The client was asked for an event its state does not allow; its state is unchanged."""

    def __init__(self, state: str, event: str) -> None:
        NetlabError.__init__(self, Note("errors.dhcp.protocol", {"state": state, "event": event}))
        self.state = state
        self.event = event


def next_state(state: str, event: str) -> str:
    """The state after ``event`` in ``state``, or ``DhcpViolation``."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise DhcpViolation(state, event) from None


# -- timers ------------------------------------------------------------------------------------


def t1(lease: int) -> int:
    """The renewal time T1 for a lease of ``lease`` seconds: half of it (RFC 2131 4.4.5), in
    whole seconds as option 58 carries it."""
    return lease // 2


def t2(lease: int) -> int:
    """The rebinding time T2: 7/8 of the lease (0.875, RFC 2131 4.4.5), in whole seconds."""
    return lease * 7 // 8


def backoff(attempt: int) -> int:
    """Seconds a client waits for an answer to its transmission number ``attempt`` (0 for the
    first) before sending again: 4, 8, 16, 32, then 64 for ever (RFC 2131 4.1, without the
    random -1 to +1 s)."""
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, not {attempt}")
    return MAX_BACKOFF if attempt >= 5 else min(FIRST_BACKOFF << attempt, MAX_BACKOFF)


# -- one client --------------------------------------------------------------------------------


@dataclass
class Client:
    """One client host: its name, MAC and transaction ID, when it starts, its state, the address
    offered to it and the one it holds, and the times its lease counts from."""

    name: str
    mac: str
    xid: int
    start: float
    state: str = "INIT"
    offered: str | None = None
    ip: str | None = None
    requested_at: float | None = None  # when it sent its last Request: its lease counts from it
    bound_at: float | None = None

    @property
    def label(self) -> str | Note:
        """The client's name inside a sentence: a host letter as it is, a named device (the
        journey's laptop) translated."""
        return self.name if len(self.name) == 1 else Note(f"node.{self.name}")

    @property
    def subject(self) -> str | Note:
        """The client's name at the start of a sentence ("The laptop"), where English wants a
        capital whatever the name."""
        return self.name if len(self.name) == 1 else Note(f"dhcp.subject.{self.name}")

    def who(self) -> dict[str, str | Note]:
        """The two forms of the name that the notes use: ``client`` and ``subject``."""
        return {"client": self.label, "subject": self.subject}


def client_mac(number: int) -> str:
    """The MAC of client ``number`` (1 for A): 02:00:00:00:00:01, ... (locally administered)."""
    return f"02:00:00:00:00:{number:02x}"
