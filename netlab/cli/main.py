"""The ``netlab`` command: the root typer app, its global options, and the one error handler.

Owns parsing the global options (``--lang``, ``--no-color``, ``--traceback``, ``--version``),
mounting the command groups, and turning every ``NetlabError``, usage error and Ctrl-C into
``netlab: error: ...`` on stderr with the right exit status. Must stay light: importing this
module imports neither scapy nor gevent (a test checks), so ``netlab --help`` starts fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from netlab import __version__
from netlab.cli import help_words, notes, output, values
from netlab.errors import ExitStatus, NetlabError
from netlab.i18n import Note, render

#: The command groups, in the order of the root help: name -> (module, help key). Each module
#: is imported only when its group is used, so ``netlab --help`` loads none of them.
GROUPS = {
    "simulate": ("netlab.cli.simulate", "simulate"),
    "quiz": ("netlab.cli.quiz", "quiz"),
    "demo": ("netlab.cli.demo", "demo"),
    "bench": ("netlab.cli.bench", "bench.app"),
}


class LazyGroup(TyperGroup):
    """The root group: ``notes`` is an ordinary command; the groups of ``GROUPS`` are built from
    their modules on first use, and the root help lists them from their help keys alone."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *GROUPS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in GROUPS:
            return super().get_command(ctx, cmd_name)
        if cmd_name not in self.commands:
            module_name, key = GROUPS[cmd_name]
            module = importlib.import_module(module_name)
            if hasattr(module, "register_scenarios"):
                module.register_scenarios()
            group = typer.main.get_group(module.app)
            group.name, group.help = cmd_name, output.h(key)
            for command in group.commands.values():  # listed whole, wrapped, never cut with ...
                command.short_help = command.short_help or command.help
            self.commands[cmd_name] = group
        return self.commands[cmd_name]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [
            (name, cmd.help or "")
            for name in TyperGroup.list_commands(self, ctx)
            if (cmd := TyperGroup.get_command(self, ctx, name)) is not None and not cmd.hidden
        ]
        rows += [(name, output.h(key)) for name, (_, key) in GROUPS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="netlab",
    cls=LazyGroup,
    help=output.h("app"),
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("notes", help=output.h("notes"))(notes.notes)
help_words.install()


def _version(flag: bool) -> None:
    if flag:
        print(f"netlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh", help=output.h("opt.lang_global"))
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help=output.h("opt.no_color"))] = False,
    traceback: Annotated[bool, typer.Option("--traceback", help=output.h("opt.traceback"))] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help=output.h("opt.version")),
    ] = False,
) -> None:
    """A terminal lab for networking fundamentals: run each idea instead of reading about it."""
    output.current.no_color = no_color
    output.current.traceback = traceback
    output.use_lang(values.lang(lang))


def _fail(message: str, status: int) -> int:
    from netlab.printable import printable

    # the message may quote what was typed: shown escaped, on one line
    print(f"netlab: error: {printable(message, newlines=False)}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Run netlab with ``argv``; return the exit status instead of exiting."""
    args = sys.argv[1:] if argv is None else argv
    output.current.traceback = "--traceback" in args
    output.tolerate_narrow_terminals()
    try:
        status = int(app(args=args, prog_name="netlab", standalone_mode=False) or 0)
        if status == ExitStatus.INTERRUPTED:  # typer turns Ctrl-C into a returned 130
            print("netlab: interrupted", file=sys.stderr)
        return status
    except NetlabError as exc:
        if output.current.traceback:
            raise
        return _fail(exc.render(output.current.lang), exc.status)
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit:
        # click's answer to a closed pipe: wrap stdout in its PacifyFlushWrapper and exit 1
        # (typer carries its own copy of click, so the wrapper is known by name)
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            output.silence_stdout()
            return ExitStatus.OK
        raise
    except typer.Abort:
        print("netlab: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `netlab` or `netlab simulate`
            print(exc.format_message())
            return ExitStatus.OK
        message = render(Note("errors.usage", {"text": exc.format_message()}), output.current.lang)
        return _fail(message, ExitStatus.USAGE)
    except KeyboardInterrupt:
        print("netlab: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        output.silence_stdout()  # the reader went away (`| head`): nothing more to say
        return ExitStatus.OK
    except Exception as exc:  # a bug: say so in one line; --traceback shows where
        if output.current.traceback:
            raise
        message = render(Note("errors.internal", {"error": repr(exc)}), output.current.lang)
        return _fail(message, ExitStatus.FAILED)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
