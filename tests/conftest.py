"""Shared by every test: progress goes to a temporary folder, never the learner's real one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_netlab_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("netlab-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NETLAB_HOME", str(home))
        yield home
