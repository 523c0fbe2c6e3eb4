"""``netlab simulate ...``: the group, the TCP scenarios' commands, and the scenario registry.

Owns the ``simulate`` group (``SimulateGroup``: a bare ``--predict``), the commands handshake,
close, tcp and states, turning the TCP options into ``TcpParams``, and adding the other
scenarios' commands (``netlab.cli.sim_NAME``). The shared options and their checks live in
``netlab.cli.sim_options``; where a trace goes, in ``netlab.cli.sim_show``. Protocol logic lives
in ``netlab.sim``, drawing in ``netlab.views``; scenario and view modules are imported inside the
commands, so ``--help`` never loads scapy.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
import typer.core

from netlab.cli import output, values
from netlab.cli.sim_options import (  # the shared options; the scenario modules import them here
    MAX_MESSAGE,
    MAX_ROUNDS,
    MAX_TOTAL,
    STACK_NAMES,
    Lang,
    Live,
    LoseTimes,
    Msl,
    Svg,
    _host_options,
    _view_options,
    _views,
    shared,
)
from netlab.cli.sim_show import show, waiting_note, wrote_svg
from netlab.errors import UsageError
from netlab.i18n import Note, text


class SimulateGroup(typer.core.TyperGroup):
    """The ``simulate`` group: a bare ``--predict`` (last, or followed by another option) means
    ``--predict next``, which click's options cannot say by themselves."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        out = []
        for i, arg in enumerate(args):
            out.append(arg)
            if arg == "--predict" and (i + 1 == len(args) or args[i + 1].startswith("-")):
                out.append("next")
        return super().parse_args(ctx, out)


app = typer.Typer(
    help=output.h("simulate"),
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=SimulateGroup,
)


def _tcp_params(
    client,
    server,
    isn_client,
    isn_server,
    seed,
    rtt,
    stack="linux",
    *,
    lose=None,
    lose_times="1",
    losses=(),
    msl="30",
    nodelay=False,
):
    from netlab.sim.hosts import TcpParams
    from netlab.sim.stack import STACKS

    # an empty value is a bad value, not the default (only an absent option is)
    given = client is not None
    c_ip, c_port = values.ipv4_port("--client", client) if given else ("192.168.1.10", None)
    s_ip, s_port = values.ipv4_port("--server", server)
    if (c_ip, c_port) == (s_ip, s_port):
        raise UsageError(Note("errors.same_endpoint", {"value": f"{s_ip}:{s_port}"}))
    isn_rule = values.allowed("isn")
    lose_value = values.choice("--lose", lose, losses) if lose is not None else None
    times = values.integer("--lose-times", lose_times, 1, 6, values.allowed("times"))
    if times != 1 and lose_value is None:
        raise values.requires("--lose-times", "--lose")
    chosen = STACKS[values.choice("--stack", stack, STACK_NAMES)]
    if nodelay and not chosen.nagle:
        raise values.combo("--nodelay", "--stack minimal")
    return TcpParams(
        client_ip=c_ip,
        client_port=c_port,
        server_ip=s_ip,
        server_port=s_port,
        isn_client=values.integer("--isn-client", isn_client, 0, values.MAX_U32, isn_rule)
        if isn_client is not None
        else None,
        isn_server=values.integer("--isn-server", isn_server, 0, values.MAX_U32, isn_rule)
        if isn_server is not None
        else None,
        seed=values.seed(seed),
        rtt=values.seconds("--rtt", rtt, 0, 10, values.allowed("rtt")),
        lose=lose_value,
        lose_times=times,
        msl=values.seconds("--msl", msl, 0, 3600, values.allowed("msl")),
        stack=chosen,
        nodelay=nodelay,
    )


# -- commands ----------------------------------------------------------------------------------


