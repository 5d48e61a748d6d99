"""Reading plotext charts as drawn, and drawing them in a fixed label order: plotext
de-duplicates (tick, label) pairs through a set, so which colliding labels it keeps followed
the process's string hash seed."""

from __future__ import annotations

from typing import Any

import plotext._utility
import pytest
from textual.widget import Widget


def x_axis(chart: Widget) -> str:
    """The line of x labels under the plot of a chart widget, as drawn."""
    drawn = chart.render().plain.splitlines()  # type: ignore[union-attr]
    return drawn[next(i for i in range(len(drawn) - 1, -1, -1) if "└" in drawn[i]) + 1]


def draw_labels_in(monkeypatch: pytest.MonkeyPatch, order: str) -> None:
    """Have plotext de-duplicate (tick, label) pairs in a fixed order ("first" or its
    reverse) instead of a set's: what two runs with different string hash seeds did."""

    def no_duplicates(data: Any) -> list[Any]:
        unique = list(dict.fromkeys(data))
        return unique if order == "first" else unique[::-1]

    monkeypatch.setattr(plotext._utility, "no_duplicates", no_duplicates)
