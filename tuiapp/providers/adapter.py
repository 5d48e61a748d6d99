"""The adapter registry: every provider adapter declares itself here, keyed by its name.

The built-in adapters register when their modules are imported (`@adapter(...)` on the function
that connects them); a third-party package adds one through the entry-point group
`tuiapp.providers`, whose entry points name a module that registers (on import) or an
`Adapter` object. Nothing else in the app lists providers: screens, the CLI, the error texts and
the redaction of secrets read this registry."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from tuiapp.paths import AppPaths
from tuiapp.providers.base import Capabilities, Provider, Timeouts

if TYPE_CHECKING:
    import httpx

LOCAL = "local"
ENTRY_POINT_GROUP = "tuiapp.providers"
BUILTIN_MODULES = (  # imported first, in this order (the order of the provider list)
    "tuiapp.providers.openai_adapters",
    "tuiapp.providers.together_provider",
    "tuiapp.providers.mistral_provider",
    "tuiapp.providers.fireworks_provider",
)
DEFAULT_CAPABILITIES = Capabilities()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """What an adapter's connect function gets: the key found, the environment, the app's
    folders and the configured timeouts."""

    key: str | None
    env: Mapping[str, str]
    paths: AppPaths
    timeouts: Timeouts
    transport: httpx.AsyncBaseTransport | None = None  # the HTTP layer to use (tests, proxies)


Connector = Callable[[Connection], Awaitable[Provider]]
F = TypeVar("F", bound=Callable[[Connection], Awaitable[Any]])


@dataclass(frozen=True)
class Adapter:
    """One provider as it declares itself: how it is named and shown, its default base model,
    the pip extra its SDK comes with, the environment variables it reads, what it can do, and
    the function that connects a client."""

    name: str
    label: str
    connect: Connector = field(compare=False, repr=False)
    default_base: str = ""  # prefilled as the base model of a new job ("" when none fits all)
    extra: str | None = None  # `pip install 'tuiapp[extra]'` brings its SDK; None: always there
    key_env: str | None = None  # the variable holding its API key; None: it needs no key
    needs_env: tuple[str, ...] = ()  # variables that must be set besides the key
    env: tuple[str, ...] = ()  # every other variable it reads (base URL, org, version...)
    secret_env: tuple[str, ...] = ()  # other variables whose values are secrets
    capabilities: Capabilities = DEFAULT_CAPABILITIES

    @property
    def secrets(self) -> tuple[str, ...]:
        """The variables whose values must never be shown (its key first)."""
        return (*((self.key_env,) if self.key_env else ()), *self.secret_env)

    @property
    def variables(self) -> tuple[str, ...]:
        """Every environment variable it reads, the key first."""
        return tuple(dict.fromkeys((*self.secrets, *self.needs_env, *self.env)))

    @property
    def install_hint(self) -> str:
        """How to get its SDK."""
        return f"pip install 'tuiapp[{self.extra}]'" if self.extra else "pip install tuiapp"


_ADAPTERS: dict[str, Adapter] = {}
_problems: list[str] = []
_discovered = False


def register(found: Adapter) -> Adapter:
    """Add an adapter to the registry (registering the same declaration twice is harmless;
    a second adapter under a taken name is refused)."""
    taken = _ADAPTERS.get(found.name)
    if taken is not None and taken != found:
        raise ValueError(f"a provider named {found.name!r} is registered already")
    _ADAPTERS[found.name] = found
    return found


def adapter(
    name: str,
    label: str,
    *,
    default_base: str = "",
    extra: str | None = None,
    key_env: str | None = None,
    needs_env: tuple[str, ...] = (),
    env: tuple[str, ...] = (),
    secret_env: tuple[str, ...] = (),
    capabilities: Capabilities = DEFAULT_CAPABILITIES,
) -> Callable[[F], F]:
    """Register the decorated connect function as the adapter `name`, with its declarations."""

    def decorate(connect: F) -> F:
        register(
            Adapter(
                name,
                label,
                connect,
                default_base,
                extra,
                key_env,
                needs_env,
                env,
                secret_env,
                capabilities,
            )
        )
        return connect

    return decorate


def discover() -> None:
    """Import the built-in adapters, then every entry point of `tuiapp.providers` (once).
    A third-party adapter that fails to load is skipped and said in `problems()`."""
    import importlib.metadata  # ~0.1 s of zipfile/email: only when the registry is first read

    global _discovered
    if _discovered:
        return
    _discovered = True  # before importing: an adapter module may read the registry itself
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
            if isinstance(loaded, Adapter):
                register(loaded)
        except Exception as err:  # a broken plug-in must not take the app down
            _problems.append(f"provider plug-in {point.name!r}: {type(err).__name__}: {err}")
            log.warning("%s", _problems[-1])


def adapters() -> list[Adapter]:
    """Every registered adapter, in the order they registered (the local backend first)."""
    discover()
    return list(_ADAPTERS.values())


def names() -> list[str]:
    """The registered providers' names."""
    return [found.name for found in adapters()]


def find(name: str) -> Adapter | None:
    """The adapter registered under this name, if any."""
    discover()
    return _ADAPTERS.get(name)


def problems() -> list[str]:
    """Why third-party adapters could not be loaded (empty when all loaded)."""
    discover()
    return list(_problems)
