"""Everything that draws or exports: Traces, the quiz, the notes.

Importing the package teaches rich to break Chinese lines between characters
(``netlab.views.cjk``), so every view wraps Chinese text evenly.
"""

from netlab.views import cjk as _cjk  # noqa: F401  (installs CJK line breaking)
