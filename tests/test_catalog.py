"""The dated model catalog: closed training and retired models are refused (by `tuiapp train`
and by the job form, saying since when and what to pick instead), near dates warn, the dates
hold only at their own provider, live model lists fill in what the file lacks; the Mistral pin
and its comment say what the SDK releases really hold. Dates are injected (TUIAPP_TODAY, `on`)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from textual.widgets import Input, Select

from tests.test_job_form import open_form
from tests.test_jobs import frozen_version
from tests.test_review_ui import plain
from tuiapp import cli_jobs
from tuiapp.app import make_app
from tuiapp.cli import main
from tuiapp.data.base_models import base_model, known_models
from tuiapp.data.catalog import WARN_DAYS, check_training, lookup, with_live
from tuiapp.paths import AppPaths
from tuiapp.providers.base import ProviderError
from tuiapp.store.jobs import list_jobs

TODAY = date(2026, 12, 1)
PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"


def test_each_model_has_its_provider_dates_and_their_source() -> None:
    mini = lookup("gpt-4o-mini-2024-07-18")
    assert mini is not None and mini.provider == "openai" and mini.encoding == "o200k_base"
    assert (mini.training_closes, mini.retires) == (date(2027, 1, 6), date(2027, 1, 14))
    assert mini.source == "OpenAI deprecations page" and mini.price_per_million == 3.0
    for gone in ("gpt-4.1-nano-2025-04-14", "gpt-3.5-turbo-0125", "gpt-4-0613"):
        entry = lookup(gone)
        assert entry is not None and entry.retires == date(2026, 10, 23)
        assert "reports of" in entry.source
    assert lookup("ft:gpt-4.1-mini-2025-04-14:org::x1").retires == date(2027, 1, 14)  # type: ignore[union-attr]
    nemo = lookup("open-mistral-nemo")
    assert nemo is not None and "fine-tuning deprecated by Mistral" in nemo.note
    assert "2.5.1" in nemo.note
    # the cost table still counts each model with its own encoding, and lists no model twice
    assert base_model("gpt-3.5-turbo-0125").encoding == "cl100k_base"
    assert base_model("gpt-4o-mini-2024-07-18").price_per_million == 3.0
    assert "gpt-4o-mini-2024-07-18" not in known_models() and "gpt-4o-mini" in known_models()


def test_closed_and_retired_models_are_refused_saying_since_when_and_what_instead() -> None:
    retired = check_training("gpt-3.5-turbo-0125", "openai", TODAY)
    assert not retired.allowed
    assert "retired on 2026-10-23 (39 days ago; reports of OpenAI's deprecations page)" in (
        retired.refused
    )
    assert "local, Together or Fireworks" in retired.refused
    closed = check_training("gpt-4o-mini-2024-07-18", "openai", date(2027, 1, 6))
    assert "OpenAI closed fine-tuning to new jobs on 2027-01-06 (today" in closed.refused
    unknown = check_training("gpt-5-mini", "openai", date(2027, 2, 1))  # the provider's date
    assert "closed fine-tuning to new jobs on 2027-01-06 (26 days ago" in unknown.refused


def test_near_dates_warn_within_45_days_and_only_at_their_own_provider() -> None:
    warned = check_training("gpt-4o-mini-2024-07-18", "openai", TODAY)
    assert warned.allowed and len(warned.warnings) == 2
    assert "from 2027-01-06 (in 36 days; OpenAI deprecations page)" in warned.warnings[0]
    assert "stop answering on 2027-01-14 (in 44 days" in warned.warnings[1]
    early = date(2027, 1, 14).toordinal() - WARN_DAYS - 1  # 46 days before it retires
    quiet = check_training("gpt-4o-mini-2024-07-18", "openai", date.fromordinal(early))
    assert [w for w in quiet.warnings if "stop answering" in w] == []
    assert check_training("gpt-4o-mini-2024-07-18", "azure", date(2027, 2, 1)).allowed
    assert check_training("SmolLM2-135M-Instruct", "local", date(2030, 1, 1)) == (
        check_training("SmolLM2-135M-Instruct", "local", TODAY)
    )
    mistral = check_training("open-mistral-nemo", "mistral", TODAY)
    assert mistral.allowed and "fine-tuning deprecated by Mistral" in mistral.warnings[0]


def test_live_model_lists_fill_in_what_the_file_lacks() -> None:
    live = {
        "fireworks": ["accounts/fireworks/models/qwen3-8b", "accounts/acct-1/models/tuiapp-ft"],
        "openai": ["gpt-4o-mini-2024-07-18"],
    }
    added = [(e.provider, e.name) for e in with_live(live) if e.live]
    assert added == [("fireworks", "accounts/acct-1/models/tuiapp-ft")]


def test_the_mistral_pin_takes_the_sdk_the_adapter_speaks_and_says_what_holds_jobs() -> None:
    text = PYPROJECT.read_text()
    extras = tomllib.loads(text)["project"]["optional-dependencies"]
    for pins in (extras["mistral"], extras["dev"]):
        pin = next(Requirement(p) for p in pins if p.startswith("mistralai"))
        assert pin.specifier.contains("1.12.4") and not pin.specifier.contains("2.0.0")
    assert "2.x and later have no fine-tuning jobs client" not in text
    line = next(line for line in text.splitlines() if line.startswith("mistral = "))
    assert "2.5.1" in line


class Stop:
    """Providers that refuse to connect, counting the tries: nothing is uploaded."""

    tries = 0

    async def get(self, name: str) -> None:
        Stop.tries += 1
        raise ProviderError(f"{name}: stopped by the test", "")

    async def close(self) -> None:
        pass


@pytest.fixture
def version(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> int:
    """A frozen version, and providers that never connect."""
    store, frozen = frozen_version(home, write_jsonl)
    store.close()
    Stop.tries = 0
    monkeypatch.setattr(cli_jobs, "_providers", lambda _args: Stop())
    return int(frozen.id)


def train(capsys: pytest.CaptureFixture[str], version: int, model: str) -> tuple[int, str]:
    """`tuiapp train VERSION --provider openai --model MODEL --yes`: exit code, stderr."""
    code = main(["train", str(version), "--provider", "openai", "--model", model, "--yes"])
    return code, capsys.readouterr().err


def test_train_refuses_a_retired_model_before_uploading_anything(
    home: AppPaths, version: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = train(capsys, version, "gpt-4.1-nano-2025-04-14")
    assert code == 2 and "gpt-4.1-nano-2025-04-14 was retired on 2026-10-23" in err
    assert "pick an open model on local, Together or Fireworks" in err
    assert Stop.tries == 0


def test_train_refuses_once_training_closed_and_warns_before(
    home: AppPaths, version: int, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    code, err = train(capsys, version, "gpt-4o-mini-2024-07-18")  # 2026-12-01: warned, tried
    assert "warning: OpenAI takes no new fine-tuning jobs from 2027-01-06 (in 36 days" in err
    assert "stop answering on 2027-01-14 (in 44 days" in err and Stop.tries == 1
    assert code == 2 and "stopped by the test" in err
    monkeypatch.setenv("TUIAPP_TODAY", "2027-01-07")
    code, err = train(capsys, version, "gpt-4o-mini-2024-07-18")
    assert code == 2 and "OpenAI closed fine-tuning to new jobs on 2027-01-06 (1 day ago" in err
    assert Stop.tries == 1 and "warning" not in err
    monkeypatch.setenv("TUIAPP_TODAY", "2026-10-01")  # 97 days ahead: nothing to say
    code, err = train(capsys, version, "gpt-4o-mini-2024-07-18")
    assert "stop answering" not in err and "takes no new" not in err and Stop.tries == 2


async def test_the_job_form_warns_of_near_dates_and_refuses_a_retired_model(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUIAPP_LOCAL_URL", "http://127.0.0.1:9")  # nothing listens: no models
    monkeypatch.setenv("TUIAPP_LOCAL_AUTOSTART", "0")  # never start a backend here
    monkeypatch.setenv("OPENAI_API_KEY", "sk-catalog-test-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    store, _version = frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#provider", Select).value = "openai"
        await pilot.pause()
        estimate = " ".join(plain(form.query_one("#new-job-estimate")).split())  # unwrapped
        assert "OpenAI takes no new fine-tuning jobs from 2027-01-06 (in 36 days" in estimate
        assert "stop answering on 2027-01-14 (in 44 days" in estimate and form.plan is not None
        base = form.query_one("#base_model", Input)
        base.value = "gpt-3.5-turbo-0125"
        await pilot.pause()
        estimate = " ".join(plain(form.query_one("#new-job-estimate")).split())  # unwrapped
        assert "gpt-3.5-turbo-0125 was retired on 2026-10-23" in estimate
        assert form.plan is None and base.has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("Fix the form first: gpt-3.5-turbo" in n.message for n in app._notifications)
    assert list_jobs(store) == []
    store.close()


def test_tuiapp_models_lists_the_dates_with_their_source_and_adds_live_models(
    home: AppPaths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuiapp import cli_catalog

    assert main(["models", "--provider", "openai"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("as of 2026-12-01")
    assert "retired 2026-10-23 (reports of OpenAI's deprecations page)" in out
    assert "training closes 2027-01-06, retires 2027-01-14 (OpenAI deprecations page)" in out
    assert "open-mistral" not in out

    class Listed:
        """A provider that lists two models, one of them the file's."""

        async def models(self) -> list[str]:
            return ["accounts/fireworks/models/qwen3-8b", "accounts/acct-1/models/mine"]

        async def close(self) -> None:
            pass

    async def connect(name: str, _paths: AppPaths) -> Listed:
        return Listed()

    monkeypatch.setattr(cli_catalog, "connect", connect)
    monkeypatch.setenv("FIREWORKS_API_KEY", "fw-test-0123456789")
    monkeypatch.setenv("FIREWORKS_ACCOUNT_ID", "acct-1")
    assert main(["models", "--provider", "fireworks", "--live", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["live"]) for r in rows] == [
        ("accounts/fireworks/models/", False),
        ("accounts/acct-1/models/mine", True),
    ]
    assert main(["models", "--provider", "mistral"]) == 0
    assert "fine-tuning deprecated by Mistral" in capsys.readouterr().out
