"""The ``--json`` contract (DESIGN.md, version 2) and the protocol facts it must carry.

Runs the TCP scenarios in-process with ``--json`` and checks the document's shape, then the
numbers a learner is taught: ISN + 1, ACKs that count bytes, RTO doubling, TIME-WAIT's 2·MSL,
and each side's state sequence in every variant of the close.

A state sequence starts with the endpoint's initial state, which is not inside ``steps``
(handshake: client CLOSED, server LISTEN; close: both ESTABLISHED), followed by the states of
the steps with consecutive duplicates removed.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from contract import OPTION_KEYS, OPTION_NAMES, STEP_KEYS, TCP_KEYS, VERSION
from rfc import TCP_STATES

RFC_STATES = set(TCP_STATES)
MOD = 2**32
MSS = 1460
EPS = 1e-6

Doc = dict[str, Any]
Step = dict[str, Any]


# -- helpers -----------------------------------------------------------------------------------


def check_contract(doc: Doc, scenario: str) -> None:
    assert {"version", "scenario", "nodes", "steps"} <= set(doc)
    assert doc["version"] == VERSION
    assert doc["scenario"] == scenario
    assert doc["stack"] in ("linux", "minimal")
    names = {n["name"] for n in doc["nodes"]}
    assert {"client", "server"} <= names
    for node in doc["nodes"]:
        assert {"name", "ip", "mac", "port"} <= set(node)
    steps = doc["steps"]
    assert steps
    previous = 0.0
    for number, step in enumerate(steps, start=1):
        assert set(step) == STEP_KEYS, sorted(step)
        assert step["index"] == number
        assert step["time"] >= previous, "times never decrease"
        previous = step["time"]
        assert step["src"] in names
        assert isinstance(step["lost"], bool)
        assert isinstance(step["summary"], str) and step["summary"]
        assert isinstance(step["note"], str) and step["note"]
        assert isinstance(step["tables"], dict)
        assert set(step["states"]) <= names
        assert set(step["states"].values()) <= RFC_STATES, step["states"]
        if step["tcp"] is None:  # a local event (a timer)
            assert step["dst"] is None
            assert step["layers"] == []
            assert step["lost"] is False
            assert step["to"] == [] and step["protocol"] is None
        else:
            assert step["dst"] in names and step["dst"] != step["src"]
            assert step["to"] == [step["dst"]]
            # Wireshark's Protocol column: HTTP for the request and reply of the default data
            assert step["protocol"] == "TCP" or (step["protocol"] == "HTTP" and step["tcp"]["len"])
            assert step["fields"] == {}
            assert set(step["tcp"]) == TCP_KEYS
            assert 0 <= step["tcp"]["window"] <= 65535
            for option in step["tcp"]["options"]:
                assert set(option) == OPTION_KEYS
                assert OPTION_NAMES[option["kind"]] == option["name"]
            assert step["layers"] == ["Ether", "IP", "TCP"]
            for field in ("seq", "ack", "len"):
                assert 0 <= step["tcp"][field] < MOD


def segments(doc: Doc) -> list[Step]:
    return [s for s in doc["steps"] if s["tcp"] is not None]


def timers(doc: Doc) -> list[Step]:
    """Timer expiries (RTO, 2MSL): local steps whose summary ends in "expired"."""
    return [s for s in doc["steps"] if s["tcp"] is None and s["summary"].endswith("expired")]


def timer_starts(doc: Doc, kind: str) -> list[Step]:
    """Local steps that (re)start the TIME-WAIT timer: kind is "start" or "restart"."""
    return [s for s in doc["steps"] if s["tcp"] is None and s["summary"] == f"2MSL {kind}"]


def flags(steps: list[Step]) -> list[str]:
    return [s["tcp"]["flags"] for s in steps]


def sequence(doc: Doc, name: str, initial: str) -> list[str]:
    seq = [initial]
    for step in doc["steps"]:
        state = step["states"][name]
        if state != seq[-1]:
            seq.append(state)
    return seq


def final_states(doc: Doc) -> dict[str, str]:
    return doc["steps"][-1]["states"]


@pytest.fixture
def scenario(run_json):
    """Run ``netlab simulate ARGS... --json`` and check the contract before handing it back."""

    def _scenario(name: str, *args: str) -> Doc:
        doc = run_json("simulate", name, *args)
        check_contract(doc, name)
        return doc

    return _scenario


# -- handshake ---------------------------------------------------------------------------------


def test_handshake_flags_numbers_and_states(scenario) -> None:
    doc = scenario("handshake")
    segs = segments(doc)
    assert flags(segs) == ["S", "SA", "A"]
    assert [s["src"] for s in segs] == ["client", "server", "client"]
    isn_client = segs[0]["tcp"]["seq"]
    isn_server = segs[1]["tcp"]["seq"]
    assert segs[1]["tcp"]["ack"] == (isn_client + 1) % MOD
    assert segs[2]["tcp"]["seq"] == (isn_client + 1) % MOD
    assert segs[2]["tcp"]["ack"] == (isn_server + 1) % MOD
    assert all(s["tcp"]["len"] == 0 for s in segs)
    assert not any(s["lost"] for s in doc["steps"])
    assert timers(doc) == []
    assert sequence(doc, "client", "CLOSED") == ["CLOSED", "SYN-SENT", "ESTABLISHED"]
    assert sequence(doc, "server", "LISTEN") == ["LISTEN", "SYN-RECEIVED", "ESTABLISHED"]
    assert doc["steps"][0]["summary"] == "SYN"


def test_handshake_isn_options_are_used(scenario) -> None:
    doc = scenario("handshake", "--isn-client", "123", "--isn-server", "456")
    segs = segments(doc)
    assert [s["tcp"]["seq"] for s in segs] == [123, 456, 124]
    assert [s["tcp"]["ack"] for s in segs] == [0, 124, 457]


def test_handshake_ack_wraps_at_2_32(scenario) -> None:
    doc = scenario("handshake", "--isn-client", "4294967295", "--isn-server", "4294967295")
    syn, syn_ack, ack = segments(doc)
    assert syn["tcp"]["seq"] == 4294967295
    assert syn_ack["tcp"]["ack"] == 0
    assert ack["tcp"]["seq"] == 0
    assert ack["tcp"]["ack"] == 0


def test_handshake_seed_is_deterministic(run, load_json) -> None:
    argv = ("simulate", "handshake", "--seed", "5", "--json")
    first = run(*argv)
    second = run(*argv)
    other = run("simulate", "handshake", "--seed", "6", "--json")
    assert first[0] == second[0] == other[0] == 0
    assert first[1] == second[1], "same seed, same output byte for byte"
    isn5 = load_json(first[1])["steps"][0]["tcp"]["seq"]
    isn6 = load_json(other[1])["steps"][0]["tcp"]["seq"]
    assert isn5 != isn6


@pytest.mark.parametrize(
    ("lose", "lost_flags", "lost_src"),
    [("syn", "S", "client"), ("syn-ack", "SA", "server"), ("ack", "A", "client")],
)
def test_handshake_lost_segment_is_recovered(scenario, lose, lost_flags, lost_src) -> None:
    doc = scenario("handshake", "--lose", lose)
    steps = doc["steps"]
    lost = [s for s in steps if s["lost"]]
    assert len(lost) == 1
    (gone,) = lost
    assert gone["tcp"]["flags"] == lost_flags
    assert gone["src"] == lost_src

    # a retransmission timer fires, 1 s (the initial RTO) after its timer was started by the
    # first SYN (or SYN-ACK) sent by that side
    (timer,) = timers(doc)
    first_syn = next(
        s for s in segments(doc) if s["src"] == timer["src"] and "S" in s["tcp"]["flags"]
    )
    assert timer["time"] == pytest.approx(first_syn["time"] + 1.0, abs=EPS)
    assert timer["index"] > gone["index"]
    if lose == "syn":
        retx = steps[timer["index"]]  # the step right after the timer
        assert retx["tcp"]["flags"] == "S"
        assert retx["time"] == pytest.approx(1.0, abs=EPS)

    # the lost segment is sent again, with the same sequence number, and gets through
    again = [
        s
        for s in segments(doc)
        if s["index"] > gone["index"]
        and s["src"] == gone["src"]
        and s["tcp"]["flags"] == gone["tcp"]["flags"]
    ]
    assert again
    assert again[0]["tcp"]["seq"] == gone["tcp"]["seq"]
    assert again[0]["lost"] is False
    assert final_states(doc) == {"client": "ESTABLISHED", "server": "ESTABLISHED"}


def test_info_is_wiresharks_line_and_null_for_events(scenario, run_json) -> None:
    """Version 4: ``info`` is the Info column tshark prints for the frame (its analysis labels
    included: tests/live/test_tshark_columns.py compares them with tshark itself); ``summary``
    stays the step table's flag names; a local event has no Info line."""
    doc = scenario("handshake", "--lose", "ack")
    first = doc["steps"][0]
    assert first["summary"] == "SYN"
    assert first["info"].startswith("51000 → 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460")
    resent = [s for s in segments(doc) if s["tcp"]["flags"] == "SA"][1]
    assert resent["info"].startswith("[TCP Retransmission] 80 → 51000 [SYN, ACK] Seq=0 Ack=1")
    assert [t["info"] for t in timers(doc)] == [None]
    arp = run_json("simulate", "arp")
    assert all(s["info"] == s["summary"] for s in arp["steps"] if s["dst"] is not None)


