"""Where and how a film is published, declared once: `PublishOptions`.

The CLI's `filmstudio publish` flags and the bulk manifest's `youtube` column are built from
this model, so a publish option is added in one place: a field here. Files (the film, its
thumbnail and caption tracks) are not options: each caller knows where its files are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from youtube.metadata import MetadataError, VideoMetadata, video_body


class PublishOptions(BaseModel):
    """The channel, the video's metadata and its playlist."""

    model_config = {"extra": "forbid"}

    channel: str = Field(
        min_length=1,
        max_length=200,
        description="a connected channel: its id in `filmstudio youtube channels`, its YouTube "
        "id (UC…) or its title",
    )
    title: str | None = Field(
        None, max_length=100, description="video title (bulk: the script's title, or the film id)"
    )
    description: str = Field("", max_length=4000, description="video description")
    tags: list[str] = Field(default_factory=list, max_length=50, description="video tags")
    category_id: str = Field("1", max_length=8, description="YouTube category (1: Film)")
    language: str | None = Field(
        None, max_length=16, description="language of the title and description"
    )
    privacy: Literal["private", "unlisted", "public"] = Field(
        "private", description="private, unlisted or public"
    )
    publish_at: datetime | None = Field(
        None, description="schedule a private video to go public at this time (ISO 8601, zone)"
    )
    made_for_kids: bool = Field(False, description="declare the video made for kids")
    playlist: str | None = Field(
        None, min_length=1, max_length=150, description="add to this playlist, created once"
    )
    playlist_id: str | None = Field(
        None, min_length=1, max_length=64, description="add to this existing playlist (PL…)"
    )

    @model_validator(mode="after")
    def _one_playlist(self) -> PublishOptions:
        if self.playlist and self.playlist_id:
            raise ValueError("give playlist or playlist_id, not both")
        return self

    def metadata(
        self,
        *,
        title: str,
        language: str | None = None,
        chapters: list[tuple[float, str]] | None = None,
    ) -> VideoMetadata:
        """The video's metadata; `title` and `language` fill what the options leave unset."""
        return VideoMetadata(
            title=self.title or title,
            description=self.description,
            tags=list(self.tags),
            category_id=self.category_id,
            language=self.language or language,
            privacy=self.privacy,
            publish_at=self.publish_at,
            made_for_kids=self.made_for_kids,
            chapters=list(chapters or []),
        )


OPTION_NAMES = tuple(PublishOptions.model_fields)


def make_options(prefix: str = "", **fields) -> PublishOptions:
    """PublishOptions from `fields`; MetadataError naming the field (`prefix` + name)."""
    try:
        return PublishOptions.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"])
        field = f"{prefix}.{name}" if prefix and name else (prefix or name or "youtube")
        raise MetadataError(field, err["msg"].removeprefix("Value error, ")) from None


def check(options: PublishOptions, *, title: str, prefix: str = "") -> None:
    """MetadataError now for what YouTube would refuse later (a past publish_at, a < in the title)."""
    try:
        video_body(options.metadata(title=title))
    except MetadataError as exc:
        raise MetadataError(f"{prefix}.{exc.field}" if prefix else exc.field, exc.message) from None
