"""Where tuiapp keeps its config, database and caches (platformdirs, or one TUIAPP_HOME folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "tuiapp"


@dataclass(frozen=True)
class AppPaths:
    """The folders tuiapp writes to."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def database(self) -> Path:
        """The SQLite database that holds every decision the user made."""
        return self.data_dir / "tuiapp.db"

    def ensure(self) -> AppPaths:
        """Create the folders if they are missing and return self."""
        for folder in (self.config_dir, self.data_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(home: str | os.PathLike[str] | None = None) -> AppPaths:
    """Resolve the folders: an explicit home, else $TUIAPP_HOME, else the platform dirs."""
    home = home or os.environ.get("TUIAPP_HOME")
    if home:
        root = Path(home).expanduser()
        return AppPaths(root / "config", root / "data", root / "cache")
    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME)),
        Path(platformdirs.user_data_dir(APP_NAME)),
        Path(platformdirs.user_cache_dir(APP_NAME)),
    )
