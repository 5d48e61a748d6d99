"""The loss-mask preview: the selected example as a base model will see it (its chat template
rendered), the tokens the loss is computed on marked, weight-0 turns left out, and the cut at
the model's limit shown; m switches the model."""

from __future__ import annotations

import orjson
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Label, Static

from tuiapp.services.model_tokens import available_models, load_tokenizer, local_model_dirs
from tuiapp.services.token_preview import CUT, TRAINED, TokenPreview, preview
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import get_example
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.workspace import workspace_of

STYLES = {TRAINED: "bold $text-success on $success-muted", CUT: "strike $text-error"}
LOADING = "Loading the tokenizer (transformers: seconds, the first time)…"
LEGEND = (
    f"[{STYLES[TRAINED]}]highlighted[/]: the loss is computed on it · plain: prompt"
    f" · [{STYLES[CUT]}]struck[/]: cut off"
)


def marked(shown: TokenPreview) -> tuple[str, str]:
    """The rendered example as markup, trained pieces highlighted: (what training keeps,
    what is cut off, struck through; "" when nothing is)."""
    kept: list[str] = []
    cut: list[str] = []
    for text, kind in shown.pieces:
        style = STYLES.get(kind)
        (cut if kind == CUT else kept).append(
            f"[{style}]{escape(text)}[/]" if style else escape(text)
        )
    if cut:
        cut.insert(0, f"[b $text-error]✂ cut at {shown.max_len:,} tokens[/]\n")
    return "".join(kept), "".join(cut)


def header(shown: TokenPreview) -> str:
    """Counts (total, trained, limit, truncated), how they were counted, and what to know."""
    cut = f"[b $text-error]{shown.truncated:,}[/]" if shown.truncated else "0"
    lines = [
        f"[b]{shown.total:,}[/] tokens · [b]{shown.trained:,}[/] trained · limit"
        f" {shown.max_len:,} · {cut} truncated",
        f"counted with {escape(shown.counted_with)}",
    ]
    if shown.weight_zero:
        lines.append(f"{shown.weight_zero} assistant turn(s) with weight 0: not trained")
    if not shown.trained:
        lines.append("[$text-warning]nothing to learn: no assistant reply before the cut[/]")
    if shown.note:
        lines.append(f"[$text-warning]{escape(shown.note)}[/]")
    return "\n".join(lines)


class TokenPreviewScreen(Screen[None]):
    """One example through one base model's tokenizer and the local trainer's loss mask."""

    CSS_PATH = "token_preview.tcss"
    BINDINGS = [
        Binding("m", "switch_model(1)", "Next model", id="token_preview.next_model"),
        Binding(
            "M", "switch_model(-1)", "Previous model", show=False, id="token_preview.previous_model"
        ),
        Binding("c", "to_cut", "To the cut", id="token_preview.to_cut"),
        Binding("escape,q", "back", "Back", id="token_preview.back"),
    ]

    def __init__(self, dataset_id: int, idx: int) -> None:
        super().__init__()
        store = workspace_of(self.app).store
        self.dataset = get_dataset(store, dataset_id)
        self.example = get_example(store, dataset_id, idx)
        self.models = [self.dataset.base_model]
        self.current = 0

    def compose(self) -> ComposeResult:
        """Title, counts, legend, and the rendered example."""
        yield Label(id="preview-title")
        yield Static(LOADING, id="preview-header")
        yield Static(LEGEND, id="preview-legend")
        with VerticalScroll(id="preview-body"):
            yield Static(id="preview-text")
            yield Static(id="preview-cut")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Show the dataset's model first; find the others in a worker."""
        self._show_title()
        self.find_models()
        self.compute(self.models[0])

    @work(thread=True, group="models")
    def find_models(self) -> None:
        """Local base models and Hugging Face cached ones (reads folders: off the loop)."""
        found = available_models(workspace_of(self.app).paths, self.dataset.base_model)
        self.app.call_from_thread(self._set_models, found)

    def _set_models(self, models: list[str]) -> None:
        """Remember the models m cycles through."""
        self.models = models
        self._show_title()

    def _show_title(self) -> None:
        """Which example, which model, and how many there are to switch between."""
        line = self.example.line if self.example else "?"
        model = escape(self.models[self.current])
        n = len(self.models)
        self.query_one("#preview-title", Label).update(
            f"[b]Loss-mask preview[/b] · line {line} · model [b]{model}[/b]"
            + (f" ({self.current + 1} of {n}, m: next)" if n > 1 else "")
        )

    def action_switch_model(self, step: int) -> None:
        """Show the example through the next (or previous) available model."""
        if len(self.models) < 2:
            self.notify("No other base model here: pull one with `tuiapp local pull`.")
            return
        self.current = (self.current + step) % len(self.models)
        self._show_title()
        self.query_one("#preview-header", Static).update(LOADING)
        self.compute(self.models[self.current])

    @work(thread=True, exclusive=True, group="preview")
    def compute(self, model: str) -> None:
        """Load the model's tokenizer (seconds, the first time) and render the example."""
        if self.example is None:
            return
        tok = load_tokenizer(model, local_model_dirs(workspace_of(self.app).paths))
        shown = preview(tok, orjson.loads(self.example.text))
        self.app.call_from_thread(self._show, shown)

    def _show(self, shown: TokenPreview) -> None:
        """Fill the counts and the marked text (unless another model was chosen meanwhile)."""
        if shown.model != self.models[self.current]:
            return
        self.query_one("#preview-header", Static).update(header(shown))
        kept, cut = marked(shown)
        self.query_one("#preview-text", Static).update(kept)
        self.query_one("#preview-cut", Static).update(cut)
        self.query_one("#preview-cut").display = bool(cut)

    def action_to_cut(self) -> None:
        """Scroll to where training cuts the example off."""
        cut = self.query_one("#preview-cut")
        if cut.display:
            self.query_one("#preview-body", VerticalScroll).scroll_to_widget(cut, top=True)
        else:
            self.notify("Nothing is cut off: the whole example fits the limit.")

    def action_back(self) -> None:
        """Back to the review."""
        self.dismiss(None)
