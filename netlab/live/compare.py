"""The model next to the kernel: what each socket call should leave, what the kernel showed, and
why they differ.

Owns ``expectations`` (for each call of a ``netlab.live.script``, the model's states once the
call has done its work, the states the model passes through inside it, and its steps),
``compare`` (the model's states next to the kernel's at every call, each difference named by a
known reason), ``match_segments`` (the captured segments next to the model's, built with the
same ISNs) and ``kernel_states_by_step`` (where each reading of the kernel belongs in the model's
Trace). Pure: it reads Traces and the driver's checkpoints, and never touches a socket.

The known reasons (``REASONS``), each explained in the catalogue under ``live.reason.``:

- ``time_wait_60s``: the model runs its 2·MSL timer to the end; Linux keeps TIME-WAIT for 60 s
  (TCP_TIMEWAIT_LEN, fixed) and netlab does not wait for it;
- ``not_simultaneous``: both applications called close() at once, but on loopback the first FIN
  arrived before the other close() ran: the kernel made an ordinary close;
- ``ack_delayed``: the kernel had not yet acknowledged the FIN (its ACK waits, to ride on data
  or on its own FIN);
- ``rst_unread``: a close() with data still unread sends RST instead of FIN, and both sockets
  are gone at once;
- ``unexplained``: none of the above (say so rather than guess).

Segment-level reasons (``SEGMENT_REASONS``): ``merged_fin_ack`` (the ACK of a FIN rode on the
FIN that followed), ``ack_on_data`` (the ACK of data rode on the answer), ``loopback_mss`` (the
loopback MTU of 65536 lets one segment carry what Ethernet's MSS of 1460 splits),
``not_simultaneous``, ``rst_unread`` (a reset replaced the close), ``fin_ack_alone`` (the
delayed-ACK timer fired before the application closed: the ACK of the FIN left on its own) and
``timing`` (the kernel sent a bare ACK at another moment).

``compare_sequence`` is the segment-by-segment check: the model, run with the loopback's own
stack (MSS 65495, the kernel's window scale), next to the captured segments in order, by
direction, flags, payload length, header length and option kinds (``Shape``); each difference
gets one of the reasons above, or ``unexplained``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlab.i18n import Note
from netlab.live.script import Call
from netlab.sim.trace import Step, Trace

if TYPE_CHECKING:
    from netlab.live.driver import Checkpoint

REASONS = ("time_wait_60s", "not_simultaneous", "ack_delayed", "rst_unread", "unexplained")
SEGMENT_REASONS = (
    "merged_fin_ack",
    "ack_on_data",
    "loopback_mss",
    "not_simultaneous",
    "rst_unread",
    "fin_ack_alone",
    "timing",
)
#: Why a segment of one sequence has no equal in the other (besides SEGMENT_REASONS):
#: ``unexplained`` when none of the known reasons fits.
SEQUENCE_REASONS = (*SEGMENT_REASONS, "unexplained")
SHAPE_FIELDS = ("flags", "len", "header", "options")
SIDES = ("client", "server")
EXPIRY = "2msl"  # the event of a TIME-WAIT timer running out: the model's, never the kernel's


# -- the model's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """What the model says about one call.

    ``states``: each side's state once the call's segments have all arrived. ``passed``: per
    side, the states it goes through inside the call (neither the one before nor ``states``).
    ``steps``: the model's steps the call causes. ``anchor``: the step whose moment matches the
    kernel reading after the call (None: the call causes no step).
    """

    states: dict[str, str]
    passed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    steps: tuple[int, ...] = ()
    anchor: int | None = None


def app_groups(model: Trace) -> list[tuple[str, list[Step]]]:
    """The model's steps, grouped by the application action that started them: each group is
    the action's note key and its steps (the segments it sent, the replies, the timers) up to
    the next action."""
    groups: list[tuple[str, list[Step]]] = []
    previous_key = ""
    for step in model.steps:
        key = step.notes[0].key if step.notes else ""
        starts = key.startswith("tcp.app.") and (key != previous_key or not groups)
        if starts or not groups:
            groups.append((key, [step]))
        else:
            groups[-1][1].append(step)
        previous_key = key if key.startswith("tcp.app.") else ""
    return groups


def _sequence(start: str, states: list[str]) -> list[str]:
    seq = [start]
    for state in states:
        if state and state != seq[-1]:
            seq.append(state)
    return seq


def expectations(model: Trace, calls: list[Call]) -> list[Expectation]:
    """One Expectation per call. Raises ValueError when the script's ``plays`` do not follow the
    model's application actions in order."""
    groups = app_groups(model)
    arrived: dict[Any, str] = model.params.get("arrived", {})
    previous = dict(model.initial_states)
    used = 0
    out: list[Expectation] = []
    for call in calls:
        if call.op == "end":
            last = model.steps[-1] if model.steps else None
            final = dict(last.states) if last is not None else dict(previous)
            out.append(Expectation(final, anchor=last.index if last is not None else None))
            previous = final
            continue
        if not call.plays:
            out.append(Expectation(dict(previous)))
            continue
        steps: list[Step] = []
        for key in call.plays:
            if used >= len(groups) or groups[used][0] != key:
                found = groups[used][0] if used < len(groups) else "nothing"
                raise ValueError(f"the script plays {key}, the model does {found}")
            steps += groups[used][1]
            used += 1
        live = [s for s in steps if s.event != EXPIRY] or steps
        states = dict(live[-1].states)
        for step in live:
            # the receiver's state once the segment arrived, where the scenario recorded it (a
            # segment still in flight when the next action starts is not in its step's states)
            if step.dst is not None and (step.index in arrived or str(step.index) in arrived):
                states[step.dst] = arrived.get(step.index, arrived.get(str(step.index)))
        passed = {}
        for side in SIDES:
            seq = _sequence(previous.get(side, ""), [s.states.get(side, "") for s in live])
            inside = tuple(s for s in seq[1:] if s != states.get(side))
            if inside:
                passed[side] = inside
        out.append(Expectation(states, passed, tuple(s.index for s in steps), live[-1].index))
        previous = states
    return out


