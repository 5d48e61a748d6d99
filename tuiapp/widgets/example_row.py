"""One line of the review list: line number, status, severity, edit and tag marks, tokens,
then the preview, each in its component's style (the list widget caches the lines)."""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style

from tuiapp.problems import Severity
from tuiapp.store.records import ExampleRow
from tuiapp.widgets.terminal_safety import drawable

STATUS_GLYPHS = {"pending": "·", "accepted": "✓", "rejected": "✗", "flagged": "⚑"}
SEVERITY_MARKS = {Severity.ERROR: ("E", "error"), Severity.WARNING: ("W", "warning")}


def tokens_label(n: int) -> str:
    """A token count in four cells."""
    return f"{n:>4}" if n < 10_000 else f"{n // 1000:>3}k" if n < 1_000_000 else " >1M"


def row_segments(
    row: ExampleRow,
    line_width: int,
    base: Style,
    component: Callable[[str], Style],
    is_cursor: bool,
) -> list[Segment]:
    """The row's segments; `component` gives the style of a component class (the cursor's
    row is drawn in its base style alone)."""

    def styled(name: str) -> Style:
        return base if is_cursor else base + component(f"example-list--{name}")

    glyph = STATUS_GLYPHS.get(row.status, "?")
    status_style = styled(row.status) if row.status != "pending" else base
    severity, severity_style = SEVERITY_MARKS.get(row.severity, (" ", "dim"))
    marks = ("✎" if row.edited else " ") + ("#" if row.tagged else " ")
    return [
        Segment(f"{row.line:>{line_width}} ", styled("dim")),
        Segment(glyph, status_style),
        Segment(severity, styled(severity_style)),
        Segment(marks, styled("dim")),
        Segment(f" {tokens_label(row.n_tokens)} ", styled("dim")),
        Segment(drawable(row.preview) or "(no text)", base),
    ]
