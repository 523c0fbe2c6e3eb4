"""One DHCP message as plain data: the BOOTP fields, the options, and the frame that carries it.

Owns ``Message`` (message type, xid, secs, the BROADCAST flag, ciaddr/yiaddr/siaddr/giaddr,
chaddr, the options in order, and the Ethernet, IP and UDP addresses, TTL, TOS and DF bit of
its frame), the fields a step carries (``Message.fields``), the keyword arguments of the frame
builder (``Message.wire``), Wireshark's Info column (``summary``), the message types as
Wireshark names them, the option codes, the ports 67 and 68 and the broadcast addresses.
``netlab.sim.packets.dhcp`` makes the real frame.

Must not choose addresses, options or times (that is the scenario's story,
``netlab.sim.dhcp``), nor import scapy. Pure: no print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netlab.sim.addressing import DEFAULT_TTL

CLIENT_PORT = 68
SERVER_PORT = 67
UNSPECIFIED = "0.0.0.0"
BROADCAST_IP = "255.255.255.255"
BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"

#: DHCP message types (option 53) as Wireshark names them.
MESSAGE_TYPES = {
    1: "Discover",
    2: "Offer",
    3: "Request",
    4: "Decline",
    5: "ACK",
    6: "NAK",
    7: "Release",
    8: "Inform",
}
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5

#: scapy's names of the DHCP options used here, and their codes (RFC 2132).
OPTION_CODES = {
    "message-type": 53,
    "requested_addr": 50,
    "server_id": 54,
    "param_req_list": 55,
    "lease_time": 51,
    "renewal_time": 58,
    "rebinding_time": 59,
    "subnet_mask": 1,
    "router": 3,
    "name_server": 6,
}


@dataclass(frozen=True)
class Message:
    """One DHCP message with the addresses of the frame that carries it: plain data, no scapy."""

    message_type: int
    eth_src: str
    eth_dst: str
    ip_src: str
    ip_dst: str
    sport: int
    dport: int
    xid: int
    chaddr: str
    options: tuple[tuple[str, Any], ...]
    secs: int = 0
    broadcast: bool = False
    ciaddr: str = UNSPECIFIED
    yiaddr: str = UNSPECIFIED
    siaddr: str = UNSPECIFIED
    giaddr: str = UNSPECIFIED
    ttl: int = DEFAULT_TTL  # the IP header's TTL, TOS and DF bit
    tos: int = 0
    df: bool = False

    @property
    def op(self) -> int:
        """1 BOOTREQUEST (client to server) or 2 BOOTREPLY."""
        return 1 if self.sport == CLIENT_PORT else 2

    @property
    def name(self) -> str:
        return MESSAGE_TYPES[self.message_type]

    def fields(self) -> dict[str, Any]:
        """The key fields, as the Trace's ``Step.fields`` carries them."""
        return {
            "message_type": self.message_type,
            "message": self.name,
            "op": self.op,
            "xid": self.xid,
            "secs": self.secs,
            "broadcast": self.broadcast,
            "ciaddr": self.ciaddr,
            "yiaddr": self.yiaddr,
            "siaddr": self.siaddr,
            "giaddr": self.giaddr,
            "chaddr": self.chaddr,
            "eth_src": self.eth_src,
            "eth_dst": self.eth_dst,
            "ip_src": self.ip_src,
            "ip_dst": self.ip_dst,
            "sport": self.sport,
            "dport": self.dport,
            "ttl": self.ttl,
            "tos": self.tos,
            "df": self.df,
            "options": {
                name: list(value) if isinstance(value, tuple) else value
                for name, value in self.options
            },
        }

    def wire(self) -> dict[str, Any]:
        """The keyword arguments of ``netlab.sim.packets.dhcp.dhcp_frame``: the fields, with the
        options as (name, value) pairs in their order."""
        out = {k: v for k, v in self.fields().items() if k not in ("message_type", "message")}
        out["options"] = list(out["options"].items())
        return out


def summary(message_type: int, xid: int) -> str:
    """Wireshark's Info column for a DHCP message: ``DHCP Offer    - Transaction ID 0x...``."""
    return f"DHCP {MESSAGE_TYPES[message_type]:<8} - Transaction ID 0x{xid:08x}"
