"""Which providers this machine can use, and a connected client for each.

The providers are the adapters in the registry (`tuiapp.providers.adapter`: the built-in ones
and any a package adds through the `tuiapp.providers` entry points). Keys come from the
environment variable each adapter declares, or from the OS keyring (service "tuiapp"), never
from the database. The local backend needs none and is the default when no key is set. Every
client gets the connect and read timeouts of `[timeouts]` in config.toml (10 s and 120 s by
default), never the SDKs' 600 s."""

from __future__ import annotations

import os
from collections.abc import Mapping

from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import LOCAL, Adapter, Connection, adapters, find, names
from tuiapp.providers.base import Provider, ProviderError, Timeouts
from tuiapp.redact import remember_secret

DEFAULT_SETTING = "default_provider"  # the store setting naming the person's default


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


def api_key(spec: Adapter, env: Mapping[str, str]) -> str | None:
    """The key for a provider: its environment variable first, then the OS keyring."""
    if spec.key_env is None:
        return None
    return env.get(spec.key_env) or keyring_key(spec.name)


def usable(spec: Adapter, env: Mapping[str, str]) -> bool:
    """True when the provider needs no key, or has one and every other variable it needs."""
    if spec.key_env is None:
        return True
    return bool(api_key(spec, env)) and all(env.get(name) for name in spec.needs_env)


def available(env: Mapping[str, str] | None = None) -> list[Adapter]:
    """The local backend, then every provider that has a key (environment or keyring)."""
    env = os.environ if env is None else env
    return [spec for spec in adapters() if usable(spec, env)]


def default_base(name: str) -> str:
    """The base model a new job on this provider starts from ("" when it declares none)."""
    spec = find(name)
    return spec.default_base if spec else ""


def unknown(name: str) -> ProviderError:
    """The error for a provider name nobody registered."""
    return ProviderError(f"unknown provider {name!r}", f"use one of: {', '.join(names())}")


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
    env = os.environ if env is None else env
    spec = find(name)
    if spec is None:
        raise unknown(name)
    key = api_key(spec, env)
    if spec.key_env is not None and not key:
        raise ProviderError(
            f"{name}: no API key",
            f"set {spec.key_env} in the environment, or add it to the OS keyring (a on Providers)",
        )
    missing = [variable for variable in spec.needs_env if not env.get(variable)]
    if missing:
        raise ProviderError(f"{name}: {', '.join(missing)} is not set", "set it in the environment")
    remember_secret(key)  # a keyring key is in no variable: masked from now on all the same
    link = Connection(key, env, paths, timeouts(paths))
    try:
        return await spec.connect(link)
    except ImportError:
        raise ProviderError(f"{name}: the SDK is not installed", spec.install_hint) from None


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
