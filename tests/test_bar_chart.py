"""The quality screen's bar chart as drawn: a histogram's x axis is the same on every run (it
changed with the string hash seed), every label it picks is shown, counts are whole numbers,
and the title stays on screen when the chart is narrow."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tests.plot_support import draw_labels_in, x_axis
from tuiapp.widgets.bars import BarChart, label_every

EDGES = [float(e) for e in range(0, 38, 2)]  # the snapshot dataset: 18 bins of 2 tokens
COUNTS = [2, 10, *([0] * 15), 1]


class ChartApp(App[None]):
    """One bar chart, `width` cells wide."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def compose(self) -> ComposeResult:
        """The chart."""
        chart = BarChart()
        chart.styles.width = self.width
        chart.styles.height = 20
        yield chart


def lines(chart: BarChart) -> list[str]:
    """The chart's lines as drawn."""
    return chart.render().plain.splitlines()  # type: ignore[union-attr]


@pytest.mark.parametrize("width", [28, 32, 42, 60])
async def test_the_histogram_axis_is_the_same_whatever_order_plotext_draws_labels_in(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    app = ChartApp(width)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(BarChart)
        axes = []
        for order in ("first", "last"):
            draw_labels_in(monkeypatch, order)
            chart.histogram("assistant tokens per example", EDGES, COUNTS, [5.0])
            await pilot.pause()
            axes.append(x_axis(chart))
        assert axes[0] == axes[1], axes  # before: e.g. '0 4 6 10 16 24 28 32' vs '2 8 14 ... 34'
        assert axes[0].split() == chart.x_labels, (axes[0], chart.x_labels)  # none dropped
        assert chart.x_labels[0] == "0" and len(chart.x_labels) >= 3, chart.x_labels
        assert chart.y_labels == [str(n) for n in range(0, 11, 2)] or chart.y_labels == [
            str(n) for n in range(11)
        ], chart.y_labels  # whole counts, not 1.7 or 8.3
        assert lines(chart)[0].strip() == "assistant tokens per example"


def test_labels_are_spaced_for_two_labels_and_margins() -> None:
    assert label_every(18, 2, 130) == 1  # 6.8 cells a bar: room for every label
    assert label_every(18, 2, 100) == 2  # 5.2 cells a bar: every other one
    assert label_every(18, 2, 24) == 5  # 1.3 cells a bar: every fifth (0, 10, 20, 30)
    assert label_every(1, 5, 10) == 1
    assert label_every(500, 4, 30) == 200  # 0.06 cells a bar: 0, 200, 400
    assert label_every(500, 4, 0) == 500


async def test_a_narrow_chart_keeps_its_title_cut_short() -> None:
    app = ChartApp(20)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(BarChart)
        chart.counts("examples with personal data", {"email": 3, "phone": 1})
        await pilot.pause()
        assert lines(chart)[0].startswith("examples with pers") and "…" in lines(chart)[0]
