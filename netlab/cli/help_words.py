"""click's own words in the help, in the learner's language, wrapped in terminal cells.

typer's copy of click writes ``Usage:``, ``Options:``, ``Commands:``, ``Show this message and
exit.``, ``[default: …]`` and ``[required]`` in English, and wraps text counting characters, so
a Chinese help line comes out twice as wide as the terminal. Owns ``HelpFormatter`` — the
formatter every help page is written with (``install`` makes it click's) — which puts those
words in the language of the run (``help.click`` keys) and wraps with ``netlab.linebreak`` (in
cells, never inside a term, a command or ``[默认：…]``). Import-light: no rich.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from typer._click import core as click_core
from typer._click import formatting

from netlab import linebreak
from netlab.cli import output

#: click's English words, as typer writes them -> their key under ``help.click``
WORDS = {
    "Usage": "usage",
    "Options": "options",
    "Commands": "commands",
    "Arguments": "arguments",
    "Show this message and exit.": "help_option",
}
_DEFAULT = re.compile(r"\[default: (.*?)\]$")
_REQUIRED = re.compile(r"\[required\]$")


def word(english: str) -> str:
    """One of click's words (``WORDS``) in the language of this run."""
    return output.h(f"click.{WORDS[english]}")


def _localise(help_text: str) -> tuple[str, str]:
    """An option's help line split into its text and click's ``[default: x]`` / ``[required]``
    label, the label in the language of the run (kept whole when the text is wrapped)."""
    if help_text == "Show this message and exit.":
        return word(help_text), ""
    for pattern, key in ((_DEFAULT, "click.default"), (_REQUIRED, "click.required")):
        found = pattern.search(help_text)
        if found:
            value = found.group(1) if found.groups() else ""
            return help_text[: found.start()].rstrip(), output.h(key).format(value=value)
    return help_text, ""


def _wrap(text: str, label: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` cells, then ``label`` after it on the last line if it fits
    there (after one space, or none before a full-width parenthesis), else on a line of its
    own."""
    lines = linebreak.wrap(text, width) if text else []
    if not label:
        return lines
    joint = "" if label.startswith("（") else " "
    if lines and linebreak.cells(lines[-1] + joint + label) <= width:
        lines[-1] += joint + label
    else:
        lines.append(label)
    return lines


class HelpFormatter(formatting.HelpFormatter):
    """click's formatter, speaking the run's language and measuring in cells."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            label = word("Usage")
            prefix = label if label.endswith("：") else label + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        label = word(heading) if heading in WORDS else heading + ":"
        self.write(f"{'':>{self.current_indent}}{label}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        for n, paragraph in enumerate(paragraphs):
            if n:
                self.write("\n")
            for line in linebreak.wrap(paragraph, width):
                self.write(f"{indent}{line}\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2):
        first = min(max((linebreak.cells(term) for term, _ in rows), default=0), col_max)
        first += col_spacing
        indent = " " * self.current_indent
        text_width = max(self.width - first - self.current_indent, 10)
        for term, text in rows:
            self.write(f"{indent}{term}")
            lines = _wrap(*_localise(text), text_width)
            if not lines:
                self.write("\n")
                continue
            if linebreak.cells(term) <= first - col_spacing:
                self.write(" " * (first - linebreak.cells(term)))
            else:  # a long term: its text starts on the next line
                self.write("\n" + indent + " " * first)
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * first}{line}\n")


def install() -> None:
    """Make every help page of this process use ``HelpFormatter`` (idempotent)."""
    click_core.Context.formatter_class = HelpFormatter
