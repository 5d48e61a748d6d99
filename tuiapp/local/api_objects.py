"""State rows as OpenAI API objects, and OpenAI-shaped errors and list pages."""

from __future__ import annotations

import json
from typing import Any


class APIError(Exception):
    """An error response: `{"error": {"message", "type", "param", "code"}}` with a status."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": type, "param": param, "code": code}}


def not_found(kind: str, object_id: str) -> APIError:
    """The 404 for an unknown id."""
    return APIError(404, f"No such {kind}: {object_id}", param="id", code="not_found")


def _json(value: str | None, default: Any = None) -> Any:
    """Decode a JSON column."""
    return json.loads(value) if value else default


def file_object(row: dict[str, Any]) -> dict[str, Any]:
    """A file (`status_details` only when there are some: the spec has no null for it)."""
    out = {
        "id": row["id"],
        "object": "file",
        "bytes": row["bytes"],
        "created_at": row["created_at"],
        "filename": row["filename"],
        "purpose": row["purpose"],
        "status": row["status"],
    }
    if row["status_details"]:
        out["status_details"] = row["status_details"]
    return out


def job_object(row: dict[str, Any]) -> dict[str, Any]:
    """A fine-tuning job."""
    hyper = _json(row["hyperparameters"], {})
    method = _json(row["method"], {"type": "supervised"})
    method.setdefault(method.get("type", "supervised"), {})
    method[method["type"]]["hyperparameters"] = hyper
    return {
        "id": row["id"],
        "object": "fine_tuning.job",
        "created_at": row["created_at"],
        "error": _json(row["error"]),
        "fine_tuned_model": row["fine_tuned_model"],
        "finished_at": row["finished_at"],
        "hyperparameters": hyper,
        "model": row["model"],
        "organization_id": "org-local",
        "result_files": _json(row["result_files"], []),
        "seed": row["seed"],
        "status": row["status"],
        "trained_tokens": row["trained_tokens"],
        "training_file": row["training_file"],
        "validation_file": row["validation_file"],
        "estimated_finish": row["estimated_finish"],
        "integrations": [],
        "metadata": _json(row["metadata"]),
        "method": method,
        "suffix": row["suffix"],
    }


def event_object(row: dict[str, Any]) -> dict[str, Any]:
    """A job event."""
    return {
        "id": row["id"],
        "object": "fine_tuning.job.event",
        "created_at": row["created_at"],
        "level": row["level"],
        "message": row["message"],
        "type": row["type"],
        "data": _json(row["data"], {}),
    }


def checkpoint_object(row: dict[str, Any]) -> dict[str, Any]:
    """A job checkpoint."""
    return {
        "id": row["id"],
        "object": "fine_tuning.job.checkpoint",
        "created_at": row["created_at"],
        "fine_tuned_model_checkpoint": row["fine_tuned_model_checkpoint"],
        "fine_tuning_job_id": row["job_id"],
        "metrics": _json(row["metrics"], {}),
        "step_number": row["step_number"],
    }


def model_object(model_id: str, created: int, owned_by: str) -> dict[str, Any]:
    """A model."""
    return {"id": model_id, "object": "model", "created": created, "owned_by": owned_by}


def page(items: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """A cursor page: `items` holds up to limit + 1 rows, the extra one only says has_more."""
    data = items[:limit]
    return {
        "object": "list",
        "data": data,
        "has_more": len(items) > limit,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
