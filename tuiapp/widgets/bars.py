"""A bar chart of counts (labels, languages, PII kinds) or of pre-binned values."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tuiapp.data.chart_ticks import count_ticks, label_every

__all__ = ["BarChart", "label_every"]  # label_every lives in tuiapp.data.chart_ticks


class BarChart(PlotextPlot):
    """Horizontal bars for named counts, vertical bars for a histogram, under a title line
    of their own (plotext leaves out a title wider than its canvas)."""

    DEFAULT_CSS = "BarChart { height: 14; min-height: 8; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chart_title = ""
        self._edges: list[str] = []  # a histogram's bin starts, one a bar ([] for counts)
        self._max_count = 0
        self.x_labels: list[str] = []  # the histogram's x labels, as last drawn
        self.y_labels: list[str] = []  # and its count ticks

    def counts(self, title: str, named: dict[str, int], limit: int = 12) -> None:
        """One bar per name, largest first (the rest summed as 'other')."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        self.chart_title = title
        self._edges = []
        ranked = sorted(named.items(), key=lambda kv: -kv[1])
        if len(ranked) > limit:
            ranked = [*ranked[: limit - 1], ("other", sum(n for _, n in ranked[limit - 1 :]))]
        if ranked:
            plt.bar(
                [k[:18] for k, _ in ranked][::-1],
                [n for _, n in ranked][::-1],
                orientation="horizontal",
            )
        self.refresh()

    def histogram(
        self, title: str, edges: Sequence[float], counts: Sequence[int], marks: Sequence[float] = ()
    ) -> None:
        """Bars of pre-binned counts, with vertical lines at `marks` (outlier fences); the
        axes' ticks are chosen for the size the chart is drawn at."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        self.chart_title = title
        self._edges = [f"{e:.0f}" for e in edges[: len(counts)]]
        self._max_count = max(counts, default=0)
        if counts:
            plt.bar(self._edges, list(counts))
            for mark in marks:
                position = sum(e <= mark for e in edges[: len(counts)])
                if 0 < position <= len(counts):
                    plt.vline(position, "red")
        self.refresh()

    def _histogram_ticks(self) -> None:
        """Whole-number count ticks, and x labels spaced so that none is dropped."""
        width, height = self.size.width, self.size.height - 1  # under the title line
        y_ticks = count_ticks(self._max_count, max(2, (height - 4) // 2))
        self.y_labels = [str(t) for t in y_ticks]
        self.plt.yticks([float(t) for t in y_ticks], self.y_labels)
        columns = width - max(map(len, self.y_labels)) - 2  # the count labels, the two axes
        label_width = max(map(len, self._edges))
        every = label_every(len(self._edges), label_width, columns)
        picked = range(0, len(self._edges), every)
        self.x_labels = [self._edges[i] for i in picked]
        self.plt.xticks([float(i + 1) for i in picked], self.x_labels)  # bars sit at 1..n

    def render(self) -> RenderResult:
        """The title line (cut with an ellipsis when narrow), then the plot, a histogram's
        ticks fitted to the current size."""
        if self._edges:
            self._histogram_ticks()
        width, height = self.size.width, max(3, self.size.height - 1)
        title = Text(self.chart_title, style="bold", no_wrap=True, end="")
        title.truncate(max(1, width), overflow="ellipsis")
        title.align("center", max(1, width))
        self.plt.plotsize(width, height)
        self.plt._set_size(width, height)  # as PlotextPlot.render does (textual-plotext#5)
        self.plt.theme(self._get_plotext_theme_name(self.app.theme))
        return Text("\n").join([title, Text.from_ansi(self.plt.build())])
