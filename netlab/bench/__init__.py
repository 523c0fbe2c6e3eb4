"""``netlab bench io``: the I/O models of the notes measured side by side on 127.0.0.1.

The package holds the workload and its limits (``workload``), the six echo servers that run in
child processes (``servers``), the load generator that runs in another (``load``), the parent's
handling of those processes and of their CPU and memory figures (``children``), the run of every
model in turn (``runner``) and the pure arithmetic on the figures (``stats``). Nothing here prints
for a learner or imports rich; ``netlab.views.bench`` draws. Importing the package imports
nothing: ``netlab --help`` stays light, and gevent is only ever imported by its own server child.
"""
