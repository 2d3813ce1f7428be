"""A project's storyboard: scenes → shots → lines, each shot's picture and still.

The body of an edit is the storyboard as GET shows it, changed: a shot with its `id` is that
shot (moved, edited), one without is new, one left out is deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_SCENES = 500
MAX_SHOTS = 200  # per scene
MAX_LINES = 200  # per shot


class LineIn(BaseModel):
    speaker: str = Field(min_length=1, max_length=100, description="NARRATOR or a character")
    text: str = Field(max_length=2000, description="what is spoken and subtitled")
    parenthetical: str | None = Field(None, max_length=500)
    extension: str | None = Field(None, max_length=50)
    dual: bool = False


class ShotIn(BaseModel):
    id: str | None = Field(None, max_length=32, description="the shot's id; none for a new shot")
    description: str = Field("", max_length=5000, description="what the shot shows")
    centered: bool = False
    asset_id: uuid.UUID | None = Field(
        None, description="an image asset of the project; none: the studio's own picture"
    )
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES)


class SceneIn(BaseModel):
    heading: str | None = Field(None, max_length=500)
    number: str | None = Field(None, max_length=20)
    transition: str | None = Field(None, max_length=100)
    shots: list[ShotIn] = Field(max_length=MAX_SHOTS)


class StoryboardIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    scenes: list[SceneIn] = Field(max_length=MAX_SCENES)


class PictureOut(BaseModel):
    kind: Literal["asset", "drawn"]  # the user's image, or the studio's own (card or still)
    asset_id: uuid.UUID | None


class ShotOut(BaseModel):
    n: int  # its position in the whole storyboard, from 1 (…/storyboard/shots/{n}/still)
    id: str
    description: str
    centered: bool
    asset_id: uuid.UUID | None
    picture: PictureOut
    still_url: str | None  # None: the picture changed since; redraw it (POST …/still)
    estimate_s: float  # seconds on screen at natural pace, from its words
    lines: list[LineIn]


class SceneOut(BaseModel):
    heading: str | None
    number: str | None
    transition: str | None
    estimate_s: float
    shots: list[ShotOut]


class StoryboardOut(BaseModel):
    project_id: uuid.UUID
    version: int  # also the ETag; send it back in If-Match to edit
    title: str
    mood: str
    format: str
    characters: list[str]
    settings: dict[str, Any]  # the film settings it was made with
    estimate_s: float
    job_id: uuid.UUID | None
    updated_at: datetime
    scenes: list[SceneOut]


class StillRequest(BaseModel):
    seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="another seed for this still (default: the project's)"
    )
