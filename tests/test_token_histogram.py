"""The report screen's token histogram as drawn: its x axis is the same on every run (which
bucket starts it showed changed with the string hash seed at 80x24 or with many bins), and
every label it picks is shown."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tests.plot_support import draw_labels_in, x_axis
from tuiapp.widgets.histogram import TokenHistogram

VALUES = [12, 15, 18, 25, 40, 44, 61, 80, 95, 120, 133, 150, 170, 188, 201, 230, 260, 301]
LONG = [40 * i + 1000 for i in range(200)]  # four-digit bucket starts


class HistogramApp(App[None]):
    """One token histogram, `width` cells wide."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def compose(self) -> ComposeResult:
        """The histogram, as high as on the report screen."""
        histogram = TokenHistogram("assistant tokens per example")
        histogram.styles.width = self.width
        histogram.styles.height = 16
        yield histogram


@pytest.mark.parametrize(
    ("width", "values", "bins"),
    [(30, VALUES, 16), (38, VALUES, 16), (55, VALUES, 16), (60, VALUES, 40), (38, LONG, 16)],
)
async def test_the_token_axis_is_the_same_whatever_order_plotext_draws_labels_in(
    monkeypatch: pytest.MonkeyPatch, width: int, values: list[int], bins: int
) -> None:
    app = HistogramApp(width)
    async with app.run_test(size=(120, 30)) as pilot:
        histogram = app.query_one(TokenHistogram)
        axes = []
        for order in ("first", "last"):
            draw_labels_in(monkeypatch, order)
            histogram.plot(values, bins)
            await pilot.pause()
            axes.append(x_axis(histogram))
        # before, at 38 cells: '12 50 88 107 145 183  221 259' vs '... 183 221 259 297'
        assert axes[0] == axes[1], axes
        shown = axes[0].split()
        assert shown == histogram.x_labels, (shown, histogram.x_labels)  # none dropped
        assert shown[0] == str(min(values)) and len(shown) >= 2, shown


async def test_the_labels_follow_the_width_when_resized() -> None:
    app = HistogramApp(80)
    async with app.run_test(size=(120, 30)) as pilot:
        histogram = app.query_one(TokenHistogram)
        histogram.plot(VALUES)
        await pilot.pause()
        wide = x_axis(histogram).split()
        assert wide == histogram.x_labels == ["12", "50", "88", "126", "164", "202", "240", "278"]
        histogram.styles.width = 38
        await pilot.pause()
        narrow = x_axis(histogram).split()
        assert narrow == histogram.x_labels == ["12", "107", "202", "297"]
