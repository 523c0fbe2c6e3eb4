"""``--svg``: the rendered report exported as an SVG picture.

Owns recording a renderable on an off-screen rich console and saving its SVG export (through
``views.output.write_text``: a file replaced atomically, a FIFO or standard output written
through).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from rich.console import Console, RenderableType

from netlab.views.output import write_text


def to_svg(renderable: RenderableType, title: str, width: int = 100) -> str:
    console = Console(
        record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    console.print(renderable)
    return console.export_svg(title=title)


def write(
    renderable: RenderableType,
    path: Path,
    title: str,
    width: int = 100,
    waiting: Callable[[float], None] | None = None,
) -> None:
    write_text(path, to_svg(renderable, title, width), waiting)
