"""The OpenAI-compatible HTTP API of the local backend (Starlette): files, fine-tuning jobs,
models and chat completions, with OpenAI's shapes, status codes, errors and pagination."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tuiapp.local.api_objects import (
    APIError,
    checkpoint_object,
    event_object,
    file_object,
    job_object,
    model_object,
    not_found,
    page,
)
from tuiapp.local.hyperparams import HyperparameterError, check_hyperparameters
from tuiapp.local.inference import Generation, ModelPool
from tuiapp.local.model_store import list_base_models, model_dirs, resolve_base
from tuiapp.local.runner import JobRunner
from tuiapp.local.state import LocalState, new_id, now, open_state

MAX_LIMIT = 100


def _limit(request: Request, default: int = 20) -> int:
    """The `limit` query parameter, checked."""
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise APIError(400, f"limit must be an integer from 1 to {MAX_LIMIT}", param="limit")
    return int(raw)


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 400."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise APIError(400, f"We could not parse the JSON body of your request: {err}") from err
    if not isinstance(body, dict):
        raise APIError(400, "The request body must be a JSON object")
    return body


class LocalAPI:
    """Handlers over one state folder."""

    def __init__(self, state: LocalState, api_key: str | None) -> None:
        self.state = state
        self.api_key = api_key
        self.runner = JobRunner(state)
        self.pool = ModelPool()
        self.dirs = model_dirs([state.root / "models"])

    # --- files --------------------------------------------------------------------------
    async def upload_file(self, request: Request) -> Response:
        """POST /v1/files (multipart: file, purpose)."""
        form = await request.form(max_part_size=1024 * 1024 * 1024)
        upload, purpose = form.get("file"), form.get("purpose")
        if upload is None or isinstance(upload, str):
            raise APIError(400, "Missing file", param="file")
        if purpose not in ("fine-tune", "batch", "assistants", "user_data", "evals"):
            raise APIError(400, f"Invalid purpose {purpose!r}", param="purpose")
        file_id = new_id("file")
        path = self.state.files_dir / file_id
        size = 0
        with open(path, "wb") as out:
            while chunk := await upload.read(1024 * 1024):
                out.write(chunk)
                size += len(chunk)
        self.state.execute(
            "INSERT INTO files(id, bytes, created_at, filename, purpose, status) "
            "VALUES (?, ?, ?, ?, ?, 'processed')",
            (file_id, size, now(), upload.filename or "file.jsonl", purpose),
        )
        return JSONResponse(file_object(self._file(file_id)))

    def _file(self, file_id: str) -> dict[str, Any]:
        """A file row or 404."""
        row = self.state.one("SELECT * FROM files WHERE id = ? AND deleted = 0", (file_id,))
        if row is None:
            raise not_found("File", file_id)
        return row

    async def list_files(self, request: Request) -> Response:
        """GET /v1/files."""
        limit = _limit(request, 10_000 if "limit" not in request.query_params else 20)
        sql, params = "SELECT rowid, * FROM files WHERE deleted = 0", []
        if purpose := request.query_params.get("purpose"):
            sql += " AND purpose = ?"
            params.append(purpose)
        order = "ASC" if request.query_params.get("order") == "asc" else "DESC"
        if after := request.query_params.get("after"):
            anchor = self.state.one("SELECT rowid FROM files WHERE id = ?", (after,))
            if anchor is None:
                raise not_found("File", after)
            sql += f" AND rowid {'>' if order == 'ASC' else '<'} ?"
            params.append(anchor["rowid"])
        rows = self.state.rows(f"{sql} ORDER BY rowid {order} LIMIT ?", [*params, limit + 1])
        return JSONResponse(page([file_object(r) for r in rows], limit))

    async def get_file(self, request: Request) -> Response:
        """GET /v1/files/{id}."""
        return JSONResponse(file_object(self._file(request.path_params["file_id"])))

    async def file_content(self, request: Request) -> Response:
        """GET /v1/files/{id}/content."""
        row = self._file(request.path_params["file_id"])
        return FileResponse(self.state.files_dir / row["id"], media_type="application/octet-stream")

    async def delete_file(self, request: Request) -> Response:
        """DELETE /v1/files/{id}."""
        row = self._file(request.path_params["file_id"])
        self.state.execute("UPDATE files SET deleted = 1 WHERE id = ?", (row["id"],))
        (self.state.files_dir / row["id"]).unlink(missing_ok=True)
        return JSONResponse({"id": row["id"], "object": "file", "deleted": True})

    # --- jobs ---------------------------------------------------------------------------
    def _job(self, job_id: str) -> dict[str, Any]:
        """A job row or 404."""
        row = self.state.job(job_id)
        if row is None:
            raise not_found("fine-tuning job", job_id)
        return row

    async def create_job(self, request: Request) -> Response:
        """POST /v1/fine_tuning/jobs."""
        body = await _json_body(request)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise APIError(
                400,
                "Missing required parameter: 'model'",
                param="model",
                code="missing_required_parameter",
            )
        if resolve_base(model, self.dirs) is None:
            raise APIError(
                400,
                f"Model {model} is not available for fine-tuning here. Base "
                f"models: {', '.join(list_base_models(self.dirs)) or 'none'} "
                "(run `tuiapp local pull`).",
                param="model",
                code="model_not_available",
            )
        for param in ("training_file", "validation_file"):
            file_id = body.get(param)
            if file_id is None and param == "validation_file":
                continue
            if not isinstance(file_id, str):
                raise APIError(400, f"Missing required parameter: '{param}'", param=param)
            row = self.state.one("SELECT * FROM files WHERE id = ? AND deleted = 0", (file_id,))
            if row is None:
                raise APIError(400, f"invalid {param}: {file_id}", param=param, code="invalid_file")
            if row["purpose"] != "fine-tune":
                raise APIError(
                    400,
                    f"File {file_id} has purpose {row['purpose']!r}, expected 'fine-tune'",
                    param=param,
                )
        method = body.get("method") or {"type": "supervised"}
        kind = method.get("type") if isinstance(method, dict) else None
        if kind != "supervised":
            raise APIError(
                400,
                f"method.type {kind!r} is not supported by the local backend "
                "(supported: supervised)",
                param="method.type",
            )
        hyper = dict(body.get("hyperparameters") or {})
        hyper.update((method.get("supervised") or {}).get("hyperparameters") or {})
        try:
            check_hyperparameters(hyper)
        except HyperparameterError as err:
            raise APIError(400, str(err), param=err.param) from err
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or len(suffix) > 64):
            raise APIError(400, "suffix must be a string of at most 64 characters", param="suffix")
        seed = body.get("seed")
        seed = secrets.randbelow(2**31) if seed is None else seed
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise APIError(400, "seed must be an integer", param="seed")
        job_id = new_id("ftjob")
        self.state.execute(
            "INSERT INTO jobs(id, created_at, model, training_file, validation_file, suffix, "
            "seed, hyperparameters, method, status, metadata) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'validating_files', ?)",
            (
                job_id,
                now(),
                model,
                body["training_file"],
                body.get("validation_file"),
                suffix,
                seed,
                json.dumps(
                    {
                        k: hyper.get(k, "auto")
                        for k in ("n_epochs", "batch_size", "learning_rate_multiplier")
                    }
                ),
                json.dumps({"type": "supervised"}),
                json.dumps(body.get("metadata")),
            ),
        )
        self.state.add_event(job_id, f"Created fine-tuning job: {job_id}")
        self.state.add_event(job_id, "Validating training file: " + body["training_file"])
        return JSONResponse(job_object(self._job(job_id)))

    async def list_jobs(self, request: Request) -> Response:
        """GET /v1/fine_tuning/jobs."""
        limit = _limit(request)
        sql, params = "SELECT * FROM jobs", []
        if after := request.query_params.get("after"):
            sql += " WHERE seq < ?"
            params.append(self._job(after)["seq"])
        rows = self.state.rows(f"{sql} ORDER BY seq DESC LIMIT ?", [*params, limit + 1])
        return JSONResponse(page([job_object(r) for r in rows], limit))

    async def get_job(self, request: Request) -> Response:
        """GET /v1/fine_tuning/jobs/{id}."""
        return JSONResponse(job_object(self._job(request.path_params["job_id"])))

    async def cancel_job(self, request: Request) -> Response:
        """POST /v1/fine_tuning/jobs/{id}/cancel."""
        job = self._job(request.path_params["job_id"])
        if job["status"] in ("succeeded", "failed", "cancelled"):
            raise APIError(
                400,
                f"Job has already {job['status']}: cannot cancel it",
                param="fine_tuning_job_id",
            )
        self.runner.stop(job["id"], "cancelled")
        return JSONResponse(job_object(self._job(job["id"])))

    async def pause_job(self, request: Request) -> Response:
        """POST /v1/fine_tuning/jobs/{id}/pause."""
        job = self._job(request.path_params["job_id"])
        if job["status"] != "running":
            raise APIError(
                400,
                f"Only a running job can be paused; this one is {job['status']}",
                param="fine_tuning_job_id",
            )
        self.runner.stop(job["id"], "paused")
        return JSONResponse(job_object(self._job(job["id"])))

    async def resume_job(self, request: Request) -> Response:
        """POST /v1/fine_tuning/jobs/{id}/resume."""
        job = self._job(request.path_params["job_id"])
        if job["status"] != "paused":
            raise APIError(
                400,
                f"Only a paused job can be resumed; this one is {job['status']}",
                param="fine_tuning_job_id",
            )
        if job["pid"]:
            raise APIError(
                409,
                "The job is still stopping; try again in a few seconds",
                param="fine_tuning_job_id",
            )
        self.runner.resume(job["id"])
        return JSONResponse(job_object(self._job(job["id"])))

    def _newest_first(
        self, request: Request, table: str, kind: str, to_object: Any, default_limit: int
    ) -> Response:
        """A job's events or checkpoints, newest first, paged with `after` and `limit`."""
        job = self._job(request.path_params["job_id"])
        limit = _limit(request, default_limit)
        sql, params = f"SELECT * FROM {table} WHERE job_id = ?", [job["id"]]
        if after := request.query_params.get("after"):
            anchor = self.state.one(f"SELECT seq FROM {table} WHERE id = ?", (after,))
            if anchor is None:
                raise not_found(kind, after)
            sql += " AND seq < ?"
            params.append(anchor["seq"])
        rows = self.state.rows(f"{sql} ORDER BY seq DESC LIMIT ?", [*params, limit + 1])
        return JSONResponse(page([to_object(r) for r in rows], limit))

    async def list_events(self, request: Request) -> Response:
        """GET /v1/fine_tuning/jobs/{id}/events (newest first, like OpenAI)."""
        return self._newest_first(request, "events", "event", event_object, 20)

    async def list_checkpoints(self, request: Request) -> Response:
        """GET /v1/fine_tuning/jobs/{id}/checkpoints (newest first)."""
        return self._newest_first(request, "checkpoints", "checkpoint", checkpoint_object, 10)

    # --- models -------------------------------------------------------------------------
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
        body = await _json_body(request)
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


