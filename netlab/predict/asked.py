"""What an asker finds to ask about one step: ``Asked``, and the values its choices hold.

Owns the one record every per-scenario asker returns. An asker is a function
``(trace, step) -> list[Asked]``: it looks at the step (and, when it must, the steps before
it) and says what a learner could predict about it, with the right answer taken from the
trace itself and the wrong answers computed from the same step (the other side's state, the
sequence number one off, the wrong MAC). It never draws and never picks at random: the
generic mechanism (``netlab.predict.exercise``) chooses which question to ask and which
distractors to show. Pure: no rich, no scapy.

A value is a literal (an address, a flag name, an RFC state name: the same in both languages)
or a ``Note`` (a sentence from the catalogue, rendered in each language). An ``int`` answer
with no distractors is typed, not chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.i18n import Note
from netlab.sim.trace import Step, Trace

Value = str | Note


@dataclass(frozen=True)
class Asked:
    """One question about one step.

    ``kind``: what is asked (``flags``, ``seq``, ``state``, ``eth_dst``...); the catalogue names
    it as ``predict.kind.KIND`` (the score is per kind). ``prompt``: the question, worded so
    that it makes sense before the step is shown and states what the answer depends on.
    ``answer``: the trace's own value. ``distractors``: plausible wrong values (none for a typed
    number). ``field``: for ``--predict fields``, the name of the blank (``Note``); None when
    this question cannot be a blank in a shown step (a "what happens next" question).
    ``why``: the sentence that explains the answer; None means the step's own notes.
    """

    kind: str
    prompt: Note
    answer: Value | int
    distractors: tuple[Value, ...] = ()
    field: Note | None = None
    why: Note | None = None

    @property
    def typed(self) -> bool:
        """Answered by typing a number rather than choosing a letter."""
        return isinstance(self.answer, int) and not self.distractors


def position(trace: Trace, step: Step) -> int:
    """Where ``step`` is in the trace, found by identity (``list.index`` would compare every
    field of every step before it, tables included: slow on a long trace)."""
    if 0 < step.index <= len(trace.steps) and trace.steps[step.index - 1] is step:
        return step.index - 1  # steps are numbered from 1 in order: the usual case
    return next(i for i, s in enumerate(trace.steps) if s is step)


def previous(trace: Trace, step: Step) -> Step | None:
    """The step just before ``step`` in the trace (None for the first)."""
    at = position(trace, step)
    return trace.steps[at - 1] if at > 0 else None


def states_before(trace: Trace, step: Step) -> dict[str, str]:
    """Each endpoint's state just before ``step`` (the initial states for the first step)."""
    before = dict(trace.initial_states)
    for s in trace.steps[: position(trace, step)]:
        before.update(s.states)
    return before


def unique(values: list[Value], but: Value | int) -> tuple[Value, ...]:
    """``values`` without repeats and without ``but`` (compared as they are shown)."""
    seen = {_key(but)}
    out: list[Value] = []
    for v in values:
        k = _key(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    return tuple(out)


def _key(value: Value | int) -> object:
    if isinstance(value, Note):
        return ("note", value.key, tuple(sorted((k, str(v)) for k, v in value.params.items())))
    return ("text", str(value))
