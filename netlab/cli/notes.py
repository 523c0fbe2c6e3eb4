"""``netlab notes [TOPIC] [--search WORD]``: parse, find the topic, hand over to the view.

Owns the checking of the topic name (an unknown one is an error listing the close matches)
and of the search word. Light: rich's Markdown is imported only to draw a note.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netlab.cli import output, values
from netlab.cli.output import h
from netlab.errors import UsageError
from netlab.i18n import Note, text


def notes(
    topic: Annotated[
        str | None, typer.Argument(metavar="[TOPIC]", help=h("opt.note_topic"))
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", metavar="WORD", help=h("opt.search"))
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", metavar="en|zh", help=h("opt.lang"))] = None,
) -> None:
    lang = output.use_lang(values.lang(lang))
    from netlab.topics import fold, topics
    from netlab.views import notes as view

    con = output.console()
    if topic is not None and search is not None:
        raise values.combo("TOPIC", "--search")
    if search is not None:
        if not search.strip():
            raise UsageError(Note("errors.empty_search"))
        found = view.search_notes(search)
        if not found:
            con.print(text("ui.notes.none_found", lang, word=search))
            return
        con.print(view.topic_list(found, lang, "ui.notes.found"))
        return
    if topic is None:
        con.print(view.topic_list(list(topics().values()), lang))
        return
    name = fold(topic)
    if name not in topics():
        from netlab.cli.quiz import unknown_topic

        raise unknown_topic(topic)
    con.print(view.note_view(name, lang))
