"""``netlab demo ...``: the live demos on real sockets, one module per demo.

Owns mounting the demo commands (each defined in ``netlab.cli.demo_NAME``); the demos
themselves live in ``netlab.demos`` and are imported only when one runs, so ``--help`` stays
light (gevent is never imported here: its demo runs it in child processes).
"""

from __future__ import annotations

import typer

from netlab.cli import demo_chat, demo_gevent, demo_select, demo_sticky
from netlab.cli.output import h

app = typer.Typer(help=h("demo"), no_args_is_help=True, rich_markup_mode=None)
app.command("select", help=h("demo_select.command"))(demo_select.command)
app.command("gevent", help=h("demo_gevent.command"))(demo_gevent.command)
app.command("sticky", help=h("demo_sticky.command"))(demo_sticky.command)
app.command("chat", help=h("demo_chat.command"))(demo_chat.command)
