"""``netlab notes``: the topic list and one topic's note with its try-it commands.

Owns reading a note's Markdown (``data/notes/TOPIC.LANG.md``) and drawing it with rich, then the
"try it" list built from ``data/topics.toml`` plus the topic's quiz command.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from netlab.datafiles import data_dir
from netlab.i18n import text
from netlab.topics import Topic, topics


def note_path(topic_id: str, lang: str) -> Path:
    return data_dir() / "notes" / f"{topic_id}.{lang}.md"


def note_text(topic_id: str, lang: str) -> str:
    path = note_path(topic_id, lang)
    if not path.exists():
        path = note_path(topic_id, "en")
    return path.read_text(encoding="utf-8")


def try_commands(topic: Topic) -> list[str]:
    return [*topic.try_commands, f"netlab quiz --topic {topic.id}"]


def topic_list(found: list[Topic], lang: str, title_key: str = "ui.notes.title") -> Group:
    table = Table(box=None, header_style="bold underline", pad_edge=False, padding=(0, 1))
    table.add_column(text("ui.topics.id", lang), no_wrap=True, style="cyan")
    table.add_column(text("ui.topics.title", lang))
    for topic in found:
        table.add_row(topic.id, topic.title_in(lang))
    return Group(
        Text(text(title_key, lang), style="bold"),
        table,
        Text(""),
        Text(text("ui.notes.hint", lang), style="dim"),
    )


def note_view(topic_id: str, lang: str) -> Group:
    topic = topics()[topic_id]
    items = Text()
    for command in try_commands(topic):
        items.append("  $ ", style="dim")
        items.append(command + "\n", style="bold cyan")
    return Group(
        Markdown(note_text(topic_id, lang)),
        Text(""),
        Text(text("ui.notes.try", lang), style="bold"),
        items,
    )


def search_notes(word: str) -> list[Topic]:
    """Topics whose id, titles, keywords or note text (either language) contain ``word``."""
    from netlab.topics import fold, search

    found = {t.id: t for t in search(word)}
    needle = fold(word)
    for topic in topics().values():
        if topic.id in found:
            continue
        for lang in ("en", "zh"):
            path = note_path(topic.id, lang)
            if path.exists() and needle in fold(path.read_text(encoding="utf-8")):
                found[topic.id] = topic
                break
    order = list(topics())
    return sorted(found.values(), key=lambda t: order.index(t.id))
