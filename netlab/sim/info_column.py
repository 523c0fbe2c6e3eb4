"""Wireshark's words for a TCP segment: the flag names and the Info column line.

Owns how netlab writes a segment the way Wireshark 4.0 shows it, so every scenario that
compares its summaries with tshark (nat, layers, journey) and every view that names flags say
it the same way: flag names in Wireshark's order (FIN, SYN, RST, PSH, ACK, URG), and
``51000 → 80 [SYN, ACK] Seq=0 Ack=1 Win=64240 Len=0 MSS=1460`` with numbers relative to the
ISNs. Pure text; no scapy.
"""

from __future__ import annotations

MOD = 2**32

#: scapy's flag letters and Wireshark's names, in the order Wireshark lists them
TCP_FLAG_NAMES = (
    ("F", "FIN"),
    ("S", "SYN"),
    ("R", "RST"),
    ("P", "PSH"),
    ("A", "ACK"),
    ("U", "URG"),
)


def flag_names(flags: str, sep: str = ", ") -> str:
    """scapy's flag string to Wireshark's names: "SA" -> "SYN, ACK", "FA" -> "FIN, ACK"."""
    return sep.join(name for letter, name in TCP_FLAG_NAMES if letter in flags)


def tcp_info(
    sport: int,
    dport: int,
    flags: str,
    seq: int,
    ack: int,
    length: int,
    *,
    window: int = 64240,
    mss: int | None = None,
    options: tuple = (),
) -> str:
    """The Info column of a TCP segment; ``seq`` and ``ack`` already relative to the ISNs (taken
    modulo 2**32), ``window`` as Wireshark calculates it (the field times the sender's window
    scale, once the handshake has shown both scales). Ack is shown only when the ACK flag is
    set; then the options, as scapy names them in ``options`` (or a lone ``mss``), in
    Wireshark's words: ``MSS=1460 SACK_PERM TSval=… TSecr=… WS=128``."""
    text = f"{sport} → {dport} [{flag_names(flags)}] Seq={seq % MOD}"
    if "A" in flags:
        text += f" Ack={ack % MOD}"
    text += f" Win={window} Len={length}"
    for name, value in options or ((("MSS", mss),) if mss else ()):
        if name == "MSS":
            text += f" MSS={value}"
        elif name == "SAckOK":
            text += " SACK_PERM"
        elif name == "Timestamp":
            text += f" TSval={value[0]} TSecr={value[1]}"
        elif name == "WScale":
            text += f" WS={2**value}"
    return text
