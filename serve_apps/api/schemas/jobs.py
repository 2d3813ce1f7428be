"""Generation requests and jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from serve_apps.api.schemas.common import Out


class ScriptJobIn(BaseModel):
    """Analyse a script into its plan (scenes, shots, lines, characters, mood)."""

    project_id: uuid.UUID
    script: str = Field(max_length=200_000)
    narrate_action: bool = True


class FilmJobIn(BaseModel):
    """A film request (the storyboard takes the same one and stops at one still per shot).

    Types are checked here; values (duration range, size, fps…) by the film request itself,
    so the API and the CLI refuse the same things with the same words.
    """

    project_id: uuid.UUID
    script: str = Field(max_length=200_000)
    image_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    music: Literal["generated", "none"] | uuid.UUID = "generated"
    voices: dict[str, str] = Field(default_factory=dict)
    language: str = Field("en", max_length=16)
    duration: float = 60.0
    size: str = "1280x720"
    fps: int = 24
    burn_subtitles: bool = False
    narrate_action: bool = True
    seed: int = 0
    tier: Literal["draft", "studio"] = "draft"


class JobAccepted(BaseModel):
    job_id: uuid.UUID
    status: str
    cost: int
    balance: int
    status_url: str
    events_url: str


class JobStatusOut(Out):
    id: uuid.UUID
    status: str
    stage: str | None
    progress: float
    message: str | None
    attempts: int
    cancel_requested: bool
    updated_at: datetime


class JobOut(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    owner_id: uuid.UUID
    kind: str
    tier: str
    status: str
    stage: str | None
    progress: float
    message: str | None
    error: str | None
    cost: int
    attempts: int
    max_attempts: int
    cancel_requested: bool
    result: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    outputs: list[str] = []  # names for GET /jobs/{id}/outputs/{name}
