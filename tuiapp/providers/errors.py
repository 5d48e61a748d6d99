"""SDK exceptions as ProviderErrors: what went wrong in a sentence, and a hint for what to do."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from tuiapp.providers.base import ProviderError, Timeouts, timed_out
from tuiapp.redact import redact

if TYPE_CHECKING:
    import httpx
    import openai

T = TypeVar("T")

HINTS = {
    400: "the request was refused as it stands: check the model, file and hyperparameters",
    401: "the API key was refused: check the key this provider reads from the environment",
    403: "this key may not do that: OpenAI no longer lets new organisations fine-tune, and "
    "stops new training jobs for everyone on 2027-01-06; pick another provider",
    404: "it does not exist on this provider (a file or job id from another provider?)",
    409: "the job is not in a state that allows this (already finished or paused?)",
    429: "rate limited or out of quota: wait and retry, or check the plan's limits",
}


def _retry_after(err: openai.APIStatusError) -> float | None:
    """Seconds from a Retry-After header, when there is one."""
    value = err.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def status_error(
    provider: str, status: int, detail: str, retry_after: float | None = None
) -> ProviderError:
    """The ProviderError for an HTTP status a provider answered with (any SDK); a service that
    echoes the key in its message gets it masked."""
    hint = HINTS.get(status, "the service failed; it will be retried" if status >= 500 else "")
    return ProviderError(
        redact(f"{provider}: {status} {detail}"),
        hint,
        status=status,
        retry_after=retry_after,
        retryable=status == 429 or status >= 500,
    )


def connection_error(provider: str, err: Exception) -> ProviderError:
    """The ProviderError for a request that never got an answer."""
    return ProviderError(
        redact(f"{provider}: cannot connect ({err.__cause__ or err})"),
        "check the network and the base URL; for the local backend, is it running?",
        retryable=True,
    )


def transport_error(provider: str, timeouts: Timeouts, err: httpx.HTTPError) -> ProviderError:
    """The ProviderError for an httpx request that got no answer: timed out, or no connection."""
    import httpx

    if isinstance(err, httpx.TimeoutException):
        return timed_out(provider, timeouts, err)
    return connection_error(provider, err)


async def openai_call(provider: str, timeouts: Timeouts, call: Awaitable[T]) -> T:
    """Await an `openai` SDK call; its failures become ProviderErrors (a timeout says which)."""
    import openai

    try:
        return await call
    except openai.APITimeoutError as err:
        raise timed_out(provider, timeouts, err) from err
    except openai.OpenAIError as err:
        raise translate(err, provider) from err


def translate(err: openai.OpenAIError, provider: str) -> ProviderError:
    """The ProviderError for an SDK exception (after the SDK's own retries)."""
    import openai  # here: the Together and Mistral adapters use this module without it

    if isinstance(err, openai.APITimeoutError):
        return ProviderError(
            f"{provider}: the request timed out",
            "the service is slow or unreachable; it will be retried",
            retryable=True,
        )
    if isinstance(err, openai.APIConnectionError):
        return connection_error(provider, err)
    if isinstance(err, openai.APIStatusError):
        body = err.body if isinstance(err.body, dict) else {}
        detail = body.get("message") or err.message
        param = body.get("param")
        where = f" (param {param})" if param else ""
        return status_error(provider, err.status_code, f"{detail}{where}", _retry_after(err))
    return ProviderError(redact(f"{provider}: {err}"))
