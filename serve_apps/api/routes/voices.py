"""The voices a film can speak with, and a short clip to hear one before choosing it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from pipelines import voice
from pipelines.errors import InputError
from serve_apps.api.deps import CurrentUser
from serve_apps.api.errors import field_error
from serve_apps.api.schemas.voices import VoiceOut, VoicePreviewRequest

router = APIRouter(prefix="/voices", tags=["voices"])

# Same voice and text, same clip: a browser may keep it for a day.
PREVIEW_CACHE_CONTROL = "private, max-age=86400"


@router.get("", response_model=list[VoiceOut], operation_id="voices_list")
def list_voices(
    user: CurrentUser,
    language: Annotated[str | None, Query(max_length=35, examples=["hi"])] = None,
) -> list[VoiceOut]:
    """The voices of `language` (every language's when left out), as `filmstudio voices` lists."""
    try:
        found = voice.list_voices(language)
    except InputError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, field_error(exc.field, exc.message, "query")
        ) from None
    return [
        VoiceOut(
            name=v.name,
            display_name=v.display_name,
            language=v.language,
            gender=v.gender,
            variant=v.variant,
            neural=v.neural,
            engine=v.engine,
        )
        for v in found
    ]


@router.post(
    "/preview",
    operation_id="voices_preview",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}, "description": "a WAV clip of ≤ 10 s"}},
)
def preview(body: VoicePreviewRequest, user: CurrentUser) -> Response:
    """A short WAV (≤ 10 s) of `voice` saying `text`; 422 naming the field for an unknown voice
    or empty or over-long text."""
    clip = voice.preview(body.voice, body.text)  # InputError → 422 (serve_apps.api.errors)
    return Response(clip, media_type="audio/wav", headers={"Cache-Control": PREVIEW_CACHE_CONTROL})
