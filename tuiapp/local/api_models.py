"""Model and chat-completion endpoints of the local API (SSE streaming in OpenAI's format)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tuiapp.local.api_objects import APIError, model_object
from tuiapp.local.http import json_body
from tuiapp.local.inference import Generation, ModelPool
from tuiapp.local.model_store import list_base_models, resolve_base
from tuiapp.local.state import LocalState


class ModelsAPI:
    """/v1/models and /v1/chat/completions."""

    def __init__(self, state: LocalState, pool: ModelPool, dirs: list[Path]) -> None:
        self.state = state
        self.pool = pool
        self.dirs = dirs

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
        self.pool.forget(model_id)
        return JSONResponse({"id": model_id, "object": "model", "deleted": True})

    # --- chat ---------------------------------------------------------------------------
    def _target(self, model: str) -> tuple[str, str | None, Path | None]:
        """(base path, adapter name, adapter path) for a model id, or a 404."""
        row = self.state.one("SELECT * FROM models WHERE id = ? AND deleted = 0", (model,))
        if row is not None:
            base = resolve_base(row["base_model"], self.dirs)
            if base is not None:
                return base, model, Path(row["adapter_path"])
        base = resolve_base(model, self.dirs)
        if base is None:
            raise APIError(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                param="model",
                code="model_not_found",
            )
        return base, None, None

    async def chat(self, request: Request) -> Response:
        """POST /v1/chat/completions (streaming with SSE when `stream` is true)."""
        body = await json_body(request)
        messages = body.get("messages")
        if (
            not isinstance(messages, list)
            or not messages
            or not all(isinstance(m, dict) and "role" in m for m in messages)
        ):
            raise APIError(400, "messages must be a non-empty list of messages", param="messages")
        if body.get("n", 1) != 1:
            raise APIError(400, "Only n=1 is supported by the local backend", param="n")
        model = str(body.get("model", ""))
        base, name, adapter = self._target(model)
        stop = body.get("stop")
        params = {
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens"),
            "seed": body.get("seed"),
            "stop": [stop] if isinstance(stop, str) else stop,
        }
        completion_id = f"chatcmpl-{secrets.token_hex(12)}"
        created = int(time.time())
        pieces = self.pool.stream(base, name, adapter, messages, params)
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(
                _sse(pieces, completion_id, created, model, usage), media_type="text/event-stream"
            )
        parts = await run_in_threadpool(list, pieces)
        result = parts[-1]
        assert isinstance(result, Generation)
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "system_fingerprint": "local",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": result.finish_reason,
                        "logprobs": None,
                        "message": {"role": "assistant", "content": result.text, "refusal": None},
                    }
                ],
                "usage": _usage(result),
            }
        )


def _usage(result: Generation) -> dict[str, int]:
    """OpenAI's usage block."""
    return {
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "total_tokens": result.prompt_tokens + result.completion_tokens,
    }


async def _sse(
    pieces: Iterator[str | Generation],
    completion_id: str,
    created: int,
    model: str,
    include_usage: bool,
) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with `data: [DONE]`."""

    def chunk(delta: dict[str, Any], finish: str | None) -> str:
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "local",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        return f"data: {json.dumps(body)}\n\n"

    yield chunk({"role": "assistant", "content": ""}, None)
    async for piece in iterate_in_threadpool(pieces):
        if isinstance(piece, Generation):
            yield chunk({}, piece.finish_reason)
            if include_usage:
                body = {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": _usage(piece),
                }
                yield f"data: {json.dumps(body)}\n\n"
        elif piece:
            yield chunk({"content": piece}, None)
    yield "data: [DONE]\n\n"
