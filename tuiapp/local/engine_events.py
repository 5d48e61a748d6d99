"""What goes into a generation engine (a request) and what comes out of it (events)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tuiapp.local.sampling import Sampling


@dataclass
class Piece:
    """New text of one request."""

    text: str


@dataclass
class Finished:
    """A request ended: why, and its token counts."""

    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


DELETED = "The model was deleted"


class ModelGone(LookupError):
    """The model a request names was deleted after the request found it."""


@dataclass
class Failed:
    """A request failed inside the engine."""

    message: str
    model_gone: bool = False  # its model was deleted under it: not found, not a server error


Event = Piece | Finished | Failed


@dataclass
class Request:
    """A prompt queued for generation; `emit` is called on the engine thread."""

    prompt_ids: list[int]
    adapter: str | None
    sampling: Sampling
    emit: Callable[[Event], None]
    cancelled: threading.Event = field(default_factory=threading.Event)
