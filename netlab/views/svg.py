"""``--svg``: the rendered report exported as an SVG picture.

Owns recording a renderable on an off-screen rich console and saving its SVG export atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console, RenderableType

from netlab.errors import OutputError
from netlab.i18n import Note
from netlab.views.output import write_text_atomically


def to_svg(renderable: RenderableType, title: str, width: int = 100) -> str:
    console = Console(
        record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    console.print(renderable)
    return console.export_svg(title=title)


def write(renderable: RenderableType, path: Path, title: str, width: int = 100) -> None:
    try:
        write_text_atomically(path, to_svg(renderable, title, width))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(Note("errors.output", {"path": str(path), "reason": reason})) from exc
