"""The local server is started once: a slow or failing health answer starts no second server,
a refused connection starts one, a probe that fails once is retried, and two apps starting at
the same moment start one server between them (the lock file). The server started here is a
stand-in process (a tiny HTTP server that notes each start), so no model is loaded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import tuiapp.local
from tests.local_support import free_port
from tuiapp.paths import AppPaths
from tuiapp.providers import local_server
from tuiapp.providers.base import ProviderError

STAND_IN = """\
import os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, marker, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
with open(marker, "a") as out:  # one line per server started
    out.write(f"{os.getpid()}\\n")
time.sleep(delay)  # a real server takes a moment to listen


class Models(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"object": "list", "data": []}'
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Models).serve_forever()
"""

APP = """\
import asyncio, os, subprocess, sys

import tuiapp.local
from tuiapp.paths import app_paths
from tuiapp.providers import local_server

stand_in, marker, delay = sys.argv[1:4]
real = subprocess.Popen


def popen(args, **options):
    port = args[args.index("--port") + 1]
    return real([sys.executable, stand_in, port, marker, delay], **options)


subprocess.Popen = popen
tuiapp.local.missing_dependencies = lambda: []
print(asyncio.run(local_server.ensure_running(app_paths(), dict(os.environ))))
"""


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    """The file each started stand-in server writes its pid to; they are stopped after."""
    path = tmp_path / "started.txt"
    yield path
    for pid in path.read_text().split() if path.exists() else []:
        with suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGTERM)


def starts(marker: Path) -> int:
    """How many servers were started."""
    return len(marker.read_text().split()) if marker.exists() else 0


@pytest.fixture
def stand_in(tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tuiapp local serve` replaced by the stand-in server (in this process)."""
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    real = subprocess.Popen

    def popen(args: list[str], **options: Any) -> subprocess.Popen[bytes]:
        port = args[args.index("--port") + 1]
        return real([sys.executable, str(script), port, str(marker), "0.2"], **options)

    monkeypatch.setattr(local_server.subprocess, "Popen", popen)
    monkeypatch.setattr(tuiapp.local, "missing_dependencies", lambda: [])
    monkeypatch.setattr(local_server, "PROBE_BACKOFF", 0.05, raising=False)  # a quick test
    return script


@contextmanager
def answering_with(statuses: list[int], delay: float = 0.0) -> Iterator[str]:
    """A server on loopback whose `GET /v1/models` waits `delay` seconds and answers the
    statuses in turn (the last one from then on); yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_slow_health_answer_starts_no_second_server(
    home: AppPaths, stand_in: Path, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_server, "PROBE_TIMEOUT", 0.5, raising=False)  # the server takes 3 s
    with answering_with([200], delay=3.0) as url, pytest.raises(ProviderError) as info:
        await local_server.ensure_running(home, {"TUIAPP_LOCAL_URL": url})
    assert starts(marker) == 0
    assert "no answer within 0.5 s" in str(info.value)
    assert "not starting a second server" in str(info.value)


async def test_an_error_answer_is_reported_and_starts_nothing(
    home: AppPaths, stand_in: Path, marker: Path
) -> None:
    with answering_with([500]) as url, pytest.raises(ProviderError, match="answered HTTP 500"):
        await local_server.ensure_running(home, {"TUIAPP_LOCAL_URL": url})
    assert starts(marker) == 0


async def test_one_failed_probe_is_retried_not_answered_with_a_new_server(
    home: AppPaths, stand_in: Path, marker: Path
) -> None:
    with answering_with([503, 200]) as url:
        assert await local_server.ensure_running(home, {"TUIAPP_LOCAL_URL": url}) == url
    assert starts(marker) == 0


async def test_a_refused_connection_starts_one_server_then_reuses_it(
    home: AppPaths, stand_in: Path, marker: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    assert await local_server.ensure_running(home, {"TUIAPP_LOCAL_URL": url}) == url
    assert await local_server.answering(url, "local")
    assert await local_server.ensure_running(home, {"TUIAPP_LOCAL_URL": url}) == url
    assert starts(marker) == 1


def test_two_apps_starting_at_once_start_one_server(
    home: AppPaths, tmp_path: Path, marker: Path
) -> None:
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    app = tmp_path / "app.py"
    app.write_text(APP)
    url = f"http://127.0.0.1:{free_port()}/v1"
    env = {**os.environ, "TUIAPP_LOCAL_URL": url, "PYTHONPATH": str(Path.cwd())}
    # the stand-in listens 1.5 s after its start: both apps see nothing listening first
    command = [sys.executable, str(app), str(script), str(marker), "1.5"]
    apps = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outputs = [p.communicate(timeout=60)[0].strip() for p in apps]
    assert [p.returncode for p in apps] == [0, 0]
    assert outputs == [url, url]
    assert starts(marker) == 1
    assert asyncio.run(local_server.answering(url, "local"))


async def test_a_backend_on_another_machine_is_never_started_here(home: AppPaths) -> None:
    url = "http://gpu-box.invalid:8765/v1"
    with pytest.raises(ProviderError, match="nothing answers at http://gpu-box.invalid") as err:
        await local_server.ensure_running(home, {"TUIAPP_LOCAL_URL": url})
    assert "ssh -L" in err.value.hint
    assert not (home.data_dir / "local-server.pid").exists()


async def test_autostart_off_for_a_tunnel_port(home: AppPaths) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    env = {"TUIAPP_LOCAL_URL": url, "TUIAPP_LOCAL_AUTOSTART": "0"}
    with pytest.raises(ProviderError, match="nothing answers"):
        await local_server.ensure_running(home, env)
    assert not (home.data_dir / "local-server.pid").exists()
