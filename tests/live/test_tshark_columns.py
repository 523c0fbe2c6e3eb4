"""Every scenario's Protocol and Info columns are tshark's, frame by frame.

For each scenario (handshake, close, tcp, layers, arp, nat, dhcp, dns, journey), in its default
and main variants, the trace is built in-process, its frames are written as ``--pcap`` writes
them, and tshark reads the file once with its default preferences (no protocol disabled, the
sequence analysis on): the Protocol and Info columns of each frame, whitespace normalised, must
be the ``protocol`` and ``summary`` of the step that made the frame, and ``--json`` must print
that protocol. That covers the HTTP request and status lines, ``Continuation`` and ``[TCP segment
of a reassembled PDU]``, and the labels tshark's TCP analysis puts in front of the Info text
(``[TCP Retransmission]``, ``[TCP Dup ACK 3#1]``, ...). A failure names the scenario and variant
(the test id) and every frame that differs.

Measured with tshark 4.0.17 (Debian 12). The HTTP heuristics and the analysis labels have moved
between Wireshark releases; a mismatch on another version is reported as such, not hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from netlab.sim import (
    arp,
    close,
    connection,
    dhcp,
    dns,
    handshake,
    journey,
    layers,
    nat,
    ospf,
    rip,
    route,
)
from netlab.sim.hosts import TcpParams
from netlab.sim.stack import MINIMAL
from netlab.sim.topology import BUILT_IN
from netlab.views import json_export, pcap

FIELDS = ("frame.number", "_ws.col.Protocol", "_ws.col.Info")


@dataclass(frozen=True)
class Variant:
    build: Callable[[], Any]
    marks: tuple = ()


def tcp(**kw: Any) -> TcpParams:
    return TcpParams(**kw)


VARIANTS: dict[str, Variant] = {
    # handshake: the three segments, each one lost, the half-open connection given up on
    "handshake": Variant(lambda: handshake.build(tcp())),
    "handshake --lose syn": Variant(lambda: handshake.build(tcp(lose="syn"))),
    "handshake --lose syn-ack": Variant(lambda: handshake.build(tcp(lose="syn-ack"))),
    "handshake --lose ack": Variant(lambda: handshake.build(tcp(lose="ack"))),
    "handshake --lose ack --lose-times 6": Variant(
        lambda: handshake.build(tcp(lose="ack", lose_times=6))
    ),
    "handshake --stack minimal": Variant(lambda: handshake.build(tcp(stack=MINIMAL))),
    "handshake --seed 7": Variant(lambda: handshake.build(tcp(seed=7))),
    # close: every variant of the command, and both losses
    "close": Variant(lambda: close.build(tcp(), close.CloseOptions())),
    "close --initiator server": Variant(
        lambda: close.build(tcp(), close.CloseOptions(initiator="server"))
    ),
    "close --merge": Variant(lambda: close.build(tcp(), close.CloseOptions(merge=True))),
    "close --simultaneous": Variant(
        lambda: close.build(tcp(), close.CloseOptions(simultaneous=True))
    ),
    "close --half-close": Variant(lambda: close.build(tcp(), close.CloseOptions(half_close=True))),
    "close --unread": Variant(lambda: close.build(tcp(), close.CloseOptions(unread=True))),
    "close --data late": Variant(
        lambda: close.build(tcp(), close.CloseOptions(data=b"late", late_data=True))
    ),
    "close --lose fin": Variant(lambda: close.build(tcp(lose="fin"), close.CloseOptions())),
    "close --lose ack --lose-times 2": Variant(
        lambda: close.build(tcp(lose="ack", lose_times=2), close.CloseOptions())
    ),
    "close --stack minimal --lose fin": Variant(
        lambda: close.build(tcp(lose="fin", stack=MINIMAL), close.CloseOptions())
    ),
    # tcp: the default HTTP exchange, interactive rounds, Nagle and TCP_NODELAY, big messages
    "tcp": Variant(lambda: connection.build(tcp(), [], [])),
    "tcp --rounds 2": Variant(lambda: connection.build(tcp(), [], [], 2)),
    "tcp --data a --data b --data c": Variant(
        lambda: connection.build(tcp(), [b"a", b"b", b"c"], [])
    ),
    "tcp --nodelay --data a --data b --data c": Variant(
        lambda: connection.build(tcp(nodelay=True), [b"a", b"b", b"c"], [])
    ),
    "tcp two writes of one request --rounds 3": Variant(
        lambda: connection.build(tcp(), [b"GET / HTTP/1.1\r\n", b"Host: x\r\n\r\n"], [], 3)
    ),
    "tcp --data 3000 bytes --reply hello": Variant(
        lambda: connection.build(tcp(), [b"y" * 3000], [b"hello\r\n"])
    ),
    "tcp --stack minimal --rounds 2": Variant(
        lambda: connection.build(tcp(stack=MINIMAL), [], [], 2)
    ),
    "tcp --server 203.0.113.10:8080 --seed 3": Variant(
        lambda: connection.build(tcp(server_port=8080, seed=3), [], [])
    ),
    # layers: the message over TCP (HTTP and not) and UDP
    "layers": Variant(lambda: layers.build(layers.LayersOptions())),
    "layers --udp": Variant(lambda: layers.build(layers.LayersOptions(udp=True))),
    "layers --model osi": Variant(lambda: layers.build(layers.LayersOptions(model="osi"))),
    "layers --message hello": Variant(lambda: layers.build(layers.LayersOptions(message=b"hello"))),
    "layers --message utf-8": Variant(
        lambda: layers.build(layers.LayersOptions(message="你好，世界".encode()))
    ),
    "layers --message 1400 bytes --udp": Variant(
        lambda: layers.build(layers.LayersOptions(message=b"z" * layers.MAX_MESSAGE, udp=True))
    ),
    # arp
    "arp": Variant(lambda: arp.build(arp.ArpOptions())),
    "arp --hub": Variant(lambda: arp.build(arp.ArpOptions(hub=True))),
    "arp --loop": Variant(lambda: arp.build(arp.ArpOptions(loop=True))),
    "arp --gratuitous": Variant(lambda: arp.build(arp.ArpOptions(gratuitous=True))),
    "arp --target 8.8.8.8": Variant(lambda: arp.build(arp.ArpOptions(target="8.8.8.8"))),
    "arp --again": Variant(lambda: arp.build(arp.ArpOptions(again=True))),
    # nat
    "nat": Variant(lambda: nat.build(nat.NatOptions())),
    "nat --mode dynamic": Variant(lambda: nat.build(nat.NatOptions(mode="dynamic"))),
    "nat --mode static": Variant(lambda: nat.build(nat.NatOptions(mode="static"))),
    "nat --flows 12 --hosts 6 --seed 5": Variant(
        lambda: nat.build(nat.NatOptions(flows=12, hosts=6, seed=5))
    ),
    # dhcp
    "dhcp": Variant(lambda: dhcp.build(dhcp.DhcpOptions())),
    "dhcp --clients 6 --pool-size 2": Variant(
        lambda: dhcp.build(dhcp.DhcpOptions(clients=6, pool_size=2))
    ),
    "dhcp --broadcast-flag --seed 9": Variant(
        lambda: dhcp.build(dhcp.DhcpOptions(broadcast_flag=True, seed=9))
    ),
    "dhcp without the renewal": Variant(lambda: dhcp.build(dhcp.DhcpOptions(renew=False))),
    # dns
    "dns": Variant(lambda: dns.build(dns.DnsOptions())),
    "dns --type AAAA": Variant(lambda: dns.build(dns.DnsOptions(qtype="AAAA"))),
    "dns --type CNAME": Variant(lambda: dns.build(dns.DnsOptions(qtype="CNAME"))),
    "dns --type MX": Variant(lambda: dns.build(dns.DnsOptions(qtype="MX"))),
    "dns --again": Variant(lambda: dns.build(dns.DnsOptions(again=True))),
    # journey
    "journey": Variant(lambda: journey.build(journey.JourneyOptions())),
    "journey --seed 3 --name example.org": Variant(
        lambda: journey.build(journey.JourneyOptions(name="example.org", seed=3))
    ),
    # route: ping, TTL running out, no route, no such host, traceroute, a router pinged
    "route": Variant(lambda: route.build(route.RouteOptions())),
    "route --ttl 2": Variant(lambda: route.build(route.RouteOptions(ttl=2))),
    "route --to 198.51.100.7": Variant(lambda: route.build(route.RouteOptions(to="198.51.100.7"))),
    "route --to 192.168.2.99": Variant(lambda: route.build(route.RouteOptions(to="192.168.2.99"))),
    "route --to 192.168.1.1": Variant(lambda: route.build(route.RouteOptions(to="192.168.1.1"))),
    "route --traceroute": Variant(lambda: route.build(route.RouteOptions(traceroute=True))),
    "route --topology mesh --traceroute": Variant(
        lambda: route.build(route.RouteOptions(BUILT_IN["mesh"](), traceroute=True))
    ),
    "route --topology line --to 198.51.100.7 --traceroute": Variant(
        lambda: route.build(
            route.RouteOptions(BUILT_IN["line"](), to="198.51.100.7", traceroute=True)
        )
    ),  # rip: convergence, a failure with poisoned reverse, counting to infinity
    "rip": Variant(lambda: rip.build(rip.RipOptions())),
    "rip --topology mesh --fail R1-R5": Variant(
        lambda: rip.build(rip.RipOptions(BUILT_IN["mesh"](), fail="R1-R5"))
    ),
    "rip --fail R2-R3 --no-split-horizon": Variant(
        lambda: rip.build(rip.RipOptions(fail="R2-R3", split_horizon=False))
    ),
    # ospf: flooding on mesh, a failure flooded again, a line
    "ospf": Variant(lambda: ospf.build(ospf.OspfOptions(BUILT_IN["mesh"]()))),
    "ospf --fail R2-R3": Variant(
        lambda: ospf.build(ospf.OspfOptions(BUILT_IN["mesh"](), fail="R2-R3"))
    ),
    "ospf --topology line --fail R1-R2": Variant(
        lambda: ospf.build(ospf.OspfOptions(BUILT_IN["line"](), fail="R1-R2"))
    ),
}


def frame_steps(trace) -> list:
    """The steps whose packets ``--pcap`` writes, in file order (``views.pcap.frames``)."""
    from netlab.sim.packets import is_ethernet

    return [
        s
        for s in trace.steps
        if s.packet is not None and s.dst is not None and s.copy_of is None
        if is_ethernet(s.packet)
    ]


def normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def version(tshark) -> str:
    """tshark's first version line, named in a failure: the columns were measured on 4.0.17."""
    return tshark.run("--version").stdout.splitlines()[0]


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=v.marks, id=name) for name, v in VARIANTS.items()]
)
def test_protocol_and_info_are_tsharks(tshark, version, tmp_path, name):
    trace = VARIANTS[name].build()
    path = tmp_path / "capture.pcap"
    written = pcap.write(trace, path)
    steps = frame_steps(trace)
    assert written == len(steps)
    rows = tshark.fields(path, FIELDS)
    assert len(rows) == len(steps), f"{name}: tshark read {len(rows)} frames, we wrote {len(steps)}"
    wrong = []
    for row, step in zip(rows, steps, strict=True):
        theirs = (row["_ws.col.Protocol"], normal(row["_ws.col.Info"]))
        ours = (step.protocol, normal(step.summary))
        printed = json_export.step_dict(step, "en")["protocol"]
        if ours != theirs or printed != theirs[0]:
            json = f" (--json: {printed!r})" if printed != ours[0] else ""
            wrong.append(
                f"frame {row['frame.number']} (step {step.index}):\n"
                f"    netlab {ours[0]!r:8} {ours[1]!r}{json}\n"
                f"    tshark {theirs[0]!r:8} {theirs[1]!r}"
            )
    assert not wrong, (
        f"{name}: {len(wrong)} of {len(steps)} frames differ ({version})\n" + "\n".join(wrong)
    )


