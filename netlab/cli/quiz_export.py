"""``netlab quiz export``: an exam sheet (Markdown), a JSON document or an Anki package.

Owns the command's options and their checking, in the order that makes a bad command cost
nothing: values, then the output path (``views.output.check_writable``: exit 2 before any
work), then the bank and the plan. Questions are chosen exactly as ``netlab quiz`` chooses them
(``session.plan`` with a ``random.Random`` of the seed, generated slots made by
``generate.make``, choice orders from the plan), so one seed gives one sheet, byte for byte.
The formats are ``netlab.quiz.export`` (Markdown, JSON) and ``netlab.quiz.anki`` (genanki,
imported only when an Anki package is written: ``netlab quiz --help`` never loads it).
"""

from __future__ import annotations

import json
import random
import sys
from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h
from netlab.cli.quiz import MAX_COUNT, BankOpt, _topics, app, load_bank
from netlab.errors import UsageError
from netlab.i18n import Note, text
from netlab.quiz.model import Question

FORMATS = ("markdown", "json", "anki")
LANGS = ("en", "zh", "both")


@app.command("export", help=h("quiz_export"))
def export(
    file: Annotated[str, typer.Argument(metavar="FILE", help=h("opt.export_file"))],
    format_: Annotated[
        str, typer.Option("--format", metavar="markdown|json|anki", help=h("opt.export_format"))
    ] = "markdown",
    topic: Annotated[
        list[str] | None, typer.Option("--topic", metavar="TOPIC", help=h("opt.topic"))
    ] = None,
    count: Annotated[str, typer.Option("--count", metavar="N", help=h("opt.count"))] = "10",
    seed: Annotated[
        str | None, typer.Option("--seed", metavar="N", help=h("opt.seed_export"))
    ] = None,
    generated: Annotated[
        bool, typer.Option("--generated/--no-generated", help=h("opt.generated"))
    ] = True,
    bank: BankOpt = None,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="en|zh|both", help=h("opt.lang_export"))
    ] = None,
) -> None:
    sheet_lang = None if lang is None else values.choice("--lang", lang, LANGS)
    run_lang = output.use_lang(sheet_lang if sheet_lang in ("en", "zh") else None)
    chosen_format = values.choice("--format", format_, FORMATS)
    if sheet_lang is None:
        sheet_lang = "both" if chosen_format == "anki" else run_lang
    if sheet_lang == "both" and chosen_format == "markdown":
        raise UsageError(Note("errors.markdown_both", {}))
    chosen = tuple(_topics(topic or []))
    n = values.integer("--count", count, 1, MAX_COUNT, values.allowed("count", max=MAX_COUNT))
    seed_value = values.seed(seed)

    from netlab.views.output import STDOUT, check_writable

    binary = chosen_format == "anki"
    path = check_writable("FILE", file, stdout_ok=True, binary=binary)
    if binary and path == STDOUT and sys.stdout.isatty():  # a zip is not for a terminal
        raise UsageError(Note("errors.anki_terminal", {}))
    the_bank, _ = load_bank(bank)

    notes = output.console(stderr=True)
    if seed_value is None:  # as the quiz does, and said so the teacher can print it again
        seed_value = random.SystemRandom().getrandbits(32)
        notes.print(text("ui.export.seed_drawn", run_lang, seed=seed_value), soft_wrap=True)

    from netlab.quiz import export as sheets
    from netlab.quiz.session import plan, show

    gens: list[tuple[str, str]] = []
    make = _no_generator
    if generated:
        from netlab.quiz import generate

        gens, make = generate.available(), generate.make
    slots = plan(the_bank.questions, gens, topics=chosen, count=n, rng=random.Random(seed_value))
    if not slots:
        raise UsageError(Note("errors.no_questions"))
    shown = tuple(show(slot, make) for slot in slots)
    sheet = sheets.Sheet(seed=seed_value, topics=chosen, questions=shown)

    from netlab.files import atomic_write, reported

    with reported(path), atomic_write(path) as tmp:
        if chosen_format == "anki":
            from netlab.quiz import anki

            anki.write(tmp, sheet, sheet_lang)
        elif chosen_format == "json":
            from netlab.printable import json_safe

            document = json.dumps(sheets.document(sheet), ensure_ascii=False, indent=2)
            tmp.write_text(json_safe(document) + "\n", encoding="utf-8")
        else:
            tmp.write_text(sheets.markdown(sheet, sheet_lang), encoding="utf-8")

    questions = Note("ui.export.questions", {"count": len(shown)})
    if path == STDOUT:
        said = text("ui.export.wrote_stdout", run_lang, questions=questions, format=chosen_format)
        notes.print(said, soft_wrap=True)
    else:
        said = text(
            "ui.export.wrote", run_lang, questions=questions, path=file, format=chosen_format
        )
        output.console().print(said, soft_wrap=True)


def _no_generator(generator: str, seed: int) -> Question:
    raise AssertionError(f"--no-generated planned no generator, yet {generator} came up")