@app.command(help=output.h("handshake"))
@shared(hosts=_host_options, views=_view_options)
def handshake(
    lose: Annotated[
        str | None,
        typer.Option("--lose", metavar="syn|syn-ack|ack", help=output.h("opt.lose_handshake")),
    ] = None,
    lose_times: LoseTimes = "1",
    live: Live = False,
    ctx: typer.Context = None,  # type: ignore[assignment]  (typer fills it in)
    *,
    hosts: dict[str, Any],
    views: dict[str, Any],
) -> None:
    """The three-way handshake: SYN, SYN-ACK, ACK, with states and numbers explained."""
    lang = output.use_lang(values.lang(views["lang"]))
    if live:
        from netlab.cli import sim_live

        sim_live.refuse_unreal_options(ctx)
        sim_live.handshake(_views(**views))
        return
    from netlab.sim import handshake as scenario

    params = _tcp_params(**hosts, lose=lose, lose_times=lose_times, losses=scenario.LOSSES)
    show(scenario.build(params), _views(**views), lang)


@app.command(help=output.h("close"))
@shared(hosts=_host_options, views=_view_options)
def close(
    initiator: Annotated[
        str, typer.Option("--initiator", metavar="client|server", help=output.h("opt.initiator"))
    ] = "client",
    simultaneous: Annotated[
        bool, typer.Option("--simultaneous", help=output.h("opt.simultaneous"))
    ] = False,
    merge: Annotated[bool, typer.Option("--merge", help=output.h("opt.merge"))] = False,
    half_close: Annotated[
        bool, typer.Option("--half-close", help=output.h("opt.half_close"))
    ] = False,
    data: Annotated[
        str | None,
        typer.Option("--data", metavar="TEXT", help=output.h("opt.data_close")),
    ] = None,
    unread: Annotated[bool, typer.Option("--unread", help=output.h("opt.unread"))] = False,
    msl: Msl = "30",
    lose: Annotated[
        str | None,
        typer.Option("--lose", metavar="fin|ack", help=output.h("opt.lose_close")),
    ] = None,
    lose_times: LoseTimes = "1",
    live: Live = False,
    ctx: typer.Context = None,  # type: ignore[assignment]  (typer fills it in)
    *,
    hosts: dict[str, Any],
    views: dict[str, Any],
) -> None:
    """The four-way close from ESTABLISHED, with TIME-WAIT and its 2·MSL timer."""
    lang = output.use_lang(values.lang(views["lang"]))
    if live:
        from netlab.cli import sim_live

        sim_live.refuse_unreal_options(ctx)
    from netlab.sim import close as scenario

    who = values.choice("--initiator", initiator, ("client", "server"))
    variants = (
        ("--simultaneous", simultaneous),
        ("--merge", merge),
        ("--half-close", half_close),
        ("--unread", unread),
    )
    chosen = [flag for flag, used in variants if used]
    if len(chosen) > 1:
        raise values.combo(chosen[0], chosen[1])
    if simultaneous and lose is not None:
        raise values.combo("--simultaneous", "--lose")
    if data is not None and (simultaneous or merge):
        raise values.combo("--data", "--simultaneous" if simultaneous else "--merge")
    if merge and hosts["stack"] == "minimal":
        raise values.combo("--merge", "--stack minimal")
    payload = (
        values.text_bytes("--data", [data], MAX_MESSAGE, MAX_MESSAGE)
        if data is not None
        else [b"bye"]
    )
    options = scenario.CloseOptions(
        initiator=who,
        simultaneous=simultaneous,
        merge=merge,
        half_close=half_close,
        data=payload[0],
        unread=unread,
        late_data=data is not None and not (half_close or unread),
    )
    if live:
        sim_live.close(_views(**views), options)
        return
    params = _tcp_params(**hosts, lose=lose, lose_times=lose_times, losses=scenario.LOSSES, msl=msl)
    shown = _views(**views)
    show(scenario.build(params, options), shown, lang)


