"""Mask secrets in any text about to be shown, printed or logged: the values of the key
variables the providers read, and strings shaped like API keys or bearer tokens."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

MASK = "<redacted>"
# Secrets no provider adapter declares (the local backend's key, Hugging Face, GitHub); the
# adapters' own key variables come from the provider registry (key_variables).
KEY_VARIABLES = (
    "TUIAPP_LOCAL_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "GITHUB_TOKEN",
)
_REMEMBERED: set[str] = set()  # keys in use that came from no variable (remember_secret)
MIN_SECRET = 8  # shorter values (the local backend's default "local") would mask plain words
KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"sk-[A-Za-z0-9_*\-]{6,}"  # OpenAI (sk-..., sk-proj-...), Anthropic, many compatibles
    r"|gh[pousr]_[A-Za-z0-9]{8,}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{8,}"
    r"|AKIA[0-9A-Z]{12,}"  # AWS access key ids
    r"|hf_[A-Za-z0-9]{8,}"  # Hugging Face
    r"|xox[abprs]-[A-Za-z0-9\-]{8,}"  # Slack
    r")"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/\-]{8,}=*"
)


def key_variables() -> tuple[str, ...]:
    """Every variable whose value is a secret: each registered adapter's, then KEY_VARIABLES."""
    try:
        from tuiapp.providers.adapter import adapters

        declared = [name for found in adapters() for name in found.secrets]
    except Exception:  # masking must work even when a provider plug-in cannot be loaded
        declared = []
    return tuple(dict.fromkeys((*declared, *KEY_VARIABLES)))


def remember_secret(value: str | None) -> None:
    """Mask this value from now on as well (a key the app got from the OS keyring, which no
    environment variable holds)."""
    if value and len(value.strip()) >= MIN_SECRET:
        _REMEMBERED.add(value.strip())


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The key values set in the environment, and those remembered, longest first (so no value
    is half-masked)."""
    env = os.environ if env is None else env
    values = {env[name].strip() for name in key_variables() if env.get(name)} | _REMEMBERED
    return sorted((v for v in values if len(v) >= MIN_SECRET), key=len, reverse=True)


def redact(text: object, env: Mapping[str, str] | None = None) -> str:
    """The text (str() of any object) with every known key value and key-shaped string masked."""
    out = str(text)
    for value in secret_values(env):
        out = out.replace(value, MASK)
    return KEY_SHAPES.sub(_mask_match, out)


def _mask_match(match: re.Match[str]) -> str:
    """A key-shaped match masked; a bearer token keeps its scheme word."""
    found = match.group(0)
    if found[:6].lower() == "bearer":
        return found.split(None, 1)[0] + " " + MASK
    return MASK
