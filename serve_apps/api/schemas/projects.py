"""Projects."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from serve_apps.api.schemas.common import Out


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)


class ProjectUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)


class ProjectOut(Out):
    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