def test_handshake_rto_doubles(scenario) -> None:
    doc = scenario("handshake", "--lose", "syn", "--lose-times", "3")
    syns = [s for s in segments(doc) if s["tcp"]["flags"] == "S"]
    assert [s["time"] for s in syns] == pytest.approx([0.0, 1.0, 3.0, 7.0], abs=EPS)
    assert [s["lost"] for s in syns] == [True, True, True, False]
    assert {s["tcp"]["seq"] for s in syns} == {syns[0]["tcp"]["seq"]}
    assert [t["time"] for t in timers(doc)] == pytest.approx([1.0, 3.0, 7.0], abs=EPS)
    assert final_states(doc) == {"client": "ESTABLISHED", "server": "ESTABLISHED"}


# -- a whole connection ------------------------------------------------------------------------


def test_tcp_acks_count_bytes(scenario) -> None:
    doc = scenario("tcp", "--data", "hello", "--data", "world", "--reply", "OK")
    segs = segments(doc)
    isn_client = segs[0]["tcp"]["seq"]
    client_data = [s for s in segs if s["src"] == "client" and s["tcp"]["len"] > 0]
    server_data = [s for s in segs if s["src"] == "server" and s["tcp"]["len"] > 0]

    assert client_data[0]["tcp"]["seq"] == (isn_client + 1) % MOD
    for before, after in pairwise(client_data):
        assert after["tcp"]["seq"] == (before["tcp"]["seq"] + before["tcp"]["len"]) % MOD
    assert sum(s["tcp"]["len"] for s in client_data) == 10

    server_acks = [s["tcp"]["ack"] for s in segs if s["src"] == "server"]
    for data in client_data:
        assert (data["tcp"]["seq"] + data["tcp"]["len"]) % MOD in server_acks
    assert server_data and sum(s["tcp"]["len"] for s in server_data) == 2
    assert server_data[0]["tcp"]["ack"] == (isn_client + 1 + 10) % MOD
    client_acks = [s["tcp"]["ack"] for s in segs if s["src"] == "client"]
    reply = server_data[0]["tcp"]
    assert (reply["seq"] + reply["len"]) % MOD in client_acks

    client = sequence(doc, "client", "CLOSED")
    assert client[-2:] == ["TIME-WAIT", "CLOSED"]
    assert final_states(doc) == {"client": "CLOSED", "server": "CLOSED"}


