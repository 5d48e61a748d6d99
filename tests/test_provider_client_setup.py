"""Clients are built from the connection the registry hands an adapter: the base URL comes from
the variable the adapter declares, in the environment it was given (not the process's)."""

from __future__ import annotations

import importlib.util

import httpx
import pytest

from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import Connection, find
from tuiapp.providers.base import Timeouts


def recording() -> tuple[httpx.MockTransport, list[str]]:
    """A transport that answers an empty model list and notes each URL asked."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, json={"object": "list", "data": [], "models": []})

    return httpx.MockTransport(answer), asked


@pytest.mark.skipif(importlib.util.find_spec("together") is None, reason="needs together")
async def test_together_asks_the_base_url_of_its_connection(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOGETHER_BASE_URL", raising=False)
    transport, asked = recording()
    env = {"TOGETHER_API_KEY": "tg-key-0123456789", "TOGETHER_BASE_URL": "http://tg.test/"}
    found = find("together")
    assert found is not None
    provider = await found.connect(
        Connection(env["TOGETHER_API_KEY"], env, home, Timeouts(), transport)
    )
    assert await provider.models() == []
    await provider.close()
    assert asked and all(url.startswith("http://tg.test/") for url in asked), asked


async def test_fireworks_asks_the_base_url_of_its_connection(home: AppPaths) -> None:
    transport, asked = recording()
    env = {"FIREWORKS_ACCOUNT_ID": "acct", "FIREWORKS_BASE_URL": "http://fw.test/"}
    found = find("fireworks")
    assert found is not None
    provider = await found.connect(
        Connection("fw-key-0123456789", env, home, Timeouts(), transport)
    )
    assert await provider.models() == []
    await provider.close()
    assert asked == ["http://fw.test/v1/accounts/acct/models?pageSize=200"]
