"""Publishing from the command line and from bulk renders, to a channel that a studio account
connected: `filmstudio youtube connect|channels`, `filmstudio publish`, the manifest's `youtube`
column.

These act for the studio account named by its e-mail (`--email`, or FILMSTUDIO_EMAIL): they
read the configured database (DATABASE_URL) and the token keys (`youtube_key_path`) directly,
as an operator does, and ask no password; whoever can run them can read those anyway.

A publish runs the platform's publish steps (`youtube.publish.Publication`: resumable upload in
fixed chunks, thumbnail, captions, playlist created once, chapters and the AI disclosure in the
metadata) and counts its quota in the same table as the platform, per Google project and day,
refusing before the upload when the rest of the day's quota would not cover it. Its state
(upload session URI, bytes acknowledged, video id, each step's result) is written to a JSON
file after every change, so a publish killed part-way, run again, resumes from the last
acknowledged byte and does no step twice. Tokens are never printed, logged or written
unencrypted.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from db import crud
from db.models import ChannelStatus, YouTubeChannel
from db.session import Database
from infra.settings import Settings
from pipelines.errors import InputError
from youtube import channel as youtube_channel
from youtube.channel import estimate
from youtube.client import build_youtube
from youtube.crypto import TokenCipher
from youtube.errors import NeedsReconnect, QuotaExceeded, YouTubeError
from youtube.metadata import MetadataError, video_body
from youtube.oauth import DeviceCode, OAuthClient, OAuthError
from youtube.options import PublishOptions
from youtube.publish import Caption, PublishPlan

NOT_CONFIGURED = (
    "YouTube is not configured: set FILMSTUDIO_YOUTUBE_CLIENT_ID and "
    "FILMSTUDIO_YOUTUBE_CLIENT_SECRET (the install's Google OAuth client)"
)
RECONNECT = "run `filmstudio youtube connect` (or connect it in the web app) again"

Progress = Callable[[str, float, str], None]


@dataclass(frozen=True)
class Channel:
    """A connected channel, as the CLI shows it (no tokens)."""

    id: uuid.UUID  # ours
    channel_id: str  # YouTube's (UC…)
    title: str
    status: str

    @classmethod
    def of(cls, row: YouTubeChannel) -> Channel:
        return cls(row.id, row.channel_id, row.title, str(row.status))


def plan_for(
    options: PublishOptions,
    video: Path,
    settings: Settings,
    *,
    title: str,
    language: str | None = None,
    chapters: list[tuple[float, str]] | None = None,
    thumbnail: Path | None = None,
    captions: list[Caption] | None = None,
) -> PublishPlan:
    """The publish plan of a film file; InputError naming the field YouTube would refuse."""
    try:
        body = video_body(options.metadata(title=title, language=language, chapters=chapters))
    except MetadataError as exc:
        raise InputError(exc.field, exc.message) from None
    return PublishPlan(
        video=video,
        body=body,
        thumbnail=thumbnail,
        captions=list(captions or []),
        playlist_id=options.playlist_id,
        playlist_name=options.playlist,
        chunk_bytes=settings.youtube_chunk_bytes,
        retry_max=settings.youtube_retry_max,
        retry_base_s=settings.youtube_retry_base_s,
    )


class Studio:
    """One studio account's YouTube channels in the configured database."""

    def __init__(self, settings: Settings, email: str):
        if not settings.youtube_configured:
            raise InputError("youtube", NOT_CONFIGURED)
        if not email or "@" not in email:
            raise InputError(
                "email", "give the studio account's e-mail (--email or FILMSTUDIO_EMAIL)"
            )
        self.settings = settings
        self.oauth = OAuthClient.from_settings(settings)
        self.cipher = TokenCipher(settings.youtube_key_path)
        self.db = Database(settings.database_url)
        try:
            with self.db.session(write=False) as session:
                user = crud.users.get_by_email(session, email)
        except SQLAlchemyError:
            self.db.dispose()
            raise InputError(
                "email", "the configured database has no studio accounts yet (make migrate)"
            ) from None
        if user is None or not user.is_active:
            self.db.dispose()
            raise InputError("email", f"no active studio account {email} in the database")
        self.user_id = user.id

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.dispose()

    # --- channels -------------------------------------------------------------------------------

    def channels(self) -> list[Channel]:
        with self.db.session(write=False) as session:
            return [Channel.of(row) for row in crud.youtube.channels_of(session, self.user_id)]

    def channel(self, ref: str) -> Channel:
        """The account's channel named by our id, YouTube's id (UC…) or its exact title."""
        ref = ref.strip()
        found = [
            c
            for c in self.channels()
            if ref in (str(c.id), c.channel_id) or c.title.casefold() == ref.casefold()
        ]
        if not found:
            raise InputError(
                "channel",
                f"{ref!r} is not a channel of this account; see `filmstudio youtube "
                "channels`, or connect one with `filmstudio youtube connect`",
            )
        if len(found) > 1:
            raise InputError("channel", f"{ref!r} names {len(found)} channels; give its id")
        return found[0]

    def connect(self, show: Callable[[DeviceCode], None], sleep=time.sleep) -> Channel:
        """The device flow: `show` the code and URL, wait for the user's approval at Google,
        then store the channel (encrypted tokens) for this account."""
        try:
            device = self.oauth.device_start()
            show(device)
            tokens = self.oauth.device_wait(device, sleep=sleep)
        except OAuthError as exc:
            raise InputError("youtube", f"Google refused the connection: {exc}") from None
        if not tokens.get("refresh_token"):
            raise InputError("youtube", "Google returned no refresh token; connect again")
        service = build_youtube(self.oauth.credentials(tokens), self.settings.youtube_api_root)
        youtube_channel.spender(self._records())("channels.list")
        items = service.channels().list(part="snippet", mine=True).execute().get("items", [])
        if not items:
            raise InputError("youtube", "this Google account has no YouTube channel")
        with self.db.transaction() as session:
            row = crud.youtube.save_channel(
                session,
                owner_id=self.user_id,
                channel_id=items[0]["id"],
                title=items[0]["snippet"]["title"][:200],
                tokens=self.cipher.encrypt(tokens),
            )
            return Channel.of(row)

    # --- publishing -----------------------------------------------------------------------------

    def publish(
        self,
        channel: Channel,
        plan: PublishPlan,
        state_file: Path,
        progress: Progress = lambda stage, percent, message: None,
    ) -> dict[str, Any]:
        """Publish `plan` to `channel`, resuming from `state_file`; the final state (video_id,
        url, playlist_id, steps). InputError for what retrying cannot fix: a revoked grant
        (the channel is marked "needs reconnect"), quota used up (with the reset time)."""
        with self.db.session(write=False) as session:
            row = session.get(YouTubeChannel, channel.id)
            if row is None or row.owner_id != self.user_id:
                raise InputError("channel", "the channel was disconnected")
            if row.status == ChannelStatus.needs_reconnect:
                raise InputError("channel", f"{NeedsReconnect()}; {RECONNECT}")
            ciphertext = row.tokens
        state = read_state(state_file)
        records = self._records(channel.id)
        if not state.get("video_id"):  # refuse before the upload, not in the middle of it
            try:
                youtube_channel.check_quota(records, self.settings, estimate(plan))
            except QuotaExceeded as exc:
                raise InputError("quota", str(exc)) from None
        try:
            return youtube_channel.publish(
                records,
                self.settings,
                ciphertext,
                plan,
                state,
                lambda s: write_state(state_file, s),
                progress,
                oauth=self.oauth,
                cipher=self.cipher,
            )
        except NeedsReconnect as exc:
            raise InputError("channel", f"{exc}; {RECONNECT}") from None
        except QuotaExceeded as exc:
            raise InputError("quota", str(exc)) from None
        except YouTubeError as exc:
            raise InputError("youtube", str(exc)) from None

    def _records(self, channel: uuid.UUID | None = None) -> crud.youtube.ChannelRecords:
        return crud.youtube.ChannelRecords(self.db, self.settings.youtube_client_id, channel)


# --- the state file -------------------------------------------------------------------------------


def state_name(video: Path, channel: Channel) -> str:
    """A state file name for this film's content on this channel: the same film published
    again resumes (or reports it is done); another film or channel starts afresh."""
    digest = hashlib.sha256()
    with open(video, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    digest.update(str(channel.id).encode())
    return f"youtube-{digest.hexdigest()[:24]}.json"


def read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        raise InputError(
            "state", f"{path} is not a publish state; remove it to start over"
        ) from None


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state under a temporary name and rename it: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_text(json.dumps(state, indent=1, default=str))
    os.replace(temporary, path)
