"""Small HTTP helpers shared by the local API's handlers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from tuiapp.local.api_objects import APIError

MAX_LIMIT = 10_000  # the files list's documented range is 1-10,000; every list takes the same


def query_limit(request: Request, default: int) -> int:
    """The `limit` query parameter (the list's own default when absent), checked."""
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise APIError(
            400,
            f"Invalid 'limit': expected an integer from 1 to {MAX_LIMIT:,}, got {raw!r}.",
            param="limit",
            code="invalid_value",
        )
    return int(raw)


def query_order(request: Request) -> str:
    """The `order` query parameter as SQL: `desc` (the default) or `asc`."""
    raw = request.query_params.get("order", "desc")
    if raw not in ("asc", "desc"):
        raise APIError(
            400,
            f"Invalid 'order': expected 'asc' or 'desc', got {raw!r}.",
            param="order",
            code="invalid_value",
        )
    return raw.upper()


def query_metadata(request: Request) -> dict[str, str] | None:
    """The `metadata[k]=v` filter as a dict; {} for `metadata=null` (jobs without metadata);
    None when the request has no filter."""
    wanted = {
        key[len("metadata[") : -1]: value
        for key, value in request.query_params.multi_items()
        if key.startswith("metadata[") and key.endswith("]")
    }
    if wanted:
        return wanted
    return {} if request.query_params.get("metadata") == "null" else None


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 400."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise APIError(400, f"We could not parse the JSON body of your request: {err}") from err
    if not isinstance(body, dict):
        raise APIError(400, "The request body must be a JSON object")
    return body
