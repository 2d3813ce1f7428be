"""Assets and the presigned upload flow."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from serve_apps.api.schemas.common import Out


class AssetOut(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    kind: str | None
    status: str
    filename: str
    content_type: str | None
    size_bytes: int | None
    width: int | None
    height: int | None
    duration_s: float | None
    created_at: datetime


class UploadRequest(BaseModel):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=100)
    size_bytes: int = Field(gt=0, le=2**63 - 1)  # the limit itself is a setting


class UploadTicket(BaseModel):
    """PUT the file to `url` with `headers`, then POST …/assets/{asset.id}/confirm."""

    asset: AssetOut
    url: str
    method: str
    headers: dict[str, str]
    expires_in: int
