"""YouTube: connect a channel (OAuth with state and PKCE), list and disconnect channels, and
publish a finished render as a durable job.

Without a client id and secret in the settings every route answers 503 "YouTube is not
configured on this server". Tokens are stored encrypted and appear in no answer.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import RedirectResponse
from googleapiclient.errors import HttpError
from sqlalchemy.orm import Session

from db import crud
from db.crud.credits import InsufficientCredits
from db.models import ChannelStatus, Job, JobKind, JobStatus, Project, User
from pipelines.errors import InputError
from pipelines.translate.languages import base, name
from serve_apps.api.deps import CurrentUser, IdempotencyDep, PlatformDep, SessionDep
from serve_apps.api.platform import Platform
from serve_apps.api.pricing import price
from serve_apps.api.routes.generate import accept
from serve_apps.api.schemas.jobs import JobAccepted
from serve_apps.api.schemas.youtube import ChannelOut, PublishIn
from serve_apps.jobs.publish import NOT_CONFIGURED, estimate, metadata_of
from youtube import quota
from youtube.client import build_youtube
from youtube.crypto import TokenCipher
from youtube.errors import QuotaExceeded
from youtube.metadata import MetadataError, video_body
from youtube.oauth import OAuthClient, OAuthError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/youtube", tags=["youtube"])
renders = APIRouter(prefix="/renders", tags=["youtube"])


@lru_cache(maxsize=4)
def _cipher(path: Path) -> TokenCipher:
    """The token keys, read once per process (a rotation takes effect on restart)."""
    return TokenCipher(path)


def _oauth(platform: Platform) -> OAuthClient:
    if not platform.settings.youtube_configured:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, NOT_CONFIGURED)
    return OAuthClient.from_settings(platform.settings)


@router.get(
    "/connect",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    responses={307: {"description": "to Google's consent page"}},
)
def connect(user: CurrentUser, platform: PlatformDep) -> RedirectResponse:
    """Send the user to Google's consent page (offline access, state and PKCE)."""
    oauth = _oauth(platform)
    url = oauth.authorization_url(_cipher(platform.settings.youtube_key_path), str(user.id))
    return RedirectResponse(url, status.HTTP_307_TEMPORARY_REDIRECT)


@router.get("/callback", response_model=ChannelOut)
def callback(
    session: SessionDep,
    platform: PlatformDep,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> ChannelOut:
    """Google's redirect after consent: the code becomes the user's stored channel."""
    oauth = _oauth(platform)
    if error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Google refused the connection: {error}")
    if not code or not state:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "code and state are required")
    cipher = _cipher(platform.settings.youtube_key_path)
    try:
        owner, verifier = oauth.open_state(cipher, state)
        user = crud.users.get(session, uuid.UUID(owner))
        if user is None or not user.is_active:
            raise OAuthError("invalid_state", "the account that asked is gone")
        tokens = oauth.exchange_code(code, verifier)
    except OAuthError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"connection failed: {exc}") from None
    if not tokens.get("refresh_token"):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "Google returned no refresh token; connect again"
        )
    service = build_youtube(oauth.credentials(tokens), platform.settings.youtube_api_root)
    _spend(session, platform, "channels.list")
    try:
        items = service.channels().list(part="snippet", mine=True).execute().get("items", [])
    except HttpError as exc:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"YouTube answered HTTP {exc.resp.status}"
        ) from None
    if not items:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "this Google account has no channel")
    channel = crud.youtube.save_channel(
        session,
        owner_id=user.id,
        channel_id=items[0]["id"],
        title=items[0]["snippet"]["title"][:200],
        tokens=cipher.encrypt(tokens),
    )
    session.commit()
    return ChannelOut.model_validate(channel)


@router.get("/channels", response_model=list[ChannelOut])
def list_channels(session: SessionDep, user: CurrentUser, platform: PlatformDep):
    _oauth(platform)
    return [ChannelOut.model_validate(c) for c in crud.youtube.channels_of(session, user.id)]


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def disconnect(
    channel_id: uuid.UUID, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> Response:
    """Revoke the grant at Google, then forget the channel and its tokens."""
    oauth = _oauth(platform)
    channel = crud.youtube.channel_for(session, user, channel_id)
    if channel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "channel not found")
    tokens = _cipher(platform.settings.youtube_key_path).decrypt(channel.tokens)
    try:
        oauth.revoke(tokens.get("refresh_token") or tokens.get("access_token") or "")
    except OSError:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, "could not reach Google to revoke access; try again"
        ) from None
    crud.youtube.delete_channel(session, channel)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _spend(session: Session, platform: Platform, method: str) -> None:
    crud.youtube.quota_spend(
        session,
        platform.settings.youtube_client_id,
        str(quota.quota_day()),
        quota.COST.get(method, 1),
        0,
    )


