"""Local backend units: assistant-only labels, weight 0, hyperparameter rules, OpenAI shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NEEDS_LOCAL
from tests.local_support import make_tiny_model
from tuiapp.local.chat_tokens import IGNORE, tokenize_chat
from tuiapp.local.hyperparams import (
    HyperparameterError,
    auto_batch_size,
    check_hyperparameters,
    resolve,
)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The tiny model's ChatML tokenizer."""
    pytest.importorskip("torch", reason=NEEDS_LOCAL)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(make_tiny_model(tmp_path_factory.mktemp("tok") / "m"))


def labelled_text(tokenizer, messages) -> str:  # type: ignore[no-untyped-def]
    """The decoded text of the tokens that carry loss."""
    item = tokenize_chat(tokenizer, messages, 512)
    return tokenizer.decode([t for t in item.labels if t != IGNORE])


def test_loss_only_on_assistant_replies(tokenizer) -> None:  # type: ignore[no-untyped-def]
    messages = [
        {"role": "system", "content": "Be a pirate."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "arr matey"},
    ]
    assert labelled_text(tokenizer, messages) == "arr matey<|im_end|>\n"


def test_weight_zero_replies_are_not_learned(tokenizer) -> None:  # type: ignore[no-untyped-def]
    messages = [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "no", "weight": 0},
        {"role": "user", "content": "two"},
        {"role": "assistant", "content": "yes", "weight": 1},
    ]
    assert labelled_text(tokenizer, messages) == "yes<|im_end|>\n"


def test_auto_hyperparameters_follow_openai() -> None:
    assert auto_batch_size(40) == 1
    assert auto_batch_size(10_000) == 20
    assert auto_batch_size(1_000_000) == 256
    settings = resolve({}, 40, seed=1)
    assert (settings.n_epochs, settings.batch_size) == (3, 1)  # 40 x 3 >= 100: 3 epochs
    assert resolve({}, 10, seed=1).n_epochs == 10
    custom = resolve({"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 0.5}, 40, 1)
    assert (custom.n_epochs, custom.batch_size) == (2, 4)
    assert custom.learning_rate == pytest.approx(5e-4)


@pytest.mark.parametrize(
    ("hyper", "param"),
    [
        ({"n_epochs": 0}, "hyperparameters.n_epochs"),
        ({"batch_size": "big"}, "hyperparameters.batch_size"),
        ({"learning_rate_multiplier": -1}, "hyperparameters.learning_rate_multiplier"),
        ({"warmup": 3}, "hyperparameters.warmup"),
    ],
)
def test_bad_hyperparameters_name_the_param(hyper: dict, param: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(HyperparameterError) as err:
        check_hyperparameters(hyper)
    assert err.value.param == param


def test_local_extra_hint_names_the_install_command() -> None:
    import importlib.util

    from tuiapp.local import INSTALL_HINT, missing_dependencies

    with_extra = importlib.util.find_spec("torch") is not None
    assert missing_dependencies() == [] if with_extra else "torch" in missing_dependencies()
    assert "tuiapp[local]" in INSTALL_HINT and "torch==2.13.0" in INSTALL_HINT


def test_non_loopback_without_key_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuiapp.cli import main

    pytest.importorskip("torch", reason="without the `local` extra serve stops before the key")
    monkeypatch.delenv("TUIAPP_LOCAL_API_KEY", raising=False)
    assert main(["local", "serve", "--host", "0.0.0.0", "--home", str(tmp_path)]) == 2
    assert "TUIAPP_LOCAL_API_KEY" in capsys.readouterr().err


def test_pull_a_folder_serves_it_and_nothing_else_is_loadable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny_model: Path, home: object
) -> None:
    from tuiapp.cli import main
    from tuiapp.local.model_store import list_base_models, model_dirs, resolve_base

    assert resolve_base(str(tiny_model), model_dirs()) is None  # a path is not a model id
    assert resolve_base("org/not-pulled", model_dirs()) is None  # nor a hub id nobody pulled
    assert main(["local", "pull", str(tiny_model)]) == 0
    assert "model='tiny-llama'" in capsys.readouterr().out
    assert list_base_models(model_dirs())["tiny-llama"].resolve() == tiny_model.resolve()
    assert main(["local", "pull", str(tmp_path)]) == 2  # not a model folder
    assert "is not a model folder" in capsys.readouterr().err
    assert main(["local", "pull", "no-slash-and-no-folder"]) == 2
    nested = home.cache_dir / "models" / "org" / "model"  # type: ignore[attr-defined]
    nested.parent.mkdir(parents=True)
    nested.symlink_to(tiny_model, target_is_directory=True)
    assert resolve_base("org/model", model_dirs()) == str(nested)
