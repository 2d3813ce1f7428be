"""Voices to choose from, and a short clip of one speaking."""

from __future__ import annotations

from pydantic import BaseModel, Field

from pipelines.voice import PREVIEW_MAX_CHARS


class VoiceOut(BaseModel):
    name: str = Field(description='what the film request takes: "hi/m3"')
    display_name: str = Field(description='"Hindi, male 3"')
    language: str
    gender: str = Field(description='"male" or "female"')
    variant: str | None = Field(description='the espeak variant ("m3"); none for neural voices')
    neural: bool = Field(description="a neural (Piper) voice rather than formant synthesis")
    engine: str = Field(description='"espeak" or "piper"')


class VoicePreviewRequest(BaseModel):
    voice: str = Field(max_length=100, examples=["hi/m3"])
    text: str = Field(
        max_length=PREVIEW_MAX_CHARS,
        description=f"what the voice says, 1–{PREVIEW_MAX_CHARS} characters",
        examples=["Forty years I have kept this light."],
    )
