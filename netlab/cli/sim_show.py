"""Where a built trace goes: the report, ``--step``, ``--predict``, the files, the notes.

Owns ``show`` (every output a simulation's options asked for, in order; with ``--pcap -``,
``--svg -`` or ``--html -`` standard output carries that file alone and the report goes to
standard error), ``--filter``'s steps, the one-line notes after a file is written, and
``CAPTURE`` (set by ``netlab.cli.replay``: the trace is handed over and nothing is shown).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from typing import Any

from netlab.cli import output
from netlab.cli.sim_options import CONTEXT, Views
from netlab.errors import UsageError
from netlab.i18n import Note, render, text

#: Set by ``netlab.cli.replay``: ``show`` hands it the trace and shows nothing.
CAPTURE: ContextVar[Callable[[Any], None] | None] = ContextVar("capture", default=None)


def show_packets(trace, views: Views, lang: str, con, ascii_only: bool) -> None:
    """``--detail`` and ``--hexdump``: the packets of ``trace`` layer by layer and byte by byte."""
    if views.detail:
        from netlab.views.detail import detail

        con.print(detail(trace, lang, ascii_only))
    if views.hexdump:
        from netlab.views.hexdump import hexdump

        con.print(hexdump(trace, lang))


def show(trace, views: Views, lang: str) -> None:
    """Hand a trace to every view the options asked for. With ``--pcap -`` or ``--svg -``
    standard output carries that file alone: the report and the notes go to standard error."""
    from netlab.views import report

    capture = CAPTURE.get()
    if capture is not None:  # netlab quiz replaying a card: the trace is all it wants
        capture(trace)
        return
    only = None
    if views.filter is not None:
        only = filtered(trace, views.filter)
    json_out = views.json  # standard output carries a JSON document (--predict's or --json's)
    if views.predict is not None:
        from netlab.cli import predict

        finished = predict.run(trace, views, lang, only)
        if not finished:
            return
        views = replace(views, json=False)  # standard output had the exercise's document
        con = output.console(stderr=True)
    else:
        con = output.console(stderr=views.to_stdout)
    ascii_only = output.ascii_only(con)
    width = con.width
    if views.predict is not None:
        pass
    elif views.json:
        from netlab.views.json_export import dumps

        output.print_json(dumps(trace, lang))
    elif views.step:
        from netlab.views.playback import play

        finished = play(trace, con, lang, input, width, ascii_only, only)
        if not finished:
            return
    else:
        con.print(report.report(trace, lang, width, ascii_only))
    show_packets(trace, views, lang, con, ascii_only)
    notes = output.console(stderr=json_out or views.to_stdout)
    if views.pcap is not None:
        from netlab.views import pcap

        count = pcap.write(trace, views.pcap, waiting_note(views.pcap, lang))
        wrote_pcap(notes, views.pcap, count, lang)
        from netlab.views.labels import tcp_fields

        if any(tcp_fields(s) is not None for s in trace.steps):
            notes.print(text("ui.pcap_relative", lang))
        if any(s.lost for s in trace.steps) and not report.uses_lanes(trace):
            notes.print(text("ui.pcap_lost_note", lang))
    if views.svg is not None:
        from netlab.views import svg

        title = render(trace.title, lang)
        svg.write(
            report.report(trace, lang, 100), views.svg, title, 100, waiting_note(views.svg, lang)
        )
        wrote_svg(notes, views.svg, lang)
    if views.html is not None:
        from netlab.views import html

        command, step_command = page_command(trace.scenario)
        content = html.page(trace, lang, command, step_command)
        html.write(views.html, content, waiting_note(views.html, lang))
        wrote_html(notes, views.html, lang)


def page_command(scenario: str, live: bool = False) -> tuple[str, str | None]:
    """The command line a ``--html`` page names (the scenario's options as typed, ``--live``,
    ``--lang`` and ``--html`` as typed; no other view option) and the one whose ``--step``
    replays it in a terminal (None for ``--live``, which has no ``--step``)."""
    from netlab.cli.predict import command_line, scenario_options

    ctx = CONTEXT.get()
    options = scenario_options(ctx)
    typed: dict[str, str] = {}
    for name in ("lang", "html"):
        source = ctx.get_parameter_source(name) if ctx is not None else None
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            typed[name] = str(ctx.params[name])
    lang = ["--lang", typed["lang"]] if "lang" in typed else []
    page = ["--html", typed["html"]] if "html" in typed else []
    command = command_line(scenario, options, [*(["--live"] if live else []), *lang, *page])
    return command, None if live else command_line(scenario, options, lang)


def wrote_html(notes, path: Path, lang: str) -> None:
    from netlab.files import STDOUT

    if path == STDOUT:
        notes.print(text("html.wrote_stdout", lang), soft_wrap=True)
    else:
        notes.print(text("html.wrote", lang, path=path), soft_wrap=True)


def filtered(trace, proto: str) -> list[int]:
    """The indices of the steps ``--filter proto`` keeps; an error when it keeps none."""
    from netlab.sim.display_filter import protocols
    from netlab.views.json_export import layer_list, protocol

    kept, seen = [], set()
    for step in trace.steps:
        top = protocol(step, layers := layer_list(step))
        names = protocols(layers, top) if step.dst else frozenset()
        seen |= names
        if proto in names:
            kept.append(step.index)
    if not kept:
        from netlab.sim.display_filter import NAMES

        carried = ", ".join(n for n in NAMES if n in seen) or "-"
        raise UsageError(Note("errors.filter_empty", {"proto": proto, "carried": carried}))
    return kept


def waiting_note(path: Path, lang: str) -> Callable[[float], None]:
    """What to say when a FIFO has no reader yet (``netlab.files.atomic_write``'s ``waiting``)."""

    def say(seconds: float) -> None:
        message = text("ui.waiting_reader", lang, path=path, seconds=f"{seconds:g}")
        output.console(stderr=True).print(message, soft_wrap=True)

    return say


def wrote_pcap(notes, path: Path, count: int, lang: str) -> None:
    from netlab.files import STDOUT, streams

    if path == STDOUT:
        notes.print(text("ui.wrote_pcap_stdout", lang, count=count), soft_wrap=True)
    elif streams(path):  # a FIFO, /dev/null: nothing to open again in Wireshark
        notes.print(text("ui.wrote_pcap_stream", lang, count=count, path=path), soft_wrap=True)
    else:
        notes.print(text("ui.wrote_pcap", lang, count=count, path=path), soft_wrap=True)


def wrote_svg(notes, path: Path, lang: str) -> None:
    from netlab.files import STDOUT

    if path == STDOUT:
        notes.print(text("ui.wrote_svg_stdout", lang), soft_wrap=True)
    else:
        notes.print(text("ui.wrote_svg", lang, path=path), soft_wrap=True)
