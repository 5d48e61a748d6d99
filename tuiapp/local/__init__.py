"""The embedded local backend: an OpenAI-compatible server that really fine-tunes on the CPU.

Its heavy dependencies are the `local` extra; `missing_dependencies()` says what is absent so
the app and CLI can tell the user how to get them."""

from __future__ import annotations

import importlib.util

REQUIRED = ("torch", "transformers", "peft", "safetensors", "starlette", "uvicorn", "multipart")
INSTALL_HINT = "pip install torch==2.13.0 && pip install 'tuiapp[local]'"


def missing_dependencies() -> list[str]:
    """Modules of the `local` extra that are not installed."""
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]