def test_tcp_large_message_is_split_at_mss(scenario) -> None:
    doc = scenario("tcp", "--data", "y" * 3000)
    client_data = [s for s in segments(doc) if s["src"] == "client" and s["tcp"]["len"] > 0]
    assert len(client_data) >= 3
    assert all(s["tcp"]["len"] <= MSS for s in client_data)
    assert sum(s["tcp"]["len"] for s in client_data) == 3000
    for before, after in pairwise(client_data):
        assert after["tcp"]["seq"] == (before["tcp"]["seq"] + before["tcp"]["len"]) % MOD


# -- close -------------------------------------------------------------------------------------

EST = "ESTABLISHED"
ACTIVE = [EST, "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"]
PASSIVE = [EST, "CLOSE-WAIT", "LAST-ACK", "CLOSED"]


@pytest.mark.parametrize(
    ("args", "client", "server"),
    [
        pytest.param((), ACTIVE, PASSIVE, id="normal"),
        pytest.param(("--initiator", "server"), PASSIVE, ACTIVE, id="initiator-server"),
        pytest.param(("--merge",), [EST, "FIN-WAIT-1", "TIME-WAIT", "CLOSED"], PASSIVE, id="merge"),
        pytest.param(("--half-close", "--data", "hi"), ACTIVE, PASSIVE, id="half-close"),
        pytest.param(("--lose", "fin"), ACTIVE, PASSIVE, id="lose-fin"),
        pytest.param(("--lose", "ack"), ACTIVE, PASSIVE, id="lose-ack"),
        pytest.param(
            ("--simultaneous",),
            [EST, "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"],
            [EST, "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"],
            id="simultaneous",
        ),
    ],
)
def test_close_state_sequences(scenario, args, client, server) -> None:
    doc = scenario("close", *args)
    assert sequence(doc, "client", EST) == client
    assert sequence(doc, "server", EST) == server
    assert final_states(doc) == {"client": "CLOSED", "server": "CLOSED"}


