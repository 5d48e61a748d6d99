"""User configuration from `config.toml` in the config folder (key remapping, defaults)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tuiapp.paths import AppPaths
from tuiapp.providers.base import Timeouts

EXAMPLE = """\
# tuiapp configuration
# default_model = "gpt-4o-mini-2024-07-18"
#
# [keymap]        # binding id = keys (comma-separated); ids are listed in the README
# "review.accept" = "y"
# "review.reject" = "n,delete"
#
# [timeouts]      # seconds a provider request may wait
# connect = 10    # to reach the service
# read = 120      # for an answer once connected
"""


@dataclass(frozen=True)
class Config:
    """Settings a user writes by hand; never secrets."""

    default_model: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    timeouts: Timeouts = field(default_factory=Timeouts)


class ConfigError(ValueError):
    """The config file is not valid TOML or has values of the wrong type."""


def config_path(paths: AppPaths) -> Path:
    """Where the config file lives."""
    return paths.config_dir / "config.toml"


def load_config(paths: AppPaths) -> Config:
    """Read the config file; a missing file means defaults."""
    path = config_path(paths)
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from err
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError(f"{path}: [keymap] must map binding ids to key strings")
    model = data.get("default_model")
    if model is not None and not isinstance(model, str):
        raise ConfigError(f"{path}: default_model must be a string")
    return Config(default_model=model, keymap=dict(keymap), timeouts=_timeouts(path, data))


def _timeouts(path: Path, data: dict[str, object]) -> Timeouts:
    """The `[timeouts]` table: positive numbers of seconds, defaults for what is missing."""
    table = data.get("timeouts", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [timeouts] must be a table")
    values: dict[str, float] = {}
    for name in ("connect", "read"):
        value = table.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{path}: timeouts.{name} must be a positive number of seconds")
        values[name] = float(value)
    return Timeouts(**values)
