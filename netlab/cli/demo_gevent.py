"""``netlab demo gevent``: the seed's eat/play example, measured, in three child processes.

Owns the option declarations and their checking (through ``netlab.cli.values``) and handing the
runs to the view, nothing else: the child programs live in ``netlab.demos.gevent_tasks``, the
drawing in ``netlab.views.demo_gevent``. Both are imported inside ``command``, and neither
imports gevent: only the child processes do.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.i18n import Note


def command(
    sleep: Annotated[
        str, typer.Option("--sleep", metavar="SECONDS", help=output.h("demo_gevent.sleep"))
    ] = "2",
    tasks: Annotated[
        str, typer.Option("--tasks", metavar="N", help=output.h("demo_gevent.tasks"))
    ] = "2",
    as_json: Annotated[bool, typer.Option("--json", help=output.h("demo_gevent.json"))] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh", help=output.h("demo_gevent.lang"))
    ] = None,
) -> None:
    """Tasks that sleep, run with monkey.patch_all(), without it, and with gevent.sleep."""
    lang = output.use_lang(values.lang(lang))
    from netlab.demos import gevent_tasks as demo  # light: only the children import gevent

    rule = values.allowed("count", max=demo.MAX_TASKS)
    seconds = values.seconds("--sleep", sleep, 0, demo.MAX_SLEEP, Note("errors.demo_gevent.sleep"))
    count = values.integer("--tasks", tasks, 1, demo.MAX_TASKS, rule)
    from netlab.views import demo_gevent as view

    plan = demo.Plan(tasks=count, sleep_s=seconds)
    if as_json:
        output.print_json(view.to_json(plan, demo.run_all(plan)))
        return
    con = output.console()
    ascii_only = output.ascii_only(con)
    con.print(view.intro(plan, lang))
    runs = demo.run_all(plan, view.Live(con, lang, plan, ascii_only))
    con.print(view.summary(plan, runs, lang, con.width, ascii_only))
