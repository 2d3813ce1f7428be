"""Generation requests and jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from pipelines.request import (
    MAX_IMAGES,
    MAX_SCRIPT_CHARS,
    FilmOptions,
    MusicChoice,
)
from serve_apps.api.schemas.common import Out
from serve_apps.api.schemas.projects import CAST, REFERENCES, TRANSLATIONS, CastLook

# Analyse a script into its plan (scenes, shots, lines, characters, mood).
ScriptJobIn = create_model(
    "ScriptJobIn",
    project_id=(uuid.UUID, ...),
    **{
        name: (info.annotation, info)
        for name, info in FilmOptions.model_fields.items()
        if name in ("script", "narrate_action")
    },
)


# A film request as the API takes it: the film's options as declared in the pipeline (types,
# defaults, descriptions, limits), with asset ids standing in for its files. Values are checked by
# the film request itself at submit, so the API and the CLI refuse the same things in the same
# words. The storyboard takes the same body and stops at one still per shot.

FilmJobIn = create_model(
    "FilmJobIn",
    project_id=(uuid.UUID, ...),
    **{
        name: (info.annotation, info)
        for name, info in FilmOptions.model_fields.items()
        if name != "references"
    },
    image_ids=(list[uuid.UUID], Field(default_factory=list, max_length=MAX_IMAGES)),
    music=(MusicChoice | uuid.UUID, "generated"),
    translations=(dict[str, uuid.UUID], TRANSLATIONS),
    cast=(dict[str, CastLook], CAST),
    references=REFERENCES,
)


# The film's body: a film request as above, or `"from": "storyboard"` to render the project's
# storyboard exactly as edited, with the project's settings (any option given here overrides
# its setting for this render).
VideoJobIn = create_model(
    "VideoJobIn",
    __base__=FilmJobIn,
    script=(
        str | None,
        Field(
            None,
            max_length=MAX_SCRIPT_CHARS,
            description="Fountain screenplay or plain prose (not with from=storyboard)",
        ),
    ),
    from_=(
        Literal["request", "storyboard"],
        Field(
            "request",
            alias="from",
            description="request: the film of this body; storyboard: the project's storyboard",
        ),
    ),
)


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
