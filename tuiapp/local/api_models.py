"""Model and chat-completion endpoints of the local API (SSE streaming in OpenAI's format)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tuiapp.local.api_objects import APIError, model_object
from tuiapp.local.chat_request import parse_chat_request
from tuiapp.local.engine import Event, Failed, Finished, Piece, Sampling
from tuiapp.local.engine import Request as EngineRequest
from tuiapp.local.http import json_body
from tuiapp.local.inference import ModelGone, ModelPool
from tuiapp.local.model_store import is_full_model, list_base_models, resolve_base
from tuiapp.local.state import LocalState


class ModelsAPI:
    """/v1/models and /v1/chat/completions."""

    def __init__(
        self,
        state: LocalState,
        pool: ModelPool,
        dirs: list[Path],
        limits: ChatLimits | None = None,
    ) -> None:
        self.state = state
        self.pool = pool
        self.dirs = dirs
        self.limits = limits or ChatLimits()

    def _models(self) -> list[dict[str, Any]]:
        """Base models, then fine-tuned ones (newest first)."""
        out = [
            model_object(name, int(path.stat().st_mtime), "local")
            for name, path in list_base_models(self.dirs).items()
        ]
        out += [
            model_object(r["id"], r["created"], r["owned_by"])
            for r in self.state.rows("SELECT * FROM models WHERE deleted = 0 ORDER BY created DESC")
        ]
        return out

    async def list_models(self, request: Request) -> Response:
        """GET /v1/models."""
        return JSONResponse({"object": "list", "data": self._models()})

    async def get_model(self, request: Request) -> Response:
        """GET /v1/models/{id}."""
        model_id = request.path_params["model_id"]
        found = next((m for m in self._models() if m["id"] == model_id), None)
        if found is None:
            raise APIError(
                404, f"The model '{model_id}' does not exist", param="model", code="model_not_found"
            )
        return JSONResponse(found)

    async def delete_model(self, request: Request) -> Response:
        """DELETE /v1/models/{id}: fine-tuned models only."""
        model_id = request.path_params["model_id"]
        row = self.state.one("SELECT * FROM models WHERE id = ? AND deleted = 0", (model_id,))
        if row is None:
            if model_id in list_base_models(self.dirs):
                raise APIError(403, "Base models cannot be deleted", param="model")
            raise APIError(
                404, f"The model '{model_id}' does not exist", param="model", code="model_not_found"
            )
        self.state.execute("UPDATE models SET deleted = 1 WHERE id = ?", (model_id,))
        await run_in_threadpool(self.pool.forget, model_id, row["adapter_path"])
        return JSONResponse({"id": model_id, "object": "model", "deleted": True})

    # --- chat ---------------------------------------------------------------------------
    def _target(self, model: str) -> tuple[str, tuple[str, Path] | None]:
        """(base path, (adapter name, adapter folder) or None) of a served model, or a 404.

        Only models the operator serves are loadable: base models pulled or registered with
        `tuiapp local pull`, fine-tuned models and their checkpoints (a full fine-tune's
        folder is served as a model of its own). A path or a hub id is not something a client
        can make the server load."""
        row = self.state.one("SELECT * FROM models WHERE id = ? AND deleted = 0", (model,))
        if row is not None and is_full_model(Path(row["adapter_path"])):
            return row["adapter_path"], None  # a full fine-tune: its own weights, no adapter
        if row is not None:
            base = resolve_base(row["base_model"], self.dirs)
            if base is not None:
                return base, (model, Path(row["adapter_path"]))
        base = resolve_base(model, self.dirs)
        if base is None:
            raise _not_found(model)
        return base, None

    async def chat(self, request: Request) -> Response:
        """POST /v1/chat/completions (streaming with SSE when `stream` is true)."""
        chat = parse_chat_request(await json_body(request))
        base_path, adapter = self._target(chat.model)
        try:
            base = await run_in_threadpool(self.pool.base, base_path)
        except ModelGone:  # deleted since `_target` found it
            raise _not_found(chat.model) from None
        prompt = await run_in_threadpool(self.pool.prompt_ids, base, chat.messages)
        room = base.context_length - len(prompt)
        if room < 1:
            raise APIError(
                400,
                f"This model's maximum context length is {base.context_length} tokens. However, "
                f"your messages resulted in {len(prompt)} tokens. Please reduce the length of "
                "the messages.",
                param="messages",
                code="context_length_exceeded",
            )
        wanted = chat.max_tokens or self.limits.default_max_tokens
        sampling = Sampling(
            temperature=chat.temperature,
            top_p=chat.top_p,
            seed=chat.seed,
            stop=chat.stop,
            max_new_tokens=min(wanted, self.limits.max_tokens, room),
        )
        events: asyncio.Queue[Event] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def emit(event: Event) -> None:  # called on the engine thread
            loop.call_soon_threadsafe(events.put_nowait, event)

        try:
            job = self.pool.submit(base, adapter, prompt, sampling, emit)
        except ModelGone:
            raise _not_found(chat.model) from None
        reply = _Reply(f"chatcmpl-{secrets.token_hex(12)}", int(time.time()), chat.model)
        if chat.stream:
            return StreamingResponse(
                _sse(events, job, reply, chat.include_usage), media_type="text/event-stream"
            )
        return await _complete(request, events, job, reply)


DISCONNECT_CHECK_SECONDS = 0.25  # how often a whole-answer request looks for a gone client


@dataclass(frozen=True)
class _Reply:
    """The identity of one completion, shared by its chunks."""

    id: str
    created: int
    model: str


class ChatLimits:
    """Server-side bounds on generation: the default and the most `max_tokens` a request gets."""

    def __init__(self, default_max_tokens: int = 512, max_tokens: int = 4096) -> None:
        self.default_max_tokens = default_max_tokens
        self.max_tokens = max_tokens


def _not_found(model: str) -> APIError:
    """OpenAI's 404 for a model that is not served (or no longer)."""
    return APIError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        param="model",
        code="model_not_found",
    )