def test_simultaneous_close_server_passes_through_closing(scenario) -> None:
    doc = scenario("close", "--simultaneous")
    assert sequence(doc, "server", EST) == [EST, "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"]
    fins = [s for s in segments(doc) if "F" in s["tcp"]["flags"]]
    assert {s["src"] for s in fins} == {"client", "server"}
    assert fins[0]["time"] == fins[1]["time"]
    assert sorted(t["src"] for t in timers(doc)) == ["client", "server"]


def test_close_merge_is_three_segments(scenario) -> None:
    doc = scenario("close", "--merge")
    segs = segments(doc)
    assert flags(segs) == ["FA", "FA", "A"]
    assert [s["src"] for s in segs] == ["client", "server", "client"]
    assert "FIN-WAIT-2" not in {s["states"]["client"] for s in doc["steps"]}


def test_close_numbers(scenario) -> None:
    doc = scenario("close")
    fin, ack, fin2, last = segments(doc)
    assert flags([fin, ack, fin2, last]) == ["FA", "A", "FA", "A"]
    assert ack["tcp"]["ack"] == (fin["tcp"]["seq"] + 1) % MOD
    assert last["tcp"]["ack"] == (fin2["tcp"]["seq"] + 1) % MOD


def test_half_close_data_flows_in_close_wait(scenario) -> None:
    doc = scenario("close", "--half-close", "--data", "hi")
    data = [s for s in segments(doc) if s["tcp"]["len"] > 0]
    assert len(data) == 1
    (seg,) = data
    assert seg["src"] == "server"
    assert seg["tcp"]["len"] == 2
    assert seg["states"] == {"client": "FIN-WAIT-2", "server": "CLOSE-WAIT"}
    before = doc["steps"][seg["index"] - 2]
    assert before["states"] == {"client": "FIN-WAIT-2", "server": "CLOSE-WAIT"}
    acked = [
        s
        for s in segments(doc)
        if s["src"] == "client" and s["tcp"]["ack"] == (seg["tcp"]["seq"] + 2) % MOD
    ]
    assert acked


