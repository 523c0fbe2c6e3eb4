"""The --predict engine: card ids, the generic mechanism over the TCP askers, --filter's
protocol names, and --step's ``b``."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from netlab.i18n import LANGS
from netlab.predict import cards
from netlab.predict.exercise import TOPICS, build, found, order_label, order_run, pick
from netlab.sim import close, connection, handshake
from netlab.sim.close import CloseOptions
from netlab.sim.display_filter import NAMES, protocols
from netlab.sim.hosts import TcpParams
from netlab.sim.info_column import flag_names
from netlab.views.playback import play

TCP_TRACES = {
    "handshake": lambda: handshake.build(TcpParams(frames=False)),
    "handshake-lose-syn": lambda: handshake.build(TcpParams(frames=False, lose="syn")),
    "close": lambda: close.build(TcpParams(frames=False), CloseOptions()),
    "close-lose-ack": lambda: close.build(TcpParams(frames=False, lose="ack"), CloseOptions()),
    "close-merge": lambda: close.build(TcpParams(frames=False), CloseOptions(merge=True)),
    "tcp": lambda: connection.build(TcpParams(frames=False), [b"hello", b"world"], [b"ok"], 1),
}


@pytest.fixture(scope="module")
def traces():
    return {name: make() for name, make in TCP_TRACES.items()}


# -- card ids ------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z-]{0,12}", fullmatch=True)
option_values = st.one_of(st.none(), st.text(min_size=0, max_size=20))


@given(
    scenario=st.sampled_from(sorted(TOPICS)),
    mode=st.sampled_from(["next", "fields"]),
    step=st.integers(1, 500),
    kind=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    nth=st.integers(1, 4),
    options=st.lists(st.tuples(names, option_values), max_size=4),
)
def test_card_ids_round_trip(scenario, mode, step, kind, nth, options):
    card = cards.CardId(scenario, mode, step, step, kind, tuple(options), nth)
    assert cards.parse(str(card)) == card
    assert cards.is_card(str(card))


def test_card_argv_is_a_command_line():
    card = cards.parse("sim/close/next/5/ack?lose=ack&merge&data=a%26b")
    assert card.argv() == ["--lose", "ack", "--merge", "--data", "a&b"]
    with pytest.raises(ValueError):
        cards.parse("gen-handshake-synack-ack")


# -- the mechanism over the TCP askers --------------------------------------------------------


@pytest.mark.parametrize("name", list(TCP_TRACES))
@pytest.mark.parametrize("mode", ["next", "fields"])
def test_200_seeds_no_answer_among_distractors_and_no_equal_choices(traces, name, mode):
    trace = traces[name]
    with_questions = {s.index for s in trace.steps if found(trace, s)}
    assert len(with_questions) >= 3
    for seed in range(200):
        exercise = build(trace, mode, seed=seed)
        if mode == "next":
            assert {p.step for p in exercise.questions} == with_questions
        for p in exercise.questions:
            q = p.shown.question
            if q.kind == "fill":
                assert isinstance(q.answer, int)
                continue
            assert q.kind == "single" and q.answer == 0
            for lang in LANGS:
                texts = [c[lang] for c in q.choices]
                assert len(set(texts)) == len(texts), (seed, p.step, texts)
            assert sorted(p.shown.order) == list(range(len(q.choices)))


@pytest.mark.parametrize("name", list(TCP_TRACES))
def test_answers_are_the_traces_own_values(traces, name):
    trace = traces[name]
    arrived = trace.params.get("arrived", {})
    for step in trace.steps:
        for asked in found(trace, step):
            seg = step.segment
            if asked.kind == "flags":
                assert asked.answer == flag_names(seg.flags, sep=",")
            elif asked.kind == "seq":
                assert asked.answer == seg.seq
            elif asked.kind == "ack":
                assert asked.answer == seg.ack and "A" in seg.flags
            elif asked.kind == "state":
                side = asked.prompt.params["side"].key.split(".")[1]
                if side == step.src:
                    assert asked.answer == step.states[side]
                else:
                    assert asked.answer == arrived.get(step.index, step.states.get(side))
            elif asked.kind == "event":
                assert asked.answer.key.endswith(f".{step.event}")


def test_ask_n_asks_n_steps_in_trace_order(traces):
    trace = traces["close-lose-ack"]
    for seed in range(20):
        steps = [p.step for p in build(trace, "next", seed=seed, ask=3).questions]
        assert len(steps) == 3 and steps == sorted(steps)


def test_the_same_seed_sets_the_same_exercise(traces):
    trace = traces["tcp"]
    one = [(p.shown.question.id, p.shown.order) for p in build(trace, "next", seed=5).questions]
    two = [(p.shown.question.id, p.shown.order) for p in build(trace, "next", seed=5).questions]
    assert one == two


def test_pick_finds_the_question_a_card_names(traces):
    trace = traces["handshake"]
    for p in build(trace, "fields", seed=1).questions:
        card = cards.parse(p.shown.question.id)
        step = next(s for s in trace.steps if s.index == card.first)
        asks = [a for a in found(trace, step) if a.field is not None]
        assert pick(asks, card).kind == p.kind


@pytest.mark.parametrize("name", list(TCP_TRACES))
def test_order_runs_are_consecutive_distinct_packets(traces, name):
    trace = traces[name]
    run = order_run(trace.steps, random.Random(0))
    assert 3 <= len(run) <= 8
    labels = [order_label(s) for s in run]
    assert len(set(labels)) == len(labels)
    packets = [s for s in trace.steps if s.dst is not None]
    start = packets.index(run[0])
    assert packets[start : start + len(run)] == run


def test_order_exercise_answer_is_the_trace_order(traces):
    trace = traces["handshake"]
    p = build(trace, "order", seed=3).questions[0]
    expected = p.shown.expected()
    assert expected != "ABC"  # shuffled
    shown = p.shown.choice_texts("en")
    ordered = [shown["ABCDEFGH".index(letter)] for letter in expected]
    assert ordered == [order_label(s) for s in trace.steps]


# -- --filter ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "top", "expected"),
    [
        (["Ether", "IP", "TCP"], "HTTP", {"eth", "ip", "tcp", "http"}),
        (["Ether", "ARP"], "ARP", {"eth", "arp"}),
        (["Ether", "IP", "UDP", "BOOTP", "DHCP options"], "DHCP", {"eth", "ip", "udp", "dhcp"}),
        (["Ether", "IP", "ICMP", "IPerror", "UDPerror"], "ICMP", {"eth", "ip", "icmp", "udp"}),
        (["Ether", "IP", "UDP", "RIP", "RIPEntry"], "RIPv2", {"eth", "ip", "udp", "rip"}),
        (["Ether", "IP", "OSPF_Hdr", "OSPF_LSUpd"], "OSPF", {"eth", "ip", "ospf"}),
    ],
)
def test_filter_names_follow_wireshark(layers, top, expected):
    assert protocols(layers, top) == expected
    assert expected <= set(NAMES)


# -- --step's b ---------------------------------------------------------------------------------


def test_b_shows_the_step_before_again_then_enter_comes_back(traces):
    trace = traces["handshake"]
    out = io.StringIO()
    con = Console(file=out, width=100, color_system=None)
    keys = iter(["", "b", "b", "", "", "", ""])  # after step 2: back to 1, then forward
    play(trace, con, "en", lambda prompt: next(keys), 100)
    said = [line for line in out.getvalue().splitlines() if line.startswith("Step ")]
    assert said == [
        "Step 1 of 3",
        "Step 2 of 3",
        "Step 1 of 3",
        "Step 2 of 3",
        "Step 3 of 3",
    ]
    assert "nothing before it" in out.getvalue()


# -- the console loop ---------------------------------------------------------------------------


def test_a_bad_answer_in_a_terminal_is_asked_again_and_each_answer_saved(traces):
    from netlab.views.predict import run as play_exercise

    trace = traces["handshake"]
    exercise = build(trace, "next", seed=0, ask=1)
    (p,) = exercise.questions
    right = p.shown.expected()
    typed = iter(["Z", "", right, "", "", "", ""])  # Z is no letter here; "" is not an answer
    saved = []
    out = io.StringIO()
    con = Console(file=out, width=100, color_system=None)
    result = play_exercise(
        trace,
        exercise,
        con,
        "en",
        lambda prompt: next(typed),
        interactive=True,
        save=lambda q, g: saved.append((q.shown.question.id, g.given, g.correct)),
    )
    assert result.score() == (1, 1) and result.ended == "done"
    assert saved == [(p.shown.question.id, right, True)]
    assert out.getvalue().count("Answer with the letters") == 2
