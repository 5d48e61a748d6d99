"""Screens reach the app one way (the workspace), never import the app or open a sibling
drill-down screen themselves, and await their dialogs instead of nesting callbacks."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

from textual.screen import ModalScreen, Screen

ROOT = Path(__file__).resolve().parent.parent
SCREEN_FILES = sorted((ROOT / "screens").glob("*.py"))
UI_FILES = [*SCREEN_FILES, *sorted((ROOT / "tuiapp").glob("*.py"))]


def imports_of(path: Path) -> list[tuple[ast.ImportFrom | ast.Import, bool]]:
    """Every import statement of a module, with whether it sits inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
    }
    return [
        (node, id(node) in nested)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def test_no_screen_imports_the_app_or_the_navigation() -> None:
    found = []
    for path in SCREEN_FILES:
        for node, _ in imports_of(path):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                names = [a.name for a in node.names]
            forbidden = [n for n in names if n in ("tuiapp.app", "tuiapp.navigation")]
            found += [f"{path.name}: {n}" for n in forbidden]
    assert found == []


def test_screens_open_drill_downs_through_the_navigation_only() -> None:
    """A screen may import dialogs (modal screens) and widgets of another screens module, never
    a full screen, and never inside a function."""
    found = []
    for path in SCREEN_FILES:
        for node, nested in imports_of(path):
            if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("screens")):
                continue
            if nested:
                found.append(f"{path.name}: import of {node.module} inside a function")
            module = importlib.import_module(node.module or "")
            for alias in node.names:
                obj = getattr(module, alias.name)
                is_class = isinstance(obj, type)
                if is_class and issubclass(obj, Screen) and not issubclass(obj, ModalScreen):
                    found.append(f"{path.name}: {alias.name} (a drill-down screen)")
    assert found == []


def test_no_push_screen_callback_is_left() -> None:
    """Sequential dialogs read straight down: `await push_screen_wait(...)` in a worker."""
    found = []
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "push_screen"
                and (len(node.args) > 1 or any(k.arg == "callback" for k in node.keywords))
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


def test_the_workspace_module_loads_no_textual() -> None:
    code = "import sys, tuiapp.workspace; print(any(m.startswith('textual') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
