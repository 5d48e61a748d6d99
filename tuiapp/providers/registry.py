"""Which providers this machine can use, and a connected client for each.

Keys come from the environment variables each SDK reads, or from the OS keyring (service
"tuiapp"), never from the database: `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`, `OPENAI_ORG_ID`,
`OPENAI_PROJECT_ID`), Azure's `AZURE_OPENAI_API_KEY` + `AZURE_OPENAI_ENDPOINT` +
`OPENAI_API_VERSION`, `TOGETHER_API_KEY`, `MISTRAL_API_KEY`. The local backend needs none and
is the default when no key is set. Every client gets the connect and read timeouts of
`[timeouts]` in config.toml (10 s and 120 s by default), never the SDKs' 600 s."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tuiapp.paths import AppPaths
from tuiapp.providers.base import Provider, ProviderError, Timeouts

LOCAL = "local"
DEFAULT_SETTING = "default_provider"  # the store setting naming the person's default


@dataclass(frozen=True)
class ProviderConfig:
    """One usable provider: its name, kind and where its key comes from."""

    name: str
    kind: str  # local | openai | azure | together | mistral
    key_env: str | None
    description: str


KNOWN = (
    ProviderConfig("openai", "openai", "OPENAI_API_KEY", "OpenAI (or OPENAI_BASE_URL)"),
    ProviderConfig("azure", "azure", "AZURE_OPENAI_API_KEY", "Azure OpenAI"),
    ProviderConfig("together", "together", "TOGETHER_API_KEY", "Together AI"),
    ProviderConfig("mistral", "mistral", "MISTRAL_API_KEY", "Mistral"),
)
LOCAL_CONFIG = ProviderConfig(LOCAL, LOCAL, None, "tuiapp's local backend (CPU, offline)")


KEYRING_SERVICE = "tuiapp"


def keyring_key(name: str) -> str | None:
    """A provider's key from the OS keyring, if there is a keyring and a key in it."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # no keyring backend (a headless server): as if there were no key
        return None


def save_key(name: str, key: str) -> str | None:
    """Put a provider's key in the OS keyring; returns why it could not, or None."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, name, key)
    except Exception as err:
        return f"no usable OS keyring here ({type(err).__name__}); set the variable instead"
    return None


def api_key(config: ProviderConfig, env: Mapping[str, str]) -> str | None:
    """The key for a provider: its environment variable first, then the OS keyring."""
    if config.key_env is None:
        return None
    return env.get(config.key_env) or keyring_key(config.name)


def available(env: Mapping[str, str] | None = None) -> list[ProviderConfig]:
    """The local backend, then every provider that has a key (environment or keyring)."""
    env = os.environ if env is None else env
    found = [LOCAL_CONFIG]
    for config in KNOWN:
        if api_key(config, env):
            if config.kind == "azure" and not env.get("AZURE_OPENAI_ENDPOINT"):
                continue
            found.append(config)
    return found


def default_provider(env: Mapping[str, str] | None = None, chosen: str | None = None) -> str:
    """The provider the person chose (if it is usable), else the first with a key, else the
    local backend."""
    configs = available(env)
    if chosen and any(c.name == chosen for c in configs):
        return chosen
    return configs[1].name if len(configs) > 1 else LOCAL


def timeouts(paths: AppPaths) -> Timeouts:
    """The timeouts the person set in config.toml (defaults when there are none)."""
    from tuiapp.config import ConfigError, load_config

    try:
        return load_config(paths).timeouts
    except ConfigError as err:
        raise ProviderError(str(err), "fix the config file, or remove the bad value") from None


async def connect(name: str, paths: AppPaths, env: Mapping[str, str] | None = None) -> Provider:
    """A client for the named provider (the local backend is started if it is not running)."""
    import openai

    from tuiapp.providers.openai_provider import LOCAL_CAPABILITIES, OpenAIProvider

    env = os.environ if env is None else env
    limits = timeouts(paths)
    timeout = openai.Timeout(limits.read, connect=limits.connect)
    if name == LOCAL:
        from tuiapp.providers.local_server import ensure_running

        base_url = await ensure_running(paths, env)
        local_key = env.get("TUIAPP_LOCAL_API_KEY") or "local"
        return OpenAIProvider(
            LOCAL,
            openai.AsyncOpenAI(api_key=local_key, base_url=base_url, timeout=timeout),
            LOCAL_CAPABILITIES,
        )
    config = next((c for c in KNOWN if c.name == name), None)
    key = api_key(config, env) if config else None
    if name == "openai" and key:
        return OpenAIProvider("openai", openai.AsyncOpenAI(api_key=key, timeout=timeout))
    if name == "azure" and key:
        return OpenAIProvider("azure", openai.AsyncAzureOpenAI(api_key=key, timeout=timeout))
    if name == "together" and key:
        try:
            from together import AsyncTogether
        except ImportError:
            raise ProviderError(
                "together: the SDK is not installed", "pip install 'tuiapp[together]'"
            ) from None
        from together import Timeout

        from tuiapp.providers.together_provider import TogetherProvider

        together_timeout = Timeout(limits.read, connect=limits.connect)
        return TogetherProvider(AsyncTogether(api_key=key, timeout=together_timeout), limits)
    if name == "mistral" and key:
        try:
            from mistralai import Mistral
        except ImportError:
            raise ProviderError(
                "mistral: the SDK is not installed", "pip install 'tuiapp[mistral]'"
            ) from None
        import httpx

        from tuiapp.providers.mistral_provider import MistralProvider

        http = httpx.AsyncClient(timeout=httpx.Timeout(limits.read, connect=limits.connect))
        client = Mistral(api_key=key, async_client=http)
        if not hasattr(client, "fine_tuning"):
            raise ProviderError(
                "mistral: this mistralai SDK has no fine-tuning client",
                "pip install 'mistralai>=1.9,<2' (tuiapp[mistral])",
            )
        return MistralProvider(client, limits, http)
    if config is None:
        raise ProviderError(
            f"unknown provider {name!r}", "use one of: local, openai, azure, together, mistral"
        )
    raise ProviderError(
        f"{name}: no API key",
        f"set {config.key_env} in the environment, or add it to the OS keyring (a on Providers)",
    )


class Providers:
    """Connected providers, one client per name, made on first use."""

    def __init__(self, paths: AppPaths, env: Mapping[str, str] | None = None) -> None:
        self.paths = paths
        self.env = env
        self._clients: dict[str, Provider] = {}

    async def get(self, name: str) -> Provider:
        """The client for a provider (connecting, and starting the local backend, once)."""
        if name not in self._clients:
            self._clients[name] = await connect(name, self.paths, self.env)
        return self._clients[name]

    async def close(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