def create_app(root: str | Path, api_key: str | None = None) -> Starlette:
    """The ASGI app over a state folder; the job runner starts with it."""
    state = open_state(root)
    api = LocalAPI(state, api_key)

    async def guarded(request: Request, handler: Any) -> Response:
        if api.api_key:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given, f"Bearer {api.api_key}"):
                return JSONResponse(
                    APIError(401, "Incorrect API key provided.", code="invalid_api_key").body, 401
                )
        try:
            return await handler(request)
        except APIError as err:
            return JSONResponse(err.body, err.status)

    def route(path: str, handler: Any, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(request, handler)

        return Route(path, endpoint, methods=methods)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.runner.recover()
        task = asyncio.create_task(api.runner.run())
        yield
        task.cancel()

    routes = [
        Route("/health", health),
        route("/v1/files", api.upload_file, ["POST"]),
        route("/v1/files", api.list_files, ["GET"]),
        route("/v1/files/{file_id}", api.get_file, ["GET"]),
        route("/v1/files/{file_id}", api.delete_file, ["DELETE"]),
        route("/v1/files/{file_id}/content", api.file_content, ["GET"]),
        route("/v1/fine_tuning/jobs", api.create_job, ["POST"]),
        route("/v1/fine_tuning/jobs", api.list_jobs, ["GET"]),
        route("/v1/fine_tuning/jobs/{job_id}", api.get_job, ["GET"]),
        route("/v1/fine_tuning/jobs/{job_id}/cancel", api.cancel_job, ["POST"]),
        route("/v1/fine_tuning/jobs/{job_id}/pause", api.pause_job, ["POST"]),
        route("/v1/fine_tuning/jobs/{job_id}/resume", api.resume_job, ["POST"]),
        route("/v1/fine_tuning/jobs/{job_id}/events", api.list_events, ["GET"]),
        route("/v1/fine_tuning/jobs/{job_id}/checkpoints", api.list_checkpoints, ["GET"]),
        route("/v1/models", api.list_models, ["GET"]),
        route("/v1/models/{model_id:path}", api.get_model, ["GET"]),
        route("/v1/models/{model_id:path}", api.delete_model, ["DELETE"]),
        route("/v1/chat/completions", api.chat, ["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.api = api
    return app


def serve(host: str, port: int, root: Path, api_key: str | None) -> None:
    """Run the server (blocking)."""
    import uvicorn

    uvicorn.run(create_app(root, api_key), host=host, port=port, log_level="warning")
