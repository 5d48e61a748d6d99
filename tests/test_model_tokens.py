"""Each model's own tokens: the cost table counts every model with its own encoding, open models
with their own tokenizer and chat template, and the loss-mask preview is the local trainer's."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NEEDS_LOCAL, chat
from tests.local_support import CHATML, CORPUS
from tuiapp.data.examine import token_counts
from tuiapp.data.tokens import TokenCounter
from tuiapp.local.chat_tokens import tokenize_chat
from tuiapp.paths import AppPaths
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.services.model_tokens import (
    DatasetCounts,
    count,
    load_tokenizer,
    local_trainer_limit,
)
from tuiapp.services.report import DatasetReport, dataset_report
from tuiapp.services.token_preview import CUT, TRAINED, preview
from tuiapp.store import open_store

# text on which cl100k_base and o200k_base disagree (non-English, code, numbers)
TEXTS = [
    ("Wie viele Einwohner hat Zürich ungefähr?", "Etwa 421’000 Einwohner (Stand 2023)."),
    ("Écris une fonction Python qui inverse une chaîne.", "def inverse(s):\n    return s[::-1]"),
    ("Объясни, что такое LoRA, в одном предложении.", "Низкоранговые адаптеры весов."),
    ("東京の人口は？", "約1400万人です。"),
]


def write_examples(path: Path, examples: list[dict[str, Any]]) -> Path:
    """A JSONL file of examples."""
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples), "utf-8")
    return path


def report_for(home: AppPaths, path: Path, model: str | None = None) -> DatasetReport:
    """Import a file and build its report."""
    store = open_store(home.database)
    try:
        dataset = open_dataset(store, path, model) if model else open_dataset(store, path)
        for _ in run_import(store, dataset.id):
            pass
        return dataset_report(store, dataset.id, model)
    finally:
        store.close()


def test_the_cost_table_counts_each_openai_model_with_its_own_encoding(
    home: AppPaths, tmp_path: Path
) -> None:
    examples = [chat(q, a) for q, a in TEXTS * 3]
    report = report_for(home, write_examples(tmp_path / "mixed.jsonl", examples))
    per_epoch = {c.model: c.tokens_per_epoch for c in report.costs}
    o200k = sum(token_counts(e, TokenCounter("o200k_base"))[0] for e in examples)
    cl100k = sum(token_counts(e, TokenCounter("cl100k_base"))[0] for e in examples)
    assert o200k != cl100k  # the issue saw one figure for both
    assert per_epoch["gpt-4o-mini"] == o200k
    assert per_epoch["gpt-3.5-turbo-0125"] == cl100k
    assert per_epoch["gpt-4-0613"] == cl100k
    counted = {c.model: c.counted_with for c in report.costs}
    assert counted["gpt-3.5-turbo-0125"] == "cl100k_base"
    assert counted["gpt-4o-mini"] == "o200k_base"


# --- the model's own tokenizer (needs transformers, the `local` extra) -----------------------
CONVERSATION: dict[str, Any] = {
    "messages": [
        {"role": "system", "content": "Answer like a pirate."},
        {"role": "user", "content": "Hello, how are you?"},
        {"role": "assistant", "content": "I am fine, thank you.", "weight": 0},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "arr matey, Paris is the capital of France!"},
    ]
}


def save_tokenizer(folder: Path, chat_template: str | None) -> Path:
    """A byte-level BPE tokenizer (trained in code) saved as a model folder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(
            vocab_size=300,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>")
    if chat_template:
        tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(folder)
    (folder / "config.json").write_text('{"model_type": "llama"}')  # a model folder
    return folder


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two tiny tokenizers: `tiny-chat` (ChatML) and `no-template`."""
    pytest.importorskip("transformers", reason=NEEDS_LOCAL)
    root = tmp_path_factory.mktemp("models")
    save_tokenizer(root / "tiny-chat", CHATML)
    save_tokenizer(root / "no-template", None)
    return root


def fresh(folder: Path) -> Any:
    """The tokenizer as the local trainer loads it."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def test_the_preview_is_the_local_trainers_mask(models_dir: Path) -> None:
    tok = load_tokenizer("tiny-chat", [models_dir])
    assert tok.note == "" and tok.max_len == local_trainer_limit()
    shown = preview(tok, CONVERSATION)
    trainer = tokenize_chat(
        fresh(models_dir / "tiny-chat"), CONVERSATION["messages"], local_trainer_limit()
    )
    assert shown.input_ids == trainer.input_ids  # same token ids
    assert shown.labels == trainer.labels  # same labels
    assert shown.trained == trainer.trained_tokens > 0
    text = "".join(t for t, _ in shown.pieces)
    assert text.startswith("<|im_start|>system\nAnswer like a pirate.<|im_end|>")
    trained = [t for t, kind in shown.pieces if kind == TRAINED]
    assert trained == ["arr matey, Paris is the capital of France!<|im_end|>\n"]  # weight 0 out
    assert shown.weight_zero == 1 and shown.truncated == 0


def test_the_preview_cuts_where_the_trainer_does(models_dir: Path) -> None:
    tok = replace(load_tokenizer("tiny-chat", [models_dir]), max_len=20)
    shown = preview(tok, CONVERSATION)
    trainer = tokenize_chat(fresh(models_dir / "tiny-chat"), CONVERSATION["messages"], 20)
    assert (shown.input_ids, shown.labels) == (trainer.input_ids, trainer.labels)
    assert len(shown.input_ids) == 20 and shown.truncated == shown.total - 20 > 0
    assert shown.trained == 0  # the answer is past the cut: nothing to learn
    assert shown.pieces[-1][1] == CUT and "Paris" in shown.pieces[-1][0]


def test_counts_are_the_tokenizers_own(models_dir: Path) -> None:
    tok = load_tokenizer("tiny-chat", [models_dir])
    direct = fresh(models_dir / "tiny-chat")
    for q, a in [*TEXTS, ("Hello", "Paris")]:
        example = chat(q, a)
        text = direct.apply_chat_template(example["messages"], tokenize=False)
        assert count(tok, example) == len(direct(text, add_special_tokens=False)["input_ids"])
    assert count(tok, CONVERSATION) == preview(tok, CONVERSATION).total


def test_without_the_tokenizer_the_counts_say_they_are_estimates(models_dir: Path) -> None:
    uncached = load_tokenizer("meta-llama/Llama-3.2-1B-Instruct", [models_dir])
    assert uncached.note == (
        "estimate with o200k_base: not a local model and not in the Hugging Face cache (offline)"
    )
    assert uncached.counted_with == "o200k_base (estimate)"
    shown = preview(uncached, CONVERSATION)
    assert shown.note == uncached.note and shown.input_ids == []
    assert shown.total == token_counts(CONVERSATION, TokenCounter("o200k_base"))[0]
    assert shown.trained == TokenCounter("o200k_base").text(
        "arr matey, Paris is the capital of France!"
    )
    bare = load_tokenizer("no-template", [models_dir])
    assert bare.note.endswith("the tokenizer of no-template has no chat template")


def test_without_transformers_the_counts_are_estimates_and_say_why(
    home: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs without the `local` extra too: nothing here needs transformers."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "transformers" else real(name)
    )
    missing = load_tokenizer("mistralai/Mistral-7B-Instruct-v0.3", [])
    why = "estimate with o200k_base: transformers is not installed (the `local` extra)"
    assert missing.note == why
    assert preview(missing, CONVERSATION).note == why
    examples = [chat(q, a) for q, a in TEXTS]
    path = write_examples(tmp_path / "open.jsonl", examples)
    report = report_for(home, path, "mistralai/Mistral-7B-Instruct-v0.3")
    assert report.costs[0].counted_with == "o200k_base (estimate)"
    assert report.model_note == f"mistralai/Mistral-7B-Instruct-v0.3: {why}"
    exact = load_tokenizer("gpt-3.5-turbo-0125", [])
    assert (exact.note, exact.counted_with) == ("", "cl100k_base")


def test_the_cost_table_counts_an_open_model_with_its_own_tokenizer(
    models_dir: Path, home: AppPaths, tmp_path: Path
) -> None:
    served = home.data_dir / "local" / "models"
    served.mkdir(parents=True)
    (served / "tiny-chat").symlink_to(models_dir / "tiny-chat")
    examples = [chat(q, a) for q, a in TEXTS]
    report = report_for(home, write_examples(tmp_path / "open.jsonl", examples), "tiny-chat")
    direct = fresh(models_dir / "tiny-chat")
    own = [
        len(direct(direct.apply_chat_template(e["messages"], tokenize=False))["input_ids"])
        for e in examples
    ]
    row = report.costs[0]
    assert (row.model, row.tokens_per_epoch) == ("tiny-chat", sum(own))
    assert row.counted_with == "own tokenizer + chat template"
    assert report.model_note == "tiny-chat: counted with its own tokenizer and chat template"
    assert report.costs[1].counted_with == "o200k_base"  # OpenAI rows keep their encodings
    uncached = report_for(home, write_examples(tmp_path / "b.jsonl", examples), "meta-llama/X")
    assert uncached.costs[0].counted_with == "o200k_base (estimate)"
    assert uncached.model_note == (
        "meta-llama/X: estimate with o200k_base: not a local model and not in the Hugging Face "
        "cache (offline)"
    )


def test_a_large_dataset_is_counted_in_part_and_scaled(models_dir: Path) -> None:
    tok = load_tokenizer("tiny-chat", [models_dir])
    counts = DatasetCounts(tok, limit=2)
    for q, a in TEXTS[:2]:
        counts.add(chat(q, a), 10)
    ratio = sum(counts.counts) / 20
    counts.add(chat("anything", "at all"), 100)
    assert counts.counts[2] == round(100 * ratio)
    assert counts.note.endswith("the first 2 examples counted, the rest scaled")
