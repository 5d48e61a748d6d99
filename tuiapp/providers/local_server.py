"""Start the local backend as a process of its own (so its jobs outlive the TUI), unless one
is already answering on the configured loopback port."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping

import httpx

from tuiapp.paths import AppPaths
from tuiapp.providers.base import ProviderError

DEFAULT_PORT = 8765
START_TIMEOUT = 60.0


def local_url(env: Mapping[str, str]) -> str:
    """The local backend's base URL (`TUIAPP_LOCAL_URL`, else loopback on the default port)."""
    return env.get("TUIAPP_LOCAL_URL") or f"http://127.0.0.1:{DEFAULT_PORT}/v1"


async def answering(base_url: str, key: str) -> bool:
    """True when a backend answers `GET /models` at base_url."""
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(
                f"{base_url}/models", headers={"Authorization": f"Bearer {key}"}
            )
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def ensure_running(paths: AppPaths, env: Mapping[str, str]) -> str:
    """The base URL of a running local backend, starting one when none answers."""
    base_url = local_url(env)
    key = env.get("TUIAPP_LOCAL_API_KEY") or "local"
    if await answering(base_url, key):
        return base_url
    from tuiapp.local import INSTALL_HINT, missing_dependencies

    missing = missing_dependencies()
    if missing:
        raise ProviderError(
            f"local: the backend needs {', '.join(missing)}", f"install it: {INSTALL_HINT}"
        )
    port = base_url.rsplit(":", 1)[-1].split("/")[0]
    log = paths.ensure().data_dir / "local-server.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(  # its own session: it keeps training when the TUI exits
            [sys.executable, "-m", "tuiapp", "local", "serve", "--port", port],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **env},
        )
    (paths.data_dir / "local-server.pid").write_text(str(process.pid))
    waited = 0.0
    while waited < START_TIMEOUT:
        if await answering(base_url, key):
            return base_url
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-600:]
            raise ProviderError("local: the backend stopped while starting", f"log {log}: {tail}")
        await asyncio.sleep(0.25)
        waited += 0.25
    raise ProviderError("local: the backend did not answer in time", f"see {log}")
