"""Start the local backend as a process of its own (so its jobs outlive the TUI), once: only
when nothing listens on its loopback port, and only by one app at a time.

The health probe retries with backoff and tells "nothing listening" (connection refused: start
one) from "something answers slowly or with an error" (report it: starting a second server on
a port that is served would only fail, or worse, shadow the first). A lock file in the data dir
makes two apps that start at the same moment start one server: the second waits, then finds
the first one's server answering."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from tuiapp.paths import AppPaths
from tuiapp.providers.base import ProviderError

DEFAULT_PORT = 8765
START_TIMEOUT = 60.0  # seconds a new server may take to answer
PROBE_TIMEOUT = 2.0  # seconds one health probe waits for an answer
PROBE_TRIES = 3
PROBE_BACKOFF = 0.25  # seconds before the second probe, doubled before each next one
LOCK_NAME = "local-server.lock"


@dataclass(frozen=True)
class Health:
    """What a health probe found: `ok`, `nothing` (no one listens) or `unhealthy` (something
    listens but answers slowly or with an error), and what exactly."""

    state: str
    detail: str = ""
    status: int | None = None  # the HTTP status it answered with, if any


def local_url(env: Mapping[str, str]) -> str:
    """The local backend's base URL (`TUIAPP_LOCAL_URL`, else loopback on the default port)."""
    return env.get("TUIAPP_LOCAL_URL") or f"http://127.0.0.1:{DEFAULT_PORT}/v1"


async def probe(base_url: str, key: str, timeout: float | None = None) -> Health:
    """One `GET /models` at base_url."""
    timeout = PROBE_TIMEOUT if timeout is None else timeout
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(
                f"{base_url}/models", headers={"Authorization": f"Bearer {key}"}
            )
    except httpx.ConnectError:
        return Health("nothing", "connection refused")
    except httpx.TimeoutException:
        return Health("unhealthy", f"no answer within {timeout:g} s")
    except httpx.HTTPError as err:
        return Health("unhealthy", f"{type(err).__name__}: {err}")
    if response.status_code == 200:
        return Health("ok")
    return Health("unhealthy", f"it answered HTTP {response.status_code}", response.status_code)


async def check(base_url: str, key: str, tries: int | None = None) -> Health:
    """Probe up to `tries` times with backoff: `ok` as soon as one probe is, `unhealthy` when
    anything answered badly, `nothing` only when every probe was refused."""
    tries = PROBE_TRIES if tries is None else tries
    found: list[Health] = []
    for attempt in range(tries):
        health = await probe(base_url, key)
        if health.state == "ok":
            return health
        found.append(health)
        if attempt + 1 < tries:
            await asyncio.sleep(PROBE_BACKOFF * 2**attempt)
    bad = [h for h in found if h.state == "unhealthy"]
    return bad[-1] if bad else found[-1]


async def answering(base_url: str, key: str) -> bool:
    """True when a backend answers `GET /models` at base_url (one probe)."""
    return (await probe(base_url, key)).state == "ok"


def _try_lock(handle: IO[str]) -> bool:
    """Take the exclusive lock on an open file without waiting; False when another holds it
    (the lock goes with the process: a killed app leaves no stale lock)."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.asynccontextmanager
async def start_lock(path: Path, wait: float) -> AsyncIterator[None]:
    """Hold the start lock for the block (waiting up to `wait` seconds for another app)."""
    handle = open(path, "a+")  # noqa: SIM115 (kept open: the lock lives as long as the file)
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise ProviderError(
                    "local: another tuiapp is starting the backend and has not finished",
                    f"wait and retry; the lock is {path}",
                )
            await asyncio.sleep(0.1)
        yield
    finally:
        handle.close()  # closing releases the lock


def _unhealthy(base_url: str, health: Health) -> ProviderError:
    """The error for a port that is served, but not well (or by a backend with another key)."""
    if health.status == 401:
        return ProviderError(
            f"local: 401 the backend at {base_url} refused the API key",
            "the API key was refused: set TUIAPP_LOCAL_API_KEY to the key its server was "
            "started with (tuiapp local serve --key)",
            status=401,
        )
    return ProviderError(
        f"local: something listens at {base_url} but {health.detail}; "
        "not starting a second server on that port",
        "if it is the backend, it may be busy: wait and retry (see local-server.log in the data "
        "folder); otherwise stop what holds the port, or set TUIAPP_LOCAL_URL",
    )


def _may_start(base_url: str, env: Mapping[str, str]) -> bool:
    """Whether the app may start a backend for this URL: only on this machine's loopback (a
    backend elsewhere is that machine's to start), and not when told not to (a tunnel's port)."""
    host = urlsplit(base_url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") and env.get("TUIAPP_LOCAL_AUTOSTART") != "0"


async def ensure_running(paths: AppPaths, env: Mapping[str, str]) -> str:
    """The base URL of a running local backend, starting one only when nothing listens."""
    base_url = local_url(env)
    key = env.get("TUIAPP_LOCAL_API_KEY") or "local"
    health = await check(base_url, key)
    if health.state == "ok":
        return base_url
    if health.state == "unhealthy":
        raise _unhealthy(base_url, health)
    if not _may_start(base_url, env):
        raise ProviderError(
            f"local: nothing answers at {base_url} (TUIAPP_LOCAL_URL)",
            "start `tuiapp local serve` on that machine, or check the ssh tunnel "
            "(ssh -L 8765:127.0.0.1:8765 HOST); the app starts a backend itself only on this "
            "machine's loopback, unless TUIAPP_LOCAL_AUTOSTART=0",
        )
    data_dir = paths.ensure().data_dir
    async with start_lock(data_dir / LOCK_NAME, START_TIMEOUT + 5):
        health = await check(base_url, key, tries=1)  # another app may have started it
        if health.state == "ok":
            return base_url
        if health.state == "unhealthy":
            raise _unhealthy(base_url, health)
        return await _start(base_url, key, data_dir, env)


async def _start(base_url: str, key: str, data_dir: Path, env: Mapping[str, str]) -> str:
    """Start `tuiapp local serve` and wait until it answers."""
    from tuiapp.local import INSTALL_HINT, missing_dependencies

    missing = missing_dependencies()
    if missing:
        raise ProviderError(
            f"local: the backend needs {', '.join(missing)}", f"install it: {INSTALL_HINT}"
        )
    port = base_url.rsplit(":", 1)[-1].split("/")[0]
    log = data_dir / "local-server.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(  # its own session: it keeps training when the TUI exits
            [sys.executable, "-m", "tuiapp", "local", "serve", "--port", port],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **env},
        )
    (data_dir / "local-server.pid").write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if await answering(base_url, key):
            return base_url
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-600:]
            raise ProviderError("local: the backend stopped while starting", f"log {log}: {tail}")
        await asyncio.sleep(0.25)
    raise ProviderError("local: the backend did not answer in time", f"see {log}")
