"""Chat for APIs shaped like OpenAI's chat completions (the openai SDK itself, and Fireworks' and
Together's inference APIs): the streamed text, the whole answer with its usage, and the chat
methods of a provider whose chat client speaks that shape."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from tuiapp.providers.base import Completion

T = TypeVar("T")


def chat_completion(response: Any) -> Completion:
    """A Completion from an OpenAI-shaped chat completion (the openai and together SDKs)."""
    usage = response.usage
    return Completion(
        (response.choices[0].message.content or "") if response.choices else "",
        usage.prompt_tokens if usage else None,
        usage.completion_tokens if usage else None,
    )


async def stream_text(stream: Any) -> AsyncIterator[str]:
    """The text pieces of an OpenAI-shaped stream of chat completion chunks."""
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
            yield chunk.choices[0].delta.content


class OpenAIShapedChat:
    """`chat` and `complete` over `chat_client` (an OpenAI-shaped SDK client); the provider says
    through `_chat_call` how its SDK's failures become ProviderErrors."""

    chat_client: Any

    async def _chat_call(self, call: Awaitable[T]) -> T:
        """Await a call of the chat client, its failures as ProviderErrors."""
        raise NotImplementedError

    async def chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        usage: dict[str, int] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]:
        """Stream the reply's text."""
        create = self.chat_client.chat.completions.create
        stream = await self._chat_call(
            create(model=model, messages=messages, stream=True, **options)
        )
        async for piece in stream_text(stream):
            yield piece

    async def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Any
    ) -> Completion:
        """One whole answer and its usage."""
        create = self.chat_client.chat.completions.create
        return chat_completion(
            await self._chat_call(create(model=model, messages=messages, **options))
        )
