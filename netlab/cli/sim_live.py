"""``netlab simulate handshake|close|tcp --live``: run the scenario on the kernel's TCP as well.

Owns refusing the options that have no real counterpart, choosing the script of socket calls
for the command's options, and the order of the outputs (the report or ``--json``, then
``--detail``, ``--hexdump``, ``--pcap``, ``--svg``, ``--html``). The run itself is
``netlab.live.session.run``; protocol logic is in ``netlab.sim``, drawing in ``netlab.views``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netlab.cli import output
from netlab.cli.sim_show import show_packets
from netlab.errors import UsageError
from netlab.i18n import Note, render, text

#: Options with no counterpart on a real socket, per command: name of the parameter -> flag.
NOT_LIVE = {
    "client": "--client",
    "server": "--server",
    "isn_client": "--isn-client",
    "isn_server": "--isn-server",
    "seed": "--seed",
    "rtt": "--rtt",
    "lose": "--lose",
    "lose_times": "--lose-times",
    "msl": "--msl",
    "step": "--step",
    "stack": "--stack",
    "nodelay": "--nodelay",
    "predict": "--predict",
    "ask": "--ask",
    "filter_": "--filter",
}


def refuse_unreal_options(ctx: Any) -> None:
    """``--live`` with an option the kernel cannot honour: exit 2 naming the option. ``ctx`` is
    the command's typer Context: it knows which options were typed (even with their default
    value, e.g. ``--rtt 0.02``)."""
    for name, flag in NOT_LIVE.items():
        if name not in ctx.params:
            continue
        source = ctx.get_parameter_source(name)
        if source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
            raise UsageError(Note("live.errors.not_live", {"option": flag}))


def handshake(views: Any) -> None:
    from netlab.live import script
    from netlab.sim import handshake as scenario

    _run("handshake", script.handshake(), scenario.build, views)


def close(views: Any, options: Any) -> None:
    """``options``: the scenario's ``CloseOptions``; the script makes the same calls."""
    from netlab.live import script
    from netlab.sim import close as scenario

    _run(options.variant, script.close_for(options), lambda p: scenario.build(p, options), views)


def tcp(views: Any, *, data: list[bytes], replies: list[bytes], rounds: int = 1) -> None:
    from netlab.live import script
    from netlab.sim import connection as scenario

    data = data or [scenario.DEFAULT_REQUEST]
    replies = replies or [scenario.DEFAULT_REPLY]
    calls = script.tcp(data, replies, rounds)
    _run("tcp", calls, lambda p: scenario.build(p, data, replies, rounds), views)


def _run(variant: str, calls: list, build: Callable[[Any], Any], views: Any) -> None:
    from netlab.live import session

    outcome = session.run(variant, calls, build)
    _show(outcome.comparison, outcome.frames, views, output.current.lang)


def _show(comparison, frames: list, views: Any, lang: str) -> None:
    from netlab.cli.sim_show import waiting_note, wrote_pcap, wrote_svg
    from netlab.views import live as view

    con = output.console(stderr=views.to_stdout)  # stdout may carry the pcap or picture alone
    ascii_only = output.ascii_only(con)
    notes = output.console(stderr=views.json or views.to_stdout)
    if comparison.capture_problem is not None:
        skipped = [
            flag
            for flag, asked in (
                ("--pcap", views.pcap is not None),
                ("--detail", views.detail),
                ("--hexdump", views.hexdump),
            )
            if asked
        ]
        message = text("live.capture.cannot", lang, why=render(comparison.capture_problem, lang))
        if skipped:
            message += text("ui.sentence_sep", lang) + text(
                "live.capture.skipped", lang, options=", ".join(skipped)
            )
        notes.print(message, soft_wrap=True, markup=False)
    if views.json:
        output.print_json(view.dumps(comparison, lang))
    else:
        con.print(view.report(comparison, lang, con.width, ascii_only))
    capture_trace = comparison.capture
    if capture_trace is not None:
        show_packets(capture_trace, views, lang, con, ascii_only)
    if capture_trace is not None and views.pcap is not None:
        from netlab.live import capture

        count = capture.save(frames, views.pcap, waiting_note(views.pcap, lang))
        wrote_pcap(notes, views.pcap, count, lang)
        notes.print(text("ui.pcap_relative", lang), soft_wrap=True)
    if views.svg is not None:
        from netlab.views import svg

        title = view.title_text(comparison, lang)
        svg.write(
            view.report(comparison, lang, 100), views.svg, title, 100, waiting_note(views.svg, lang)
        )
        wrote_svg(notes, views.svg, lang)
    if views.html is not None:
        from netlab.cli.sim_show import page_command, wrote_html
        from netlab.views import html

        command, _ = page_command(comparison.model.scenario, live=True)
        content = html.page(
            comparison.model,
            lang,
            command,
            json_doc=view.document(comparison, lang),
            frames=False,  # --pcap writes the capture, not the model's frames
            title=view.title_text(comparison, lang),
        )
        html.write(views.html, content, waiting_note(views.html, lang))
        wrote_html(notes, views.html, lang)
