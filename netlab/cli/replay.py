"""Simulation questions in ``netlab quiz``: a predicted step's card brought back, and fresh ones.

Owns turning a card id (``netlab.predict.cards``) back into its question: the scenario is run
again through its own ``netlab simulate`` command (so every option is checked exactly as it was
when the learner typed it; ``sim_show.CAPTURE`` takes the trace instead of drawing it), the step
is found and asked again, with the steps before it as context (``netlab quiz --review``). And
``fresh``: a question about a random step of one of a few teaching runs of a scenario (``netlab
quiz --from-simulations``), whose id is the card id of that step, so that answering it makes a
card like any predicted step. Imported only when such a question's turn comes (it runs scapy).
"""

from __future__ import annotations

import random
from dataclasses import replace

from netlab.i18n import LANGS, text
from netlab.predict import cards
from netlab.predict.exercise import (
    TOPICS,
    build,
    card_for,
    found,
    make_question,
    order_label,
    pick,
)
from netlab.quiz.model import Question
from netlab.sim.trace import Trace

#: The runs ``--from-simulations`` asks about: each scenario with its teaching variants.
RUNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "handshake": ((), ("--lose", "syn"), ("--lose", "ack"), ("--stack", "minimal")),
    "close": ((), ("--lose", "ack"), ("--merge",), ("--initiator", "server")),
    "tcp": ((), ("--data", "hello", "--reply", "world")),
    "layers": ((),),
    "arp": ((), ("--again",), ("--hub",)),
    "nat": ((),),
    "dhcp": ((),),
    "dns": ((),),
    "journey": ((),),
    "route": ((), ("--traceroute",)),
    "rip": ((),),
    "ospf": ((),),
}
CONTEXT_STEPS = 3  # the steps before the one asked, shown with its question


class ReplayError(Exception):
    """The card cannot be asked again (its scenario's options are no longer valid)."""


def trace_for(scenario: str, argv: list[str]) -> Trace:
    """Run ``netlab simulate SCENARIO ARGV`` and keep its trace, drawing nothing."""
    import typer

    from netlab.cli import output, sim_show, simulate

    simulate.register_scenarios()
    group = typer.main.get_group(simulate.app)
    kept: list[Trace] = []
    token = sim_show.CAPTURE.set(kept.append)
    lang = output.current.lang
    try:
        group.main([scenario, *argv], prog_name="netlab simulate", standalone_mode=False)
    except Exception as exc:  # a usage error (an option no longer valid) included
        raise ReplayError(str(exc)) from exc
    finally:
        sim_show.CAPTURE.reset(token)
        output.current.lang = lang
    if not kept:
        raise ReplayError(f"netlab simulate {scenario} made no trace")
    return kept[0]


def _command(card: cards.CardId) -> str:
    from netlab.cli.predict import command_line

    return command_line(card.scenario, card.options, [])


def _with_context(question: Question, trace: Trace, first: int, command: str) -> Question:
    """``question`` with what came before its step said first: the command and the steps."""
    before = [s for s in trace.steps if s.index < first][-CONTEXT_STEPS:]
    prompt = {}
    for lang in LANGS:
        key = "predict.context" if before else "predict.context_start"
        lines = [text(key, lang, command=command)]
        lines += [f"  {s.index}. {order_label(s)}" for s in before]
        lines.append(question.prompt[lang])
        prompt[lang] = "\n".join(lines)
    return replace(question, prompt=prompt, generator=question.id)


def question(card_id: str, seed: int) -> Question:
    """The question of a card, asked again (new wrong answers drawn from ``seed``)."""
    card = cards.parse(card_id)
    trace = trace_for(card.scenario, card.argv())
    command = _command(card)
    rng = random.Random(seed)
    if card.mode == "order":
        exercise = build(trace, "order", options=card.options, command=command, seed=seed)
        found_q = next((p for p in exercise.questions if str(card) == p.shown.question.id), None)
        if found_q is None:
            raise ReplayError(f"{card_id}: the run of steps is not in the trace any more")
        return _with_context(found_q.shown.question, trace, card.first, command)
    step = next((s for s in trace.steps if s.index == card.first), None)
    if step is None:
        raise ReplayError(f"{card_id}: the trace has no step {card.first} any more")
    asks = found(trace, step)
    if card.mode == "fields":
        asks = [a for a in asks if a.field is not None]
    asked = pick(asks, card)
    if asked is None:
        raise ReplayError(f"{card_id}: nothing of that kind to ask about step {card.first}")
    topic = TOPICS.get(card.scenario, "tcpip")
    shown = make_question(asked, step, card, topic, command, rng)
    return _with_context(shown.question, trace, card.first, command)


def fresh(scenario: str, seed: int) -> Question:
    """A question about a random step of one of ``scenario``'s teaching runs."""
    rng = random.Random(seed)
    argv = list(rng.choice(RUNS[scenario]))
    trace = trace_for(scenario, argv)
    options = _options(argv)
    command = _command(cards.CardId(scenario, "next", 1, 1, "", options))
    offered = [(s, found(trace, s)) for s in trace.steps]
    offered = [(s, a) for s, a in offered if a]
    if not offered:
        raise ReplayError(f"{scenario}: no step to ask about")
    step, asks = rng.choice(offered)
    asked = rng.choice(asks)
    card = card_for(scenario, "next", step, asks, asked, options)
    shown = make_question(asked, step, card, TOPICS[scenario], command, rng)
    return _with_context(shown.question, trace, step.index, command)


def _options(argv: list[str]) -> cards.Options:
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(argv):
        name = argv[i].lstrip("-")
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            out.append((name, argv[i + 1]))
            i += 2
        else:
            out.append((name, None))
            i += 1
    return tuple(out)


def generators(topics: list[str] | None = None) -> list[tuple[str, str]]:
    """``--from-simulations``'s question sources as (generator id, topic): ``sim/SCENARIO``."""
    return [
        (f"{cards.PREFIX}{name}", TOPICS[name])
        for name in RUNS
        if not topics or TOPICS[name] in topics
    ]


def make(generator: str, seed: int) -> Question:
    """``netlab quiz``'s ``make`` for the simulation questions: a card id or ``sim/SCENARIO``."""
    rest = generator[len(cards.PREFIX) :]
    if "/" in rest:
        return question(generator, seed)
    return fresh(rest, seed)
