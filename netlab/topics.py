"""The topics netlab teaches: ids, titles in both languages, search keywords, try-it commands.

Owns reading ``data/topics.toml`` into ``Topic`` records, finding topics by id (with close
matches for a typo) and by search word. Notes and quiz both key on these ids.
"""

from __future__ import annotations

import difflib
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache

from netlab.datafiles import data_dir


@dataclass(frozen=True)
class Topic:
    id: str
    title: dict[str, str]
    keywords: tuple[str, ...]
    try_commands: tuple[str, ...]

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]


@cache
def topics() -> dict[str, Topic]:
    """All topics by id, in teaching order."""
    with open(data_dir() / "topics.toml", "rb") as handle:
        raw = tomllib.load(handle)
    out = {}
    for entry in raw["topic"]:
        out[entry["id"]] = Topic(
            id=entry["id"],
            title=dict(entry["title"]),
            keywords=tuple(entry.get("keywords", ())),
            try_commands=tuple(entry.get("try", ())),
        )
    return out


def fold(text: str) -> str:
    """Case-, width- and space-insensitive form of a text, for matching what people type."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def close_matches(name: str, limit: int = 3) -> list[str]:
    return difflib.get_close_matches(fold(name), list(topics()), n=limit, cutoff=0.5)


def search(word: str) -> list[Topic]:
    """Topics whose id, title (either language) or keywords contain ``word``."""
    needle = fold(word)
    found = []
    for topic in topics().values():
        haystack = [topic.id, *topic.title.values(), *topic.keywords]
        if any(needle in fold(item) for item in haystack):
            found.append(topic)
    return found
