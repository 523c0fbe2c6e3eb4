"""The live report: the model's states next to the kernel's at every socket call, the
differences with their reasons, and the captured segments in the simulation's timeline format.

Owns drawing a ``netlab.live.compare.Comparison`` (``report``) and its ``--json`` document
(``document``/``dumps``: the version-3 contract of the model's Trace, plus ``kernel_states`` on
each step and a ``live`` object). The captured segments are an ordinary Trace, drawn by the
same diagram and step table as every simulation (``netlab.views.report``).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from netlab.i18n import Note, render, text
from netlab.live.compare import Comparison, Row, kernel_states_by_step
from netlab.live.script import Call
from netlab.views.fitting import Fit, fit_table
from netlab.views.labels import explanation, flag_names
from netlab.views.timeline import STYLE

SIDES = ("client", "server")
SAME_STYLE = "green"
DIFF_STYLE = "bold red"


def _side(name: str, lang: str) -> str:
    if name == "both":
        return text("live.both", lang)
    return text(f"role.{name}", lang)


def call_label(call: Call, lang: str, ascii_only: bool = False) -> str:
    """ "client: connect()", "server: send() 3 bytes", "both: close() at once"..."""
    label = text(f"live.call.{call.op}", lang, side=_side(call.actor, lang), bytes=call.size)
    if ascii_only:
        label = label.replace("→", "->").replace("·", ".")
    return label


def title_text(comparison: Comparison, lang: str) -> str:
    return text("live.title", lang, title=render(comparison.model.title, lang))


def _states_list(states: dict[str, Any], lang: str) -> str:
    sep = text("live.item_sep", lang)
    items = []
    for side in SIDES:
        value = states.get(side)
        if not value:
            continue
        shown = sep.join(value) if isinstance(value, tuple | list) else value
        items.append(text("live.side_state", lang, side=_side(side, lang), state=shown))
    return text("ui.list_sep", lang).join(items)


def table(comparison: Comparison, lang: str, ascii_only: bool = False) -> Fit:
    """One row per socket call: the model's and the kernel's state of each side. (When each
    reading was taken is in the JSON document; the captured segments have their times.)"""
    grid = Table(header_style="bold underline", box=None, pad_edge=False, padding=(0, 1))
    grid.add_column(text("ui.no", lang), justify="right", no_wrap=True)
    grid.add_column(text("live.col.call", lang), min_width=16, overflow="fold")
    for side in SIDES:
        grid.add_column(text("live.col.model", lang, side=_side(side, lang)), no_wrap=True)
        grid.add_column(text("live.col.kernel", lang, side=_side(side, lang)), no_wrap=True)
    grid.add_column("", no_wrap=True)
    not_read = text("live.not_read", lang)
    for row in comparison.rows:
        cp = row.checkpoint
        cells: list[Any] = [str(cp.index), call_label(cp.call, lang, ascii_only)]
        differing = {d.side for d in row.differences}
        for side in SIDES:
            cells.append(row.expected.states.get(side, ""))
            kernel = cp.kernel.get(side)
            if kernel is None:
                cells.append(Text(not_read, style="dim"))
            else:
                cells.append(
                    Text(kernel, style=DIFF_STYLE if side in differing else STYLE["state"])
                )
        if not row.looked:
            mark = Text("")
        elif differing:
            mark = Text("!=" if ascii_only else "≠", style=DIFF_STYLE)
        else:
            mark = Text("=", style=SAME_STYLE)
        cells.append(mark)
        grid.add_row(*cells)
    # narrower than the table: one call per line, "model (client): ESTABLISHED" ...
    return fit_table(grid, lang, lead=0)


def _numbered(lines: list[tuple[str, str]]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    grid.add_column()
    for mark, line in lines:
        grid.add_row(mark, line)
    return grid


def inside_calls(comparison: Comparison, lang: str, ascii_only: bool = False) -> list[str]:
    """What the table cannot show: states passed inside one call, and calls not looked at."""
    lines = []
    for row in comparison.rows:
        if row.expected.passed:
            lines.append(
                text(
                    "live.passed",
                    lang,
                    n=row.checkpoint.index,
                    call=call_label(row.call, lang, ascii_only),
                    states=_states_list(row.expected.passed, lang),
                )
            )
    if lines:
        lines.append(text("live.passed_why", lang))
    if any(not row.looked for row in comparison.rows):
        lines.append(text("live.not_read_why", lang))
    if any(row.call.op in ("listen", "setup") for row in comparison.rows):
        lines.append(text("live.listener", lang))
    return lines


def differences(comparison: Comparison, lang: str, ascii_only: bool = False) -> list[str]:
    lines = []
    for row in comparison.rows:
        for diff in row.differences:
            lines.append(
                text(
                    "live.difference",
                    lang,
                    n=row.checkpoint.index,
                    call=call_label(row.call, lang, ascii_only),
                    side=_side(diff.side, lang),
                    model=diff.model,
                    kernel=diff.kernel,
                    reason=text(f"live.reason.{diff.reason}", lang),
                )
            )
    return lines


def segment_note(comparison: Comparison, index: int, lang: str) -> str:
    """How one captured segment relates to the model."""
    match = comparison.segments
    if match is None:
        return ""
    if index in match.pairs:
        return text("live.segment.same", lang, n=match.pairs[index])
    reason = match.kernel_only.get(index, "timing")
    return text("live.segment.extra", lang, reason=text(f"live.segment.reason.{reason}", lang))


def captured(comparison: Comparison, lang: str, width: int, ascii_only: bool) -> list[Any]:
    """The captured segments: header, diagram and step table as for a simulation, then what
    each segment is, next to the model."""
    from netlab.views.report import diagram, step_table

    trace = comparison.capture
    if trace is None:
        return []
    parts: list[Any] = [
        Text(text("live.section.capture", lang, count=len(trace.steps)), style="bold"),
        Text("\n".join(render(n, lang) for n in trace.header)),
    ]
    if comparison.dropped:
        parts.append(Text(text("live.capture.dropped", lang, count=comparison.dropped)))
    if not trace.steps:
        return parts
    parts += [
        Text(""),
        diagram(trace, lang, width, ascii_only),
        Text(""),
        step_table(trace, lang, ascii_only),
        Text(""),
    ]
    lines = []
    for step in trace.steps:
        line = explanation(step, lang)
        note = segment_note(comparison, step.index, lang)
        lines.append((f"{step.index}.", f"{line} {note}".strip()))
    parts.append(_numbered(lines))
    match = comparison.segments
    if match is not None and match.model_only:
        missing = []
        for index, reason in match.model_only.items():
            step = comparison.model.steps[index - 1]
            missing.append(
                text(
                    "live.segment.missing",
                    lang,
                    n=index,
                    side=_side(step.src, lang),
                    flags=flag_names(step.segment.flags),
                    reason=text(f"live.segment.reason.{reason}", lang),
                )
            )
        parts += [Text(""), Text(text("live.section.model_only", lang), style="bold")]
        parts.append(_numbered([("•" if not ascii_only else "*", m) for m in missing]))
    return parts


def sequence_lines(comparison: Comparison, lang: str) -> list[str]:
    """The segment-by-segment check: one line when the sequences are equal, else one line per
    difference with its reason."""
    match = comparison.sequence
    if match is None:
        return []
    if match.equal:
        return [text("live.sequence.equal", lang, count=match.model_count)]
    lines = [
        text("live.sequence.unequal", lang, model=match.model_count, kernel=match.kernel_count)
    ]
    model_steps = {s.index: s for s in comparison.model.steps}
    captured_steps = {s.index: s for s in comparison.capture.steps} if comparison.capture else {}
    for diff in match.diffs:
        reason = text(f"live.segment.reason.{diff.reason}", lang)
        if diff.model is not None and diff.kernel is not None:
            fields = text("live.item_sep", lang).join(
                text(f"live.sequence.field.{f}", lang) for f in diff.fields
            )
            key, params = "live.sequence.changed", {"fields": fields}
            step = captured_steps[diff.kernel]
        elif diff.model is not None:
            key, params = "live.sequence.model_only", {}
            step = model_steps[diff.model]
        else:
            key, params = "live.sequence.kernel_only", {}
            step = captured_steps[diff.kernel]
        lines.append(
            text(
                key,
                lang,
                model=diff.model,
                kernel=diff.kernel,
                side=_side(step.src, lang),
                flags=flag_names(step.segment.flags),
                reason=reason,
                **params,
            )
        )
    return lines


def remember(comparison: Comparison, lang: str) -> Panel:
    keys = ["live.remember.proc", "live.remember.inside"]
    if comparison.variant in ("unread", "late_data"):
        keys.append("live.remember.reset")
    elif comparison.scenario != "handshake":
        keys.append("live.remember.timewait")
    if comparison.variant == "simultaneous":
        keys.append("live.remember.simultaneous")
    if comparison.variant == "half_close":
        keys.append("live.remember.shutdown")
    body = Text("\n").join(Text(f"• {text(k, lang)}") for k in keys)
    return Panel(body, title=text("ui.remember", lang), title_align="left", expand=True)


def report(comparison: Comparison, lang: str, width: int = 100, ascii_only: bool = False) -> Group:
    """Everything ``--live`` prints, in order."""
    parts: list[RenderableType] = [
        Text(title_text(comparison, lang), style="bold underline"),
        Text(
            text(
                "live.header.sockets",
                lang,
                client=f"{comparison.client[0]}:{comparison.client[1]}",
                server=f"{comparison.server[0]}:{comparison.server[1]}",
            )
        ),
        Text(text("live.header.method", lang)),
        Text(""),
        table(comparison, lang, ascii_only),
    ]
    along = inside_calls(comparison, lang, ascii_only)
    if along:
        parts += [Text(""), Text(text("live.section.inside", lang), style="bold")]
        parts.append(_numbered([("•" if not ascii_only else "*", line) for line in along]))
    found = differences(comparison, lang, ascii_only)
    parts += [Text(""), Text(text("live.section.differences", lang), style="bold")]
    if found:
        mark = "!=" if ascii_only else "≠"
        parts.append(_numbered([(mark, line) for line in found]))
    else:
        parts.append(Text(text("live.no_differences", lang)))
    section = captured(comparison, lang, width, ascii_only)
    if section:
        parts += [Text(""), *section]
    compared = sequence_lines(comparison, lang)
    if compared:
        parts += [Text(""), Text(text("live.section.sequence", lang), style="bold")]
        parts += [Text(line) for line in compared]
    parts += [Text(""), remember(comparison, lang)]
    return Group(*parts)


# -- --json ---------------------------------------------------------------------------------------


def _row_dict(row: Row, lang: str) -> dict[str, Any]:
    cp = row.checkpoint
    return {
        "index": cp.index,
        "time": cp.time,
        "actor": cp.call.actor or None,
        "call": cp.call.op,
        "model": dict(row.expected.states),
        "kernel": dict(cp.kernel) or None,
        "passed": {side: list(states) for side, states in row.expected.passed.items()},
        "waited": cp.waited,
        "differences": [
            {
                "side": d.side,
                "model": d.model,
                "kernel": d.kernel,
                "reason": d.reason,
                "note": text(f"live.reason.{d.reason}", lang),
            }
            for d in row.differences
        ],
    }


def document(comparison: Comparison, lang: str) -> dict[str, Any]:
    """The model's Trace as the version-3 JSON contract, each step with ``kernel_states`` (the
    kernel's states read after the socket call that caused the step, on that call's last step;
    ``{}`` elsewhere), and a ``live`` object: the calls, the capture, the captured segments."""
    from netlab.views.json_export import step_dict, trace_dict

    doc = trace_dict(comparison.model, lang)
    readings = kernel_states_by_step(comparison)
    for step in doc["steps"]:
        step["kernel_states"] = readings.get(step["index"], {})
    capture = comparison.capture
    problem: Note | None = comparison.capture_problem
    doc["live"] = {
        "variant": comparison.variant,
        "client": {"ip": comparison.client[0], "port": comparison.client[1]},
        "server": {"ip": comparison.server[0], "port": comparison.server[1]},
        "calls": [_row_dict(row, lang) for row in comparison.rows],
        "capture": capture is not None,
        "capture_problem": render(problem, lang) if problem is not None else None,
        "captured": [step_dict(s, lang) for s in capture.steps] if capture is not None else None,
        "isns": (
            {"client": capture.params.get("isn_client"), "server": capture.params.get("isn_server")}
            if capture is not None
            else None
        ),
        "sequence": _sequence_dict(comparison),
    }
    return doc


def _sequence_dict(comparison: Comparison) -> dict[str, Any] | None:
    """The segment-by-segment check as data (null without a capture)."""
    match = comparison.sequence
    if match is None:
        return None
    return {
        "equal": match.equal,
        "model": match.model_count,
        "kernel": match.kernel_count,
        "compared": ["direction", "flags", "len", "header", "options"],
        "differences": [
            {"model": d.model, "kernel": d.kernel, "fields": list(d.fields), "reason": d.reason}
            for d in match.diffs
        ],
    }


def dumps(comparison: Comparison, lang: str) -> str:
    return json.dumps(document(comparison, lang), ensure_ascii=False, indent=2)
