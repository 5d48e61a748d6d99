"""Small HTTP helpers shared by the local API's handlers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from tuiapp.local.api_objects import APIError

MAX_LIMIT = 100


def query_limit(request: Request, default: int = 20) -> int:
    """The `limit` query parameter, checked."""
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise APIError(400, f"limit must be an integer from 1 to {MAX_LIMIT}", param="limit")
    return int(raw)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 400."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise APIError(400, f"We could not parse the JSON body of your request: {err}") from err
    if not isinstance(body, dict):
        raise APIError(400, "The request body must be a JSON object")
    return body
