"""A footer that shows as many keys as fit, in the order a screen declares them, never cut.

Textual's Footer scrolls keys it cannot fit beneath the docked palette key: a key is cut
("f1 K") and the last cell of the hidden ones shows after the palette key ("palettes"). This
footer keeps whole keys only, always keeps F1 (the panel that lists every key), and lays the
palette key out inline after them, so nothing is drawn beneath anything.

It is one widget drawing one line (as Textual's Footer was before 0.56), not a widget per key:
a screen's bindings change on many moves, and every widget is work for each frame's layout and
for every message a screen sends to all its widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

ALWAYS_SHOWN = frozenset({"f1"})  # keys kept whatever the width: the way to every other key
PALETTE_BORDER = "▏"  # the cell between the screen's keys and the palette key


@dataclass(frozen=True)
class FooterEntry:
    """One key as the footer shows it."""

    key: str
    key_display: str
    description: str
    enabled: bool = True
    tooltip: str = ""
    palette: bool = False  # the command palette's key: shown last, after a border


def key_width(entry: FooterEntry) -> int:
    """Cells a compact footer key takes: key, space, description, right margin."""
    if not entry.description:
        return cell_len(entry.key_display) + 1
    return cell_len(entry.key_display) + 1 + cell_len(entry.description) + 1


def keys_that_fit(entries: list[FooterEntry], width: int) -> list[FooterEntry]:
    """The keys to show, in their order: always-shown ones first reserved, then others while
    they fit; the command palette key last."""
    palette = [e for e in entries if e.palette]
    others = [e for e in entries if not e.palette]
    budget = width - sum(key_width(e) + 1 for e in palette)  # +1: the palette's left border
    budget -= sum(key_width(e) for e in others if e.key in ALWAYS_SHOWN)
    kept: list[FooterEntry] = []
    for entry in others:
        if entry.key in ALWAYS_SHOWN:
            kept.append(entry)
            continue
        if key_width(entry) <= budget:
            kept.append(entry)
            budget -= key_width(entry)
        else:
            budget = -1  # keep the declared order: once one key does not fit, stop
    return kept + palette


class KeyFooter(Widget, can_focus=False):
    """Compact footer with whole keys only; the rest are one key away (F1, or the palette)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--palette-border",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-footer--palette-border { color: $foreground 20%; }
        &:hover { pointer: pointer; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: list[tuple[int, int, FooterEntry]] = []  # (first cell, end cell, key)
        self._hover: str | None = None  # the key under the mouse pointer
        self._drawn: list[FooterEntry] = []  # the entries the last render was made from

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        """Draw again only if the keys shown changed: a screen refreshes its bindings on
        many moves (the review: every key), and a repainted footer is one more line in
        each of those frames."""
        if self.entries() != self._drawn:
            self.refresh()

    def entries(self) -> list[FooterEntry]:
        """The screen's shown keys, one per action, in its order; the palette key last."""
        if not self.is_attached:
            return []
        active = self.screen.active_bindings
        by_action: dict[str, FooterEntry] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = self._entry(binding, enabled, tooltip)
        entries = list(by_action.values())
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            _node, binding, enabled, _tooltip = palette
            tip = binding.tooltip or binding.description
            entries.append(self._entry(binding, enabled, tip, palette=True))
        return entries

    def _entry(
        self, binding: Binding, enabled: bool, tooltip: str, palette: bool = False
    ) -> FooterEntry:
        display = self.app.get_key_display(binding)
        return FooterEntry(binding.key, display, binding.description, enabled, tooltip, palette)

    def render(self) -> Text:
        """The keys that fit the width, each with its description, then the palette key."""
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        border_style = self.get_component_rich_style("key-footer--palette-border")
        line = Text(no_wrap=True, end="")
        self._shown = []
        self._drawn = self.entries()
        for entry in keys_that_fit(self._drawn, self.size.width):
            if entry.palette:
                line.append(PALETTE_BORDER, border_style)
            start = line.cell_len
            extra = Style() if entry.enabled else Style(dim=True)
            if entry.key == self._hover:
                extra += self.get_component_rich_style("key-footer--hover")
            line.append(entry.key_display, key_style + extra)
            if entry.description:
                line.append(f" {entry.description}", description_style + extra)
            self._shown.append((start, line.cell_len, entry))
            line.append(" ")
        return line

    def entry_at(self, x: int) -> FooterEntry | None:
        """The key drawn at cell x of the footer, if any."""
        return next((e for start, end, e in self._shown if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        entry = self.entry_at(event.x)
        key = entry.key if entry else None
        if key != self._hover:
            self._hover = key
            self.tooltip = entry.tooltip if entry else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Press the key clicked, as the terminal would; a disabled one rings the bell."""
        entry = self.entry_at(event.x)
        if entry is None:
            return
        if entry.enabled:
            self.app.simulate_key(entry.key)
        else:
            self.app.bell()

    def visible_keys(self) -> list[str]:
        """The keys shown at the footer's width (for tests and the help text)."""
        return [entry.key for entry in keys_that_fit(self.entries(), self.size.width)]
