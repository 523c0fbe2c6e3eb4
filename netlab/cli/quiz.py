"""``netlab quiz ...``: parse the quiz's options, open bank and progress, hand over to the views.

Owns the options of ``netlab quiz`` (and its ``validate``, ``stats``, ``topics``, ``reset``
subcommands) and their checking. The engine is ``netlab.quiz.session``; the screen is
``netlab.views.quiz``. Never imports scapy: generated questions that need it import it
themselves when their turn comes.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h
from netlab.errors import OptionError, UsageError
from netlab.i18n import Note, text

app = typer.Typer(
    help=h("quiz"),
    invoke_without_command=True,
    rich_markup_mode=None,
)

MAX_COUNT = 500
Lang = Annotated[str | None, typer.Option("--lang", metavar="en|zh", help=h("opt.lang"))]
BankOpt = Annotated[str | None, typer.Option("--bank", metavar="PATH", help=h("opt.bank"))]


def default_bank() -> Path:
    from netlab.datafiles import data_dir

    return data_dir() / "quiz"


def load_bank(path: str | None, strict: bool = True, option: str = "--bank"):
    """The bank at ``path`` (default: netlab's own). With ``strict``, any problem is an error."""
    from netlab.cli.commands import command_exists
    from netlab.quiz.bank import load
    from netlab.topics import topics

    try:  # "~nosuchuser/x" (RuntimeError), a name too long for the system (OSError)
        where = Path(path).expanduser() if path else default_bank()
        usable = where.exists() and (where.is_dir() or os.access(where, os.R_OK))
    except (OSError, RuntimeError):
        usable = False
    if not usable:
        raise OptionError(option, path, Note("errors.allowed.bank"))
    bank = load(where, topics(), command_exists)
    if not bank.files:
        raise UsageError(Note("errors.empty_bank", {"path": str(where)}))
    if strict and bank.problems:
        raise UsageError(
            Note(
                "errors.bank",
                {"path": str(where), "count": bank.problem_count, "first": bank.problems[0]},
            )
        )
    return bank, where


def unknown_topic(value: str) -> UsageError:
    """The error for a topic that does not exist, with the close matches if there are any."""
    from netlab.topics import close_matches

    matches = close_matches(value)
    if matches:
        return UsageError(
            Note("errors.unknown_topic", {"value": value, "matches": ", ".join(matches)})
        )
    return UsageError(Note("errors.unknown_topic_none", {"value": value}))


def _topics(option_values: list[str]) -> list[str]:
    from netlab.topics import fold, topics

    chosen = []
    for value in option_values:
        name = fold(value)
        if name not in topics():
            raise unknown_topic(value)
        chosen.append(name)
    return chosen


def _store(write: bool = True):
    """The progress store. A lock is waited for (said after 1 s, on stderr) and then an error;
    a damaged file is moved aside, said with what was copied from it. ``write`` False: only
    read (``quiz stats``), so a read-only file is not looked at for writing."""
    from netlab.printable import printable
    from netlab.quiz.store import Store, default_path

    lang = output.current.lang
    warn = output.console(stderr=True)
    path = default_path()
    try:
        store = Store(path, on_wait=lambda: warn.print(text("ui.quiz.waiting", lang)), write=write)
    except OSError as exc:
        from netlab.errors import OutputError

        raise OutputError(
            Note("errors.output", {"path": str(path), "reason": exc.strerror or str(exc)})
        ) from exc
    if store.recovered_from is not None:
        moved = printable(str(store.recovered_from), newlines=False)
        warn.print(text("ui.quiz.recovered", lang, path=moved, why=store.damage), soft_wrap=True)
        answers, cards = store.copied
        if answers or cards:
            counts = {
                "answers": Note("ui.quiz.answers", {"count": answers}),
                "cards": Note("ui.quiz.cards", {"count": cards}),
            }
            warn.print(text("ui.quiz.copied", lang, **counts))
        else:
            warn.print(text("ui.quiz.copied_none", lang))
    return store


#: The characters of one piped answer that are kept (no answer is longer than a few words).
MAX_ANSWER = 1000
#: How far past MAX_ANSWER a line's end is looked for; input with no line end by then (such as
#: /dev/zero) is not a stream of answers, and reading it ends as end of input does.
MAX_LINE = 1 << 20


def typed(answer: str) -> str:
    """What the learner typed, as text that can be shown, stored and put in JSON: the bytes of
    invalid UTF-8 (lone surrogates) become ``\\xNN``, the way netlab shows them everywhere."""
    if not any("\ud800" <= ch <= "\udfff" for ch in answer):
        return answer
    from netlab.printable import printable

    return "".join(printable(ch) if "\ud800" <= ch <= "\udfff" else ch for ch in answer)


def tolerate_bad_bytes(stream) -> None:
    """Let ``stream`` (stdin) deliver invalid UTF-8 as lone surrogates, as Python does in the C
    locale, instead of raising UnicodeDecodeError in the middle of a quiz; ``typed`` shows
    them."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", None) == "strict":
        reconfigure(errors="surrogateescape")


def read_answer(stream) -> str:
    """The next piped answer: one line without its end (and without a BOM, which a Windows
    shell may add), at most MAX_ANSWER characters; EOFError at the end of the input. Memory
    and time stay bounded whatever the input is."""
    line = stream.readline(MAX_ANSWER)
    if not line:
        raise EOFError
    if len(line) == MAX_ANSWER and not line.endswith("\n"):  # skip the rest of a long line
        skipped = 0
        while True:
            rest = stream.readline(64 * 1024)
            if not rest or rest.endswith("\n"):
                break
            skipped += len(rest)
            if skipped > MAX_LINE:
                raise EOFError
    return typed(line.rstrip("\r\n").lstrip("\ufeff"))


def _make_generated(generator: str, seed: int):
    from netlab.quiz.session import SIM_PREFIX

    if generator.startswith(SIM_PREFIX):  # a predicted step, or --from-simulations
        from netlab.cli import replay

        try:
            return replay.make(generator, seed)
        except replay.ReplayError:  # its options no longer run: a fresh step of its scenario
            scenario = generator[len(SIM_PREFIX) :].split("/", 1)[0].split("?", 1)[0]
            return replay.fresh(scenario, seed)
    from netlab.quiz import generate

    return generate.make(generator, seed)


@app.callback(invoke_without_command=True)
def quiz(
    ctx: typer.Context,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", metavar="TOPIC", help=h("opt.topic"))
    ] = None,
    count: Annotated[str, typer.Option("--count", metavar="N", help=h("opt.count"))] = "10",
    seed: Annotated[
        str | None, typer.Option("--seed", metavar="N", help=h("opt.seed_quiz"))
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", metavar="practice|exam", help=h("opt.mode"))
    ] = "practice",
    time_limit: Annotated[
        str | None, typer.Option("--time-limit", metavar="SECONDS", help=h("opt.time_limit"))
    ] = None,
    review: Annotated[bool, typer.Option("--review", help=h("opt.review"))] = False,
    generated: Annotated[
        bool, typer.Option("--generated/--no-generated", help=h("opt.generated"))
    ] = True,
    from_simulations: Annotated[
        bool, typer.Option("--from-simulations", help=h("opt.from_simulations"))
    ] = False,
    bank: BankOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help=h("opt.json_quiz"))] = False,
    lang: Lang = None,
) -> None:
    if ctx.invoked_subcommand is not None:
        output.use_lang(values.lang(lang))
        return
    lang = output.use_lang(values.lang(lang))
    chosen = _topics(topic or [])
    n = values.integer("--count", count, 1, MAX_COUNT, values.allowed("count", max=MAX_COUNT))
    seed_value = values.seed(seed)
    if seed_value is None:
        seed_value = random.SystemRandom().getrandbits(32)
    chosen_mode = values.choice("--mode", mode, ("practice", "exam"))
    limit = None
    if time_limit is not None:
        if chosen_mode != "exam":
            raise values.requires("--time-limit", "--mode exam")
        limit = values.seconds("--time-limit", time_limit, 0, 86_400, values.allowed("time_limit"))
    the_bank, _ = load_bank(bank)

    from netlab.quiz.session import Session, plan
    from netlab.views import quiz as view

    store = _store()
    if store.readonly:  # said once, before the first question
        from netlab.printable import printable

        shown = printable(str(store.path), newlines=False)
        said = text("ui.quiz.readonly", lang, path=shown)
        output.console(stderr=True).print(said, soft_wrap=True)
    now = time.time()
    cards = {c.question: c for c in store.cards()} if review else {}
    gens = []
    if generated:
        from netlab.quiz import generate

        gens = generate.available()
    simulations = []
    if from_simulations:  # netlab.predict.cards: plain data, no simulation imported
        from netlab.predict.cards import PREFIX, TOPICS

        simulations = [(f"{PREFIX}{name}", topic) for name, topic in TOPICS.items()]
    slots = plan(
        the_bank.questions,
        gens,
        topics=chosen,
        count=n,
        rng=random.Random(seed_value),
        cards=cards,
        now=now,
        review=review,
        simulations=simulations,
    )
    if not slots:
        raise UsageError(Note("errors.no_questions"))
    session = Session(slots, _make_generated, time.monotonic, limit)
    ui = output.console(stderr=as_json)
    interactive = sys.stdin.isatty()
    tolerate_bad_bytes(sys.stdin)
    ui.print(
        text(
            "ui.quiz.header",
            lang,
            total=len(slots),
            mode=text(f"ui.quiz.mode.{chosen_mode}", lang),
            seed=seed_value,
        ),
        style="bold",
    )

    def ask(prompt: str) -> str:
        if interactive:
            return typed(ui.input(prompt))
        answer = read_answer(sys.stdin)
        ui.print(prompt + answer)  # as text: netlab's console parses no markup
        return answer

    try:
        outcome = view.run(
            session,
            store,
            ui,
            lang,
            ask,
            interactive=interactive,
            practice=chosen_mode == "practice",
            now=time.time,
        )
    except KeyboardInterrupt:
        from netlab.quiz.store import QUICK

        right, answered = session.score()
        unsaved = store.flush(QUICK)  # the learner wants out: no long wait now
        ui.print()
        key = "ui.quiz.interrupted"
        if store.readonly:
            key = "ui.quiz.interrupted_readonly"
        elif unsaved:
            key = "ui.quiz.interrupted_unsaved"
        ui.print(text(key, lang, right=right, answered=answered, unsaved=unsaved))
        store.close()
        raise
    unsaved = store.flush()  # answers a lock kept back: waited for like the opening
    problem = store.problem
    store.close()
    if outcome.ended == "time":
        ui.print(text("ui.quiz.time_up", lang), style="bold yellow")
    elif outcome.ended == "eof":
        ui.print(
            text("ui.quiz.input_ended", lang, answered=len(session.answered), total=session.total)
        )
    if chosen_mode == "exam" and session.answered:
        ui.print(view.review_view(session, lang))
        ui.print()
    ui.print(view.score_view(session, lang))
    if as_json:
        right, answered = session.score()
        doc = {
            "total": answered,
            "correct": right,
            "answers": [
                {
                    "id": a.shown.question.id,
                    "topic": a.shown.question.topic,
                    "given": a.graded.given,
                    "expected": a.shown.expected(),
                    "correct": a.correct,
                }
                for a in session.answered
            ],
        }
        output.print_json(json.dumps(doc, ensure_ascii=False, indent=2))
    if unsaved:  # the score stands; the progress does not have these answers: exit 1
        from netlab.quiz.store import StoreError

        assert problem is not None
        raise StoreError(Note("errors.unsaved", {"count": unsaved, "reason": problem.note}))


@app.command(help=h("quiz_validate"))
def validate(
    path: Annotated[str | None, typer.Argument(metavar="[PATH]", help=h("opt.path"))] = None,
    lang: Lang = None,
) -> None:
    lang = output.use_lang(values.lang(lang))
    bank, where = load_bank(path, strict=False, option="PATH")
    con = output.console()
    from netlab.printable import printable

    for problem in bank.problems:
        print(printable(problem, newlines=False))  # file:id: message, for editors and scripts
    if bank.more:
        print(text("ui.validate.more", lang, count=bank.more))
    if bank.problems:
        con.print(text("ui.validate.bad", lang, count=bank.problem_count))
        raise typer.Exit(2)
    con.print(
        text(
            "ui.validate.ok",
            lang,
            path=str(where),
            questions=Note("ui.validate.questions", {"count": len(bank.questions)}),
            files=Note("ui.validate.files", {"count": len(bank.files)}),
        ),
        soft_wrap=True,
    )


@app.command(help=h("quiz_stats"))
def stats(lang: Lang = None) -> None:
    lang = output.use_lang(values.lang(lang))
    from netlab.views.quiz import stats_view

    store = _store(write=False)
    output.console().print(stats_view(store, lang, time.time()))
    store.close()


@app.command(help=h("quiz_topics"))
def topics(bank: BankOpt = None, lang: Lang = None) -> None:
    lang = output.use_lang(values.lang(lang))
    from netlab.quiz import generate
    from netlab.views.quiz import topics_view

    the_bank, _ = load_bank(bank, strict=False)
    counts = {t: len(qs) for t, qs in the_bank.by_topic().items()}
    gens: dict[str, int] = {}
    for _gid, topic_id in generate.available():
        gens[topic_id] = gens.get(topic_id, 0) + 1
    output.console().print(topics_view(counts, gens, lang))


@app.command(help=h("quiz_reset"))
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help=h("opt.yes"))] = False,
    lang: Lang = None,
) -> None:
    lang = output.use_lang(values.lang(lang))
    store = _store()
    store.require_writable()  # before asking: a read-only file cannot be reset
    con = output.console()
    if not yes:
        try:
            reply = input(text("ui.reset.confirm", lang, path=store.path) + " ")
        except EOFError:  # no answer is the default answer: keep everything
            reply = ""
        if values.fold_word(reply) not in ("y", "yes", "是", "好"):
            con.print(text("ui.reset.kept", lang))
            store.close()
            return
    store.reset()
    store.close()
    con.print(text("ui.reset.done", lang, path=store.path), soft_wrap=True)


from netlab.cli import quiz_export  # noqa: E402, F401  (registers quiz export)
