"""A footer that shows as many keys as fit, in the order a screen declares them, never cut.

Textual's Footer scrolls keys it cannot fit beneath the docked palette key: a key is cut
("f1 K") and the last cell of the hidden ones shows after the palette key ("palettes"). This
footer keeps whole keys only, always keeps F1 (the panel that lists every key), and lays the
palette key out inline after them, so nothing is drawn beneath anything.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS_SHOWN = frozenset({"f1"})  # keys kept whatever the width: the way to every other key


def key_width(key: FooterKey) -> int:
    """Cells a compact footer key takes: key, space, description, right margin."""
    if not key.description:
        return len(key.key_display) + 1
    return len(key.key_display) + 1 + len(key.description) + 1


def keys_that_fit(keys: list[FooterKey], width: int) -> list[FooterKey]:
    """The keys to show, in their order: always-shown ones first reserved, then others while
    they fit; the command palette key last."""
    palette = [k for k in keys if k.has_class("-command-palette")]
    others = [k for k in keys if not k.has_class("-command-palette")]
    budget = width - sum(key_width(k) + 1 for k in palette)  # +1: the palette's left border
    budget -= sum(key_width(k) for k in others if k.key in ALWAYS_SHOWN)
    kept: list[FooterKey] = []
    for key in others:
        if key.key in ALWAYS_SHOWN:
            kept.append(key)
            continue
        if key_width(key) <= budget:
            kept.append(key)
            budget -= key_width(key)
        else:
            budget = -1  # keep the declared order: once one key does not fit, stop
    return kept + palette


class KeyFooter(Footer):
    """Compact footer with whole keys only; the rest are one key away (F1, or the palette)."""

    DEFAULT_CSS = """
    KeyFooter FooterKey.-command-palette { dock: none; }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._laid_out_for = 0
        self._composed: tuple[object, ...] | None = None  # what the keys shown were made from

    def _signature(self) -> tuple[object, ...]:
        """Everything the keys shown depend on: width and each shown binding's state."""
        if not self._bindings_ready or not self.is_attached:
            return (self._bindings_ready,)
        keys = tuple(
            (b.key, b.action, b.description, enabled, tooltip, self.app.get_key_display(b))
            for (_, b, enabled, tooltip) in self.screen.active_bindings.values()
            if b.show
        )
        width = self.size.width or self.app.size.width
        return (True, width, self.show_command_palette, keys)

    async def recompose(self) -> None:
        """Rebuild the keys only when what they show changed: screens refresh their bindings
        on many moves (each recompose mounts ~15 widgets: several per start-up, one per key)."""
        if self._composed is not None and self._signature() == self._composed:
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        """The keys of the base footer that fit the width, in the screen's order."""
        self._composed = self._signature()
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        if len(keys) != len(widgets):  # binding groups: leave the base layout alone
            yield from widgets
            return
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        yield from keys_that_fit(keys, width)

    def on_resize(self, event: events.Resize) -> None:
        """Lay the keys out again when the width changes."""
        if event.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)

    def visible_keys(self) -> list[str]:
        """The keys shown now (for tests and the help text)."""
        return [child.key for child in self.children if isinstance(child, FooterKey)]
