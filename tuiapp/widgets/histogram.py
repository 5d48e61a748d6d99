"""A token-count histogram drawn with textual-plotext, its count axis in whole numbers."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from tuiapp.data.chart_ticks import count_ticks
from tuiapp.data.stats import histogram


class TokenHistogram(PlotextPlot):
    """Bars of how many examples fall in each token-count bucket."""

    DEFAULT_CSS = "TokenHistogram { height: 14; min-height: 8; }"

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._values: Sequence[int] = ()
        self._bins = 16
        self.y_labels: list[str] = []

    def on_resize(self) -> None:
        """Choose the count ticks again for the new height."""
        if self._values:
            self.plot(self._values, self._bins)

    def plot(self, values: Sequence[int], bins: int = 16) -> None:
        """Replot with new values."""
        self._values, self._bins = values, bins
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        buckets = histogram(values, bins)
        if buckets:
            labels = [f"{lo}" for lo, _hi, _n in buckets]
            counts = [n for _lo, _hi, n in buckets]
            plt.bar(labels, counts)
            ticks = count_ticks(max(counts), max(2, (self.size.height - 4) // 2))
            plt.yticks([float(t) for t in ticks], [str(t) for t in ticks])
            self.y_labels = [str(t) for t in ticks]
            plt.xlabel("tokens (bucket start)")
            plt.ylabel("examples")
        self.refresh()
