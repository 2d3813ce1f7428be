"""Projects: only their owner (or an admin) ever sees or touches one."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Response, status

from db import crud
from db.models import ActivityKind, Role, User
from infra.storage import project_prefix
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
from serve_apps.api.schemas.projects import ProjectCreate, ProjectOut, ProjectUpdate

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


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ProjectOut, responses=IDEMPOTENT
)
def create_project(
    body: ProjectCreate, session: SessionDep, user: CurrentUser, idempotency: IdempotencyDep
):
    if (first := idempotency.claim(session)) is not None:
        return first
    project = crud.projects.create(
        session, owner=user, name=body.name, description=body.description
    )
    return idempotency.commit(session, ProjectOut.model_validate(project))


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(project: OwnedProject) -> ProjectOut:
    return ProjectOut.model_validate(project)


@router.patch("/{project_id}", response_model=ProjectOut)
def update_project(body: ProjectUpdate, project: OwnedProject, session: SessionDep) -> ProjectOut:
    crud.projects.update(session, project, **body.model_dump(exclude_unset=True, exclude_none=True))
    session.commit()
    return ProjectOut.model_validate(project)


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
