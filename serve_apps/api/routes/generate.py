"""Generate: a script's plan, a storyboard, or the film — each a durable job, answered 202.

Everything a user can get wrong is checked before anything is written: the body's types, the
tier their subscription allows, that the images, music and translations are ready assets of the
project (of the right kind), and
the film request itself (the pipeline's own rules: duration range, size, fps…, and for a film
that its script can fit the length). A film may also be the project's storyboard, rendered
exactly as edited (`"from": "storyboard"`). Then, in one transaction, the job row and its credit
hold (402 with the balance when short), and the Idempotency-Key's answer. Only after that
commits is the job handed to the supervisor.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Header, HTTPException, status
from sqlalchemy.orm import Session

from db import crud
from db.crud.credits import InsufficientCredits
from db.models import AssetKind, JobKind, Project, User
from pipelines import preflight
from pipelines.errors import InputError
from serve_apps.api import films
from serve_apps.api.deps import (
    CurrentUser,
    IdempotencyDep,
    PlatformDep,
    SessionDep,
    VerifiedUser,
)
from serve_apps.api.errors import field_error
from serve_apps.api.idempotency import RESPONSES as IDEMPOTENT
from serve_apps.api.idempotency import Idempotency
from serve_apps.api.platform import Platform
from serve_apps.api.pricing import price
from serve_apps.api.schemas.jobs import FilmJobIn, JobAccepted, ScriptJobIn, VideoJobIn
from serve_apps.jobs import spec

router = APIRouter(prefix="/generate", tags=["generate"])

ACCEPTED = {
    status.HTTP_402_PAYMENT_REQUIRED: {
        "description": "not enough credits (the balance is in the body)"
    },
    status.HTTP_403_FORBIDDEN: {"description": "the email is not verified yet, or the tier"},
    **IDEMPOTENT,
}


def _own_project(session: Session, user: User, project_id: uuid.UUID) -> Project:
    """Jobs are charged to the project's owner, so only the owner may start them."""
    project = crud.projects.get_for(session, user, project_id)
    if project is None or project.owner_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "project not found")
    return project


def _film_params(
    session: Session,
    platform: Platform,
    user: User,
    project: Project,
    kind: JobKind,
    body: FilmJobIn,
) -> dict[str, Any]:
    """The job's stored parameters, checked as the worker will build them."""
    films.check_tier(user, platform, body.tier)
    wanted = [*body.image_ids, *([body.music] if isinstance(body.music, uuid.UUID) else [])]
    assets = crud.assets.ready_in(session, project, wanted)
    images = []
    for i, asset_id in enumerate(body.image_ids):
        asset = assets.get(asset_id)
        if asset is None or asset.kind != AssetKind.image:
            raise InputError(f"image_ids.{i}", f"{asset_id} is not a ready image of this project")
        images.append(films.asset_ref(asset))
    music: str | dict[str, str] = body.music if isinstance(body.music, str) else {}
    if isinstance(body.music, uuid.UUID):
        track = assets.get(body.music)
        if track is None or track.kind != AssetKind.audio:
            raise InputError("music", f"{body.music} is not a ready audio track of this project")
        music = films.asset_ref(track)
    translations = films.translation_refs(session, project, body.translations)
    refs = films.reference_refs(session, project, body.references)
    params = body.model_dump(
        mode="json", exclude={"project_id", "image_ids", "music", "translations"}
    )
    params |= {"images": images, "music": music, "translations": translations, "references": refs}
    params["looks"] = films.cast_refs(session, platform, project, params["cast"])
    request = spec.film_request(  # the pipeline's own checks, keys standing in for the files
        params,
        images=[Path(image["key"]) for image in images],
        music=Path(music["key"]) if isinstance(music, dict) else music,
        references=films.reference_paths(refs),
        settings=platform.settings,
        translations=films.translation_paths(translations),
    )
    if kind == JobKind.video:
        preflight.check_fits(request)  # a film that cannot fit is refused before it is charged
    return params


def submit(
    session: Session,
    platform: Platform,
    user: User,
    idempotency: Idempotency,
    project: Project,
    kind: JobKind,
    params: dict[str, Any],
    *,
    tier: str = "draft",
):
    cost = price(platform.settings, kind, tier=tier, duration=params.get("duration", 0.0))
    platform.top_up(session, user)
    try:
        job = crud.jobs.create(
            session,
            project=project,
            kind=kind,
            tier=tier,
            params=params,
            cost=cost,
            max_attempts=platform.settings.job_max_attempts,
        )
    except InsufficientCredits as exc:
        session.rollback()
        raise HTTPException(
            status.HTTP_402_PAYMENT_REQUIRED,
            {"msg": str(exc), "balance": exc.balance, "needed": exc.needed},
        ) from None
    return accept(session, platform, idempotency, user, job, cost)


