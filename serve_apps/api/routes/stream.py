"""A video job's live HLS stream: the playlist (owner only) and its segments (signed URLs).

The render publishes `index.m3u8`, `init.mp4` and `seg-NNNNN.m4s` under the film's
`final/{job}/stream/` as it goes (pipelines/stream.py, serve_apps/jobs/work.py). The playlist
is served with every file it names rewritten to a URL that needs no header: `{name}?token=…`
(relative, so it resolves to this router's segment route) on local storage, a presigned URL on
S3. Both expire after `stream_token_s`; a player re-reads the growing playlist every segment,
which hands it fresh ones.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session

from db.models import Job, User
from infra.storage import object_key
from pipelines.stream import CONTENT_TYPES, INIT, PLAYLIST
from serve_apps.api.deps import BearerToken, PlatformDep, SessionDep, authenticate
from serve_apps.api.platform import Platform
from serve_apps.api.routes.jobs import MAX_TOKEN, _job
from serve_apps.api.stream_tokens import InvalidStreamToken

router = APIRouter(prefix="/jobs", tags=["jobs"])
# Segments outside the per-IP rate limit: a player fetches one every few seconds (75 for a
# 300 s film), each a file behind a signed URL; the playlist stays limited.
segments = APIRouter(prefix="/jobs", tags=["jobs"])

PLAYLIST_TYPE = CONTENT_TYPES[".m3u8"]
SEGMENT = re.compile(r"init\.mp4|seg-\d{5}\.m4s")  # the files a stream is made of
PLAYLIST_CACHE = "no-cache"  # the playlist grows while the film renders
SEGMENT_CACHE = "private, max-age=31536000, immutable"  # a published segment never changes


def _key(job: Job, name: str) -> str:
    return object_key(job.owner_id, job.project_id, "final", str(job.id), "stream", name)


def _signed(platform: Platform, job: Job, name: str) -> str:
    url = platform.storage.presigned_get(_key(job, name), seconds=platform.settings.stream_token_s)
    return url or f"{name}?token={platform.stream_tokens.issue(job.id, name)}"


def _rewrite(playlist: str, sign) -> str:
    """The playlist with each file it names (segment lines, the init map's URI) signed."""
    lines = []
    for line in playlist.splitlines():
        if line and not line.startswith("#"):
            line = sign(line)
        elif line.startswith("#EXT-X-MAP:"):
            line = line.replace(f'URI="{INIT}"', f'URI="{sign(INIT)}"')
        lines.append(line)
    return "\n".join(lines) + "\n"


@router.get(
    "/{job_id}/stream/index.m3u8",
    response_class=Response,
    responses={200: {"content": {PLAYLIST_TYPE: {}}}, 404: {"description": "no stream yet"}},
)
def stream_playlist(
    job_id: uuid.UUID,
    session: SessionDep,
    platform: PlatformDep,
    bearer: BearerToken,
    token: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
) -> Response:
    """The job's HLS playlist as it is now (an EVENT playlist that grows while the film renders,
    ended with #EXT-X-ENDLIST when it is done), its files' URLs signed for a while.

    Owner only: an Authorization header, or `?token=<access token>` for players that cannot
    set headers (as the job's WebSocket takes it)."""
    job = _job(session, authenticate(platform, session, token or bearer), job_id)
    data = platform.storage.get_bytes(_key(job, PLAYLIST))
    if data is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this job has no stream (yet)")
    body = _rewrite(data.decode(), lambda name: _signed(platform, job, name))
    return Response(body, media_type=PLAYLIST_TYPE, headers={"Cache-Control": PLAYLIST_CACHE})


def _segment_job(
    session: Session, platform: Platform, job_id: uuid.UUID, name: str, token, bearer
) -> Job:
    if token is None:  # no signed URL: the owner's own access token will do
        user: User = authenticate(platform, session, bearer)
        return _job(session, user, job_id)
    try:
        platform.stream_tokens.check(token, job_id, name)
    except InvalidStreamToken as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"token: {exc}") from None
    job = session.get(Job, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "job not found")
    return job


@segments.get(
    "/{job_id}/stream/{name}",
    response_class=Response,
    responses={
        200: {"content": {"video/mp4": {}}},
        307: {"description": "S3"},
        403: {"description": "the token is expired or not for this file"},
    },
)
def stream_segment(
    job_id: uuid.UUID,
    name: Annotated[str, Path(min_length=1, max_length=16)],
    session: SessionDep,
    platform: PlatformDep,
    bearer: BearerToken,
    token: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
) -> Response:
    """One file of the job's stream (init.mp4 or seg-NNNNN.m4s), with the token its playlist
    URL carries, or the owner's access token."""
    if not SEGMENT.fullmatch(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"a stream has no file {name!r}")
    job = _segment_job(session, platform, job_id, name, token, bearer)
    key = _key(job, name)
    headers = {"Cache-Control": SEGMENT_CACHE}
    if (path := platform.storage.local_path(key)) is not None:
        return FileResponse(path, media_type=CONTENT_TYPES[".m4s"], headers=headers)
    if url := platform.storage.presigned_get(key, seconds=platform.settings.stream_token_s):
        return RedirectResponse(url, status.HTTP_307_TEMPORARY_REDIRECT)
    raise HTTPException(status.HTTP_404_NOT_FOUND, "this segment is not published (yet)")
