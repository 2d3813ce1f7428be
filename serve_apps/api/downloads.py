"""Handing a stored file to its owner: streamed from local storage, or a presigned S3 URL."""

from __future__ import annotations

from fastapi import HTTPException, Response, status
from fastapi.responses import FileResponse, RedirectResponse

from serve_apps.api.platform import Platform


def stream_or_redirect(
    platform: Platform, key: str, filename: str, media_type: str | None
) -> Response:
    if (path := platform.storage.local_path(key)) is not None:
        return FileResponse(path, media_type=media_type, filename=filename)
    if (url := platform.storage.presigned_get(key, filename)) is not None:
        return RedirectResponse(url, status.HTTP_307_TEMPORARY_REDIRECT)
    raise HTTPException(status.HTTP_404_NOT_FOUND, "file not found in storage")
