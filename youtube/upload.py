"""The resumable upload: fixed chunks, retried with backoff and jitter, resumable after a crash.

Every acknowledged chunk is reported (session URI, bytes acknowledged) so the caller can store
them; an uploader built later with the stored pair asks the session where it stands
(`Content-Range: bytes */N`) and goes on from there, re-sending at most the chunk in flight.
Chunks are read as bytes, not streamed, so a request the transport repeats (a token refreshed
after a 401) carries the same bytes again.
"""

from __future__ import annotations

import http.client
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from youtube.client import error_reason, reconnect_error
from youtube.errors import QuotaExceeded, YouTubeError
from youtube.quota import reset_at

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024
CHUNK_UNIT = 256 * 1024  # chunks other than the last are multiples of this
RETRY_STATUS = {500, 502, 503, 504, 429}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
QUOTA_REASONS = {"quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded"}
TRANSPORT_ERRORS = (
    httplib2.HttpLib2Error,
    http.client.HTTPException,
    OSError,  # connection reset/refused, timeouts
    TransportError,
)

Progress = Callable[[str | None, int], None]


class _ChunkFile(MediaFileUpload):
    """A file read chunk by chunk as bytes (the library re-sends bytes safely, not a stream)."""

    def has_stream(self) -> bool:
        return False


class ResumableUpload:
    def __init__(
        self,
        youtube,
        path: Path,
        body: dict,
        *,
        part: str = "snippet,status",
        chunk_bytes: int = CHUNK_BYTES,
        session_uri: str | None = None,
        acknowledged: int = 0,
        on_progress: Progress | None = None,
        retry_max: int = 8,
        retry_base_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if chunk_bytes <= 0 or chunk_bytes % CHUNK_UNIT:
            raise ValueError(f"chunk_bytes must be a positive multiple of {CHUNK_UNIT}")
        self.path = Path(path)
        self.size = self.path.stat().st_size
        media = _ChunkFile(str(path), mimetype="video/mp4", chunksize=chunk_bytes, resumable=True)
        self.request = youtube.videos().insert(part=part, body=body, media_body=media)
        if session_uri:
            # Resume: the next step asks the session for its offset before sending bytes.
            self.request.resumable_uri = session_uri
            self.request.resumable_progress = acknowledged
            self.request._in_error_state = True
        self.on_progress = on_progress
        self.retry_max, self.retry_base_s, self.sleep = retry_max, retry_base_s, sleep
        self._reported = (session_uri, acknowledged)
        self.failures = 0  # retried failures over the whole upload

    @property
    def session_uri(self) -> str | None:
        return self.request.resumable_uri

    @property
    def acknowledged(self) -> int:
        return self.request.resumable_progress

    def run(self) -> dict:
        """Upload to the end; the video resource YouTube returns."""
        attempt = 0
        while True:
            try:
                _, video = self.request.next_chunk(num_retries=0)
            except HttpError as exc:
                reason = error_reason(exc)
                if reason in QUOTA_REASONS:
                    raise QuotaExceeded(reason, reset_at()) from None
                status = exc.resp.status
                if status in (404, 410) and self.request.resumable_uri:
                    log.warning("upload session expired (%s); starting a new one", status)
                    self._restart()
                    continue
                if status not in RETRY_STATUS and reason not in RATE_REASONS:
                    raise YouTubeError(f"upload refused: HTTP {status} {reason}".strip()) from None
                attempt = self._backoff(attempt, f"HTTP {status}")
            except RefreshError as exc:
                if (needs := reconnect_error(exc)) is not None:
                    raise needs from None
                attempt = self._backoff(attempt, f"token refresh failed: {exc}")
            except TRANSPORT_ERRORS as exc:
                self.request._in_error_state = self.request.resumable_uri is not None
                attempt = self._backoff(attempt, type(exc).__name__)
            else:
                attempt = 0
                if video is not None:
                    return video
            finally:
                self._report()

    def _restart(self) -> None:
        self.request.resumable_uri = None
        self.request.resumable_progress = 0
        self.request._in_error_state = False

    def _report(self) -> None:
        now = (self.request.resumable_uri, self.request.resumable_progress)
        if now != self._reported and self.on_progress is not None:
            self.on_progress(*now)
        self._reported = now

    def _backoff(self, attempt: int, why: str) -> int:
        """Sleep base·2^n with full jitter; YouTubeError once the tries for a chunk run out."""
        attempt += 1
        self.failures += 1
        if attempt > self.retry_max:
            raise YouTubeError(f"upload failed {attempt - 1} times in a row, last: {why}")
        delay = random.uniform(0, self.retry_base_s * 2 ** (attempt - 1))
        log.warning("upload: %s; retry %d in %.2f s", why, attempt, delay)
        self.sleep(delay)
        return attempt
