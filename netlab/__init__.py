"""netlab: a terminal lab for the networking fundamentals every socket programmer is taught.

This package root only carries the version; it must stay import-free so that
``netlab --help`` starts fast.
"""

__version__ = "0.1.0"
