"""Shared by every test: progress goes to a temporary folder, never the learner's real one, and
the child processes the tests start take Ctrl-C (SIGINT) as a learner's terminal would give it.
"""

from __future__ import annotations

import signal

import pytest

# pytest started in the background by a script inherits SIGINT *ignored*, and so would every
# child it starts: the Ctrl-C tests would send a signal nobody hears. A Python-level handler here
# is reset to the default in each child at exec, so the children hear Ctrl-C again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True, scope="session")
def _private_netlab_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("netlab-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NETLAB_HOME", str(home))
        yield home