@app.command("tcp", help=output.h("tcp"))
@shared(hosts=_host_options, views=_view_options)
def tcp_connection(
    data: Annotated[
        list[str] | None,
        typer.Option("--data", metavar="TEXT", help=output.h("opt.data_tcp")),
    ] = None,
    reply: Annotated[
        list[str] | None,
        typer.Option("--reply", metavar="TEXT", help=output.h("opt.reply")),
    ] = None,
    nodelay: Annotated[bool, typer.Option("--nodelay", help=output.h("opt.nodelay"))] = False,
    rounds: Annotated[
        str, typer.Option("--rounds", metavar="N", help=output.h("opt.rounds"))
    ] = "1",
    msl: Msl = "30",
    live: Live = False,
    ctx: typer.Context = None,  # type: ignore[assignment]  (typer fills it in)
    *,
    hosts: dict[str, Any],
    views: dict[str, Any],
) -> None:
    """A whole connection: handshake, data both ways (ACKs count bytes), close."""
    lang = output.use_lang(values.lang(views["lang"]))
    if live:
        from netlab.cli import sim_live

        sim_live.refuse_unreal_options(ctx)
    sent = values.text_bytes("--data", data or [], MAX_MESSAGE, MAX_TOTAL)
    answers = values.text_bytes("--reply", reply or [], MAX_MESSAGE, MAX_TOTAL)
    exchanges = values.integer("--rounds", rounds, 1, MAX_ROUNDS, values.allowed("rounds"))
    if live:
        sim_live.tcp(_views(**views), data=sent, replies=answers, rounds=exchanges)
        return
    params = _tcp_params(**hosts, msl=msl, nodelay=nodelay)
    from netlab.sim import connection as scenario

    show(scenario.build(params, sent, answers, exchanges), _views(**views), lang)


@app.command(help=output.h("states"))
def states(
    state: Annotated[
        str | None,
        typer.Option("--state", metavar="NAME", help=output.h("opt.state")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=output.h("opt.json_states"))] = False,
    svg: Svg = None,
    lang: Lang = None,
) -> None:
    """The TCP state machine: RFC 9293's transition table."""
    lang = output.use_lang(values.lang(lang))
    from netlab.sim.tcp import State, parse_state
    from netlab.views import states as view

    chosen = None
    if state is not None:
        try:
            chosen = parse_state(state)
        except KeyError:
            names = ", ".join(s.value for s in State)
            raise UsageError(
                Note("errors.state_unknown", {"value": state, "choices": names})
            ) from None
    shown = _views(False, False, False, None, as_json, svg)
    drawn = view.full_table(lang) if chosen is None else view.one_state(chosen, lang)
    if shown.json:
        import json

        doc = view.table_document(lang) if chosen is None else view.state_document(chosen, lang)
        output.print_json(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        output.console(stderr=shown.to_stdout).print(drawn)
    if shown.svg is not None:
        from netlab.views import svg as svg_view

        title = text("ui.states.title", lang) if chosen is None else chosen.value
        svg_view.write(drawn, shown.svg, title, 100, waiting_note(shown.svg, lang))
        wrote_svg(output.console(stderr=shown.json or shown.to_stdout), shown.svg, lang)


#: The scenarios with more than two nodes, each in its own module ``netlab.cli.sim_NAME``
#: (a function NAME that takes its options and ``views``), in the order ``--help`` lists them.
SCENARIOS = ("layers", "arp", "nat", "dhcp", "dns", "journey", "route", "rip", "ospf")


def register_scenarios() -> None:
    """Add the commands of ``SCENARIOS`` to ``app``. Called by ``netlab.cli.main`` once this
    module is complete, because each command module imports the shared options from here."""
    import importlib

    for name in SCENARIOS:
        if name in {c.name for c in app.registered_commands}:
            continue
        module = importlib.import_module(f"netlab.cli.sim_{name}")
        app.command(name, help=output.h(name))(getattr(module, name))
