"""``--html``: one self-contained page per trace (styles, script and data inline).

Owns assembling the page: ``page/page.html`` with ``page/page.css`` and ``page/page.js`` put in
at their markers (``/*NETLAB_CSS*/``, ``/*NETLAB_JS*/``), the document of
``netlab.views.html_data`` put in at ``__NETLAB_DATA__`` (inside a ``<script
type="application/json">`` block) as JSON that can never end that block (``<``, ``>``, ``&``,
U+2028 and U+2029 written as ``\\uXXXX`` escapes), the page's ``lang`` and ``<title>``
(HTML-escaped), and writing the file (``views.output.write_text``: replaced atomically, a FIFO
or standard output written through). The page itself (drawing, playback) is the script's.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from netlab.views.output import write_text

MARKERS = ("/*NETLAB_CSS*/", "/*NETLAB_JS*/", "__NETLAB_DATA__")
#: JSON's own escapes for what could end a script block or start a comment in it
_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def asset(name: str) -> str:
    """One file of the page (``page.html``, ``page.css``, ``page.js``), shipped with netlab."""
    return resources.files("netlab.views").joinpath("page", name).read_text("utf-8")


def embedded_json(doc: Any) -> str:
    """``doc`` as compact JSON safe inside ``<script type="application/json">``: no ``<``,
    ``>`` or ``&`` (so no ``</script>``, ``<!--``), no U+2028/U+2029; ``JSON.parse`` reads
    the same values back."""
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _UNSAFE[m.group()], data)


def assemble(doc: dict[str, Any], title: str) -> str:
    """The page: the template with its styles, script, data, language and title."""
    template = asset("page.html")
    css, script = asset("page.css"), asset("page.js")
    for name, body, closing in (("page.css", css, "</style"), ("page.js", script, "</script")):
        if closing in body.lower():  # would end its own block early
            raise ValueError(f"{name} contains {closing}")
    lang = html.escape(str(doc.get("lang", "en")), quote=True)
    template = re.sub(r"<html\b[^>]*>", f'<html lang="{lang}">', template, count=1)
    template = re.sub(
        r"<title>.*?</title>",
        lambda _: f"<title>{html.escape(title, quote=False)}</title>",
        template,
        count=1,
        flags=re.S,
    )
    parts = dict(zip(MARKERS, (css, script, embedded_json(doc)), strict=True))
    missing = [m for m in MARKERS if m not in template]
    if missing:
        raise ValueError(f"page.html lacks {', '.join(missing)}")
    # one pass over the template: nothing put in is searched for markers again
    return re.sub("|".join(re.escape(m) for m in MARKERS), lambda m: parts[m.group()], template)


def page(
    trace: Any,
    lang: str,
    command: str,
    step_command: str | None = None,
    json_doc: dict[str, Any] | None = None,
    frames: bool = True,
    title: str | None = None,
) -> str:
    """The whole page for ``trace`` (arguments as ``html_data.document``; ``title``: the
    page's title, by default the trace's)."""
    from netlab.i18n import render
    from netlab.views.html_data import document

    doc = document(trace, lang, command, step_command, json_doc, frames)
    return assemble(doc, render(trace.title, lang) if title is None else title)


def write(path: Path, content: str, waiting: Callable[[float], None] | None = None) -> None:
    """Write a page made by ``page`` (UTF-8; ``STDOUT``: standard output)."""
    write_text(path, content, waiting)
