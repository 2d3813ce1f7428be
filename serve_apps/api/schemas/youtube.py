"""YouTube channels and publish requests. Tokens have no field here: they never leave the server."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from serve_apps.api.schemas.common import Out


class ChannelOut(Out):
    id: uuid.UUID
    channel_id: str  # YouTube's id
    title: str
    status: str  # connected | needs_reconnect
    created_at: datetime
    updated_at: datetime


class PublishIn(BaseModel):
    """Where and how a finished film goes to YouTube.

    The description gets the film's chapters (`0:00 Scene`) appended; the video is always
    declared as containing synthetic media. `publish_at` schedules a private video.
    """

    channel_id: uuid.UUID
    title: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=50)
    category_id: str = Field("1", max_length=8)  # 1 = Film & Animation
    language: str | None = Field(None, max_length=16)  # default: the film's language
    audio_language: str | None = Field(None, max_length=16)
    privacy: Literal["private", "unlisted", "public"] = "private"
    publish_at: datetime | None = None
    made_for_kids: bool = False
    thumbnail: bool = True
    captions: bool = True
    playlist_id: str | None = Field(None, max_length=64)
    playlist_name: str | None = Field(None, min_length=1, max_length=150)

    @model_validator(mode="after")
    def _one_playlist(self) -> PublishIn:
        if self.playlist_id and self.playlist_name:
            raise ValueError("give playlist_id or playlist_name, not both")
        return self
