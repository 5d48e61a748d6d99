"""How an adapter builds its clients from a Connection, in one place: the configured timeouts
(never an SDK's 600 s), the HTTP transport tests and proxies give, the base URL from the
variable the adapter declares, and the key as a bearer header. (The key itself is found by
the registry: environment first, then the OS keyring.) SDKs are imported when a client is
made, so that reading the registry stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from tuiapp.providers.adapter import Connection


def base_url(link: Connection, variable: str, default: str) -> str:
    """The service's address: the variable's value when set, else the default (no final /)."""
    return (link.env.get(variable) or default).rstrip("/")


def http_timeout(link: Connection) -> httpx.Timeout:
    """The connect and read timeouts of `[timeouts]`, as httpx takes them."""
    import httpx

    return httpx.Timeout(link.timeouts.read, connect=link.timeouts.connect)


def http_client(
    link: Connection, *, base: str | None = None, key: str | None = None
) -> httpx.AsyncClient:
    """An httpx client with the configured timeouts and the given transport; with `key`, every
    request carries it as a bearer token (so give it one only for the service's own host)."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else None
    options: dict[str, Any] = {"base_url": base} if base else {}
    return httpx.AsyncClient(
        headers=headers, timeout=http_timeout(link), transport=link.transport, **options
    )


def transport_client(link: Connection) -> httpx.AsyncClient | None:
    """For an SDK that sets its own timeouts: an httpx client over the given transport, or None
    (the SDK makes its own) when none is given."""
    import httpx

    return None if link.transport is None else httpx.AsyncClient(transport=link.transport)


def openai_options(link: Connection, http: httpx.AsyncClient | None = None) -> dict[str, Any]:
    """What every `openai` SDK client is made with: the configured timeouts, and an HTTP client
    (the one given, else one over the given transport, else the SDK's own)."""
    import openai

    options: dict[str, Any] = {
        "timeout": openai.Timeout(link.timeouts.read, connect=link.timeouts.connect)
    }
    http = http or transport_client(link)
    if http is not None:
        options["http_client"] = http
    return options
