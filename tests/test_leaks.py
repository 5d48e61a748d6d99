"""The guard in the `home` fixture finds a server left running in a test's home and kills it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.leaks import servers_of, stop_leaked_servers


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_server_left_in_the_home_is_found_and_killed(tmp_path: Path) -> None:
    sleeper = "import time; time.sleep(60)"
    env = {**os.environ, "TUIAPP_HOME": str(tmp_path)}
    left = subprocess.Popen([sys.executable, "-c", sleeper, "local", "serve"], env=env)
    other = subprocess.Popen(
        [sys.executable, "-c", sleeper, "local", "serve"],
        env={**env, "TUIAPP_HOME": str(tmp_path / "elsewhere")},
    )
    try:
        assert servers_of(tmp_path) == [left.pid]  # not the one of another home
        assert stop_leaked_servers(tmp_path, grace=0.5) == [left.pid]
        assert left.wait(timeout=5) == -9
        assert other.poll() is None
    finally:
        for process in (left, other):
            process.kill()
            process.wait()
