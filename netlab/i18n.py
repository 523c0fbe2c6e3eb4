"""Every sentence a learner reads, in English and Chinese.

Owns ``Note`` (a catalogue key with parameters: what the core returns instead of text), the
catalogues ``netlab/locales/en/*.toml`` and ``zh/*.toml`` (one file per part of netlab, nested
tables flattened to dotted keys),
the choice of language (``--lang``, then ``NETLAB_LANG``, then ``LANG``, then English) and
``render``. Core code never builds user-facing sentences itself; it returns Notes.
Light on purpose: imported by ``netlab --help``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("en", "zh")


@dataclass(frozen=True)
class Note:
    """A sentence to be said in the learner's language: a catalogue key and its parameters.

    A parameter may itself be a Note (rendered first), e.g. a side's name.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def lang_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The default language: NETLAB_LANG, then LANG (``zh_CN.UTF-8`` -> zh), then English."""
    env = os.environ if environ is None else environ
    for var in ("NETLAB_LANG", "LANG"):
        value = env.get(var, "").strip().lower()
        if value:
            code = value.split("_")[0].split(".")[0].split("-")[0]
            if code in LANGS:
                return code
            if var == "NETLAB_LANG":
                continue
    return "en"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


def catalogue_files(lang: str) -> list[Any]:
    """The catalogue files of one language: every ``netlab/locales/LANG/*.toml``, by name."""
    folder = resources.files("netlab.locales").joinpath(lang)
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, by dotted key (the files of the language merged; a key
    defined twice is a mistake that ``tests/unit/test_i18n.py`` reports)."""
    merged: dict[str, str] = {}
    for file in catalogue_files(lang):
        merged.update(_flatten(tomllib.loads(file.read_text("utf-8"))))
    return merged


@cache
def help_catalogue(lang: str) -> dict[str, str]:
    """Only the help texts (``LANG/help.toml``): all ``--help`` needs, parsed in a millisecond
    where the whole catalogue takes ten."""
    folder = resources.files("netlab.locales").joinpath(lang)
    return _flatten(tomllib.loads(folder.joinpath("help.toml").read_text("utf-8")))


def help_text(key: str, lang: str) -> str:
    """The help text ``key`` (a ``help.`` key) in ``lang``, falling back to English."""
    found = help_catalogue(lang).get(key)
    return found if found is not None else help_catalogue("en").get(key, key)


#: The parameters that decide between a message's plural and its ``_one`` (singular) form.
PLURAL_COUNTS = ("count", "total")


def text(key: str, lang: str, **params: Any) -> str:
    """The message ``key`` in ``lang`` with its parameters filled in.

    A key missing from the catalogue falls back to English, then to the key itself, so a
    missing translation never crashes a command (a test makes sure none is missing). When a
    count (``count`` or ``total``) is 1 and the catalogue has ``KEY_one``, that singular form is
    used ("1 segment", not "1 segment(s)").
    """
    template = None
    if any(params.get(name) == 1 for name in PLURAL_COUNTS):
        template = catalogue(lang).get(f"{key}_one")  # the singular form, where one exists
    if template is None:
        template = catalogue(lang).get(key)
    if template is None:
        template = catalogue("en").get(key, key)
    values = {k: render(v, lang) if isinstance(v, Note) else v for k, v in params.items()}
    try:
        filled = template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template
    if lang == "zh" and " " in template:
        return _join_chinese(template, values, filled)
    return filled


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _join_chinese(template: str, values: dict[str, Any], filled: str) -> str:
    """``template`` filled again without the spaces that only separate Chinese from Chinese.

    A Chinese template puts a space between its text and a placeholder, as Chinese typography
    does around Latin words and numbers ("{ip} 的条目"); when the value is itself Chinese
    ("网关"), that space would read "网关 的条目". A space of the template next to a placeholder
    is dropped when the characters on both sides of it are Han; values are never changed."""
    import string

    parts: list[tuple[str, bool]] = []  # (text, is a value)
    try:
        for literal, field, spec, conversion in string.Formatter().parse(template):
            if literal:
                parts.append((literal, False))
            if field is not None:
                value = values[field]
                shown = repr(value) if conversion == "r" else format(value, spec or "")
                parts.append((shown, True))
    except (KeyError, IndexError, ValueError):
        return filled
    texts = [text for text, _ in parts]
    for n, (value, is_value) in enumerate(parts):
        if not is_value or not value:
            continue
        before = texts[n - 1] if n > 0 and not parts[n - 1][1] else ""
        if before.endswith(" ") and len(before) > 1 and _is_han(before[-2]) and _is_han(value[0]):
            texts[n - 1] = before[:-1]
        after = texts[n + 1] if n + 1 < len(parts) and not parts[n + 1][1] else ""
        if after.startswith(" ") and len(after) > 1 and _is_han(after[1]) and _is_han(value[-1]):
            texts[n + 1] = after[1:]
    return "".join(texts)


def render(note: Note, lang: str) -> str:
    return text(note.key, lang, **dict(note.params))