def test_every_scenario_is_covered():
    assert {name.split()[0] for name in VARIANTS} == {
        "handshake", "close", "tcp", "layers", "arp", "nat", "dhcp", "dns", "journey", "route",
        "rip", "ospf",
    }  # fmt: skip


# -- the column model on made-up captures: what the scenarios rarely or never produce ----------

CLIENT = ("192.168.1.10", 51000, "02:00:00:00:00:01")
SERVER = ("203.0.113.10", 80, "02:00:00:00:00:fe")
SYN_OPTIONS = (("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7))
HANDSHAKE = [
    (0.0, "c", "S", 1000, 0, b"", 64240, SYN_OPTIONS),
    (0.01, "s", "SA", 5000, 1001, b"", 65160, SYN_OPTIONS),
    (0.02, "c", "A", 1001, 5001, b"", 502),
]
GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

#: (time, "c" or "s", flags, seq, ack, payload[, window[, options]]) per frame
MADE_UP: dict[str, list[tuple]] = {
    "keep-alive and its ACK": [
        *HANDSHAKE,
        (1.0, "c", "A", 1000, 5001, b"", 502),
        (1.01, "s", "A", 5001, 1001, b"", 510),
        (2.0, "c", "A", 1000, 5001, b"\x00", 502),
    ],
    "window update, then duplicate ACKs": [
        *HANDSHAKE,
        (0.1, "s", "PA", 5001, 1001, b"abc", 510),
        (0.2, "c", "A", 1001, 5004, b"", 100),
        (0.3, "c", "A", 1001, 5004, b"", 502),
        (0.4, "c", "A", 1001, 5004, b"", 502),
    ],
    "zero window and its probe": [
        *HANDSHAKE,
        (0.1, "s", "PA", 5001, 1001, b"abc", 510),
        (0.2, "c", "A", 1001, 5004, b"", 0),
        (0.5, "s", "A", 5004, 1001, b"x", 510),
        (0.6, "c", "A", 1001, 5004, b"", 0),
        (0.7, "c", "A", 1001, 5004, b"", 502),
    ],
    "a segment not captured, then sent again": [
        *HANDSHAKE,
        (0.1, "c", "PA", 1011, 5001, b"abc", 502),
        (0.2, "s", "A", 5001, 1014, b"", 510),
        (0.3, "c", "PA", 1001, 5001, b"0123456789", 502),
    ],
    "spurious retransmission": [
        *HANDSHAKE,
        (0.1, "c", "PA", 1001, 5001, b"aaaa", 502),
        (0.2, "s", "A", 5001, 1005, b"", 510),
        (0.5, "c", "PA", 1001, 5001, b"aaaa", 502),
    ],
    "ACKed unseen segment": [*HANDSHAKE, (0.1, "s", "A", 5001, 1100, b"", 510)],
    "three labels on one segment, in tshark's order": [
        *HANDSHAKE,
        (0.1, "c", "A", 1011, 5100, b"", 0),
        (0.2, "c", "A", 1010, 5100, b"", 0),
    ],
    "port numbers reused": [
        *HANDSHAKE,
        (0.1, "c", "FA", 1001, 5001, b"", 502),
        (0.11, "s", "FA", 5001, 1002, b"", 510),
        (0.12, "c", "A", 1002, 5002, b"", 502),
        (5.0, "c", "S", 9000, 0, b"", 64240, SYN_OPTIONS),
    ],
    "window full": [
        (0.0, "c", "S", 1000, 0, b"", 64240, (("MSS", 1460),)),
        (0.01, "s", "SA", 5000, 1001, b"", 10, (("MSS", 1460),)),
        (0.02, "c", "A", 1001, 5001, b"", 502),
        (0.03, "c", "PA", 1001, 5001, b"0123456789", 502),
    ],
    "duplicate ACKs count from the last new ACK number": [
        (0.0, "c", "A", 1001, 5001, b""),
        (0.1, "c", "PA", 1001, 5001, b"yy"),
        (0.2, "c", "A", 1003, 5001, b""),
        (0.3, "s", "PA", 5001, 1003, b"xx"),
        (0.4, "c", "PA", 1003, 5003, b"zz"),
        (0.5, "c", "A", 1005, 5003, b""),
    ],
    # from here on a seq of None continues the sender's stream
    "HTTP request in three segments": [
        (0.0, "c", "PA", 1001, 5001, b"GET / HTTP/1.1\r\n"),
        (0.1, "c", "PA", None, 5001, b"Host: x\r\n"),
        (0.2, "c", "PA", None, 5001, b"\r\n"),
    ],
    "HTTP text that is not a message, before and after a request": [
        (0.0, "c", "PA", 1001, 5001, b"hel"),
        (0.1, "c", "PA", None, 5001, b"lo\r\n"),
        (0.2, "c", "PA", None, 5001, GET + GET + b"GET"),
        (0.3, "c", "PA", None, 5001, b" / HTTP/1.1\r\n\r\nmore\r\n"),
        (0.4, "c", "PA", None, 5001, b"\x01\x02"),
    ],
    "HTTP response: body in two segments, media type, no length until the FIN": [
        (0.0, "s", "PA", 5001, 1001, b"HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; q=1\r\n"),
        (0.1, "s", "PA", None, 1001, b"Content-Length: 10\r\n\r\nhello"),
        (0.2, "s", "PA", None, 1001, b"worldHTTP/1.1 204 No Content\r\n\r\n"),
        (0.3, "s", "PA", None, 1001, b"HTTP/1.1 200 OK\r\n\r\nabc"),
        (0.4, "s", "FA", None, 1001, b""),
    ],
    "HTTP found by its first line on another port": [
        (0.0, "c", "PA", 1001, 5001, b"hello\r\n"),
        (0.1, "c", "PA", None, 5001, GET),
        (0.2, "s", "PA", 5001, 1008 + len(GET), b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
        (0.3, "c", "PA", None, 5041, b"more\r\n"),
    ],
}
OTHER_PORT = {"HTTP found by its first line on another port": 9999}


@pytest.mark.parametrize("case", list(MADE_UP))
def test_column_model_agrees_on_made_up_captures(tshark, version, tmp_path, case):
    from netlab.sim.info_column import Capture
    from netlab.sim.packets import Hop, tcp_frame, write_pcap
    from netlab.sim.segment import Segment

    server = (SERVER[0], OTHER_PORT.get(case, SERVER[1]), SERVER[2])
    capture = Capture()
    frames, ours = [], []
    following: dict[str, int] = {}
    for time, sender, flags, seq, ack, payload, *rest in MADE_UP[case]:
        seq = following[sender] if seq is None else seq
        following[sender] = seq + len(payload) + ("S" in flags) + ("F" in flags)
        window = rest[0] if rest else 502
        options = rest[1] if len(rest) > 1 else ()
        src, dst = (CLIENT, server) if sender == "c" else (server, CLIENT)
        frame = tcp_frame(
            Hop(src[2], src[0], src[1]),
            dst[2],
            Hop(dst[2], dst[0], dst[1]),
            flags=flags,
            seq=seq,
            ack=ack,
            payload=payload,
            window=window,
            options=options,
        )
        frames.append((time, frame))
        segment = Segment(sender, "peer", flags, seq, ack, payload, options=options, window=window)
        ours.append(capture.tcp(time, src[:2], dst[:2], segment))
    path = tmp_path / "made_up.pcap"
    write_pcap(path, frames)
    rows = tshark.fields(path, FIELDS)
    theirs = [(r["_ws.col.Protocol"], normal(r["_ws.col.Info"])) for r in rows]
    assert [(protocol, normal(info)) for protocol, info in ours] == theirs, version
