"""Start-up stays light: the first paint of the TUI loads none of the heavy modules that only
drill-down screens, imports or evaluations need (numpy, jsonschema, tiktoken, SDKs, torch)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "jsonschema", "tiktoken", "openai", "transformers", "torch", "importlib.metadata")
AFTER_PAINT = ("tuiapp.services.job_watch", "tuiapp.jobs.diagnosis")  # the job watcher's

FIRST_PAINT = """
import sys
from tuiapp.app import make_app
from tuiapp.paths import app_paths
app = make_app(app_paths(sys.argv[1]))
app.call_later(lambda: app.call_after_refresh(app.exit))
app.run(headless=True)
print(" ".join(m for m in sys.argv[2:] if m in sys.modules))
"""


def test_the_first_paint_loads_no_heavy_module(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, str(tmp_path / "home"), *HEAVY, *AFTER_PAINT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip().splitlines()[-1:] in ([], [""])
