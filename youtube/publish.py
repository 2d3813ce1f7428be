"""A publish after the upload: thumbnail, captions per language, playlist — each done once.

`Publication` runs the steps against a youtube service and a state dict the caller stores
after every change (`save`). A step recorded in the state is never done again, so a retried
job neither uploads twice nor creates a second playlist; a playlist asked for by name is looked
up on the channel before one is created. Every call is announced to `spend` before it is made
(YouTube charges refused calls too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from youtube.client import error_reason, reconnect_error
from youtube.errors import QuotaExceeded, YouTubeError
from youtube.quota import reset_at
from youtube.upload import QUOTA_REASONS, ResumableUpload

log = logging.getLogger(__name__)

WATCH_URL = "https://www.youtube.com/watch?v={}"


@dataclass
class Caption:
    language: str  # BCP-47
    path: Path  # SRT
    name: str = ""


@dataclass
class PublishPlan:
    video: Path
    body: dict  # the video resource (metadata.video_body)
    thumbnail: Path | None = None
    captions: list[Caption] = field(default_factory=list)
    playlist_id: str | None = None
    playlist_name: str | None = None
    chunk_bytes: int = 8 * 1024 * 1024
    retry_max: int = 8
    retry_base_s: float = 1.0


class Publication:
    def __init__(
        self,
        youtube,
        plan: PublishPlan,
        state: dict[str, Any],
        save: Callable[[dict[str, Any]], None],
        spend: Callable[[str], None] = lambda method: None,
        progress: Callable[[str, float, str], None] = lambda stage, pct, msg: None,
    ):
        self.youtube, self.plan, self.state = youtube, plan, state
        self._save, self.spend, self.progress = save, spend, progress
        self.state.setdefault("steps", {})

    def save(self) -> None:
        self._save(self.state)

    def run(self) -> dict[str, Any]:
        """Every step; the state, with video_id, url and each step's result."""
        steps = self.state["steps"]
        if not self.state.get("video_id"):
            self._upload()
        if self.plan.thumbnail is not None and "thumbnail" not in steps:
            steps["thumbnail"] = self._optional("thumbnails.set", self._thumbnail)
            self.save()
        captions = steps.setdefault("captions", {})
        for caption in self.plan.captions:
            if caption.language not in captions:
                captions[caption.language] = self._optional(
                    "captions.insert", lambda c=caption: self._caption(c)
                )
                self.save()
        if (self.plan.playlist_id or self.plan.playlist_name) and "playlist" not in steps:
            steps["playlist"] = self._playlist()
            self.save()
        return self.state

    # --- steps ----------------------------------------------------------------------------------

    def _upload(self) -> None:
        size = self.plan.video.stat().st_size

        def stored(session_uri: str | None, acknowledged: int) -> None:
            self.state["upload_session_uri"] = session_uri
            self.state["bytes_acknowledged"] = acknowledged
            self.save()
            self.progress("upload", 100.0 * acknowledged / max(1, size), f"{acknowledged} bytes")

        self.spend("videos.insert")
        upload = ResumableUpload(
            self.youtube,
            self.plan.video,
            self.plan.body,
            chunk_bytes=self.plan.chunk_bytes,
            session_uri=self.state.get("upload_session_uri"),
            acknowledged=self.state.get("bytes_acknowledged", 0),
            on_progress=stored,
            retry_max=self.plan.retry_max,
            retry_base_s=self.plan.retry_base_s,
        )
        video = upload.run()
        self.state["video_id"] = video["id"]
        self.state["url"] = WATCH_URL.format(video["id"])
        self.state["bytes_acknowledged"] = size
        self.state["steps"]["upload"] = {"ok": True, "video_id": video["id"]}
        self.save()
        self.progress("upload", 100.0, f"uploaded as {video['id']}")

    def _thumbnail(self) -> dict:
        media = MediaFileUpload(str(self.plan.thumbnail), mimetype="image/jpeg")
        self.youtube.thumbnails().set(videoId=self.state["video_id"], media_body=media).execute(
            num_retries=self.plan.retry_max
        )
        return {"ok": True}

    def _caption(self, caption: Caption) -> dict:
        body = {
            "snippet": {
                "videoId": self.state["video_id"],
                "language": caption.language,
                "name": caption.name or caption.language,
                "isDraft": False,
            }
        }
        media = MediaFileUpload(str(caption.path), mimetype="application/octet-stream")
        answer = (
            self.youtube.captions()
            .insert(part="snippet", body=body, media_body=media)
            .execute(num_retries=self.plan.retry_max)
        )
        return {"ok": True, "caption_id": answer.get("id")}

    def _playlist(self) -> dict:
        playlist_id = self.plan.playlist_id or self.state.get("playlist_id")
        if playlist_id is None:
            playlist_id = self._find_or_create_playlist(self.plan.playlist_name)
            self.state["playlist_id"] = playlist_id
            self.save()
        body = {
            "snippet": {
                "playlistId": playlist_id,
                "resourceId": {"kind": "youtube#video", "videoId": self.state["video_id"]},
            }
        }
        result = self._optional(
            "playlistItems.insert",
            lambda: {
                "ok": True,
                "item_id": self._call(
                    "playlistItems.insert",
                    self.youtube.playlistItems().insert(part="snippet", body=body),
                    counted=True,
                ).get("id"),
            },
        )
        return {**result, "playlist_id": playlist_id}

    def _find_or_create_playlist(self, name: str) -> str:
        token = None
        while True:
            page = self._call(
                "playlists.list",
                self.youtube.playlists().list(
                    part="snippet", mine=True, maxResults=50, pageToken=token
                ),
            )
            for item in page.get("items", []):
                if item["snippet"]["title"] == name:
                    return item["id"]
            token = page.get("nextPageToken")
            if not token:
                break
        privacy = self.plan.body["status"]["privacyStatus"]
        created = self._call(
            "playlists.insert",
            self.youtube.playlists().insert(
                part="snippet,status",
                body={"snippet": {"title": name}, "status": {"privacyStatus": privacy}},
            ),
        )
        return created["id"]

    # --- calls ----------------------------------------------------------------------------------

    def _call(self, method: str, request, counted: bool = False) -> dict:
        """Execute one API call: quota and revoked grants end the publish, 5xx are retried."""
        if not counted:
            self.spend(method)
        try:
            return request.execute(num_retries=self.plan.retry_max)
        except HttpError as exc:
            reason = error_reason(exc)
            if reason in QUOTA_REASONS:
                raise QuotaExceeded(reason, reset_at()) from None
            raise
        except RefreshError as exc:
            if (needs := reconnect_error(exc)) is not None:
                raise needs from None
            raise

    def _optional(self, method: str, step: Callable[[], dict]) -> dict:
        """A step whose refusal (not quota, not a revoked grant) is recorded, not fatal."""
        self.spend(method)
        try:
            return step()
        except HttpError as exc:
            reason = error_reason(exc)
            if reason in QUOTA_REASONS:
                raise QuotaExceeded(reason, reset_at()) from None
            log.warning("%s refused: HTTP %s %s", method, exc.resp.status, reason)
            return {"ok": False, "error": f"HTTP {exc.resp.status} {reason}".strip()}
        except RefreshError as exc:
            if (needs := reconnect_error(exc)) is not None:
                raise needs from None
            raise YouTubeError(f"{method}: token refresh failed") from None
