"""The options every ``netlab simulate`` command shares, declared once, and their checks.

Owns the typer declarations of the TCP scenarios' host options and of the view options every
simulation takes (``--step``, ``--filter``, ``--predict``, ``--ask``, ``--detail``,
``--hexdump``, ``--pcap``, ``--json``, ``--svg``, ``--html``, ``--lang``, and ``--seed`` for
``--predict`` where a scenario has none), ``Views`` (what the view options chose, checked:
paths before any work, combinations that cannot go together), and ``shared``, which gives a
command the options of each group and keeps its typer context in ``CONTEXT`` (what was typed,
for ``--predict``'s card ids and ``--html``'s command line). Imports no model: ``--help`` stays
light.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from netlab.cli import output, values
from netlab.errors import UsageError
from netlab.i18n import Note

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
Html = Annotated[str | None, typer.Option("--html", metavar="FILE", help=output.h("opt.html"))]
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
    html: Path | None = None

    @property
    def to_stdout(self) -> bool:
        """Standard output carries the pcap, the picture or the page: the report goes to
        standard error."""
        from netlab.files import STDOUT

        return STDOUT in (self.pcap, self.svg, self.html)


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
    html=None,
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
        proto = values.choice("--filter", filter_, NAMES)
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
    html_path = None if html is None else check_writable("--html", html, stdout_ok=True)
    # standard output (`-`, /dev/stdout) carries one thing: the JSON, the pcap, picture or page
    to_stdout = [
        f"{flag} {value}"
        for flag, value, path in (
            ("--pcap", pcap, pcap_path),
            ("--svg", svg, svg_path),
            ("--html", html, html_path),
        )
        if path == STDOUT
    ]
    if as_json and to_stdout:
        raise values.combo("--json", to_stdout[0])
    if len(to_stdout) > 1:
        raise values.combo(*to_stdout)
    if pcap_path == STDOUT and sys.stdout.isatty():  # a pcap is binary: not for a terminal
        raise UsageError(Note("errors.pcap_terminal", {}))
    return Views(step, detail, hexdump, pcap_path, as_json, svg_path, mode, asked, proto, html_path)


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
    html: Html = None,
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
