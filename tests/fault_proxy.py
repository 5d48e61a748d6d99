"""A fake OpenAI-shaped fine-tuning API and a real HTTP proxy on loopback in front of it that
injects faults after forwarding (a 500, a dropped connection, a stalled answer)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODEL = "gpt-4o-mini-2024-07-18"


def job_object(job_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A fine-tuning job as the API returns it."""
    return {
        "id": job_id,
        "object": "fine_tuning.job",
        "status": "validating_files",
        "model": body.get("model", MODEL),
        "created_at": int(time.time()),
        "training_file": body.get("training_file", "file-1"),
        "validation_file": body.get("validation_file"),
        "hyperparameters": {"n_epochs": "auto"},
        "result_files": [],
        "seed": 1,
        "organization_id": "org",
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "trained_tokens": None,
        "metadata": body.get("metadata"),
    }


class FakeOpenAI(ThreadingHTTPServer):
    """Just enough of the fine-tuning API: files, create/list/retrieve jobs, events."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FakeHandler)
        self.jobs: dict[str, dict[str, Any]] = {}
        self.files = 0
        self.list_queries: list[dict[str, list[str]]] = []

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _FakeHandler(BaseHTTPRequestHandler):
    """The fake server's request handler."""

    server: FakeOpenAI

    def log_message(self, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def do_POST(self) -> None:
        """Upload a file, or create a job."""
        raw = self._body()
        path = urlsplit(self.path).path
        if path == "/v1/files":
            self.server.files += 1
            self._send(200, _file(f"file-{self.server.files}", len(raw)))
        elif path == "/v1/fine_tuning/jobs":
            job_id = f"ftjob-{len(self.server.jobs) + 1}"
            self.server.jobs[job_id] = job_object(job_id, json.loads(raw))
            self._send(200, self.server.jobs[job_id])
        else:
            self._send(404, {"error": {"message": "no such route"}})

    def do_GET(self) -> None:
        """Retrieve a file or a job, list jobs (the metadata filter ignored, as an older
        server would), list events and checkpoints."""
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/v1/files/"):
            self._send(200, _file(path.rsplit("/", 1)[1], 10))
        elif path == "/v1/fine_tuning/jobs":
            query = parse_qs(parts.query)
            self.server.list_queries.append(query)
            limit = int(query.get("limit", ["20"])[0])
            data = list(reversed(self.server.jobs.values()))[:limit]
            self._send(200, {"object": "list", "data": data, "has_more": False})
        elif path.endswith(("/events", "/checkpoints")):
            self._send(200, {"object": "list", "data": [], "has_more": False})
        elif path.startswith("/v1/fine_tuning/jobs/") and path.count("/") == 4:
            job = self.server.jobs.get(path.rsplit("/", 1)[1])
            self._send(200 if job else 404, job or {"error": {"message": "no such job"}})
        else:
            self._send(404, {"error": {"message": "no such route"}})


def _file(file_id: str, size: int) -> dict[str, Any]:
    """An uploaded file as the API returns it."""
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": 1,
        "filename": "train.jsonl",
        "purpose": "fine-tune",
        "status": "processed",
    }


class FaultyProxy(ThreadingHTTPServer):
    """A real HTTP proxy on loopback: forwards everything to `upstream`, except that a request
    matching a planned fault gets it: `500` (forwarded, then answered 500), `reset` (forwarded,
    then the connection dropped), `stall` (forwarded, answered 3 s late) or `refuse-500`
    (answered 500 without forwarding)."""

    block_on_close = False  # a stalled answer does not hold up the test's end

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a stalled answer is expected: stay quiet."""

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urlsplit(upstream)
        self.faults: dict[str, list[str]] = {}
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        """The base URL a client uses."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _ProxyHandler(BaseHTTPRequestHandler):
    """The proxy's request handler."""

    server: FaultyProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        """Quiet."""

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname or "127.0.0.1", self.server.upstream.port, timeout=10
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        return response.status, response.getheaders(), data

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        key = f"{self.command} {urlsplit(self.path).path}"
        self.server.seen.append(key)
        planned = self.server.faults.get(key) or []
        fault = planned.pop(0) if planned else None
        if fault != "refuse-500":
            status, headers, data = self._forward(body)
        if fault == "reset":
            self.close_connection = True
            self.connection.close()
            return
        if fault == "stall":
            time.sleep(3.0)
        if fault in ("500", "refuse-500"):
            status, data = 500, json.dumps({"error": {"message": "injected"}}).encode()
            headers = [("content-type", "application/json")]
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[None]:
    """Serve in a thread for the block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
