"""``netlab bench io``: parse the options, run every model, hand the figures to the view.

Owns the ``bench`` typer app (named and described here, so ``netlab.cli.main`` mounts it with
one line), the option declarations and their checking (through ``netlab.cli.values`` and the
limits of ``netlab.bench.workload``), and the choice of outputs (progress bars, table, chart and
conclusion, or ``--json``). The servers, the load generator and the arithmetic live in
``netlab.bench``, drawing in ``netlab.views.bench``; both are imported inside the command, so
``--help`` stays light (gevent is only ever imported by the gevent server's own process).
"""

from __future__ import annotations

from typing import Annotated

import typer

from netlab.bench import workload as plan
from netlab.cli import output, values
from netlab.cli.output import h
from netlab.errors import NetlabError, OptionError, UsageError
from netlab.i18n import Note

app = typer.Typer(name="bench", help=h("bench.app"), no_args_is_help=True, rich_markup_mode=None)


def models(value: str) -> tuple[str, ...]:
    """``"select, asyncio"`` -> ``("select", "asyncio")``: known names, in the order given,
    each once; ``all`` for every model."""
    names = [name.strip().lower() for name in value.split(",")]
    rule = Note("bench.errors.models", {"choices": ", ".join(plan.MODELS)})
    if names == ["all"]:
        return plan.MODELS
    if not names or any(name not in plan.MODELS for name in names):
        raise OptionError("--models", value, rule)
    return tuple(dict.fromkeys(names))


def _given(value: str | None, default: int) -> str:
    return str(default) if value is None else value


@app.command("io", help=h("bench.io"))
def io(
    clients: Annotated[
        str | None, typer.Option("--clients", metavar="N", help=h("bench.clients"))
    ] = None,
    messages: Annotated[
        str | None, typer.Option("--messages", metavar="M", help=h("bench.messages"))
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", metavar="BYTES", help=h("bench.size"))
    ] = None,
    model_list: Annotated[
        str | None, typer.Option("--models", metavar="LIST", help=h("bench.models"))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=h("bench.json"))] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh", help=h("bench.lang"))
    ] = None,
) -> None:
    """The same echo workload against each I/O model, each server in its own process."""
    lang = output.use_lang(values.lang(lang))
    count_rule = values.allowed("count", max=plan.MAX_CLIENTS)
    workload = plan.Workload(
        clients=values.integer(
            "--clients", _given(clients, plan.DEFAULT_CLIENTS), 1, plan.MAX_CLIENTS, count_rule
        ),
        messages=values.integer(
            "--messages",
            _given(messages, plan.DEFAULT_MESSAGES),
            1,
            plan.MAX_MESSAGES,
            values.allowed("count", max=plan.MAX_MESSAGES),
        ),
        size=values.integer(
            "--size", _given(size, plan.DEFAULT_SIZE), 1, plan.MAX_SIZE, Note("bench.errors.size")
        ),
        models=models("all" if model_list is None else model_list),
    )
    problem = plan.excess(workload)
    if problem is not None:
        raise UsageError(problem)

    from netlab.bench import runner
    from netlab.demos.select_server import sigterm_as_interrupt
    from netlab.views import bench as view

    with sigterm_as_interrupt():  # SIGTERM too stops every child before netlab exits
        if as_json:
            runs = runner.run_all(workload)
        else:
            con = output.console()
            ascii_only = output.ascii_only(con)
            con.print(view.intro(workload, lang, ascii_only))
            with view.Live(con, lang) as live:
                runs = runner.run_all(workload, live)
    if as_json:
        output.print_json(view.to_json(workload, runs, runner.machine(), lang))
    else:
        con.print(view.report(workload, runs, lang, con.width, ascii_only))
    failed = [run.model for run in runs if run.errors]
    if failed:
        raise NetlabError(Note("bench.errors.replies", {"models": ", ".join(failed)}))