def _usage(finished: Finished) -> dict[str, int]:
    """OpenAI's usage block."""
    return {
        "prompt_tokens": finished.prompt_tokens,
        "completion_tokens": finished.completion_tokens,
        "total_tokens": finished.prompt_tokens + finished.completion_tokens,
    }


def _failure(failed: Failed, model: str) -> APIError:
    """A generation that failed inside the engine: OpenAI's 404 when its model was deleted
    under it (an SDK does not retry that, and it says what happened), else a 500."""
    if failed.model_gone:
        return APIError(
            404,
            f"The model `{model}` was deleted while this request was answered.",
            param="model",
            code="model_not_found",
        )
    return APIError(
        500, f"Generation failed: {failed.message}", type="server_error", code="server_error"
    )


async def _complete(
    request: Request, events: asyncio.Queue[Event], job: EngineRequest, reply: _Reply
) -> Response:
    """Collect a whole answer; stop generating if the client goes away meanwhile."""
    text: list[str] = []
    checked = time.monotonic()
    try:
        while True:
            try:
                event = await asyncio.wait_for(events.get(), timeout=DISCONNECT_CHECK_SECONDS)
            except TimeoutError:
                event = None
            if time.monotonic() - checked >= DISCONNECT_CHECK_SECONDS:
                checked = time.monotonic()
                if await request.is_disconnected():
                    job.cancelled.set()
                    return Response(status_code=499)
            if event is None:
                continue
            if isinstance(event, Piece):
                text.append(event.text)
            elif isinstance(event, Failed):
                raise _failure(event, reply.model)
            else:
                break
    finally:
        job.cancelled.set()  # a no-op when it finished; frees the row when this was cancelled
    return JSONResponse(
        {
            "id": reply.id,
            "object": "chat.completion",
            "created": reply.created,
            "model": reply.model,
            "system_fingerprint": "local",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": event.finish_reason,
                    "logprobs": None,
                    "message": {"role": "assistant", "content": "".join(text), "refusal": None},
                }
            ],
            "usage": _usage(event),
        }
    )


async def _sse(
    events: asyncio.Queue[Event], job: EngineRequest, reply: _Reply, include_usage: bool
) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with `data: [DONE]`; an error after
    the headers went out is an `error` event, then `[DONE]`."""

    def data(choices: list[dict[str, Any]], **extra: Any) -> str:
        body = {
            "id": reply.id,
            "object": "chat.completion.chunk",
            "created": reply.created,
            "model": reply.model,
            "system_fingerprint": "local",
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(body)}\n\n"

    def chunk(delta: dict[str, Any], finish: str | None) -> str:
        return data([{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}])

    try:
        yield chunk({"role": "assistant", "content": ""}, None)
        while True:
            event = await events.get()
            if isinstance(event, Piece):
                if event.text:
                    yield chunk({"content": event.text}, None)
                continue
            if isinstance(event, Failed):
                yield f"data: {json.dumps(_failure(event, reply.model).body)}\n\n"
                break
            yield chunk({}, event.finish_reason)
            if include_usage:
                yield data([], usage=_usage(event))
            break
        yield "data: [DONE]\n\n"
    finally:  # the client went away (or we are done): the engine drops the row
        job.cancelled.set()
