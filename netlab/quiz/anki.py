"""An exam sheet as an Anki package (``.apkg``): one deck "netlab", one note per question.

Owns the note type (stable ids, so a re-export updates the notes a learner already has) and
the fields: Question, Choices, Answer, Explanation, See in the sheet's language (English with
``both``), and QuestionZh, ChoicesZh, AnswerZh, ExplanationZh holding the Chinese beside it
with ``both`` (empty otherwise). A field is HTML in Anki: every text from a bank is
``html.escape``d, only netlab's own tags (line breaks, the kind's hint in italics) are markup.
A note's GUID is ``genanki.guid_for`` of ``netlab.quiz.export.identity``. Imports genanki, so
only the export command imports this module. Writes only the path it is given.
"""

from __future__ import annotations

import html
import itertools
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

import genanki

from netlab.printable import printable
from netlab.quiz.export import Sheet, identity, kind_words, said
from netlab.quiz.model import LETTERS, Shown

#: Stable ids: Anki recognises the deck and note type of an earlier import by them.
DECK_ID = 1_860_437_291
MODEL_ID = 1_524_906_378
DECK_NAME = "netlab"

FIELDS = (
    "Question",
    "Choices",
    "Answer",
    "Explanation",
    "See",
    "QuestionZh",
    "ChoicesZh",
    "AnswerZh",
    "ExplanationZh",
)

FRONT = (
    "{{Question}}<br><br>{{Choices}}"
    "{{#QuestionZh}}<hr>{{QuestionZh}}<br><br>{{ChoicesZh}}{{/QuestionZh}}"
)
BACK = (
    '{{FrontSide}}<hr id="answer"><b>{{Answer}}</b><br>{{Explanation}}'
    "{{#AnswerZh}}<hr><b>{{AnswerZh}}</b><br>{{ExplanationZh}}{{/AnswerZh}}"
    "<br><br><code>{{See}}</code>"
)

MODEL = genanki.Model(
    MODEL_ID,
    "netlab quiz",
    fields=[{"name": name} for name in FIELDS],
    templates=[{"name": "Card 1", "qfmt": FRONT, "afmt": BACK}],
)


def escaped(value: str) -> str:
    """Outside text as HTML that shows it as typed: controls escaped, then ``html.escape``,
    line breaks as ``<br>``."""
    return html.escape(printable(value)).replace("\n", "<br>")


def _fields(shown: Shown, lang: str) -> list[str]:
    q = shown.question
    question = escaped(q.text("prompt", lang))
    hint = kind_words(q, lang)
    if hint:
        question += f"<br><i>{escaped(hint)}</i>"
    choices = "<br>".join(
        f"{letter}. {escaped(choice)}"
        for letter, choice in zip(LETTERS, shown.choice_texts(lang), strict=False)
    )
    answer = escaped(said(shown, lang))
    if q.kind in ("single", "multiple"):  # the letters, and the right choices' texts below
        texts = shown.choice_texts(lang)
        answer += "".join(
            f"<br>{letter}. {escaped(texts[LETTERS.index(letter)])}" for letter in shown.expected()
        )
    return [question, choices, answer, escaped(q.text("explanation", lang))]


def note(shown: Shown, lang: str) -> genanki.Note:
    """The note of one question; ``lang`` is en, zh or both."""
    q = shown.question
    first = "en" if lang == "both" else lang
    second = _fields(shown, "zh") if lang == "both" else ["", "", "", ""]
    first_fields = _fields(shown, first)
    fields = [*first_fields, escaped(q.see), *second]
    tags = [q.topic, "netlab"] + (["generated"] if q.generator is not None else [])
    return genanki.Note(
        model=MODEL,
        fields=fields,
        guid=genanki.guid_for(*identity(q)),
        tags=[tag.replace(" ", "_") for tag in tags],
    )


def write(path: Path, sheet: Sheet, lang: str, timestamp: float | None = None) -> None:
    """Write the package to ``path``: the collection (SQLite, Anki's schema, by genanki) made
    in a private temporary folder, then zipped into ``path``."""
    deck = genanki.Deck(DECK_ID, DECK_NAME)
    for shown in sheet.questions:
        deck.add_note(note(shown, lang))
    package = genanki.Package(deck)
    stamp = time.time() if timestamp is None else timestamp
    with tempfile.TemporaryDirectory(prefix="netlab-anki-") as folder:
        collection = Path(folder) / "collection.anki2"
        conn = sqlite3.connect(collection)
        try:
            package.write_to_db(conn.cursor(), stamp, itertools.count(int(stamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        with zipfile.ZipFile(path, "w") as out:
            out.write(collection, "collection.anki2")
            out.writestr("media", "{}")
