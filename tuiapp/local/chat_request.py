"""A chat-completion request body checked as OpenAI's published spec (CreateChatCompletionRequest)
states its types and ranges, with OpenAI's error messages, `param` and `code`; parameters the
local backend cannot honour are refused instead of being ignored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuiapp.local.api_objects import APIError

ROLES = ("system", "developer", "user", "assistant", "tool", "function")


@dataclass(frozen=True)
class ChatRequest:
    """What a valid request asks for."""

    model: str
    messages: list[dict[str, Any]]
    temperature: float
    top_p: float
    seed: int | None
    stop: tuple[str, ...]
    max_tokens: int | None
    stream: bool
    include_usage: bool


def _type_error(param: str, expected: str, value: Any) -> APIError:
    """OpenAI's invalid_type error."""
    return APIError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {_kind(value)} instead.",
        param=param,
        code="invalid_type",
    )


def _kind(value: Any) -> str:
    """The JSON type of a value, as OpenAI's errors name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _number(body: dict[str, Any], param: str, low: float, high: float, default: float) -> float:
    """A decimal parameter within [low, high]; null means the default."""
    value = body.get(param)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error(param, "a decimal", value)
    if value < low:
        raise APIError(
            400,
            f"Invalid '{param}': decimal below minimum value. Expected a value >= {low:g}, "
            f"but got {value} instead.",
            param=param,
            code="decimal_below_min_value",
        )
    if value > high:
        raise APIError(
            400,
            f"Invalid '{param}': decimal above maximum value. Expected a value <= {high:g}, "
            f"but got {value} instead.",
            param=param,
            code="decimal_above_max_value",
        )
    return float(value)


def _integer(body: dict[str, Any], param: str, low: int | None = None) -> int | None:
    """An integer parameter (null means absent), at least `low` when given."""
    value = body.get(param)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error(param, "an integer", value)
    if low is not None and value < low:
        raise APIError(
            400,
            f"Invalid '{param}': integer below minimum value. Expected a value >= {low}, "
            f"but got {value} instead.",
            param=param,
            code="integer_below_min_value",
        )
    return value


def _unsupported(param: str, why: str) -> APIError:
    """A parameter the local backend does not implement."""
    return APIError(
        400,
        f"'{param}' is not supported by the local backend: {why}.",
        param=param,
        code="unsupported_parameter",
    )


def _refuse_unsupported(body: dict[str, Any]) -> None:
    """Parameters that would change the answer in ways this backend cannot honour."""
    if body.get("tools"):
        raise _unsupported("tools", "it does not call tools; send the conversation without them")
    if body.get("functions"):
        raise _unsupported("functions", "it does not call functions")
    choice = body.get("tool_choice")
    if choice not in (None, "none", "auto"):
        raise _unsupported("tool_choice", "it does not call tools")
    fmt = body.get("response_format")
    if fmt is not None and not (isinstance(fmt, dict) and fmt.get("type") == "text"):
        raise _unsupported("response_format", "only plain text answers are produced")
    if body.get("logprobs"):
        raise _unsupported("logprobs", "log probabilities are not returned")
    if body.get("top_logprobs") is not None:
        raise _unsupported("top_logprobs", "log probabilities are not returned")
    if body.get("logit_bias"):
        raise _unsupported("logit_bias", "logits cannot be biased")
    for param in ("audio", "prediction", "web_search_options"):
        if body.get(param) is not None:
            raise _unsupported(param, "text chat only")
    modalities = body.get("modalities")
    if modalities is not None and modalities != ["text"]:
        raise _unsupported("modalities", "text chat only")
    for param in ("presence_penalty", "frequency_penalty"):
        if _number(body, param, -2.0, 2.0, 0.0) != 0.0:
            raise _unsupported(param, "repetition penalties are not applied")


def _messages(value: Any) -> list[dict[str, Any]]:
    """The conversation: a non-empty array of messages with known roles and text content."""
    if value is None:
        raise APIError(
            400,
            "Missing required parameter: 'messages'.",
            param="messages",
            code="missing_required_parameter",
        )
    if not isinstance(value, list):
        raise _type_error("messages", "an array", value)
    if not value:
        raise APIError(
            400,
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    return [_message(i, m) for i, m in enumerate(value)]


def _message(i: int, message: Any) -> dict[str, Any]:
    """One message, checked; content reduced to its text."""
    where = f"messages.[{i}]"
    if not isinstance(message, dict):
        raise _type_error(where, "an object", message)
    role = message.get("role")
    if role is None:
        raise APIError(
            400,
            f"Missing required parameter: '{where}.role'.",
            param=f"{where}.role",
            code="missing_required_parameter",
        )
    if not isinstance(role, str):
        raise _type_error(f"{where}.role", "a string", role)
    if role not in ROLES:
        raise APIError(
            400,
            f"Invalid value: '{role}'. Supported values are: "
            + ", ".join(f"'{r}'" for r in ROLES)
            + ".",
            param=f"{where}.role",
            code="invalid_value",
        )
    content = message.get("content")
    if content is None:
        if role == "assistant" and (message.get("tool_calls") or message.get("function_call")):
            return {"role": role, "content": None, "tool_calls": message.get("tool_calls")}
        raise APIError(
            400,
            f"Invalid value for '{where}.content': expected a string or an array of content "
            "parts, got null.",
            param=f"{where}.content",
            code="invalid_value",
        )
    return {"role": role, "content": _content(f"{where}.content", content)}


def _content(where: str, content: Any) -> str:
    """A message's content as text: a string, or an array of text parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _type_error(where, "a string or an array of content parts", content)
    if not content:
        raise APIError(
            400,
            f"Invalid '{where}': empty array. Expected an array with minimum length 1.",
            param=where,
            code="empty_array",
        )
    texts = []
    for j, part in enumerate(content):
        at = f"{where}.[{j}]"
        if not isinstance(part, dict):
            raise _type_error(at, "an object", part)
        kind = part.get("type")
        if kind != "text":
            if kind in ("image_url", "input_audio", "file", "refusal"):
                raise _unsupported(f"{at}.type", f"'{kind}' parts cannot be read, only text")
            raise APIError(
                400,
                f"Invalid value: {kind!r}. Supported values are: 'text'.",
                param=f"{at}.type",
                code="invalid_value",
            )
        text = part.get("text")
        if not isinstance(text, str):
            raise _type_error(f"{at}.text", "a string", text)
        texts.append(text)
    return "".join(texts)


