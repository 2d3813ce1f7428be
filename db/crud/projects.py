"""Projects, always looked up through their owner (admins look up any)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.crud import users
from db.models import Job, JobStatus, Project, User


def create(session: Session, *, owner: User, name: str, description: str = "") -> Project:
    project = Project(owner_id=owner.id, name=name, description=description)
    session.add(project)
    session.flush()
    return project


def get_for(session: Session, user: User, project_id: uuid.UUID) -> Project | None:
    """The project if `user` may see it (its owner, or an admin); None otherwise."""
    return users.visible_to(session, user, Project, project_id)


def list_page(
    session: Session, user: User, *, offset: int, limit: int, all_users: bool = False
) -> tuple[list[Project], int]:
    query = select(Project)
    if not all_users:
        query = query.where(Project.owner_id == user.id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(
        query.order_by(Project.created_at.desc(), Project.id).offset(offset).limit(limit)
    )
    return list(page), total or 0


def update(session: Session, project: Project, **changes: str) -> Project:
    for field, value in changes.items():
        setattr(project, field, value)
    project.updated_at = utcnow()
    session.flush()
    return project


def has_active_jobs(session: Session, project: Project) -> bool:
    active = select(Job.id).where(
        Job.project_id == project.id, Job.status.in_([JobStatus.queued, JobStatus.running])
    )
    return session.scalar(active.limit(1)) is not None


def delete(session: Session, project: Project) -> None:
    session.delete(project)
    session.flush()
