"""``netlab simulate ...``: parse a scenario's options, build its Trace, hand it to the views.

Owns the option declarations and their checking (through ``netlab.cli.values``), the order in
which outputs are produced, and nothing else: protocol logic lives in ``netlab.sim``, drawing in
``netlab.views``. Scenario and view modules are imported inside the commands, so ``--help``
never loads scapy.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from netlab.cli import output, values
from netlab.errors import UsageError
from netlab.i18n import Note, render, text


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

MAX_MESSAGE = 4096
MAX_TOTAL = 8192
MAX_ROUNDS = 10  # netlab.sim.connection.MAX_ROUNDS (written here so --help imports no model)

# -- options shared by the TCP scenarios -----------------------------------------------------------

Client = Annotated[
    str | None,
    typer.Option(
        "--client",
        metavar="IP:PORT",
        help=output.h("opt.client"),
    ),
]
Server = Annotated[str, typer.Option("--server", metavar="IP:PORT", help=output.h("opt.server"))]
IsnClient = Annotated[
    str | None,
    typer.Option("--isn-client", metavar="N", help=output.h("opt.isn_client")),
]
IsnServer = Annotated[
    str | None,
    typer.Option("--isn-server", metavar="N", help=output.h("opt.isn_server")),
]
Seed = Annotated[
    str | None,
    typer.Option("--seed", metavar="N", help=output.h("opt.seed")),
]
Rtt = Annotated[str, typer.Option("--rtt", metavar="SECONDS", help=output.h("opt.rtt"))]
LoseTimes = Annotated[
    str,
    typer.Option("--lose-times", metavar="N", help=output.h("opt.lose_times")),
]
Step = Annotated[bool, typer.Option("--step", help=output.h("opt.step"))]
Predict = Annotated[
    str | None,
    typer.Option("--predict", metavar="[next|fields|order]", help=output.h("opt.predict")),
]
Ask = Annotated[str | None, typer.Option("--ask", metavar="N", help=output.h("opt.ask"))]
Filter = Annotated[
    str | None, typer.Option("--filter", metavar="PROTO", help=output.h("opt.filter"))
]
ExerciseSeed = Annotated[
    str | None, typer.Option("--seed", metavar="N", help=output.h("opt.seed_predict"))
]
PREDICT_MODES = ("next", "fields", "order")  # netlab.predict.exercise.MODES
Detail = Annotated[bool, typer.Option("--detail", help=output.h("opt.detail"))]
Hexdump = Annotated[bool, typer.Option("--hexdump", help=output.h("opt.hexdump"))]
Pcap = Annotated[str | None, typer.Option("--pcap", metavar="FILE", help=output.h("opt.pcap"))]
Json = Annotated[bool, typer.Option("--json", help=output.h("opt.json"))]
Svg = Annotated[str | None, typer.Option("--svg", metavar="FILE", help=output.h("opt.svg"))]
Lang = Annotated[str | None, typer.Option("--lang", metavar="en|zh", help=output.h("opt.lang"))]
Msl = Annotated[
    str,
    typer.Option("--msl", metavar="SECONDS", help=output.h("opt.msl")),
]
Live = Annotated[bool, typer.Option("--live", help=output.h("opt.live"))]
StackOpt = Annotated[
    str, typer.Option("--stack", metavar="linux|minimal", help=output.h("opt.stack"))
]
#: The stacks --stack offers (netlab.sim.stack.STACKS; written here so --help imports no model)
STACK_NAMES = ("linux", "minimal")


@dataclass(frozen=True)
class Views:
    step: bool = False
    detail: bool = False
    hexdump: bool = False
    pcap: Path | None = None
    json: bool = False
    svg: Path | None = None
    predict: str | None = None
    ask: int | None = None
    filter: str | None = None

    @property
    def to_stdout(self) -> bool:
        """Standard output carries the pcap or the picture: the report goes to standard error."""
        from netlab.files import STDOUT

        return STDOUT in (self.pcap, self.svg)


def _views(
    step,
    detail,
    hexdump,
    pcap,
    as_json,
    svg,
    lang=None,
    predict=None,
    ask=None,
    filter_=None,
    predict_seed=None,
) -> Views:
    for flag, used in (("--step", step), ("--detail", detail), ("--hexdump", hexdump)):
        if used and as_json:  # stdout must stay one JSON document
            raise values.combo(flag, "--json")
    mode = None if predict is None else values.choice("--predict", predict, PREDICT_MODES)
    asked = None
    if ask is not None:
        if mode is None:
            raise values.requires("--ask", "--predict")
        if mode == "order":
            raise values.combo("--ask", "--predict order")
        asked = values.integer("--ask", ask, 1, 10_000, values.allowed("ask"))
    proto = None
    if filter_ is not None:
        from netlab.sim.display_filter import NAMES

        if not (step or mode):
            raise values.requires("--filter", "--step")
        proto = values.choice("--filter", filter_.strip().lower(), NAMES)
    if mode is not None and step:
        raise values.combo("--predict", "--step")
    if predict_seed is not None:
        if mode is None:
            raise values.requires("--seed", "--predict")
        values.seed(predict_seed)
    if mode is not None and as_json and sys.stdin.isatty():  # the answers must come piped
        raise UsageError(Note("errors.predict_json_terminal", {}))
    from netlab.views.output import STDOUT, check_writable

    pcap_path = None if pcap is None else check_writable("--pcap", pcap, True, binary=True)
    svg_path = None if svg is None else check_writable("--svg", svg, stdout_ok=True)
    # standard output (`-`, /dev/stdout) carries one thing: the JSON, the pcap or the picture
    to_stdout = [
        f"{flag} {value}"
        for flag, value, path in (("--pcap", pcap, pcap_path), ("--svg", svg, svg_path))
        if path == STDOUT
    ]
    if as_json and to_stdout:
        raise values.combo("--json", to_stdout[0])
    if len(to_stdout) > 1:
        raise values.combo(*to_stdout)
    if pcap_path == STDOUT and sys.stdout.isatty():  # a pcap is binary: not for a terminal
        raise UsageError(Note("errors.pcap_terminal", {}))
    return Views(step, detail, hexdump, pcap_path, as_json, svg_path, mode, asked, proto)


def _host_options(
    client: Client = None,
    server: Server = "203.0.113.10:80",
    isn_client: IsnClient = None,
    isn_server: IsnServer = None,
    seed: Seed = None,
    rtt: Rtt = "0.02",
    stack: StackOpt = "linux",
) -> None:
    """The two hosts and their link: the options every TCP scenario takes."""


def _view_options(
    step: Step = False,
    detail: Detail = False,
    hexdump: Hexdump = False,
    pcap: Pcap = None,
    as_json: Json = False,
    svg: Svg = None,
    lang: Lang = None,
    predict: Predict = None,
    ask: Ask = None,
    filter_: Filter = None,
) -> None:
    """How to show a trace: the options every simulation takes."""


def _exercise_seed(predict_seed: ExerciseSeed = None) -> None:
    """``--seed`` for the scenarios that have none of their own: which steps ``--predict``
    asks about and which wrong answers it offers (a scenario's own ``--seed`` does that too)."""


#: The running scenario command's context (``shared`` sets it): what was typed, for --predict
CONTEXT: ContextVar[Any] = ContextVar("context", default=None)
#: Set by ``netlab.cli.replay``: ``show`` hands it the trace and shows nothing.
CAPTURE: ContextVar[Callable[[Any], None] | None] = ContextVar("capture", default=None)


def shared(**groups: Callable[..., None]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options of each group (declared once, in a function like
    ``_view_options``); the command receives each group's values as one dict named like the
    group. typer reads the combined signature, so ``--help`` lists every option."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.name not in groups
        ]
        members = {
            name: list(inspect.signature(group, eval_str=True).parameters.values())
            for name, group in groups.items()
        }
        if "views" in members and not any(
            p.name == "seed" for p in [*own, *(q for m in members.values() for q in m)]
        ):  # --seed for --predict where the scenario has none
            members["views"] += list(inspect.signature(_exercise_seed).parameters.values())
        params = own + [p for group in members.values() for p in group]
        own_ctx = next((p.name for p in own if p.annotation is typer.Context), None)
        if own_ctx is None:  # typer hands the click context to a parameter of this type
            params.append(
                inspect.Parameter(
                    "_context",
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=None,
                    annotation=typer.Context,
                )
            )

        def wrapper(**kwargs: Any) -> None:
            for name, group in members.items():
                kwargs[name] = {p.name: kwargs.pop(p.name) for p in group}
            ctx = kwargs.pop("_context", None) if own_ctx is None else kwargs.get(own_ctx)
            token = CONTEXT.set(ctx)
            try:
                command(**kwargs)
            finally:
                CONTEXT.reset(token)

        wrapper.__name__ = command.__name__
        wrapper.__doc__ = command.__doc__
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


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
    notes = output.console(stderr=views.json or views.to_stdout)
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
