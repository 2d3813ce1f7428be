"""A project's storyboard: made by a job, read, edited at a known version, a still redrawn.

    POST …/storyboard                  → 202 job: the plan and one still per shot, kept as the
                                         project's storyboard when it succeeds
    GET  …/storyboard                  → scenes → shots → lines, pictures, stills, estimates;
                                         `ETag: "<version>"`
    PUT  …/storyboard   (If-Match)     → the edited storyboard, checked, one version on
    POST …/storyboard/shots/{n}/still  → 202 job: shot n's still drawn again
    GET  …/storyboard/shots/{n}/still  → the still (JPEG)

An edit must name the version it was made on (`If-Match`): without it 428, with an older one
412 (another tab changed it first), so no edit silently overwrites another. Nothing is written
by a refused edit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Response, status
from sqlalchemy.orm import Session

from db import crud
from db.models import AssetKind, JobKind, Project, Storyboard
from pipelines.errors import InputError
from pipelines.plan import Line, Shot
from pipelines.timeline import estimate_shot
from serve_apps.api import films
from serve_apps.api.deps import CurrentUser, IdempotencyDep, OwnedProject, PlatformDep, SessionDep
from serve_apps.api.downloads import stream_or_redirect
from serve_apps.api.errors import field_error
from serve_apps.api.routes.generate import ACCEPTED, etag, etag_matches, submit
from serve_apps.api.schemas.jobs import JobAccepted
from serve_apps.api.schemas.storyboard import (
    MAX_SCENES,
    MAX_SHOTS,
    PictureOut,
    SceneOut,
    ShotOut,
    StillRequest,
    StoryboardIn,
    StoryboardOut,
)
from serve_apps.jobs.storyboard import characters, new_shot_id, shots

# A shot's position in the whole storyboard, from 1.
ShotNumber = Annotated[int, Path(ge=1, le=MAX_SCENES * MAX_SHOTS, description="the shot, from 1")]

router = APIRouter(prefix="/projects/{project_id}/storyboard", tags=["storyboard"])

NO_STORYBOARD = "the project has no storyboard yet; POST …/storyboard to make one"
EDIT_RESPONSES = {
    status.HTTP_412_PRECONDITION_FAILED: {"description": "If-Match names an older version"},
    status.HTTP_428_PRECONDITION_REQUIRED: {"description": "If-Match is missing"},
}


def _owned(project: Project, user) -> Project:
    """Jobs are charged to the project's owner, so only the owner may start them."""
    if project.owner_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "project not found")
    return project


def _board(session: Session, project: Project) -> Storyboard:
    board = crud.storyboards.get(session, project)
    if board is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_STORYBOARD)
    return board


def _shot_at(board: Storyboard, n: int) -> tuple[int, dict]:
    every = shots(board.document)
    if not 1 <= n <= len(every):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            field_error("n", f"no shot {n}; the storyboard has shots 1–{len(every)}", "path"),
        )
    return n - 1, every[n - 1]


def _estimate(shot: dict) -> float:
    lines = [Line(line["speaker"], line["text"]) for line in shot["lines"]]
    return round(estimate_shot(Shot(shot["description"], lines, shot.get("centered", False))), 2)


def _out(board: Storyboard) -> StoryboardOut:
    document, n, scenes = board.document, 0, []
    base = f"/api/v1/projects/{board.project_id}/storyboard/shots"
    for scene in document["scenes"]:
        shot_outs = []
        for shot in scene["shots"]:
            n += 1
            asset = shot.get("asset_id")
            shot_outs.append(
                ShotOut(
                    n=n,
                    id=shot["id"],
                    description=shot["description"],
                    centered=shot.get("centered", False),
                    asset_id=asset,
                    picture=PictureOut(kind="asset" if asset else "drawn", asset_id=asset),
                    still_url=f"{base}/{n}/still?v={board.version}"
                    if shot.get("still_key")
                    else None,
                    estimate_s=_estimate(shot),
                    lines=shot["lines"],
                )
            )
        scenes.append(
            SceneOut(
                heading=scene.get("heading"),
                number=scene.get("number"),
                transition=scene.get("transition"),
                estimate_s=round(sum(s.estimate_s for s in shot_outs), 2),
                shots=shot_outs,
            )
        )
    return StoryboardOut(
        project_id=board.project_id,
        version=board.version,
        title=document["title"],
        mood=document.get("mood", "calm"),
        format=document.get("format", "fountain"),
        characters=characters(document),
        settings=board.settings or {},
        estimate_s=round(sum(scene.estimate_s for scene in scenes), 2),
        job_id=board.job_id,
        updated_at=board.updated_at,
        scenes=scenes,
    )


@router.post(
    "", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted, responses=ACCEPTED
)
def create_storyboard(
    project: OwnedProject,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
):
    """Make the project's storyboard from its script, settings and images: a job whose success
    replaces the storyboard (its outputs are the stills, shot-001, shot-002, …)."""
    if (first := idempotency.claim(session)) is not None:
        return first
    _owned(project, user)
    params = films.storyboard_params(session, platform, user, project)
    return submit(
        session,
        platform,
        user,
        idempotency,
        project,
        JobKind.storyboard,
        params,
        tier=params["tier"],
    )


@router.get("", response_model=StoryboardOut)
def get_storyboard(project: OwnedProject, session: SessionDep, response: Response):
    """Scenes → shots → lines (speaker, text), each shot's picture (an asset or the studio's
    drawn one), its still's URL and a timing estimate. The ETag is the version."""
    board = _board(session, project)
    response.headers["ETag"] = etag(board.version)
    return _out(board)


