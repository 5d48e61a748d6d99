"""The loss-mask preview screen driven with Pilot: T on the review opens it, the header counts
what the trainer keeps, m switches the base model, an estimate says so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from screens.review import ReviewScreen
from screens.token_preview import TokenPreviewScreen
from tests.conftest import NEEDS_LOCAL
from tests.local_support import CHATML
from tests.test_model_tokens import CONVERSATION, save_tokenizer, write_examples
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.local.chat_tokens import tokenize_chat
from tuiapp.paths import AppPaths
from tuiapp.services.model_tokens import local_trainer_limit


def text_of(screen: TokenPreviewScreen, selector: str) -> str:
    """What a Static of the screen shows, as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(screen.query_one(selector, Static).visual)
    return console.export_text()


async def test_t_opens_the_preview_and_m_switches_the_model(home: AppPaths, tmp_path: Path) -> None:
    pytest.importorskip("transformers", reason=NEEDS_LOCAL)
    served = home.data_dir / "local" / "models"
    served.mkdir(parents=True)
    folder = save_tokenizer(served / "tiny-chat", CHATML)
    path = write_examples(tmp_path / "pirate.jsonl", [CONVERSATION] * 3)
    app = make_app(home, open_path=path, model="tiny-chat")
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await until(pilot, lambda: review.dataset.import_state == "complete", "the import")
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, TokenPreviewScreen)
        await until(pilot, lambda: "trained" in text_of(screen, "#preview-header"), "the counts")
        from transformers import AutoTokenizer

        trainer = tokenize_chat(
            AutoTokenizer.from_pretrained(folder), CONVERSATION["messages"], local_trainer_limit()
        )
        head = text_of(screen, "#preview-header")
        assert (
            f"{len(trainer.input_ids)} tokens · {trainer.trained_tokens} trained · limit "
            f"{local_trainer_limit():,} · 0 truncated"
        ) in head
        assert "1 assistant turn(s) with weight 0: not trained" in head
        assert "counted with own tokenizer + chat template" in head
        body = text_of(screen, "#preview-text")
        assert "<|im_start|>assistant\narr matey, Paris is the capital of France!<|im_end|>" in body
        assert not screen.query_one("#preview-cut").display  # nothing cut off
        await pilot.press("m")  # the available models: tiny-chat only
        await pilot.pause()
        assert "tiny-chat" in str(screen.query_one("#preview-title").render())
        await pilot.press("escape")
        assert app.screen is review


async def test_an_openai_model_is_counted_with_its_encoding_and_says_so(
    home: AppPaths, tmp_path: Path
) -> None:
    path = write_examples(tmp_path / "pirate.jsonl", [CONVERSATION] * 3)
    app = make_app(home, open_path=path, model="gpt-3.5-turbo-0125")
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await until(pilot, lambda: review.dataset.import_state == "complete", "the import")
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, TokenPreviewScreen)
        await until(pilot, lambda: "trained" in text_of(screen, "#preview-header"), "the counts")
        head = text_of(screen, "#preview-header")
        assert "counted with cl100k_base" in head
        assert (
            "no chat template published for gpt-3.5-turbo-0125: counted as the API bills it" in head
        )
        assert "arr matey, Paris is the capital of France!" in text_of(screen, "#preview-text")


async def test_the_cut_at_the_trainers_limit_is_shown(
    home: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("transformers", reason=NEEDS_LOCAL)
    monkeypatch.setattr("tuiapp.local.trainer.MAX_SEQ_LEN", 20)  # TUIAPP_LOCAL_MAX_SEQ_LEN=20
    served = home.data_dir / "local" / "models"
    served.mkdir(parents=True)
    folder = save_tokenizer(served / "tiny-chat", CHATML)
    path = write_examples(tmp_path / "pirate.jsonl", [CONVERSATION])
    app = make_app(home, open_path=path, model="tiny-chat")
    async with app.run_test(size=(80, 24)) as pilot:
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await until(pilot, lambda: review.dataset.import_state == "complete", "the import")
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, TokenPreviewScreen)
        await until(pilot, lambda: "trained" in text_of(screen, "#preview-header"), "the counts")
        from transformers import AutoTokenizer

        full = tokenize_chat(AutoTokenizer.from_pretrained(folder), CONVERSATION["messages"], 999)
        head = text_of(screen, "#preview-header")
        assert f"{len(full.input_ids)} tokens · 0 trained · limit 20 · " in head
        assert f"{len(full.input_ids) - 20} truncated" in head
        assert "nothing to learn: no assistant reply before the cut" in head
        cut = text_of(screen, "#preview-cut")
        assert cut.startswith("✂ cut at 20 tokens") and "Paris" in cut
        await pilot.press("c")  # to the cut: no error, still here
        assert app.screen is screen