def _stop(value: Any) -> tuple[str, ...]:
    """`stop`: null, a string, or up to 4 strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise _type_error("stop", "a string or an array of strings", value)
    if len(value) > 4:
        raise APIError(
            400,
            f"Invalid 'stop': array too long. Expected an array with maximum length 4, "
            f"but got an array with length {len(value)} instead.",
            param="stop",
            code="array_above_max_length",
        )
    return tuple(s for s in value if s)


def parse_chat_request(body: dict[str, Any]) -> ChatRequest:
    """The request a body asks for, or the APIError OpenAI would answer."""
    model = body.get("model")
    if model is None:
        raise APIError(
            400,
            "Missing required parameter: 'model'.",
            param="model",
            code="missing_required_parameter",
        )
    if not isinstance(model, str):
        raise _type_error("model", "a string", model)
    messages = _messages(body.get("messages"))
    temperature = _number(body, "temperature", 0.0, 2.0, 1.0)
    top_p = _number(body, "top_p", 0.0, 1.0, 1.0)
    n = _integer(body, "n", low=1)
    if n is not None and n > 1:
        raise _unsupported("n", "it returns one choice per request")
    seed = _integer(body, "seed")
    max_tokens = _integer(body, "max_tokens", low=1)
    max_completion = _integer(body, "max_completion_tokens", low=1)
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _type_error("stream", "a boolean", stream)
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise _type_error("stream_options", "an object", options)
    include_usage = (options or {}).get("include_usage")
    if include_usage is not None and not isinstance(include_usage, bool):
        raise _type_error("stream_options.include_usage", "a boolean", include_usage)
    _refuse_unsupported(body)
    return ChatRequest(
        model=model,
        messages=messages,
        temperature=temperature,
        top_p=top_p,
        seed=seed,
        stop=_stop(body.get("stop")),
        max_tokens=max_completion if max_completion is not None else max_tokens,
        stream=bool(stream),
        include_usage=bool(include_usage),
    )
