"""Secrets never printed: a provider that echoes the key in its 401 message (a real HTTP server
on loopback) gets it masked on screen, on stdout/stderr and in the crash log."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest

from tests.waiting import until
from tuiapp import cli
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.base import ProviderError
from tuiapp.providers.openai_provider import OpenAIProvider
from tuiapp.redact import MASK, redact
from tuiapp.store import open_store
from tuiapp.store.jobs import insert_job

KEY = "sk-test-SECRET123"


class EchoingKeyHandler(BaseHTTPRequestHandler):
    """Answers every request 401, quoting the key it was sent (as some services do)."""

    def _answer(self) -> None:
        sent = self.headers.get("Authorization", "").removeprefix("Bearer ")
        body = json.dumps(
            {
                "error": {
                    "message": f"Incorrect API key provided: {sent}.",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def echoing_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A loopback server that echoes the key; OpenAI's SDK is pointed at it with the key set."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingKeyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    yield url
    server.shutdown()
    server.server_close()


def add_openai_job(home: AppPaths) -> None:
    """A running job on the openai provider (the watcher polls it)."""
    store = open_store(home.database)
    insert_job(
        store,
        provider="openai",
        remote_id="ftjob-abc",
        base_model="gpt-4.1-mini",
        training_file="file-1",
        status="running",
    )
    store.close()


def test_key_values_and_key_shapes_are_masked() -> None:
    env = {"MISTRAL_API_KEY": "plainvalue-42xyz", "TUIAPP_LOCAL_API_KEY": "local"}
    text = (
        "mistral said plainvalue-42xyz; github ghp_abcdefghijklmnop, aws AKIAABCDEFGHIJKLMNOP, "
        "hub hf_abcdefghijklmnopq, header Authorization: Bearer abc.def-ghi_jkl, openai "
        "sk-proj-abc123def456 and a truncated sk-test-****T123"
    )
    out = redact(text, env)
    for secret in (
        "plainvalue-42xyz",
        "ghp_",
        "AKIA",
        "hf_abc",
        "abc.def-ghi_jkl",
        "sk-proj",
        "sk-test",
    ):
        assert secret not in out, secret
    assert out.count(MASK) == 7 and "Bearer " + MASK in out
    ordinary = "the local backend: ask-me, task-list, risk-free, skills, a desk-lamp"
    assert redact(ordinary, env) == ordinary  # short key values and plain words stay


async def test_a_401_that_echoes_the_key_is_masked_in_the_provider_error(
    echoing_server: str,
) -> None:
    provider = OpenAIProvider("openai", openai.AsyncOpenAI(api_key=KEY, base_url=echoing_server))
    with pytest.raises(ProviderError) as caught:
        await provider.job("ftjob-abc")
    await provider.close()
    assert "401" in str(caught.value) and MASK in str(caught.value)
    assert "SECRET123" not in str(caught.value)


def test_the_key_never_reaches_stdout_or_stderr(
    home: AppPaths, echoing_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_openai_job(home)
    assert cli.main(["watch", "--once"]) == 2  # the job cannot be followed
    out, err = capsys.readouterr()
    assert "401" in err and MASK in err
    assert "SECRET123" not in out + err


def test_the_key_never_reaches_the_crash_log(
    home: AppPaths,
    echoing_server: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def jobs_with_a_bug(store: Any, args: Any) -> int:
        """A command that lets the raw SDK error escape (the key is in its message)."""
        import asyncio

        async def call() -> None:
            client = openai.AsyncOpenAI()
            try:
                await client.fine_tuning.jobs.retrieve("ftjob-abc")
            finally:
                await client.close()

        asyncio.run(call())
        return 0

    monkeypatch.setattr("tuiapp.cli_jobs.cmd_jobs", jobs_with_a_bug)
    assert cli.main(["jobs"]) == 3
    out, err = capsys.readouterr()
    logs = list((home.data_dir / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    log = logs[0].read_text()
    assert "AuthenticationError" in log and "Incorrect API key provided" in log
    assert "SECRET123" not in out + err + log


async def test_the_key_never_reaches_the_screen(home: AppPaths, echoing_server: str) -> None:
    add_openai_job(home)
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(
            pilot,
            lambda: any(n.title == "Cannot follow a job" for n in app._notifications),
            "the notification",
        )
        await pilot.pause(0.1)
        shown = [n.message for n in app._notifications]  # what the toasts show
        assert any("401" in m and MASK in m for m in shown), shown
        assert not any("SECRET123" in m for m in shown)


async def test_a_tui_crash_is_one_masked_line_and_a_log(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = "sk-test-SECRET1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    app = make_app(home)

    def explode() -> None:
        api_key = secret  # a local variable Textual's own traceback would print
        raise RuntimeError(f"401 Incorrect API key provided: {api_key}")

    app.action_explode = explode  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            app.notify(f"provider said {secret}", title=f"key {secret}")
            await pilot.pause()
            shown = [(n.message, n.title) for n in app._notifications]
            assert shown and all(secret not in m and secret not in t for m, t in shown)
            app.call_later(app.action_explode)  # type: ignore[attr-defined]
            await pilot.pause()
    assert app.return_code == 3
    printed = capfd.readouterr().err.strip()
    assert printed.startswith("tuiapp: internal error: RuntimeError"), printed
    assert secret not in printed and "details in" in printed and "Traceback" not in printed
    logs = list((home.data_dir / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert "RuntimeError" in text and "explode" in text and secret not in text


async def test_a_failed_background_task_is_said_and_the_app_goes_on(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-SECRET1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    app = make_app(home)

    async def failing() -> None:
        raise RuntimeError(f"the provider echoed {secret}")

    async with app.run_test() as pilot:
        app.run_worker(failing())
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        shown = [(n.title, n.message) for n in app._notifications]
        assert any(t == "A background task failed" and "RuntimeError" in m for t, m in shown), shown
        assert all(secret not in m for _, m in shown)
    logs = list((home.data_dir / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and secret not in logs[0].read_text()
