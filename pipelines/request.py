"""What a user asks for: the film request, checked field by field before any work starts."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from infra.settings import get_settings
from pipelines.errors import InputError

SIZES: dict[str, tuple[int, int]] = {
    "1280x720": (1280, 720),
    "1920x1080": (1920, 1080),
    "1080x1920": (1080, 1920),
    "1080x1080": (1080, 1080),
}
FPS_CHOICES = (24, 25, 30)


class FilmRequest(BaseModel):
    """Everything a render needs. Paths are local files (the platform downloads assets first)."""

    script: str = Field(description="Fountain screenplay or plain prose")
    images: list[Path] = Field(default_factory=list)
    music: Literal["generated", "none"] | Path = "generated"
    voices: dict[str, str] = Field(default_factory=dict, description="CHARACTER -> voice name")
    language: str = "en"
    duration: float = 60.0
    size: str = "1280x720"
    fps: int = 24
    burn_subtitles: bool = False
    narrate_action: bool = True
    seed: int = 0
    tier: Literal["draft", "studio"] = "draft"
    models_dir: Path | None = None  # studio tier: local model directory

    @property
    def width(self) -> int:
        return SIZES[self.size][0]

    @property
    def height(self) -> int:
        return SIZES[self.size][1]

    @field_validator("script")
    @classmethod
    def _script(cls, v: str) -> str:
        if not v or not v.strip():
            raise ValueError("script is empty")
        if len(v) > 200_000:
            raise ValueError(f"script is {len(v)} characters; the limit is 200000")
        return v

    @field_validator("size")
    @classmethod
    def _size(cls, v: str) -> str:
        if v not in SIZES:
            raise ValueError(f"size {v!r} is not one of {', '.join(SIZES)}")
        return v

    @field_validator("fps")
    @classmethod
    def _fps(cls, v: int) -> int:
        if v not in FPS_CHOICES:
            raise ValueError(f"fps {v} is not one of {FPS_CHOICES}")
        return v

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: float) -> float:
        s = get_settings()
        if not (s.min_duration <= v <= s.max_duration):
            raise ValueError(f"duration {v:g} s is outside {s.min_duration:g}–{s.max_duration:g} s")
        return v

    @field_validator("images")
    @classmethod
    def _images(cls, v: list[Path]) -> list[Path]:
        if len(v) > 200:
            raise ValueError(f"{len(v)} images; the limit is 200")
        return v


def make_request(**fields) -> FilmRequest:
    """Build a FilmRequest, turning pydantic's errors into one InputError naming the field."""
    from pydantic import ValidationError

    try:
        return FilmRequest(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "request"
        msg = err["msg"].removeprefix("Value error, ")
        raise InputError(field, msg) from None