# -- model next to kernel -----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    side: str
    model: str
    kernel: str
    reason: str  # one of REASONS


@dataclass
class Row:
    """One call: the kernel's reading next to the model's expectation."""

    checkpoint: Checkpoint
    expected: Expectation
    differences: list[Difference] = field(default_factory=list)

    @property
    def call(self) -> Call:
        return self.checkpoint.call

    @property
    def looked(self) -> bool:
        return bool(self.checkpoint.kernel)


@dataclass(frozen=True)
class SegmentMatch:
    """Captured segments next to the model's: ``pairs`` maps a captured step's index to the
    model step with the same sender, flags, seq, ack and length; the others are listed with
    their reason (one of SEGMENT_REASONS)."""

    pairs: dict[int, int]
    model_only: dict[int, str]
    kernel_only: dict[int, str]


@dataclass
class Comparison:
    """Everything the live views draw."""

    scenario: str
    variant: str
    model: Trace
    rows: list[Row]
    client: tuple[str, int]
    server: tuple[str, int]
    capture: Trace | None = None
    capture_problem: Note | None = None
    dropped: int = 0
    segments: SegmentMatch | None = None
    sequence: SequenceMatch | None = None

    @property
    def differences(self) -> list[tuple[int, Difference]]:
        return [(row.checkpoint.index, d) for row in self.rows for d in row.differences]

    def kernel_sequence(self, side: str) -> list[str]:
        """The distinct successive states the kernel showed for one side."""
        seq: list[str] = []
        for row in self.rows:
            state = row.checkpoint.kernel.get(side)
            if state and (not seq or seq[-1] != state):
                seq.append(state)
        return seq


def classify(
    model_state: str,
    kernel_state: str,
    *,
    call: Call,
    variant: str,
    unread: bool,
    reset_seen: bool,
) -> str:
    """The known reason for one side's difference (see the module's docstring)."""
    if call.op == "end" and model_state == "CLOSED" and kernel_state == "TIME-WAIT":
        return "time_wait_60s"
    if variant == "simultaneous" and model_state == "TIME-WAIT" and kernel_state == "CLOSED":
        return "not_simultaneous"
    if model_state == "FIN-WAIT-2" and kernel_state == "FIN-WAIT-1":
        return "ack_delayed"
    if kernel_state == "CLOSED" and model_state != "CLOSED" and (unread or reset_seen):
        return "rst_unread"
    return "unexplained"


