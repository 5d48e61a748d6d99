"""`tuiapp export-model`: a local job's adapter, merged model, Ollama Modelfile and GGUF, with
the merged model answering as the adapter does at temperature 0, and clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tuiapp.cli import main
from tuiapp.local.modelfile import common_system_prompt, ollama_template
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.jobs import insert_job

pytest.importorskip("peft", reason="needs the `local` extra (torch, peft)")

JOB = "ftjob-0123456789abcdef01234567"
MODEL = "ft:tiny-llama:local::01234567"
SYSTEM = "You answer like a pirate."
PROMPTS = ["What is the capital of France?", "Hello, how are you?", "yes no maybe"]
SMOLLM2 = (  # SmolLM2-135M-Instruct's chat template, as its tokenizer_config.json has it
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@pytest.fixture(scope="module")
def adapter(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter on the tiny Llama with random (non-zero) weights, saved by peft."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    config = LoraConfig(
        r=4,
        lora_alpha=16,
        target_modules=["q_proj", "v_proj", "o_proj", "up_proj", "down_proj"],
        init_lora_weights=False,  # random B: the adapter changes the answers
        task_type="CAUSAL_LM",
    )
    folder = tmp_path_factory.mktemp("adapter") / "adapter"
    get_peft_model(base, config).save_pretrained(str(folder))
    return folder


@pytest.fixture
def local(home: AppPaths, tiny_model: Path, adapter: Path) -> Path:
    """The local backend's state: a succeeded job (final adapter, a checkpoint at step 4)
    trained on examples that share one system prompt; the app's job 1 points at it."""
    from tuiapp.local.state import open_state

    root = home.data_dir / "local"
    state = open_state(root)
    shutil.copytree(tiny_model, root / "models" / "tiny-llama")
    final = root / "jobs" / JOB / "adapter"
    checkpoint = root / "jobs" / JOB / "hf" / "checkpoint-4"
    shutil.copytree(adapter, final)
    shutil.copytree(adapter, checkpoint)
    (checkpoint / "optimizer.pt").write_bytes(b"not part of an export")
    lines = [
        {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": p}]}
        for p in PROMPTS
    ]
    (root / "files" / "file-train").write_text("\n".join(map(json.dumps, lines)) + "\n")
    state.execute(
        "INSERT INTO jobs(id, model, training_file, status, fine_tuned_model) "
        "VALUES (?, 'tiny-llama', 'file-train', 'succeeded', ?)",
        (JOB, MODEL),
    )
    for name, path in ((MODEL, final), (f"{MODEL}:ckpt-step-4", checkpoint)):
        state.execute(
            "INSERT INTO models(id, base_model, adapter_path, job_id) VALUES (?, ?, ?, ?)",
            (name, "tiny-llama", str(path), JOB),
        )
    state.execute(
        "INSERT INTO checkpoints(id, job_id, step_number, fine_tuned_model_checkpoint, path) "
        "VALUES ('ftckpt-1', ?, 4, ?, ?)",
        (JOB, f"{MODEL}:ckpt-step-4", str(checkpoint)),
    )
    state.conn.close()
    store = open_store(home.database)
    for provider, remote in (("local", JOB), ("together", "ft-remote-1")):
        insert_job(
            store,
            provider=provider,
            remote_id=remote,
            base_model="tiny-llama",
            training_file="file-train",
            status="succeeded",
        )
    store.close()
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI: exit code, stdout, stderr."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def greedy(model: Any, tokenizer: Any) -> list[list[int]]:
    """Eight greedy tokens for each prompt, rendered with the chat template."""
    import torch

    answers = []
    for prompt in PROMPTS:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=8, min_new_tokens=8, do_sample=False)
        answers.append(out[0, ids.shape[1] :].tolist())
    return answers


def backend_answers(base_path: Path, adapter: tuple[str, Path] | None) -> list[str]:
    """The local backend's own greedy answers (its model pool and engine, no server)."""
    import queue

    from tuiapp.local.engine import Failed, Finished
    from tuiapp.local.inference import ModelPool
    from tuiapp.local.sampling import Sampling

    pool = ModelPool()
    base = pool.base(str(base_path))
    answers = []
    for prompt in PROMPTS:
        events: queue.Queue[Any] = queue.Queue()
        ids = pool.prompt_ids(base, [{"role": "user", "content": prompt}])
        pool.submit(base, adapter, ids, Sampling(temperature=0, max_new_tokens=8), events.put)
        pieces = []
        while not isinstance(event := events.get(timeout=60), Finished | Failed):
            pieces.append(event.text)
        assert isinstance(event, Finished), event
        answers.append("".join(pieces))
    return answers