@router.post(
    "/script", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted, responses=ACCEPTED
)
def generate_script(
    body: ScriptJobIn,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
):
    """Analyse a script: scenes, shots, spoken lines, characters and mood (the job's result)."""
    if (first := idempotency.claim(session)) is not None:
        return first
    project = _own_project(session, user, body.project_id)
    if not body.script.strip():
        raise InputError("script", "script is empty")
    params = {"script": body.script, "narrate_action": body.narrate_action}
    return submit(session, platform, user, idempotency, project, JobKind.script, params)


@router.post(
    "/storyboard",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses=ACCEPTED,
)
def generate_storyboard(
    body: FilmJobIn,
    session: SessionDep,
    user: VerifiedUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
):
    """The plan and one still per shot (outputs shot-001, shot-002, …)."""
    return _film_job(JobKind.storyboard, body, session, user, platform, idempotency)


@router.post(
    "/video", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted, responses=ACCEPTED
)
def generate_video(
    body: VideoJobIn,
    session: SessionDep,
    user: VerifiedUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
    if_match: str | None = Header(
        None,
        max_length=200,
        description='with "from": "storyboard": render only this storyboard version (ETag)',
    ),
):
    """The film: MP4 with subtitles (SRT, VTT) and a thumbnail (outputs film, srt, vtt, thumbnail).

    With `"from": "storyboard"`, the project's storyboard exactly as edited (its lines spoken
    and subtitled, its pictures), with the project's settings; any film option in the body
    overrides its setting for this render. 409 when the project has no storyboard yet, 412
    when `If-Match` names another version than the current one."""
    if body.from_ == "request":
        if body.script is None:
            raise InputError("script", 'Field required (or "from": "storyboard")')
        film = FilmJobIn.model_validate(body.model_dump(exclude={"from_"}))
        return _film_job(JobKind.video, film, session, user, platform, idempotency)
    if (first := idempotency.claim(session)) is not None:
        return first
    project = _own_project(session, user, body.project_id)
    board = crud.storyboards.get(session, project)
    if board is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            field_error("from", "the project has no storyboard yet; POST its storyboard first"),
        )
    if if_match is not None and not etag_matches(if_match, board.version):
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED,
            field_error("If-Match", f"the storyboard is at version {board.version}", "header"),
            headers={"ETag": etag(board.version)},
        )
    chosen = body.model_dump(
        mode="json", include=body.model_fields_set - {"project_id", "from_", "script", "image_ids"}
    )
    settings = (project.settings or {}) | chosen
    params = films.plan_params(session, platform, user, project, board, settings)
    return submit(
        session, platform, user, idempotency, project, JobKind.video, params, tier=params["tier"]
    )


def etag(version: int) -> str:
    return f'"{version}"'


def etag_matches(if_match: str, version: int) -> bool:
    """`If-Match`: one of its tags is the version's (weak or strong), or `*`."""
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    return "*" in tags or etag(version) in tags


def _film_job(kind: JobKind, body: FilmJobIn, session, user, platform, idempotency):
    """A storyboard or video job: the first answer for a repeated key, else checked and queued."""
    if (first := idempotency.claim(session)) is not None:
        return first
    project = _own_project(session, user, body.project_id)
    params = _film_params(session, platform, user, project, kind, body)
    return submit(session, platform, user, idempotency, project, kind, params, tier=body.tier)


def accept(session, platform: Platform, idempotency: Idempotency, user, job, cost: int):
    """Commit a created job with its 202 answer, then start it (a replayed repeat is not
    started twice)."""
    answer = JobAccepted(
        job_id=job.id,
        status=job.status,
        cost=cost,
        balance=crud.credits.balance(session, user.id),
        status_url=f"/api/v1/jobs/{job.id}/status",
        events_url=f"/api/v1/jobs/{job.id}/events",
    )
    response = idempotency.commit(session, answer, status.HTTP_202_ACCEPTED)
    if not idempotency.replayed:
        platform.jobs.submit(job.id)
    return response
