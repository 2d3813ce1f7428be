"""The publish job: a finished film to a connected YouTube channel, resumable and done once.

The job's parameters hold the channel, the metadata and the render's stored files. Its progress
at YouTube (upload session URI and bytes acknowledged, video id, each step's result) is stored
in its publication row after every change, so a later attempt resumes the upload where the last
acknowledged byte left it and skips what is done. Quota is counted per Google project and day
before each call; a publish that would not fit is refused before the upload, with the time the
quota resets. A revoked grant marks the channel "needs reconnect"; it and quota errors end the
job at once (failed, credits released) since retrying cannot help.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from db import crud
from db.models import ChannelStatus, Job, YouTubeChannel
from db.session import Database
from infra.progress import StageEvent
from pipelines.errors import InputError
from serve_apps.jobs.work import JobContext
from youtube import channel, quota
from youtube.errors import NeedsReconnect, QuotaExceeded
from youtube.metadata import VideoMetadata, video_body
from youtube.publish import Caption, PublishPlan

log = logging.getLogger(__name__)

NOT_CONFIGURED = "YouTube is not configured on this server"


def metadata_of(params: dict[str, Any]) -> VideoMetadata:
    """The video's metadata from a publish job's stored parameters."""
    meta = dict(params["metadata"])
    if meta.get("publish_at"):
        meta["publish_at"] = datetime.fromisoformat(meta["publish_at"])
    meta["chapters"] = [(c["start"], c["title"]) for c in params.get("chapters", [])]
    return VideoMetadata(**meta)


def captions_of(params: dict[str, Any]) -> list[dict[str, str]]:
    """The captions a publish job uploads: {language, name, key} per subtitle track (a job
    stored before tracks were published holds only `srt_key`, the film's own)."""
    if "captions" in params:
        return params["captions"]
    if params.get("srt_key"):
        return [{"language": params.get("language") or "en", "key": params["srt_key"]}]
    return []


def estimate(params: dict[str, Any]) -> quota.Spend:
    return quota.publish_estimate(
        captions=len(captions_of(params)),
        thumbnail=bool(params.get("thumbnail_key")),
        playlist=bool(params.get("playlist_id") or params.get("playlist_name")),
        create_playlist=bool(params.get("playlist_name")),
    )


def publish(ctx: JobContext) -> dict[str, Any]:
    settings = ctx.settings
    if not settings.youtube_configured:
        raise InputError("youtube", NOT_CONFIGURED)
    db = Database.from_settings(settings)
    try:
        return _publish(ctx, db)
    finally:
        db.dispose()


def _publish(ctx: JobContext, db: Database) -> dict[str, Any]:
    settings, params = ctx.settings, ctx.params
    with db.session(write=False) as session:
        publication = crud.youtube.publication_of(session, ctx.job_id)
        state = crud.youtube.state_of(publication)
        row = session.get(YouTubeChannel, publication.channel_id)
        if row is None:
            raise InputError("channel_id", "the channel was disconnected")
        if row.status == ChannelStatus.needs_reconnect:
            raise InputError("channel_id", str(NeedsReconnect()))
        channel_row, ciphertext = row.id, row.tokens

    records = crud.youtube.ChannelRecords(db, settings.youtube_client_id, channel_row)
    if not state.get("video_id"):  # refuse before the upload, not in the middle of it
        try:
            channel.check_quota(records, settings, estimate(params))
        except QuotaExceeded as exc:
            raise InputError("quota", str(exc)) from None

    plan = PublishPlan(
        video=_fetch(ctx, params["film_key"], "film.mp4"),
        body=video_body(metadata_of(params)),
        thumbnail=_fetch(ctx, params["thumbnail_key"], "thumbnail.jpg")
        if params.get("thumbnail_key")
        else None,
        captions=[
            Caption(
                c["language"],
                _fetch(ctx, c["key"], f"film.{c['language']}.srt"),
                c.get("name", ""),
            )
            for c in captions_of(params)
        ],
        playlist_id=params.get("playlist_id"),
        playlist_name=params.get("playlist_name"),
        chunk_bytes=settings.youtube_chunk_bytes,
        retry_max=settings.youtube_retry_max,
        retry_base_s=settings.youtube_retry_base_s,
    )

    def save(current: dict[str, Any]) -> None:
        with db.transaction() as session:
            crud.youtube.save_state(session, ctx.job_id, current)

    def progress(stage: str, percent: float, message: str) -> None:
        ctx.progress(StageEvent(stage, "progress", percent, message))

    try:
        state = channel.publish(records, settings, ciphertext, plan, state, save, progress)
    except NeedsReconnect as exc:
        raise InputError("channel_id", str(exc)) from None
    except QuotaExceeded as exc:
        raise InputError("quota", str(exc)) from None

    result = {
        "video_id": state["video_id"],
        "url": state["url"],
        "steps": state["steps"],
        "playlist_id": state.get("playlist_id"),
        "render_job_id": params["render_job_id"],
    }
    with db.transaction() as session:  # the render lists where it was published
        render = session.get(Job, uuid.UUID(params["render_job_id"]))
        if render is not None:
            published = [*(render.result or {}).get("youtube", [])]
            published.append(
                {"job_id": str(ctx.job_id), "video_id": state["video_id"], "url": state["url"]}
            )
            render.result = {**(render.result or {}), "youtube": published}
    return result


def _fetch(ctx: JobContext, key: str, name: str):
    path = ctx.workspace / "publish" / name
    if not path.exists():
        if not ctx.storage.exists(key):
            raise InputError("render_id", f"the render's {name} is no longer in storage")
        path.parent.mkdir(parents=True, exist_ok=True)
        ctx.storage.get_file(key, path)
    return path