def test_merged_answers_as_the_adapter(
    local: Path, tiny_model: Path, adapter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The merged export's greedy answers equal base + adapter through peft (and differ from
    the base's: the adapter does something) and the backend's own answers with the adapter at
    temperature 0; vLLM's command serves the folder."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    code, out, err = run(capsys, "export-model", "1", "--format", "merged")
    assert code == 0, err
    folder = local / "exports" / "tiny-llama-01234567" / "merged"
    assert f"vllm serve {folder}" in out
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= {
        p.name for p in folder.iterdir()
    }
    tokenizer = AutoTokenizer.from_pretrained(folder)  # the export's own tokenizer + template
    merged = greedy(AutoModelForCausalLM.from_pretrained(folder), tokenizer)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    plain = greedy(base, tokenizer)
    tuned = greedy(PeftModel.from_pretrained(base, adapter), tokenizer)
    assert merged == tuned
    assert merged != plain
    served = backend_answers(local / "models" / "tiny-llama", (MODEL, adapter))
    assert backend_answers(folder, None) == served  # as the backend serves the adapter
    assert served != backend_answers(local / "models" / "tiny-llama", None)


def test_adapter_export_of_a_checkpoint(
    local: Path, adapter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint's adapter: its two files (no optimizer state), the tokenizer, a README that
    names the base, and vLLM's --enable-lora command."""
    out_dir = local.parent / "out"
    code, out, err = run(
        capsys,
        "export-model",
        JOB,
        "--checkpoint",
        "4",
        "--format",
        "adapter",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    names = {p.name for p in out_dir.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json"} <= names
    assert "optimizer.pt" not in names
    assert "base model: tiny-llama" in (out_dir / "README.md").read_text()
    assert (out_dir / "adapter_model.safetensors").read_bytes() == (
        adapter / "adapter_model.safetensors"
    ).read_bytes()
    assert f"--enable-lora --lora-modules tiny-llama-01234567-step4={out_dir.resolve()}" in out
    assert (
        run(
            capsys,
            "export-model",
            JOB,
            "--checkpoint",
            "4",
            "--format",
            "adapter",
            "--out",
            str(out_dir),
        )[0]
        == 0
    )  # an export replaces an export
    (local.parent / "mine").mkdir()
    (local.parent / "mine" / "notes.txt").write_text("my own file")
    code, _, err = run(
        capsys, "export-model", JOB, "--format", "adapter", "--out", str(local.parent / "mine")
    )
    assert code == 1 and "holds other files (notes.txt)" in err
    code, out, _ = run(capsys, "export-model", "1", "--format", "adapter", "--json")
    shown = json.loads(out)
    assert (shown["format"], shown["step"], shown["model"]) == ("adapter", None, MODEL)
    assert shown["commands"][0].startswith("vllm serve ")


def test_ollama_modelfile(local: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Llama base: FROM the base folder + ADAPTER ., the ChatML TEMPLATE, the examples'
    shared SYSTEM prompt and the stop tokens; the printed command creates it."""
    code, out, err = run(capsys, "export-model", "1", "--format", "ollama")
    assert code == 0, err
    folder = local / "exports" / "tiny-llama-01234567" / "ollama"
    lines = (folder / "Modelfile").read_text().splitlines()
    assert f"FROM {local / 'models' / 'tiny-llama'}" in lines
    assert "ADAPTER ." in lines
    assert f'SYSTEM """{SYSTEM}"""' in lines
    assert 'PARAMETER stop "<|im_end|>"' in lines
    template = next(line for line in lines if line.startswith("TEMPLATE"))
    assert "{{- range .Messages }}<|im_start|>{{ .Role }}" in template
    assert (folder / "adapter_model.safetensors").is_file()
    assert f"ollama create tiny-llama-01234567 -f {folder / 'Modelfile'}" in out


def test_templates_and_system_prompts() -> None:
    """SmolLM2's template translates with its default system prompt; a Llama 3 one does not
    translate (and says so); differing system prompts give no SYSTEM."""
    from jinja2 import Template

    def renderer(source: str) -> Any:
        return lambda messages: Template(source).render(
            messages=messages, add_generation_prompt=True
        )

    smol = ollama_template(renderer(SMOLLM2))
    assert smol.text is not None
    assert "You are a helpful AI assistant named SmolLM" in smol.text
    llama3 = (
        "{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
        "{{ m['content'] }}<|eot_id|>{% endfor %}<|start_header_id|>assistant<|end_header_id|>"
    )
    other = ollama_template(renderer(llama3))
    assert other.text is None and "not ChatML" in other.note
    rows = [
        json.dumps(
            {"messages": [{"role": "system", "content": s}, {"role": "user", "content": "q"}]}
        )
        for s in ("a", "b")
    ]
    mixed = common_system_prompt(rows)
    assert mixed.text is None and "2 different system prompts" in mixed.note
    assert common_system_prompt(rows[:1] * 3).text == "a"


def test_gguf_needs_llama_cpp(
    local: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without llama.cpp's converter: exit 1, what to install, no folder; with one (a stand-in
    script here), model.gguf is what it wrote and the Modelfile points at it."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = run(capsys, "export-model", "1", "--format", "gguf")
    assert code == 1
    assert "convert_hf_to_gguf.py" in err and "llama.cpp" in err
    assert not (local / "exports").exists()
    script = tmp_path / "convert_hf_to_gguf.py"
    script.write_text(
        "import sys, pathlib\nargs = sys.argv\n"
        "assert pathlib.Path(args[1], 'config.json').is_file()\n"
        "pathlib.Path(args[args.index('--outfile') + 1]).write_bytes(b'GGUF from the stand-in')\n"
    )
    code, out, err = run(
        capsys, "export-model", "1", "--format", "gguf", "--converter", str(script)
    )
    assert code == 0, err
    folder = local / "exports" / "tiny-llama-01234567" / "gguf"
    assert (folder / "model.gguf").read_bytes() == b"GGUF from the stand-in"
    assert "FROM ./model.gguf" in (folder / "Modelfile").read_text().splitlines()
    assert f"llama-server -m {folder / 'model.gguf'}" in out


@pytest.mark.parametrize(
    ("argv", "env", "code", "said"),
    [
        (["2", "--format", "merged"], {}, 1, "a hosted provider's model stays with the provider"),
        (["9", "--format", "merged"], {}, 2, "no job with id 9"),
        ([JOB, "--checkpoint", "99", "--format", "adapter"], {}, 2, "no checkpoint at step 99"),
        (
            ["1", "--format", "merged"],
            {"TUIAPP_LOCAL_URL": "http://gpu-box:8765/v1"},
            1,
            f"run `tuiapp export-model {JOB} --format merged` there",
        ),
    ],
)
def test_errors(
    local: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    code: int,
    said: str,
) -> None:
    """Hosted jobs, unknown jobs and checkpoints, a remote backend: exit code and reason."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    got, _, err = run(capsys, "export-model", *argv)
    assert (got, said in err) == (code, True), err


def test_unfinished_job_and_missing_base(local: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A running job has no final model (its checkpoints are listed); a base model that is no
    longer served is named with the command that brings it back."""
    from tuiapp.local.state import open_state

    state = open_state(local)
    state.execute("UPDATE jobs SET status = 'running' WHERE id = ?", (JOB,))
    state.conn.close()
    code, _, err = run(capsys, "export-model", "1", "--format", "merged")
    assert code == 1 and "is running" in err and "checkpoints: 4" in err
    shutil.rmtree(local / "models" / "tiny-llama")
    code, _, err = run(capsys, "export-model", "1", "--checkpoint", "4", "--format", "merged")
    assert code == 2 and "tuiapp local pull tiny-llama" in err


async def test_job_screen_export_key(local: Path, home: AppPaths) -> None:
    """x on the job screen asks which model (final or a checkpoint) and the format, exports
    in a thread and shows the folder and the serve command; a hosted job says why not."""
    from screens.choice import ChoiceScreen
    from screens.job import JobScreen
    from tests.waiting import until
    from tuiapp.app import make_app
    from tuiapp.providers.base import RemoteCheckpoint
    from tuiapp.store.jobs import add_checkpoints

    store = open_store(home.database)
    add_checkpoints(store, 1, [RemoteCheckpoint("ftckpt-1", 4, f"{MODEL}:ckpt-step-4", {}, 1)])
    store.close()
    app = make_app(home)
    async with app.run_test(size=(110, 34)) as pilot:
        app.push_screen(JobScreen(1))
        await pilot.pause()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the model question")
        await pilot.press("down", "enter")  # checkpoint step 4
        await until(
            pilot,
            lambda: "Export as" in str(app.screen.query("Label").first().render()),
            "the format question",
        )
        await pilot.press("enter")  # adapter
        done = await until(
            pilot,
            lambda: [n.message for n in app._notifications if n.title == "Exported adapter"],
            "the export",
        )
        folder = local / "exports" / "tiny-llama-01234567-step4" / "adapter"
        assert str(folder) in done[0] and "--enable-lora" in done[0]
        assert (folder / "adapter_model.safetensors").is_file()
        await pilot.press("escape")
        app.push_screen(JobScreen(2))
        await pilot.pause()
        await pilot.press("x")
        said = await until(
            pilot,
            lambda: [n.message for n in app._notifications if n.title == "Cannot export"],
            "the refusal",
        )
        assert "ran on together" in said[0]


def test_vllm_gets_the_adapters_rank(tmp_path: Path) -> None:
    """vLLM refuses adapters above --max-lora-rank (16 by default): a wider one gets the flag."""
    from tuiapp.local.export_model import ExportResult, Source, lora_rank, serve_commands

    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 8, "rank_pattern": {"q": 32}}))
    assert lora_rank(tmp_path) == 32
    source = Source(JOB, MODEL, "tiny-llama", Path("/base"), tmp_path, None, None)
    command = serve_commands(ExportResult("adapter", tmp_path, source))[0]
    assert command.endswith(f"--lora-modules tiny-llama-01234567={tmp_path} --max-lora-rank 32")
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 16}))
    assert "--max-lora-rank" not in serve_commands(ExportResult("adapter", tmp_path, source))[0]