def compare(
    model: Trace,
    calls: list[Call],
    checkpoints: list[Checkpoint],
    *,
    variant: str,
    client: tuple[str, int],
    server: tuple[str, int],
    capture: Trace | None = None,
    capture_problem: Note | None = None,
    dropped: int = 0,
) -> Comparison:
    """Line up the calls' kernel readings with the model and name every difference."""
    expected = expectations(model, calls)
    resets = {s.src for s in capture.steps if "R" in s.summary} if capture is not None else set()
    rows: list[Row] = []
    unread = False
    for checkpoint, expectation in zip(checkpoints, expected, strict=False):
        row = Row(checkpoint, expectation)
        for side in SIDES:
            kernel = checkpoint.kernel.get(side)
            wanted = expectation.states.get(side)
            if kernel is None or wanted is None or kernel == wanted:
                continue
            reason = classify(
                wanted,
                kernel,
                call=checkpoint.call,
                variant=variant,
                unread=unread,
                reset_seen=bool(resets),
            )
            row.differences.append(Difference(side, wanted, kernel, reason))
        if checkpoint.kernel:
            unread = any(rx > 0 for _tx, rx in checkpoint.queues.values())
        rows.append(row)
    comparison = Comparison(
        scenario=model.scenario,
        variant=variant,
        model=model,
        rows=rows,
        client=client,
        server=server,
        capture=capture,
        capture_problem=capture_problem,
        dropped=dropped,
    )
    if capture is not None:
        comparison.segments = match_segments(model, capture, variant)
        comparison.sequence = compare_sequence(model, capture, variant)
    return comparison


def kernel_states_by_step(comparison: Comparison) -> dict[int, dict[str, str]]:
    """Model step index -> the kernel's states read after the call that caused that step (on
    the call's last step; the ``end`` reading on the model's last step)."""
    out: dict[int, dict[str, str]] = {}
    for row in comparison.rows:
        if row.expected.anchor is not None and row.looked:
            out[row.expected.anchor] = dict(row.checkpoint.kernel)
    return out


# -- segments -----------------------------------------------------------------------------------


def _key(step: Step) -> tuple[Any, ...] | None:
    seg = step.segment
    if seg is None or step.dst is None:
        return None
    return (step.src, seg.flags, seg.seq, seg.ack, len(seg.payload))


def match_segments(model: Trace, capture: Trace, variant: str = "") -> SegmentMatch:
    """Pair each captured segment with a model segment that has the same sender, flags, seq,
    ack and length (the model must be built with the captured ISNs), and give each unpaired
    one its likely reason."""
    free: dict[tuple[Any, ...], list[int]] = {}
    for step in model.steps:
        key = _key(step)
        if key is not None:
            free.setdefault(key, []).append(step.index)
    pairs: dict[int, int] = {}
    kernel_only: list[Step] = []
    for step in capture.steps:
        key = _key(step)
        if key is not None and free.get(key):
            pairs[step.index] = free[key].pop(0)
        elif key is not None:
            kernel_only.append(step)
    used = set(pairs.values())
    model_only = [s for s in model.steps if _key(s) is not None and s.index not in used]
    if any(s.segment is not None and s.segment.rst for s in capture.steps):
        return SegmentMatch(
            pairs=pairs,
            model_only=dict.fromkeys((s.index for s in model_only), "rst_unread"),
            kernel_only=dict.fromkeys((s.index for s in kernel_only), "rst_unread"),
        )
    return SegmentMatch(
        pairs=pairs,
        model_only={s.index: _model_only_reason(s, model, capture, variant) for s in model_only},
        kernel_only={
            s.index: _kernel_only_reason(s, model_only, capture, variant) for s in kernel_only
        },
    )


def _segments(trace: Trace) -> list[Any]:
    """The TCP segments of a trace's packet steps (not its timers)."""
    return [s.segment for s in trace.steps if s.segment is not None and s.dst is not None]


def _model_only_reason(step: Step, model: Trace, capture: Trace, variant: str) -> str:
    seg = step.segment
    if variant == "simultaneous":
        return "not_simultaneous"
    if seg.payload:
        captured_data = [c for c in _segments(capture) if c.src == step.src and c.payload]
        if any(len(c.payload) > len(seg.payload) for c in captured_data):
            return "loopback_mss"
        return "timing"
    if seg.flags != "A":
        return "timing"
    split = any(
        c.src != step.src and c.payload and 0 < (seg.ack - c.seq) % 2**32 < len(c.payload)
        for c in _segments(capture)
    )
    if split:  # it acknowledges a boundary that exists only in the model's smaller segments
        return "loopback_mss"
    carriers = [c for c in _segments(capture) if c.src == step.src and c.ack == seg.ack]
    acked_fin = any(
        m.fin and m.src != step.src and (m.seq + 1) % 2**32 == seg.ack for m in _segments(model)
    )
    if acked_fin and any(c.fin for c in carriers):
        return "merged_fin_ack"
    if any(c.payload for c in carriers):
        return "ack_on_data"
    return "timing"


