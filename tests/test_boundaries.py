"""The layering holds: SQL only in tuiapp/store, imports point down, the core never loads
Textual (every core module is checked, found by walking the packages)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("store", "data", "services", "providers", "jobs", "evals", "local")
CORE_MODULES = ("redact", "paths", "config", "problems", "processes")
# What each core layer may import of tuiapp (its own package is always allowed).
ALLOWED = {
    "store": {"paths", "problems"},
    "data": {"paths", "problems", "processes"},
    "problems": set(),
    "paths": set(),
    "processes": set(),  # worker pools that end with their parent: a leaf, like paths
    "config": {"paths", "providers"},
    "redact": {"providers"},
    "providers": {"config", "redact", "paths", "local", "data", "problems"},
    "local": {"data", "paths", "problems", "redact", "config"},
    "jobs": {"store", "data", "problems", "paths"},
    "evals": {"store", "data", "problems", "paths"},
    "services": {
        "store",
        "data",
        "local",  # its Textual-free, torch-free parts: the trainer's loss mask, the model folders
        "providers",
        "jobs",
        "evals",
        "problems",
        "paths",
        "config",
        "redact",
        "processes",
    },
}
UI = ("textual", "textual_plotext", "screens", "tuiapp.app", "tuiapp.widgets", "tuiapp.cli")
# tuiapp.cli also stands for tuiapp.cli_jobs, tuiapp.cli_quality...
SQL = re.compile(
    r"\.(?:execute|executemany|executescript|rows|iterdump)\(|\bconn\.(?:commit|rollback)\b"
    r"|\bwith\s+[\w.]*\bconn\s*:|^\s*(?:import|from)\s+(?:sqlite3|sqlite_utils)\b"
)


def core_files() -> list[Path]:
    """Every .py file of the core: its packages and its top-level modules."""
    files = [p for pkg in CORE for p in sorted((ROOT / "tuiapp" / pkg).rglob("*.py"))]
    return files + [ROOT / "tuiapp" / f"{name}.py" for name in CORE_MODULES]


def module_name(path: Path) -> str:
    """tuiapp/store/db.py -> tuiapp.store.db (a package's __init__ names the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module a source imports, at the top or inside functions (relative ones resolved)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            found.add(".".join([*base, *([node.module] if node.module else [])]))
    return found


def imports(path: Path) -> set[str]:
    """Every module a file imports."""
    return imports_of(path.read_text(), module_name(path), path.name == "__init__.py")


def layer(module: str) -> str:
    """The layer of a tuiapp module: tuiapp.store.db -> store, tuiapp.paths -> paths."""
    return module.split(".")[1]


def wrong(module: str, targets: set[str]) -> list[str]:
    """The imports of a core module that point the wrong way, as `module imports target`."""
    bad = []
    for target in sorted(targets):
        if any(target == ui or target.startswith((ui + ".", ui + "_")) for ui in UI):
            bad.append(f"{module} imports {target} (UI)")
        elif (
            target.startswith("tuiapp.")
            and layer(target) != layer(module)
            and layer(target) not in ALLOWED[layer(module)]
        ):
            bad.append(f"{module} imports {target}")
    return bad


def violations() -> list[str]:
    """Every wrong import of every core module."""
    return [bad for path in core_files() for bad in wrong(module_name(path), imports(path))]


def sql_calls(text: str) -> list[int]:
    """Line numbers of SQL calls in a file's text."""
    return [n for n, line in enumerate(text.splitlines(), 1) if SQL.search(line)]


def test_sql_lives_only_in_the_store() -> None:
    files = [*(ROOT / "tuiapp").rglob("*.py"), *(ROOT / "screens").rglob("*.py")]
    outside = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(files)
        if not path.relative_to(ROOT).as_posix().startswith(("tuiapp/store/", "tuiapp/local/"))
        for n in sql_calls(path.read_text())
    ]
    assert outside == [], "SQL outside tuiapp/store: " + ", ".join(outside)


def test_the_sql_finder_sees_every_query_style() -> None:
    text = (
        "rows = store.conn.execute('SELECT 1')\n"
        "for row in store.rows('SELECT 2'):\n"
        "with self.tui.store.conn:\n"
        "import sqlite3\n"
        "store.execute_plan(x)  # not SQL\n"
    )
    assert sql_calls(text) == [1, 2, 3, 4]


def test_every_core_module_imports_only_downwards() -> None:
    assert len(core_files()) > 60  # the walk found the packages
    assert violations() == []


def test_the_import_check_sees_wrong_imports_anywhere_in_a_module() -> None:
    source = (
        "from tuiapp.data.limits import MAX_DEPTH\n"
        "def f():\n"
        "    from ..store import db\n"
        "    import textual.app\n"
        "    from tuiapp.cli_jobs import main\n"
    )
    found = imports_of(source, "tuiapp.data.probe")
    assert found == {"tuiapp.data.limits", "tuiapp.store", "textual.app", "tuiapp.cli_jobs"}
    assert wrong("tuiapp.data.probe", found) == [
        "tuiapp.data.probe imports textual.app (UI)",
        "tuiapp.data.probe imports tuiapp.cli_jobs (UI)",
        "tuiapp.data.probe imports tuiapp.store",
    ]
    assert wrong("tuiapp.services.probe", {"tuiapp.store.db", "tuiapp.data.limits"}) == []


def test_core_never_imports_textual() -> None:
    names = [module_name(p) for p in core_files()]
    names += ["tuiapp.cli", "tuiapp.cli_jobs", "tuiapp.cli_quality", "tuiapp.cli_errors"]
    code = (
        "import importlib, sys\n"
        f"names = {names!r}\n"
        "skipped = []\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as err:\n"
        "        if (err.name or '').startswith('tuiapp'):\n"
        "            raise\n"
        "        skipped.append(f'{name} (needs {err.name})')\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print('imported', len(names) - len(skipped), 'skipped', skipped, 'textual', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = int(proc.stdout.split()[1])
    assert imported >= len(names) - 10, proc.stdout  # at most the optional extra's modules skip
