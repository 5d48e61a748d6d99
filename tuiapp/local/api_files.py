"""Files endpoints of the local API: upload, list, retrieve, content, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from tuiapp.local.api_objects import APIError, file_object, not_found, page
from tuiapp.local.http import query_limit, query_order
from tuiapp.local.state import LocalState, new_id, now


class FilesAPI:
    """/v1/files."""

    def __init__(self, state: LocalState) -> None:
        self.state = state

    async def upload_file(self, request: Request) -> Response:
        """POST /v1/files (multipart: file, purpose)."""
        try:
            form = await request.form(max_part_size=1024 * 1024 * 1024)
        except Exception as err:  # a malformed multipart body is the client's error
            raise APIError(400, f"Could not read the upload: {err}", param="file") from err
        upload, purpose = form.get("file"), form.get("purpose")
        if upload is None or isinstance(upload, str):
            raise APIError(400, "Missing file", param="file")
        if purpose not in ("fine-tune", "batch", "assistants", "user_data", "evals"):
            raise APIError(400, f"Invalid purpose {purpose!r}", param="purpose")
        file_id = new_id("file")
        path = self.state.files_dir / file_id
        size = 0
        with open(path, "wb") as out:
            while chunk := await upload.read(1024 * 1024):
                out.write(chunk)
                size += len(chunk)
        self.state.execute(
            "INSERT INTO files(id, bytes, created_at, filename, purpose, status) "
            "VALUES (?, ?, ?, ?, ?, 'processed')",
            (file_id, size, now(), upload.filename or "file.jsonl", purpose),
        )
        return JSONResponse(file_object(self._file(file_id)))

    def _file(self, file_id: str) -> dict[str, Any]:
        """A file row or 404."""
        row = self.state.one("SELECT * FROM files WHERE id = ? AND deleted = 0", (file_id,))
        if row is None:
            raise not_found("File", file_id)
        return row

    async def list_files(self, request: Request) -> Response:
        """GET /v1/files."""
        limit = query_limit(request, 10_000)
        sql, params = "SELECT rowid, * FROM files WHERE deleted = 0", []
        if purpose := request.query_params.get("purpose"):
            sql += " AND purpose = ?"
            params.append(purpose)
        order = query_order(request)
        if after := request.query_params.get("after"):
            anchor = self.state.one("SELECT rowid FROM files WHERE id = ?", (after,))
            if anchor is None:
                raise not_found("File", after)
            sql += f" AND rowid {'>' if order == 'ASC' else '<'} ?"
            params.append(anchor["rowid"])
        rows = self.state.rows(f"{sql} ORDER BY rowid {order} LIMIT ?", [*params, limit + 1])
        return JSONResponse(page([file_object(r) for r in rows], limit))

    async def get_file(self, request: Request) -> Response:
        """GET /v1/files/{id}."""
        return JSONResponse(file_object(self._file(request.path_params["file_id"])))

    async def file_content(self, request: Request) -> Response:
        """GET /v1/files/{id}/content."""
        row = self._file(request.path_params["file_id"])
        return FileResponse(self.state.files_dir / row["id"], media_type="application/octet-stream")

    async def delete_file(self, request: Request) -> Response:
        """DELETE /v1/files/{id}."""
        row = self._file(request.path_params["file_id"])
        self.state.execute("UPDATE files SET deleted = 1 WHERE id = ?", (row["id"],))
        (self.state.files_dir / row["id"]).unlink(missing_ok=True)
        return JSONResponse({"id": row["id"], "object": "file", "deleted": True})
