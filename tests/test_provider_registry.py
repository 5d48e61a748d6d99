"""The provider registry: adapters register themselves, a third-party package adds one through
the `tuiapp.providers` entry points, and every list, default and error text comes from it."""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuiapp.paths import AppPaths
from tuiapp.providers import adapter as registry_module
from tuiapp.providers import registry
from tuiapp.providers.adapter import Adapter, Connection, names
from tuiapp.providers.base import Capabilities, ProviderError
from tuiapp.redact import redact


class AcmeProvider:
    """A third-party provider, just enough to be connected and closed."""

    name = "acme"
    capabilities = Capabilities(methods=("supervised", "dpo"), checkpoints=False)

    def __init__(self, key: str | None) -> None:
        self.key = key

    async def close(self) -> None:
        """Nothing to release."""


async def connect_acme(link: Connection) -> AcmeProvider:
    """The fake plug-in's connect function."""
    return AcmeProvider(link.key)


ACME = Adapter(
    "acme",
    "Acme Tuning Cloud",
    connect_acme,  # type: ignore[arg-type]
    default_base="acme-small-1",
    extra="acme",
    key_env="ACME_API_KEY",
    env=("ACME_BASE_URL",),
    capabilities=AcmeProvider.capabilities,
)


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys only from the environment given (not this machine's keyring)."""
    monkeypatch.setattr(registry, "keyring_key", lambda name: None)


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A package installed with an entry point naming ACME (and one whose import fails)."""
    names()  # the built-ins, registered
    points = [
        importlib.metadata.EntryPoint(
            "acme", "tests.test_provider_registry:ACME", registry_module.ENTRY_POINT_GROUP
        ),
        importlib.metadata.EntryPoint(
            "broken", "tests.no_such_module:ADAPTER", registry_module.ENTRY_POINT_GROUP
        ),
    ]

    def entry_points(**query: str) -> list[importlib.metadata.EntryPoint]:
        return [p for p in points if p.group == query.get("group")]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    monkeypatch.setattr(registry_module, "_ADAPTERS", dict(registry_module._ADAPTERS))
    monkeypatch.setattr(registry_module, "_problems", [])
    monkeypatch.setattr(registry_module, "_discovered", False)
    yield


def test_the_built_in_adapters_register_themselves_local_first() -> None:
    assert names() == ["local", "openai", "azure", "together", "mistral", "fireworks"]
    assert registry.default_base("local") == "SmolLM2-135M-Instruct"
    assert registry.default_base("openai") == "gpt-4.1-mini-2025-04-14"


async def test_a_plug_in_found_through_an_entry_point_is_a_provider_like_any(
    plugin: None, home: AppPaths
) -> None:
    assert names()[-1] == "acme" and "together" in names()
    assert registry.default_base("acme") == "acme-small-1"
    assert [p for p in registry_module.problems() if "'broken'" in p]  # said, not fatal
    env = {"ACME_API_KEY": "acme-secret-0123456789"}
    assert [a.name for a in registry.available(env)] == ["local", "acme"]
    provider = await registry.connect("acme", home, env)
    assert isinstance(provider, AcmeProvider) and provider.key == env["ACME_API_KEY"]
    assert "acme-secret" not in redact("failed with acme-secret-0123456789", env)
    with pytest.raises(ProviderError) as info:
        await registry.connect("nope", home, env)
    assert "acme" in info.value.hint and "mistral" in info.value.hint


async def test_connect_says_which_key_variable_or_extra_is_missing(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ProviderError, match="unknown provider 'nope'") as info:
        await registry.connect("nope", home, {})
    assert info.value.hint == "use one of: local, openai, azure, together, mistral, fireworks"
    for name, variable in [("openai", "OPENAI_API_KEY"), ("mistral", "MISTRAL_API_KEY")]:
        with pytest.raises(ProviderError, match="no API key") as info:
            await registry.connect(name, home, {})
        assert variable in info.value.hint
    with pytest.raises(ProviderError, match="AZURE_OPENAI_ENDPOINT is not set"):
        await registry.connect("azure", home, {"AZURE_OPENAI_API_KEY": "k"})
    with pytest.raises(ProviderError, match="FIREWORKS_ACCOUNT_ID is not set"):
        await registry.connect("fireworks", home, {"FIREWORKS_API_KEY": "k"})
    monkeypatch.setitem(sys.modules, "together", None)  # as if the extra were not installed
    with pytest.raises(ProviderError, match="together: the SDK is not installed") as info:
        await registry.connect("together", home, {"TOGETHER_API_KEY": "k"})
    assert info.value.hint == "pip install 'tuiapp[together]'"


def test_only_providers_with_their_key_and_variables_are_available() -> None:
    assert [a.name for a in registry.available({})] == ["local"]
    env = {"TOGETHER_API_KEY": "k", "AZURE_OPENAI_API_KEY": "k"}  # azure lacks its endpoint
    assert [a.name for a in registry.available(env)] == ["local", "together"]
    assert registry.default_provider(env) == "together"
    assert registry.default_provider(env, chosen="local") == "local"


def test_every_adapter_key_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"MISTRAL_API_KEY": "mistral-0123456789", "TUIAPP_LOCAL_API_KEY": "local-0123456789"}
    assert redact("mistral-0123456789 local-0123456789", env) == "<redacted> <redacted>"


def test_train_takes_the_providers_default_base_model(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_idempotent_create import frozen
    from tuiapp.cli import main

    rows = tmp_path / "rows"
    rows.mkdir()

    def write_jsonl(lines: list[dict[str, object]]) -> Path:
        import json

        path = rows / "data.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return path

    version = frozen(home, write_jsonl)
    assert main(["train", str(version), "--provider", "openai"]) == 2  # not a tty: asks --yes
    out = capsys.readouterr()
    assert out.out.startswith("openai · gpt-4.1-mini-2025-04-14 · 18 examples")
    assert "pass --yes" in out.err


async def test_a_key_from_the_keyring_is_masked_like_one_from_the_environment(
    plugin: None, home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = "acme-keyring-0123456789"  # not shaped like a key, and in no variable
    monkeypatch.setattr(registry, "keyring_key", lambda name: kept if name == "acme" else None)
    provider = await registry.connect("acme", home, {})
    assert isinstance(provider, AcmeProvider) and provider.key == kept
    assert redact(f"acme: 401 invalid key {kept}", {}) == "acme: 401 invalid key <redacted>"
