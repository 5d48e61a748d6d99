"""A bar chart of counts (labels, languages, PII kinds) or of pre-binned values."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot


class BarChart(PlotextPlot):
    """Horizontal bars for named counts, vertical bars for a histogram."""

    DEFAULT_CSS = "BarChart { height: 14; min-height: 8; }"

    def counts(self, title: str, named: dict[str, int], limit: int = 12) -> None:
        """One bar per name, largest first (the rest summed as 'other')."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
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
        """Bars of pre-binned counts, with vertical lines at `marks` (outlier fences)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if counts:
            plt.bar([f"{e:.0f}" for e in edges[: len(counts)]], list(counts))
            for mark in marks:
                position = sum(e <= mark for e in edges[: len(counts)])
                if 0 < position <= len(counts):
                    plt.vline(position, "red")
        self.refresh()
