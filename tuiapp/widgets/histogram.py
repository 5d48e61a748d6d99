"""A token-count histogram drawn with textual-plotext, its count axis in whole numbers and
its bucket starts spaced so that none is dropped."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tuiapp.data.chart_ticks import count_ticks, label_every
from tuiapp.data.stats import histogram


class TokenHistogram(PlotextPlot):
    """Bars of how many examples fall in each token-count bucket; the axes' ticks are chosen
    for the size it is drawn at (the same rule as the quality screen's BarChart)."""

    DEFAULT_CSS = "TokenHistogram { height: 14; min-height: 8; }"

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._starts: list[str] = []  # each bucket's first token count, one a bar
        self._max_count = 0
        self.x_labels: list[str] = []  # the bucket starts labelled, as last drawn
        self.y_labels: list[str] = []  # and the count ticks

    def plot(self, values: Sequence[int], bins: int = 16) -> None:
        """Replot with new values."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        buckets = histogram(values, bins)
        self._starts = [f"{lo}" for lo, _hi, _n in buckets]
        counts = [n for _lo, _hi, n in buckets]
        self._max_count = max(counts, default=0)
        if buckets:
            plt.bar(self._starts, counts)
            plt.xlabel("tokens (bucket start)")
            plt.ylabel("examples")
        self.refresh()

    def _ticks(self) -> None:
        """Whole-number count ticks for the height, and bucket starts spaced for the width:
        plotext drops a label that touches one already drawn, in an order that changes with
        the string hash seed, so labels that could collide are never handed to it."""
        y_ticks = count_ticks(self._max_count, max(2, (self.size.height - 4) // 2))
        self.y_labels = [str(t) for t in y_ticks]
        self.plt.yticks([float(t) for t in y_ticks], self.y_labels)
        columns = self.size.width - max(map(len, self.y_labels)) - 2  # count labels, two axes
        every = label_every(len(self._starts), max(map(len, self._starts)), columns)
        picked = range(0, len(self._starts), every)
        self.x_labels = [self._starts[i] for i in picked]
        self.plt.xticks([float(i + 1) for i in picked], self.x_labels)  # bars sit at 1..n

    def render(self) -> RenderResult:
        """The plot, its ticks fitted to the current size."""
        if self._starts:
            self._ticks()
        return super().render()
