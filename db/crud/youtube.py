"""Connected YouTube channels, publications and the quota spent. Tokens stay ciphertext here:
this layer never sees a key."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import (
    ChannelStatus,
    Job,
    Publication,
    User,
    YouTubeChannel,
    YouTubeQuota,
)

if TYPE_CHECKING:
    from db.session import Database


def save_channel(
    session: Session, *, owner_id: uuid.UUID, channel_id: str, title: str, tokens: str
) -> YouTubeChannel:
    """The user's channel with these tokens, connected (a reconnect replaces the tokens)."""
    channel = session.scalar(
        select(YouTubeChannel).where(
            YouTubeChannel.owner_id == owner_id, YouTubeChannel.channel_id == channel_id
        )
    )
    if channel is None:
        channel = YouTubeChannel(owner_id=owner_id, channel_id=channel_id)
        session.add(channel)
    channel.title = title
    channel.tokens = tokens
    channel.status = ChannelStatus.connected
    channel.updated_at = utcnow()
    session.flush()
    return channel


def channels_of(session: Session, owner_id: uuid.UUID) -> list[YouTubeChannel]:
    return list(
        session.scalars(
            select(YouTubeChannel)
            .where(YouTubeChannel.owner_id == owner_id)
            .order_by(YouTubeChannel.created_at, YouTubeChannel.id)
        )
    )


def channel_for(session: Session, user: User, channel_id: uuid.UUID) -> YouTubeChannel | None:
    """The channel if `user` connected it; None otherwise (also for admins: tokens are personal)."""
    channel = session.get(YouTubeChannel, channel_id)
    return channel if channel is not None and channel.owner_id == user.id else None


def set_tokens(session: Session, channel_id: uuid.UUID, tokens: str) -> None:
    channel = session.get(YouTubeChannel, channel_id)
    if channel is not None:
        channel.tokens = tokens
        channel.updated_at = utcnow()


def needs_reconnect(session: Session, channel_id: uuid.UUID) -> None:
    channel = session.get(YouTubeChannel, channel_id)
    if channel is not None:
        channel.status = ChannelStatus.needs_reconnect
        channel.updated_at = utcnow()


def delete_channel(session: Session, channel: YouTubeChannel) -> None:
    session.delete(channel)
    session.flush()


def create_publication(
    session: Session, *, job: Job, render_job_id: uuid.UUID, channel_id: uuid.UUID
) -> Publication:
    publication = Publication(
        job_id=job.id,
        owner_id=job.owner_id,
        render_job_id=render_job_id,
        channel_id=channel_id,
        steps={},
        bytes_acknowledged=0,
    )
    session.add(publication)
    session.flush()
    return publication


def publication_of(session: Session, job_id: uuid.UUID) -> Publication | None:
    return session.scalar(select(Publication).where(Publication.job_id == job_id))


def save_state(session: Session, job_id: uuid.UUID, state: dict[str, Any]) -> None:
    """Store a publish's progress: video id, URL, playlist, steps, upload session and offset."""
    publication = publication_of(session, job_id)
    if publication is None:
        return
    publication.video_id = state.get("video_id")
    publication.url = state.get("url")
    publication.playlist_id = state.get("playlist_id")
    publication.steps = dict(state.get("steps", {}))
    publication.upload_session_uri = state.get("upload_session_uri")
    publication.bytes_acknowledged = int(state.get("bytes_acknowledged") or 0)
    publication.updated_at = utcnow()


def state_of(publication: Publication) -> dict[str, Any]:
    return {
        "video_id": publication.video_id,
        "url": publication.url,
        "playlist_id": publication.playlist_id,
        "steps": dict(publication.steps or {}),
        "upload_session_uri": publication.upload_session_uri,
        "bytes_acknowledged": publication.bytes_acknowledged,
    }


def _quota_row(session: Session, project: str, day: str) -> YouTubeQuota:
    row = session.scalar(
        select(YouTubeQuota)
        .where(YouTubeQuota.project == project, YouTubeQuota.day == day)
        .with_for_update()
    )
    if row is None:
        row = YouTubeQuota(project=project, day=day, units=0, uploads=0)
        session.add(row)
        session.flush()
    return row


def quota_used(session: Session, project: str, day: str) -> tuple[int, int]:
    """(units, uploads) the project spent on that quota day."""
    row = session.get(YouTubeQuota, (project, day))
    return (row.units, row.uploads) if row is not None else (0, 0)


def quota_spend(session: Session, project: str, day: str, units: int, uploads: int) -> None:
    row = _quota_row(session, project, day)
    row.units += units
    row.uploads += uploads


class ChannelRecords:
    """One channel's records and its Google project's quota in the database, each change in
    its own transaction (`youtube.channel.Records`: a publish commits every call it counts)."""

    def __init__(self, db: Database, project: str, channel_id: uuid.UUID | None = None):
        self.db, self.project, self.channel_id = db, project, channel_id

    def quota_used(self, day: str) -> tuple[int, int]:
        with self.db.session(write=False) as session:
            return quota_used(session, self.project, day)

    def quota_spend(self, day: str, units: int, uploads: int) -> None:
        with self.db.transaction() as session:
            quota_spend(session, self.project, day, units, uploads)

    def needs_reconnect(self) -> None:
        with self.db.transaction() as session:
            needs_reconnect(session, self.channel_id)

    def save_tokens(self, ciphertext: str) -> None:
        with self.db.transaction() as session:
            set_tokens(session, self.channel_id, ciphertext)
