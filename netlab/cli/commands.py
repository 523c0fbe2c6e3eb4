"""Does a netlab command line exist? Used to check the ``see`` and ``try`` commands in data.

Owns walking the CLI's own command tree (built by typer from ``netlab.cli.main.app``; the
groups are loaded as the walk reaches them): the
words must name a command, its options must be that command's options, and a topic given to
``netlab notes`` or ``--topic`` must be a known topic.
"""

from __future__ import annotations

import shlex
from functools import cache
from typing import Any


@cache
def _root() -> Any:
    import typer

    from netlab.cli.main import app

    return typer.main.get_command(app)


def command_exists(command: str) -> bool:
    from netlab.topics import topics

    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if not words or words[0] != "netlab":
        return False
    cmd, args, path = _root(), words[1:], []
    while args and hasattr(cmd, "list_commands") and args[0] in cmd.list_commands(None):
        path.append(args[0])
        cmd = cmd.get_command(None, args.pop(0))
    if hasattr(cmd, "list_commands") and not getattr(cmd, "invoke_without_command", False):
        return False  # a group such as `netlab simulate` needs a subcommand
    options = {opt: p for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    arguments = [p for p in cmd.params if p.param_type_name == "argument"]
    given: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-"):
            name, _, inline = word.partition("=")
            param = options.get(name)
            if param is None:
                return False
            if not getattr(param, "is_flag", False) and not inline:
                i += 1
                if i >= len(args):
                    return False
                inline = args[i]
            if name == "--topic" and inline not in topics():
                return False
        else:
            given.append(word)
        i += 1
    if len(given) > len(arguments):
        return False
    return not (path == ["notes"] and given and given[0] not in topics())
