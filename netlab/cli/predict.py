"""``netlab simulate ... --predict``: the exercise's seed, card ids, answers and progress.

Owns what ``--predict`` needs from the command line: the seed (``--seed``, the scenario's own
where it has one; 0 when absent, so a teacher's command line always sets the same exercise),
the scenario options that name its cards (those typed, never the view options), the command
line shown as the exercise's "see", reading answers (a terminal, or piped exactly as ``netlab
quiz`` reads them), saving each one in the quiz store, Ctrl-C (the answers given are kept,
exit 130), and the score and ``--json`` document at the end. The exercise is
``netlab.predict.exercise``; the screen is ``netlab.views.predict``.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from netlab.cli import output, values
from netlab.i18n import text
from netlab.predict.cards import Options

#: The options that only say how a trace is shown or asked: never part of a card's id
VIEW_PARAMS = frozenset(
    {
        "step",
        "detail",
        "hexdump",
        "pcap",
        "as_json",
        "svg",
        "html",
        "lang",
        "predict",
        "ask",
        "filter_",
        "predict_seed",
        "live",
    }
)


def scenario_options(ctx: Any) -> Options:
    """The options typed on this command line that shape the trace, in declaration order."""
    if ctx is None:
        return ()
    out: list[tuple[str, str | None]] = []
    for param in ctx.command.params:
        if getattr(param, "param_type_name", "") != "option" or param.name in VIEW_PARAMS:
            continue
        source = ctx.get_parameter_source(param.name or "")
        if source is None or source.name not in ("COMMANDLINE", "ENVIRONMENT"):
            continue
        value = ctx.params.get(param.name or "")
        long = max(param.opts, key=len).lstrip("-")
        if param.is_flag:
            if value:
                out.append((long, None))
            elif param.secondary_opts:
                out.append((max(param.secondary_opts, key=len).lstrip("-"), None))
            continue
        names_file = "FILE" in (getattr(param, "metavar", None) or "").split("|")
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is not None:
                out.append((long, _absolute(str(item)) if names_file else str(item)))
    return tuple(out)


def _absolute(value: str) -> str:
    """The value of an option that may name a file (its metavar says ``FILE``: ``--topology
    NAME|FILE``): an existing file's absolute path, so that the card asks about the same file
    from any folder; a name (a built-in topology) as typed."""
    try:
        path = Path(value).expanduser()
        return str(path.resolve()) if path.is_file() else value
    except (OSError, RuntimeError):
        return value


def exercise_seed(ctx: Any) -> int:
    if ctx is None:
        return 0
    given = ctx.params.get("predict_seed") or ctx.params.get("seed")
    seed = values.seed(given) if given is not None else None
    return 0 if seed is None else seed


def command_line(scenario: str, options: Options, extra: list[str]) -> str:
    argv = ["netlab", "simulate", scenario]
    for name, value in options:
        argv.append(f"--{name}")
        if value is not None:
            argv.append(value)
    return shlex.join([*argv, *extra])


def run(trace, views: Any, lang: str, only: list[int] | None) -> bool:
    """Play the exercise ``views.predict`` on ``trace``; False if the learner quit."""
    from netlab.cli.quiz import _store, read_answer, tolerate_bad_bytes, typed
    from netlab.cli.sim_options import CONTEXT
    from netlab.predict.exercise import build
    from netlab.views import predict as view

    ctx = CONTEXT.get()
    options = scenario_options(ctx)
    seed = exercise_seed(ctx)
    extra = ["--predict", views.predict] if views.predict != "next" else ["--predict"]
    if views.ask is not None:
        extra += ["--ask", str(views.ask)]
    if views.filter is not None:
        extra += ["--filter", views.filter]
    if ctx is not None and ctx.params.get("predict_seed") is not None:
        extra += ["--seed", str(seed)]
    command = command_line(trace.scenario, options, extra)
    exercise = build(
        trace,
        views.predict,
        options=options,
        command=command,
        seed=seed,
        ask=views.ask,
        only=only,
    )
    ui = output.console(stderr=views.json or views.to_stdout)
    ascii_only = output.ascii_only(ui)
    if not exercise.questions:
        said = text("predict.none_filter", lang, proto=views.filter) if views.filter else ""
        ui.print(text("predict.none", lang, filter=said), style="yellow")
        from netlab.views.playback import play

        return play(trace, ui, lang, input, ui.width, ascii_only, only)
    store = _store()
    if store.readonly:
        from netlab.printable import printable

        shown = printable(str(store.path), newlines=False)
        output.console(stderr=True).print(text("ui.quiz.readonly", lang, path=shown))
    interactive = sys.stdin.isatty()
    tolerate_bad_bytes(sys.stdin)

    def ask(prompt: str) -> str:
        if interactive:
            return typed(ui.input(prompt))
        answer = read_answer(sys.stdin)
        ui.print(prompt + answer)
        return answer

    def save(p, graded) -> None:
        q = p.shown.question
        store.save(q.id, q.topic, graded.given, graded.correct, time.time())

    result = view.Result()
    try:
        result = view.run(
            trace,
            exercise,
            ui,
            lang,
            ask,
            interactive=interactive,
            save=save,
            width=ui.width,
            ascii_only=ascii_only,
            only=only,
            result=result,
        )
    except KeyboardInterrupt:
        from netlab.quiz.store import QUICK

        store.flush(QUICK)
        store.close()
        right, answered = result.score()
        ui.print()
        ui.print(text("predict.interrupted", lang, right=right, answered=answered))
        raise
    unsaved = store.flush()
    problem = store.problem
    readonly = store.readonly
    store.close()
    ui.print()
    if result.ended == "eof":
        ui.print(
            text(
                "ui.quiz.input_ended",
                lang,
                answered=len(result.answers),
                total=len(exercise.questions),
            )
        )
    ui.print(view.score_view(result, lang))
    if result.answers:
        ui.print(text("predict.remembered_readonly" if readonly else "predict.remembered", lang))
    if views.json:
        doc = view.document(exercise, result, seed)
        output.print_json(json.dumps(doc, ensure_ascii=False, indent=2))
    if unsaved:
        from netlab.errors import Note
        from netlab.quiz.store import StoreError

        assert problem is not None
        raise StoreError(Note("errors.unsaved", {"count": unsaved, "reason": problem.note}))
    return result.ended != "quit"
