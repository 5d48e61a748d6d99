"""Fine-tuning job endpoints of the local API: create, list, retrieve, cancel, pause, resume,
events and checkpoints."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiapp.local.api_objects import (
    APIError,
    checkpoint_object,
    event_object,
    job_object,
    not_found,
    page,
)
from tuiapp.local.http import json_body, query_limit, query_metadata
from tuiapp.local.hyperparams import HyperparameterError, check_hyperparameters, extras_given
from tuiapp.local.model_store import list_base_models, resolve_base
from tuiapp.local.runner import JobRunner
from tuiapp.local.state import TERMINAL, LocalState, new_id, now


def _object(value: Any, param: str) -> dict[str, Any]:
    """An optional JSON object parameter ({} when absent), or a 400 naming it."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise APIError(
            400, f"Invalid type for '{param}': expected an object", param=param, code="invalid_type"
        )
    return value


def _check_metadata(metadata: Any) -> None:
    """OpenAI's metadata rules: up to 16 string pairs, keys <= 64 and values <= 512 chars."""
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise APIError(400, "metadata must be an object of strings", param="metadata")
    if len(metadata) > 16:
        raise APIError(400, "metadata can have at most 16 keys", param="metadata")
    for key, value in metadata.items():
        if len(key) > 64 or not isinstance(value, str) or len(value) > 512:
            raise APIError(
                400,
                "metadata keys must be at most 64 characters and values strings of at most 512",
                param=f"metadata.{key}"[:80],
            )


class JobsAPI:
    """/v1/fine_tuning/jobs."""

    def __init__(self, state: LocalState, runner: JobRunner, dirs: list[Path]) -> None:
        self.state = state
        self.runner = runner
        self.dirs = dirs

    def _job(self, job_id: str) -> dict[str, Any]:
        """A job row or 404."""
        row = self.state.job(job_id)
        if row is None:
            raise not_found("fine-tuning job", job_id)
        return row

    async def create_job(self, request: Request) -> Response:
        """POST /v1/fine_tuning/jobs."""
        body = await json_body(request)
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
            if file_id is None:
                raise APIError(
                    400,
                    f"Missing required parameter: '{param}'",
                    param=param,
                    code="missing_required_parameter",
                )
            if not isinstance(file_id, str):
                raise APIError(
                    400,
                    f"Invalid type for '{param}': expected a string",
                    param=param,
                    code="invalid_type",
                )
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
        if kind not in ("supervised", "dpo"):
            raise APIError(
                400,
                f"method.type {kind!r} is not supported by the local backend "
                "(supported: supervised, dpo)",
                param="method.type",
            )
        section = _object(method.get(kind), f"method.{kind}")
        hyper = dict(_object(body.get("hyperparameters"), "hyperparameters"))
        hyper.update(_object(section.get("hyperparameters"), f"method.{kind}.hyperparameters"))
        if kind == "supervised" and "beta" in hyper:
            raise APIError(
                400, "beta is a DPO hyperparameter", param="method.supervised.hyperparameters"
            )
        try:
            check_hyperparameters(hyper, kind, body.get("validation_file") is not None)
        except HyperparameterError as err:
            raise APIError(400, str(err), param=err.param) from err
        suffix = body.get("suffix")
        if suffix is not None and (not isinstance(suffix, str) or len(suffix) > 64):
            raise APIError(400, "suffix must be a string of at most 64 characters", param="suffix")
        seed = body.get("seed")
        seed = secrets.randbelow(2**31) if seed is None else seed
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise APIError(400, "seed must be an integer", param="seed")
        _check_metadata(body.get("metadata"))
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
                        + (("beta",) if kind == "dpo" else ())
                    }
                    | extras_given(hyper)
                ),
                json.dumps({"type": kind}),
                json.dumps(body.get("metadata")),
            ),
        )
        self.state.add_event(job_id, f"Created fine-tuning job: {job_id}")
        self.state.add_event(job_id, "Validating training file: " + body["training_file"])
        return JSONResponse(job_object(self._job(job_id)))

    async def list_jobs(self, request: Request) -> Response:
        """GET /v1/fine_tuning/jobs: newest first, `after` and `limit`, `metadata[k]=v`."""
        limit = query_limit(request, 20)
        wanted = query_metadata(request)
        sql, params = "SELECT * FROM jobs WHERE 1", []
        if after := request.query_params.get("after"):
            sql += " AND seq < ?"
            params.append(self._job(after)["seq"])
        if wanted == {}:
            sql += " AND (metadata IS NULL OR metadata IN ('null', '{}'))"
        for key, value in (wanted or {}).items():
            sql += (
                " AND EXISTS (SELECT 1 FROM json_each(jobs.metadata) AS m "
                "WHERE m.key = ? AND m.value = ?)"
            )
            params += [key, value]
        rows = self.state.rows(f"{sql} ORDER BY seq DESC LIMIT ?", [*params, limit + 1])
        return JSONResponse(page([job_object(r) for r in rows], limit))

    async def get_job(self, request: Request) -> Response:
        """GET /v1/fine_tuning/jobs/{id}."""
        return JSONResponse(job_object(self._job(request.path_params["job_id"])))

    async def cancel_job(self, request: Request) -> Response:
        """POST /v1/fine_tuning/jobs/{id}/cancel."""
        job = self._job(request.path_params["job_id"])
        if job["status"] in TERMINAL:
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
        limit = query_limit(request, default_limit)
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