@router.put("", response_model=StoryboardOut, responses=EDIT_RESPONSES)
def update_storyboard(
    body: StoryboardIn,
    project: OwnedProject,
    session: SessionDep,
    response: Response,
    if_match: str | None = Header(
        None, max_length=200, description='the version edited, as its ETag: "3"'
    ),
):
    """Replace the storyboard with its edited copy: lines' text and speakers, shots' pictures
    (an image asset of the project, or none for the studio's own), shots moved, deleted
    (left out) or added (no id). A shot whose picture or description changed loses its still
    until it is redrawn."""
    if if_match is None:
        raise HTTPException(
            status.HTTP_428_PRECONDITION_REQUIRED,
            field_error("If-Match", "send the ETag of the version you edited", "header"),
        )
    board = crud.storyboards.locked(session, project.id)
    if board is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_STORYBOARD)
    if not etag_matches(if_match, board.version):
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED,
            field_error(
                "If-Match",
                f"the storyboard changed: it is at version {board.version}; reload and edit that",
                "header",
            ),
            headers={"ETag": etag(board.version)},
        )
    document = _edited(session, project, board, body)
    board = crud.storyboards.save(session, project.id, document)
    session.commit()
    response.headers["ETag"] = etag(board.version)
    return _out(board)


def _edited(session: Session, project: Project, board: Storyboard, body: StoryboardIn) -> dict:
    """The new document, every change checked (InputError names the field)."""
    before = {
        shot["id"]: (scene, shot) for scene in board.document["scenes"] for shot in scene["shots"]
    }
    wanted = {shot.asset_id for scene in body.scenes for shot in scene.shots if shot.asset_id}
    images = crud.assets.ready_in(session, project, list(wanted))
    if not body.scenes:
        raise InputError("scenes", "a storyboard needs at least one scene")
    seen: set[str] = set()
    scenes = []
    for s, scene in enumerate(body.scenes):
        where = f"scenes.{s}"
        if not scene.shots:
            raise InputError(
                f"{where}.shots", "a scene needs at least one shot; leave the scene out instead"
            )
        shots_out = []
        for k, shot in enumerate(scene.shots):
            at = f"{where}.shots.{k}"
            if shot.id is not None and (shot.id not in before or shot.id in seen):
                problem = (
                    "appears twice" if shot.id in seen else f"is not in version {board.version}"
                )
                raise InputError(f"{at}.id", f"shot {shot.id} {problem}; a new shot has no id")
            if shot.asset_id is not None:
                asset = images.get(shot.asset_id)
                if asset is None or asset.kind != AssetKind.image:
                    raise InputError(
                        f"{at}.asset_id", f"{shot.asset_id} is not a ready image of this project"
                    )
            for i, line in enumerate(shot.lines):
                if not line.text.strip():
                    raise InputError(
                        f"{at}.lines.{i}.text", "a line needs text; leave the line out instead"
                    )
                if not line.speaker.strip():
                    raise InputError(
                        f"{at}.lines.{i}.speaker", "a line needs a speaker (NARRATOR or a name)"
                    )
            if not shot.description.strip() and not shot.lines:
                raise InputError(f"{at}.description", "a shot needs a description or a line")
            old_scene, old = before.get(shot.id, ({}, {}))
            asset_id = str(shot.asset_id) if shot.asset_id else None
            same_picture = (
                old.get("asset_id") == asset_id
                and old.get("description") == shot.description
                and old_scene.get("heading") == scene.heading
            )
            if shot.id is not None:
                seen.add(shot.id)
            shots_out.append(
                {
                    "id": shot.id or new_shot_id(),
                    "description": shot.description,
                    "centered": shot.centered,
                    "prompt": old.get("prompt") if same_picture else None,
                    "camera": old.get("camera"),
                    # a stanza stays one (its card keeps the line breaks); a new shot of a poem
                    # is one too
                    "verse": old.get("verse", board.document.get("format") == "verse"),
                    "asset_id": asset_id,
                    "still_key": old.get("still_key") if same_picture else None,
                    # speakers as the plan names them: upper case (one voice per name)
                    "lines": [
                        line.model_dump() | {"speaker": line.speaker.strip().upper()}
                        for line in shot.lines
                    ],
                }
            )
        scenes.append(
            {
                "heading": scene.heading,
                "number": scene.number,
                "transition": scene.transition,
                "shots": shots_out,
            }
        )
    return {**board.document, "title": body.title, "scenes": scenes}


@router.post(
    "/shots/{n}/still",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses=ACCEPTED,
)
def redraw_still(
    n: ShotNumber,
    project: OwnedProject,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
    body: StillRequest | None = None,
):
    """Draw shot n's still again (its picture as chosen; another seed if given): a job whose
    success puts the still on the shot, wherever it has moved since."""
    if (first := idempotency.claim(session)) is not None:
        return first
    _owned(project, user)
    board = _board(session, project)
    index, shot = _shot_at(board, n)
    settings = project.settings or {}
    if body is not None and body.seed is not None:
        settings = settings | {"seed": body.seed}
    params = films.plan_params(session, platform, user, project, board, settings)
    params["storyboard"] = {"redraw": {"shot_id": shot["id"], "index": index}}
    return submit(
        session,
        platform,
        user,
        idempotency,
        project,
        JobKind.storyboard,
        params,
        tier=params["tier"],
    )


@router.get(
    "/shots/{n}/still",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def get_still(n: ShotNumber, project: OwnedProject, session: SessionDep, platform: PlatformDep):
    """Shot n's still (JPEG): streamed, or a redirect to a presigned S3 URL."""
    _, shot = _shot_at(_board(session, project), n)
    if not shot.get("still_key"):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            field_error("n", f"shot {n} has no still since its picture changed; redraw it", "path"),
        )
    return stream_or_redirect(platform, shot["still_key"], f"shot-{n:03d}.jpg", "image/jpeg")
