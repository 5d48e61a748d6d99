"""The OpenAI-compatible HTTP API of the local backend (Starlette): files, fine-tuning jobs,
models and chat completions, with OpenAI's shapes, status codes, errors and pagination; and
`/v1/local/machine`, this backend's own: its free memory and which base models fit."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tuiapp.local import machine
from tuiapp.local.api_files import FilesAPI
from tuiapp.local.api_jobs import JobsAPI
from tuiapp.local.api_models import ChatLimits, ModelsAPI
from tuiapp.local.api_objects import APIError
from tuiapp.local.inference import ModelPool
from tuiapp.local.model_store import model_dirs
from tuiapp.local.runner import JobRunner
from tuiapp.local.state import LocalState, open_state


class LocalAPI:
    """The handlers over one state folder, and the job runner they share."""

    def __init__(
        self,
        state: LocalState,
        api_key: str | None,
        limits: ChatLimits | None = None,
        max_batch: int = 16,
    ) -> None:
        self.state = state
        self.api_key = api_key
        self.runner = JobRunner(state)
        dirs = model_dirs([state.root / "models"])
        self.files = FilesAPI(state)
        self.jobs = JobsAPI(state, self.runner, dirs)
        self.models = ModelsAPI(state, ModelPool(max_batch), dirs, limits)


def _internal_error(request: Request, err: BaseException) -> Response:
    """A JSON 500 for a bug: the traceback goes to the server log, the connection stays open."""
    print(f"{request.method} {request.url.path}: internal error", file=sys.stderr)
    traceback.print_exception(err, file=sys.stderr)
    return JSONResponse(
        APIError(
            500,
            "The server had an error while processing your request "
            f"({type(err).__name__}); the server log has the details.",
            type="server_error",
            code="internal_error",
        ).body,
        500,
    )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes and methods in OpenAI's error shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = f"Method {request.method} is not allowed for {request.url.path}."
    elif exc.status_code == 404:
        message = f"Invalid URL ({request.method} {request.url.path})"
    else:
        message = str(exc.detail)
    return JSONResponse(
        APIError(exc.status_code, message, code=_HTTP_CODES.get(exc.status_code)).body,
        exc.status_code,
        headers=exc.headers,
    )


def create_app(
    root: str | Path,
    api_key: str | None = None,
    limits: ChatLimits | None = None,
    max_batch: int = 16,
) -> Starlette:
    """The ASGI app over a state folder; the job runner starts with it."""
    state = open_state(root)
    api = LocalAPI(state, api_key, limits, max_batch)

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
        except Exception as err:  # never a plain-text 500, never a dropped connection
            return _internal_error(request, err)

    def route(path: str, handler: Any, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(request, handler)

        return Route(path, endpoint, methods=methods)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def local_machine(request: Request) -> Response:  # not OpenAI's: this backend's own
        def report() -> dict[str, Any]:
            return machine.machine_report(api.models.dirs, machine.read_memory())

        return JSONResponse(await run_in_threadpool(report))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.runner.recover()
        task = asyncio.create_task(api.runner.run())
        yield
        task.cancel()

    routes = [
        Route("/health", health),
        route("/v1/files", api.files.upload_file, ["POST"]),
        route("/v1/files", api.files.list_files, ["GET"]),
        route("/v1/files/{file_id}", api.files.get_file, ["GET"]),
        route("/v1/files/{file_id}", api.files.delete_file, ["DELETE"]),
        route("/v1/files/{file_id}/content", api.files.file_content, ["GET"]),
        route("/v1/fine_tuning/jobs", api.jobs.create_job, ["POST"]),
        route("/v1/fine_tuning/jobs", api.jobs.list_jobs, ["GET"]),
        route("/v1/fine_tuning/jobs/{job_id}", api.jobs.get_job, ["GET"]),
        route("/v1/fine_tuning/jobs/{job_id}/cancel", api.jobs.cancel_job, ["POST"]),
        route("/v1/fine_tuning/jobs/{job_id}/pause", api.jobs.pause_job, ["POST"]),
        route("/v1/fine_tuning/jobs/{job_id}/resume", api.jobs.resume_job, ["POST"]),
        route("/v1/fine_tuning/jobs/{job_id}/events", api.jobs.list_events, ["GET"]),
        route("/v1/fine_tuning/jobs/{job_id}/checkpoints", api.jobs.list_checkpoints, ["GET"]),
        route("/v1/models", api.models.list_models, ["GET"]),
        route("/v1/models/{model_id:path}", api.models.get_model, ["GET"]),
        route("/v1/models/{model_id:path}", api.models.delete_model, ["DELETE"]),
        route("/v1/chat/completions", api.models.chat, ["POST"]),
        route("/v1/local/machine", local_machine, ["GET"]),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_error}
    )
    app.state.api = api
    return app


def serve(
    host: str,
    port: int,
    root: Path,
    api_key: str | None,
    limits: ChatLimits | None = None,
    max_batch: int = 16,
) -> None:
    """Run the server (blocking)."""
    import uvicorn

    app = create_app(root, api_key, limits, max_batch)
    uvicorn.run(app, host=host, port=port, log_level="warning")
