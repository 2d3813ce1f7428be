"""Projects: a name, a script, the film's settings; a storyboard and renders beside them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, model_validator

from pipelines.request import MAX_SCRIPT_CHARS, MAX_SUBTITLE_TRACKS, FilmOptions, Pixel
from serve_apps.api.schemas.common import Out

MAX_CAST = 60


class CastLook(BaseModel):
    """How one character looks on screen: drawn (seeded from the name), their character sheet
    (a zip asset) or a portrait (an image asset), with the mouth point on its picture."""

    look: Literal["drawn", "sheet", "portrait"] = "drawn"
    asset: uuid.UUID | None = Field(
        None, description="sheet: a character-sheet asset (zip); portrait: an image asset"
    )
    mouth: tuple[Pixel, Pixel] | None = Field(
        None,
        description="(x, y) of the mouth on the picture, in its pixels (found by face detection "
        "if left out; refused when the detector finds no face there)",
    )

    @model_validator(mode="after")
    def _asset(self) -> CastLook:
        if self.look != "drawn" and self.asset is None:
            raise ValueError(f"a {self.look} look needs its asset (an uploaded file's id)")
        return self


CAST = Field(
    default_factory=dict,
    max_length=MAX_CAST,
    description="CHARACTER → its look (drawn, sheet or portrait); drawn when left out",
)

# The film's `references` as the API takes them: CHARACTER → an image asset of the project.
REFERENCES = (
    dict[str, uuid.UUID],
    Field(
        default_factory=dict,
        max_length=MAX_CAST,
        description="studio tier: CHARACTER → an image asset of the project whose look every "
        "still showing them takes; a character without one takes the look of the first still "
        "drawn of them",
    ),
)

TRANSLATIONS = Field(
    default_factory=dict,
    max_length=MAX_SUBTITLE_TRACKS,
    description="your own translations: language → a subtitles asset (SRT/WebVTT) or a text "
    "asset (a translated script: one line per spoken line) of the project, used for that "
    "language's subtitle track (or dub) instead of a translator",
)

# The film's settings as a project keeps them: every film option but the script and a document
# to write one from (declared once, in the pipeline), with the music as a choice or an audio
# asset's id and the references as image assets' ids. Values are checked by the film request's
# own rules when stored, so a project refuses what the CLI refuses.
FilmSettings = create_model(
    "FilmSettings",
    **{
        name: (info.annotation, info)
        for name, info in FilmOptions.model_fields.items()
        if name not in ("script", "from_document", "references")
    },
    cast=(dict[str, CastLook], CAST),
    music=(
        Literal["generated", "none"] | uuid.UUID,
        Field("generated", description="generated, none, or an audio asset of the project"),
    ),
    translations=(dict[str, uuid.UUID], TRANSLATIONS),
    references=REFERENCES,
)

SCRIPT = Field("", max_length=MAX_SCRIPT_CHARS, description="Fountain screenplay or plain prose")


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    script: str = SCRIPT
    settings: FilmSettings = Field(default_factory=FilmSettings)  # type: ignore[valid-type]


class ProjectReplace(ProjectCreate):
    """PUT: the whole project document (what is left out takes its default)."""


class ProjectUpdate(BaseModel):
    """PATCH: only what is given changes; `settings` are merged into the project's."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    script: str | None = Field(None, max_length=MAX_SCRIPT_CHARS)
    settings: dict[str, Any] | None = Field(
        None, description="film settings to change (see FilmSettings); the rest are kept"
    )


class ProjectOut(Out):
    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class ProjectDetail(ProjectOut):
    """One project with its script and film settings."""

    script: str
    settings: dict[str, Any]
    has_storyboard: bool = False


class RenderOut(BaseModel):
    """A film made from the project: what it was made from and what came out."""

    job_id: uuid.UUID
    status: str
    source: Literal["request", "storyboard"]
    storyboard_version: int | None
    settings: dict[str, Any]
    plan: dict[str, Any] | None
    outputs: dict[str, str]  # name → download URL
    duration: float | None
    created_at: datetime
    finished_at: datetime | None


class CharacterOut(BaseModel):
    name: str
    look: CastLook


class CharactersOut(BaseModel):
    """The script's speaking characters, in order of first line, each with its look."""

    characters: list[CharacterOut]