def _own_render(session: Session, user: User, render_id: uuid.UUID) -> Job:
    render = session.get(Job, render_id)
    if (
        render is None
        or render.owner_id != user.id
        or render.kind != JobKind.video
        or render.status != JobStatus.succeeded
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "render not found")
    return render


@renders.post(
    "/{render_id}/publish",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses={
        402: {"description": "not enough credits"},
        429: {"description": "the YouTube quota is used up (reset_at in the body)"},
        503: {"description": "YouTube is not configured on this server"},
    },
)
def publish(
    render_id: uuid.UUID,
    body: PublishIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
):
    """Publish a finished film of yours to one of your channels: a publish job (202)."""
    _oauth(platform)
    if (first := idempotency.claim(session)) is not None:
        return first
    render = _own_render(session, user, render_id)
    channel = crud.youtube.channel_for(session, user, body.channel_id)
    if channel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "channel not found")
    if channel.status == ChannelStatus.needs_reconnect:
        raise HTTPException(status.HTTP_409_CONFLICT, "the channel needs to be reconnected")
    result = render.result or {}
    outputs = result.get("outputs", {})
    language = render.params.get("dub") or render.params.get("language", "en")  # the speech's
    metadata = body.model_dump(
        mode="json",
        exclude={"channel_id", "thumbnail", "captions", "playlist_id", "playlist_name"},
    )
    metadata["language"] = metadata["language"] or language
    params = {
        "render_job_id": str(render.id),
        "channel_id": str(channel.id),
        "metadata": metadata,
        "chapters": result.get("chapters", []),
        "language": language,
        "film_key": outputs["film"],
        "thumbnail_key": outputs.get("thumbnail") if body.thumbnail else None,
        "captions": caption_tracks(outputs, language) if body.captions else [],
        "playlist_id": body.playlist_id,
        "playlist_name": body.playlist_name,
    }
    try:
        video_body(metadata_of(params))  # YouTube's rules, before anything is written
    except MetadataError as exc:
        raise InputError(exc.field, exc.message) from None
    settings = platform.settings
    units, uploads = crud.youtube.quota_used(
        session, settings.youtube_client_id, str(quota.quota_day())
    )
    try:
        quota.check(
            quota.Spend(units, uploads),
            estimate(params),
            daily_units=settings.youtube_daily_units,
            daily_uploads=settings.youtube_daily_uploads,
        )
    except QuotaExceeded as exc:
        reset = exc.reset_at.isoformat()
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            {"msg": str(exc), "reason": exc.reason, "reset_at": reset},
            headers={
                "Retry-After": str(max(1, int((exc.reset_at - datetime.now(UTC)).total_seconds())))
            },
        ) from None

    project = session.get(Project, render.project_id)
    platform.top_up(session, user)
    cost = price(settings, JobKind.publish)
    try:
        job = crud.jobs.create(
            session,
            project=project,
            kind=JobKind.publish,
            tier="draft",
            params=params,
            cost=cost,
            max_attempts=settings.job_max_attempts,
        )
    except InsufficientCredits as exc:
        session.rollback()
        raise HTTPException(
            status.HTTP_402_PAYMENT_REQUIRED,
            {"msg": str(exc), "balance": exc.balance, "needed": exc.needed},
        ) from None
    crud.youtube.create_publication(
        session, job=job, render_job_id=render.id, channel_id=channel.id
    )
    return accept(session, platform, idempotency, user, job, cost)


def caption_tracks(outputs: dict[str, str], language: str) -> list[dict[str, str]]:
    """Each subtitle track of a render as a caption to upload: the film's own SRT in the
    speech's language, then each extra track (`srt-<lang>`), one per language."""
    tracks = [(language, outputs["srt"])] if outputs.get("srt") else []
    tracks += [(out[4:], key) for out, key in outputs.items() if out.startswith("srt-")]
    captions, seen = [], set()
    for tag, key in tracks:
        if base(tag) not in seen:
            seen.add(base(tag))
            captions.append({"language": tag, "name": name(tag), "key": key})
    return captions
