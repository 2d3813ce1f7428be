"""Jobs: status, details, cancel, live progress over a WebSocket, and the finished files."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import (
    APIRouter,
    HTTPException,
    Path,
    Query,
    Response,
    WebSocket,
    WebSocketDisconnect,
    status,
)
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from db import crud
from db.models import Job, JobStatus, User
from infra.events import Event, follow
from infra.storage import MEDIA_TYPES
from serve_apps.api.deps import (
    BearerToken,
    CurrentUser,
    PageDep,
    PlatformDep,
    SessionDep,
    authenticate,
)
from serve_apps.api.downloads import stream_or_redirect
from serve_apps.api.platform import Platform
from serve_apps.api.schemas.common import Page
from serve_apps.api.schemas.jobs import JobOut, JobStatusOut

router = APIRouter(prefix="/jobs", tags=["jobs"])

MAX_OUTPUT_NAME = 64  # short: film, srt, vtt, srt-es, vtt-pt-BR, thumbnail, shot-NNN
MAX_TOKEN = 4096  # an access token is far shorter
MAX_EVENT_ID = 2**63 - 1  # event ids are 64-bit


def _job(session: Session, user: User, job_id: uuid.UUID) -> Job:
    job = crud.jobs.get_for(session, user, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "job not found")
    return job


def job_out(job: Job) -> JobOut:
    out = JobOut.model_validate(job)
    out.outputs = sorted((job.result or {}).get("outputs", {}))
    return out


@router.get("", response_model=Page[JobOut])
def list_jobs(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status_filter: JobStatus | None = Query(None, alias="status"),
    project_id: uuid.UUID | None = None,
) -> Page[JobOut]:
    items, total = crud.jobs.list_page(
        session,
        owner_id=user.id,
        offset=page.offset,
        limit=page.limit,
        status=status_filter,
        project_id=project_id,
    )
    return Page(
        items=[job_out(j) for j in items], total=total, offset=page.offset, limit=page.limit
    )


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> JobOut:
    return job_out(_job(session, user, job_id))


def _read_status(platform: Platform, token: str | None, job_id: uuid.UUID) -> JobStatusOut:
    with platform.db.session(write=False) as session:
        return JobStatusOut.model_validate(
            _job(session, authenticate(platform, session, token), job_id)
        )


@router.get("/{job_id}/status", response_model=JobStatusOut)
async def job_status(job_id: uuid.UUID, platform: PlatformDep, token: BearerToken) -> JobStatusOut:
    """What clients poll: the same checks as every route (token, owner), done in one trip to a
    worker thread instead of one per dependency, since this is the hottest path of the API."""
    return await run_in_threadpool(_read_status, platform, token, job_id)


@router.post("/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=JobStatusOut)
def cancel_job(
    job_id: uuid.UUID, session: SessionDep, user: CurrentUser, platform: PlatformDep
) -> JobStatusOut:
    """Cancel: a queued job at once (credits released), a running one as soon as its worker sees it."""
    job, event = crud.jobs.request_cancel(session, _job(session, user, job_id).id)
    session.commit()
    if event is not None:
        platform.bus.publish(Event.from_row(event))
    return JobStatusOut.model_validate(job)


@router.get(
    "/{job_id}/outputs/{name}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "video/mp4": {},
                "text/vtt": {},
                "image/jpeg": {},
                "audio/mp4": {},
                "audio/mpeg": {},
            }
        },
        307: {"description": "S3"},
    },
)
def download_output(
    job_id: uuid.UUID,
    name: Annotated[str, Path(min_length=1, max_length=MAX_OUTPUT_NAME)],
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
):
    """A finished job's file: film, srt, vtt, thumbnail, srt-LANG / vtt-LANG (each extra
    subtitle track asked for with `subtitles`), and with `podcast` podcast-m4a, podcast-mp3,
    transcript, transcript-json (video); or shot-NNN (storyboard)."""
    job = _job(session, user, job_id)
    if job.status != JobStatus.succeeded:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the job is {job.status}, not succeeded")
    key = (job.result or {}).get("outputs", {}).get(name)
    if key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"this job has no output {name!r}")
    suffix = PurePosixPath(key).suffix
    return stream_or_redirect(platform, key, f"{job.id}-{name}{suffix}", MEDIA_TYPES.get(suffix))


# --- live progress --------------------------------------------------------------------------


def _authorize(platform: Platform, token: str | None, job_id: uuid.UUID) -> None:
    with platform.db.session(write=False) as session:
        _job(session, authenticate(platform, session, token), job_id)


def _events_after(platform: Platform, job_id: uuid.UUID, after: int) -> list[Event]:
    with platform.db.session(write=False) as session:
        return [Event.from_row(row) for row in crud.jobs.events_after(session, job_id, after)]


def _bearer(websocket: WebSocket, token: str | None) -> str | None:
    header = websocket.headers.get("authorization", "")
    return token or (header[7:] if header.lower().startswith("bearer ") else None)


async def _refuse(websocket: WebSocket, exc: HTTPException) -> None:
    """Answer the handshake with the HTTP error (401, 404) where the server can; else close."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"detail": exc.detail}, exc.status_code))
    else:
        await websocket.close(code=4000 + exc.status_code, reason=str(exc.detail))


async def _until_disconnect(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


@router.websocket("/{job_id}/events")
async def job_events(
    websocket: WebSocket,
    job_id: uuid.UUID,
    token: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
) -> None:
    """Every progress event of the job as JSON, from cursor `after`, until it finishes.

    Authenticate with `?token=<access token>` (browsers cannot set headers on a WebSocket) or an
    Authorization header. Each message: {id, job_id, status, stage, progress, message, at};
    reconnect with `?after=<last id>` to resume without gaps.
    """
    platform: Platform = websocket.app.state.platform
    try:
        await run_in_threadpool(_authorize, platform, _bearer(websocket, token), job_id)
    except HTTPException as exc:
        await _refuse(websocket, exc)
        return
    await websocket.accept()

    async def read_after(cursor: int) -> list[Event]:
        return await run_in_threadpool(_events_after, platform, job_id, cursor)

    async def stream() -> None:
        async for event in follow(platform.bus, str(job_id), read_after, after=after):
            await websocket.send_text(event.model_dump_json())
        await websocket.close()

    sender = asyncio.create_task(stream())
    watcher = asyncio.create_task(_until_disconnect(websocket))
    try:
        await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, watcher):
            task.cancel()
        for task in (sender, watcher):
            try:
                await task
            except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                pass
