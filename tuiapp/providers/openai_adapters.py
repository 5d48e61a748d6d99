"""The adapters built on the `openai` SDK, as they register: tuiapp's local backend, OpenAI
(or any OpenAI-compatible service through OPENAI_BASE_URL) and Azure OpenAI. The SDK is
imported when one connects, so that reading the registry stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuiapp.local.hyperparams import LOCAL_EXTRAS
from tuiapp.providers.adapter import LOCAL, Connection, adapter
from tuiapp.providers.base import Capabilities
from tuiapp.providers.client_setup import openai_options

if TYPE_CHECKING:
    from tuiapp.providers.openai_provider import OpenAIProvider

OPENAI_CAPABILITIES = Capabilities(methods=("supervised", "dpo"), pause_resume=True)
LOCAL_CAPABILITIES = Capabilities(
    methods=("supervised", "dpo"), pause_resume=True, extra_hyperparameters=LOCAL_EXTRAS
)

LOCAL_DEFAULT_BASE = "SmolLM2-135M-Instruct"  # tuiapp.local.model_store.DEFAULT_BASE
OPENAI_DEFAULT_BASE = "gpt-4.1-mini-2025-04-14"


@adapter(
    LOCAL,
    "tuiapp's local backend (CPU, offline)",
    default_base=LOCAL_DEFAULT_BASE,
    env=("TUIAPP_LOCAL_URL",),
    secret_env=("TUIAPP_LOCAL_API_KEY",),
    capabilities=LOCAL_CAPABILITIES,
)
async def connect_local(link: Connection) -> OpenAIProvider:
    """The local backend at TUIAPP_LOCAL_URL (loopback by default), started if nothing answers."""
    import openai

    from tuiapp.providers.local_server import ensure_running, local_url
    from tuiapp.providers.openai_provider import OpenAIProvider

    if link.transport is not None:  # a given transport is the backend: nothing to start
        base_url = local_url(link.env)
    else:
        base_url = await ensure_running(link.paths, link.env)
    key = link.env.get("TUIAPP_LOCAL_API_KEY") or "local"
    client = openai.AsyncOpenAI(api_key=key, base_url=base_url, **openai_options(link))
    return OpenAIProvider(LOCAL, client, LOCAL_CAPABILITIES)


@adapter(
    "openai",
    "OpenAI (or OPENAI_BASE_URL)",
    default_base=OPENAI_DEFAULT_BASE,
    key_env="OPENAI_API_KEY",
    env=("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"),
    capabilities=OPENAI_CAPABILITIES,
)
async def connect_openai(link: Connection) -> OpenAIProvider:
    """OpenAI, or the OpenAI-compatible service at OPENAI_BASE_URL."""
    import openai

    from tuiapp.providers.openai_provider import OpenAIProvider

    client = openai.AsyncOpenAI(
        api_key=link.key,
        base_url=link.env.get("OPENAI_BASE_URL") or None,
        organization=link.env.get("OPENAI_ORG_ID") or None,
        project=link.env.get("OPENAI_PROJECT_ID") or None,
        **openai_options(link),
    )
    return OpenAIProvider("openai", client, OPENAI_CAPABILITIES)


@adapter(
    "azure",
    "Azure OpenAI",
    default_base=OPENAI_DEFAULT_BASE,
    key_env="AZURE_OPENAI_API_KEY",
    needs_env=("AZURE_OPENAI_ENDPOINT",),
    env=("OPENAI_API_VERSION",),
    capabilities=OPENAI_CAPABILITIES,
)
async def connect_azure(link: Connection) -> OpenAIProvider:
    """Azure OpenAI at AZURE_OPENAI_ENDPOINT (API version from OPENAI_API_VERSION)."""
    import openai

    from tuiapp.providers.openai_provider import OpenAIProvider

    client = openai.AsyncAzureOpenAI(
        api_key=link.key,
        azure_endpoint=link.env["AZURE_OPENAI_ENDPOINT"],  # needs_env: connect checked it
        api_version=link.env.get("OPENAI_API_VERSION") or None,
        **openai_options(link),
    )
    return OpenAIProvider("azure", client, OPENAI_CAPABILITIES)
