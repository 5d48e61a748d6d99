"""Fireworks AI through its REST API on httpx (no SDK: httpx is already a dependency), mapped
onto the provider protocol. Datasets are uploaded under an id made from their content (the same
file is uploaded once); supervised and DPO jobs get the id `tuiapp-<client token>`, so a create
whose answer was lost is found by asking for that id. Fireworks has no event list: events are
told from the job's own fields and its metrics file (a signed URL, fetched without our key).
Reinforcement fine-tuning, pause and a learning-rate multiplier are refused; a seed is not sent
(Fireworks takes none). Endpoints: https://docs.fireworks.ai/fine-tuning/fine-tuning-via-api
and the official SDK's resources (fireworks-ai 1.2.30): see tuiapp/providers/fireworks_shapes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tuiapp.providers.adapter import Connection, adapter
from tuiapp.providers.base import (
    Capabilities,
    JobRequest,
    NoPauseResume,
    Progress,
    ProviderError,
    RemoteCheckpoint,
    RemoteEvent,
    RemoteFile,
    RemoteJob,
    Timeouts,
    derived_id,
    events_after,
)
from tuiapp.providers.client_setup import base_url, http_client, openai_options
from tuiapp.providers.errors import openai_call, status_error, transport_error
from tuiapp.providers.fireworks_shapes import (
    DPO,
    SFT,
    Counted,
    create_body,
    error_detail,
    job_events,
    job_id_for,
    metrics_events,
    remote_job,
    seconds,
)
from tuiapp.providers.openai_shaped import OpenAIShapedChat

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

CAPABILITIES = Capabilities(
    methods=("supervised", "dpo"),  # reinforcement fine-tuning: see UNSUPPORTED_METHODS
    pause_resume=False,
    checkpoints=True,  # the job's output model (the REST API lists no intermediate ones)
    validation_file=True,
    metrics="metrics file",
    learning_rate_multiplier=False,
)
BASE_URL = "https://api.fireworks.ai"
READ_RETRIES = 2  # a GET answered 429 or 5xx is asked again (a create never is)
FORBIDDEN = "this key may not do that on this account: check FIREWORKS_ACCOUNT_ID and the key"


class FireworksProvider(OpenAIShapedChat, NoPauseResume):
    """A provider over Fireworks' REST API."""

    name = "fireworks"
    capabilities = CAPABILITIES

    def __init__(
        self,
        http: httpx.AsyncClient,
        plain: httpx.AsyncClient,
        account: str,
        chat: Any,
        t: Timeouts,
    ) -> None:
        self.http, self.account, self.chat_client, self.timeouts = http, account, chat, t
        self.plain = plain  # no key: for the signed URLs of metrics and dataset files

    def _path(self, tail: str) -> str:
        """A path under the account."""
        return f"/v1/accounts/{self.account}/{tail}"

    async def _call(self, method: str, url: str, retries: int = 0, **options: Any) -> Any:
        """One request; failures become ProviderErrors (429/5xx asked again `retries` times)."""
        import httpx  # here: reading the registry imports this module, and stays cheap

        for attempt in range(retries + 1):
            try:
                response = await self.http.request(method, url, **options)
            except httpx.TransportError as err:
                raise transport_error(self.name, self.timeouts, err) from err
            if response.is_success:
                return response.json() if response.content else {}
            wait = response.headers.get("retry-after")
            error = status_error(self.name, response.status_code, error_detail(response))
            error.hint = FORBIDDEN if response.status_code == 403 else error.hint
            error.retry_after = float(wait) if wait and wait.replace(".", "").isdigit() else None
            if not error.retryable or attempt == retries:
                raise error
            await asyncio.sleep(min(error.retry_after or 0.5 * 2**attempt, 10))
        raise AssertionError("unreachable")

    async def _get(self, tail: str) -> Any:
        """A GET under the account, retried on 429 and 5xx."""
        return await self._call("GET", self._path(tail), READ_RETRIES)

    async def upload(self, path: Path, purpose: str, progress: Progress | None) -> RemoteFile:
        """Create a dataset named after the file's content and upload the file into it (a
        dataset that is ready already is reused)."""
        data = path.read_bytes()
        dataset = "tuiapp-" + hashlib.blake2b(data, digest_size=8).hexdigest()
        count = str(data.count(b"\n") + (0 if data.endswith(b"\n") else 1))
        body = {"datasetId": dataset, "dataset": {"userUploaded": {}, "exampleCount": count}}
        try:
            await self._call("POST", self._path("datasets"), json=body)
        except ProviderError as err:
            if err.status != 409:  # ALREADY_EXISTS: the same content was sent before
                raise
            found = await self.file(dataset)
            if found.status == "processed":
                if progress is not None:
                    progress(len(data), len(data))
                return found
        with path.open("rb") as handle:
            counted = Counted(handle, len(data), progress)
            files = {"file": (path.name, counted, "application/jsonl")}  # type: ignore[dict-item]
            await self._call("POST", self._path(f"datasets/{dataset}:upload"), files=files)
        found = await self.file(dataset)
        return RemoteFile(found.id, path.name, len(data), found.status)

    async def file(self, file_id: str) -> RemoteFile:
        """A dataset's state (READY is our `processed`)."""
        found = await self._get(f"datasets/{file_id}")
        state = str(found.get("state") or "")
        status = {"READY": "processed", "UPLOADING": "uploaded"}.get(state, state.lower())
        name = str(found.get("displayName") or file_id)
        return RemoteFile(file_id, name, int(found.get("bytes") or 0), status)

    async def create_job(self, request: JobRequest) -> RemoteJob:
        """Start a supervised or DPO job, sent once, under the id its client token gives (a
        second create with the same token gets the first job: Fireworks answers 409)."""
        body, dpo = create_body(request, self.account), request.method == "dpo"
        kind, key = (DPO, "dpoJobId") if dpo else (SFT, "supervisedFineTuningJobId")
        chosen = job_id_for(request.client_token)
        try:
            params = {key: chosen} if chosen else None
            return remote_job(await self._call("POST", self._path(kind), json=body, params=params))
        except ProviderError as err:
            if err.status != 409 or not chosen:
                raise
            return await self.job(f"{kind}/{chosen}")

    async def find_job(self, client_token: str) -> RemoteJob | None:
        """The supervised or DPO job whose id its client token gave."""
        for kind in (SFT, DPO):
            try:
                return remote_job(await self._get(f"{kind}/{job_id_for(client_token)}"))
            except ProviderError as err:
                if err.status != 404:
                    raise
        return None

    def _job_path(self, job_id: str) -> str:
        """The path of a job from our id (a bare id is a supervised job's)."""
        return job_id if "/" in job_id else f"{SFT}/{job_id}"

    async def _raw(self, job_id: str) -> dict[str, Any]:
        """A job as Fireworks answers."""
        return dict(await self._get(self._job_path(job_id)))

    async def job(self, job_id: str) -> RemoteJob:
        """A job's current state."""
        return remote_job(await self._raw(job_id))

    async def _metrics(self, job_id: str, raw: dict[str, Any]) -> list[RemoteEvent]:
        """The metrics file's rows (SFT: a signed URL in the job; DPO: asked for)."""
        url = raw.get("metricsFileSignedUrl")
        started = raw.get("state") not in (None, "JOB_STATE_CREATING", "JOB_STATE_PENDING")
        if not url and started and self._job_path(job_id).startswith(DPO):
            found = await self._get(f"{self._job_path(job_id)}:getMetricsFileEndpoint")
            url = found.get("signedUrl")
        if not url:
            return []
        import httpx

        try:  # a signed URL: fetched without our Authorization header
            response = await self.plain.get(url)
        except httpx.HTTPError:
            return []
        return metrics_events(response.text) if response.is_success else []

    async def new_events(self, job_id: str, known: str | None) -> list[RemoteEvent]:
        """The job's events and metrics after `known`, in time order (Fireworks returns no
        event list: they are told afresh from the job on each poll)."""
        raw = await self._raw(job_id)
        start = seconds(raw.get("createTime")) or 0
        metrics = [
            RemoteEvent(e.id, e.created_at or start, e.level, e.type, e.message, e.data)
            for e in await self._metrics(job_id, raw)
        ]
        events = job_events(raw) + metrics
        events.sort(key=lambda e: (e.created_at, e.type == "metrics", e.data.get("step", 0)))
        return events_after(events, known)

    async def checkpoints(self, job_id: str) -> list[RemoteCheckpoint]:
        """The output model of a finished job, at its last step (none before)."""
        raw = await self._raw(job_id)
        done = remote_job(raw)
        if not done.fine_tuned_model:
            return []
        steps = [int(e.data["step"]) for e in await self._metrics(job_id, raw)]
        at = done.finished_at or done.created_at or 0
        cid = derived_id("fw", done.fine_tuned_model)
        return [RemoteCheckpoint(cid, max(steps, default=0), done.fine_tuned_model, {}, at)]

    async def cancel(self, job_id: str) -> RemoteJob:
        """Cancel a job."""
        await self._call("POST", self._path(f"{self._job_path(job_id)}:cancel"), json={})
        return await self.job(job_id)

    async def file_content(self, file_id: str) -> bytes:
        """A dataset's file, through its signed download URL."""
        found = await self._get(f"datasets/{file_id}:getDownloadEndpoint")
        urls = list((found.get("filenameToSignedUrls") or {}).values())
        if not urls:
            raise ProviderError(f"fireworks: dataset {file_id} has no file to download")
        response = await self.plain.get(urls[0])
        return response.content

    async def models(self) -> list[str]:
        """The account's models (fine-tuned and uploaded), sorted."""
        names: list[str] = []
        token: str | None = ""
        while token is not None:  # every page (200 a page at most)
            page = await self._get("models?pageSize=200" + (f"&pageToken={token}" if token else ""))
            names += [str(m["name"]) for m in page.get("models", []) if m.get("name")]
            token = page.get("nextPageToken") or None
        return sorted(names)

    async def _chat_call(self, call: Awaitable[T]) -> T:
        """A call of the OpenAI-compatible inference API, its failures as ProviderErrors."""
        return await openai_call(self.name, self.timeouts, call)

    async def close(self) -> None:
        """Close the HTTP clients (the chat client closes the plain one)."""
        await self.http.aclose()
        await self.chat_client.close()


@adapter(
    "fireworks",
    "Fireworks AI",
    default_base="accounts/fireworks/models/llama-v3p1-8b-instruct",
    key_env="FIREWORKS_API_KEY",
    needs_env=("FIREWORKS_ACCOUNT_ID",),
    env=("FIREWORKS_BASE_URL",),
    capabilities=CAPABILITIES,
)
async def connect(link: Connection) -> FireworksProvider:
    """A client for the account FIREWORKS_ACCOUNT_ID with the configured timeouts (the key
    is held in memory for the requests, never stored)."""
    import openai

    base = base_url(link, "FIREWORKS_BASE_URL", BASE_URL)
    http = http_client(link, base=base, key=link.key)
    plain = http_client(link)  # no key: signed URLs; the chat client sends its own header
    inference = f"{base}/inference/v1"
    key = link.key or ""  # never None: the SDK would fall back to OPENAI_API_KEY
    chat = openai.AsyncOpenAI(api_key=key, base_url=inference, **openai_options(link, plain))
    account = link.env.get("FIREWORKS_ACCOUNT_ID", "").removeprefix("accounts/")
    return FireworksProvider(http, plain, account, chat, link.timeouts)
