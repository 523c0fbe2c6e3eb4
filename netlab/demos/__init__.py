"""Live demos on real sockets (127.0.0.1 unless the user names another host).

Each demo module moves bytes between sockets and the pure parts of netlab (``netlab.framing``);
each is also runnable as ``python -m netlab.demos.NAME``.
"""