def _kernel_only_reason(step: Step, model_only: list[Step], capture: Trace, variant: str) -> str:
    seg = step.segment
    if variant == "simultaneous":
        return "not_simultaneous"
    if seg.payload and any(s.src == step.src and s.segment.payload for s in model_only):
        return "loopback_mss"
    if seg.flags == "A" and any(
        c.src != step.src and c.fin and (c.seq + 1) % 2**32 == seg.ack for c in _segments(capture)
    ):
        return "fin_ack_alone"
    return "timing"


@dataclass(frozen=True)
class Shape:
    """What the segment-by-segment comparison looks at: direction, flags, payload length, TCP
    header length and option kinds in order (not ISNs, ports, timestamps or times)."""

    src: str
    flags: str
    len: int
    header: int
    options: tuple[str, ...]

    @classmethod
    def of(cls, step: Step) -> Shape:
        seg = step.segment
        return cls(step.src, seg.flags, len(seg.payload), seg.header_len, seg.option_kinds)


@dataclass(frozen=True)
class SequenceDiff:
    """One place where the two sequences differ: a model segment and a captured one that
    differ in ``fields`` (both indexes set), or a segment only one side has."""

    model: int | None  # the model's step index
    kernel: int | None  # the captured step index
    fields: tuple[str, ...]
    reason: str  # one of SEQUENCE_REASONS


@dataclass(frozen=True)
class SequenceMatch:
    """The model's segments next to the captured ones, in order."""

    model_count: int
    kernel_count: int
    diffs: tuple[SequenceDiff, ...]

    @property
    def equal(self) -> bool:
        return not self.diffs


def _sent(trace: Trace) -> list[Step]:
    """The segments that reached the wire, in order (lost ones are not in a capture)."""
    return [s for s in trace.steps if s.segment is not None and s.dst is not None and not s.lost]


def compare_sequence(model: Trace, capture: Trace, variant: str = "") -> SequenceMatch:
    """Line up the model's segments with the captured ones, in order, by ``Shape``; name the
    reason of every difference (the model must run the loopback's stack, ``params``)."""
    ours, theirs = _sent(model), _sent(capture)
    a = [Shape.of(s) for s in ours]
    b = [Shape.of(s) for s in theirs]
    diffs: list[SequenceDiff] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    model_only: list[Step] = []
    kernel_only: list[Step] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        left, right = list(range(i1, i2)), list(range(j1, j2))
        while op == "replace" and left and right and a[left[0]].src == b[right[0]].src:
            i, j = left.pop(0), right.pop(0)
            fields = tuple(f for f in SHAPE_FIELDS if getattr(a[i], f) != getattr(b[j], f))
            reason = "unexplained"
            if variant == "simultaneous":
                reason = "not_simultaneous"
            diffs.append(SequenceDiff(ours[i].index, theirs[j].index, fields, reason))
        model_only += [ours[i] for i in left]
        kernel_only += [theirs[j] for j in right]
    reset = any(s.segment.rst for s in theirs)
    for step in model_only:
        reason = "rst_unread" if reset and variant == "unread" else None
        reason = reason or _model_only_reason(step, model, capture, variant)
        diffs.append(SequenceDiff(step.index, None, (), reason))
    for step in kernel_only:
        reason = "rst_unread" if reset and variant == "unread" else None
        reason = reason or _kernel_only_reason(step, model_only, capture, variant)
        diffs.append(SequenceDiff(None, step.index, (), reason))
    diffs.sort(key=lambda d: (d.kernel or 0, d.model or 0))
    return SequenceMatch(len(ours), len(theirs), tuple(diffs))


def attach_kernel_states(comparison: Comparison) -> None:
    """Give the captured Trace the kernel's states: each reading goes on the last segment
    captured before it; the last reading before any segment becomes the initial states. (The
    captured steps' times and the readings' times both count from the start of the run.)"""
    capture = comparison.capture
    if capture is None:
        return
    for row in comparison.rows:
        reading = row.checkpoint
        if not reading.kernel:
            continue
        before = [s for s in capture.steps if s.time <= reading.time]
        if before:
            before[-1].states = dict(reading.kernel)
        else:
            capture.initial_states = dict(reading.kernel)
