"""Projects: only their owner (or an admin) ever sees or touches one.

A project is a document: its name, script and film settings (GET, PUT replaces, PATCH merges;
settings checked by the film request's own rules), and the films made from it (`/renders`).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import func, select

from db import crud
from db.models import ActivityKind, Job, JobKind, Project, Role, User
from infra.storage import project_prefix
from pipelines import script
from serve_apps.api import films
from serve_apps.api.audit import AuditDep
from serve_apps.api.deps import (
    CurrentUser,
    IdempotencyDep,
    OwnedProject,
    PageDep,
    PlatformDep,
    SessionDep,
)
from serve_apps.api.idempotency import RESPONSES as IDEMPOTENT
from serve_apps.api.schemas.common import Page
from serve_apps.api.schemas.projects import (
    CastLook,
    CharacterOut,
    CharactersOut,
    ProjectCreate,
    ProjectDetail,
    ProjectOut,
    ProjectReplace,
    ProjectUpdate,
    RenderOut,
)

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=Page[ProjectOut])
def list_projects(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    all_users: bool = Query(False, description="admins: every user's projects"),
) -> Page[ProjectOut]:
    items, total = crud.projects.list_page(
        session,
        user,
        offset=page.offset,
        limit=page.limit,
        all_users=all_users and user.role == Role.admin,
    )
    return Page(
        items=[ProjectOut.model_validate(p) for p in items],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


def _detail(session, project: Project) -> ProjectDetail:
    detail = ProjectDetail.model_validate(project)
    detail.has_storyboard = crud.storyboards.get(session, project) is not None
    return detail


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ProjectDetail, responses=IDEMPOTENT
)
def create_project(
    body: ProjectCreate,
    session: SessionDep,
    user: CurrentUser,
    platform: PlatformDep,
    idempotency: IdempotencyDep,
):
    if (first := idempotency.claim(session)) is not None:
        return first
    project = crud.projects.create(
        session, owner=user, name=body.name, description=body.description
    )
    settings = films.check_settings(session, platform, project, body.settings.model_dump())
    crud.projects.update(session, project, script=body.script, settings=settings)
    return idempotency.commit(session, _detail(session, project))


@router.get("/{project_id}", response_model=ProjectDetail)
def get_project(project: OwnedProject, session: SessionDep) -> ProjectDetail:
    """The project with its script and film settings."""
    return _detail(session, project)


@router.put("/{project_id}", response_model=ProjectDetail)
def replace_project(
    body: ProjectReplace, project: OwnedProject, session: SessionDep, platform: PlatformDep
) -> ProjectDetail:
    """Replace the project's name, description, script and settings (what is left out takes
    its default)."""
    settings = films.check_settings(session, platform, project, body.settings.model_dump())
    crud.projects.update(
        session,
        project,
        name=body.name,
        description=body.description,
        script=body.script,
        settings=settings,
    )
    session.commit()
    return _detail(session, project)


@router.patch("/{project_id}", response_model=ProjectDetail)
def update_project(
    body: ProjectUpdate, project: OwnedProject, session: SessionDep, platform: PlatformDep
) -> ProjectDetail:
    """Change what is given; `settings` are merged into the project's."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "settings" in changes:
        merged = (project.settings or {}) | changes["settings"]
        changes["settings"] = films.check_settings(session, platform, project, merged)
    crud.projects.update(session, project, **changes)
    session.commit()
    return _detail(session, project)


@router.get("/{project_id}/characters", response_model=CharactersOut)
def list_characters(project: OwnedProject) -> CharactersOut:
    """The script's speaking characters (the narrator aside), in order of their first line, each
    with its look from the project's `cast` setting (drawn where it has none)."""
    names = script.analyze(project.script).characters if project.script.strip() else []
    cast = {k.upper(): v for k, v in ((project.settings or {}).get("cast") or {}).items()}
    return CharactersOut(
        characters=[
            CharacterOut(name=name, look=CastLook.model_validate(cast.get(name.upper(), {})))
            for name in names
        ]
    )


@router.get("/{project_id}/renders", response_model=Page[RenderOut])
def list_renders(project: OwnedProject, session: SessionDep, page: PageDep) -> Page[RenderOut]:
    """Every film made from the project, newest first: what it was made from (settings, plan,
    the storyboard's version) and its outputs once it succeeded."""
    query = select(Job).where(Job.project_id == project.id, Job.kind == JobKind.video)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    jobs = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc()).offset(page.offset).limit(page.limit)
    )
    return Page(
        items=[_render(job) for job in jobs], total=total, offset=page.offset, limit=page.limit
    )


def _render(job: Job) -> RenderOut:
    params, result = job.params, job.result or {}
    settings = params.get("settings") or {
        name: params[name] for name in films.SETTING_NAMES if name in params
    }
    if isinstance(settings.get("music"), dict):  # an audio asset's ref: its id
        settings = settings | {"music": settings["music"]["asset_id"]}
    return RenderOut(
        job_id=job.id,
        status=job.status.value,
        source="storyboard" if params.get("from") == "storyboard" else "request",
        storyboard_version=params.get("storyboard_version"),
        settings=settings,
        plan=result.get("plan") or params.get("plan"),
        outputs={
            name: f"/api/v1/jobs/{job.id}/outputs/{name}" for name in result.get("outputs", {})
        },
        duration=result.get("duration"),
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(
    project: OwnedProject,
    session: SessionDep,
    platform: PlatformDep,
    user: CurrentUser,
    audit: AuditDep,
) -> Response:
    """Delete the project with its assets, jobs and films (refused while a job is active)."""
    if crud.projects.has_active_jobs(session, project):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "project has queued or running jobs; cancel them first"
        )
    prefix = project_prefix(project.owner_id, project.id)
    owner = session.get(User, project.owner_id)
    audit.record(
        session,
        ActivityKind.project_delete,
        owner,
        actor=user,
        project=str(project.id),
        name=project.name,
    )
    crud.projects.delete(session, project)
    session.commit()
    platform.storage.delete_prefix(prefix)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