#: RTO after one RTT sample R (RFC 6298 2.2: SRTT = R, RTTVAR = R/2): Linux keeps the variation
#: term at least 200 ms (TCP_RTO_MIN): R + max(4 * R/2, 0.2); RFC 6298 2.4: max(R + 2R, 1 s).
LINUX_RTO = 0.02 + max(4 * 0.01, 0.2)  # 0.22 s with the default RTT of 20 ms
RFC_RTO = max(0.02 + 4 * 0.01, 1.0)


@pytest.mark.parametrize(
    ("stack", "wait"), [("linux", LINUX_RTO), ("minimal", RFC_RTO)], ids=["linux", "minimal"]
)
def test_close_lost_fin_is_retransmitted(scenario, stack, wait) -> None:
    doc = scenario("close", "--lose", "fin", "--stack", stack)
    fins = [s for s in segments(doc) if s["src"] == "client" and "F" in s["tcp"]["flags"]]
    assert [s["lost"] for s in fins] == [True, False]
    assert fins[0]["tcp"]["seq"] == fins[1]["tcp"]["seq"]
    rto = [t for t in timers(doc) if t["src"] == "client" and t["index"] < fins[1]["index"]]
    assert len(rto) == 1
    assert rto[0]["time"] == pytest.approx(fins[0]["time"] + wait, abs=EPS)
    assert fins[1]["time"] == pytest.approx(rto[0]["time"], abs=EPS)


def test_fin_rto_comes_from_the_rtt_and_doubles(scenario) -> None:
    """The close starts after a handshake that measured the RTT (100 ms here): a lost FIN is
    resent after RTT + 200 ms on Linux, then the back-off doubles the wait."""
    doc = scenario("close", "--lose", "fin", "--lose-times", "3", "--rtt", "0.1")
    rtos = [t["time"] for t in timers(doc) if t["src"] == "client"][:3]
    first = 0.1 + max(4 * 0.05, 0.2)
    assert rtos == pytest.approx([first, 3 * first, 7 * first], abs=EPS)


def test_close_lost_last_ack(scenario) -> None:
    doc = scenario("close", "--lose", "ack")
    segs = segments(doc)
    server_fins = [s for s in segs if s["src"] == "server" and "F" in s["tcp"]["flags"]]
    assert len(server_fins) == 2
    assert server_fins[0]["tcp"]["seq"] == server_fins[1]["tcp"]["seq"]
    last_acks = [
        s
        for s in segs
        if s["src"] == "client"
        and s["tcp"]["flags"] == "A"
        and s["tcp"]["ack"] == (server_fins[0]["tcp"]["seq"] + 1) % MOD
    ]
    assert [s["lost"] for s in last_acks] == [True, False]
    second = last_acks[1]
    assert second["index"] > server_fins[1]["index"]
    # the client is in TIME-WAIT when it acknowledges the FIN again
    assert doc["steps"][second["index"] - 2]["states"]["client"] == "TIME-WAIT"
    assert second["states"]["client"] == "TIME-WAIT"
    (restart,) = timer_starts(doc, "restart")
    assert restart["src"] == "client" and restart["time"] == second["time"]
    (two_msl,) = [t for t in timers(doc) if t["src"] == "client"]
    assert two_msl["time"] == pytest.approx(second["time"] + 60.0, abs=EPS)
    assert two_msl["states"]["client"] == "CLOSED"


@pytest.mark.parametrize(("msl", "wait"), [("5", 10.0), ("30", 60.0), ("0.5", 1.0)])
def test_time_wait_lasts_two_msl(scenario, msl: str, wait: float) -> None:
    doc = scenario("close", "--msl", msl)
    segs = segments(doc)
    # the client enters TIME-WAIT when the server's FIN arrives, which it answers at once
    final_ack = segs[-1]
    assert final_ack["src"] == "client" and final_ack["tcp"]["flags"] == "A"
    (start,) = timer_starts(doc, "start")
    assert start["src"] == "client" and start["time"] == final_ack["time"]
    assert start["states"]["client"] == "TIME-WAIT"
    (two_msl,) = timers(doc)
    assert two_msl["src"] == "client"
    assert two_msl["time"] == pytest.approx(final_ack["time"] + wait, abs=EPS)
    assert two_msl is doc["steps"][-1]
