"""The files of each export format, written into a fresh folder: adapter, merged model,
Ollama Modelfile, GGUF (through llama.cpp's convert_hf_to_gguf.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiapp.local.modelfile import (
    ADAPTER_ARCHITECTURES,
    MODEL_ARCHITECTURES,
    Modelfile,
    ollama_template,
)
from tuiapp.local.modelfile import file_system_prompt as system_prompt

if TYPE_CHECKING:
    from tuiapp.local.export_model import Source

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
)
CONVERTER = "convert_hf_to_gguf.py"
INSTALL_CONVERTER = (
    "GGUF needs llama.cpp's converter, which is not on this machine: "
    "`git clone https://github.com/ggml-org/llama.cpp` and "
    "`pip install -r llama.cpp/requirements/requirements-convert_hf_to_gguf.txt`, then pass "
    "--converter llama.cpp/convert_hf_to_gguf.py (or put convert_hf_to_gguf.py on PATH). "
    "Nothing was written. Without it: --format ollama or merged"
)


def _error(message: str, kind: str = "refused") -> Exception:
    """An ExportError (imported late: export_model imports this module)."""
    from tuiapp.local.export_model import ExportError

    return ExportError(message, kind)


def copy_tokenizer(base: Path, folder: Path) -> None:
    """The base model's tokenizer files (with its chat template), copied as they are."""
    for name in TOKENIZER_FILES:
        if (base / name).is_file():
            shutil.copyfile(base / name, folder / name)


def readme(source: Source, what: str) -> str:
    """A README that says what the folder holds and which base model it needs."""
    step = f"checkpoint at step {source.step}" if source.step is not None else "final model"
    return (
        f"# {source.model_id}\n\n{what}\n\n"
        f"- tuiapp local job: {source.job_id} ({step})\n"
        f"- base model: {source.base_model} (on the training machine: {source.base_path})\n"
    )


def copy_adapter(source: Source, folder: Path) -> None:
    """The PEFT adapter's two files; its config names the base model folder of this machine."""
    shutil.copyfile(
        source.adapter_path / "adapter_model.safetensors", folder / "adapter_model.safetensors"
    )
    config = json.loads((source.adapter_path / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(source.base_path)
    (folder / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")


def write_adapter(source: Source, folder: Path) -> None:
    """The adapter folder: adapter files, the tokenizer and a README naming the base."""
    copy_adapter(source, folder)
    copy_tokenizer(source.base_path, folder)
    (folder / "README.md").write_text(
        readme(source, "A PEFT LoRA adapter: load it on top of its base model.")
    )


def merge(source: Source) -> Any:
    """The base model with the adapter merged into its weights (peft's merge_and_unload)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(source.base_path, dtype="auto")
    return PeftModel.from_pretrained(base, source.adapter_path).merge_and_unload()


def write_merged(source: Source, folder: Path) -> None:
    """A merged model folder that transformers and vLLM load directly (safetensors); a full
    fine-tune's model is written as it is (its weights, config and tokenizer; the optimizer
    state of a checkpoint left out)."""
    if source.full:
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(source.adapter_path, dtype="auto")
        model.save_pretrained(folder)
        copy_tokenizer(source.adapter_path, folder)
        what = "The fully fine-tuned model (every weight trained, safetensors)."
    else:
        merge(source).save_pretrained(folder)
        copy_tokenizer(source.base_path, folder)
        what = "The base model with the fine-tuned adapter merged in (safetensors)."
    (folder / "README.md").write_text(readme(source, what))


def architecture(base: Path) -> str:
    """The base model's architecture as its config names it ("" when unknown)."""
    try:
        names = json.loads((base / "config.json").read_text()).get("architectures") or [""]
    except (OSError, ValueError):
        return ""
    return str(names[0])


def modelfile(source: Source, model: str, adapter: str | None) -> Modelfile:
    """FROM/ADAPTER, the translated template and the training data's system prompt."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source.base_path)

    def render(messages: list[dict[str, str]]) -> str:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return str(text)

    return Modelfile(
        model,
        adapter,
        ollama_template(render),
        system_prompt(source.training_file),
        [f"{source.model_id}: tuiapp local job {source.job_id}"],
    )


def write_ollama(source: Source, folder: Path, final: Path) -> list[str]:
    """A Modelfile beside the adapter (FROM the base folder + ADAPTER ., for the architectures
    Ollama imports adapters of) or beside the merged weights (FROM .); notes to show."""
    arch = architecture(source.base_path)
    if source.full:
        write_merged(source, folder)
        spec = modelfile(source, ".", None)
        spec.notes.append(
            "full fine-tune: every weight was trained, so there is no adapter for an ADAPTER "
            "line; FROM . is the whole fine-tuned model (the --format merged folder)"
        )
    elif arch in ADAPTER_ARCHITECTURES:
        copy_adapter(source, folder)
        spec = modelfile(source, str(source.base_path), ".")
        spec.notes.append(
            f"{arch}: Ollama imports the safetensors base folder (FROM) and this adapter "
            "(ADAPTER .); FROM must be the base the adapter was trained on"
        )
    else:
        write_merged(source, folder)
        spec = modelfile(source, ".", None)
        spec.notes.append(
            f"{arch or 'this architecture'}: Ollama imports no adapter for it; "
            "FROM . is the merged model"
        )
    if arch not in MODEL_ARCHITECTURES:  # a merged or full model's own architecture
        spec.notes.append(
            "Ollama's docs list safetensors import for Llama, Mistral, Gemma and Phi3 "
            "only: if `ollama create` refuses this one, use --format gguf"
        )
    (folder / "Modelfile").write_text(spec.text())
    (folder / "README.md").write_text(
        readme(source, f"An Ollama model: `ollama create {source.slug} -f {final}/Modelfile`.")
    )
    assert spec.template is not None and spec.system is not None
    return [*spec.notes, f"template: {spec.template.note}", f"system: {spec.system.note}"]


def find_converter(given: Path | None) -> Path:
    """llama.cpp's convert_hf_to_gguf.py: the given path, else on PATH; else the error that
    says what to install."""
    if given is not None:
        if not given.is_file():
            raise _error(f"{given}: no such converter script. {INSTALL_CONVERTER}", "missing")
        return given
    found = shutil.which(CONVERTER)
    if found is None:
        raise _error(INSTALL_CONVERTER)
    return Path(found)


def write_gguf(source: Source, folder: Path, converter: Path) -> list[str]:
    """model.gguf (f16, converted from the merged model by llama.cpp) and its Modelfile."""
    with tempfile.TemporaryDirectory(prefix=".merged-", dir=folder.parent) as tmp:
        write_merged(source, Path(tmp))
        done = subprocess.run(
            [sys.executable, str(converter), tmp, "--outfile", str(folder / "model.gguf")]
            + ["--outtype", "f16"],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0 or not (folder / "model.gguf").is_file():
        tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise _error(f"{converter} failed (exit {done.returncode}): {tail[-400:]}")
    spec = modelfile(source, "./model.gguf", None)
    (folder / "Modelfile").write_text(spec.text())
    (folder / "README.md").write_text(readme(source, "The merged model as one GGUF file (f16)."))
    assert spec.template is not None and spec.system is not None
    return [f"template: {spec.template.note}", f"system: {spec.system.note}"]
