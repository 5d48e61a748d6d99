"""A token-count histogram drawn with textual-plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from tuiapp.data.stats import histogram


class TokenHistogram(PlotextPlot):
    """Bars of how many examples fall in each token-count bucket."""

    DEFAULT_CSS = "TokenHistogram { height: 14; min-height: 8; }"

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._values: Sequence[int] = ()

    def plot(self, values: Sequence[int], bins: int = 16) -> None:
        """Replot with new values."""
        self._values = values
        plt = self.plt
        plt.clear_data()
        plt.title(self._title)
        buckets = histogram(values, bins)
        if buckets:
            labels = [f"{lo}" for lo, _hi, _n in buckets]
            plt.bar(labels, [n for _lo, _hi, n in buckets])
            plt.xlabel("tokens (bucket start)")
            plt.ylabel("examples")
        self.refresh()
